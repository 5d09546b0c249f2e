//! The CD pipeline of one stage (upstream `cicd-pipeline`): the
//! application and manifests sources, each on its own branch; the image and
//! manifests builds; one deploy action per deployment, each with its own
//! cluster, region, account, role and manifest.

use crate::iam::RoleArn;
use crate::patterns::eks::Cluster;

/// The branch both sources follow unless a stage sets others.
pub const DEFAULT_BRANCH: &str = "main";

/// One deployment of a stage: a manifest applied to one cluster.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub(crate) name: String,
    pub(crate) cluster: String,
    pub(crate) region: String,
    pub(crate) role: RoleArn,
    pub(crate) manifest_path: Option<String>,
    pub(crate) variables: Vec<(String, String)>,
}

impl Deployment {
    /// The deploy action `name` (letters, digits, `.@_-`) to `cluster`:
    /// its name, region and deploy role ([`Cluster::role_arn`]).
    pub fn new(name: impl Into<String>, cluster: &Cluster) -> Self {
        Self {
            name: name.into(),
            cluster: cluster.name().to_owned(),
            region: cluster.region().to_owned(),
            role: cluster.role_arn(),
            manifest_path: None,
            variables: Vec::new(),
        }
    }

    /// The role the deploy assumes. It must carry the tag
    /// `deployTo=<cluster>`, which the deploy project's permission
    /// requires. Default: the cluster's deploy role.
    pub fn role(mut self, role: RoleArn) -> Self {
        self.role = role;
        self
    }

    /// The manifest to apply, relative to the built manifests
    /// (`MANIFEST_PATH`). Default: `build/<stage>.yaml`, what the Kustomize
    /// and Helm builds write.
    pub fn manifest_path(mut self, path: impl Into<String>) -> Self {
        self.manifest_path = Some(path.into());
        self
    }

    /// Sets a variable of this deploy action. Default: none.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push((name.into(), value.into()));
        self
    }
}

/// A stage: one pipeline of an application's CD stack.
#[derive(Clone, Debug)]
pub struct Stage {
    pub(crate) name: String,
    pub(crate) branch: String,
    pub(crate) manifests_branch: Option<String>,
    pub(crate) deployments: Vec<Deployment>,
    pub(crate) variables: Vec<(String, String)>,
}

impl Stage {
    /// The stage `name` (also its overlay or values file in the manifests
    /// repository, and its pipeline's logical ID).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            branch: DEFAULT_BRANCH.to_owned(),
            manifests_branch: None,
            deployments: Vec::new(),
            variables: Vec::new(),
        }
    }

    /// The application repository's branch whose pushes start the
    /// pipeline (upstream `source_repository_branch`); the manifests follow
    /// it too unless [`Stage::manifests_branch`] says otherwise. Default:
    /// [`DEFAULT_BRANCH`].
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = branch.into();
        self
    }

    /// The manifests repository's branch (upstream
    /// `manifests_repository_branch`). Default: the [`Stage::branch`].
    pub fn manifests_branch(mut self, branch: impl Into<String>) -> Self {
        self.manifests_branch = Some(branch.into());
        self
    }

    /// Adds a deployment. A stage needs at least one.
    pub fn deploy(mut self, deployment: Deployment) -> Self {
        self.deployments.push(deployment);
        self
    }

    /// Sets a variable of every deploy action of the stage (upstream
    /// `deploy_env_vars`). Default: none.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push((name.into(), value.into()));
        self
    }

    /// The manifests repository's branch.
    pub(crate) fn manifests_branch_or_default(&self) -> &str {
        self.manifests_branch.as_deref().unwrap_or(&self.branch)
    }
}

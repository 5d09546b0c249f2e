//! The deploy role of one cluster (upstream `deploy-role`), in the
//! cluster's account and region: the role the operations account's deploy
//! projects assume, and its EKS access entry.

use crate::construct::{Need, Stack};

/// EKS's page on `aws eks update-kubeconfig`, which reads the cluster.
const KUBECONFIG_DOC: &str =
    "https://docs.aws.amazon.com/eks/latest/userguide/create-kubeconfig.html";
use crate::eks::{AccessEntry, AccessPolicy, Scope};
use crate::iam::{Principal, Role, RoleArn, Statement};
use crate::template::{Expr, Output};

/// The Metadata key of the deploy role stack's template that records an
/// access other than namespace-scoped edit, and why.
pub const ACCESS_METADATA: &str = "pipewright:deploy-access";

/// A workload cluster and its deploy role.
#[derive(Clone, Debug)]
pub struct Cluster {
    name: String,
    account: String,
    region: String,
    trusted: Vec<String>,
    namespaces: Vec<String>,
    access: Option<(AccessPolicy, Scope, String)>,
    depends_on: Vec<String>,
    stack: Option<String>,
    tags: Vec<(String, String)>,
}

impl Cluster {
    /// The EKS cluster `name` of `account` in `region`.
    pub fn new(
        name: impl Into<String>,
        account: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            account: account.into(),
            region: region.into(),
            trusted: Vec::new(),
            namespaces: Vec::new(),
            access: None,
            depends_on: Vec::new(),
            stack: None,
            tags: Vec::new(),
        }
    }

    /// Lets principals of `account` tagged `cluster.<name>.deploy=true`
    /// assume the deploy role (upstream `deployment_account_ids`). Default:
    /// the operations account of the system only.
    pub fn trust(mut self, account: impl Into<String>) -> Self {
        self.trusted.push(account.into());
        self
    }

    /// A namespace the deploy role may edit (`AmazonEKSEditPolicy` scoped
    /// to the namespaces). Default: none, which is a synth error unless
    /// [`Cluster::access`] chooses another access.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespaces.push(namespace.into());
        self
    }

    /// Gives the deploy role `policy` on `scope` instead of namespace-scoped
    /// edit, for manifests with cluster-scoped objects; `reason` lands in
    /// the template's Metadata ([`ACCESS_METADATA`]) for reviewers, and
    /// allows [`AccessPolicy::ClusterAdmin`]. Default: `AmazonEKSEditPolicy`
    /// on the [`Cluster::namespace`]s.
    pub fn access(mut self, policy: AccessPolicy, scope: Scope, reason: impl Into<String>) -> Self {
        self.access = Some((policy, scope, reason.into()));
        self
    }

    /// The deploy role stack is deployed after stack `name` (e.g. the
    /// account's bootstrap stack). Default: none.
    pub fn depends_on(mut self, name: impl Into<String>) -> Self {
        self.depends_on.push(name.into());
        self
    }

    /// Names the deploy role stack. Default: `deploy-role-<cluster>`.
    pub fn stack_name(mut self, name: impl Into<String>) -> Self {
        self.stack = Some(name.into());
        self
    }

    /// Tags the deploy role stack (and so its role). Default: none.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cluster's account.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The cluster's region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The deploy role stack's name.
    pub fn role_stack_name(&self) -> String {
        self.stack
            .clone()
            .unwrap_or_else(|| format!("deploy-role-{}", self.name))
    }

    /// The deploy role, `<cluster>-deploy` in the cluster's account.
    pub fn role_arn(&self) -> RoleArn {
        RoleArn::new(self.account.as_str(), format!("{}-deploy", self.name))
    }

    /// The tag a deploy project's role carries to deploy to this cluster,
    /// which the deploy role requires of whoever assumes it.
    pub fn deploy_tag(&self) -> String {
        format!("cluster.{}.deploy", self.name)
    }

    /// The deploy role stack; `operations` is trusted unless
    /// [`Cluster::trust`] named the accounts.
    pub fn build(&self, operations: &str) -> Stack {
        let name = self.role_stack_name();
        let mut stack = Stack::new(&name)
            .description(format!(
                "The role the operations account deploys to EKS cluster {} with (managed by pipewright)",
                self.name
            ))
            .account(&self.account)
            .region(&self.region);
        for d in &self.depends_on {
            stack = stack.depends_on(d.as_str());
        }
        for (k, v) in &self.tags {
            stack = stack.tag(k.as_str(), v.as_str());
        }
        let trusted: Vec<&str> = if self.trusted.is_empty() {
            vec![operations]
        } else {
            self.trusted.iter().map(String::as_str).collect()
        };
        let principal = match trusted.as_slice() {
            [one] => Principal::account(one),
            many => Principal::accounts(many),
        };
        // The role's name is checked at synth (at most 64 characters).
        let role_arn = self.role_arn();
        let role = stack.add(
            Role::assumed_by("DeployRole", principal)
                .principal_tag(&self.deploy_tag(), "true")
                .name(role_arn.name())
                .description(format!("Deploys manifests to EKS cluster {}", self.name))
                .tag("deployTo", self.name.as_str()),
        );
        let cluster_arn = Expr::sub(format!(
            "arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{}",
            self.name
        ));
        stack.for_need(
            Need::feature(
                "the deploy build runs `aws eks update-kubeconfig` with this role",
                KUBECONFIG_DOC,
            ),
            |stack| {
                stack.grant(
                    &role,
                    Statement::allow(["eks:DescribeCluster"]).resource(cluster_arn),
                )
            },
        );
        let entry = self.access_entry(&mut stack, role.arn());
        stack.add(entry);
        stack.add_output(
            "DeployRoleArn",
            Output::new(role.arn()).description("The role the deploy project assumes"),
        );
        stack
    }

    /// The access entry of the deploy role `role_arn`: edit on the
    /// namespaces, or the chosen access with its reason in the template's
    /// Metadata.
    fn access_entry(&self, stack: &mut Stack, role_arn: Expr) -> AccessEntry {
        let entry = AccessEntry::new("DeployRoleAccess", self.name.as_str(), role_arn);
        let Some((policy, scope, reason)) = &self.access else {
            return entry.policy(
                AccessPolicy::Edit,
                Scope::Namespaces(self.namespaces.clone()),
            );
        };
        let scope_text = match scope {
            Scope::Cluster => "cluster".to_owned(),
            Scope::Namespaces(n) => format!("namespaces {}", n.join(", ")),
        };
        stack.add_metadata(
            ACCESS_METADATA,
            Expr::map([
                ("policy", Expr::from(policy.as_str())),
                ("scope", Expr::from(scope_text)),
                ("reason", Expr::from(reason.as_str())),
            ]),
        );
        let entry = entry.policy(*policy, scope.clone());
        if *policy == AccessPolicy::ClusterAdmin {
            entry.cluster_admin(reason.as_str())
        } else {
            entry
        }
    }
}

//! The options of the system's CodeBuild projects (upstream
//! `codebuild-project` as `ecr-project`, `manifests-project` and
//! `deploy-project` use it): where the buildspec comes from, privileged
//! mode, timeout, compute, variables, managed policies, the pull-request
//! webhook; and what builds the manifests.

use crate::buildspec::BuildSpec;
use crate::codebuild::{ComputeType, EnvironmentType, EventAction, FilterGroup, Project};
use crate::template::Expr;

/// Minutes a build of the system may run unless its [`Build`] says
/// otherwise (upstream's deploy project's `build_timeout`).
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 20;
/// The buildspec path in the application repository the image build reads
/// by default (upstream's default: the repository's own buildspec).
pub const DEFAULT_BUILDSPEC: &str = "buildspec.yml";

/// The options of one CodeBuild project of the system.
#[derive(Clone, Debug)]
pub struct Build {
    spec: Option<BuildSpec>,
    path: Option<String>,
    privileged: bool,
    timeout: u32,
    compute: ComputeType,
    environment: EnvironmentType,
    variables: Vec<(String, String)>,
    policies: Vec<String>,
    webhook: bool,
    actors: Option<String>,
}

impl Build {
    fn with(path: Option<&str>, privileged: bool) -> Self {
        Self {
            spec: None,
            path: path.map(str::to_owned),
            privileged,
            timeout: DEFAULT_TIMEOUT_MINUTES,
            compute: ComputeType::default(),
            environment: EnvironmentType::default(),
            variables: Vec::new(),
            policies: Vec::new(),
            webhook: !privileged,
            actors: None,
        }
    }

    /// The image project's defaults: the buildspec read from the
    /// application repository at [`DEFAULT_BUILDSPEC`], privileged (Docker),
    /// [`DEFAULT_TIMEOUT_MINUTES`], [`ComputeType::Small`], the pull-request
    /// webhook off: its role pushes images, and a pull request (from a fork
    /// too) runs the buildspec of its own branch with that role. Turn it on
    /// with [`Build::webhook`] and [`Build::pull_request_actors`].
    pub fn image() -> Self {
        Self::with(Some(DEFAULT_BUILDSPEC), true)
    }

    /// The manifests project's defaults: the [`Manifests`] buildspec
    /// inlined, not privileged, [`DEFAULT_TIMEOUT_MINUTES`],
    /// [`ComputeType::Small`], the pull-request webhook on.
    pub fn manifests() -> Self {
        Self::with(None, false)
    }

    /// The deploy project's defaults: the deploy buildspec inlined, not
    /// privileged, [`DEFAULT_TIMEOUT_MINUTES`], [`ComputeType::Small`] (it
    /// has no webhook: pipelines start it).
    pub fn deploy() -> Self {
        Self::with(None, false)
    }

    /// Replaces the typed buildspec (inlined, or the starting copy of the
    /// repository's). Default: the system's ([`buildspecs`](super::buildspecs)).
    pub fn buildspec(mut self, spec: BuildSpec) -> Self {
        self.spec = Some(spec);
        self
    }

    /// Reads the buildspec from the project's source at `path`; synth
    /// writes the typed one under `buildspecs/<stack>/<project>/<path>` as
    /// the repository's starting copy. Default: the image project reads
    /// [`DEFAULT_BUILDSPEC`], the others inline theirs.
    pub fn from_repository(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Inlines the typed buildspec in the template. Default: see
    /// [`Build::from_repository`].
    pub fn inline(mut self) -> Self {
        self.path = None;
        self
    }

    /// Runs the build privileged (Docker) or not. Default: privileged for
    /// the image project only.
    pub fn privileged(mut self, on: bool) -> Self {
        self.privileged = on;
        self
    }

    /// Sets `TimeoutInMinutes` (5 to 2160). Default:
    /// [`DEFAULT_TIMEOUT_MINUTES`].
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout = minutes;
        self
    }

    /// Sets the compute type. Default: [`ComputeType::Small`].
    pub fn compute(mut self, compute: ComputeType) -> Self {
        self.compute = compute;
        self
    }

    /// Sets the environment type. Default:
    /// [`EnvironmentType::LinuxContainer`].
    pub fn environment(mut self, environment: EnvironmentType) -> Self {
        self.environment = environment;
        self
    }

    /// Adds a plaintext environment variable (a name that looks like a
    /// secret is a synth error). Default: only the system's own
    /// (`REPOSITORY_URI`, `BASE_REPOSITORY_URI`).
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.push((name.into(), value.into()));
        self
    }

    /// Attaches the managed policy `arn` to the project's role. Default:
    /// none.
    pub fn managed_policy(mut self, arn: impl Into<String>) -> Self {
        self.policies.push(arn.into());
        self
    }

    /// Builds every pull request of the project's repository (a CodeBuild
    /// webhook, which the credential's token must be allowed to create).
    /// A pull request runs the buildspec of its own branch with the
    /// project's role: for a project that pushes images, limit it to
    /// trusted authors with [`Build::pull_request_actors`]. Default: on for
    /// the manifests project, off for the image project.
    pub fn webhook(mut self, on: bool) -> Self {
        self.webhook = on;
        self
    }

    /// Builds only the pull requests of the GitHub users whose numeric IDs
    /// match `pattern` (a CodeBuild `ACTOR_ACCOUNT_ID` filter, e.g.
    /// `^(1234567|7654321)$`). Default: every author.
    pub fn pull_request_actors(mut self, pattern: impl Into<String>) -> Self {
        self.actors = Some(pattern.into());
        self
    }

    /// The project `id` of stack `stack` running `default` unless a
    /// buildspec was given, with these options, encrypting its output with
    /// `key` (the pipelines' key) when there is one; its starting copy goes
    /// to `buildspecs/<stack>/<id in lowercase>`.
    pub(crate) fn project(
        &self,
        id: &str,
        stack: &str,
        default: BuildSpec,
        key: Option<&Expr>,
    ) -> Project {
        let spec = self.spec.clone().unwrap_or(default);
        let role = id.to_ascii_lowercase();
        let mut project = Project::new(id, spec)
            .timeout_minutes(self.timeout)
            .compute(self.compute)
            .environment(self.environment);
        project = match &self.path {
            Some(path) => project
                .buildspec_from_source(path.as_str())
                .buildspec_copy(format!("{stack}/{role}/{path}")),
            None => project.buildspec_copy(format!("{stack}/{role}.yml")),
        };
        if self.privileged {
            project = project.privileged();
        }
        for (name, value) in &self.variables {
            project = project.variable(name.as_str(), value.as_str());
        }
        for arn in &self.policies {
            project = project.managed_policy(arn.as_str());
        }
        if let Some(key) = key {
            project = project.kms_key(key.clone());
        }
        project
    }

    /// The pull-request webhook, if on.
    pub(crate) fn with_webhook(&self, project: Project) -> Project {
        if self.webhook {
            let mut group = FilterGroup::in_event_of([
                EventAction::PullRequestCreated,
                EventAction::PullRequestUpdated,
            ]);
            if let Some(actors) = &self.actors {
                group = group.actor_account_id(actors.as_str());
            }
            project.webhook(vec![group])
        } else {
            project
        }
    }
}

/// What builds the manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Manifests {
    /// Kustomize: `overlays/<stage>` per stage ([`super::buildspecs::kustomize`]),
    /// the default.
    #[default]
    Kustomize,
    /// Helm: the chart at `chart` rendered as `release` with
    /// `values/<stage>.yaml` per stage ([`super::buildspecs::helm`]).
    Helm {
        /// The chart's path in the manifests repository.
        chart: String,
        /// The release name.
        release: String,
    },
}

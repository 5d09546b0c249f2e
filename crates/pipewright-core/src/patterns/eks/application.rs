//! One application: its ECR repository (upstream `ecr-repository`), the
//! image and manifests projects built on pull requests (`ecr-project`,
//! `manifests-project`) in its CI stack, and the deploy project
//! (`deploy-project`) with one pipeline per stage (`cicd-pipeline`) in its
//! CD stack.

use crate::buildspec::BuildSpec;
use crate::codebuild::{ComputeType, EventAction, FilterGroup, Project, ProjectRef, Source};
use crate::codepipeline::{
    Action, Artifact, CodeBuildAction, ConnectionSource, Pipeline, Stage as PipelineStage,
};
use crate::construct::Stack;
use crate::ecr::{self, PULL_ACTIONS, PUSH_ACTIONS};
use crate::iam::Statement;
use crate::patterns::eks::buildspecs::{self, APPLICATION};
use crate::patterns::eks::common::{Common, CommonRef};
use crate::patterns::eks::pascal;
use crate::patterns::eks::pipeline::Stage;
use crate::template::{Expr, Output, Parameter, ParameterType};

/// Minutes a build of the system may run unless its [`Build`] says
/// otherwise (upstream's deploy project's `build_timeout`).
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 20;
/// The buildspec path in the application repository the image build reads
/// by default (upstream's default: the repository's own buildspec).
pub const DEFAULT_BUILDSPEC: &str = "buildspec.yml";

/// The artifact name of the manifests repository.
const MANIFESTS: &str = "Manifests";
/// The artifact name of the built manifests.
const BUILT_MANIFESTS: &str = "BuiltManifests";

/// The options of one CodeBuild project of the system.
#[derive(Clone, Debug)]
pub struct Build {
    spec: Option<BuildSpec>,
    path: Option<String>,
    privileged: bool,
    timeout: u32,
    compute: ComputeType,
    variables: Vec<(String, String)>,
    policies: Vec<String>,
    webhook: bool,
}

impl Build {
    fn with(path: Option<&str>, privileged: bool) -> Self {
        Self {
            spec: None,
            path: path.map(str::to_owned),
            privileged,
            timeout: DEFAULT_TIMEOUT_MINUTES,
            compute: ComputeType::default(),
            variables: Vec::new(),
            policies: Vec::new(),
            webhook: true,
        }
    }

    /// The image project's defaults: the buildspec read from the
    /// application repository at [`DEFAULT_BUILDSPEC`], privileged (Docker),
    /// [`DEFAULT_TIMEOUT_MINUTES`], [`ComputeType::Small`], the pull-request
    /// webhook on.
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
    /// repository's). Default: the system's ([`buildspecs`]).
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
    /// Default: on.
    pub fn webhook(mut self, on: bool) -> Self {
        self.webhook = on;
        self
    }

    /// The project `id` running `default` unless a buildspec was given,
    /// with these options; `role` names the starting copy's directory.
    fn project(&self, id: &str, stack: &str, default: BuildSpec) -> Project {
        let spec = self.spec.clone().unwrap_or(default);
        let role = id.to_ascii_lowercase();
        let mut project = Project::new(id, spec)
            .timeout_minutes(self.timeout)
            .compute(self.compute);
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
        project
    }

    /// The pull-request webhook, if on.
    fn with_webhook(&self, project: Project) -> Project {
        if self.webhook {
            project.webhook(vec![FilterGroup::in_event_of([
                EventAction::PullRequestCreated,
                EventAction::PullRequestUpdated,
            ])])
        } else {
            project
        }
    }
}

/// What builds the manifests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Manifests {
    /// Kustomize: `overlays/<stage>` per stage ([`buildspecs::kustomize`]),
    /// the default.
    #[default]
    Kustomize,
    /// Helm: the chart at `chart` rendered as `release` with
    /// `values/<stage>.yaml` per stage ([`buildspecs::helm`]).
    Helm {
        /// The chart's path in the manifests repository.
        chart: String,
        /// The release name.
        release: String,
    },
}

/// One application and its manifests.
#[derive(Clone, Debug)]
pub struct Application {
    repository: String,
    manifests_repository: String,
    name: Option<String>,
    prefix: Option<String>,
    ecr_name: Option<String>,
    base_mirror: bool,
    pull_accounts: Vec<String>,
    secondary: Vec<String>,
    image: Build,
    manifests: Build,
    tool: Manifests,
    deploy: Build,
    stages: Vec<Stage>,
    tags: Vec<(String, String)>,
}

impl Application {
    /// The application in repository `repository` (`owner/name`) whose
    /// manifests are in `manifests` (`owner/name`).
    pub fn new(repository: impl Into<String>, manifests: impl Into<String>) -> Self {
        Self {
            repository: repository.into(),
            manifests_repository: manifests.into(),
            name: None,
            prefix: None,
            ecr_name: None,
            base_mirror: false,
            pull_accounts: Vec::new(),
            secondary: Vec::new(),
            image: Build::image(),
            manifests: Build::manifests(),
            tool: Manifests::default(),
            deploy: Build::deploy(),
            stages: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// The name of the CI and CD stacks, `<name>-ci` and `<name>-cd`, and
    /// so of the projects and pipelines in them. Default: the repository's
    /// name (`acme/app` → `app`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Prefixes the stack names (`<prefix>-<name>-ci`), and so every
    /// project and pipeline name (upstream `namespace`). Default: none.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Names the ECR repository. Default: the application repository's
    /// full name (`acme/app`).
    pub fn ecr_name(mut self, name: impl Into<String>) -> Self {
        self.ecr_name = Some(name.into());
        self
    }

    /// Adds the `<ecr name>-base` mirror of the base image, which the
    /// image build pulls from (`BASE_REPOSITORY_URI`) and the workload
    /// accounts may pull. Default: none.
    pub fn base_mirror(mut self) -> Self {
        self.base_mirror = true;
        self
    }

    /// Lets `account` pull the images (upstream `workload_account_ids`).
    /// Default: the accounts of every deployment, besides the operations
    /// account's own.
    pub fn pull_account(mut self, account: impl Into<String>) -> Self {
        self.pull_accounts.push(account.into());
        self
    }

    /// Lets the image build push to the repository `name` of the
    /// operations account too (upstream `secondary_ecr_repositories`).
    /// Default: none.
    pub fn pushes_to(mut self, name: impl Into<String>) -> Self {
        self.secondary.push(name.into());
        self
    }

    /// The image project's options. Default: [`Build::image`].
    pub fn image(mut self, build: Build) -> Self {
        self.image = build;
        self
    }

    /// What builds the manifests and the manifests project's options
    /// (give [`Build::from_repository`] to use the manifests repository's
    /// buildspec). Default: [`Manifests::Kustomize`], [`Build::manifests`].
    pub fn manifests(mut self, tool: Manifests, build: Build) -> Self {
        self.tool = tool;
        self.manifests = build;
        self
    }

    /// The deploy project's options. Default: [`Build::deploy`].
    pub fn deploy(mut self, build: Build) -> Self {
        self.deploy = build;
        self
    }

    /// Adds a stage, one pipeline, in promotion order.
    pub fn stage(mut self, stage: Stage) -> Self {
        self.stages.push(stage);
        self
    }

    /// Tags the CI and CD stacks (and so their resources). Default: none.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The stacks' base name: `[<prefix>-]<name>`.
    pub fn stack_base(&self) -> String {
        let name = self.name.clone().unwrap_or_else(|| {
            self.repository
                .rsplit('/')
                .next()
                .unwrap_or(&self.repository)
                .to_owned()
        });
        match &self.prefix {
            Some(p) => format!("{p}-{name}"),
            None => name,
        }
    }

    fn stack(&self, common: &Common, suffix: &str, description: &str) -> Stack {
        let mut stack = common.operations_stack(
            &format!("{}-{suffix}", self.stack_base()),
            &format!("EKS CI/CD of {}: {description}", self.repository),
        );
        for (k, v) in &self.tags {
            stack = stack.tag(k.as_str(), v.as_str());
        }
        stack
    }

    /// The CI and CD stacks.
    pub fn build(&self, common: &Common, refs: &CommonRef) -> (Stack, Stack) {
        let (ci, image, manifests) = self.ci(common);
        let cd = self.cd(common, refs, &image, &manifests);
        (ci, cd)
    }

    /// The CI stack: the repositories and the image and manifests projects.
    fn ci(&self, common: &Common) -> (Stack, ProjectRef, ProjectRef) {
        let mut stack = self.stack(
            common,
            "ci",
            "the image repository, and image and manifests builds of every pull request",
        );
        let name = stack.name().to_owned();
        let ecr_name = self
            .ecr_name
            .clone()
            .unwrap_or_else(|| self.repository.clone());
        let mut pullers: Vec<&str> = self.pull_accounts.iter().map(String::as_str).collect();
        for stage in &self.stages {
            for d in &stage.deployments {
                pullers.push(d.role.account());
            }
        }
        pullers.retain(|a| *a != common.account());
        let mut seen = Vec::new();
        pullers.retain(|a| {
            let new = !seen.contains(a);
            seen.push(*a);
            new
        });
        let repository = stack.add(ecr::Repository::new("Repository").name(ecr_name.as_str()));
        if !pullers.is_empty() {
            repository.allow_pull(&mut stack, &pullers);
        }
        let github = |repo: &str| Source::GitHub {
            location: Expr::from(format!("https://github.com/{repo}.git")),
        };
        let mut image = self
            .image
            .project("Image", &name, buildspecs::image(self.base_mirror))
            .description("Builds the application's image and pushes it to ECR")
            .source(github(&self.repository))
            .variable("REPOSITORY_URI", repository.uri())
            .pushes_to(&repository);
        let base = self.base_mirror.then(|| {
            let base =
                stack.add(ecr::Repository::new("BaseRepository").name(format!("{ecr_name}-base")));
            if !pullers.is_empty() {
                base.allow_pull(&mut stack, &pullers);
            }
            base
        });
        if let Some(base) = &base {
            image = image.variable("BASE_REPOSITORY_URI", base.uri());
        }
        let image = stack.add(self.image.with_webhook(image));
        // Re-runs: the build asks whether the tag exists before pushing.
        stack.grant(
            image.role(),
            Statement::allow(["ecr:DescribeImages"]).resource(repository.arn()),
        );
        if let Some(base) = &base {
            base.grant_pull(&mut stack, image.role());
        }
        for other in &self.secondary {
            let actions: Vec<&str> = PULL_ACTIONS.iter().chain(PUSH_ACTIONS).copied().collect();
            stack.grant(
                image.role(),
                Statement::allow(actions).resource(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{AWS::AccountId}}:repository/{other}"
                ))),
            );
        }
        let stages: Vec<&str> = self.stages.iter().map(|s| s.name.as_str()).collect();
        let spec = match &self.tool {
            Manifests::Kustomize => buildspecs::kustomize(&stages),
            Manifests::Helm { chart, release } => buildspecs::helm(chart, release, &stages),
        };
        let manifests = self
            .manifests
            .project("Manifests", &name, spec)
            .description("Builds each stage's manifests with the application's image")
            .source(github(&self.manifests_repository))
            .secondary_source(APPLICATION, github(&self.repository))
            .variable("REPOSITORY_URI", repository.uri());
        let manifests = stack.add(self.manifests.with_webhook(manifests));
        stack.add_output(
            "RepositoryUri",
            Output::new(repository.uri()).description("URI of the application's ECR repository"),
        );
        stack.add_output(
            "ImageProjectName",
            Output::new(image.name()).description("Name of the image project"),
        );
        stack.add_output(
            "ManifestsProjectName",
            Output::new(manifests.name()).description("Name of the manifests project"),
        );
        (stack, image, manifests)
    }

    /// The CD stack: the deploy project and one pipeline per stage.
    fn cd(
        &self,
        common: &Common,
        refs: &CommonRef,
        image: &ProjectRef,
        manifests: &ProjectRef,
    ) -> Stack {
        let mut stack = self.stack(
            common,
            "cd",
            "a pipeline per stage that builds the image and manifests and deploys them",
        );
        let name = stack.name().to_owned();
        // Each cluster once, in the order the stages name them.
        let mut targets: Vec<(&str, &crate::iam::RoleArn)> = Vec::new();
        for stage in &self.stages {
            for d in &stage.deployments {
                if !targets
                    .iter()
                    .any(|(c, r)| *c == d.cluster && *r == &d.role)
                {
                    targets.push((&d.cluster, &d.role));
                }
            }
        }
        let mut deploy = self
            .deploy
            .project("Deploy", &name, buildspecs::deploy())
            .description("Deploys manifests to EKS clusters through their deploy roles");
        let mut tagged = Vec::new();
        for (cluster, _) in &targets {
            if !tagged.contains(cluster) {
                tagged.push(*cluster);
                deploy = deploy.role_tag(format!("cluster.{cluster}.deploy"), "true");
            }
        }
        let deploy = stack.add(deploy);
        for (cluster, role) in &targets {
            stack.grant(
                deploy.role(),
                Statement::allow(["sts:AssumeRole"])
                    .resource(role.arn())
                    .condition("StringEquals", "iam:ResourceTag/deployTo", *cluster),
            );
        }
        let connection = stack.add_parameter(
            "ConnectionArn",
            Parameter::new(ParameterType::Ssm(
                "AWS::SSM::Parameter::Value<String>".into(),
            ))
            .default_value(refs.connection_parameter.as_str())
            .description(
                "Parameter Store name of the connection's ARN (written by the common stack)",
            ),
        );
        let application = Artifact::new(APPLICATION);
        let manifests_in = Artifact::new(MANIFESTS);
        let built = Artifact::new(BUILT_MANIFESTS);
        for stage in &self.stages {
            let source = |id: &str, repository: &str, branch: &str, output: &Artifact| {
                Action::connection_full_clone(
                    id,
                    ConnectionSource {
                        connection_arn: connection.clone(),
                        repository: Expr::from(repository),
                        branch: Expr::from(branch),
                    },
                )
                .output(output)
            };
            let mut deploys = PipelineStage::new("Deploy");
            for d in &stage.deployments {
                let path = d
                    .manifest_path
                    .clone()
                    .unwrap_or_else(|| format!("build/{}.yaml", stage.name));
                let mut action = Action::build(d.name.as_str(), &deploy)
                    .input(&built)
                    .variable("DEPLOY_ROLE_ARN", d.role.arn())
                    .variable("EKS_CLUSTER_NAME", d.cluster.as_str())
                    .variable("EKS_CLUSTER_REGION", d.region.as_str())
                    .variable("MANIFEST_PATH", path);
                for (k, v) in stage.variables.iter().chain(&d.variables) {
                    action = action.variable(k.as_str(), v.as_str());
                }
                deploys = deploys.action(action);
            }
            let id = format!("{}Pipeline", pascal(&stage.name));
            let mut pipeline = Pipeline::new(id.as_str(), &refs.bucket)
                .stage(
                    PipelineStage::new("Source")
                        .action(source(
                            APPLICATION,
                            &self.repository,
                            &stage.branch,
                            &application,
                        ))
                        .action(source(
                            MANIFESTS,
                            &self.manifests_repository,
                            stage.manifests_branch_or_default(),
                            &manifests_in,
                        )),
                )
                .stage(
                    PipelineStage::new("Build")
                        .action(Action::build("Image", image).input(&application))
                        .action(
                            Action::new(
                                "Manifests",
                                CodeBuildAction::build(manifests).primary_source(&manifests_in),
                            )
                            .input(&manifests_in)
                            .input(&application)
                            .output(&built),
                        ),
                )
                .stage(deploys);
            if let Some(key) = &refs.kms_key {
                pipeline = pipeline.kms_key(key.clone());
            }
            let pipeline = stack.add(pipeline);
            stack.add_output(
                format!("{}PipelineName", pascal(&stage.name)),
                Output::new(pipeline.name())
                    .description(format!("Name of the pipeline of stage {}", stage.name)),
            );
        }
        stack
    }
}

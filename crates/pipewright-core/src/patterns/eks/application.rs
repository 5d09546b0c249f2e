//! One application: its ECR repository (upstream `ecr-repository`), the
//! image and manifests projects built on pull requests (`ecr-project`,
//! `manifests-project`) in its CI stack, and the deploy project
//! (`deploy-project`) with one pipeline per stage (`cicd-pipeline`) in its
//! CD stack.

use crate::codebuild::{ProjectRef, Source};
use crate::codepipeline::{
    Action, Artifact, CodeBuildAction, ConnectionSource, Pipeline, Stage as PipelineStage,
};
use crate::construct::{Need, Stack};

/// ECR's actions in the service authorization reference.
const ECR_ACTIONS_DOC: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html";
/// IAM's page on the permissions to assume a role.
const ASSUME_ROLE_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html";
use crate::ecr::{self, PULL_ACTIONS, PUSH_ACTIONS};
use crate::error::ProblemKind;
use crate::iam::{RoleArn, Statement};
use crate::patterns::eks::build::{Build, Manifests};
use crate::patterns::eks::buildspecs::{self, APPLICATION};
use crate::patterns::eks::common::{Common, CommonRef};
use crate::patterns::eks::pipeline::Stage;
use crate::template::{Expr, Output, Parameter, ParameterType, pascal_case};

/// The artifact name of the manifests repository.
const MANIFESTS: &str = "Manifests";
/// The artifact name of the built manifests.
const BUILT_MANIFESTS: &str = "BuiltManifests";

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
        let (ci, image, manifests) = self.ci(common, refs);
        let cd = self.cd(common, refs, &image, &manifests);
        (ci, cd)
    }

    /// The CI stack: the repositories and the image and manifests projects.
    fn ci(&self, common: &Common, refs: &CommonRef) -> (Stack, ProjectRef, ProjectRef) {
        let mut stack = self.stack(
            common,
            "ci",
            "the image repository, and image and manifests builds of every pull request",
        );
        let (repository, base) = self.repositories(&mut stack, common);
        let key = refs.kms_key.as_ref();
        let image = self.image_project(&mut stack, &repository, base.as_ref(), key);
        let manifests = self.manifests_project(&mut stack, &repository, key);
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

    /// The accounts that may pull the images: those named, then every
    /// deployment's, each once, never the operations account.
    fn pullers(&self, operations: &str) -> Vec<&str> {
        let named = self.pull_accounts.iter().map(String::as_str);
        let deployed = self
            .stages
            .iter()
            .flat_map(|s| &s.deployments)
            .map(|d| d.role.account());
        let mut out: Vec<&str> = Vec::new();
        for account in named.chain(deployed) {
            if account != operations && !out.contains(&account) {
                out.push(account);
            }
        }
        out
    }

    /// The application's repository and, where asked, its `-base` mirror,
    /// both pullable by the workload accounts.
    fn repositories(
        &self,
        stack: &mut Stack,
        common: &Common,
    ) -> (ecr::RepositoryRef, Option<ecr::RepositoryRef>) {
        let name = self
            .ecr_name
            .clone()
            .unwrap_or_else(|| self.repository.clone());
        let pullers = self.pullers(common.account());
        let mut add = |id: &str, name: String| {
            let repository = stack.add(ecr::Repository::new(id).name(name));
            if !pullers.is_empty() {
                repository.allow_pull(stack, &pullers);
            }
            repository
        };
        let repository = add("Repository", name.clone());
        let base = self
            .base_mirror
            .then(|| add("BaseRepository", format!("{name}-base")));
        (repository, base)
    }

    /// The image project: builds and pushes the image unless its tag
    /// exists, which its role may ask of its repository only.
    fn image_project(
        &self,
        stack: &mut Stack,
        repository: &ecr::RepositoryRef,
        base: Option<&ecr::RepositoryRef>,
        key: Option<&Expr>,
    ) -> ProjectRef {
        let mut image = self
            .image
            .project(
                "Image",
                stack.name(),
                buildspecs::image(base.is_some()),
                key,
            )
            .description("Builds the application's image and pushes it to ECR")
            .source(github(&self.repository))
            .variable("REPOSITORY_URI", repository.uri())
            .pushes_to(repository);
        if let Some(base) = base {
            image = image.variable("BASE_REPOSITORY_URI", base.uri());
        }
        let image = stack.add(self.image.with_webhook(image));
        stack.for_need(
            Need::feature(
                "the image build skips a tag that exists (`aws ecr describe-images`)",
                ECR_ACTIONS_DOC,
            ),
            |stack| {
                stack.grant(
                    image.role(),
                    Statement::allow(["ecr:DescribeImages"]).resource(repository.arn()),
                )
            },
        );
        if let Some(base) = base {
            stack.for_need(
                Need::feature(
                    "the image build pulls its base image from the `-base` mirror",
                    ecr::PULL_DOC,
                ),
                |stack| base.grant_pull(stack, image.role()),
            );
        }
        let actions: Vec<&str> = PULL_ACTIONS.iter().chain(PUSH_ACTIONS).copied().collect();
        for other in &self.secondary {
            stack.for_need(
                Need::feature(
                    format!("the image build may push to the secondary repository `{other}`"),
                    ecr::PUSH_DOC,
                ),
                |stack| {
                    stack.grant(
                        image.role(),
                        Statement::allow(actions.iter().copied()).resource(Expr::sub(format!(
                            "arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{AWS::AccountId}}:repository/{other}"
                        ))),
                    )
                },
            );
        }
        image
    }

    /// The manifests project: the manifests repository, with the
    /// application's as the secondary source `Application`.
    fn manifests_project(
        &self,
        stack: &mut Stack,
        repository: &ecr::RepositoryRef,
        key: Option<&Expr>,
    ) -> ProjectRef {
        let stages: Vec<&str> = self.stages.iter().map(|s| s.name.as_str()).collect();
        let spec = match &self.tool {
            Manifests::Kustomize => buildspecs::kustomize(&stages),
            Manifests::Helm { chart, release } => buildspecs::helm(chart, release, &stages),
        };
        let manifests = self
            .manifests
            .project("Manifests", stack.name(), spec, key)
            .description("Builds each stage's manifests with the application's image")
            .source(github(&self.manifests_repository))
            .secondary_source(APPLICATION, github(&self.repository))
            .variable("REPOSITORY_URI", repository.uri());
        stack.add(self.manifests.with_webhook(manifests))
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
        let path = stack.path("Deploy");
        if self.stages.is_empty() {
            let application = self.repository.clone();
            stack.problem(&path, ProblemKind::NoStage { application });
        }
        for stage in self.stages.iter().filter(|s| s.deployments.is_empty()) {
            stack.problem(
                &path,
                ProblemKind::NoDeployment {
                    application: self.repository.clone(),
                    stage: stage.name.clone(),
                },
            );
        }
        // Only what is complete: the problems above say what is missing.
        let stages: Vec<&Stage> = self
            .stages
            .iter()
            .filter(|s| !s.deployments.is_empty())
            .collect();
        if stages.is_empty() {
            return stack;
        }
        let deploy = self.deploy_project(&mut stack, refs.kms_key.as_ref());
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
        let projects = Projects {
            image,
            manifests,
            deploy: &deploy,
        };
        for stage in stages {
            let mut pipeline = self.pipeline(stage, refs, &connection, &projects);
            if let Some(key) = &refs.kms_key {
                pipeline = pipeline.kms_key(key.clone());
            }
            let pipeline = stack.add(pipeline);
            stack.add_output(
                format!("{}PipelineName", pascal_case(&stage.name)),
                Output::new(pipeline.name())
                    .description(format!("Name of the pipeline of stage {}", stage.name)),
            );
        }
        stack
    }

    /// The deploy project, tagged for each cluster it deploys to and
    /// allowed to assume exactly each deployment's role.
    fn deploy_project(&self, stack: &mut Stack, key: Option<&Expr>) -> ProjectRef {
        let mut targets: Vec<(&str, &RoleArn)> = Vec::new();
        for d in self.stages.iter().flat_map(|s| &s.deployments) {
            if !targets
                .iter()
                .any(|(c, r)| *c == d.cluster && *r == &d.role)
            {
                targets.push((&d.cluster, &d.role));
            }
        }
        let mut deploy = self
            .deploy
            .project("Deploy", stack.name(), buildspecs::deploy(), key)
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
            stack.for_need(
                Need::feature(
                    format!("the deploy build assumes the deploy role of cluster `{cluster}`"),
                    ASSUME_ROLE_DOC,
                ),
                |stack| {
                    stack.grant(
                        deploy.role(),
                        Statement::allow(["sts:AssumeRole"])
                            .resource(role.arn())
                            .condition("StringEquals", "iam:ResourceTag/deployTo", *cluster),
                    )
                },
            );
        }
        deploy
    }

    /// The pipeline of `stage`: Source (application and manifests, each on
    /// its branch) → Build (image and manifests) → Deploy (one action per
    /// deployment).
    fn pipeline(
        &self,
        stage: &Stage,
        refs: &CommonRef,
        connection: &Expr,
        projects: &Projects<'_>,
    ) -> Pipeline {
        let application = Artifact::new(APPLICATION);
        let manifests = Artifact::new(MANIFESTS);
        let built = Artifact::new(BUILT_MANIFESTS);
        let source = |id: &str, repository: &str, branch: &str, output: &Artifact| {
            let source = ConnectionSource {
                connection_arn: connection.clone(),
                repository: Expr::from(repository),
                branch: Expr::from(branch),
            };
            Action::connection_full_clone(id, source).output(output)
        };
        let mut deploys = PipelineStage::new("Deploy");
        for d in &stage.deployments {
            let path = d
                .manifest_path
                .clone()
                .unwrap_or_else(|| format!("build/{}.yaml", stage.name));
            let mut action = Action::build(d.name.as_str(), projects.deploy)
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
        let manifests_branch = stage.manifests_branch_or_default();
        let build_manifests = CodeBuildAction::build(projects.manifests).primary_source(&manifests);
        let id = format!("{}Pipeline", pascal_case(&stage.name));
        Pipeline::new(id.as_str())
            .artifact_store(&refs.bucket)
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
                        manifests_branch,
                        &manifests,
                    )),
            )
            .stage(
                PipelineStage::new("Build")
                    .action(Action::build("Image", projects.image).input(&application))
                    .action(
                        Action::new("Manifests", build_manifests)
                            .input(&manifests)
                            .input(&application)
                            .output(&built),
                    ),
            )
            .stage(deploys)
    }
}

/// The projects a pipeline runs.
struct Projects<'a> {
    image: &'a ProjectRef,
    manifests: &'a ProjectRef,
    deploy: &'a ProjectRef,
}

/// The source of a GitHub repository `owner/name`.
fn github(repository: &str) -> Source {
    Source::GitHub {
        location: Expr::from(format!("https://github.com/{repository}.git")),
    }
}

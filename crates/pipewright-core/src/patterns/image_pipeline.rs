//! The image pipeline: a push to a GitHub branch starts a CodePipeline
//! whose `Build` stage runs a privileged CodeBuild project that logs in to
//! ECR, builds the repository's Docker image, tags it with the short commit
//! (and a moving tag such as `latest`) and pushes it; artifacts pass
//! through a hardened bucket.
//!
//! It is the CloudFormation image pipeline teams copy from tutorials, with
//! what its users rely on: the application in a directory of its own (the
//! build context and Dockerfile path), the buildspec kept in the repository
//! at a path such as `pipeline/buildspec.yml`, a compute type per branch
//! through a `Mappings` table, a named pipeline, and the variable names
//! such a buildspec expects ([`ImagePipeline::seed_variables`]).
//!
//! The stack takes the GitHub owner, repository and branch as parameters
//! (`GithubAccount`, `GithubRepository`, `GithubBranch`); the repository's
//! name is also the ECR repository's. The source is the GitHub (version 1)
//! OAuth action with an HMAC webhook, whose token and secret are NoEcho
//! parameters, or a CodeStar / CodeConnections connection given as the
//! `ConnectionArn` parameter.

use super::placement::Placement;
use crate::buildspec::DockerBuild;
use crate::codebuild::{ComputeType, Project};
use crate::codepipeline::{
    Action, Artifact, ConnectionSource, GitHubSource, Namespace, Pipeline, Stage,
};
use crate::construct::Stack;
use crate::ecr;
use crate::error::ProblemKind;
use crate::template::{Expr, Output, Parameter, Pseudo, mapping};

/// How the pipeline learns about pushes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trigger {
    /// The GitHub (version 1) OAuth source with an
    /// `AWS::CodePipeline::Webhook` authenticated by HMAC, as the
    /// CloudFormation tutorials have it.
    GitHubWebhook,
    /// A CodeStar / CodeConnections connection with a V2 push trigger:
    /// the default, what new pipelines should use.
    #[default]
    Connection,
}

/// The configuration of an image pipeline stack.
#[derive(Clone, Debug)]
pub struct ImagePipeline {
    stack: String,
    trigger: Trigger,
    branch: String,
    context: String,
    dockerfile: String,
    buildspec: Option<String>,
    compute: ComputeType,
    compute_per_branch: Vec<(String, ComputeType)>,
    pipeline_name: Option<String>,
    seed_variables: bool,
    moving_tag: Option<String>,
    placement: Placement,
}

/// The mapping of compute types per branch, and its second-level key.
const COMPUTE_MAPPING: &str = "BranchComputeTypes";
const COMPUTE_KEY: &str = "ComputeType";

impl ImagePipeline {
    /// The image pipeline in the stack `stack`, with every default: a
    /// connection source, branch `main`, `Dockerfile` in context `.`, the
    /// buildspec inlined in the template, [`ComputeType::Small`] on every
    /// branch, a generated pipeline name, the moving tag `latest`, no seed
    /// variables, the deploying account and region, no stack tags.
    pub fn new(stack: impl Into<String>) -> Self {
        Self {
            stack: stack.into(),
            trigger: Trigger::default(),
            branch: "main".to_owned(),
            context: ".".to_owned(),
            dockerfile: "Dockerfile".to_owned(),
            buildspec: None,
            compute: ComputeType::default(),
            compute_per_branch: Vec::new(),
            pipeline_name: None,
            seed_variables: false,
            moving_tag: Some("latest".to_owned()),
            placement: Placement::default(),
        }
    }

    /// Sets how pushes start the pipeline. Default: [`Trigger::Connection`].
    pub fn trigger(mut self, trigger: Trigger) -> Self {
        self.trigger = trigger;
        self
    }

    /// Sets the default of the `GithubBranch` parameter, the branch whose
    /// pushes start the pipeline. Default: `main`.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = branch.into();
        self
    }

    /// Sets the Docker build context, relative to the repository's root
    /// (e.g. `app`). Default: `.`.
    pub fn context(mut self, dir: impl Into<String>) -> Self {
        self.context = dir.into();
        self
    }

    /// Sets the Dockerfile's path, relative to the repository's root (e.g.
    /// `app/Dockerfile`). Default: `Dockerfile`.
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Reads the buildspec from the repository at `path` (e.g.
    /// `pipeline/buildspec.yml`) instead of inlining it: synth writes the
    /// typed buildspec to `buildspecs/<stack>/<path>` as the repository's
    /// starting copy, and checks its commands against the build's role.
    /// Default: inlined in the template (and copied to
    /// `buildspecs/<stack>/docker-build.yml`).
    pub fn buildspec_from_repository(mut self, path: impl Into<String>) -> Self {
        self.buildspec = Some(path.into());
        self
    }

    /// Sets the compute type of every branch not listed with
    /// [`compute_for_branch`](Self::compute_for_branch). Default:
    /// [`ComputeType::Small`].
    pub fn compute(mut self, compute: ComputeType) -> Self {
        self.compute = compute;
        self
    }

    /// Builds pushes of `branch` on `compute`. With any branch listed, the
    /// stack holds a `Mappings` table of compute types per branch, the
    /// project reads its compute type from it with `Fn::FindInMap` on the
    /// `GithubBranch` parameter, and that parameter accepts exactly the
    /// listed branches (a branch absent from the table would fail the
    /// deploy). A branch name is a mapping key: letters, digits, `-`, `_`
    /// and `.`. Default: none, one compute type for every branch.
    pub fn compute_for_branch(mut self, branch: impl Into<String>, compute: ComputeType) -> Self {
        self.compute_per_branch.push((branch.into(), compute));
        self
    }

    /// Names the pipeline (`Name`); renaming replaces it. Default: none,
    /// CloudFormation generates a name.
    pub fn pipeline_name(mut self, name: impl Into<String>) -> Self {
        self.pipeline_name = Some(name.into());
        self
    }

    /// Gives the build the variables a buildspec written for the
    /// CloudFormation image pipeline expects: `AWS_DEFAULT_REGION` (the
    /// stack's region), `AWS_ACCOUNT_ID` (its account),
    /// `AWS_ECR_REPOSITORY_URI` (the repository's URI), `IMAGE_REPO_NAME`
    /// (its name) and `IMAGE_TAG` (the moving tag, or `latest` without
    /// one; the typed buildspec sets its own `IMAGE_TAG`, the short
    /// commit). Default: off, the build gets `REPOSITORY_URI` only.
    pub fn seed_variables(mut self) -> Self {
        self.seed_variables = true;
        self
    }

    /// Sets the tag that moves to every new image; the repository keeps
    /// every other tag immutable. Default: `latest`.
    pub fn moving_tag(mut self, tag: impl Into<String>) -> Self {
        self.moving_tag = Some(tag.into());
        self
    }

    /// Pushes only the commit tag, and the repository keeps every tag
    /// immutable. Default: the moving tag `latest` is pushed too.
    pub fn no_moving_tag(mut self) -> Self {
        self.moving_tag = None;
        self
    }

    /// Pins the stack to `account` and `region`. Default: the deploying
    /// credentials' account and region.
    pub fn env(mut self, account: impl Into<String>, region: impl Into<String>) -> Self {
        self.placement.account = Some(account.into());
        self.placement.region = Some(region.into());
        self
    }

    /// Tags the stack (and so every resource that takes tags). Default:
    /// no tags.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.placement.tags.push((key.into(), value.into()));
        self
    }

    /// The stack.
    pub fn stack(&self) -> Stack {
        let mut stack = self.placement.stack(&self.stack, "Builds a Docker image from a GitHub repository and pushes it to ECR (managed by pipewright)".to_owned());
        let (owner, repository, branch) = self.parameters(&mut stack);
        let mut repo = ecr::Repository::new("Repository").name(repository.clone());
        if let Some(tag) = &self.moving_tag {
            repo = repo.moving_tag(tag);
        }
        let repo = stack.add(repo);
        let project = self.project(&mut stack, &repo, &branch);
        let build = stack.add(project);

        let source = match self.trigger {
            Trigger::GitHubWebhook => self.webhook_source(&mut stack, owner, repository, branch),
            Trigger::Connection => {
                let connection = super::source::connection_parameter(&mut stack);
                Action::connection(
                    "Source",
                    ConnectionSource {
                        connection_arn: connection,
                        repository: Expr::concat([owner, "/".into(), repository]),
                        branch,
                    },
                )
            }
        };
        let code = Artifact::new("SourceOutput");
        let mut pipeline = Pipeline::new("Pipeline")
            .stage(Stage::new("Source").action(source.output(&code)))
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &build)
                        .input(&code)
                        .namespace(&Namespace::new("BuildVariables")),
                ),
            );
        if let Some(name) = &self.pipeline_name {
            pipeline = pipeline.name(name.as_str());
        }
        let pipeline = stack.add(pipeline);

        stack.add_output(
            "RepositoryUri",
            Output::new(repo.uri()).description("URI of the ECR repository the pipeline pushes to"),
        );
        stack.add_output(
            "PipelineName",
            Output::new(pipeline.name()).description("Name of the pipeline"),
        );
        if let Some(url) = pipeline.webhook_url() {
            stack.add_output(
                "WebhookUrl",
                Output::new(url).description("URL GitHub delivers push events to"),
            );
        }
        stack
    }

    /// The owner, repository and branch parameters.
    fn parameters(&self, stack: &mut Stack) -> (Expr, Expr, Expr) {
        let owner = stack.add_parameter(
            "GithubAccount",
            Parameter::string()
                .description("GitHub user or organization that owns the repository")
                .allowed_pattern("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
                .constraint_description("a GitHub account name: letters, digits and hyphens"),
        );
        let repository = stack.add_parameter(
            "GithubRepository",
            Parameter::string()
                .description("GitHub repository to build; also the name of the ECR repository")
                .allowed_pattern("^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
                .length(2, 100)
                .constraint_description("lowercase letters, digits, and single . _ - between them (ECR names are lowercase)"),
        );
        let mut branch = Parameter::string()
            .description("Branch whose pushes start the pipeline")
            .default_value(self.branch.as_str())
            .length(1, 255);
        if !self.compute_per_branch.is_empty() {
            branch = branch.allowed_values(self.compute_per_branch.iter().map(|(b, _)| b.as_str()));
        }
        let branch = stack.add_parameter("GithubBranch", branch);
        (owner, repository, branch)
    }

    /// The build project, wired to the repository.
    fn project(&self, stack: &mut Stack, repo: &ecr::RepositoryRef, branch: &Expr) -> Project {
        let mut options = DockerBuild::new()
            .dockerfile(self.dockerfile.as_str())
            .context(self.context.as_str());
        options = match &self.moving_tag {
            Some(tag) => options.moving_tag(tag),
            None => options.no_moving_tag(),
        };
        let mut project = Project::docker("Build", repo, options)
            .description("Builds the Docker image and pushes it to ECR");
        project = match &self.buildspec {
            Some(path) => project.buildspec_from_source(path.as_str()),
            None => project.buildspec_copy(format!("{}/docker-build.yml", self.stack)),
        };
        if self.compute_per_branch.is_empty() {
            project = project.compute(self.compute);
        } else {
            let path = stack.path(COMPUTE_MAPPING);
            for (name, _) in &self.compute_per_branch {
                let key_ok = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
                if !key_ok {
                    stack.problem(
                        &path,
                        ProblemKind::InvalidName {
                            what: "branch with its own compute type",
                            name: name.clone(),
                            reason:
                                "cannot be a mapping key: use letters, digits, `-`, `_` and `.`"
                                    .to_owned(),
                        },
                    );
                }
            }
            let table = mapping(self.compute_per_branch.iter().map(|(name, compute)| {
                (
                    name.clone(),
                    [(COMPUTE_KEY.to_owned(), Expr::from(compute.as_str()))],
                )
            }));
            let map = stack.add_mapping(COMPUTE_MAPPING, table);
            project = project.compute_from(Expr::find_in_map(
                map,
                branch.clone(),
                Expr::from(COMPUTE_KEY),
            ));
        }
        if self.seed_variables {
            let tag = self.moving_tag.as_deref().unwrap_or("latest");
            project = project
                .variable("AWS_DEFAULT_REGION", Expr::pseudo(Pseudo::Region))
                .variable("AWS_ACCOUNT_ID", Expr::pseudo(Pseudo::AccountId))
                .variable("AWS_ECR_REPOSITORY_URI", repo.uri())
                .variable("IMAGE_REPO_NAME", repo.name())
                .variable("IMAGE_TAG", tag);
        }
        project
    }

    /// The GitHub (version 1) source with its token and webhook secret.
    fn webhook_source(&self, stack: &mut Stack, owner: Expr, repo: Expr, branch: Expr) -> Action {
        let token = stack.add_parameter(
            "GithubAuthToken",
            Parameter::string()
                .description("GitHub OAuth token (scopes repo and admin:repo_hook); pass it from the environment at deploy")
                .no_echo(),
        );
        let secret = stack.add_parameter(
            "GithubWebhookSecret",
            Parameter::string()
                .description(
                    "Secret GitHub signs webhook deliveries with (HMAC); not the OAuth token",
                )
                .no_echo()
                .length(20, 128),
        );
        Action::github(
            "Source",
            GitHubSource {
                owner,
                repo,
                branch,
                oauth_token: token,
                webhook_secret: secret,
            },
        )
    }
}

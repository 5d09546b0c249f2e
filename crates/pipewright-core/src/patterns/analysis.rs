//! Static analysis on every branch, then the main branch's image: the
//! CircleCI workflow that lints feature branches and pull requests and
//! publishes the image when main changes.
//!
//! One stack: a pipeline started by pushes to the main branch, Source →
//! `Analyze` → `Image`. `Analyze` is a Test action whose project runs the
//! analysis commands (e.g. `make lint`) and may publish a JUnit report; its
//! role may write exactly that report group and has no registry access.
//! Only after it passes, `Image` builds the image (with `docker build`, or
//! a command such as `cd app && make docker_build`) and pushes the commit
//! tag and the moving tag (`latest`) to Docker Hub, with credentials from
//! Secrets Manager, or to an ECR repository of the stack.
//!
//! Besides the pipeline, the `FeatureAnalysis` project runs the same
//! analysis on every push to another branch and on every pull request, on
//! CodeBuild's GitHub webhook: it needs the account's GitHub source
//! credential, which synth requires some stack of the same account and
//! region to provide (and makes a dependency), unless the project is given
//! a connection ([`Analysis::feature_connection`]).

use super::placement::Placement;
use super::registry::Registry;
use crate::buildspec::{BuildSpec, DockerBuild, DockerHub, Report, dockerhub_build_push};
use crate::codebuild::{EventAction, FilterGroup, Project, Source};
use crate::codepipeline::{Action, Artifact, Namespace, Pipeline, Stage};
use crate::construct::Stack;
use crate::ecr;
use crate::template::{Expr, Output};

/// The configuration of an analysis-then-image stack.
#[derive(Clone, Debug)]
pub struct Analysis {
    stack: String,
    source: String,
    registry: Registry,
    branch: String,
    analysis: Vec<String>,
    report: Option<String>,
    feature_branches: bool,
    feature_connection: Option<Expr>,
    actors: Option<String>,
    moving_tag: Option<String>,
    build_command: Option<String>,
    dockerfile: String,
    context: String,
    placement: Placement,
}

impl Analysis {
    /// The stack `stack` analysing the GitHub repository `source`
    /// (`owner/name`, read by the pipeline through the connection given as
    /// the `ConnectionArn` parameter) and pushing its image to `registry`.
    /// Defaults: main branch `main`, analysis `make lint` with no report,
    /// feature branches and pull requests analysed through the account's
    /// source credential, the moving tag `latest`, `docker build` of
    /// `Dockerfile` in `.`, the deploying account and region, no stack tags.
    pub fn new(stack: impl Into<String>, source: impl Into<String>, registry: Registry) -> Self {
        Self {
            stack: stack.into(),
            source: source.into(),
            registry,
            branch: "main".to_owned(),
            analysis: vec!["make lint".to_owned()],
            report: None,
            feature_branches: true,
            feature_connection: None,
            actors: None,
            moving_tag: Some("latest".to_owned()),
            build_command: None,
            dockerfile: "Dockerfile".to_owned(),
            context: ".".to_owned(),
            placement: Placement::default(),
        }
    }

    /// Sets the main branch: its pushes start the pipeline, and pushes to
    /// every other branch the feature analysis. Default: `main`.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = branch.into();
        self
    }

    /// Sets the analysis commands, run in order. Default: `make lint`.
    pub fn analysis<S: Into<String>>(mut self, commands: impl IntoIterator<Item = S>) -> Self {
        self.analysis = commands.into_iter().map(Into::into).collect();
        self
    }

    /// Publishes the JUnit files `files` (a path or glob) the analysis
    /// writes as the report group `static-analysis`. Default: no report.
    pub fn report(mut self, files: impl Into<String>) -> Self {
        self.report = Some(files.into());
        self
    }

    /// Analyses only the main branch, in the pipeline: no feature-branch
    /// and pull-request project. Default: feature branches and pull
    /// requests are analysed.
    pub fn without_feature_branches(mut self) -> Self {
        self.feature_branches = false;
        self
    }

    /// Reaches GitHub from the feature-branch project through the
    /// CodeConnections connection `connection_arn` instead of the account's
    /// source credential. Default: the account's source credential.
    pub fn feature_connection(mut self, connection_arn: impl Into<Expr>) -> Self {
        self.feature_connection = Some(connection_arn.into());
        self
    }

    /// Analyses only the pull requests opened by the GitHub users whose
    /// numeric account ID matches `pattern` (a regular expression on
    /// `ACTOR_ACCOUNT_ID`), e.g. the organization's members, so that a
    /// fork's pull request does not run in the project. Default: every
    /// pull request (the project's role may only write its logs and
    /// report).
    pub fn pull_request_actors(mut self, pattern: impl Into<String>) -> Self {
        self.actors = Some(pattern.into());
        self
    }

    /// Sets the tag that moves to every image of the main branch. Default:
    /// `latest`.
    pub fn moving_tag(mut self, tag: impl Into<String>) -> Self {
        self.moving_tag = Some(tag.into());
        self
    }

    /// Pushes only the commit tag. Default: the moving tag `latest` too.
    pub fn no_moving_tag(mut self) -> Self {
        self.moving_tag = None;
        self
    }

    /// Builds the image with `command` (e.g. `cd app && make docker_build`),
    /// which must build the image named by `$IMAGE`. Default: `docker build`.
    pub fn build_command(mut self, command: impl Into<String>) -> Self {
        self.build_command = Some(command.into());
        self
    }

    /// Sets the Dockerfile's path for `docker build`. Default: `Dockerfile`.
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Sets the build context for `docker build`. Default: `.`.
    pub fn context(mut self, dir: impl Into<String>) -> Self {
        self.context = dir.into();
        self
    }

    /// Pins the stack to `account` and `region`. Default: the deploying
    /// credentials' account and region.
    pub fn env(mut self, account: impl Into<String>, region: impl Into<String>) -> Self {
        self.placement.account = Some(account.into());
        self.placement.region = Some(region.into());
        self
    }

    /// Tags the stack. Default: no tags.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.placement.tags.push((key.into(), value.into()));
        self
    }

    /// The analysis buildspec.
    fn analysis_spec(&self) -> BuildSpec {
        let spec = BuildSpec::new().build(self.analysis.clone());
        match &self.report {
            Some(files) => spec.report("static-analysis", Report::new([files.as_str()])),
            None => spec,
        }
    }

    /// The stack.
    pub fn stack(&self) -> Stack {
        let mut stack = self.placement.stack(&self.stack, format!(
            "Analyzes every branch and pull request, then builds the image of `{}` and pushes it (managed by pipewright)",
            self.branch
        ));
        let analyze = stack.add(
            Project::new("Analyze", self.analysis_spec())
                .buildspec_copy(format!("{}/analyze.yml", self.stack))
                .description("Runs the static analysis of the main branch"),
        );
        let image = self.image_project(&mut stack);
        let image = stack.add(image);
        if self.feature_branches {
            self.feature_project(&mut stack);
        }

        let code = Artifact::new("SourceOutput");
        let source =
            super::source::connection_source(&mut stack, &self.source, &self.branch, &code);
        let pipeline = stack.add(
            Pipeline::new("Pipeline")
                .stage(Stage::new("Source").action(source))
                .stage(Stage::new("Analyze").action(Action::test("Analyze", &analyze).input(&code)))
                .stage(
                    Stage::new("Image").action(
                        Action::build("Image", &image)
                            .input(&code)
                            .namespace(&Namespace::new("ImageVariables")),
                    ),
                ),
        );
        stack.add_output(
            "PipelineName",
            Output::new(pipeline.name()).description("Name of the pipeline"),
        );
        stack
    }

    /// The project that builds and pushes the image.
    fn image_project(&self, stack: &mut Stack) -> Project {
        match &self.registry {
            Registry::DockerHub { repository, secret } => {
                let mut options = DockerHub::new(repository.as_str(), secret.as_str())
                    .dockerfile(self.dockerfile.as_str())
                    .context(self.context.as_str());
                if let Some(tag) = &self.moving_tag {
                    options = options.moving_tag(tag);
                }
                if let Some(command) = &self.build_command {
                    options = options.build_command(command);
                }
                Project::new("Image", dockerhub_build_push(options))
                    .buildspec_copy(format!("{}/dockerhub.yml", self.stack))
                    .description("Builds the image and pushes it to Docker Hub")
                    .privileged()
            }
            Registry::Ecr { repository } => {
                let mut repo = ecr::Repository::new("Repository").name(repository.as_str());
                let mut options = DockerBuild::new()
                    .dockerfile(self.dockerfile.as_str())
                    .context(self.context.as_str());
                match &self.moving_tag {
                    Some(tag) => {
                        repo = repo.moving_tag(tag);
                        options = options.moving_tag(tag);
                    }
                    None => options = options.no_moving_tag(),
                }
                if let Some(command) = &self.build_command {
                    options = options.build_command(command);
                }
                let repo = stack.add(repo);
                stack.add_output(
                    "RepositoryUri",
                    Output::new(repo.uri()).description("URI of the image repository"),
                );
                Project::docker("Image", &repo, options)
                    .buildspec_copy(format!("{}/image.yml", self.stack))
                    .description("Builds the image and pushes it to ECR")
            }
        }
    }

    /// The project that analyses feature branches and pull requests.
    fn feature_project(&self, stack: &mut Stack) {
        let main = format!("^refs/heads/{}$", regex_escape(&self.branch));
        let mut project = Project::new("FeatureAnalysis", self.analysis_spec())
            .buildspec_copy(format!("{}/feature-analysis.yml", self.stack))
            .description(
                "Runs the static analysis on pushes to feature branches and on pull requests",
            )
            .source(Source::GitHub {
                location: format!("https://github.com/{}.git", self.source).into(),
            })
            .webhook(vec![
                FilterGroup::in_event_of([EventAction::Push])
                    .head_ref("^refs/heads/")
                    .exclude_head_ref(main),
                match &self.actors {
                    Some(pattern) => FilterGroup::in_event_of(EventAction::PULL_REQUEST)
                        .actor_account_id(pattern.as_str()),
                    None => FilterGroup::in_event_of(EventAction::PULL_REQUEST),
                },
            ]);
        if let Some(connection) = &self.feature_connection {
            project = project.source_connection(connection.clone());
        }
        stack.add(project);
    }
}

/// `text` with the characters a regular expression reads specially escaped.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

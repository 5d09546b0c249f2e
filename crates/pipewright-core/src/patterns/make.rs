//! `make build`, `make test`, `make deploy`: the CircleCI workflow whose
//! interface is the repository's Makefile.
//!
//! One stack: a V2 pipeline started only by pushes to the branch. `Build`
//! runs the build target, which builds the image named by the image
//! variable (`IMAGE`); the image is saved into the output artifact, and the
//! short commit (`IMAGE_TAG`) and CodeBuild's build number (under the name
//! the Makefile reads, `BUILD_NUMBER` by default, `BUILD_NUM` for CircleCI
//! Makefiles) are exported under the namespace `BuildVariables`. `Test`, a
//! Test action, loads that image and runs the test target with a JUnit
//! report. `Deploy` loads it, logs in to the registry (ECR with the
//! project's role, or Docker Hub with credentials from Secrets Manager) and
//! runs the deploy target, which pushes each tag of the tags variable
//! (`TAGS`: the moving tag, the build number and the commit) to the
//! repository variable (`REPOSITORY_URI`). With ECR, a commit already in
//! the repository is not deployed again, and the build says so.
//!
//! The pull-request project, in the same stack, runs the build and test
//! targets on pull requests into the branch, with no registry permission;
//! it is started by CodeBuild's GitHub webhook and needs the account's
//! GitHub source credential, which synth requires some stack of the same
//! account and region to provide (and makes a dependency).
//!
//! Every Docker project keeps CodeBuild's local Docker layer cache, the
//! counterpart of CircleCI's `docker_layer_caching`, and every project can
//! install packages first (e.g. `httpie` and `jq` for the image tests).

use super::placement::Placement;
use super::registry::Registry;
use crate::buildspec::{BuildSpec, DockerHub, LOCAL_IMAGE, Report, steps};
use crate::codebuild::{EventAction, FilterGroup, Project, Source};
use crate::codepipeline::{Action, Artifact, Namespace, Pipeline, Stage};
use crate::construct::{Need, Stack};
use crate::ecr;
use crate::error::ProblemKind;
use crate::template::Output;

/// The configuration of a make pipeline stack.
#[derive(Clone, Debug)]
pub struct MakePipeline {
    stack: String,
    source: String,
    registry: Registry,
    branch: String,
    build_target: String,
    test_target: String,
    deploy_target: String,
    image_variable: String,
    tags_variable: String,
    build_number_variable: String,
    repository_variable: String,
    moving_tag: Option<String>,
    test_report: Option<String>,
    packages: Vec<String>,
    pull_requests: bool,
    layer_cache: bool,
    placement: Placement,
}

impl MakePipeline {
    /// The stack `stack` building the GitHub repository `source`
    /// (`owner/name`, read by the pipeline through the connection given as
    /// the `ConnectionArn` parameter) and deploying to `registry`.
    /// Defaults: branch `main`; targets `build`, `test` and `deploy`;
    /// variables `IMAGE`, `TAGS`, `BUILD_NUMBER` and `REPOSITORY_URI`; the
    /// moving tag `latest`; no test report; no packages; the pull-request
    /// project; the local Docker layer cache; the deploying account and
    /// region; no stack tags.
    pub fn new(stack: impl Into<String>, source: impl Into<String>, registry: Registry) -> Self {
        Self {
            stack: stack.into(),
            source: source.into(),
            registry,
            branch: "main".to_owned(),
            build_target: "build".to_owned(),
            test_target: "test".to_owned(),
            deploy_target: "deploy".to_owned(),
            image_variable: "IMAGE".to_owned(),
            tags_variable: "TAGS".to_owned(),
            build_number_variable: "BUILD_NUMBER".to_owned(),
            repository_variable: "REPOSITORY_URI".to_owned(),
            moving_tag: Some("latest".to_owned()),
            test_report: None,
            packages: Vec::new(),
            pull_requests: true,
            layer_cache: true,
            placement: Placement::default(),
        }
    }

    /// Sets the branch: its pushes start the pipeline, pull requests into
    /// it the pull-request project. Default: `main`.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = branch.into();
        self
    }

    /// Sets the make targets that build, test and deploy. Default: `build`,
    /// `test`, `deploy`.
    pub fn targets(
        mut self,
        build: impl Into<String>,
        test: impl Into<String>,
        deploy: impl Into<String>,
    ) -> Self {
        self.build_target = build.into();
        self.test_target = test.into();
        self.deploy_target = deploy.into();
        self
    }

    /// Sets the variable naming the image the Makefile builds, tests and
    /// deploys. Default: `IMAGE`.
    pub fn image_variable(mut self, name: impl Into<String>) -> Self {
        self.image_variable = name.into();
        self
    }

    /// Sets the variable listing the tags the deploy target pushes.
    /// Default: `TAGS`.
    pub fn tags_variable(mut self, name: impl Into<String>) -> Self {
        self.tags_variable = name.into();
        self
    }

    /// Sets the variable holding CodeBuild's build number (`BUILD_NUM` for
    /// a Makefile written for CircleCI). Default: `BUILD_NUMBER`.
    pub fn build_number_variable(mut self, name: impl Into<String>) -> Self {
        self.build_number_variable = name.into();
        self
    }

    /// Sets the variable holding the repository the deploy target pushes
    /// to (an ECR URI, or `owner/name` on Docker Hub). Default:
    /// `REPOSITORY_URI`.
    pub fn repository_variable(mut self, name: impl Into<String>) -> Self {
        self.repository_variable = name.into();
        self
    }

    /// Sets the tag that moves to every deploy. Default: `latest`.
    pub fn moving_tag(mut self, tag: impl Into<String>) -> Self {
        self.moving_tag = Some(tag.into());
        self
    }

    /// Deploys only the build number and the commit tags. Default: the
    /// moving tag `latest` too.
    pub fn no_moving_tag(mut self) -> Self {
        self.moving_tag = None;
        self
    }

    /// Publishes the JUnit files `files` the test target writes as the
    /// report group `integration`. Default: no report.
    pub fn test_report(mut self, files: impl Into<String>) -> Self {
        self.test_report = Some(files.into());
        self
    }

    /// Installs the Ubuntu packages `packages` (e.g. `httpie`, `jq`) in
    /// every project's `install` phase. Default: none.
    pub fn packages<S: Into<String>>(mut self, packages: impl IntoIterator<Item = S>) -> Self {
        self.packages.extend(packages.into_iter().map(Into::into));
        self
    }

    /// No pull-request project. Default: pull requests into the branch
    /// run the build and test targets.
    pub fn without_pull_requests(mut self) -> Self {
        self.pull_requests = false;
        self
    }

    /// No local Docker layer cache. Default: every Docker project keeps
    /// one.
    pub fn without_layer_cache(mut self) -> Self {
        self.layer_cache = false;
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

    /// A buildspec that installs the packages, then names the image.
    fn base(&self) -> BuildSpec {
        let mut spec = BuildSpec::new();
        if !self.packages.is_empty() {
            spec = spec.install([format!(
                "apt-get update && apt-get install -y --no-install-recommends {}",
                self.packages.join(" ")
            )]);
        }
        spec
    }

    /// `export <IMAGE>=pipewright-image:$IMAGE_TAG`.
    fn image_export(&self) -> String {
        format!(
            r#"export {}="{LOCAL_IMAGE}:$IMAGE_TAG""#,
            self.image_variable
        )
    }

    /// The short commit and the build number under its name.
    fn tag_variables(&self) -> [String; 2] {
        [
            steps::short_commit("IMAGE_TAG"),
            format!(
                r#"export {}="$CODEBUILD_BUILD_NUMBER""#,
                self.build_number_variable
            ),
        ]
    }

    fn report(&self, spec: BuildSpec) -> BuildSpec {
        match &self.test_report {
            Some(files) => spec.report("integration", Report::new([files.as_str()])),
            None => spec,
        }
    }

    fn docker(&self, project: Project) -> Project {
        let project = project.privileged();
        if self.layer_cache {
            project.docker_layer_cache()
        } else {
            project
        }
    }

    fn make(&self, target: &str) -> String {
        steps::make_target(target)
    }

    /// Each variable name the Makefile reads that the shell could not
    /// export.
    fn check_variables(&self, stack: &mut Stack) {
        let path = stack.path("Pipeline");
        for name in [
            &self.image_variable,
            &self.tags_variable,
            &self.build_number_variable,
            &self.repository_variable,
        ] {
            let mut chars = name.chars();
            let valid = chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                stack.problem(
                    &path,
                    ProblemKind::InvalidName {
                        what: "Makefile variable",
                        name: name.clone(),
                        reason: "is not a shell variable name: use letters, digits and `_`, not starting with a digit".to_owned(),
                    },
                );
            }
        }
    }

    /// The stack.
    pub fn stack(&self) -> Stack {
        let mut stack = self.placement.stack(&self.stack, format!(
            "make {}, make {} and make {} on every push to `{}`, and make {} and make {} on pull requests (managed by pipewright)",
            self.build_target, self.test_target, self.deploy_target, self.branch, self.build_target, self.test_target
        ));
        self.check_variables(&mut stack);
        let number = self.build_number_variable.as_str();

        let build_spec = self
            .base()
            .pre_build(self.tag_variables())
            .pre_build([self.image_export()])
            .exported(["IMAGE_TAG", number])
            .build([self.make(&self.build_target)])
            .save_image();
        let build = stack.add(
            self.docker(Project::new("Build", build_spec))
                .buildspec_copy(format!("{}/build.yml", self.stack))
                .description(format!(
                    "make {}, and saves the image into the output artifact",
                    self.build_target
                )),
        );
        let test_spec = self.report(
            self.base()
                .load_image()
                .pre_build([self.image_export()])
                .build([self.make(&self.test_target)]),
        );
        let test = stack.add(
            self.docker(Project::new("Test", test_spec))
                .buildspec_copy(format!("{}/test.yml", self.stack))
                .description(format!("make {}: tests the built image", self.test_target)),
        );
        let deploy = self.deploy_project(&mut stack);

        let code = Artifact::new("SourceOutput");
        let source =
            super::source::connection_source(&mut stack, &self.source, &self.branch, &code);
        let image = Artifact::new("BuildOutput");
        let built = Namespace::new("BuildVariables");
        let variables = |action: Action| {
            action
                .input(&image)
                .variable("IMAGE_TAG", built.var("IMAGE_TAG"))
                .variable(number, built.var(number))
        };
        let pipeline = stack.add(
            Pipeline::new("Pipeline")
                .stage(Stage::new("Source").action(source))
                .stage(
                    Stage::new("Build").action(
                        Action::build("Build", &build)
                            .input(&code)
                            .output(&image)
                            .namespace(&built),
                    ),
                )
                .stage(Stage::new("Test").action(variables(Action::test("Test", &test))))
                .stage(Stage::new("Deploy").action(variables(Action::build("Deploy", &deploy)))),
        );
        if self.pull_requests {
            self.pull_request_project(&mut stack);
        }
        stack.add_output(
            "PipelineName",
            Output::new(pipeline.name()).description("Name of the pipeline"),
        );
        stack
    }

    /// The deploy project, logged in to the registry.
    fn deploy_project(&self, stack: &mut Stack) -> crate::codebuild::ProjectRef {
        let repository = self.repository_variable.as_str();
        let mut tags = Vec::new();
        if let Some(tag) = &self.moving_tag {
            tags.push(tag.clone());
        }
        tags.push(format!("${}", self.build_number_variable));
        tags.push("$IMAGE_TAG".to_owned());
        let export_tags = format!(r#"export {}="{}""#, self.tags_variable, tags.join(" "));
        let spec = self.base().load_image().pre_build([self.image_export()]);
        let description = format!(
            "make {}: pushes the moving tag, the build number and the commit tag",
            self.deploy_target
        );
        match &self.registry {
            Registry::Ecr { repository: name } => {
                let mut repo = ecr::Repository::new("Repository").name(name.as_str());
                if let Some(tag) = &self.moving_tag {
                    repo = repo.moving_tag(tag);
                }
                let repo = stack.add(repo);
                let spec = spec
                    .pre_build([steps::ecr_login_for(repository), export_tags])
                    .build([steps::unless_image_exists(
                        repository,
                        "IMAGE_TAG",
                        &self.make(&self.deploy_target),
                    )]);
                let deploy = stack.add(
                    self.docker(Project::new("Deploy", spec))
                        .buildspec_copy(format!("{}/deploy.yml", self.stack))
                        .description(description)
                        .variable(repository, repo.uri()),
                );
                stack.for_need(
                    Need::feature(
                        "`make deploy` pushes the image unless its tag exists",
                        ecr::PUSH_DOC,
                    ),
                    |stack| {
                        repo.grant_push(stack, deploy.role());
                        repo.grant_describe_images(stack, deploy.role());
                    },
                );
                stack.add_output(
                    "RepositoryUri",
                    Output::new(repo.uri())
                        .description("URI of the repository the deploy target pushes to"),
                );
                deploy
            }
            Registry::DockerHub {
                repository: name,
                secret,
            } => {
                let spec = DockerHub::new(name.as_str(), secret.as_str())
                    .credentials(spec)
                    .pre_build([export_tags])
                    .build([self.make(&self.deploy_target)])
                    .post_build([format!("docker logout {}", crate::buildspec::DOCKER_HUB)]);
                stack.add(
                    self.docker(Project::new("Deploy", spec))
                        .buildspec_copy(format!("{}/deploy.yml", self.stack))
                        .description(description)
                        .variable(repository, name.as_str()),
                )
            }
        }
    }

    /// The project that builds and tests pull requests.
    fn pull_request_project(&self, stack: &mut Stack) {
        let spec = self.report(
            self.base()
                .pre_build(self.tag_variables())
                .pre_build([self.image_export()])
                .build([self.make(&self.build_target), self.make(&self.test_target)]),
        );
        stack.add(
            self.docker(Project::new("PullRequests", spec))
                .buildspec_copy(format!("{}/pull-requests.yml", self.stack))
                .description(format!(
                    "make {} and make {} on pull requests; no push, no deploy",
                    self.build_target, self.test_target
                ))
                .source(Source::GitHub {
                    location: format!("https://github.com/{}.git", self.source).into(),
                })
                .webhook(vec![
                    FilterGroup::in_event_of(EventAction::PULL_REQUEST).base_branch(&self.branch),
                ]),
        );
    }
}

//! The CircleCI "make build, make test, make deploy" system (issue #13).
//!
//! `make-pipeline` (operations account): a V2 pipeline started only by
//! pushes to the configured branch. `Build` runs `make build`, which builds
//! `$IMAGE`, saves it into the output artifact and exports `IMAGE_TAG` (the
//! short commit) and `BUILD_NUMBER` (`CODEBUILD_BUILD_NUMBER`) under the
//! namespace `BuildVariables`. `Test`, a Test action, loads that image and
//! runs `make test`, the image's integration tests against it, with a JUnit
//! report. `Deploy` loads it and runs `make deploy`, which pushes `latest`,
//! the build number and the commit tag (`$TAGS`) to `$REPOSITORY_URI`; the
//! repository lets `latest` move and keeps every other tag immutable.
//!
//! `PullRequests`, in the same stack: a project started by pull requests
//! into the branch (created, updated, reopened) that runs `make build` and
//! `make test`, with no registry permission and no deploy step.
//!
//! The Makefile's contract: `make build` builds `$IMAGE`; `make test` tests
//! `$IMAGE` and writes JUnit XML to the configured report; `make deploy`
//! tags `$IMAGE` as `$REPOSITORY_URI:<tag>` for each of `$TAGS` and pushes.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::buildspec::{BuildSpec, LOCAL_IMAGE, Report, build_tags, make, steps};
use pipewright::codebuild::{EventAction, FilterGroup, Project, Source};
use pipewright::codepipeline::{Action, Artifact, Namespace, Pipeline, Stage};
use pipewright::template::Output;
use pipewright::{Stack, ecr, s3};

/// The system's configuration.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The source repository, `owner/name`.
    pub source: &'static str,
    /// The branch: pushes to it start the pipeline, pull requests into it
    /// start the pull-request project.
    pub branch: &'static str,
    /// The ECR repository `make deploy` pushes to.
    pub repository: &'static str,
    /// The tag that moves to every deploy; every other tag is immutable.
    pub moving_tag: &'static str,
    /// The JUnit files `make test` writes.
    pub test_report: &'static str,
}

/// This repository's configuration.
pub const CONFIG: Config = Config {
    source: "acme/app",
    branch: "main",
    repository: "acme/make-app",
    moving_tag: "latest",
    test_report: "reports/junit.xml",
};

/// The stack's name.
pub const STACK: &str = "make-pipeline";

/// `IMAGE`, the image the Makefile builds, tests and deploys.
fn image_variable(spec: BuildSpec) -> BuildSpec {
    spec.pre_build([format!(r#"export IMAGE="{LOCAL_IMAGE}:$IMAGE_TAG""#)])
}

/// The `make-pipeline` stack.
pub fn stack(config: &Config) -> Stack {
    let mut stack = Stack::new(STACK)
        .description("make build, make test and make deploy on every push to the main branch, and make build and make test on pull requests (managed by pipewright)")
        .account(OPERATIONS)
        .region(REGION)
        .tag("project", "pipewright");
    let connection = crate::github::connection_parameter(&mut stack);
    let bucket = stack.add(s3::Bucket::new("ArtifactBucket"));
    let repo = stack.add(
        ecr::Repository::new("Repository")
            .name(config.repository)
            .moving_tag(config.moving_tag),
    );
    let report = || Report::new([config.test_report]);

    let build_spec = image_variable(BuildSpec::new().pre_build(build_tags()))
        .exported(["IMAGE_TAG", "BUILD_NUMBER"])
        .build(
            make(["build"])
                .phase_commands(pipewright::buildspec::PhaseName::Build)
                .to_vec(),
        )
        .save_image();
    let build = stack.add(
        Project::new("Build", build_spec)
            .buildspec_copy(format!("{STACK}/build.yml"))
            .description("make build, and saves the image into the output artifact")
            .privileged(),
    );
    let test = stack.add(
        Project::new(
            "Test",
            image_variable(BuildSpec::new().load_image())
                .build(["make test"])
                .report("integration", report()),
        )
        .buildspec_copy(format!("{STACK}/test.yml"))
        .description("make test: the image's integration tests against the built image")
        .privileged(),
    );
    let deploy = stack.add(
        Project::new(
            "Deploy",
            image_variable(BuildSpec::new().load_image())
                .pre_build([
                    steps::ecr_login_for("REPOSITORY_URI"),
                    format!(
                        r#"export TAGS="{} $BUILD_NUMBER $IMAGE_TAG""#,
                        config.moving_tag
                    ),
                ])
                .build(["make deploy"]),
        )
        .buildspec_copy(format!("{STACK}/deploy.yml"))
        .description("make deploy: pushes the moving tag, the build number and the commit tag")
        .privileged()
        .variable("REPOSITORY_URI", repo.uri()),
    );
    repo.grant_push(&mut stack, deploy.role());

    let source = crate::github::source(connection, config.source, config.branch);
    let code = source.code.clone();
    let image = Artifact::new("BuildOutput");
    let built = Namespace::new("BuildVariables");
    let variables = |action: Action| {
        action
            .input(&image)
            .variable("IMAGE_TAG", built.var("IMAGE_TAG"))
            .variable("BUILD_NUMBER", built.var("BUILD_NUMBER"))
    };
    let pipeline = stack.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(source.stage())
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

    stack.add(
        Project::new(
            "PullRequests",
            make(["build", "test"])
                .pre_build(build_tags())
                .pre_build([format!(r#"export IMAGE="{LOCAL_IMAGE}:$IMAGE_TAG""#)])
                .report("integration", report()),
        )
        .buildspec_copy(format!("{STACK}/pull-requests.yml"))
        .description("make build and make test on pull requests; no push, no deploy")
        .privileged()
        .source(Source::GitHub {
            location: format!("https://github.com/{}.git", config.source).into(),
        })
        .webhook(vec![
            FilterGroup::in_event_of(EventAction::PULL_REQUEST).base_branch(config.branch),
        ]),
    );

    stack.add_output(
        "PipelineName",
        Output::new(pipeline.name()).description("Name of the pipeline"),
    );
    stack.add_output(
        "RepositoryUri",
        Output::new(repo.uri()).description("URI of the repository make deploy pushes to"),
    );
    stack
}

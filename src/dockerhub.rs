//! The CircleCI "static analysis before the image, then Docker Hub" system
//! (issue #13).
//!
//! `dockerhub-pipeline` (operations account): Source → Analyze → Image.
//! `Analyze` is a Test action whose project runs the static analysis
//! (`make lint`) and publishes a JUnit report; its role may write exactly
//! that report group and has no registry access. Only after it passes,
//! `Image` builds the image and pushes it to Docker Hub, logging in with
//! the username and access token of a Secrets Manager secret that its role
//! may read and nothing else: the secret's value never enters a template,
//! parameter, output or committed file.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::Stack;
use pipewright::buildspec::{DockerHub, Report, dockerhub_build_push, make};
use pipewright::codebuild::Project;
use pipewright::codepipeline::{Action, Namespace, Pipeline, Stage};
use pipewright::s3;
use pipewright::template::Output;

/// The system's configuration: the one value to change to point it at
/// another repository or Docker Hub account.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The source repository, `owner/name`.
    pub source: &'static str,
    /// The branch whose pushes start the pipeline.
    pub branch: &'static str,
    /// The Docker Hub repository, `owner/name`.
    pub repository: &'static str,
    /// The name of the Secrets Manager secret holding `username` and
    /// `token` (a Docker Hub access token), created outside the template.
    pub secret: &'static str,
    /// The make target of the static analysis.
    pub analysis_target: &'static str,
    /// The JUnit files the analysis writes.
    pub analysis_report: &'static str,
}

/// This repository's configuration.
pub const CONFIG: Config = Config {
    source: "acme/app",
    branch: "main",
    repository: "acme/app",
    secret: "pipewright/dockerhub",
    analysis_target: "lint",
    analysis_report: "reports/lint.xml",
};

/// The stack's name.
pub const STACK: &str = "dockerhub-pipeline";

/// The `dockerhub-pipeline` stack.
pub fn stack(config: &Config) -> Stack {
    let mut stack = Stack::new(STACK)
        .description("Analyzes the source, then builds the image and pushes it to Docker Hub (managed by pipewright)")
        .account(OPERATIONS)
        .region(REGION)
        .tag("project", "pipewright");
    let connection = crate::github::connection_parameter(&mut stack);
    let bucket = stack.add(s3::Bucket::new("ArtifactBucket"));
    let analyze = stack.add(
        Project::new(
            "Analyze",
            make([config.analysis_target])
                .report("static-analysis", Report::new([config.analysis_report])),
        )
        .buildspec_copy(format!("{STACK}/analyze.yml"))
        .description("Runs the static analysis and reports it as JUnit"),
    );
    let image = stack.add(
        Project::new(
            "Image",
            dockerhub_build_push(DockerHub::new(config.repository, config.secret)),
        )
        .buildspec_copy(format!("{STACK}/dockerhub.yml"))
        .description("Builds the image and pushes it to Docker Hub")
        .privileged(),
    );
    let source = crate::github::source(connection, config.source, config.branch);
    let code = source.code.clone();
    let pipeline = stack.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(source.stage())
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

//! `image-pipeline` and `image-pipeline-connection`: the classic
//! CloudFormation image pipeline. A push to a GitHub branch starts a
//! CodePipeline; its `Build` stage runs a privileged CodeBuild project that
//! logs in to ECR, builds the Docker image, tags it with the short commit SHA
//! and `latest`, and pushes it. Artifacts pass through a hardened bucket.
//!
//! The first stack uses the GitHub (version 1) OAuth source with an HMAC
//! webhook, as the tutorial does; the second a CodeStar connection and a V2
//! push trigger, which is what new pipelines should use.

use pipewright::buildspec::DockerBuild;
use pipewright::codebuild::Project;
use pipewright::codepipeline::{
    Action, Artifact, ConnectionSource, GitHubSource, Namespace, Pipeline, Stage,
};
use pipewright::template::{Expr, Output, Parameter};
use pipewright::{Stack, ecr, s3};

/// How the pipeline learns about pushes.
enum Trigger {
    /// GitHub version 1 source with an `AWS::CodePipeline::Webhook`.
    Webhook,
    /// A CodeStar connection with a V2 push trigger.
    Connection,
}

/// The `image-pipeline` stack (GitHub webhook).
pub fn webhook() -> Stack {
    stack("image-pipeline", Trigger::Webhook)
}

/// The webhook pipeline under another stack name (for scale benchmarks).
pub fn webhook_named(name: &str) -> Stack {
    stack(name, Trigger::Webhook)
}

/// The `image-pipeline-connection` stack (CodeStar connection).
pub fn connection() -> Stack {
    stack("image-pipeline-connection", Trigger::Connection)
}

fn stack(name: &str, trigger: Trigger) -> Stack {
    let mut stack = Stack::new(name)
        .description("Builds a Docker image from a GitHub repository and pushes it to ECR (managed by pipewright)")
        .tag("project", "pipewright");

    let account = stack.add_parameter(
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
    let branch = stack.add_parameter(
        "GithubBranch",
        Parameter::string()
            .description("Branch whose pushes start the pipeline")
            .default_value("main")
            .length(1, 255),
    );

    let bucket = stack.add(s3::Bucket::new("ArtifactBucket"));
    let repo = stack.add(
        ecr::Repository::new("Repository")
            .name(repository.clone())
            .moving_tag("latest"),
    );
    let build = stack.add(
        Project::docker("Build", &repo, DockerBuild::default())
            .buildspec_copy(format!("{name}/docker-build.yml"))
            .description("Builds the Docker image and pushes it to ECR"),
    );

    let source = match trigger {
        Trigger::Webhook => {
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
                    owner: account.clone(),
                    repo: repository.clone(),
                    branch,
                    oauth_token: token,
                    webhook_secret: secret,
                },
            )
        }
        Trigger::Connection => {
            let connection = stack.add_parameter(
                "ConnectionArn",
                Parameter::string()
                    .description("ARN of an available CodeStar / CodeConnections connection to GitHub")
                    .allowed_pattern("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$"),
            );
            Action::connection(
                "Source",
                ConnectionSource {
                    connection_arn: connection,
                    repository: Expr::concat([account.clone(), "/".into(), repository.clone()]),
                    branch,
                },
            )
        }
    };
    let code = Artifact::new("SourceOutput");
    let pipeline = stack.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(Stage::new("Source").action(source.output(&code)))
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &build)
                        .input(&code)
                        .namespace(&Namespace::new("BuildVariables")),
                ),
            ),
    );

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

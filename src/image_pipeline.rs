//! `image-pipeline` and `image-pipeline-connection`: the CloudFormation
//! image pipeline ([`pipewright::patterns::image_pipeline`]), configured
//! like the project it comes from: the application in `app/` (its
//! Dockerfile at `app/Dockerfile`), the buildspec kept in the repository
//! at `pipeline/buildspec.yml` with the variable names it expects, and a
//! larger build machine for `main` than for `develop`.
//!
//! The first stack uses the GitHub (version 1) OAuth source with an HMAC
//! webhook, as the source project does; the second a CodeStar connection
//! and a V2 push trigger, which is what new pipelines should use.

use pipewright::Stack;
use pipewright::codebuild::ComputeType;
use pipewright::patterns::image_pipeline::{ImagePipeline, Trigger};

/// The configuration both stacks share.
fn config(name: &str) -> ImagePipeline {
    ImagePipeline::new(name)
        .context("app")
        .dockerfile("app/Dockerfile")
        .buildspec_from_repository("pipeline/buildspec.yml")
        .compute_for_branch("main", ComputeType::Medium)
        .compute_for_branch("develop", ComputeType::Small)
        .seed_variables()
        .tag("project", "pipewright")
}

/// The `image-pipeline` stack (GitHub webhook).
pub fn webhook() -> Stack {
    webhook_named("image-pipeline")
}

/// The webhook pipeline under another stack name (for scale benchmarks).
pub fn webhook_named(name: &str) -> Stack {
    config(name)
        .trigger(Trigger::GitHubWebhook)
        .pipeline_name(name)
        .stack()
}

/// The `image-pipeline-connection` stack (CodeStar connection).
pub fn connection() -> Stack {
    config("image-pipeline-connection")
        .trigger(Trigger::Connection)
        .stack()
}

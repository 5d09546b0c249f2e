//! `dockerhub-pipeline`: the CircleCI "static analysis, then Docker Hub"
//! system ([`pipewright::patterns::analysis`]), configured like the seed:
//! the analysis runs on every push to a feature branch and on pull
//! requests, the image of `main` is built with `cd app && make
//! docker_build` and pushed to Docker Hub with its commit tag and
//! `latest`, logging in with a Secrets Manager secret.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::Stack;
use pipewright::patterns::analysis::Analysis;
use pipewright::patterns::registry::Registry;

/// The stack's name.
pub const STACK: &str = "dockerhub-pipeline";

/// This repository's configuration.
pub fn config() -> Analysis {
    Analysis::new(
        STACK,
        "acme/app",
        Registry::docker_hub("acme/app", "pipewright/dockerhub"),
    )
    .analysis(["make lint"])
    .report("reports/lint.xml")
    .build_command("cd app && make docker_build")
    .env(OPERATIONS, REGION)
    .tag("project", "pipewright")
}

/// The `dockerhub-pipeline` stack.
pub fn stack() -> Stack {
    config().stack()
}

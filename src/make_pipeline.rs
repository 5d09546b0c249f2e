//! `make-pipeline`: the CircleCI "make build, make test, make deploy"
//! system ([`pipewright::patterns::make`]), configured like the seed: the
//! Makefile reads the build number as `BUILD_NUM` and pushes to Docker Hub,
//! the image tests use `httpie` and `jq`, and Docker layers are cached
//! between builds.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::Stack;
use pipewright::patterns::make::MakePipeline;
use pipewright::patterns::registry::Registry;

/// The stack's name.
pub const STACK: &str = "make-pipeline";

/// This repository's configuration.
pub fn config() -> MakePipeline {
    MakePipeline::new(
        STACK,
        "acme/app",
        Registry::docker_hub("acme/make-app", "pipewright/dockerhub"),
    )
    .build_number_variable("BUILD_NUM")
    .packages(["httpie", "jq"])
    .test_report("reports/junit.xml")
    .env(OPERATIONS, REGION)
    .tag("project", "pipewright")
}

/// The `make-pipeline` stack.
pub fn stack() -> Stack {
    config().stack()
}

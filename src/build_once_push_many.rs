//! `build-once-pipeline` and `build-once-production`: the CircleCI "build
//! once, push to many registries" system
//! ([`pipewright::patterns::build_once`]), configured like the seed: the
//! binary is made (`make bin_linux/my_app`) before the image, images are
//! tagged `git-commit-<sha>`, two repositories of the operations account
//! get the image at once, and the production repository, in another
//! account and another region, only after an approver of the release
//! group says so.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::Stack;
use pipewright::buildspec::Tag;
use pipewright::patterns::build_once::{Approvers, BuildOnce, Target};

/// The production account.
pub const PRODUCTION: &str = "333333333333";
/// The production registry's region.
pub const PRODUCTION_REGION: &str = "eu-west-1";

/// This repository's configuration (example accounts and addresses).
pub fn config() -> BuildOnce {
    BuildOnce::new("build-once", OPERATIONS, REGION, "acme/web")
        .pre_build(["make bin_linux/my_app"])
        .target(Target::new("Internal", "acme/web", OPERATIONS, REGION).tags([Tag::GitCommit]))
        .target(
            Target::new("Mirror", "acme/web-mirror", OPERATIONS, REGION)
                .tags([Tag::GitCommit, Tag::BuildNumber]),
        )
        .target(
            Target::new("Production", "acme/web", PRODUCTION, PRODUCTION_REGION)
                .tags([Tag::GitCommit])
                .after_approval(),
        )
        .approvers(Approvers::Group("build-once-release-approvers".to_owned()))
        .email("release-approvers@example.com")
        .approval_timeout_minutes(1440)
        .tag("project", "pipewright")
}

/// The stacks: the pipeline, then the production registry's.
pub fn stacks() -> Vec<Stack> {
    config().stacks()
}

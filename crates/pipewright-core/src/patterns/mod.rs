//! Patterns: whole CI/CD systems as constructs with a typed configuration.
//!
//! Each pattern reproduces a system teams already run (a CloudFormation
//! template, a CircleCI configuration) as stacks built from pipewright's
//! constructs, so that a team's own crate holds configuration, not
//! construction: it fills in a configuration whose every field has a
//! documented default and asks for the stacks. Secure defaults, least
//! privilege and synth's checks come with the constructs underneath.
//!
//! - [`image_pipeline`]: a repository's Docker image built and pushed to
//!   ECR on every push to a branch (the CloudFormation image pipeline);
//! - [`build_once`]: an image built once and pushed to several registries
//!   of any account and region, some after an approval;
//! - [`analysis`]: static analysis on every branch and pull request, then
//!   the image of the main branch to Docker Hub or ECR;
//! - [`make`]: `make build`, `make test`, `make deploy`, with the Makefile's
//!   own variable names;
//! - [`registry`]: where the last two push, ECR or Docker Hub;
//! - [`eks`]: thoughtbot's EKS CI/CD modules (common, per application, per
//!   cluster, per stage);
//! - [`infra`]: the infra repository's own pipeline (check, approve,
//!   deploy), and [`drift`]: a scheduled drift check that notifies.

pub mod analysis;
pub mod build_once;
pub mod drift;
pub mod eks;
pub mod image_pipeline;
pub mod infra;
pub mod make;
mod placement;
pub mod registry;
mod source;

pub use source::connection_parameter;

//! The part of [pipewright](https://docs.rs/pipewright) that needs neither
//! the AWS SDK nor an async runtime: the CloudFormation model and its
//! reader and emitters, buildspecs, IAM, the constructs, the app and its
//! synth, template diffs and parameter files.
//!
//! Depend on `pipewright`, which re-exports all of this under the same
//! paths and adds the command line and the `cloud` layer. This crate is
//! separate only so that it compiles while the SDK does (a cold build's
//! critical path); its items are documented where `pipewright` shows them.

pub mod template;

pub mod app;
pub mod construct;
mod error;
pub mod facts;
#[doc(hidden)]
pub mod suggest;

pub use app::App;
pub use construct::{Construct, Stack};
pub use error::{Error, Problem, ProblemKind};
pub mod bootstrap;
pub mod buildspec;
pub mod codebuild;
pub mod codepipeline;
pub mod codestar;
pub mod diff;
pub mod ecr;
pub mod eks;
pub mod graph;
pub mod iam;
pub mod kms;
pub mod parameters;
pub mod patterns;
pub mod s3;
pub mod scheduler;
pub mod sns;
pub mod ssm;
pub mod stack_set;

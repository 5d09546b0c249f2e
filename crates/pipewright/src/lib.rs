#![doc = include_str!("../README.md")]

pub mod template;

pub mod app;
pub mod construct;
mod error;
pub mod facts;
mod suggest;

pub use app::App;
pub use construct::{Construct, Stack};
pub use error::{Error, Problem, ProblemKind};
pub mod bootstrap;
pub mod buildspec;
pub mod cli;
#[cfg(feature = "cloud")]
pub mod cloud;
pub mod codebuild;
pub mod codepipeline;
pub mod codestar;
pub mod diff;
pub mod ecr;
pub mod eks;
pub mod iam;
pub mod kms;
pub mod parameters;
pub mod s3;
pub mod sns;
pub mod ssm;

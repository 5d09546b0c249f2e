#![doc = include_str!("../README.md")]

pub mod template;

pub mod app;
mod error;
mod suggest;

pub use app::{App, Construct, Stack};
pub use error::{Error, Problem, ProblemKind};
pub mod buildspec;
pub mod cli;
#[cfg(feature = "cloud")]
pub mod cloud;
pub mod codebuild;
pub mod codepipeline;
pub mod diff;
pub mod ecr;
pub mod iam;
pub mod parameters;
pub mod s3;

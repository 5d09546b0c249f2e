//! pipewright describes AWS CI/CD pipelines as typed Rust constructs,
//! synthesizes CloudFormation templates a reviewer can read, and deploys,
//! diffs and drift-checks the stacks.

pub mod template;

pub mod app;
mod error;
mod suggest;

pub use app::{App, Construct, Stack};
pub use error::{Error, Problem, ProblemKind};

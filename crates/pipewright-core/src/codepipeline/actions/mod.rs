//! The action kinds this crate provides, one file each: each file holds
//! the kind's struct, its [`ActionKind`](crate::codepipeline::ActionKind)
//! impl and its [`Action`](crate::codepipeline::Action) constructors.

pub mod approval;
pub mod cloudformation;
pub mod codebuild;
pub mod connection;
pub mod github;

//! AWS CodePipeline: pipelines, stages, and actions of every kind.
//!
//! A [`Pipeline`] is checked the way CodePipeline checks it, before any API
//! call: names, at least two stages, sources only (and all) in the first
//! stage, unique action and artifact names, every input artifact produced
//! by an earlier stage. Every problem is reported, with the stage and action.
//!
//! The pipeline knows nothing about any particular action. What differs
//! between kinds (the `ActionTypeId`, the `Configuration`, the grants, extra
//! resources such as a webhook, V2 triggers, the kind's own checks) is the
//! [`ActionKind`] trait, and each kind lives in its own file under
//! [`actions`]. A new kind (manual approval, an ECR source) is a new file
//! with a struct, its `ActionKind` impl and an `Action` constructor, with
//! no edit to the pipeline; a kind defined outside this crate works the
//! same way through [`Action::new`].
//!
//! An action may run in another account with a role named by a literal ARN
//! ([`Action::cross_account_role`]); the pipeline then needs a customer
//! managed key ([`Pipeline::key`]), and synth says so when it has none.
//!
//! - [`pipeline`]: `AWS::CodePipeline::Pipeline`, its role and its checks;
//! - [`stage`]: a stage, a named list of actions;
//! - [`action`]: the fields every action has, and the [`ActionKind`] trait;
//! - [`artifact`]: artifacts and variables, the values between actions;
//! - [`actions`]: the kinds this crate provides.

pub mod action;
pub mod actions;
pub mod artifact;
pub mod pipeline;
pub mod stage;

pub use action::{
    Action, ActionKind, ActionResource, ActionSite, ActionTypeId, Category, CloneActionKind, Owner,
};
pub use actions::approval::ManualApproval;
pub use actions::cloudformation::{CloudFormationDeploy, DeployMode};
pub use actions::codebuild::CodeBuildAction;
pub use actions::connection::{ConnectionSource, FullCloneSource};
pub use actions::github::GitHubSource;
pub use artifact::{Artifact, ArtifactPath, Namespace, Variable};
pub use pipeline::{Pipeline, PipelineRef, PipelineType};
pub use stage::Stage;

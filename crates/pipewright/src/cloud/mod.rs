//! Everything that talks to AWS: deploy, destroy, status, diff and drift
//! through the CloudFormation API, with STS for the account guard.
//!
//! The modules are layered, and this file only declares and re-exports
//! them (a `mod.rs` with code of its own would sit both above and below
//! its children; issue #22):
//! - values: [`values`] (every status the API returns, and the records
//!   read from it), [`error`] ([`CloudError`]);
//! - pure logic: status classification in [`state`], ordering in
//!   [`plan`], change-set summaries in [`change_set`], event
//!   de-duplication and root causes in [`stack_events`], the deploy
//!   preview in [`preview`];
//! - the SDK calls: [`api`] (a client bound to one stack; [`staging`]
//!   puts a template over the inline limit in S3), the way in
//!   ([`client`]: credentials, region, endpoint; [`accounts`]: one way
//!   into each account);
//! - the UI trait ([`ui`]) and stack watching ([`watch`]: follow, settle),
//!   shared by the flows;
//! - the flows: [`deploy`], [`destroy`], [`recover`], [`status`], [`diff`],
//!   [`drift`].
//!
//! The library never prints: flows report through a [`Ui`] the caller
//! implements.

pub mod accounts;
pub mod api;
pub mod change_set;
pub mod client;
pub mod deploy;
pub mod destroy;
pub mod diff;
pub mod drift;
pub mod error;
pub mod plan;
pub mod preview;
pub mod protection;
pub mod recover;
pub mod stack_events;
pub mod stack_set;
mod stack_set_api;
pub mod stack_set_flow;
pub mod staging;
pub mod state;
pub mod status;
pub mod ui;
pub mod values;
mod watch;

pub use client::{
    ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, Cloud, Connect, MAX_ATTEMPTS, MAX_BACKOFF, OPERATION_TIMEOUT,
    POLL_INTERVAL,
};
pub use deploy::{DeployOptions, DeployOutcome, DeployReport, Deployer};
pub use destroy::{DestroyOutcome, DestroyReport, RetainedResource};
pub use error::{CloudError, Detail};
pub use preview::{ParameterChange, Preview};
pub use state::{StackDriftStatus, StackStatus};
pub use status::StackStatusReport;
pub use ui::{Progress, Ui};
pub use values::StackInfo;

//! How a flow talks to whoever runs it: the library never prints, so a
//! flow reports [`Progress`] to a [`Ui`] the caller implements (the CLI's
//! terminal, a test's recorder) and asks it to confirm.

use super::change_set::Summary;
use super::preview::Preview;
use super::stack_events::StackEvent;
use super::values::StackStatus;

/// How a stack's confirm is asked and its progress shown: implemented by
/// the CLI (or any caller). Methods are called from several tasks at once
/// when stacks run concurrently.
pub trait Ui: Send + Sync {
    /// Something happened to `stack`.
    fn progress(&self, stack: &str, progress: Progress<'_>);
    /// Asks whether to go on; `false` declines. Only called without
    /// `--yes`.
    fn confirm(&self, stack: &str, question: &str) -> bool;
}

/// What a [`Ui`] is told.
#[derive(Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The stack is changing; waiting for it to settle before going on.
    Waiting {
        /// Its status.
        status: &'a StackStatus,
    },
    /// The deployed template, parameters and tags already match.
    Unchanged,
    /// A change set is ready for review.
    ChangeSet {
        /// Its name.
        name: &'a str,
        /// What it does.
        summary: &'a Summary,
        /// The IAM statements and parameter values it changes.
        preview: &'a Preview,
    },
    /// A stack operation started: `create`, `update` or `delete`.
    Started {
        /// The operation.
        operation: &'a str,
        /// Resources in the template (for a progress bar).
        resources: usize,
    },
    /// A stack event.
    Event(&'a StackEvent),
    /// A note for the operator.
    Note(&'a str),
    /// What a stack set deploy will do: the set created or updated, the
    /// instances added, updated and removed.
    StackSetPlan(&'a super::stack_set::SetPlan),
    /// An instance of a stack set operation reached a status.
    Instance(&'a super::values::InstanceResult),
}

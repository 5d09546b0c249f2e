//! Stack statuses and their classification: what a CloudFormation stack
//! status means for the next step. Pure: no AWS calls.
//!
//! [`StackStatus`] is the API's status as a value; a status this version
//! does not know (AWS adds some now and then) reads as
//! [`StackStatus::Unknown`] and is still classified by its suffix, never a
//! panic.

pub use super::values::{StackDriftStatus, StackStatus};

impl StackStatus {
    /// What the status means for the next step.
    pub fn phase(&self) -> Phase {
        classify(self.as_str())
    }

    /// Whether an operation that settled here succeeded.
    pub fn succeeded(&self) -> bool {
        succeeded(self.as_str())
    }
}

impl PartialEq<&str> for StackStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for StackStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<String> for StackStatus {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// What a stack's status means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// An operation is running (`*_IN_PROGRESS`): wait for it to settle.
    InProgress,
    /// Settled after a successful create, update or import.
    Complete,
    /// Settled after an update that failed and rolled back cleanly
    /// (`UPDATE_ROLLBACK_COMPLETE`): usable, the last change did not land.
    UpdateRolledBack,
    /// A first create failed and rolled back (`ROLLBACK_COMPLETE`): the
    /// stack holds nothing and can only be deleted.
    CreateRolledBack,
    /// Created by a change set that was never executed
    /// (`REVIEW_IN_PROGRESS`): no resources yet.
    Review,
    /// Stuck: `UPDATE_ROLLBACK_FAILED`, `ROLLBACK_FAILED`,
    /// `IMPORT_ROLLBACK_FAILED`, `CREATE_FAILED`, `UPDATE_FAILED`.
    Stuck,
    /// A delete failed (`DELETE_FAILED`).
    DeleteFailed,
    /// Deleted (`DELETE_COMPLETE`), seen when describing by stack ID.
    Deleted,
}

/// Classifies a stack status string.
pub fn classify(status: &str) -> Phase {
    match status {
        "REVIEW_IN_PROGRESS" => Phase::Review,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "IMPORT_ROLLBACK_COMPLETE" => {
            Phase::Complete
        }
        "UPDATE_ROLLBACK_COMPLETE" => Phase::UpdateRolledBack,
        "ROLLBACK_COMPLETE" => Phase::CreateRolledBack,
        "DELETE_FAILED" => Phase::DeleteFailed,
        "DELETE_COMPLETE" => Phase::Deleted,
        s if s.ends_with("_IN_PROGRESS") => Phase::InProgress,
        _ => Phase::Stuck,
    }
}

/// Whether an operation that settled in `status` succeeded.
pub fn succeeded(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "DELETE_COMPLETE"
    )
}

/// What to tell an operator whose stack is stuck in `status`, naming the
/// stack; `None` when the status is not a stuck one.
pub fn remedy(stack: &str, status: &str) -> Option<String> {
    Some(match status {
        "UPDATE_ROLLBACK_FAILED" => format!(
            "the rollback of the last update failed; fix the resources named in the stack events, then run `pipewright recover {stack}` (with `--skip ID` for each resource that cannot roll back) and deploy again"
        ),
        "ROLLBACK_FAILED" | "CREATE_FAILED" => format!(
            "the first create failed and could not roll back; delete the stack with `pipewright destroy {stack}` (or `aws cloudformation delete-stack --stack-name {stack}`) and deploy again"
        ),
        "DELETE_FAILED" => format!(
            "a delete failed; fix or empty the resources named in the stack events and run `pipewright destroy {stack}`, or keep them with `aws cloudformation delete-stack --stack-name {stack} --retain-resources ...`"
        ),
        "IMPORT_ROLLBACK_FAILED" | "UPDATE_FAILED" => format!(
            "the stack is in {status}; inspect it with `aws cloudformation describe-stack-events --stack-name {stack}` and resolve it before deploying"
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_documented_status() {
        let cases = [
            ("CREATE_IN_PROGRESS", Phase::InProgress),
            ("CREATE_FAILED", Phase::Stuck),
            ("CREATE_COMPLETE", Phase::Complete),
            ("ROLLBACK_IN_PROGRESS", Phase::InProgress),
            ("ROLLBACK_FAILED", Phase::Stuck),
            ("ROLLBACK_COMPLETE", Phase::CreateRolledBack),
            ("DELETE_IN_PROGRESS", Phase::InProgress),
            ("DELETE_FAILED", Phase::DeleteFailed),
            ("DELETE_COMPLETE", Phase::Deleted),
            ("UPDATE_IN_PROGRESS", Phase::InProgress),
            ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", Phase::InProgress),
            ("UPDATE_COMPLETE", Phase::Complete),
            ("UPDATE_FAILED", Phase::Stuck),
            ("UPDATE_ROLLBACK_IN_PROGRESS", Phase::InProgress),
            ("UPDATE_ROLLBACK_FAILED", Phase::Stuck),
            (
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                Phase::InProgress,
            ),
            ("UPDATE_ROLLBACK_COMPLETE", Phase::UpdateRolledBack),
            ("REVIEW_IN_PROGRESS", Phase::Review),
            ("IMPORT_IN_PROGRESS", Phase::InProgress),
            ("IMPORT_COMPLETE", Phase::Complete),
            ("IMPORT_ROLLBACK_IN_PROGRESS", Phase::InProgress),
            ("IMPORT_ROLLBACK_FAILED", Phase::Stuck),
            ("IMPORT_ROLLBACK_COMPLETE", Phase::Complete),
        ];
        for (status, phase) in cases {
            assert_eq!(classify(status), phase, "{status}");
        }
    }

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_kept() {
        for s in [
            "UPDATE_COMPLETE",
            "REVIEW_IN_PROGRESS",
            "IMPORT_ROLLBACK_FAILED",
        ] {
            let status = StackStatus::parse(s);
            assert!(!matches!(status, StackStatus::Unknown(_)), "{s}");
            assert_eq!(status.as_str(), s);
        }
        let new = StackStatus::parse("UPGRADE_IN_PROGRESS");
        assert_eq!(new, StackStatus::Unknown("UPGRADE_IN_PROGRESS".into()));
        assert_eq!(new.to_string(), "UPGRADE_IN_PROGRESS");
        assert_eq!(new.phase(), Phase::InProgress);
        assert_eq!(StackStatus::parse("SOMETHING_ELSE").phase(), Phase::Stuck);
        assert!(StackStatus::parse("UPDATE_COMPLETE").succeeded());
        assert_eq!(
            StackDriftStatus::parse("DRIFTED"),
            StackDriftStatus::Drifted
        );
        assert_eq!(
            StackDriftStatus::parse("PARTIALLY_CHECKED"),
            StackDriftStatus::Unknown("PARTIALLY_CHECKED".into())
        );
        assert_eq!(StackDriftStatus::parse("UNKNOWN").as_str(), "UNKNOWN");
    }

    #[test]
    fn success_is_only_a_clean_finish() {
        assert!(succeeded("UPDATE_COMPLETE"));
        assert!(succeeded("DELETE_COMPLETE"));
        assert!(!succeeded("UPDATE_ROLLBACK_COMPLETE"));
        assert!(!succeeded("ROLLBACK_COMPLETE"));
        assert!(!succeeded("DELETE_FAILED"));
    }

    #[test]
    fn stuck_states_say_what_to_do() {
        let r = remedy("app", "UPDATE_ROLLBACK_FAILED").unwrap();
        assert!(r.contains("`pipewright recover app`"), "{r}");
        assert!(
            remedy("app", "DELETE_FAILED")
                .unwrap()
                .contains("--retain-resources")
        );
        assert_eq!(remedy("app", "UPDATE_COMPLETE"), None);
    }
}

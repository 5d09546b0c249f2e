//! Stack events: de-duplication across polls, one stable line per event,
//! and the root cause of a failure. Pure: built from plain values.
//!
//! `DescribeStackEvents` pages newest first. A poll reads pages until it
//! reaches an event it has seen (or the last page), then hands the batch to
//! [`EventLog::accept`], which returns the unseen events oldest first.

use super::values::ResourceStatus;
use std::collections::HashSet;

/// One stack event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackEvent {
    /// The event ID, unique per stack.
    pub id: String,
    /// When it happened, RFC 3339 in UTC.
    pub timestamp: String,
    /// The logical ID of the resource (the stack name for stack events).
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The resource status, e.g. `CREATE_FAILED`.
    pub status: ResourceStatus,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
}

impl StackEvent {
    /// The event as the cause of a failure: `ID (Type) STATUS: reason`.
    pub fn cause(&self) -> String {
        format!(
            "{} ({}) {}: {}",
            self.logical_id,
            self.resource_type,
            self.status,
            self.reason.as_deref().unwrap_or("")
        )
    }

    /// The event as one stable line: time, status, type, logical ID, reason.
    pub fn line(&self) -> String {
        // `2026-11-21T10:04:05.123Z` → `10:04:05`.
        let time = self
            .timestamp
            .split_once('T')
            .map(|(_, t)| t.get(..8).unwrap_or(t))
            .unwrap_or(&self.timestamp);
        let mut line = format!(
            "{time}  {:<34} {:<36} {}",
            self.status.as_str(),
            self.resource_type,
            self.logical_id
        );
        if let Some(r) = self.reason.as_deref().filter(|r| !r.is_empty()) {
            line.push_str("  ");
            line.push_str(r);
        }
        line
    }

    /// Whether this is a failure (`*_FAILED`), of a resource or the stack.
    pub fn is_failure(&self) -> bool {
        self.status.is_failure()
    }
}

/// The events seen so far for one stack operation.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    seen: HashSet<String>,
}

impl EventLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks events as seen without returning them: the history before the
    /// operation starts.
    pub fn mark_seen<'a>(&mut self, ids: impl IntoIterator<Item = &'a str>) {
        self.seen.extend(ids.into_iter().map(str::to_owned));
    }

    /// Whether a page (newest first) reaches events already seen, so that
    /// older pages need not be read.
    pub fn reaches_seen(&self, page: &[StackEvent]) -> bool {
        page.iter().any(|e| self.seen.contains(&e.id))
    }

    /// Takes a batch of pages (newest first, possibly overlapping) and
    /// returns the events not seen before, oldest first, each once.
    pub fn accept(&mut self, newest_first: Vec<StackEvent>) -> Vec<StackEvent> {
        let mut fresh: Vec<StackEvent> = newest_first
            .into_iter()
            .filter(|e| self.seen.insert(e.id.clone()))
            .collect();
        fresh.reverse();
        fresh
    }
}

/// The root cause of a failed operation: the first resource failure with a
/// reason, skipping the "cancelled" failures that follow the real one and
/// the stack's own summary event. Events are oldest first; `stack` is the
/// stack name.
pub fn root_cause<'a>(events: &'a [StackEvent], stack: &str) -> Option<&'a StackEvent> {
    let failures = || {
        events
            .iter()
            .filter(|e| e.is_failure() && e.reason.as_deref().is_some_and(|r| !r.is_empty()))
    };
    failures()
        .find(|e| {
            e.resource_type != "AWS::CloudFormation::Stack"
                && e.logical_id != stack
                && !e.reason.as_deref().is_some_and(is_cancellation)
        })
        .or_else(|| failures().find(|e| !e.reason.as_deref().is_some_and(is_cancellation)))
}

/// Why an operation on `stack` failed, as said to the user: the root
/// cause's event ([`StackEvent::cause`]), else the stack's own status
/// reason.
pub fn failure_cause(
    events: &[StackEvent],
    stack: &str,
    status_reason: Option<&str>,
) -> Option<String> {
    root_cause(events, stack)
        .map(StackEvent::cause)
        .or_else(|| status_reason.map(str::to_owned))
}

fn is_cancellation(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("resource creation cancelled") || r.contains("resource update cancelled")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, logical: &str, kind: &str, status: &str, reason: &str) -> StackEvent {
        StackEvent {
            id: id.into(),
            timestamp: format!("2026-11-21T10:00:0{}.250Z", id.len() % 10),
            logical_id: logical.into(),
            resource_type: kind.into(),
            status: status.into(),
            reason: (!reason.is_empty()).then(|| reason.into()),
        }
    }

    #[test]
    fn returns_each_event_once_oldest_first() {
        let mut log = EventLog::new();
        log.mark_seen(["old"]);
        let a = event("a", "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", "");
        let b = event("b", "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", "");
        let c = event(
            "c",
            "app",
            "AWS::CloudFormation::Stack",
            "CREATE_COMPLETE",
            "",
        );
        let old = event(
            "old",
            "app",
            "AWS::CloudFormation::Stack",
            "REVIEW_IN_PROGRESS",
            "",
        );
        assert!(!log.reaches_seen(std::slice::from_ref(&b)));
        assert!(log.reaches_seen(&[b.clone(), old.clone()]));
        let first = log.accept(vec![b.clone(), a.clone(), old.clone()]);
        assert_eq!(first, [a.clone(), b.clone()]);
        // The next poll overlaps the last one: only `c` is new.
        let second = log.accept(vec![c.clone(), b, a, old]);
        assert_eq!(second, [c]);
        assert!(log.accept(vec![]).is_empty());
    }

    #[test]
    fn lines_are_stable() {
        let e = event(
            "abc",
            "Repository",
            "AWS::ECR::Repository",
            "CREATE_FAILED",
            "Resource handler returned message: \"name taken\"",
        );
        assert_eq!(
            e.line(),
            "10:00:03  CREATE_FAILED                      AWS::ECR::Repository                 Repository  Resource handler returned message: \"name taken\""
        );
    }

    #[test]
    fn the_root_cause_is_the_first_real_failure() {
        let events = vec![
            event(
                "1",
                "app",
                "AWS::CloudFormation::Stack",
                "CREATE_IN_PROGRESS",
                "User Initiated",
            ),
            event(
                "2",
                "Role",
                "AWS::IAM::Role",
                "CREATE_FAILED",
                "Resource creation cancelled",
            ),
            event(
                "3",
                "Repository",
                "AWS::ECR::Repository",
                "CREATE_FAILED",
                "already exists",
            ),
            event(
                "4",
                "Bucket",
                "AWS::S3::Bucket",
                "CREATE_FAILED",
                "Resource creation cancelled",
            ),
            event(
                "5",
                "app",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_IN_PROGRESS",
                "The following resource(s) failed to create: [Repository, Bucket].",
            ),
        ];
        assert_eq!(root_cause(&events, "app").unwrap().id, "3");
        // Only the stack's own failure: that is the cause.
        let only_stack = vec![event(
            "9",
            "app",
            "AWS::CloudFormation::Stack",
            "UPDATE_FAILED",
            "Template error",
        )];
        assert_eq!(root_cause(&only_stack, "app").unwrap().id, "9");
        assert_eq!(root_cause(&events[..1], "app"), None);
    }
}

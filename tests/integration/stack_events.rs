//! The one-line form of a stack event, through the public API: what makes
//! a line stable is that it depends only on what the event says (time to
//! the second, status, type, logical ID, reason), never on its ID or the
//! sub-second part of its time, and that its columns line up.
//!
//! Replaces the unit test that compared an event's line with its clone's.

use pipewright::cloud::stack_events::StackEvent;

fn event(id: &str, timestamp: &str, status: &str, reason: Option<&str>) -> StackEvent {
    StackEvent {
        id: id.into(),
        timestamp: timestamp.into(),
        logical_id: "Repository".into(),
        resource_type: "AWS::ECR::Repository".into(),
        status: status.into(),
        reason: reason.map(Into::into),
    }
}

#[test]
fn a_line_ignores_the_event_id_and_sub_second_time() {
    let a = event("id-1", "2026-11-21T10:04:05.123Z", "CREATE_COMPLETE", None);
    let b = event("id-2", "2026-11-21T10:04:05.987Z", "CREATE_COMPLETE", None);
    assert_ne!(a, b);
    assert_eq!(a.line(), b.line());
    assert_eq!(
        a.line(),
        "10:04:05  CREATE_COMPLETE                    AWS::ECR::Repository                 Repository"
    );
}

#[test]
fn a_line_shows_what_differs() {
    let base = event(
        "id",
        "2026-11-21T10:04:05Z",
        "CREATE_FAILED",
        Some("name taken"),
    );
    let later = event(
        "id",
        "2026-11-21T10:04:06Z",
        "CREATE_FAILED",
        Some("name taken"),
    );
    let other = event("id", "2026-11-21T10:04:05Z", "CREATE_FAILED", Some("quota"));
    assert_ne!(base.line(), later.line());
    assert_ne!(base.line(), other.line());
    assert!(
        base.line().ends_with("Repository  name taken"),
        "{}",
        base.line()
    );
    // An empty reason adds nothing.
    assert_eq!(
        event("id", "2026-11-21T10:04:05Z", "CREATE_FAILED", Some("")).line(),
        event("id", "2026-11-21T10:04:05Z", "CREATE_FAILED", None).line()
    );
}

#[test]
fn columns_line_up_whatever_the_status() {
    let short = event("a", "2026-11-21T10:04:05Z", "CREATE_FAILED", None).line();
    let long = event(
        "b",
        "2026-11-21T10:04:05Z",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        None,
    )
    .line();
    let column = |line: &str| line.find("AWS::ECR::Repository").unwrap();
    // Time (8) and two spaces, then the status padded to 34 and a space.
    assert_eq!(column(&short), 45);
    // A status longer than its column pushes the type right, one space
    // after the status, never into it.
    assert_eq!(column(&long), 10 + 44 + 1);
}

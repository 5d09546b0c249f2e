//! Webhook filter groups: which repository events start a CodeBuild build.
//!
//! A project whose source is a repository (not a pipeline) can be started
//! by the repository's webhook, typically to build every pull request.
//! CodeBuild starts a build when *every* filter of *any one* group matches
//! the event, and each group needs exactly one `EVENT` filter. CloudFormation
//! only finds a broken pattern when it creates the webhook, halfway through
//! a deploy; here each pattern is compiled when the project is added to its
//! stack, and every problem surfaces at synth with the project's path.
//!
//! [`FilterGroup`] is an immutable value built fluently, the shape of the
//! CDK's `FilterGroup`: each setter returns a new group.
//!
//! Reference: [`ProjectTriggers`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-codebuild-project-projecttriggers.html),
//! [`WebhookFilter`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-codebuild-project-webhookfilter.html).

use crate::template::Expr;

/// A repository event that can start a build (the `EVENT` filter's pattern).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventAction {
    /// `PUSH`: commits pushed to a branch or a tag.
    Push,
    /// `PULL_REQUEST_CREATED`: a pull request is opened.
    PullRequestCreated,
    /// `PULL_REQUEST_UPDATED`: commits are pushed to a pull request's branch.
    PullRequestUpdated,
    /// `PULL_REQUEST_REOPENED`: a closed pull request is reopened.
    PullRequestReopened,
    /// `PULL_REQUEST_MERGED`: a pull request is merged.
    PullRequestMerged,
    /// `PULL_REQUEST_CLOSED`: a pull request is closed without merging.
    PullRequestClosed,
}

impl EventAction {
    /// The name CodeBuild uses, e.g. `PULL_REQUEST_CREATED`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventAction::Push => "PUSH",
            EventAction::PullRequestCreated => "PULL_REQUEST_CREATED",
            EventAction::PullRequestUpdated => "PULL_REQUEST_UPDATED",
            EventAction::PullRequestReopened => "PULL_REQUEST_REOPENED",
            EventAction::PullRequestMerged => "PULL_REQUEST_MERGED",
            EventAction::PullRequestClosed => "PULL_REQUEST_CLOSED",
        }
    }

    /// The events of a pull request that changes code: created, updated and
    /// reopened (what a pull-request build listens to).
    pub const PULL_REQUEST: [EventAction; 3] = [
        EventAction::PullRequestCreated,
        EventAction::PullRequestUpdated,
        EventAction::PullRequestReopened,
    ];
}

/// The `Type` of one webhook filter.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterType {
    /// `EVENT`: a comma-separated list of [`EventAction`]s.
    Event,
    /// `HEAD_REF`: the head reference (`refs/heads/<branch>`, `refs/tags/<tag>`).
    HeadRef,
    /// `BASE_REF`: the base reference of a pull request; matches pull
    /// request events only.
    BaseRef,
    /// `FILE_PATH`: the path of a changed file.
    FilePath,
    /// `ACTOR_ACCOUNT_ID`: the account ID of the user who caused the event.
    ActorAccountId,
    /// `COMMIT_MESSAGE`: the head commit's message.
    CommitMessage,
}

impl FilterType {
    /// The name CodeBuild uses, e.g. `HEAD_REF`.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterType::Event => "EVENT",
            FilterType::HeadRef => "HEAD_REF",
            FilterType::BaseRef => "BASE_REF",
            FilterType::FilePath => "FILE_PATH",
            FilterType::ActorAccountId => "ACTOR_ACCOUNT_ID",
            FilterType::CommitMessage => "COMMIT_MESSAGE",
        }
    }
}

/// One filter of a group, before it is checked.
#[derive(Clone, Debug, PartialEq)]
enum Filter {
    Event(Vec<EventAction>),
    Pattern {
        kind: FilterType,
        pattern: String,
        exclude: bool,
    },
}

/// A group of webhook filters that must all match for a build to start.
///
/// Start with [`FilterGroup::in_event_of`], then narrow with the pattern
/// setters; the `exclude_*` variants set `ExcludeMatchedPattern`, so an
/// event that does *not* match the pattern passes. Patterns are regular
/// expressions, checked with the syntax of the Rust `regex` crate, which
/// has no look-around and no back-references.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterGroup {
    filters: Vec<Filter>,
}

impl FilterGroup {
    /// An empty group. It still needs its `EVENT` filter
    /// ([`FilterGroup::events`]); prefer [`FilterGroup::in_event_of`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A group that matches `events`: its `EVENT` filter.
    pub fn in_event_of(events: impl IntoIterator<Item = EventAction>) -> Self {
        Self::new().events(events)
    }

    /// Adds an `EVENT` filter matching `events`. A group holds exactly one.
    pub fn events(self, events: impl IntoIterator<Item = EventAction>) -> Self {
        self.with(Filter::Event(events.into_iter().collect()))
    }

    /// Only events whose head reference matches `pattern` (`HEAD_REF`).
    pub fn head_ref(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::HeadRef, pattern, false)
    }

    /// Only events whose head reference does not match `pattern`.
    pub fn exclude_head_ref(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::HeadRef, pattern, true)
    }

    /// Only events on `branch` exactly: `HEAD_REF` `^refs/heads/<branch>$`,
    /// with the branch name escaped.
    pub fn head_branch(self, branch: &str) -> Self {
        self.head_ref(branch_pattern(branch))
    }

    /// Only pull requests whose base reference matches `pattern`
    /// (`BASE_REF`; pull request events only).
    pub fn base_ref(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::BaseRef, pattern, false)
    }

    /// Only pull requests whose base reference does not match `pattern`.
    pub fn exclude_base_ref(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::BaseRef, pattern, true)
    }

    /// Only pull requests into `branch` exactly: `BASE_REF`
    /// `^refs/heads/<branch>$`, with the branch name escaped.
    pub fn base_branch(self, branch: &str) -> Self {
        self.base_ref(branch_pattern(branch))
    }

    /// Only events that change a file whose path matches `pattern` (`FILE_PATH`).
    pub fn file_path(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::FilePath, pattern, false)
    }

    /// Only events that change no file whose path matches `pattern`
    /// (e.g. skip documentation-only changes).
    pub fn exclude_file_path(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::FilePath, pattern, true)
    }

    /// Only events caused by an account whose ID matches `pattern`
    /// (`ACTOR_ACCOUNT_ID`).
    pub fn actor_account_id(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::ActorAccountId, pattern, false)
    }

    /// Only events not caused by an account whose ID matches `pattern`.
    pub fn exclude_actor_account_id(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::ActorAccountId, pattern, true)
    }

    /// Only events whose head commit message matches `pattern` (`COMMIT_MESSAGE`).
    pub fn commit_message(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::CommitMessage, pattern, false)
    }

    /// Only events whose head commit message does not match `pattern`
    /// (e.g. `\[skip ci\]`).
    pub fn exclude_commit_message(self, pattern: impl Into<String>) -> Self {
        self.pattern(FilterType::CommitMessage, pattern, true)
    }

    fn pattern(self, kind: FilterType, pattern: impl Into<String>, exclude: bool) -> Self {
        self.with(Filter::Pattern {
            kind,
            pattern: pattern.into(),
            exclude,
        })
    }

    fn with(mut self, filter: Filter) -> Self {
        self.filters.push(filter);
        self
    }

    /// Every problem CodeBuild would reject in this group, as messages
    /// (without the group's position).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let events: Vec<&[EventAction]> = self
            .filters
            .iter()
            .filter_map(|f| match f {
                Filter::Event(e) => Some(e.as_slice()),
                Filter::Pattern { .. } => None,
            })
            .collect();
        match events.as_slice() {
            [] => problems.push(
                "has no EVENT filter: start it with `FilterGroup::in_event_of([..])`".to_owned(),
            ),
            [[]] => {
                problems.push("has an EVENT filter without events: name at least one".to_owned())
            }
            [_] => {}
            many => problems.push(format!(
                "has {} EVENT filters: give each group exactly one, and put other events in another group",
                many.len()
            )),
        }
        let push = events.iter().any(|e| e.contains(&EventAction::Push));
        for f in &self.filters {
            let Filter::Pattern { kind, pattern, .. } = f else {
                continue;
            };
            let kind = kind.as_str();
            if let Err(e) = regex::Regex::new(pattern) {
                problems.push(format!(
                    "{kind} pattern `{pattern}` is not a valid regular expression: {}",
                    regex_reason(&e)
                ));
            }
            if kind == FilterType::BaseRef.as_str() && push {
                problems.push(format!(
                    "{kind} pattern `{pattern}` only matches pull request events, and the group includes PUSH: put PUSH in a group of its own"
                ));
            }
        }
        problems
    }

    /// The group as `FilterGroups` renders it: a list of filters.
    pub(crate) fn to_expr(&self) -> Expr {
        Expr::list(self.filters.iter().map(|f| {
            match f {
                Filter::Event(events) => Expr::map([
                    ("Type", Expr::from(FilterType::Event.as_str())),
                    (
                        "Pattern",
                        Expr::from(
                            events
                                .iter()
                                .map(|e| e.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ),
                ]),
                Filter::Pattern {
                    kind,
                    pattern,
                    exclude,
                } => {
                    let mut m = vec![
                        ("Type", Expr::from(kind.as_str())),
                        ("Pattern", Expr::from(pattern.as_str())),
                    ];
                    if *exclude {
                        m.push(("ExcludeMatchedPattern", Expr::Bool(true)));
                    }
                    Expr::map(m)
                }
            }
        }))
    }
}

/// `^refs/heads/<branch>$`, the branch name taken literally.
fn branch_pattern(branch: &str) -> String {
    format!("^refs/heads/{}$", regex::escape(branch))
}

/// The one-line reason of a regex error (its message is a multi-line
/// drawing of the pattern, ending in `error: <reason>`).
fn regex_reason(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or(text.trim())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_reason_is_one_line() {
        // Built at run time: clippy refuses an invalid literal pattern.
        let pattern = String::from("(a");
        let e = regex::Regex::new(&pattern).unwrap_err();
        assert_eq!(regex_reason(&e), "unclosed group");
    }

    #[test]
    fn branch_names_are_escaped() {
        assert_eq!(branch_pattern("release/1.0"), "^refs/heads/release/1\\.0$");
    }
}

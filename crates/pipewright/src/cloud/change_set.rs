//! Change sets, the one way deploy and diff ask CloudFormation what a
//! template would do: the request, the wait until it is computed, its
//! summary (what an operator reads before confirming) and its deletion.
//!
//! Pure, built from plain values: the SDK calls themselves (create, wait,
//! describe, delete) are in [`super::api`].

pub use super::values::{Action, ChangeSetStatus, Replacement};
use std::fmt;

/// A change set's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeSetState {
    /// Where it is.
    pub status: ChangeSetStatus,
    /// Why it failed.
    pub reason: Option<String>,
    /// Its changes (every page), once complete.
    pub summary: Summary,
}

/// What a change set is created from.
#[derive(Clone)]
pub struct ChangeSetRequest<'a> {
    /// The stack.
    pub stack: &'a str,
    /// The change set name.
    pub name: &'a str,
    /// Whether the stack is created (else updated).
    pub create: bool,
    /// The template body.
    pub body: &'a str,
    /// Where the body is staged in S3, for one over the inline limit
    /// (see [`super::staging`]): then passed instead of the body.
    pub template_url: Option<String>,
    /// (key, value or `None` for the previous value).
    pub parameters: Vec<(&'a str, Option<&'a str>)>,
    /// Capability names.
    pub capabilities: Vec<&'a str>,
    /// Stack tags.
    pub tags: Vec<(&'a str, &'a str)>,
    /// A description shown in the console.
    pub description: String,
    /// Existing resources to import: when any, the change set is an
    /// `IMPORT` (which also creates a stack that does not exist), and the
    /// template must add exactly these.
    pub imports: &'a [crate::app::Adoption],
}

/// A change set name: `pipewright[-purpose]-<first 12 of the hash>-<unix
/// seconds>`, unique per run and traceable to the synthesized template.
pub(crate) fn name(purpose: Option<&str>, hash: &str) -> String {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let short = &hash[..hash.len().min(12)];
    match purpose {
        Some(p) => format!("pipewright-{p}-{short}-{stamp}"),
        None => format!("pipewright-{short}-{stamp}"),
    }
}

impl std::fmt::Debug for ChangeSetRequest<'_> {
    // Parameter values may be secrets: only their keys are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeSetRequest")
            .field("stack", &self.stack)
            .field("name", &self.name)
            .field("create", &self.create)
            .field(
                "parameters",
                &self.parameters.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            )
            .field("capabilities", &self.capabilities)
            .field("tags", &self.tags)
            .field("imports", &self.imports)
            .finish_non_exhaustive()
    }
}

/// One resource change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceChange {
    /// What happens.
    pub action: Action,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The physical ID, for existing resources.
    pub physical_id: Option<String>,
    /// Whether it is replaced (modifications only).
    pub replacement: Replacement,
    /// What changes: `Properties`, `Metadata`, `Tags`, ...
    pub scope: Vec<String>,
    /// The changed property names, when the API gives them.
    pub properties: Vec<String>,
}

impl ResourceChange {
    /// Whether the change touches permissions: IAM resources and resource
    /// policies.
    pub fn is_iam(&self) -> bool {
        crate::facts::changes_iam(&self.resource_type, &self.properties)
    }
}

/// A change set, summarized.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// The resource changes, sorted by action then logical ID.
    pub changes: Vec<ResourceChange>,
}

impl Summary {
    /// A summary of `changes`, sorted for stable output.
    pub fn new(mut changes: Vec<ResourceChange>) -> Self {
        changes.sort_by(|a, b| (&a.action, &a.logical_id).cmp(&(&b.action, &b.logical_id)));
        Self { changes }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many resources are added, modified, removed, replaced (of the
    /// modified, surely or possibly).
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for ch in &self.changes {
            match ch.action {
                Action::Add | Action::Import => c.add += 1,
                Action::Modify | Action::Dynamic | Action::Unknown(_) => c.modify += 1,
                Action::Remove => c.remove += 1,
            }
            match ch.replacement {
                Replacement::Yes | Replacement::Conditional => c.replace += 1,
                Replacement::Unknown(_) if ch.action == Action::Modify => c.unknown += 1,
                _ => {}
            }
            if ch.is_iam() {
                c.iam += 1;
            }
        }
        c
    }

    /// One stable line per resource change, e.g.
    /// `~ Repository  AWS::ECR::Repository  replace  [IAM]`.
    pub fn lines(&self) -> Vec<String> {
        let id_width = self
            .changes
            .iter()
            .map(|c| c.logical_id.len())
            .max()
            .unwrap_or(0);
        let type_width = self
            .changes
            .iter()
            .map(|c| c.resource_type.len())
            .max()
            .unwrap_or(0);
        self.changes
            .iter()
            .map(|c| {
                let mut notes = Vec::new();
                match c.replacement {
                    Replacement::Yes => notes.push("replace".to_owned()),
                    Replacement::Conditional => notes.push("may replace".to_owned()),
                    Replacement::Unknown(_) if c.action == Action::Modify => {
                        notes.push("replacement unknown".to_owned())
                    }
                    _ => {}
                }
                // The changed properties when the API names them, else what
                // part changes (`Tags`, `Metadata`, ...).
                if !c.properties.is_empty() {
                    notes.push(format!("({})", c.properties.join(", ")));
                } else if !c.scope.is_empty() {
                    notes.push(format!("({})", c.scope.join(", ")));
                }
                if c.is_iam() {
                    notes.push("[IAM]".to_owned());
                }
                let line = format!(
                    "{} {:id_width$}  {:type_width$}  {}",
                    c.action.sign(),
                    c.logical_id,
                    c.resource_type,
                    notes.join(" ")
                );
                line.trim_end().to_owned()
            })
            .collect()
    }
}

/// Counts of a summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Added or imported.
    pub add: usize,
    /// Modified.
    pub modify: usize,
    /// Removed.
    pub remove: usize,
    /// Replaced, surely or possibly.
    pub replace: usize,
    /// Modified, with no word on whether they are replaced.
    pub unknown: usize,
    /// Touching permissions.
    pub iam: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} to add, {} to modify, {} to remove",
            self.add, self.modify, self.remove
        )?;
        if self.replace > 0 {
            write!(f, " ({} replaced)", self.replace)?;
        }
        if self.unknown > 0 {
            write!(f, " ({} with replacement unknown)", self.unknown)?;
        }
        if self.iam > 0 {
            write!(
                f,
                "; {} IAM change{}",
                self.iam,
                if self.iam == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// Whether a failed change set's reason means "nothing to change", which
/// CloudFormation reports as a failure.
pub fn means_no_changes(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: &str, id: &str, kind: &str, replacement: &str) -> ResourceChange {
        ResourceChange {
            action: Action::parse(action),
            logical_id: id.into(),
            resource_type: kind.into(),
            physical_id: None,
            replacement: Replacement::parse(replacement),
            scope: vec![],
            properties: vec![],
        }
    }

    #[test]
    fn summarizes_and_orders_changes() {
        let mut modified = change("Modify", "Repository", "AWS::ECR::Repository", "True");
        modified.properties = vec!["RepositoryName".into()];
        let mut retagged = change("Modify", "Topic", "AWS::SNS::Topic", "False");
        retagged.scope = vec!["Tags".into()];
        let summary = Summary::new(vec![
            retagged,
            change("Remove", "Old", "AWS::SNS::Topic", ""),
            modified,
            change("Add", "BuildRole", "AWS::IAM::Role", ""),
            change("Modify", "Bucket", "AWS::S3::Bucket", "Conditional"),
            change("Add", "BucketPolicy", "AWS::S3::BucketPolicy", ""),
        ]);
        assert_eq!(
            summary.lines(),
            [
                "+ BucketPolicy  AWS::S3::BucketPolicy  [IAM]",
                "+ BuildRole     AWS::IAM::Role         [IAM]",
                "~ Bucket        AWS::S3::Bucket        may replace",
                "~ Repository    AWS::ECR::Repository   replace (RepositoryName)",
                "~ Topic         AWS::SNS::Topic        (Tags)",
                "- Old           AWS::SNS::Topic",
            ]
        );
        assert_eq!(
            summary.counts().to_string(),
            "2 to add, 3 to modify, 1 to remove (2 replaced); 2 IAM changes"
        );
    }

    #[test]
    fn an_unknown_replacement_is_said_and_not_counted_as_no() {
        // A modification the API gives no replacement for (a local
        // emulator never does) is unknown, never "in place".
        let summary = Summary::new(vec![change(
            "Modify",
            "Repository",
            "AWS::ECR::Repository",
            "",
        )]);
        assert_eq!(
            summary.lines(),
            ["~ Repository  AWS::ECR::Repository  replacement unknown"]
        );
        assert_eq!(
            summary.counts().to_string(),
            "0 to add, 1 to modify, 0 to remove (1 with replacement unknown)"
        );
        // Additions carry no replacement at all: nothing to say.
        let added = Summary::new(vec![change("Add", "Topic", "AWS::SNS::Topic", "False")]);
        assert_eq!(added.lines(), ["+ Topic  AWS::SNS::Topic"]);
    }

    #[test]
    fn recognizes_the_no_change_reasons() {
        assert!(means_no_changes(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(means_no_changes("No updates are to be performed."));
        assert!(!means_no_changes(
            "Template format error: Unresolved resource dependencies [X]"
        ));
    }

    #[test]
    fn policy_properties_count_as_iam() {
        let mut c = change("Modify", "Repository", "AWS::ECR::Repository", "False");
        assert!(!c.is_iam());
        c.properties = vec!["RepositoryPolicyText".into()];
        assert!(c.is_iam());
    }
}

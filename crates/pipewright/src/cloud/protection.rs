//! Data is protected (issue #22): which changes of a change set lose data,
//! and which of them the code or the command allows.
//!
//! A resource holds data when its type is stateful in the facts registry
//! or the deployed or synthesized template retains it (`DeletionPolicy` or
//! `UpdateReplacePolicy: Retain`). A change that replaces one (surely or
//! possibly, from the change set or from the provider schemas'
//! `createOnlyProperties`) or deletes one is not executed unless allowed
//! for its logical ID. Pure: deploy calls it with the change set it
//! computed; the stack policy that backs it in AWS is
//! [`crate::app::Protection::stack_policy`].

use super::change_set::{Action, Replacement, Summary};
use crate::app::Artifact;
use crate::template::{Policy, Template};
use std::fmt;

/// How a change loses a resource's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loss {
    /// The resource is replaced: a new one is made and the old one
    /// deleted (or retained outside the stack).
    Replace {
        /// Whether CloudFormation only says it may be (`Conditional`).
        possibly: bool,
        /// The changed properties that force it, when known.
        properties: Vec<String>,
    },
    /// The resource leaves the stack: deleted, or retained outside it.
    Delete,
}

/// Why a resource counts as holding data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// Its type holds data (the facts registry's `stateful`).
    Stateful,
    /// The template retains it (`DeletionPolicy` or
    /// `UpdateReplacePolicy: Retain`).
    Retained,
}

/// A change that would lose a resource's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AtRisk {
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// How the data is lost.
    pub loss: Loss,
    /// Why the resource counts.
    pub holds: Holds,
    /// Why the change is allowed, when it is: the code's reason, or
    /// `--allow-replace` for the command.
    pub allowed: Option<String>,
}

impl fmt::Display for AtRisk {
    /// `` `Repository` (AWS::ECR::Repository) is replaced (RepositoryName
    /// changes) ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({}) ", self.logical_id, self.resource_type)?;
        match &self.loss {
            Loss::Replace {
                possibly,
                properties,
            } => {
                f.write_str(if *possibly {
                    "may be replaced"
                } else {
                    "is replaced"
                })?;
                if !properties.is_empty() {
                    let verb = if properties.len() == 1 {
                        "changes"
                    } else {
                        "change"
                    };
                    write!(f, " ({} {verb})", properties.join(", "))?;
                }
                Ok(())
            }
            Loss::Delete => f.write_str("is deleted"),
        }
    }
}

impl AtRisk {
    /// Why the resource is guarded, in words.
    pub fn why(&self) -> &'static str {
        match self.holds {
            Holds::Stateful => "holds data",
            Holds::Retained => "is retained",
        }
    }
}

/// An `--allow-replace` value: a logical ID for every selected stack, or
/// `STACK:ID` for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowReplace {
    /// The stack, for the `STACK:ID` form.
    pub stack: Option<String>,
    /// The logical ID.
    pub id: String,
}

impl std::str::FromStr for AllowReplace {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (stack, id) = match s.split_once(':') {
            Some((stack, id)) => (Some(stack.to_owned()), id),
            None => (None, s),
        };
        if let Err(e) = crate::template::LogicalId::new(id) {
            return Err(e.to_string());
        }
        if stack.as_deref() == Some("") {
            return Err(format!("`{s}` names no stack before `:`"));
        }
        Ok(Self {
            stack,
            id: id.to_owned(),
        })
    }
}

/// The changes of `summary` that lose data of `art`'s stack, each marked
/// allowed when the code or `command` (the `--allow-replace` values)
/// allows it; none when the stack opted out. `deployed` is the deployed
/// template, when it was read: it tells what a removed resource was.
pub fn at_risk(
    summary: &Summary,
    deployed: Option<&Template>,
    art: &Artifact,
    command: &[AllowReplace],
) -> Vec<AtRisk> {
    if art.protection.opted_out.is_some() {
        return Vec::new();
    }
    let retained = |id: &str| {
        [Some(&art.template), deployed]
            .into_iter()
            .flatten()
            .filter_map(|t| t.resources.get(id))
            .any(|r| {
                r.deletion_policy == Some(Policy::Retain)
                    || r.update_replace_policy == Some(Policy::Retain)
            })
    };
    summary
        .changes
        .iter()
        .filter_map(|c| {
            let loss = match (&c.action, &c.replacement) {
                (Action::Remove, _) => Loss::Delete,
                (Action::Modify, Replacement::Yes | Replacement::Conditional) => Loss::Replace {
                    possibly: c.replacement == Replacement::Conditional,
                    properties: c.properties.clone(),
                },
                _ => return None,
            };
            let holds = if crate::facts::is_stateful(&c.resource_type) {
                Holds::Stateful
            } else if retained(&c.logical_id) {
                Holds::Retained
            } else {
                return None;
            };
            let allowed = art
                .protection
                .allowed
                .get(&c.logical_id)
                .cloned()
                .or_else(|| {
                    command
                        .iter()
                        .any(|a| {
                            a.id == c.logical_id && a.stack.as_deref().is_none_or(|s| s == art.name)
                        })
                        .then(|| "--allow-replace".to_owned())
                });
            Some(AtRisk {
                logical_id: c.logical_id.clone(),
                resource_type: c.resource_type.clone(),
                loss,
                holds,
                allowed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::change_set::ResourceChange;
    use crate::template::Resource;
    use crate::{App, Stack};

    fn change(action: Action, id: &str, kind: &str, replacement: Replacement) -> ResourceChange {
        ResourceChange {
            action,
            logical_id: id.into(),
            resource_type: kind.into(),
            physical_id: None,
            replacement,
            scope: vec![],
            properties: vec![],
        }
    }

    fn artifact(stack: Stack) -> Artifact {
        App::new().stack(stack).synth().unwrap().stacks.remove(0)
    }

    #[test]
    fn replacing_or_deleting_data_is_at_risk_unless_allowed() {
        let mut s = Stack::new("app").allow_replace("Logs", "the old logs are exported");
        s.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
        s.add_resource("Kept", Resource::new("AWS::SNS::Topic").retain());
        let art = artifact(s);
        let mut renamed = change(
            Action::Modify,
            "Repository",
            "AWS::ECR::Repository",
            Replacement::Yes,
        );
        renamed.properties = vec!["RepositoryName".into()];
        let summary = Summary::new(vec![
            renamed,
            change(
                Action::Remove,
                "Logs",
                "AWS::Logs::LogGroup",
                Replacement::No,
            ),
            change(
                Action::Modify,
                "Topic",
                "AWS::SNS::Topic",
                Replacement::Conditional,
            ),
            change(
                Action::Modify,
                "Kept",
                "AWS::SNS::Topic",
                Replacement::Conditional,
            ),
            change(Action::Modify, "Bucket", "AWS::S3::Bucket", Replacement::No),
        ]);
        let risk = at_risk(&summary, None, &art, &[]);
        let lines: Vec<String> = risk
            .iter()
            .map(|r| format!("{r}: {} {:?}", r.why(), r.allowed))
            .collect();
        assert_eq!(
            lines,
            [
                "`Kept` (AWS::SNS::Topic) may be replaced: is retained None",
                "`Repository` (AWS::ECR::Repository) is replaced (RepositoryName changes): holds data None",
                "`Logs` (AWS::Logs::LogGroup) is deleted: holds data Some(\"the old logs are exported\")",
            ]
        );
        let command = ["app:Repository".parse().unwrap(), "Kept".parse().unwrap()];
        assert!(
            at_risk(&summary, None, &art, &command)
                .iter()
                .all(|r| r.allowed.is_some())
        );
        let other: AllowReplace = "other:Repository".parse().unwrap();
        assert!(at_risk(&summary, None, &art, &[other])[1].allowed.is_none());
        let opted_out = artifact(Stack::new("app").unprotected("scratch data"));
        assert!(at_risk(&summary, None, &opted_out, &[]).is_empty());
    }

    #[test]
    fn allow_replace_values_are_ids_or_stack_ids() {
        assert_eq!(
            "Repository".parse::<AllowReplace>(),
            Ok(AllowReplace {
                stack: None,
                id: "Repository".into()
            })
        );
        assert_eq!(
            "app:Repository".parse::<AllowReplace>().unwrap().stack,
            Some("app".into())
        );
        assert!("app:Repo-1".parse::<AllowReplace>().is_err());
        assert!(":Repository".parse::<AllowReplace>().is_err());
    }
}

//! What guards a stack's data, and which existing resources it adopts, as
//! synth hands them to deploy (issue #22).
//!
//! A stack that holds data (a resource of a stateful type in the facts
//! registry, or one with `DeletionPolicy` or `UpdateReplacePolicy: Retain`)
//! is guarded three ways by default: deploy refuses a change that replaces
//! or deletes such a resource unless the code
//! ([`crate::Stack::allow_replace`]) or the command (`--allow-replace`)
//! allows it, the stack gets a stack policy that denies `Update:Replace`
//! and `Update:Delete` on those resources, and termination protection is
//! on. [`crate::Stack::unprotected`] opts out, with a reason the template
//! carries.
//!
//! Pure values: the cloud layer sets the policy and reads these.

use indexmap::IndexMap;
use serde_json::json;

/// What guards a stack's data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Protection {
    /// The logical IDs of the resources that hold data, in template order:
    /// a stateful type of the facts registry, or `DeletionPolicy` /
    /// `UpdateReplacePolicy: Retain`. Empty when the stack opted out.
    pub guarded: Vec<String>,
    /// Logical IDs the code allows to be replaced or deleted, each with
    /// its reason ([`crate::Stack::allow_replace`]); the template's
    /// Metadata carries them under `pipewright:allow-replace`.
    pub allowed: IndexMap<String, String>,
    /// Why the stack opted out of every guard
    /// ([`crate::Stack::unprotected`]), when it did; the template's
    /// Metadata carries it under `pipewright:unprotected`.
    pub opted_out: Option<String>,
}

/// A stack policy that allows every update: what a stack whose code
/// guards nothing gets when an update must lift a policy it had (a removed
/// resource allowed to go), as a policy cannot be deleted.
pub const ALLOW_ALL: &str =
    r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]}"#;

impl Protection {
    /// The stack policy that denies replacing and deleting every guarded
    /// resource and allows every other update, as JSON; `None` when
    /// nothing is guarded.
    pub fn stack_policy(&self) -> Option<String> {
        self.policy_without(&[])
    }

    /// The stack policy for one update that may replace or delete
    /// `lifted` (logical IDs): the other guarded resources stay denied.
    /// `None` when nothing is guarded.
    pub fn policy_without(&self, lifted: &[&str]) -> Option<String> {
        if self.guarded.is_empty() {
            return None;
        }
        let denied: Vec<String> = self
            .guarded
            .iter()
            .filter(|id| !lifted.contains(&id.as_str()))
            .map(|id| format!("LogicalResourceId/{id}"))
            .collect();
        let mut statements = vec![json!({
            "Effect": "Allow",
            "Action": "Update:*",
            "Principal": "*",
            "Resource": "*",
        })];
        if !denied.is_empty() {
            statements.push(json!({
                "Effect": "Deny",
                "Action": ["Update:Replace", "Update:Delete"],
                "Principal": "*",
                "Resource": denied,
            }));
        }
        Some(json!({ "Statement": statements }).to_string())
    }
}

/// An existing resource a stack adopts with a CloudFormation resource
/// import ([`crate::Stack::adopt`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adoption {
    /// Its logical ID in the template.
    pub logical_id: String,
    /// Its type, e.g. `AWS::ECR::Repository`.
    pub resource_type: String,
    /// What identifies the existing resource: each identifier property of
    /// the type ([`crate::facts::import_identifier`]) and its value, e.g.
    /// `RepositoryName` → `acme/app`.
    pub identifier: IndexMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_denies_replacing_and_deleting_the_guarded_resources() {
        let p = Protection {
            guarded: vec!["Repository".into(), "Bucket".into()],
            ..Protection::default()
        };
        assert_eq!(
            p.stack_policy().unwrap(),
            r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"},{"Effect":"Deny","Action":["Update:Replace","Update:Delete"],"Principal":"*","Resource":["LogicalResourceId/Repository","LogicalResourceId/Bucket"]}]}"#
        );
        let lifted = p.policy_without(&["Repository"]).unwrap();
        assert!(lifted.contains("LogicalResourceId/Bucket"), "{lifted}");
        assert!(!lifted.contains("LogicalResourceId/Repository"), "{lifted}");
        let all = p.policy_without(&["Repository", "Bucket"]).unwrap();
        assert!(!all.contains("Deny"), "{all}");
        assert_eq!(Protection::default().stack_policy(), None);
        assert_eq!(
            ALLOW_ALL,
            Protection {
                guarded: vec!["A".into()],
                ..Protection::default()
            }
            .policy_without(&["A"])
            .unwrap()
        );
    }
}

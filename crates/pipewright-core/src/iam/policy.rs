//! IAM policy documents and statements: plain values over the template
//! model, below every construct, so the construct core can validate and
//! render grants without knowing any service.
//!
//! Statements keep their actions sorted and de-duplicated, and always write
//! `Action` and `Resource` as lists, so adding a permission is a one-line
//! change in the template diff.

use crate::facts;
use crate::template::Expr;
use indexmap::IndexMap;

pub use crate::facts::UNSCOPED_ACTIONS;

/// The policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Actions to encrypt and decrypt with a KMS key (artifacts, build output):
/// what S3 server-side encryption with the key needs of whoever reads and
/// writes the objects. `kms:ReEncrypt*` is left out: S3 never re-encrypts
/// under another key on a caller's behalf
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html>).
pub const KMS_USE_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
];

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// Who a resource policy or trust statement applies to.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Principal {
    /// `'*'`: everyone. Only for `Deny` statements such as the TLS-only rule;
    /// an `Allow` to everyone is a synth error.
    Everyone,
    /// A service principal, e.g. `codebuild.amazonaws.com`.
    Service(String),
    /// An account or role ARN.
    Aws(Expr),
}

impl Principal {
    /// A service principal, e.g. `codepipeline.amazonaws.com`.
    pub fn service(name: impl Into<String>) -> Self {
        Self::Service(name.into())
    }

    /// Every identity of the 12-digit account `id` whose own policies allow
    /// it (`arn:${AWS::Partition}:iam::<id>:root`). Trust in an account
    /// needs a condition that narrows it (see [`crate::iam::Role`]).
    pub fn account(id: &str) -> Self {
        Self::Aws(Expr::sub(format!("arn:${{AWS::Partition}}:iam::{id}:root")))
    }

    /// Every identity of each of the 12-digit `accounts` whose own policies
    /// allow it: one principal entry listing each account's root.
    pub fn accounts<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Self {
        Self::Aws(Expr::list(ids.into_iter().map(|id| {
            Expr::sub(format!("arn:${{AWS::Partition}}:iam::{}:root", id.as_ref()))
        })))
    }

    /// A role (or other IAM principal) by ARN.
    pub fn arn(arn: impl Into<Expr>) -> Self {
        Self::Aws(arn.into())
    }

    fn to_expr(&self) -> Expr {
        match self {
            Principal::Everyone => Expr::from("*"),
            Principal::Service(s) => Expr::map([("Service", Expr::from(s.as_str()))]),
            Principal::Aws(a) => Expr::map([("AWS", a.clone())]),
        }
    }
}

/// One policy statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    principal: Option<Principal>,
    actions: Vec<String>,
    resources: Vec<Expr>,
    conditions: IndexMap<String, IndexMap<String, Expr>>,
}

impl Statement {
    /// An `Allow` statement for `actions`.
    pub fn allow<S: Into<String>>(actions: impl IntoIterator<Item = S>) -> Self {
        Self::new(Effect::Allow, actions)
    }

    /// A `Deny` statement for `actions`.
    pub fn deny<S: Into<String>>(actions: impl IntoIterator<Item = S>) -> Self {
        Self::new(Effect::Deny, actions)
    }

    fn new<S: Into<String>>(effect: Effect, actions: impl IntoIterator<Item = S>) -> Self {
        let mut actions: Vec<String> = actions.into_iter().map(Into::into).collect();
        actions.sort();
        actions.dedup();
        Self {
            sid: None,
            effect,
            principal: None,
            actions,
            resources: Vec::new(),
            conditions: IndexMap::new(),
        }
    }

    /// Sets `Sid`.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Sets `Principal` (resource policies only).
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Adds a resource.
    pub fn resource(mut self, resource: impl Into<Expr>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds a condition: `operator` (e.g. `Bool`) on `key` (e.g.
    /// `aws:SecureTransport`).
    pub fn condition(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Self {
        self.conditions
            .entry(operator.to_owned())
            .or_default()
            .insert(key.to_owned(), value.into());
        self
    }

    /// The statement's effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The statement's actions, sorted.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// The statement's resources.
    pub fn resources(&self) -> &[Expr] {
        &self.resources
    }

    /// The statement's principal (resource and trust policies only).
    pub fn applies_to(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    /// Whether the statement has a condition.
    pub fn has_condition(&self) -> bool {
        !self.conditions.is_empty()
    }

    /// The condition keys the statement tests (`aws:PrincipalArn`, ...), in
    /// the order they were added.
    pub fn condition_keys(&self) -> impl Iterator<Item = &str> {
        self.conditions
            .values()
            .flat_map(|keys| keys.keys().map(String::as_str))
    }

    /// Each condition key the statement tests, with its values (a list
    /// condition value gives every item), in the order they were added.
    pub fn conditions(&self) -> impl Iterator<Item = (&str, Vec<&Expr>)> {
        self.conditions.values().flat_map(|keys| {
            keys.iter().map(|(k, v)| {
                let values = match v {
                    Expr::List(items) => items.iter().collect(),
                    one => vec![one],
                };
                (k.as_str(), values)
            })
        })
    }

    /// Whether the statement applies to every resource (`Resource: "*"`).
    pub fn on_every_resource(&self) -> bool {
        self.resources.iter().any(|r| r.as_str() == Some("*"))
    }

    /// Whether an action is `*` or `service:*`.
    pub fn wildcard_actions(&self) -> Vec<&str> {
        self.actions
            .iter()
            .map(String::as_str)
            .filter(|a| *a == "*" || a.ends_with(":*"))
            .collect()
    }

    /// Actions granted on `Resource: "*"` that support narrower resources.
    pub fn unscoped_actions(&self) -> Vec<&str> {
        if !self.on_every_resource() {
            return Vec::new();
        }
        self.actions
            .iter()
            .map(String::as_str)
            .filter(|a| !facts::is_unscoped_action(a))
            .collect()
    }

    /// A key that groups statements which can share one `Action` list:
    /// same effect, principal, resources and conditions.
    fn merge_key(&self) -> String {
        let mut probe = self.clone();
        probe.actions.clear();
        probe.sid = None;
        crate::template::json::expr(&probe.to_expr()).to_string()
    }

    /// The statement as a template value.
    pub fn to_expr(&self) -> Expr {
        let mut m = IndexMap::new();
        if let Some(sid) = &self.sid {
            m.insert("Sid".to_owned(), Expr::from(sid.as_str()));
        }
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        m.insert("Effect".to_owned(), effect.into());
        if let Some(p) = &self.principal {
            m.insert("Principal".to_owned(), p.to_expr());
        }
        m.insert(
            "Action".to_owned(),
            Expr::list(self.actions.iter().map(|a| Expr::from(a.as_str()))),
        );
        if !self.resources.is_empty() {
            m.insert("Resource".to_owned(), Expr::list(self.resources.clone()));
        }
        if !self.conditions.is_empty() {
            let c = self
                .conditions
                .iter()
                .map(|(op, keys)| (op.clone(), Expr::Map(keys.clone())));
            m.insert("Condition".to_owned(), Expr::map(c));
        }
        Expr::Map(m)
    }
}

/// A policy document: a version and statements.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyDocument {
    /// The statements, in order.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with these statements.
    pub fn new(statements: impl IntoIterator<Item = Statement>) -> Self {
        Self {
            statements: statements.into_iter().collect(),
        }
    }

    /// Merges statements that differ only in actions and sorts the result,
    /// so the same grants give the same document whatever order they were
    /// made in.
    pub fn merged(statements: &[Statement]) -> Self {
        let mut groups: Vec<(String, Statement)> = Vec::new();
        for s in statements {
            let key = s.merge_key();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, merged)) => {
                    merged.actions.extend(s.actions.iter().cloned());
                    merged.actions.sort();
                    merged.actions.dedup();
                }
                None => groups.push((key, s.clone())),
            }
        }
        groups.sort_by(|a, b| (&a.0, &a.1.actions).cmp(&(&b.0, &b.1.actions)));
        Self::new(groups.into_iter().map(|(_, s)| s))
    }

    /// The document as a template value.
    pub fn to_expr(&self) -> Expr {
        Expr::map([
            ("Version", Expr::from(POLICY_VERSION)),
            (
                "Statement",
                Expr::list(self.statements.iter().map(Statement::to_expr)),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_is_order_independent() {
        let a = Statement::allow(["s3:GetObject"]).resource("arn:b");
        let b = Statement::allow(["ecr:GetAuthorizationToken"]).resource("*");
        let c = Statement::allow(["s3:PutObject"]).resource("arn:b");
        let one = PolicyDocument::merged(&[a.clone(), b.clone(), c.clone()]);
        let two = PolicyDocument::merged(&[c, b, a]);
        assert_eq!(one, two);
        assert_eq!(one.statements.len(), 2);
        assert_eq!(
            one.statements[1].actions(),
            ["s3:GetObject", "s3:PutObject"]
        );
    }

    #[test]
    fn actions_are_sorted_and_unique() {
        let s = Statement::allow(["s3:PutObject", "s3:GetObject", "s3:PutObject"]);
        assert_eq!(s.actions(), ["s3:GetObject", "s3:PutObject"]);
    }
}

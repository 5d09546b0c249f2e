//! IAM policy documents and statements.
//!
//! Statements keep their actions sorted and de-duplicated, and always write
//! `Action` and `Resource` as lists, so adding a permission is a one-line
//! change in the template diff.

use crate::template::Expr;
use indexmap::IndexMap;

/// The policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// Who a resource policy statement applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `'*'`: everyone. Only for `Deny` statements such as the TLS-only rule.
    Everyone,
    /// A service principal, e.g. `codebuild.amazonaws.com`.
    Service(String),
    /// An account or role ARN.
    Aws(Expr),
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
            let p = match p {
                Principal::Everyone => Expr::from("*"),
                Principal::Service(s) => Expr::map([("Service", Expr::from(s.as_str()))]),
                Principal::Aws(a) => Expr::map([("AWS", a.clone())]),
            };
            m.insert("Principal".to_owned(), p);
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
    fn actions_are_sorted_and_unique() {
        let s = Statement::allow(["s3:PutObject", "s3:GetObject", "s3:PutObject"]);
        assert_eq!(s.actions(), ["s3:GetObject", "s3:PutObject"]);
    }
}

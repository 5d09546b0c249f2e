//! IAM policy documents and statements.
//!
//! Statements keep their actions sorted and de-duplicated, and always write
//! `Action` and `Resource` as lists, so adding a permission is a one-line
//! change in the template diff.

use crate::app::{Construct, ResourceRef, Stack};
use crate::template::{Expr, Resource};
use indexmap::IndexMap;

/// Actions that support no resource-level permission: the only actions a
/// statement may grant on `Resource: "*"`, each family in its own statement.
/// See the "Actions, resources, and condition keys" page of each service in
/// the IAM Service Authorization Reference.
pub const UNSCOPED_ACTIONS: &[&str] = &[
    "codebuild:ListProjects",
    "codepipeline:ListPipelines",
    "codestar-connections:ListConnections",
    "ecr:GetAuthorizationToken",
    "sts:GetCallerIdentity",
];

/// The policy language version every document uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Actions to encrypt and decrypt with a KMS key (artifacts, build output).
pub const KMS_USE_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];

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

    /// The statement's resources.
    pub fn resources(&self) -> &[Expr] {
        &self.resources
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
        if !self.resources.iter().any(|r| r.as_str() == Some("*")) {
            return Vec::new();
        }
        self.actions
            .iter()
            .map(String::as_str)
            .filter(|a| !UNSCOPED_ACTIONS.contains(a))
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

/// An IAM role assumed by one AWS service.
#[derive(Clone, Debug)]
pub struct Role {
    id: String,
    service: String,
    name: Option<Expr>,
    description: Option<String>,
    boundary: Option<Expr>,
    tags: Vec<(String, String)>,
}

impl Role {
    /// A role with logical ID `id` that `service` (e.g.
    /// `codebuild.amazonaws.com`) may assume, and no permissions until
    /// something grants them.
    pub fn new(id: impl Into<String>, service: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            service: service.into(),
            name: None,
            description: None,
            boundary: None,
            tags: Vec::new(),
        }
    }

    /// Sets `RoleName`. Default: none, CloudFormation generates one. A named
    /// role needs `CAPABILITY_NAMED_IAM`, and renaming replaces the role.
    pub fn name(mut self, name: impl Into<Expr>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets `PermissionsBoundary` to a managed policy ARN. Default: none.
    pub fn permissions_boundary(mut self, policy_arn: impl Into<Expr>) -> Self {
        self.boundary = Some(policy_arn.into());
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }
}

/// A role added to a stack.
#[derive(Clone, Debug)]
pub struct RoleRef {
    resource: ResourceRef,
}

impl RoleRef {
    /// The role's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The role ARN (`!GetAtt Role.Arn`).
    pub fn arn(&self) -> Expr {
        self.resource.get_att("Arn")
    }

    /// The role name (`!Ref Role`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The underlying resource.
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}

impl Construct for Role {
    type Ref = RoleRef;

    fn add_to(self, stack: &mut Stack) -> RoleRef {
        let trust = Statement::allow(["sts:AssumeRole"])
            .principal(Principal::Service(self.service.clone()));
        let mut role = Resource::new("AWS::IAM::Role");
        if let Some(name) = &self.name {
            role = role.property("RoleName", name.clone());
        }
        if let Some(d) = &self.description {
            role = role.property("Description", d.as_str());
        }
        role = role.property(
            "AssumeRolePolicyDocument",
            PolicyDocument::new([trust]).to_expr(),
        );
        if let Some(b) = &self.boundary {
            role = role.property("PermissionsBoundary", b.clone());
        }
        if !self.tags.is_empty() {
            role = role.property(
                "Tags",
                Expr::list(self.tags.iter().map(|(k, v)| {
                    Expr::map([
                        ("Key", Expr::from(k.as_str())),
                        ("Value", Expr::from(v.as_str())),
                    ])
                })),
            );
        }
        let path = stack.path(&self.id);
        RoleRef {
            resource: stack.add_resource_at(path, &self.id, role),
        }
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

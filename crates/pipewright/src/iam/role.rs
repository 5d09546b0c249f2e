//! The IAM role construct: who may assume it (its trust), and a handle that
//! grants attach to. What a role may do is never written here: constructs
//! grant statements to it through the stack, and synth renders them into
//! its inline policy (see `crate::construct::grant`).

use super::policy::{PolicyDocument, Principal, Statement};
use crate::construct::{Construct, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::template::{Expr, Resource};

/// An IAM role.
///
/// Defaults: no name (CloudFormation generates one), no permissions
/// boundary, no tags, and trust in exactly one principal with
/// `sts:AssumeRole`. A role trusted by an account or a role ARN must carry a
/// condition that narrows who may assume it (one of
/// [`NARROWING_TRUST_KEYS`] or `aws:PrincipalTag/...`): trust without one is
/// a synth error.
#[derive(Clone, Debug)]
pub struct Role {
    id: String,
    trust: Statement,
    trusted: Principal,
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
        Self::assumed_by(id, Principal::Service(service.into()))
    }

    /// A role with logical ID `id` that `principal` may assume: a service,
    /// an account ([`Principal::account`]) or a role ARN
    /// ([`Principal::arn`]). Add a [`Role::trust_condition`] for the last
    /// two.
    pub fn assumed_by(id: impl Into<String>, principal: Principal) -> Self {
        Self {
            id: id.into(),
            trust: Statement::allow(["sts:AssumeRole"]).principal(principal.clone()),
            trusted: principal,
            name: None,
            description: None,
            boundary: None,
            tags: Vec::new(),
        }
    }

    /// Adds a condition to the trust statement: `operator` (e.g.
    /// `StringEquals`, `ArnEquals`) on `key` (e.g. `aws:PrincipalArn`,
    /// `aws:PrincipalTag/team`, `sts:ExternalId`).
    pub fn trust_condition(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Self {
        self.trust = self.trust.condition(operator, key, value);
        self
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

    fn trust_problem(&self) -> Option<ProblemKind> {
        match &self.trusted {
            Principal::Service(_) => None,
            Principal::Everyone => Some(ProblemKind::TrustsEveryone),
            Principal::Aws(_) if !self.trust.condition_keys().any(narrows) => {
                Some(ProblemKind::UnconditionedTrust)
            }
            _ => None,
        }
    }
}

/// Condition keys that narrow who may assume a role trusted by an account
/// or role ARN: the caller's identity, organization or tags, or an external
/// ID shared with the caller. A key such as `aws:SecureTransport` says
/// nothing about who calls, so it does not count.
pub const NARROWING_TRUST_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceAccount",
    "aws:SourceArn",
    "sts:ExternalId",
];

fn narrows(key: &str) -> bool {
    NARROWING_TRUST_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
        || key
            .get(..17)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:PrincipalTag/"))
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

impl AsRef<ResourceRef> for RoleRef {
    fn as_ref(&self) -> &ResourceRef {
        &self.resource
    }
}

impl Construct for Role {
    type Ref = RoleRef;

    fn add_to(self, stack: &mut Stack) -> RoleRef {
        let path = stack.path(&self.id);
        if let Some(problem) = self.trust_problem() {
            stack.problem(&path, problem);
        }
        let mut role = Resource::new("AWS::IAM::Role");
        if let Some(name) = &self.name {
            role = role.property("RoleName", name.clone());
        }
        if let Some(d) = &self.description {
            role = role.property("Description", d.as_str());
        }
        role = role.property(
            "AssumeRolePolicyDocument",
            PolicyDocument::new([self.trust]).to_expr(),
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
        RoleRef {
            resource: stack.add_resource_at(path, &self.id, role),
        }
    }
}

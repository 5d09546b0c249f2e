//! The IAM role construct: who may assume it (its trust), and a handle that
//! grants attach to. What a role may do is never written here: constructs
//! grant statements to it through the stack, and synth renders them into
//! its inline policy (see `crate::construct::grant`).
//!
//! A role of another account is a [`RoleArn`]: a literal ARN built from the
//! account and a deterministic role name. It is the only way to name a role
//! across accounts, since `Fn::ImportValue` cannot cross them (synth reports
//! such a reference). Constructs take a [`Grantee`] in their `grant_*`
//! methods: a role of the same stack gets an identity statement, a role of
//! another account a statement in the resource's own policy.

use super::policy::{PolicyDocument, Principal, Statement};
use crate::construct::{Construct, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::template::{Expr, Resource};

/// What CloudFormation needs to create, update and delete a [`Role`] with
/// its inline policy, description and tags: the grants of the role that
/// CloudFormation acts as (a bootstrap's execution role), on the role's ARN.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>
pub const MANAGE_ACTIONS: &[&str] = &[
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
];

/// AWS managed policies that administer an account, which no role of an
/// app may attach (SECURITY.md: no AWS managed admin policies).
pub const ADMIN_MANAGED_POLICIES: &[&str] =
    &["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"];

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
    managed: Vec<Expr>,
    pattern_problem: Option<ProblemKind>,
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
            managed: Vec::new(),
            pattern_problem: None,
        }
    }

    /// A role with logical ID `id` that only principals of `account` whose
    /// ARN matches `pattern` may assume: the trust names the account with
    /// the condition `ArnLike` on `aws:PrincipalArn`. This is how the roles
    /// of an IAM Identity Center permission set are named, since their
    /// names carry a random suffix:
    /// `arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_<set>_*`.
    /// A pattern that is not a role ARN of `account`, or that matches every
    /// role (`role/*`, `role/*/*`, `role/?*`: only wildcards and `/` after
    /// `role/`), is a synth error.
    pub fn assumed_by_arn_pattern(id: impl Into<String>, account: &str, pattern: &str) -> Self {
        let id = id.into();
        let prefix = format!(":iam::{account}:role/");
        let valid = pattern.starts_with("arn:")
            && pattern
                .split_once(&prefix)
                .is_some_and(|(partition, rest)| {
                    // `role/*`, `role/**`, `role/*/*`, `role/?*` match every
                    // role: the rest must name something.
                    !partition.contains('*') && rest.chars().any(|c| !"*?/".contains(c))
                });
        let mut role = Self::assumed_by(id.clone(), Principal::account(account)).trust_condition(
            "ArnLike",
            "aws:PrincipalArn",
            pattern,
        );
        if !valid {
            role.pattern_problem = Some(ProblemKind::ApproverPattern {
                role: id,
                pattern: pattern.to_owned(),
            });
        }
        role
    }

    /// A role with logical ID `id` that exactly `role`, a role of another
    /// account, may assume: the trust names that account
    /// ([`Principal::account`]) with the condition `ArnEquals` on
    /// `aws:PrincipalArn`. Naming the account rather than the role ARN keeps
    /// the trust valid when the other role does not exist yet or is
    /// re-created (a role ARN principal would turn into the deleted role's
    /// unique ID).
    pub fn assumed_by_role(id: impl Into<String>, role: &RoleArn) -> Self {
        Self::assumed_by(id, Principal::account(role.account())).trust_condition(
            "ArnEquals",
            "aws:PrincipalArn",
            role.arn(),
        )
    }

    /// Adds a condition to the trust statement: `operator` (e.g.
    /// `StringEquals`, `ArnEquals`) on `key` (e.g. `aws:PrincipalArn`,
    /// `aws:PrincipalTag/team`, `sts:ExternalId`).
    pub fn trust_condition(mut self, operator: &str, key: &str, value: impl Into<Expr>) -> Self {
        self.trust = self.trust.condition(operator, key, value);
        self
    }

    /// Requires the caller to pass `external_id` (`StringEquals` on
    /// `sts:ExternalId`), the identifier a third party shares with the
    /// account it assumes roles in. Default: none.
    pub fn external_id(self, external_id: impl Into<Expr>) -> Self {
        self.trust_condition("StringEquals", "sts:ExternalId", external_id)
    }

    /// Requires the caller to carry the tag `key` with `value`
    /// (`StringEquals` on `aws:PrincipalTag/<key>`). Default: none.
    pub fn principal_tag(self, key: &str, value: impl Into<Expr>) -> Self {
        self.trust_condition("StringEquals", &format!("aws:PrincipalTag/{key}"), value)
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

    /// Attaches the managed policy `policy_arn` (`ManagedPolicyArns`), for
    /// permissions a team keeps in a policy of its own. Synth cannot read
    /// what the policy allows, so it never counts toward the checks of what
    /// a build's commands need; the AWS managed administrator policies
    /// ([`ADMIN_MANAGED_POLICIES`]) are refused. Default: none.
    pub fn managed_policy(mut self, policy_arn: impl Into<Expr>) -> Self {
        self.managed.push(policy_arn.into());
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
            Principal::Aws(_) if !self.trust.conditions().any(narrows) => {
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

/// Whether a condition on `key` with `values` narrows who calls: a
/// narrowing key whose every value is a bare `*` matches everyone and does
/// not count.
fn narrows((key, values): (&str, Vec<&Expr>)) -> bool {
    let everyone = !values.is_empty() && values.iter().all(|v| v.as_str() == Some("*"));
    !everyone && narrowing_key(key)
}

fn narrowing_key(key: &str) -> bool {
    NARROWING_TRUST_KEYS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(key))
        || key
            .get(..17)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:PrincipalTag/"))
}

/// A role of an account, known by its deterministic name: the literal ARN
/// `arn:${AWS::Partition}:iam::<account>:role/<name>`. This is how a stack
/// names a role of another account (a cross-account action's role, a
/// CloudFormation execution role, a role a key or bucket policy admits):
/// values of another account's stack cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleArn {
    account: String,
    name: String,
}

impl RoleArn {
    /// The role `name` of the 12-digit `account`. Both are checked where a
    /// construct uses the value: an invalid one is reported at synth.
    pub fn new(account: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            account: account.into(),
            name: name.into(),
        }
    }

    /// The account ID.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The role name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role ARN, `arn:${AWS::Partition}:iam::<account>:role/<name>`.
    pub fn arn(&self) -> Expr {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:iam::{}:role/{}",
            self.account, self.name
        ))
    }

    /// Makes `statement` of a resource policy apply to exactly this role:
    /// the principal is the role's account, narrowed by `ArnEquals` on
    /// `aws:PrincipalArn`. Unlike the role ARN as principal, this stays
    /// valid when the role is created after the policy or re-created.
    pub fn admit(&self, statement: Statement) -> Statement {
        statement
            .principal(Principal::account(&self.account))
            .condition("ArnEquals", "aws:PrincipalArn", self.arn())
    }

    /// What is wrong with the account or the name: an account ID is 12
    /// digits, and a role name 1 to 64 letters, digits and `+=,.@_-`.
    pub fn problems(&self) -> Vec<ProblemKind> {
        let mut out = Vec::new();
        if !(self.account.len() == 12 && self.account.chars().all(|c| c.is_ascii_digit())) {
            out.push(ProblemKind::Environment {
                what: "account",
                value: self.account.clone(),
                expected: "an AWS account ID is 12 digits",
            });
        }
        out.extend(name_problem(&self.name));
        out
    }
}

/// Checks a literal role name against IAM's rule (1 to 64 letters, digits
/// and `+=,.@_-`); `None` when valid.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html>
pub fn name_problem(name: &str) -> Option<ProblemKind> {
    let valid = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    (!valid).then(|| ProblemKind::InvalidName {
        what: "role name",
        name: name.to_owned(),
        reason: "is invalid: use 1 to 64 letters, digits and `+=,.@_-`".to_owned(),
    })
}

impl From<&RoleArn> for Expr {
    fn from(role: &RoleArn) -> Expr {
        role.arn()
    }
}

/// Who a construct's `grant_*` method grants to.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Grantee<'a> {
    /// A role of the same stack: the grant is an identity statement in its
    /// inline policy.
    Role(&'a RoleRef),
    /// A role of another account: the grant is a statement of the
    /// resource's own policy (a bucket policy, a key policy) that admits
    /// exactly that role ([`RoleArn::admit`]). The role's own account must
    /// still allow it the same actions in the role's policies.
    Remote(&'a RoleArn),
}

impl<'a> From<&'a RoleRef> for Grantee<'a> {
    fn from(role: &'a RoleRef) -> Self {
        Grantee::Role(role)
    }
}

impl<'a> From<&'a RoleArn> for Grantee<'a> {
    fn from(role: &'a RoleArn) -> Self {
        Grantee::Remote(role)
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
        if let Some(problem) = self.pattern_problem.clone() {
            stack.problem(&path, problem);
        }
        if let Some(problem) = self
            .name
            .as_ref()
            .and_then(Expr::as_str)
            .and_then(name_problem)
        {
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
        for arn in &self.managed {
            let text = match arn {
                Expr::Sub { template, .. } => template.as_str(),
                other => other.as_str().unwrap_or_default(),
            };
            if let Some(policy) = text
                .split_once(":iam::aws:policy/")
                .map(|(_, name)| name)
                .filter(|name| ADMIN_MANAGED_POLICIES.contains(name))
            {
                stack.problem(
                    &path,
                    ProblemKind::AdminManagedPolicy {
                        policy: policy.to_owned(),
                    },
                );
            }
        }
        if !self.managed.is_empty() {
            role = role.property("ManagedPolicyArns", Expr::List(self.managed.clone()));
        }
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

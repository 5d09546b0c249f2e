//! Grants as values, validated and rendered in one place.
//!
//! A construct that needs a permission does not edit a policy: it records a
//! [`Grant`] on the stack, either an identity statement for a principal (a
//! role's inline policy) or a resource-policy statement for a resource (a
//! bucket policy, an ECR repository policy, a KMS key policy, an SNS topic
//! policy). Synth calls `render::render` once per stack: it checks every grant
//! with one set of rules, merges the statements of each policy, sorts them
//! so the same grants give the same template whatever order they were made
//! in, writes them, and then applies the stack's explicit property
//! overrides, which therefore always win.

use super::ResourceRef;
use crate::error::ProblemKind;
use crate::iam::policy::{Effect, Principal, Statement};
use crate::template::Expr;

/// The inline policy that identity grants are rendered into.
pub const INLINE_POLICY_NAME: &str = "grants";

/// Where a resource keeps its resource policy: the resource and the
/// property that holds the policy document, e.g. an ECR repository's
/// `RepositoryPolicyText` or a bucket policy's `PolicyDocument`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePolicy {
    pub(super) holder: ResourceRef,
    pub(super) property: &'static str,
    every_resource_is_holder: bool,
}

impl ResourcePolicy {
    /// The policy in `property` of `holder`.
    pub fn new(holder: &ResourceRef, property: &'static str) -> Self {
        Self {
            holder: holder.clone(),
            property,
            every_resource_is_holder: false,
        }
    }

    /// A policy in which `Resource: "*"` means the holder itself, as in a
    /// KMS key policy, where `*` is the only resource allowed and names the
    /// key. Its statements may use `*` for actions that support narrower
    /// resources; the other checks still apply.
    pub fn on_holder(holder: &ResourceRef, property: &'static str) -> Self {
        Self {
            every_resource_is_holder: true,
            ..Self::new(holder, property)
        }
    }

    /// The resource that holds the policy.
    pub fn holder(&self) -> &ResourceRef {
        &self.holder
    }

    /// The property that holds the policy document.
    pub fn property(&self) -> &'static str {
        self.property
    }
}

/// What a grant is for.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GrantTarget {
    /// An identity statement for a principal with an inline `Policies`
    /// list (a role).
    Identity(ResourceRef),
    /// A statement of a resource policy.
    Resource(ResourcePolicy),
}

impl GrantTarget {
    /// The resource the statement is written into.
    pub fn resource(&self) -> &ResourceRef {
        match self {
            GrantTarget::Identity(r) => r,
            GrantTarget::Resource(p) => &p.holder,
        }
    }
}

/// Why a statement is granted: what a construct's feature needs, with the
/// AWS page that lists the actions, or a grant made by hand.
///
/// A construct declares its needs with [`Stack::for_need`](super::Stack::for_need):
/// every grant made inside is recorded with that need, including those of
/// the public `grant_*` methods it calls. A grant made outside any need
/// (the app calling [`Stack::grant`](super::Stack::grant) or a
/// `grant_*` method itself) is [`Need::Hand`]: still possible, and shown
/// as such by `pipewright list --permissions`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Need {
    /// A feature of a construct needs the statement.
    Feature {
        /// What needs it, e.g. `build logs of project Build`.
        what: String,
        /// The AWS documentation page that lists the actions.
        doc: &'static str,
    },
    /// Granted by hand.
    Hand,
}

impl Need {
    /// What `what` needs, as documented at `doc`.
    pub fn feature(what: impl Into<String>, doc: &'static str) -> Self {
        Need::Feature {
            what: what.into(),
            doc,
        }
    }
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Need::Feature { what, doc } => write!(f, "{what} ({doc})"),
            Need::Hand => f.write_str("granted by hand"),
        }
    }
}

/// One grant: a statement for a target, with the construct path that made
/// it and the need behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub(crate) path: String,
    pub(crate) target: GrantTarget,
    pub(crate) statement: Statement,
    pub(crate) need: Need,
    /// The reason given to `grant_unrestricted`, which skips the wildcard
    /// and unscoped checks.
    pub(crate) unrestricted: Option<String>,
}

impl Grant {
    /// What the grant is for.
    pub fn target(&self) -> &GrantTarget {
        &self.target
    }

    /// The statement granted.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// Why it is granted.
    pub fn need(&self) -> &Need {
        &self.need
    }

    /// The reason of an unrestricted grant.
    pub fn unrestricted(&self) -> Option<&str> {
        self.unrestricted.as_deref()
    }

    /// Every problem of the grant: the rules of SECURITY.md's IAM section.
    pub fn problems(&self) -> Vec<ProblemKind> {
        let s = &self.statement;
        let mut out = Vec::new();
        let allows = s.effect() == Effect::Allow;
        if allows
            && s.on_every_resource()
            && s.actions()
                .iter()
                .any(|a| action_matches(a, "iam:PassRole"))
        {
            out.push(ProblemKind::PassRoleOnEveryResource);
        }
        if let GrantTarget::Resource(_) = &self.target {
            match s.applies_to() {
                None => out.push(ProblemKind::PolicyWithoutPrincipal {
                    actions: s.actions().to_vec(),
                }),
                Some(Principal::Everyone) if allows => out.push(ProblemKind::AllowsEveryone {
                    actions: s.actions().to_vec(),
                }),
                Some(_) => {}
            }
        }
        if self.unrestricted.is_some() || !allows {
            return out;
        }
        let wildcards = s.wildcard_actions();
        if !wildcards.is_empty() {
            out.push(ProblemKind::WildcardAction {
                actions: wildcards.into_iter().map(str::to_owned).collect(),
            });
            return out;
        }
        let on_holder =
            matches!(&self.target, GrantTarget::Resource(p) if p.every_resource_is_holder);
        let unscoped = s.unscoped_actions();
        if !on_holder
            && !unscoped.is_empty()
            && !out.contains(&ProblemKind::PassRoleOnEveryResource)
        {
            out.push(ProblemKind::UnscopedAction {
                actions: unscoped.into_iter().map(str::to_owned).collect(),
            });
        }
        out
    }
}

/// An AWS CLI call a build makes with a role of the stack: what the
/// role must be allowed, checked by [`check_calls`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RoleCall {
    /// The construct path of the project.
    pub(crate) path: String,
    /// The project's logical ID.
    pub(crate) project: String,
    /// The role that runs the build.
    pub(crate) role: ResourceRef,
    /// The call.
    pub(crate) call: crate::buildspec::AwsCall,
}

/// What a stack grants to roles (its own or another stack's), with the
/// construct that made each grant, and what its builds run.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Permissions {
    /// Identity statements, in the order they were granted.
    pub grants: Vec<RoleGrant>,
    /// The AWS CLI calls of the stack's builds, each with the action it
    /// needs (checked at synth).
    pub calls: Vec<BuildCall>,
    /// Per project, the programs its build runs that pipewright cannot read
    /// into; what they need is granted by hand.
    pub unread: Vec<Unread>,
}

/// The programs a project's build runs that pipewright cannot read into.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unread {
    /// The project's logical ID.
    pub project: String,
    /// The role that runs it.
    pub role: String,
    /// The programs, sorted.
    pub programs: Vec<String>,
}

/// One statement granted to a role.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RoleGrant {
    /// The stack of the role.
    pub role_stack: String,
    /// The role's logical ID.
    pub role: String,
    /// The statement.
    pub statement: crate::iam::Statement,
    /// The construct path the grant was recorded at.
    pub path: String,
    /// Why it is granted.
    pub need: Need,
}

/// One AWS CLI call of a build.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BuildCall {
    /// The project's logical ID.
    pub project: String,
    /// The role that runs it.
    pub role: String,
    /// The call and the action it needs.
    pub call: crate::buildspec::AwsCall,
}

/// Whether the IAM action pattern `pattern` (with `*` and `?` wildcards,
/// matched case-insensitively as IAM does) covers `action`.
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    fn matches(p: &[u8], a: &[u8]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some(b'*'), _) => matches(&p[1..], a) || (!a.is_empty() && matches(p, &a[1..])),
            (Some(b'?'), Some(_)) => matches(&p[1..], &a[1..]),
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => matches(&p[1..], &a[1..]),
            _ => false,
        }
    }
    matches(pattern.as_bytes(), action.as_bytes())
}

/// A property override, applied after grants are rendered.
#[derive(Clone, Debug)]
pub(crate) struct Override {
    pub path: String,
    pub target: ResourceRef,
    pub property: String,
    pub value: Expr,
}

#[cfg(test)]
mod tests {
    use super::action_matches;

    #[test]
    fn action_patterns_match_as_iam_does() {
        for p in [
            "iam:PassRole",
            "iam:passrole",
            "iam:*",
            "*",
            "iam:Pass*",
            "iam:P?ssRole",
            "*:PassRole",
        ] {
            assert!(action_matches(p, "iam:PassRole"), "{p}");
        }
        for p in ["iam:PassRoles", "iam:Get*", "s3:*", "iam:PassRol"] {
            assert!(!action_matches(p, "iam:PassRole"), "{p}");
        }
    }
}

//! Grants as values, validated and rendered in one place.
//!
//! A construct that needs a permission does not edit a policy: it records a
//! [`Grant`] on the stack, either an identity statement for a principal (a
//! role's inline policy) or a resource-policy statement for a resource (a
//! bucket policy, an ECR repository policy, a KMS key policy, an SNS topic
//! policy). Synth calls `render` once per stack: it checks every grant
//! with one set of rules, merges the statements of each policy, sorts them
//! so the same grants give the same template whatever order they were made
//! in, writes them, and then applies the stack's explicit property
//! overrides, which therefore always win.

use super::{ResourceRef, Stack};
use crate::error::{Problem, ProblemKind};
use crate::iam::policy::{Effect, PolicyDocument, Principal, Statement};
use crate::template::Expr;
use indexmap::IndexMap;

/// The inline policy that identity grants are rendered into.
pub const INLINE_POLICY_NAME: &str = "grants";

/// Where a resource keeps its resource policy: the resource and the
/// property that holds the policy document, e.g. an ECR repository's
/// `RepositoryPolicyText` or a bucket policy's `PolicyDocument`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePolicy {
    holder: ResourceRef,
    property: &'static str,
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

/// One grant: a statement for a target, with the construct path that made
/// it.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub(crate) path: String,
    pub(crate) target: GrantTarget,
    pub(crate) statement: Statement,
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

/// What `stack` grants to roles and what its builds run, for review.
pub(crate) fn permissions(stack: &Stack) -> crate::app::Permissions {
    let mut out = crate::app::Permissions::default();
    for g in &stack.grants {
        if let GrantTarget::Identity(role) = &g.target {
            out.grants.push(crate::app::RoleGrant {
                role_stack: role.stack().to_owned(),
                role: role.id().to_owned(),
                statement: g.statement.clone(),
                path: g.path.clone(),
            });
        }
    }
    for c in &stack.calls {
        out.calls.push(crate::app::BuildCall {
            project: c.project.clone(),
            role: c.role.id().to_owned(),
            call: c.call.clone(),
        });
    }
    out.unread = stack.unread.clone();
    out
}

/// Every AWS CLI call of every build of the app that no grant of the app
/// allows its role (grants to a role may be made in another stack).
pub(crate) fn check_calls(stacks: &[Stack]) -> Vec<Problem> {
    let grants: Vec<&Grant> = stacks.iter().flat_map(|s| &s.grants).collect();
    let mut problems = Vec::new();
    for stack in stacks {
        for c in &stack.calls {
            let allowed = grants.iter().any(|g| {
                matches!(&g.target, GrantTarget::Identity(r)
                    if r.id() == c.role.id() && r.stack() == c.role.stack())
                    && g.statement.effect() == Effect::Allow
                    && g.statement
                        .actions()
                        .iter()
                        .any(|pattern| action_matches(pattern, &c.call.action))
            });
            if !allowed {
                problems.push(Problem {
                    path: c.path.clone(),
                    kind: ProblemKind::CallNotAllowed {
                        project: c.project.clone(),
                        command: c.call.command.clone(),
                        phase: c.call.phase.key(),
                        role: c.role.id().to_owned(),
                        action: c.call.action.clone(),
                    },
                });
            }
        }
    }
    problems
}

/// Whether the IAM action pattern `pattern` (with `*` and `?` wildcards,
/// matched case-insensitively as IAM does) covers `action`.
fn action_matches(pattern: &str, action: &str) -> bool {
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

/// Validates and renders every grant of `stack`, then applies its property
/// overrides. Problems are added to the stack's problems. Synth calls this
/// once per stack, so granting stays cheap however many grants a role gets.
pub(crate) fn render(stack: &mut Stack) {
    let grants = std::mem::take(&mut stack.grants);
    let mut identity: IndexMap<&str, Vec<&Grant>> = IndexMap::new();
    let mut resource: IndexMap<(&str, &'static str), Vec<&Grant>> = IndexMap::new();
    let mut foreign: IndexMap<(&str, &str), Vec<&Grant>> = IndexMap::new();
    for grant in &grants {
        let problems = grant.problems();
        if !problems.is_empty() {
            for kind in problems {
                stack.problem(&grant.path, kind);
            }
            continue;
        }
        let (what, target) = match &grant.target {
            GrantTarget::Identity(r) => ("role", r),
            GrantTarget::Resource(p) => ("resource", &p.holder),
        };
        // A role of another stack gets this stack's statements in a policy
        // of this stack attached to it by name (below).
        if let GrantTarget::Identity(r) = &grant.target
            && r.stack() != stack.name
        {
            foreign.entry((r.stack(), r.id())).or_default().push(grant);
            continue;
        }
        // A reference to another stack's resource never matches one of
        // this stack that happens to share its logical ID.
        if target.stack() != stack.name || find(stack, target.id()).is_none() {
            missing(stack, what, target.id());
            continue;
        }
        match &grant.target {
            GrantTarget::Identity(r) => identity.entry(r.id()).or_default().push(grant),
            GrantTarget::Resource(p) => resource
                .entry((p.holder.id(), p.property))
                .or_default()
                .push(grant),
        }
    }

    for (id, grants) in &identity {
        let statements: Vec<Statement> = grants.iter().map(|g| g.statement.clone()).collect();
        let reasons: Vec<&str> = grants.iter().filter_map(|g| g.unrestricted()).collect();
        let policy = Expr::map([
            ("PolicyName", Expr::from(INLINE_POLICY_NAME)),
            (
                "PolicyDocument",
                PolicyDocument::merged(&statements).to_expr(),
            ),
        ]);
        let path = stack.path(id);
        let Some(target) = find(stack, id) else {
            continue;
        };
        let rendered = match target.properties.get_mut("Policies") {
            Some(Expr::List(list)) => {
                list.push(policy);
                true
            }
            Some(_) => false,
            None => {
                target
                    .properties
                    .insert("Policies".to_owned(), Expr::list([policy]));
                true
            }
        };
        if !reasons.is_empty() {
            let list = target
                .metadata
                .entry("pipewright:unrestricted".to_owned())
                .or_insert_with(|| Expr::List(Vec::new()));
            match list {
                Expr::List(list) => list.extend(reasons.into_iter().map(Expr::from)),
                other => {
                    let earlier = std::mem::replace(other, Expr::Null);
                    *other = Expr::list(
                        std::iter::once(earlier).chain(reasons.into_iter().map(Expr::from)),
                    );
                }
            }
        }
        if !rendered {
            stack.problem(
                &path,
                ProblemKind::UnrenderablePolicy {
                    property: "Policies".to_owned(),
                },
            );
        }
    }

    // Grants to a role of another stack (a pipeline of this stack runs a
    // CodeBuild project of another): an `AWS::IAM::Policy` `<Role>Grants`
    // in this stack, attached to the role by its name, which synth imports.
    // The statements then live and die with the stack that needs them.
    for ((owner, id), grants) in &foreign {
        let statements: Vec<Statement> = grants.iter().map(|g| g.statement.clone()).collect();
        let role = ResourceRef {
            stack: (*owner).to_owned(),
            id: (*id).to_owned(),
        };
        let policy = crate::template::Resource::new("AWS::IAM::Policy")
            .property(
                "PolicyName",
                format!("{INLINE_POLICY_NAME}-{}", stack.name).as_str(),
            )
            .property(
                "PolicyDocument",
                PolicyDocument::merged(&statements).to_expr(),
            )
            .property("Roles", Expr::list([role.reference()]));
        let reasons: Vec<Expr> = grants
            .iter()
            .filter_map(|g| g.unrestricted())
            .map(Expr::from)
            .collect();
        let mut policy = policy;
        if !reasons.is_empty() {
            policy
                .metadata
                .insert("pipewright:unrestricted".to_owned(), Expr::List(reasons));
        }
        let policy_id = format!("{id}Grants");
        let path = stack.path(&policy_id);
        stack.add_resource_at(path, policy_id, policy);
    }

    for ((id, property), grants) in &resource {
        let statements: Vec<Statement> = grants.iter().map(|g| g.statement.clone()).collect();
        let merged = PolicyDocument::merged(&statements);
        let path = stack.path(id);
        let Some(target) = find(stack, id) else {
            continue;
        };
        let rendered = match target.properties.get_mut(*property) {
            None => {
                target
                    .properties
                    .insert((*property).to_owned(), merged.to_expr());
                true
            }
            Some(Expr::Map(doc)) => {
                let added = merged.statements.iter().map(Statement::to_expr);
                match doc.get_mut("Statement") {
                    Some(Expr::List(list)) => {
                        list.extend(added);
                        true
                    }
                    Some(one @ Expr::Map(_)) => {
                        let first = std::mem::replace(one, Expr::Null);
                        *one = Expr::list(std::iter::once(first).chain(added));
                        true
                    }
                    None => {
                        doc.insert("Statement".to_owned(), Expr::list(added));
                        true
                    }
                    Some(_) => false,
                }
            }
            Some(_) => false,
        };
        if !rendered {
            stack.problem(
                &path,
                ProblemKind::UnrenderablePolicy {
                    property: (*property).to_owned(),
                },
            );
        }
    }
    stack.grants = grants;

    for o in std::mem::take(&mut stack.overrides) {
        let result = match stack.resource_mut(&o.target) {
            Some(resource) => resource.set_path(&o.property, o.value.clone()),
            None => Err(format!(
                "no resource `{}` in stack `{}`",
                o.target.id(),
                stack.name
            )),
        };
        if let Err(reason) = result {
            stack.problem(
                &o.path,
                ProblemKind::Override {
                    property: o.property.clone(),
                    reason,
                },
            );
        }
        stack.overrides.push(o);
    }
}

fn find<'a>(stack: &'a mut Stack, id: &str) -> Option<&'a mut crate::template::Resource> {
    // Resources are few per stack; a scan is cheaper than keeping an index
    // in step with `resource_mut` and `add_resource_at`.
    stack
        .resources
        .iter_mut()
        .find(|item| item.id == id)
        .map(|item| &mut item.value)
}

fn missing(stack: &mut Stack, what: &'static str, id: &str) {
    let path = stack.path(id);
    let kind = ProblemKind::NoGrantTarget {
        what,
        id: id.to_owned(),
        stack: stack.name.clone(),
    };
    stack.problems.push(Problem { path, kind });
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

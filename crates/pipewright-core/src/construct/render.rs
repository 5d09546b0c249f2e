//! Rendering a stack's grants (see [`super::grant`]) into its template:
//! validated, merged per policy, sorted, written, then the stack's property
//! overrides applied. Apart from `grant` because it writes into the
//! [`Stack`], which records grants: the values sit below the stack, the
//! rendering above it.

use super::grant::{Grant, GrantTarget, INLINE_POLICY_NAME};
use super::{ResourceRef, Stack};
use crate::error::{Problem, ProblemKind};
use crate::iam::policy::{PolicyDocument, Statement};
use crate::template::Expr;
use indexmap::IndexMap;

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

/// What `stack` grants to roles and what its builds run, for review.
pub(crate) fn permissions(stack: &Stack) -> super::grant::Permissions {
    let mut out = super::grant::Permissions {
        grants: role_grants(&stack.grants),
        ..Default::default()
    };
    for c in &stack.calls {
        out.calls.push(super::grant::BuildCall {
            project: c.project.clone(),
            role: c.role.id().to_owned(),
            call: c.call.clone(),
        });
    }
    out.unread = stack.unread.clone();
    out
}

/// The identity statements among `grants`, for review.
pub(crate) fn role_grants(grants: &[Grant]) -> Vec<super::grant::RoleGrant> {
    grants
        .iter()
        .filter_map(|g| match &g.target {
            GrantTarget::Identity(role) => Some(super::grant::RoleGrant {
                role_stack: role.stack().to_owned(),
                role: role.id().to_owned(),
                statement: g.statement.clone(),
                path: g.path.clone(),
                need: g.need.clone(),
            }),
            GrantTarget::Resource(_) => None,
        })
        .collect()
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
                    && g.statement.effect() == crate::iam::policy::Effect::Allow
                    && g.statement
                        .actions()
                        .iter()
                        .any(|pattern| super::grant::action_matches(pattern, &c.call.action))
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

//! Grant rendering for the whole app, with the pass that derives each
//! bootstrap's execution policy from the stacks it manages
//! ([`crate::construct::execution`]).
//!
//! Order matters once: a managed stack's resources are complete only after
//! its own grants are rendered (a grant to another stack's role adds an
//! `AWS::IAM::Policy`), so every other stack is rendered first, then each
//! bootstrap reads the stacks it manages, is granted what they need, and is
//! rendered.

use crate::construct::{Stack, execution, render};
use crate::error::{Problem, ProblemKind};

/// Renders the grants of every stack, bootstraps last; problems rendering
/// finds are added to `problems`.
pub(super) fn render(stacks: &mut [Stack], problems: &mut Vec<Problem>) {
    let (bootstraps, others): (Vec<usize>, Vec<usize>) =
        (0..stacks.len()).partition(|&i| stacks[i].derived_execution.is_some());
    for i in others {
        render_one(&mut stacks[i], problems);
    }
    for i in bootstraps {
        derive(stacks, i, problems);
        render_one(&mut stacks[i], problems);
    }
}

/// Grants bootstrap `i`'s execution role what its managed stacks need.
fn derive(stacks: &mut [Stack], i: usize, problems: &mut Vec<Problem>) {
    let Some(derived) = stacks[i].derived_execution.take() else {
        return;
    };
    let mut statements = Vec::new();
    let bootstrap = stacks[i].name.clone();
    for name in &derived.stacks {
        let Some(managed) = stacks.iter_mut().find(|s| &s.name == name) else {
            continue;
        };
        // Deployed after its bootstrap, whose execution role it needs.
        if !managed.depends_on.contains(&bootstrap) {
            managed.depends_on.push(bootstrap.clone());
        }
        let managed = &*managed;
        let resources = managed.resources.iter().map(|item| &item.value);
        let (found, unknown) = execution::statements(resources, managed.env.region.as_deref());
        statements.extend(found);
        if derived.by_hand {
            continue;
        }
        for kind in unknown {
            problems.push(Problem {
                path: derived.path.clone(),
                kind: ProblemKind::UnknownManagedType {
                    stack: name.clone(),
                    kind,
                },
            });
        }
    }
    let bootstrap = &mut stacks[i];
    if statements.is_empty() && !derived.by_hand {
        problems.push(Problem {
            path: derived.path.clone(),
            kind: ProblemKind::Custom {
                message: "the execution role has no permissions: the managed stacks hold no resources; grant what they need with `Bootstrap::execution_grant`, or `administrator_access` with a reason".into(),
            },
        });
    }
    for statement in statements {
        bootstrap.grant(&derived.role, statement);
    }
}

fn render_one(stack: &mut Stack, problems: &mut Vec<Problem>) {
    // Problems rendering adds (a refused grant, a grant to a role not in
    // the stack, an override that does not fit).
    let known = stack.problems.len();
    render::render(stack);
    problems.extend(stack.problems[known..].iter().cloned());
    // Rendered into the resources; synth's own stack needs them no more.
    stack.grants = Vec::new();
    stack.overrides = Vec::new();
}

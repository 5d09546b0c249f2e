//! Grant rendering for the whole app, with the pass that derives each
//! bootstrap's execution policy from the stacks it manages
//! ([`crate::construct::execution`]).
//!
//! Order matters once: a managed stack's resources are complete only after
//! its own grants are rendered (a grant to another stack's role adds an
//! `AWS::IAM::Policy`), so every other stack is rendered first, then each
//! bootstrap reads the stacks it manages, is granted what they need, and is
//! rendered.

use crate::construct::{Grant, Need, Stack, execution, render};

/// CloudFormation's page on detecting drift, which reads each resource
/// with the caller's permissions.
pub const DRIFT_DOC: &str =
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html";
/// The CloudFormation CLI's page on resource type schemas, whose
/// `handlers` list the permissions CloudFormation needs per operation.
pub const HANDLERS_DOC: &str =
    "https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html";
use crate::error::{Problem, ProblemKind};

/// Renders the grants of every stack, bootstraps last; problems rendering
/// finds are added to `problems`.
pub(super) fn render(stacks: &mut [Stack], problems: &mut Vec<Problem>) {
    let (bootstraps, others): (Vec<usize>, Vec<usize>) =
        (0..stacks.len()).partition(|&i| derives(&stacks[i]));
    for i in others {
        render_one(&mut stacks[i], problems);
    }
    for i in bootstraps {
        derive(stacks, i, problems);
        render_one(&mut stacks[i], problems);
    }
}

/// The statements each bootstrap's execution role is derived (index of
/// the bootstrap, grants), for review: what synth grants and renders at
/// once. `stacks` is a copy: the other stacks are rendered in it.
pub(super) fn derived_grants(stacks: &mut [Stack]) -> Vec<(usize, Vec<Grant>)> {
    let (bootstraps, others): (Vec<usize>, Vec<usize>) =
        (0..stacks.len()).partition(|&i| derives(&stacks[i]));
    let mut problems = Vec::new();
    for i in others {
        render_one(&mut stacks[i], &mut problems);
    }
    bootstraps
        .into_iter()
        .map(|i| {
            let before = stacks[i].grants.len();
            derive(stacks, i, &mut problems);
            (i, stacks[i].grants[before..].to_vec())
        })
        .collect()
}

/// The resource types of `stack`, sorted and unique.
fn kinds(stack: &Stack) -> Vec<&str> {
    let mut kinds: Vec<&str> = stack
        .resources
        .iter()
        .map(|item| item.value.kind.as_str())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

/// Whether synth derives a role of `stack` from other stacks: it is
/// rendered after them.
fn derives(stack: &Stack) -> bool {
    !stack.derived_execution.is_empty() || !stack.derived_reads.is_empty()
}

/// Grants the read roles of stack `i` what reading the resources of the
/// stacks they read takes (drift detection reads each resource with the
/// caller's credentials). A stack that is itself rendered later (another
/// deriving stack, or this one) is read as built: its rendering adds only
/// policies. Types without read facts are left out: drift detection
/// reports them as not checked.
fn derive_reads(stacks: &mut [Stack], i: usize) {
    let reads = std::mem::take(&mut stacks[i].derived_reads);
    let mut grants = Vec::new();
    for derived in &reads {
        for name in &derived.stacks {
            let Some(read) = stacks.iter().find(|s| &s.name == name) else {
                continue;
            };
            for kind in kinds(read) {
                let resources = read
                    .resources
                    .iter()
                    .map(|item| &item.value)
                    .filter(|r| r.kind == kind);
                let (found, _) = execution::read_statements(resources, read.env.region.as_deref());
                let need = Need::feature(
                    format!("drift detection reads the `{kind}` resources of stack `{name}`"),
                    DRIFT_DOC,
                );
                grants.extend(
                    found
                        .into_iter()
                        .map(|s| (derived.role.clone(), need.clone(), s)),
                );
            }
        }
    }
    for (role, need, statement) in grants {
        stacks[i].for_need(need, |stack| stack.grant(&role, statement));
    }
}

/// Grants each of bootstrap `i`'s execution roles what its managed stacks
/// need, and its read roles what reading them takes.
fn derive(stacks: &mut [Stack], i: usize, problems: &mut Vec<Problem>) {
    derive_reads(stacks, i);
    for derived in std::mem::take(&mut stacks[i].derived_execution) {
        derive_one(stacks, i, derived, problems);
    }
}

/// Grants one execution role what its managed stacks need.
fn derive_one(
    stacks: &mut [Stack],
    i: usize,
    derived: execution::Derived,
    problems: &mut Vec<Problem>,
) {
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
        let mut unknown = Vec::new();
        // A stack set's instances live in each of its regions; a stack in
        // its own.
        let regions: Vec<Option<&str>> = match &managed.stack_set {
            Some(spec) => spec
                .deployment
                .regions
                .iter()
                .map(|r| Some(r.as_str()))
                .collect(),
            None => vec![managed.env.region.as_deref()],
        };
        for kind in kinds(managed) {
            for region in &regions {
                let resources = managed
                    .resources
                    .iter()
                    .map(|item| &item.value)
                    .filter(|r| r.kind == kind);
                let (found, missing) = execution::statements(resources, *region);
                unknown.extend(missing);
                let need = Need::feature(
                    format!("CloudFormation manages the `{kind}` resources of stack `{name}`"),
                    HANDLERS_DOC,
                );
                statements.extend(found.into_iter().map(|s| (need.clone(), s)));
            }
        }
        unknown.sort();
        unknown.dedup();
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
            kind: ProblemKind::EmptyExecutionRole,
        });
    }
    for (need, statement) in statements {
        bootstrap.for_need(need, |stack| stack.grant(&derived.role, statement));
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

//! Synthesis: stacks in, assembly out.
//!
//! 1. Resolve values that belong to stacks ([`Expr::Owned`]): inside their
//!    own stack they become the value; in another stack of the same account
//!    and region they become an export on the owner and `Fn::ImportValue` on
//!    the user, and a dependency between the two.
//! 2. Build each template, check it (see `validate`), order the stacks by
//!    dependency, render, and compute capabilities and a content hash.
//!
//! Every problem of every stack is collected; nothing is rendered unless
//! there are none.

use super::assembly::{Artifact, Assembly, Format};
use super::validate::{self, Paths};
use crate::construct::{Item, Stack, grant};
use crate::error::{Error, Problem, ProblemKind};
use crate::facts;
use crate::template::{self, Expr, LogicalId, Output, Template};
use indexmap::{IndexMap, IndexSet};
use sha2::{Digest, Sha256};

pub(super) fn synth(stacks: &[Stack], format: Format) -> Result<Assembly, Error> {
    let mut problems = Vec::new();
    let mut index: IndexMap<&str, usize> = IndexMap::new();
    for (i, s) in stacks.iter().enumerate() {
        validate::stack(s, &mut problems);
        if index.insert(&s.name, i).is_some() {
            problems.push(Problem {
                path: s.name.clone(),
                kind: ProblemKind::DuplicateStack {
                    name: s.name.clone(),
                },
            });
        }
    }

    // Resolve owned values, collecting exports and dependencies.
    let mut resolved: Vec<Stack> = stacks.to_vec();
    for stack in &mut resolved {
        // Problems rendering adds (a refused grant, a grant to a role not
        // in the stack, an override that does not fit).
        let known = stack.problems.len();
        grant::render(stack);
        problems.extend(stack.problems[known..].iter().cloned());
    }
    let mut exports: Vec<IndexMap<String, Output>> = vec![IndexMap::new(); stacks.len()];
    let mut deps: Vec<IndexSet<usize>> = vec![IndexSet::new(); stacks.len()];
    for (i, stack) in resolved.iter_mut().enumerate() {
        let consumer = &stacks[i];
        let mut resolve = |e: &mut Expr| {
            if !matches!(e, Expr::Owned { .. }) {
                return;
            }
            // A value that cannot be resolved is reported once and left as
            // null, so that later checks do not report it again as dangling.
            let Expr::Owned {
                stack: owner,
                value,
            } = std::mem::replace(e, Expr::Null)
            else {
                return;
            };
            if owner == consumer.name {
                *e = *value;
                return;
            }
            let Some(&p) = index.get(owner.as_str()) else {
                problems.push(Problem {
                    path: consumer.name.clone(),
                    kind: ProblemKind::UnknownStack { stack: owner },
                });
                return;
            };
            let producer = &stacks[p];
            if (&producer.env.account, &producer.env.region)
                != (&consumer.env.account, &consumer.env.region)
            {
                problems.push(Problem {
                    path: consumer.name.clone(),
                    kind: ProblemKind::CrossEnvironment {
                        consumer: consumer.name.clone(),
                        consumer_env: consumer.env.to_string(),
                        producer: producer.name.clone(),
                        producer_env: producer.env.to_string(),
                    },
                });
                return;
            }
            let imported = match *value {
                Expr::Sub { template, vars } => import_sub(producer, template, vars),
                value => export(producer, &value).map(|(output_id, export_name, output)| {
                    let import = Expr::import_value(Expr::String(export_name.clone()));
                    (import, vec![(output_id, output)])
                }),
            };
            match imported {
                Ok((import, outputs)) => {
                    for (output_id, output) in outputs {
                        exports[p].entry(output_id).or_insert(output);
                    }
                    deps[i].insert(p);
                    *e = import;
                }
                Err(what) => {
                    problems.push(Problem {
                        path: consumer.name.clone(),
                        kind: ProblemKind::NotExportable {
                            consumer: consumer.name.clone(),
                            producer: producer.name.clone(),
                            what,
                        },
                    });
                }
            }
        };
        for item in &mut stack.resources {
            for v in item.value.properties.values_mut() {
                v.rewrite(&mut resolve);
            }
            for v in item.value.metadata.values_mut() {
                v.rewrite(&mut resolve);
            }
        }
        for item in &mut stack.outputs {
            item.value.value.rewrite(&mut resolve);
            if let Some(e) = &mut item.value.export {
                e.rewrite(&mut resolve);
            }
        }
        for item in &mut stack.conditions {
            item.value.rewrite(&mut resolve);
        }
        for v in stack.metadata.values_mut() {
            v.rewrite(&mut resolve);
        }
    }
    // Dependencies declared in code (`Stack::depends_on`), beside those of
    // the references above.
    for (i, stack) in stacks.iter().enumerate() {
        for name in &stack.depends_on {
            match index.get(name.as_str()) {
                Some(&d) => {
                    deps[i].insert(d);
                }
                None => problems.push(Problem {
                    path: stack.name.clone(),
                    kind: ProblemKind::UnknownStack {
                        stack: name.clone(),
                    },
                }),
            }
        }
    }
    for (p, outputs) in exports.into_iter().enumerate() {
        let path = format!("{}/exports", resolved[p].name);
        for (id, output) in outputs {
            resolved[p].outputs.push(Item {
                path: path.clone(),
                id,
                value: output,
            });
        }
    }

    let order = match order(stacks, &deps) {
        Ok(order) => order,
        Err(cycle) => {
            problems.push(Problem {
                path: cycle[0].clone(),
                kind: ProblemKind::Cycle { cycle },
            });
            (0..stacks.len()).collect()
        }
    };

    let mut artifacts = Vec::with_capacity(stacks.len());
    for &i in &order {
        let stack = &mut resolved[i];
        let (template, paths) = build(stack, &mut problems);
        validate::template(&template, &paths, stack, &mut problems);
        let body = match format {
            Format::Yaml => template::yaml::to_string(&template),
            Format::Json => template::json::to_string(&template),
        };
        if body.len() > validate::MAX_BODY_BYTES {
            problems.push(Problem {
                path: stack.name.clone(),
                kind: ProblemKind::BodySize {
                    bytes: body.len(),
                    max: validate::MAX_BODY_BYTES,
                },
            });
        }
        let mut hasher = Sha256::new();
        hasher.update(body.as_bytes());
        for f in &stack.files {
            hasher.update(f.path.as_bytes());
            hasher.update([0]);
            hasher.update(f.contents.as_bytes());
        }
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        artifacts.push(Artifact {
            name: stack.name.clone(),
            env: stack.env.clone(),
            tags: stack.tags.clone(),
            termination_protection: stack.termination_protection,
            capabilities: facts::capabilities(&template),
            template,
            body,
            format,
            files: std::mem::take(&mut stack.files),
            dependencies: deps[i].iter().map(|&d| stacks[d].name.clone()).collect(),
            hash,
        });
    }
    if problems.is_empty() {
        Ok(Assembly { stacks: artifacts })
    } else {
        Err(Error::Synth(problems))
    }
}

/// The export for a value of `producer`: (output ID, export name, output).
fn export(producer: &Stack, value: &Expr) -> Result<(String, String, Output), String> {
    let key = match value {
        Expr::Ref(id) => {
            if let Some(p) = producer.parameters.iter().find(|p| &p.id == id)
                && p.value.no_echo
            {
                return Err(format!("NoEcho parameter `{id}`"));
            }
            id.clone()
        }
        Expr::GetAtt {
            resource,
            attribute,
        } => format!("{resource}{}", attribute.replace('.', "")),
        other => return Err(format!("a value that is not a Ref or GetAtt ({other:?})")),
    };
    let export_name = format!("{}:{key}", producer.name);
    let output = Output::new(value.clone()).export(export_name.as_str());
    Ok((format!("Export{key}"), export_name, output))
}

/// A `Fn::Sub` of `producer` used in another stack (an ARN built from a
/// name, `${Bucket.Arn}/*`): each `${Name}` or `${Name.Attribute}` of the
/// producer becomes a variable bound to `Fn::ImportValue` of its export,
/// and pseudo parameters stay as they are (both stacks share the account
/// and region). Returns the new `Fn::Sub` and the exports it needs.
#[allow(clippy::type_complexity)]
fn import_sub(
    producer: &Stack,
    mut template: String,
    mut vars: IndexMap<String, Expr>,
) -> Result<(Expr, Vec<(String, Output)>), String> {
    let mut outputs = Vec::new();
    let names: Vec<String> = template::sub_references(&template)
        .into_iter()
        .filter(|n| !n.starts_with("AWS::") && !vars.contains_key(*n))
        .map(str::to_owned)
        .collect();
    for name in names {
        let value = match name.split_once('.') {
            Some((resource, attribute)) => Expr::get_att(resource, attribute),
            None => Expr::Ref(name.clone()),
        };
        let (output_id, export_name, output) = export(producer, &value)?;
        let var = name.replace('.', "");
        template = template.replace(&format!("${{{name}}}"), &format!("${{{var}}}"));
        vars.insert(var, Expr::import_value(Expr::String(export_name)));
        outputs.push((output_id, output));
    }
    Ok((Expr::Sub { template, vars }, outputs))
}

/// Stack indexes in dependency order, stable otherwise; or the stacks of a
/// cycle.
fn order(stacks: &[Stack], deps: &[IndexSet<usize>]) -> Result<Vec<usize>, Vec<String>> {
    let mut done = vec![false; stacks.len()];
    let mut order = Vec::with_capacity(stacks.len());
    while order.len() < stacks.len() {
        let next = (0..stacks.len()).find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]));
        match next {
            Some(i) => {
                done[i] = true;
                order.push(i);
            }
            None => {
                // Follow unfinished dependencies from an unfinished stack
                // until one repeats: that is the cycle.
                let mut path: Vec<usize> = Vec::new();
                let mut at = (0..stacks.len()).find(|&i| !done[i]).unwrap_or(0);
                while !path.contains(&at) {
                    path.push(at);
                    at = deps[at].iter().copied().find(|&d| !done[d]).unwrap_or(at);
                }
                let start = path.iter().position(|&i| i == at).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..]
                    .iter()
                    .map(|&i| stacks[i].name.clone())
                    .collect();
                cycle.push(stacks[at].name.clone());
                return Err(cycle);
            }
        }
    }
    Ok(order)
}

/// Builds the template of one stack, reporting invalid and duplicate IDs.
/// The stack is synth's own copy, so accepted items are moved into the
/// template, not cloned; what stays in the stack are the items refused for
/// their ID, which validation still reads. `Paths` keeps each accepted
/// item's construct path, in template order, for the problems validation
/// finds.
fn build(stack: &mut Stack, problems: &mut Vec<Problem>) -> (Template, Paths) {
    // Parameters and resources share one namespace: `Ref` reaches both.
    let mut referable = IndexSet::new();
    let mut paths = Paths::default();
    let template = Template {
        description: stack.description.take(),
        metadata: std::mem::take(&mut stack.metadata),
        parameters: section(
            &mut stack.parameters,
            REFERABLE,
            &mut referable,
            &mut paths.parameters,
            problems,
        ),
        resources: section(
            &mut stack.resources,
            REFERABLE,
            &mut referable,
            &mut paths.resources,
            problems,
        ),
        mappings: section(
            &mut stack.mappings,
            "mapping",
            &mut IndexSet::new(),
            &mut Vec::new(),
            problems,
        ),
        conditions: section(
            &mut stack.conditions,
            "condition",
            &mut IndexSet::new(),
            &mut paths.conditions,
            problems,
        ),
        outputs: section(
            &mut stack.outputs,
            "output",
            &mut IndexSet::new(),
            &mut paths.outputs,
            problems,
        ),
        ..Template::default()
    };
    (template, paths)
}

const REFERABLE: &str = "resource or parameter";

/// One template section from a stack's items: each ID validated, and
/// unique among the IDs already in `taken`. Accepted items move into the
/// section (their paths into `paths`); refused ones stay in `items`.
fn section<T>(
    items: &mut Vec<Item<T>>,
    namespace: &'static str,
    taken: &mut IndexSet<String>,
    paths: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) -> IndexMap<LogicalId, T> {
    let mut out = IndexMap::with_capacity(items.len());
    let mut refused = Vec::new();
    for item in std::mem::take(items) {
        let kind = match LogicalId::new(item.id.as_str()) {
            Err(e) => e.into(),
            Ok(_) if !taken.insert(item.id.clone()) => ProblemKind::DuplicateId {
                namespace,
                id: item.id.clone(),
            },
            Ok(id) => {
                out.insert(id, item.value);
                paths.push(item.path);
                continue;
            }
        };
        problems.push(Problem {
            path: item.path.clone(),
            kind,
        });
        refused.push(item);
    }
    *items = refused;
    out
}

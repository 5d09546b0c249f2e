//! Synthesis: stacks in, one artifact at a time out.
//!
//! 1. Resolve values that belong to stacks ([`Expr::Owned`]): inside their
//!    own stack they become the value; in another stack of the same account
//!    and region they become an export on the owner and `Fn::ImportValue` on
//!    the user, and a dependency between the two.
//! 2. Build each template, check it (see `validate`), order the stacks by
//!    dependency, render, and compute capabilities and a content hash.
//!
//! Every problem of every stack is collected. Step 2 runs one stack at a
//! time and hands each finished artifact to a sink, which may write it and
//! drop it, so memory holds the app's stacks and one rendered template, not
//! every template and body at once (issue #10: 5,000 stacks took 772 MiB
//! when the assembly kept them all). Once a problem is known the sink is not
//! called again; the rest is still checked so that every problem is
//! reported, and the caller learns from the error that what the sink was
//! given must not be used (the file tree discards what it staged).
//!
//! Grants and resolution rewrite a stack, so synth works on stacks it owns:
//! an app handed over by value ([`super::App::synth_each`]) is moved in,
//! and only a borrowed one ([`super::App::synth_as`]) is copied. Each stack
//! is dropped as soon as its artifact is made.

use super::assembly::{Artifact, Format};
use super::validate::{self, Paths};
use crate::construct::{Item, Stack, render};
use crate::error::{Error, Problem, ProblemKind};
use crate::facts;
use crate::template::{self, Expr, LogicalId, Output, Template};
use indexmap::{IndexMap, IndexSet};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Synthesizes `stacks` and hands each artifact, in dependency order, to
/// `sink`. An error of the sink ends synth at once; problems are returned
/// together at the end.
pub(super) fn synth<'a>(
    stacks: impl IntoIterator<Item = Cow<'a, Stack>>,
    format: Format,
    sink: &mut dyn FnMut(Artifact) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut problems = Vec::new();
    // Synth's own stacks: resolution and grants rewrite them in place.
    let mut resolved: Vec<Stack> = Vec::new();
    let mut index: IndexMap<String, usize> = IndexMap::new();
    for (i, s) in stacks.into_iter().enumerate() {
        validate::stack(&s, &mut problems);
        if index.insert(s.name.clone(), i).is_some() {
            problems.push(Problem {
                path: s.name.clone(),
                kind: ProblemKind::DuplicateStack {
                    name: s.name.clone(),
                },
            });
        }
        resolved.push(s.into_owned());
    }
    let count = resolved.len();
    // Before grants are rendered into their policies: every AWS CLI call of
    // a build must be allowed to its role, by a grant of any stack.
    problems.extend(render::check_calls(&resolved));

    // Resolve owned values, collecting exports and dependencies.
    super::execution::render(&mut resolved, &mut problems);
    let mut exports: Vec<IndexMap<String, Output>> = vec![IndexMap::new(); count];
    let mut deps: Vec<IndexSet<usize>> = vec![IndexSet::new(); count];
    for i in 0..count {
        // Out of the list while it is rewritten, so that the producers it
        // imports from can be read; a stack never imports from itself.
        let mut stack = std::mem::replace(&mut resolved[i], Stack::new(String::new()));
        let producers = &resolved;
        let consumer_name = stack.name.clone();
        let consumer_env = stack.env.clone();
        let mut resolve = |e: &mut Expr| {
            if let Expr::Concat(parts) = e {
                *e = crate::template::expr::concat_to_sub(parts);
                return;
            }
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
            if owner == consumer_name {
                *e = *value;
                return;
            }
            let Some(&p) = index.get(owner.as_str()) else {
                problems.push(Problem {
                    path: consumer_name.clone(),
                    kind: ProblemKind::UnknownStack { stack: owner },
                });
                return;
            };
            let producer = &producers[p];
            // Only where a stack lives matters here, not how it is reached.
            if (&producer.env.account, &producer.env.region)
                != (&consumer_env.account, &consumer_env.region)
            {
                problems.push(Problem {
                    path: consumer_name.clone(),
                    kind: ProblemKind::CrossEnvironment {
                        consumer: consumer_name.clone(),
                        consumer_env: consumer_env.to_string(),
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
                        path: consumer_name.clone(),
                        kind: ProblemKind::NotExportable {
                            consumer: consumer_name.clone(),
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
        resolved[i] = stack;
    }
    // Dependencies declared in code (`Stack::depends_on`), beside those of
    // the references above.
    for (i, stack) in resolved.iter().enumerate() {
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
    validate::source_credentials(&mut resolved, &mut deps, &mut problems);
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

    let names: Vec<String> = resolved.iter().map(|s| s.name.clone()).collect();
    let order = match order(&names, &deps) {
        Ok(order) => order,
        Err(cycle) => {
            problems.push(Problem {
                path: cycle[0].clone(),
                kind: ProblemKind::Cycle { cycle },
            });
            (0..count).collect()
        }
    };

    for &i in &order {
        // Taken out of the list, and dropped with its template once the
        // sink has the artifact.
        let mut stack = std::mem::replace(&mut resolved[i], Stack::new(String::new()));
        let (template, paths) = build(&mut stack, &mut problems);
        validate::template(&template, &paths, &stack, &mut problems);
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
        if !problems.is_empty() {
            continue;
        }
        let hash = hash(&body, &stack.files);
        sink(Artifact {
            name: stack.name,
            env: stack.env,
            tags: stack.tags,
            termination_protection: stack.termination_protection,
            capabilities: facts::capabilities(&template),
            template,
            body,
            format,
            files: stack.files,
            dependencies: deps[i].iter().map(|&d| names[d].clone()).collect(),
            hash,
        })?;
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Synth(problems))
    }
}

/// A SHA-256 of a template body and the files beside it, hex.
fn hash(body: &str, files: &[crate::construct::File]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(body.as_bytes());
    for f in files {
        hasher.update(f.path.as_bytes());
        hasher.update([0]);
        hasher.update(f.contents.as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
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
fn order(names: &[String], deps: &[IndexSet<usize>]) -> Result<Vec<usize>, Vec<String>> {
    let mut done = vec![false; names.len()];
    let mut order = Vec::with_capacity(names.len());
    while order.len() < names.len() {
        let next = (0..names.len()).find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]));
        match next {
            Some(i) => {
                done[i] = true;
                order.push(i);
            }
            None => {
                // Follow unfinished dependencies from an unfinished stack
                // until one repeats: that is the cycle.
                let mut path: Vec<usize> = Vec::new();
                let mut at = (0..names.len()).find(|&i| !done[i]).unwrap_or(0);
                while !path.contains(&at) {
                    path.push(at);
                    at = deps[at].iter().copied().find(|&d| !done[d]).unwrap_or(at);
                }
                let start = path.iter().position(|&i| i == at).unwrap_or(0);
                let mut cycle: Vec<String> =
                    path[start..].iter().map(|&i| names[i].clone()).collect();
                cycle.push(names[at].clone());
                return Err(cycle);
            }
        }
    }
    Ok(order)
}

/// Builds the template of one stack, reporting invalid and duplicate IDs.
/// The stack is synth's own, so accepted items are moved into the
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
        verbatim: std::mem::take(&mut stack.verbatim),
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

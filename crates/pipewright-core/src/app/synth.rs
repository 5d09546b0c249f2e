//! Synthesis: stacks in, one artifact at a time out, in passes (one
//! function each):
//!
//! 1. **validate** each stack on its own;
//! 2. **needs and grants**: every AWS CLI call of a build is checked
//!    against its role's grants, then grants are rendered into policies and
//!    the stacks' property overrides applied over them (a bootstrap last:
//!    its execution role is derived from the stacks it manages);
//! 3. **resolve** values that belong to stacks ([`Expr::Owned`]): inside
//!    their own stack they become the value; in another stack of the same
//!    account and region they become an export on the owner and
//!    `Fn::ImportValue` on the user, and a dependency between the two;
//! 4. **order** the stacks by those dependencies and the declared ones;
//! 5. **emit**: build each template, check it (see `validate`), render it,
//!    and compute capabilities and a content hash.
//!
//! Every problem of every stack is collected. Emit runs one stack at a
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
use super::protection::{Adoption, Protection};
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
///
/// The passes, in order: validate each stack; check each build's calls
/// against the grants (needs), then render grants and the property
/// overrides that win over them (bootstraps last, see
/// [`super::execution`]); resolve references between stacks into exports
/// and imports; order the stacks by dependency; emit each template.
pub(super) fn synth<'a>(
    stacks: impl IntoIterator<Item = Cow<'a, Stack>>,
    format: Format,
    sink: &mut dyn FnMut(Artifact) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut problems = Vec::new();
    let (mut stacks, index) = validate(stacks, &mut problems);
    // Before grants are rendered into their policies: every AWS CLI call of
    // a build must be allowed to its role, by a grant of any stack.
    problems.extend(render::check_calls(&stacks));
    super::execution::render(&mut stacks, &mut problems);
    let mut deps = resolve(&mut stacks, &index, &mut problems);
    let order = order_stacks(&mut stacks, &index, &mut deps, &mut problems);
    emit(stacks, &order, &deps, format, sink, &mut problems)?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Synth(problems))
    }
}

/// Validates each stack on its own and takes synth's own copy of it (grants
/// and resolution rewrite it); returns the stacks and their indexes by
/// name.
fn validate<'a>(
    stacks: impl IntoIterator<Item = Cow<'a, Stack>>,
    problems: &mut Vec<Problem>,
) -> (Vec<Stack>, IndexMap<String, usize>) {
    let mut owned: Vec<Stack> = Vec::new();
    let mut index: IndexMap<String, usize> = IndexMap::new();
    for (i, s) in stacks.into_iter().enumerate() {
        validate::stack(&s, problems);
        if index.insert(s.name.clone(), i).is_some() {
            problems.push(Problem {
                path: s.name.clone(),
                kind: ProblemKind::DuplicateStack {
                    name: s.name.clone(),
                },
            });
        }
        owned.push(s.into_owned());
    }
    (owned, index)
}

/// Resolves values that belong to stacks ([`Expr::Owned`]) and turns
/// concatenations into `Fn::Sub`: inside their own stack an owned value
/// becomes the value; in another stack of the same account and region, an
/// export on the owner and `Fn::ImportValue` on the user. Returns each
/// stack's dependencies on the stacks it imports from.
fn resolve(
    resolved: &mut [Stack],
    index: &IndexMap<String, usize>,
    problems: &mut Vec<Problem>,
) -> Vec<IndexSet<usize>> {
    let count = resolved.len();
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

    deps
}

/// Adds the dependencies declared in code ([`Stack::depends_on`]) and
/// those on the stacks providing webhook projects' source credentials to
/// `deps`, and returns the stack indexes in dependency order (in the order
/// given when a cycle is reported).
fn order_stacks(
    resolved: &mut [Stack],
    index: &IndexMap<String, usize>,
    deps: &mut [IndexSet<usize>],
    problems: &mut Vec<Problem>,
) -> Vec<usize> {
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
    // A webhook project needs its account's source credential, whose
    // stack it then follows.
    validate::source_credentials(resolved, deps, problems);
    let names: Vec<String> = resolved.iter().map(|s| s.name.clone()).collect();
    match order(&names, deps) {
        Ok(order) => order,
        Err(cycle) => {
            problems.push(Problem {
                path: cycle[0].clone(),
                kind: ProblemKind::Cycle { cycle },
            });
            (0..resolved.len()).collect()
        }
    }
}

/// Builds, checks and renders each stack's template in `order`, and hands
/// its artifact to `sink` while no problem is known.
fn emit(
    mut resolved: Vec<Stack>,
    order: &[usize],
    deps: &[IndexSet<usize>],
    format: Format,
    sink: &mut dyn FnMut(Artifact) -> Result<(), Error>,
    problems: &mut Vec<Problem>,
) -> Result<(), Error> {
    let names: Vec<String> = resolved.iter().map(|s| s.name.clone()).collect();
    for &i in order {
        // Taken out of the list, and dropped with its template once the
        // sink has the artifact.
        let mut stack = std::mem::replace(&mut resolved[i], Stack::new(String::new()));
        let (mut template, paths) = build(&mut stack, problems);
        let adoptions = adopt(&stack, &mut template, problems);
        let (protection, termination_protection) = protection(&mut stack, &mut template, problems);
        validate::template(&template, &paths, &stack, problems);
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
            termination_protection,
            protection,
            adoptions,
            capabilities: facts::capabilities(&template),
            template,
            body,
            format,
            files: stack.files,
            dependencies: deps[i].iter().map(|&d| names[d].clone()).collect(),
            hash,
            stack_set: stack.stack_set.map(|s| s.deployment),
        })?;
    }
    Ok(())
}

/// The resources `stack` adopts ([`Stack::adopt`]): each retained, as a
/// resource import requires, and identified by the literal values of its
/// type's identifier properties.
fn adopt(stack: &Stack, template: &mut Template, problems: &mut Vec<Problem>) -> Vec<Adoption> {
    let mut out = Vec::new();
    for (path, id) in &stack.adopted {
        let Some(resource) = template.resources.get_mut(id.as_str()) else {
            continue;
        };
        let Some(properties) = facts::import_identifier(&resource.kind) else {
            problems.push(Problem {
                path: path.clone(),
                kind: ProblemKind::NotImportable {
                    id: id.clone(),
                    resource_type: resource.kind.clone(),
                },
            });
            continue;
        };
        let mut identifier = IndexMap::new();
        for property in properties {
            match resource.properties.get(*property).and_then(Expr::as_str) {
                Some(value) => {
                    identifier.insert((*property).to_owned(), value.to_owned());
                }
                None => problems.push(Problem {
                    path: path.clone(),
                    kind: ProblemKind::AdoptIdentifier {
                        id: id.clone(),
                        property: (*property).to_owned(),
                    },
                }),
            }
        }
        resource.deletion_policy = Some(template::Policy::Retain);
        resource.update_replace_policy = Some(template::Policy::Retain);
        if !out.iter().any(|a: &Adoption| a.logical_id == *id) {
            out.push(Adoption {
                logical_id: id.clone(),
                resource_type: resource.kind.clone(),
                identifier,
            });
        }
    }
    out
}

/// What guards `stack`'s data (see [`super::Protection`]) and whether
/// termination protection is on; writes the allowances and the opt-out,
/// with their reasons, to the template's Metadata.
fn protection(
    stack: &mut Stack,
    template: &mut Template,
    problems: &mut Vec<Problem>,
) -> (Protection, bool) {
    let holds_data: Vec<String> = template
        .resources
        .iter()
        .filter(|(_, r)| {
            facts::is_stateful(&r.kind)
                || r.deletion_policy == Some(template::Policy::Retain)
                || r.update_replace_policy == Some(template::Policy::Retain)
        })
        .map(|(id, _)| id.to_string())
        .collect();
    let allowed = std::mem::take(&mut stack.allow_replace);
    for (id, reason) in &allowed {
        if let Err(e) = LogicalId::new(id.as_str()) {
            problems.push(Problem {
                path: stack.name.clone(),
                kind: ProblemKind::LogicalId(e),
            });
        }
        if reason.trim().is_empty() {
            problems.push(Problem {
                path: stack.name.clone(),
                kind: ProblemKind::NoReason {
                    what: format!("allow_replace of `{id}`"),
                },
            });
        }
        // An allowance may name a resource the code no longer has: it
        // allows the deletion of one that is deployed.
    }
    if !allowed.is_empty() {
        template.metadata.insert(
            "pipewright:allow-replace".into(),
            Expr::Map(
                allowed
                    .iter()
                    .map(|(id, reason)| (id.clone(), Expr::from(reason.as_str())))
                    .collect(),
            ),
        );
    }
    let opted_out = stack.unprotected.take();
    if let Some(reason) = &opted_out {
        if reason.trim().is_empty() {
            problems.push(Problem {
                path: stack.name.clone(),
                kind: ProblemKind::NoReason {
                    what: "unprotected".into(),
                },
            });
        }
        template
            .metadata
            .insert("pipewright:unprotected".into(), Expr::from(reason.as_str()));
    }
    let guarded = if opted_out.is_some() {
        Vec::new()
    } else {
        holds_data
    };
    let termination = match stack.termination_protection {
        Some(false) if !guarded.is_empty() => {
            problems.push(Problem {
                path: stack.name.clone(),
                kind: ProblemKind::UnguardedData {
                    stack: stack.name.clone(),
                    guarded: guarded.clone(),
                },
            });
            false
        }
        Some(on) => on,
        None => !guarded.is_empty(),
    };
    (
        Protection {
            guarded,
            allowed,
            opted_out,
        },
        termination,
    )
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

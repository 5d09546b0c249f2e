//! `pipewright diff`: what a deploy would change, as colored text, JSON or
//! markdown for a pull-request comment.

use super::inline::value;
use super::prepare::{self, runtime};
use super::printer::{Stream, style};
use super::{Exit, Printer};
use crate::App;
use crate::cloud::Connect;
use crate::cloud::diff::{ReplacementSource, StackDiff, cleanup, diff_stack};
use crate::diff::{
    ChangeKind, ItemDiff, PropertyChange, Replaces, ResourceDiff, StatementChange, TemplateDiff,
};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::path::Path;

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum DiffFormat {
    Text,
    Json,
    Markdown,
}

/// What `diff` was asked.
pub(super) struct Args<'a> {
    pub(super) stacks: &'a [String],
    pub(super) format: DiffFormat,
    pub(super) exit_code: bool,
    pub(super) template_bucket: Option<&'a str>,
}

pub(super) fn run(
    app: &App,
    printer: &Printer,
    args: Args<'_>,
    connect: Connect,
) -> anyhow::Result<Exit> {
    let Args {
        stacks,
        format,
        exit_code,
        template_bucket,
    } = args;
    // Read-only: naming no stack means every stack.
    let chosen = prepare::choose(app, stacks, true, "diff")?;
    let assembly = app.synth()?;
    let artifacts = prepare::artifacts(&assembly, &chosen);
    // Parameters make the replacement change set exact; when they cannot be
    // resolved (a secret not in this environment), it keeps deployed values.
    let params: Vec<_> = artifacts
        .iter()
        .map(|a| {
            prepare::plans(Path::new("."), &[a], &[])
                .ok()
                .and_then(|mut p| p.pop())
                .map(|p| p.parameters)
        })
        .collect();
    let rt = runtime()?;
    let cloud = prepare::connect(&rt, &connect, &artifacts)?;
    let results = rt.block_on(async {
        let all = futures_util::stream::iter(artifacts.iter().zip(&params).map(|(a, p)| {
            let cloud = &cloud;
            async move {
                (
                    a.name.clone(),
                    diff_stack(cloud, a, p.as_ref(), template_bucket).await,
                )
            }
        }))
        .buffered(4)
        .collect::<Vec<_>>();
        tokio::select! {
            r = all => Some(r),
            _ = tokio::signal::ctrl_c() => {
                for (stack, cs) in cleanup(&cloud, &artifacts).await {
                    printer.status(&format!("{stack}: interrupted; deleted change set {cs}"));
                }
                None
            }
        }
    });
    let Some(results) = results else {
        return Ok(Exit::Interrupted);
    };

    let mut exit = Exit::Success;
    let mut diffs = Vec::new();
    let mut errors = prepare::StackErrors::default();
    for (stack, r) in results {
        match r {
            Ok(d) => diffs.push(d),
            Err(e) => {
                errors.report(printer, &stack, &e);
                exit = Exit::Failure;
            }
        }
    }
    match format {
        DiffFormat::Json => printer.data(&serde_json::to_string_pretty(&to_json(&diffs))?)?,
        DiffFormat::Markdown => printer.data(markdown(&diffs).trim_end())?,
        DiffFormat::Text => {
            for d in &diffs {
                for line in text(printer, d) {
                    printer.data(&line)?;
                }
            }
        }
    }
    if exit == Exit::Success && exit_code && diffs.iter().any(|d| !d.diff.is_empty()) {
        exit = Exit::Differences;
    }
    Ok(exit)
}

/// The `diff --format json` document (schema version 1).
pub(super) fn to_json(diffs: &[StackDiff]) -> Value {
    json!({"version": 1, "stacks": diffs.iter().map(|d| {
        let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
        v["changed"] = json!(!d.diff.is_empty());
        v
    }).collect::<Vec<_>>()})
}

fn change_line(c: &PropertyChange) -> String {
    match (&c.old, &c.new) {
        (None, _) => format!("{}: + {}", c.path, value(&c.new)),
        (_, None) => format!("{}: - {}", c.path, value(&c.old)),
        _ => format!("{}: {} → {}", c.path, value(&c.old), value(&c.new)),
    }
}

fn notes(r: &ResourceDiff) -> Vec<&'static str> {
    let mut n = Vec::new();
    match r.replacement {
        Some(Replaces::Yes) => n.push("replace"),
        Some(Replaces::Conditional) => n.push("may replace"),
        None if r.replaces_by_reference() => n.push("replaces by the resource reference"),
        None if r.change == ChangeKind::Modified => n.push("replacement unknown"),
        _ => {}
    }
    if r.stateful {
        n.push("stateful");
    }
    if r.retain {
        n.push("retained");
    }
    if r.is_dangerous() {
        n.push("DATA AT RISK");
    }
    n
}

fn source_line(d: &StackDiff) -> String {
    match &d.replacements {
        ReplacementSource::NotDeployed => "not deployed: everything is new".into(),
        ReplacementSource::NotNeeded => "deployed".into(),
        ReplacementSource::ChangeSet => {
            "deployed; replacement flags from a change set, deleted after reading".into()
        }
        ReplacementSource::TemplateOnly(why) => {
            format!("deployed; template diff only, replacements unknown: {why}")
        }
    }
}

/// The text form: one block per stack.
pub(super) fn text(printer: &Printer, d: &StackDiff) -> Vec<String> {
    let mut out = vec![format!("{} ({})", d.stack, source_line(d))];
    if d.diff.is_empty() {
        out.push("  no differences".into());
        return out;
    }
    out.extend(template_lines(printer, &d.diff, 2));
    out
}

/// The one text rendering of a template diff, for `diff` and `drift`:
/// resources with their notes and property changes, then parameters,
/// outputs, conditions, mappings, IAM statements and top-level changes,
/// each line indented by `indent` spaces or more.
pub(super) fn template_lines(printer: &Printer, t: &TemplateDiff, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let mut out = Vec::new();
    let paint = |kind: ChangeKind, s: &str| {
        printer.paint_data(
            match kind {
                ChangeKind::Added => style::ADD,
                ChangeKind::Modified => style::CHANGE,
                ChangeKind::Removed => style::REMOVE,
                // `ChangeKind` is non-exhaustive (pipewright-core).
                _ => style::CHANGE,
            },
            s,
        )
    };
    for r in &t.resources {
        let n = notes(r);
        let head = format!(
            "{pad}{} {} {}{}",
            r.change.sign(),
            r.id,
            r.resource_type,
            if n.is_empty() {
                String::new()
            } else {
                format!("  [{}]", n.join(", "))
            }
        );
        out.push(paint(r.change, &head));
        for c in &r.properties {
            out.push(format!("{pad}    {}", change_line(c)));
        }
    }
    for (title, items) in [
        ("parameters", &t.parameters),
        ("outputs", &t.outputs),
        ("conditions", &t.conditions),
        ("mappings", &t.mappings),
    ] {
        if items.is_empty() {
            continue;
        }
        out.push(format!("{pad}{title}:"));
        for i in items {
            out.push(paint(
                i.change,
                &format!("{pad}  {} {}", i.change.sign(), i.id),
            ));
            for c in &i.properties {
                out.push(format!("{pad}      {}", change_line(c)));
            }
        }
    }
    if !t.iam.is_empty() {
        out.push(format!("{pad}IAM statements:"));
        out.extend(statement_lines(printer, Stream::Stdout, &t.iam, indent + 2));
    }
    for c in &t.other {
        out.push(format!("{pad}template: {}", change_line(c)));
    }
    out
}

/// One line per IAM statement added or removed, broadening ones marked;
/// for `diff`, `drift` and the deploy preview.
pub(super) fn statement_lines(
    printer: &Printer,
    stream: Stream,
    statements: &[StatementChange],
    indent: usize,
) -> Vec<String> {
    let pad = " ".repeat(indent);
    statements
        .iter()
        .map(|s| {
            // A trust or resource policy statement has a principal and may
            // have no resource: say only what it has.
            let on = if s.resources.is_empty() {
                String::new()
            } else {
                format!(" on {}", statement_resources(s))
            };
            let to = s
                .principal
                .as_ref()
                .map(|p| format!(" to {}", principal(p)))
                .unwrap_or_default();
            let when = s
                .condition
                .as_ref()
                .map(|c| format!(" when {}", condition(c)))
                .unwrap_or_default();
            let line = format!(
                "{pad}{} {} {} {}{on}{to}{when}{}",
                s.change.sign(),
                s.resource,
                s.effect,
                s.actions.join(", "),
                if s.broadening { "  (broadens)" } else { "" }
            );
            printer.paint_on(
                stream,
                match s.change {
                    ChangeKind::Added => style::ADD,
                    ChangeKind::Modified => style::CHANGE,
                    ChangeKind::Removed => style::REMOVE,
                    // `ChangeKind` is non-exhaustive (pipewright-core).
                    _ => style::CHANGE,
                },
                &line,
            )
        })
        .collect()
}

/// A principal as one line: `AWS !Sub "arn:...:root"`, `Service
/// codebuild.amazonaws.com`, `*`.
fn principal(p: &Value) -> String {
    match p {
        Value::Object(m) => m
            .iter()
            .map(|(kind, who)| {
                let who = match who {
                    Value::Array(list) => list
                        .iter()
                        .map(|w| value(&Some(w.clone())))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Value::String(s) => s.clone(),
                    other => value(&Some(other.clone())),
                };
                format!("{kind} {who}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::String(s) => s.clone(),
        other => value(&Some(other.clone())),
    }
}

/// A condition block as one line: `StringEquals aws:PrincipalTag/x "true"`,
/// so the preview shows what narrows a trust or a grant.
fn condition(c: &Value) -> String {
    let Value::Object(operators) = c else {
        return value(&Some(c.clone()));
    };
    operators
        .iter()
        .flat_map(|(op, keys)| match keys {
            Value::Object(keys) => keys
                .iter()
                .map(|(k, v)| format!("{op} {k} {}", value(&Some(v.clone()))))
                .collect::<Vec<_>>(),
            other => vec![format!("{op} {}", value(&Some(other.clone())))],
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A statement's resources as one line, intrinsics in short form.
fn statement_resources(s: &StatementChange) -> String {
    s.resources
        .iter()
        .map(|r| value(&Some(r.clone())))
        .collect::<Vec<_>>()
        .join(", ")
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// How the markdown form's summary line starts (the infra pipeline's
/// check build reads it: `patterns::infra`): `**Summary:** 2 resource
/// changes and 1 IAM statement change in 1 stack, 3 unchanged`.
const SUMMARY_PREFIX: &str = "**Summary:** ";

/// The markdown form, for a pull-request comment.
pub(super) fn markdown(diffs: &[StackDiff]) -> String {
    let mut md = String::from("## pipewright diff\n\n");
    // One line a reader (or an approval message) can take whole.
    let changed = diffs.iter().filter(|d| !d.diff.is_empty()).count();
    let resources: usize = diffs.iter().map(|d| d.diff.resources.len()).sum();
    let iam: usize = diffs.iter().map(|d| d.diff.iam.len()).sum();
    let count = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    md.push_str(&format!(
        "{SUMMARY_PREFIX}{} and {} in {}, {} unchanged\n\n",
        count(resources, "resource change"),
        count(iam, "IAM statement change"),
        count(changed, "stack"),
        diffs.len() - changed
    ));
    for d in diffs {
        md.push_str(&format!("### `{}`\n\n_{}_\n\n", d.stack, source_line(d)));
        let t = &d.diff;
        if t.is_empty() {
            md.push_str("No differences.\n\n");
            continue;
        }
        if !t.resources.is_empty() {
            md.push_str("| | resource | type | notes |\n|---|---|---|---|\n");
            for r in &t.resources {
                md.push_str(&format!(
                    "| {} | `{}` | `{}` | {} |\n",
                    r.change.sign(),
                    r.id,
                    r.resource_type,
                    notes(r)
                        .iter()
                        .map(|n| format!("**{n}**"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            md.push('\n');
            let changed: Vec<&ResourceDiff> = t
                .resources
                .iter()
                .filter(|r| !r.properties.is_empty())
                .collect();
            if !changed.is_empty() {
                md.push_str("<details><summary>property changes</summary>\n\n```diff\n");
                for r in changed {
                    md.push_str(&format!("@@ {} @@\n", r.id));
                    for c in &r.properties {
                        if c.old.is_some() {
                            md.push_str(&format!("- {}: {}\n", c.path, value(&c.old)));
                        }
                        if c.new.is_some() {
                            md.push_str(&format!("+ {}: {}\n", c.path, value(&c.new)));
                        }
                    }
                }
                md.push_str("```\n\n</details>\n\n");
            }
        }
        let items = |title: &str, list: &[ItemDiff], md: &mut String| {
            if list.is_empty() {
                return;
            }
            md.push_str(&format!("**{title}:** "));
            md.push_str(
                &list
                    .iter()
                    .map(|i| format!("{} `{}`", i.change.sign(), i.id))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            md.push_str("\n\n");
        };
        items("Parameters", &t.parameters, &mut md);
        items("Outputs", &t.outputs, &mut md);
        items("Conditions", &t.conditions, &mut md);
        items("Mappings", &t.mappings, &mut md);
        if !t.iam.is_empty() {
            md.push_str("#### IAM statements\n\n| | holder | effect | actions | resources | |\n|---|---|---|---|---|---|\n");
            for s in &t.iam {
                md.push_str(&format!(
                    "| {} | `{}` | {} | {} | {} | {} |\n",
                    s.change.sign(),
                    s.resource,
                    s.effect,
                    md_escape(&s.actions.join(", ")),
                    md_escape(&statement_resources(s)),
                    if s.broadening { "**broadens**" } else { "" }
                ));
            }
            md.push('\n');
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::value;
    use serde_json::json;

    #[test]
    fn intrinsics_read_as_in_the_template() {
        let v = |j| value(&Some(j));
        assert_eq!(v(json!({"Ref": "Bucket"})), "!Ref Bucket");
        assert_eq!(
            v(json!({"Fn::GetAtt": ["Bucket", "Arn"]})),
            "!GetAtt Bucket.Arn"
        );
        assert_eq!(
            v(json!({"Fn::Sub": "${Bucket.Arn}/*"})),
            "!Sub \"${Bucket.Arn}/*\""
        );
        assert_eq!(
            v(json!({"Fn::ImportValue": {"Fn::Sub": "${Env}:Bucket"}})),
            "!ImportValue !Sub \"${Env}:Bucket\""
        );
        assert_eq!(v(json!("plain")), "\"plain\"");
        assert_eq!(v(json!({"Fn::If": ["C", 1, 2]})), r#"{"Fn::If":["C",1,2]}"#);
        assert_eq!(
            v(json!({"Ref": "A", "Other": 1})),
            r#"{"Ref":"A","Other":1}"#
        );
        assert_eq!(value(&None), "(none)");
    }
}

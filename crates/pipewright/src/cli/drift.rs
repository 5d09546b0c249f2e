//! `pipewright drift`: per stack, whether the committed files, the deployed
//! template and the resources still match the code. Exit 0 in sync, 3 when
//! anything drifted, 1 when a check could not be completed.

use super::prepare::{self, runtime};
use super::printer::style;
use super::{Exit, Printer};
use crate::App;
use crate::app::files::{self, Change};
use crate::cloud::drift::{Committed, StackDrift, check};
use crate::cloud::{Cloud, Connect};
use futures_util::StreamExt;
use serde_json::json;
use std::path::Path;

pub(super) fn run(
    app: &App,
    printer: &Printer,
    stacks: &[String],
    as_json: bool,
    template_only: bool,
    concurrency: usize,
    connect: Connect,
) -> anyhow::Result<Exit> {
    // Read-only: naming no stack means every stack.
    let chosen = prepare::choose(app, stacks, true, "check")?;
    let assembly = app.synth()?;
    let artifacts = prepare::artifacts(&assembly, &chosen);
    let plan = files::plan(Path::new("."), &assembly)?;
    let committed: Vec<Committed> = artifacts
        .iter()
        .map(|a| {
            let owned: Vec<String> = std::iter::once(a.template_path())
                .chain(a.files.iter().map(|f| f.path.clone()))
                .collect();
            let files: Vec<String> = plan
                .iter()
                .filter(|c| owned.contains(&c.path))
                .filter_map(|c| match c.change {
                    Change::Create => Some(format!("{}: missing", c.path)),
                    Change::Update => Some(format!("{}: stale", c.path)),
                    _ => None,
                })
                .collect();
            Committed {
                status: if files.is_empty() { "current" } else { "stale" },
                files,
            }
        })
        .collect();

    let rt = runtime()?;
    let reports: Vec<StackDrift> = rt.block_on(async {
        let cloud = Cloud::connect(&connect).await;
        futures_util::stream::iter(artifacts.iter().zip(committed).map(|(a, c)| {
            let cloud = &cloud;
            async move { check(cloud, a, c, template_only).await }
        }))
        .buffered(concurrency.max(1))
        .collect()
        .await
    });

    if as_json {
        let stacks: Vec<_> = reports
            .iter()
            .map(|r| {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                v["drifted"] = json!(r.drifted());
                v["complete"] = json!(!r.incomplete());
                v
            })
            .collect();
        printer.data(&serde_json::to_string_pretty(
            &json!({"version": 1, "stacks": stacks}),
        )?)?;
    } else {
        for r in &reports {
            for line in text(printer, r) {
                printer.data(&line)?;
            }
        }
    }
    Ok(if reports.iter().any(StackDrift::incomplete) {
        Exit::Failure
    } else if reports.iter().any(StackDrift::drifted) {
        Exit::Differences
    } else {
        Exit::Success
    })
}

fn text(printer: &Printer, r: &StackDrift) -> Vec<String> {
    let verdict = if r.incomplete() {
        printer.paint_data(style::ERROR, "check incomplete")
    } else if r.drifted() {
        printer.paint_data(style::CHANGE, "drifted")
    } else {
        printer.paint_data(style::ADD, "in sync")
    };
    let mut out = vec![format!("{}: {verdict}", r.stack)];
    out.push(format!("  committed templates: {}", r.committed.status));
    for f in &r.committed.files {
        out.push(format!("    {f}"));
    }
    let template = match r.template.status {
        "missing" => "not deployed".to_owned(),
        "differs" => {
            "differs from the code (undeployed changes, or an update made outside pipewright)"
                .to_owned()
        }
        s => s.replace('_', " "),
    };
    out.push(format!("  deployed template: {template}"));
    if let Some(d) = r.template.diff.as_ref().filter(|d| !d.is_empty()) {
        for res in &d.resources {
            out.push(format!(
                "    {} {} {}",
                res.change.sign(),
                res.id,
                res.resource_type
            ));
            for c in &res.properties {
                out.push(format!(
                    "        {}: {} → {}",
                    c.path,
                    c.old
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "(none)".into()),
                    c.new
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| "(none)".into())
                ));
            }
        }
        for (title, items) in [("parameter", &d.parameters), ("output", &d.outputs)] {
            for i in items.iter() {
                out.push(format!("    {} {title} {}", i.change.sign(), i.id));
            }
        }
    }
    let resources = match (r.resources.status, &r.resources.reason) {
        (s, Some(why)) => format!("{} ({why})", s.replace('_', " ")),
        (s, None) => s.replace('_', " "),
    };
    out.push(format!("  resources: {resources}"));
    for d in &r.resources.drifts {
        if matches!(d.status.as_str(), "IN_SYNC" | "NOT_CHECKED" | "UNKNOWN") {
            continue;
        }
        out.push(format!(
            "    {} {} {}{}",
            d.status,
            d.logical_id,
            d.resource_type,
            d.physical_id
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        ));
        for p in &d.differences {
            out.push(format!(
                "        {} {}: expected {} actual {}",
                p.kind, p.path, p.expected, p.actual
            ));
        }
    }
    if !r.resources.not_checked.is_empty() {
        out.push(format!(
            "    not checked: {}",
            r.resources.not_checked.join(", ")
        ));
    }
    for e in &r.errors {
        out.push(format!(
            "  {} {e}",
            printer.paint_data(style::ERROR, "error:")
        ));
    }
    out
}

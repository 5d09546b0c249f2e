//! `pipewright drift`: per stack, whether the committed files, the deployed
//! template and the resources still match the code. Exit 0 in sync, 3 when
//! anything drifted, 1 when a check could not be completed.

use super::prepare::{self, runtime};
use super::printer::style;
use super::{Exit, Printer};
use crate::App;
use crate::app::files;
use crate::cloud::Connect;
use crate::cloud::drift::{Committed, CommittedStatus, StackDrift, TemplateStatus, check};
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
    // One read of the tree for every stack, then each stack's own lines.
    let stale = files::stale(Path::new("."), &assembly, &artifacts)?;
    let committed: Vec<Committed> = artifacts
        .iter()
        .map(|a| {
            let owned = files::owned_paths(&[a]);
            let files: Vec<String> = stale
                .iter()
                .filter(|line| {
                    line.rsplit_once(": ")
                        .is_some_and(|(path, _)| owned.iter().any(|o| o == path))
                })
                .cloned()
                .collect();
            Committed {
                status: if files.is_empty() {
                    CommittedStatus::Current
                } else {
                    CommittedStatus::Stale
                },
                files,
            }
        })
        .collect();

    let rt = runtime()?;
    let cloud = prepare::connect(&rt, &connect, &artifacts)?;
    let reports: Vec<StackDrift> = rt.block_on(async {
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
    out.push(format!(
        "  committed templates: {}",
        match r.committed.status {
            CommittedStatus::Stale => "stale",
            _ => "current",
        }
    ));
    for f in &r.committed.files {
        out.push(format!("    {f}"));
    }
    let template = match r.template.status {
        TemplateStatus::Missing => "not deployed",
        TemplateStatus::Differs => {
            "differs from the code (undeployed changes, or an update made outside pipewright)"
        }
        TemplateStatus::InSync => "in sync",
        _ => "error",
    };
    out.push(format!("  deployed template: {template}"));
    if let Some(d) = r.template.diff.as_ref().filter(|d| !d.is_empty()) {
        out.extend(super::diff::template_lines(printer, d, 4));
    }
    let words = r.resources.status.words();
    let resources = match &r.resources.reason {
        Some(why) => format!("{words} ({why})"),
        None => words.to_owned(),
    };
    out.push(format!("  resources: {resources}"));
    for d in &r.resources.drifts {
        // In sync ones are not listed; unchecked ones are, below.
        if !d.status.is_drifted() {
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
    for i in &r.instances {
        out.push(format!(
            "    instance {} {}: {}",
            i.account,
            i.region,
            i.drift_status
                .as_ref()
                .map(|d| d.as_str())
                .unwrap_or("NOT_CHECKED")
        ));
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

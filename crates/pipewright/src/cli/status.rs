//! `pipewright status`: each stack's deployed state, last change, drift
//! status and outputs, on stdout.

use super::prepare::{self, runtime};
use super::{Exit, Printer};
use crate::App;
use crate::cloud::Connect;
use crate::cloud::status::status;
use serde_json::json;

pub(super) fn run(
    app: &App,
    printer: &Printer,
    stacks: &[String],
    as_json: bool,
    connect: Connect,
) -> anyhow::Result<Exit> {
    // Read-only: naming no stack means every stack.
    let chosen = prepare::choose(app, stacks, true, "show")?;
    let assembly = app.synth()?;
    let artifacts = prepare::artifacts(&assembly, &chosen);
    let rt = runtime()?;
    let cloud = prepare::connect(&rt, &connect, &artifacts)?;
    let reports = rt.block_on(status(&cloud, &artifacts, 8));

    let mut exit = Exit::Success;
    let mut errors = prepare::StackErrors::default();
    let mut rows = Vec::new();
    for r in &reports {
        if let Some(set) = &r.stack_set {
            rows.push(stack_set_row(printer, &r.stack, set, as_json)?);
            continue;
        }
        match &r.info {
            Err(e) => {
                errors.report(printer, &r.stack, e);
                exit = Exit::Failure;
                rows.push(json!({"stack": r.stack, "deployed": null, "error": e.to_string()}));
            }
            Ok(None) => {
                if !as_json {
                    printer.data(&format!("{}\tnot deployed", r.stack))?;
                }
                rows.push(json!({"stack": r.stack, "deployed": false}));
            }
            Ok(Some(s)) => {
                let drift = s
                    .drift_status
                    .as_ref()
                    .map(|d| d.as_str())
                    .unwrap_or("NOT_CHECKED");
                if !as_json {
                    let checked = s
                        .drift_checked
                        .as_deref()
                        .map(|t| format!(" (checked {t})"))
                        .unwrap_or_default();
                    printer.data(&format!(
                        "{}\t{}\tchanged {}\tdrift {drift}{checked}",
                        r.stack,
                        s.status,
                        s.changed()
                    ))?;
                    printer.data(&format!(
                        "{}\tprotection\ttermination {}\tstack policy {}",
                        r.stack,
                        if s.termination_protection {
                            "on"
                        } else {
                            "off"
                        },
                        match &r.protected {
                            Some(ids) if !ids.is_empty() => format!("on ({})", ids.join(", ")),
                            Some(_) => "on (denies nothing)".to_owned(),
                            None => "off".to_owned(),
                        }
                    ))?;
                    if let Some(reason) = &s.status_reason
                        && !s.status.succeeded()
                    {
                        printer.data(&format!("{}\treason\t{reason}", r.stack))?;
                    }
                    for (k, v) in &s.outputs {
                        printer.data(&format!("{}\toutput\t{k}\t{v}", r.stack))?;
                    }
                }
                rows.push(json!({
                    "stack": r.stack,
                    "deployed": true,
                    "status": s.status,
                    "status_reason": s.status_reason,
                    "created": s.created,
                    "last_updated": s.last_updated,
                    "termination_protection": s.termination_protection,
                    "stack_policy": {
                        "on": r.protected.is_some(),
                        "protected": r.protected.clone().unwrap_or_default(),
                    },
                    "drift": {"status": drift, "checked": s.drift_checked},
                    "outputs": s.outputs,
                }));
            }
        }
    }
    if as_json {
        printer.data(&serde_json::to_string_pretty(
            &json!({"version": 1, "stacks": rows}),
        )?)?;
    }
    Ok(exit)
}

/// A deployed stack set: one line for the set, one per instance (text),
/// or its JSON row.
fn stack_set_row(
    printer: &Printer,
    stack: &str,
    set: &crate::cloud::status::SetStatus,
    as_json: bool,
) -> anyhow::Result<serde_json::Value> {
    if !as_json {
        let current = set
            .instances
            .iter()
            .filter(|i| i.status == crate::cloud::values::StackInstanceStatus::Current)
            .count();
        printer.data(&format!(
            "{stack}\tstack set {}\t{}\t{} instances, {current} current",
            set.info.status,
            set.info.permission_model,
            set.instances.len()
        ))?;
        for i in &set.instances {
            printer.data(&format!(
                "{stack}\tinstance\t{}\t{}\t{}\tdrift {}{}",
                i.account,
                i.region,
                i.status,
                i.drift_status
                    .as_ref()
                    .map(|d| d.as_str())
                    .unwrap_or("NOT_CHECKED"),
                i.reason
                    .as_deref()
                    .map(|r| format!("\t{r}"))
                    .unwrap_or_default()
            ))?;
        }
    }
    Ok(json!({
        "stack": stack,
        "deployed": true,
        "stack_set": {
            "status": set.info.status,
            "permission_model": set.info.permission_model,
            "parameters": set.info.parameters,
            "instances": set.instances,
        },
    }))
}

//! `pipewright destroy`: confirm, delete dependents first, list what is
//! retained, name what failed.

use super::prepare::{self, runtime};
use super::printer::style;
use super::ui::TerminalUi;
use super::{Exit, Printer};
use crate::App;
use crate::cloud::destroy::{DestroyOutcome, RetainedResource, destroy, retained_before};
use crate::cloud::{Connect, Ui};

pub(super) fn run(
    app: &App,
    printer: &Printer,
    stacks: &[String],
    all: bool,
    yes: bool,
    concurrency: usize,
    connect: Connect,
) -> anyhow::Result<Exit> {
    let chosen = prepare::choose(app, stacks, all, "destroy")?;
    let assembly = app.synth()?;
    let artifacts = prepare::artifacts(&assembly, &chosen);
    prepare::require_terminal(yes, "destroy")?;
    let names: Vec<&str> = artifacts.iter().map(|a| a.name.as_str()).collect();
    let rt = runtime()?;
    let cloud = prepare::connect(&rt, &connect, &artifacts)?;
    // What will be kept, said before the question. A stack that cannot be
    // read here is reported by the delete itself.
    let mut errors = prepare::StackErrors::default();
    for (stack, kept) in rt.block_on(retained_before(&cloud, &artifacts, concurrency)) {
        match kept {
            Ok(Some(kept)) => {
                for k in kept {
                    printer.status(&format!("{stack}: will retain {}", retained_line(&k)));
                }
            }
            Ok(None) => {}
            Err(e) if e.is_shared() => {
                errors.report(printer, &stack, &e);
                return Ok(Exit::Failure);
            }
            Err(_) => {}
        }
    }
    let ui = TerminalUi::new(printer, &names);
    if !yes
        && !ui.confirm(
            &names.join(", "),
            &format!(
                "delete {} {} and every resource not retained?",
                names.len(),
                if names.len() == 1 { "stack" } else { "stacks" }
            ),
        )
    {
        printer.status("declined; nothing was deleted");
        return Ok(Exit::Failure);
    }

    let reports = rt.block_on(async {
        tokio::select! {
            r = destroy(&cloud, &ui, &artifacts, concurrency) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    drop(ui);
    let Some(reports) = reports else {
        printer.status("interrupted; stacks being deleted go on being deleted. Follow them with `pipewright status`");
        return Ok(Exit::Interrupted);
    };

    let mut exit = Exit::Success;
    for r in &reports {
        let stack = &r.stack;
        match &r.outcome {
            DestroyOutcome::Deleted { retained } => {
                printer.status(&format!(
                    "{stack}: {}",
                    printer.paint(style::REMOVE, "deleted")
                ));
                for k in retained {
                    printer.status(&format!("{stack}:   retained {}", retained_line(k)));
                }
            }
            DestroyOutcome::AlreadyGone => {
                printer.status(&format!("{stack}: not deployed; nothing to delete"))
            }
            DestroyOutcome::Protected => {
                printer.error(
                    &format!("stack `{stack}` has termination protection on; it was not deleted"),
                    &[],
                    &[],
                    Some(&format!(
                        "pipewright never turns it off; if you mean it, run `aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name {stack}` and destroy again"
                    )),
                );
                if exit == Exit::Success {
                    exit = Exit::Failure;
                }
            }
            DestroyOutcome::Failed { status, resources } => {
                printer.error(
                    &format!("stack `{stack}` is {status}"),
                    &resources
                        .iter()
                        .map(|r| format!("failed: {r}"))
                        .collect::<Vec<_>>(),
                    &[],
                    crate::cloud::state::remedy(stack, status.as_str()).as_deref(),
                );
                exit = Exit::StackFailed;
            }
            DestroyOutcome::Skipped { because } => {
                printer.status(&format!(
                    "{stack}: not attempted because `{because}`, which depends on it, was not deleted"
                ));
                if exit == Exit::Success {
                    exit = Exit::Failure;
                }
            }
            DestroyOutcome::Error(e) => {
                errors.report(printer, stack, e);
                if exit == Exit::Success {
                    exit = Exit::Failure;
                }
            }
        }
    }
    Ok(exit)
}

/// `Repo (AWS::ECR::Repository): app-images`.
fn retained_line(k: &RetainedResource) -> String {
    format!(
        "{} ({}){}",
        k.logical_id,
        k.resource_type,
        k.physical_id
            .as_deref()
            .map(|p| format!(": {p}"))
            .unwrap_or_default()
    )
}

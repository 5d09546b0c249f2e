//! `pipewright recover STACK [--skip ID..]`: continues the failed rollback
//! of a stack in `UPDATE_ROLLBACK_FAILED`, follows its events, and says the
//! state it ends in (exit 4 when the rollback fails again).

use super::prepare::{self, runtime};
use super::ui::TerminalUi;
use super::{Exit, Printer};
use crate::App;
use crate::cloud::Connect;
use crate::cloud::recover::{RecoverOutcome, recover};

pub(super) fn run(
    app: &App,
    printer: &Printer,
    stack: &str,
    skip: &[String],
    connect: Connect,
) -> anyhow::Result<Exit> {
    let chosen = prepare::choose(app, &[stack.to_owned()], false, "recover")?;
    let assembly = app.synth()?;
    let artifacts = prepare::artifacts(&assembly, &chosen);
    let rt = runtime()?;
    let cloud = prepare::connect(&rt, &connect, &artifacts)?;
    let mut exit = Exit::Success;
    let mut errors = prepare::StackErrors::default();
    for art in &artifacts {
        let name = art.name.as_str();
        let ui = TerminalUi::new(printer, &[name]);
        match rt.block_on(recover(&cloud, &ui, art, skip)) {
            Ok(RecoverOutcome::Recovered { skipped }) => {
                let skipped = if skipped.is_empty() {
                    String::new()
                } else {
                    format!(" (skipped {})", skipped.join(", "))
                };
                printer.status(&format!(
                    "{name}: rollback continued to UPDATE_ROLLBACK_COMPLETE{skipped}; the stack takes deploys again"
                ));
            }
            Ok(RecoverOutcome::Failed { status, cause }) => {
                printer.error(
                    &format!("{name}: the rollback failed again and ended in {status}"),
                    &cause.into_iter().collect::<Vec<_>>(),
                    &[],
                    Some(&format!(
                        "fix the resource named above, or skip it: `pipewright recover {name} --skip ID`"
                    )),
                );
                exit = Exit::StackFailed;
            }
            Ok(RecoverOutcome::NotDeployed) => {
                printer.error(
                    &format!("stack `{name}` is not deployed: there is no rollback to continue"),
                    &[],
                    &[],
                    None,
                );
                exit = Exit::Failure;
            }
            Ok(RecoverOutcome::NotStuck { status }) => {
                printer.error(
                    &format!(
                        "stack `{name}` is {status}: only a stack in UPDATE_ROLLBACK_FAILED has a rollback to continue"
                    ),
                    &[],
                    &[],
                    Some("`pipewright status` shows each stack's state"),
                );
                exit = Exit::Failure;
            }
            Err(e) => {
                errors.report(printer, name, &e);
                exit = Exit::Failure;
            }
        }
    }
    Ok(exit)
}

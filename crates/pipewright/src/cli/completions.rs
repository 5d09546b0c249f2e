//! `pipewright completions SHELL`: the shell completion script, generated
//! by `clap_complete` from the same argument definitions the parser uses,
//! so completions know every subcommand and flag of this build (the `cloud`
//! commands only when the feature is on).

use super::{Cli, Exit, Printer};
use clap::CommandFactory;

/// Writes the completion script for `shell` to stdout.
pub(super) fn run(printer: &Printer, shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pipewright", &mut script);
    printer.data_bytes(&script)?;
    Ok(Exit::Success)
}

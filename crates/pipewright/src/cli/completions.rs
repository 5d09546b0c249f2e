//! `pipewright completions SHELL`: the shell completion script, generated
//! by `clap_complete` from the same argument definitions the parser uses,
//! so completions know every subcommand and flag of this build (the `cloud`
//! commands only when the feature is on).

use super::{Exit, Printer};

/// Writes the completion script for `shell` to stdout, from `command`
/// (the parser's own definition, handed down by the caller so that this
/// module does not import the module that dispatches to it).
pub(super) fn run(
    printer: &Printer,
    shell: clap_complete::Shell,
    mut command: clap::Command,
) -> anyhow::Result<Exit> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "pipewright", &mut script);
    printer.data_bytes(&script)?;
    Ok(Exit::Success)
}

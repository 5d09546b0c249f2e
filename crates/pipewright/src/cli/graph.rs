//! `pipewright graph`: the app's stacks and pipelines as a Mermaid or dot
//! diagram on stdout (the picture itself is [`crate::graph`]).

use super::select::select;
use super::{Exit, Printer};
use crate::App;
use crate::graph::{Format, Graph};

/// The diagram language, as `--format` spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub markdown).
    Mermaid,
    /// Graphviz dot (`dot -Tsvg`).
    Dot,
}

pub(super) fn run(
    app: &App,
    printer: &Printer,
    args: &[String],
    format: GraphFormat,
) -> anyhow::Result<Exit> {
    let names: Vec<&str> = app.stacks().iter().map(|s| s.name()).collect();
    let chosen = select(&names, args)?;
    let assembly = app.synth()?;
    let format = match format {
        GraphFormat::Mermaid => Format::Mermaid,
        GraphFormat::Dot => Format::Dot,
    };
    let text = Graph::new(&assembly, &chosen).render(format);
    printer.data_bytes(text.as_bytes())?;
    Ok(Exit::Success)
}

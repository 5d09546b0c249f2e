//! The command line: parses arguments, runs a command against an [`App`],
//! prints through the [`Printer`] and maps every outcome to an [`Exit`].
//!
//! This is the only layer that prints; the library below returns values and
//! errors.

mod exit;
mod list;
mod printer;
mod select;
mod synth;

pub use exit::Exit;
pub use printer::{ColorChoice, Printer};

use crate::App;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// Describe AWS CI/CD pipelines in Rust; synthesize, deploy, diff and
/// drift-check their CloudFormation stacks.
#[derive(Debug, Parser)]
#[command(name = "pipewright", version, after_help = exit::HELP)]
pub struct Cli {
    /// When to use colors.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print only errors and data.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the stacks with their environment and dependencies.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Synthesize templates into stacks/ and buildspecs/.
    ///
    /// Validates every stack first and writes nothing when anything is
    /// wrong. Files of stacks that no longer exist are removed (when no
    /// stack is named).
    #[command(after_help = exit::HELP)]
    Synth {
        /// Stacks to synthesize: names or globs such as `image-*`. Default: all.
        stacks: Vec<String>,
        /// Write nothing; exit 3 when a file is stale, missing or extra.
        #[arg(long)]
        check: bool,
        /// Template format.
        #[arg(long, value_enum, default_value_t = TemplateFormat::Yaml)]
        format: TemplateFormat,
        /// Directory that holds stacks/ and buildspecs/.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum TemplateFormat {
    Yaml,
    Json,
}

/// Runs the CLI on the process arguments; for `main`.
pub fn main(app: App) -> ExitCode {
    run(app, std::env::args_os()).into()
}

/// Runs the CLI on `args` (the first is the program name).
pub fn run(app: App, args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Exit::Success
                }
                _ => Exit::Usage,
            };
        }
    };
    let printer = Printer::new(cli.color, cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::List { format } => list::run(&app, &printer, format == ListFormat::Json),
        Command::Synth {
            stacks,
            check,
            format,
            out,
        } => {
            let format = match format {
                TemplateFormat::Yaml => crate::app::Format::Yaml,
                TemplateFormat::Json => crate::app::Format::Json,
            };
            synth::run(&app, &printer, &stacks, check, format, &out)
        }
    };
    match result {
        Ok(exit) => exit,
        Err(e) => report(&printer, &e),
    }
}

/// Prints an error with its details, causes and hint; returns its exit code.
fn report(printer: &Printer, e: &anyhow::Error) -> Exit {
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The reader of our stdout went away (`| head`): not an error.
        return Exit::Success;
    }
    let mut details = Vec::new();
    let mut hint = None;
    let mut exit = Exit::Failure;
    if let Some(lib) = e.downcast_ref::<crate::Error>() {
        if let crate::Error::Synth(problems) = lib {
            details = problems.iter().map(ToString::to_string).collect();
        }
        hint = lib.hint();
    }
    if let Some(sel) = e.downcast_ref::<select::SelectError>() {
        hint = sel.hint();
        exit = Exit::Usage;
    }
    let causes: Vec<String> = e.chain().skip(1).map(ToString::to_string).collect();
    printer.error(&e.to_string(), &details, &causes, hint.as_deref());
    exit
}

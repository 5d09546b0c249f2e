//! The printer owns stdout and stderr: data goes to stdout, diagnostics and
//! progress to stderr; `-q` silences status lines, `-v` adds detail, and
//! color follows `--color`, `NO_COLOR` and whether stderr is a terminal.

use anstyle::{AnsiColor, Style};
use std::io::{self, IsTerminal, Write};

/// When to color output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color when writing to a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Writes everything the CLI shows.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    color: bool,
    quiet: bool,
    verbose: bool,
}

/// Styles used in output.
pub mod style {
    use super::*;
    /// `error:`.
    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    /// `hint:`.
    pub const HINT: Style = AnsiColor::Cyan.on_default().bold();
    /// Additions and creations.
    pub const ADD: Style = AnsiColor::Green.on_default();
    /// Modifications.
    pub const CHANGE: Style = AnsiColor::Yellow.on_default();
    /// Removals.
    pub const REMOVE: Style = AnsiColor::Red.on_default();
    /// De-emphasized text.
    pub const DIM: Style = Style::new().dimmed();
}

impl Printer {
    /// A printer for these settings.
    pub fn new(color: ColorChoice, quiet: bool, verbose: bool) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stderr().is_terminal()
            }
        };
        Self {
            color,
            quiet,
            verbose,
        }
    }

    /// Whether status lines are silenced (`-q`).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// `text` in `style`, when coloring.
    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// A line of data on stdout.
    pub fn data(&self, line: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{line}")
    }

    /// A status line on stderr, unless quiet.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }

    /// A detail line on stderr, only with `-v`.
    pub fn detail(&self, line: &str) {
        if self.verbose && !self.quiet {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }

    /// An error about one stack, with the error's source chain as causes
    /// and its hint.
    #[cfg(feature = "cloud")]
    pub fn stack_error(&self, stack: &str, e: &crate::cloud::CloudError) {
        let causes: Vec<String> =
            std::iter::successors(std::error::Error::source(e), |s| s.source())
                .map(ToString::to_string)
                .collect();
        self.error(&format!("{stack}: {e}"), &[], &causes, e.hint().as_deref());
    }

    /// An error with its causes and a hint, on stderr (never silenced).
    pub fn error(&self, message: &str, details: &[String], causes: &[String], hint: Option<&str>) {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "{} {message}", self.paint(style::ERROR, "error:"));
        for d in details {
            let _ = writeln!(err, "  {d}");
        }
        for c in causes {
            let _ = writeln!(err, "  caused by: {c}");
        }
        if let Some(h) = hint {
            let _ = writeln!(err, "{} {h}", self.paint(style::HINT, "hint:"));
        }
    }
}

//! The printer owns stdout and stderr: data goes to stdout, diagnostics and
//! progress to stderr; `-q` silences status lines, `-v` adds detail, and
//! color follows `--color`, `NO_COLOR` and whether each stream is a
//! terminal.
//!
//! Color is decided per stream ([`StreamColors::decide`]): `pipewright diff >
//! file` run from a terminal paints its stderr but must not write escape
//! codes into the file, and `pipewright diff 2> log` paints the diff on the
//! terminal but not the log. Text for stdout is painted with
//! [`Printer::paint_data`], text for stderr with [`Printer::paint`].

use anstyle::{AnsiColor, Style};
use std::io::{self, IsTerminal, Write};

/// When to color output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color each stream that is a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Which streams are colored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamColors {
    /// Whether stdout (data) is colored.
    pub stdout: bool,
    /// Whether stderr (status, errors, progress) is colored.
    pub stderr: bool,
}

impl StreamColors {
    /// The decision for `choice`, given whether `NO_COLOR` is set to a
    /// non-empty value (<https://no-color.org>) and which streams are
    /// terminals. `always` and `never` apply to both streams and override
    /// `NO_COLOR`; `auto` colors a stream only when it is a terminal.
    pub fn decide(choice: ColorChoice, no_color: bool, stdout_tty: bool, stderr_tty: bool) -> Self {
        match choice {
            ColorChoice::Always => Self {
                stdout: true,
                stderr: true,
            },
            ColorChoice::Never => Self {
                stdout: false,
                stderr: false,
            },
            ColorChoice::Auto => Self {
                stdout: !no_color && stdout_tty,
                stderr: !no_color && stderr_tty,
            },
        }
    }

    /// The decision for `choice` in this process: its `NO_COLOR` and
    /// streams.
    pub fn detect(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self::decide(
            choice,
            no_color,
            io::stdout().is_terminal(),
            io::stderr().is_terminal(),
        )
    }
}

/// One of the two output streams, for text rendered before it is known
/// where it goes (a diff on stdout, the same lines in a deploy preview on
/// stderr).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stream {
    /// Data.
    Stdout,
    /// Diagnostics and progress.
    Stderr,
}

/// Writes everything the CLI shows.
#[derive(Clone, Copy, Debug)]
pub struct Printer {
    color: StreamColors,
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
        Self {
            color: StreamColors::detect(color),
            quiet,
            verbose,
        }
    }

    /// Whether status lines are silenced (`-q`).
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// `text` in `style`, for a line on stderr ([`Printer::status`],
    /// [`Printer::error`]): styled only when stderr is colored.
    pub fn paint(&self, style: Style, text: &str) -> String {
        styled(self.color.stderr, style, text)
    }

    /// `text` in `style`, for a line on stdout ([`Printer::data`]): styled
    /// only when stdout is colored.
    pub fn paint_data(&self, style: Style, text: &str) -> String {
        styled(self.color.stdout, style, text)
    }

    /// `text` in `style`, for a line on `stream`.
    pub fn paint_on(&self, stream: Stream, style: Style, text: &str) -> String {
        match stream {
            Stream::Stdout => self.paint_data(style, text),
            Stream::Stderr => self.paint(style, text),
        }
    }

    /// A line of data on stdout.
    pub fn data(&self, line: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{line}")
    }

    /// Bytes on stdout as they are (a generated file such as a completion
    /// script, which ends with its own newline).
    pub fn data_bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
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

fn styled(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(choice: ColorChoice, no_color: bool, out: bool, err: bool) -> (bool, bool) {
        let c = StreamColors::decide(choice, no_color, out, err);
        (c.stdout, c.stderr)
    }

    #[test]
    fn auto_colors_each_stream_that_is_a_terminal() {
        use ColorChoice::Auto;
        assert_eq!(decide(Auto, false, true, true), (true, true));
        assert_eq!(
            decide(Auto, false, false, true),
            (false, true),
            "`diff > file` from a terminal"
        );
        assert_eq!(
            decide(Auto, false, true, false),
            (true, false),
            "`diff 2> log` from a terminal"
        );
        assert_eq!(decide(Auto, false, false, false), (false, false));
    }

    #[test]
    fn no_color_turns_auto_off_for_both_streams() {
        for out in [false, true] {
            for err in [false, true] {
                assert_eq!(decide(ColorChoice::Auto, true, out, err), (false, false));
            }
        }
    }

    #[test]
    fn always_and_never_apply_to_both_streams_whatever_the_environment() {
        for no_color in [false, true] {
            for out in [false, true] {
                for err in [false, true] {
                    assert_eq!(
                        decide(ColorChoice::Always, no_color, out, err),
                        (true, true)
                    );
                    assert_eq!(
                        decide(ColorChoice::Never, no_color, out, err),
                        (false, false)
                    );
                }
            }
        }
    }

    #[test]
    fn paint_follows_stderr_and_paint_data_follows_stdout() {
        let p = Printer {
            color: StreamColors {
                stdout: false,
                stderr: true,
            },
            quiet: false,
            verbose: false,
        };
        assert_eq!(p.paint_data(style::ADD, "x"), "x");
        assert_eq!(p.paint(style::ADD, "x"), "\x1b[32mx\x1b[0m");
        let p = Printer {
            color: StreamColors {
                stdout: true,
                stderr: false,
            },
            ..p
        };
        assert_eq!(p.paint_data(style::ADD, "x"), "\x1b[32mx\x1b[0m");
        assert_eq!(p.paint(style::ADD, "x"), "x");
    }
}

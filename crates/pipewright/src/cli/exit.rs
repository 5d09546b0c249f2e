//! Exit codes: one enum, documented in `--help`.

use std::process::ExitCode;

/// How a pipewright command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: success, or nothing to report.
    Success,
    /// 1: an error.
    Failure,
    /// 2: the command line is wrong.
    Usage,
    /// 3: differences found (`synth --check`, `diff --exit-code`, `drift`).
    Differences,
    /// 4: a stack operation ended in a failed or rolled-back state.
    StackFailed,
    /// 130: interrupted (Ctrl-C).
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Differences => 3,
            Exit::StackFailed => 4,
            Exit::Interrupted => 130,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}

/// The exit codes, as shown at the end of `--help`.
pub const HELP: &str = "\
Exit codes:
  0    success, or nothing to report
  1    error
  2    usage error
  3    differences found (synth --check, diff --exit-code, drift)
  4    a stack operation ended in a failed or rolled-back state
  130  interrupted";

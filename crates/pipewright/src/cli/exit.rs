//! Exit codes: one enum, listed in `--help`.
//!
//! Each variant's code and meaning are written once, in the `exits!`
//! table below; the enum, [`Exit::code`], [`Exit::meaning`] and the
//! `Exit codes:` section of `--help` ([`help`]) are all generated from it,
//! so the help cannot drift from what the process returns.

use std::process::ExitCode;

/// Defines [`Exit`] from `Variant = code, "meaning";` rows.
macro_rules! exits {
    ($($variant:ident = $code:literal, $meaning:literal;)+) => {
        /// How a pipewright command ended.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Exit {
            $(
                #[doc = concat!(stringify!($code), ": ", $meaning, ".")]
                $variant,
            )+
        }

        impl Exit {
            /// Every exit status, in the order `--help` lists them.
            pub const ALL: &'static [Exit] = &[$(Exit::$variant),+];

            /// The process exit code.
            pub fn code(self) -> u8 {
                match self {
                    $(Exit::$variant => $code,)+
                }
            }

            /// What the code means, as `--help` shows it.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Exit::$variant => $meaning,)+
                }
            }
        }
    };
}

exits! {
    Success = 0, "success, or nothing to report";
    Failure = 1, "error";
    Usage = 2, "usage error: the command line is wrong";
    Differences = 3, "differences found (synth --check, diff --exit-code, drift)";
    StackFailed = 4, "a stack operation ended in a failed or rolled-back state";
    DataAtRisk = 5, "deploy refused a change that replaces or deletes data (allow it with --allow-replace)";
    Interrupted = 130, "interrupted (Ctrl-C)";
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}

/// The exit codes, as shown at the end of `--help`: one line per
/// [`Exit`] variant, its code and its meaning.
pub fn help() -> String {
    let mut out = String::from("Exit codes:");
    for e in Exit::ALL {
        out.push_str(&format!("\n  {:<5}{}", e.code(), e.meaning()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_code_once_in_order() {
        assert_eq!(
            help(),
            "Exit codes:\n  0    success, or nothing to report\n  1    error\n  2    usage error: the command line is wrong\n  3    differences found (synth --check, diff --exit-code, drift)\n  4    a stack operation ended in a failed or rolled-back state\n  5    deploy refused a change that replaces or deletes data (allow it with --allow-replace)\n  130  interrupted (Ctrl-C)"
        );
    }

    #[test]
    fn codes_are_distinct() {
        let mut codes: Vec<u8> = Exit::ALL.iter().map(|e| e.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Exit::ALL.len());
    }
}

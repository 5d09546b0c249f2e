//! Terminal transcripts of the `pipewright` binary, as ruff's and just's
//! CLI tests write them: one run in a cleared environment, and one text
//! holding its exit code, stdout and stderr, with everything that varies
//! between runs (loopback ports, change-set names, temporary paths, times
//! and durations) replaced by stable placeholders. A test then reads like
//! the terminal session it checks, and one snapshot covers all three
//! outputs.
//!
//! ```ignore
//! let run = Run::new(&["synth", "--check"]).dir(&repo()).output();
//! assert_transcript!("check_clean", run);
//! ```

use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// A `pipewright` command line to run, and its environment.
pub struct Run {
    args: Vec<String>,
    dir: Option<PathBuf>,
    env: Vec<(String, String)>,
    home: tempfile::TempDir,
}

/// What a run did: its exit code and both streams, with the paths to hide.
pub struct Ran {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// stdout as text.
    pub stdout: String,
    /// stderr as text.
    pub stderr: String,
    paths: Vec<(PathBuf, &'static str)>,
}

impl Run {
    /// `pipewright ARGS`, with HOME a new empty temporary directory.
    pub fn new(args: &[&str]) -> Self {
        Self {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            dir: None,
            env: Vec::new(),
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Runs in `dir` (default: the temporary HOME).
    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_owned());
        self
    }

    /// Adds one environment variable; nothing else of the test's
    /// environment reaches the binary but PATH and HOME.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Points the run at a CloudFormation endpoint with dummy credentials,
    /// in `us-east-1`, with no AWS config or credentials file.
    pub fn aws(self, endpoint: &str) -> Self {
        self.env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
    }

    /// Runs the binary with stdin closed (not a terminal).
    pub fn output(self) -> Ran {
        let dir = self.dir.clone().unwrap_or_else(|| self.home.path().into());
        let mut c = Command::new(env!("CARGO_BIN_EXE_pipewright"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(&self.args)
            .current_dir(&dir)
            .stdin(Stdio::null());
        let out = c.output().expect("run pipewright");
        let mut paths = vec![(dir, "[DIR]"), (self.home.path().to_owned(), "[HOME]")];
        // The longest path first, so a directory inside HOME is [DIR].
        paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.as_os_str().len()));
        Ran {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            paths,
        }
    }
}

impl Ran {
    /// The transcript: exit code, stdout and stderr, filtered.
    pub fn transcript(&self) -> String {
        format!(
            "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}\n",
            self.code == Some(0),
            self.code.map_or("signal".to_owned(), |c| c.to_string()),
            self.filter(&self.stdout),
            self.filter(&self.stderr),
        )
    }

    /// `text` with this run's paths and every varying value replaced.
    pub fn filter(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (path, placeholder) in &self.paths {
            for form in [path.clone(), path.canonicalize().unwrap_or_default()] {
                let form = form.to_string_lossy();
                if !form.is_empty() {
                    text = text.replace(form.as_ref(), placeholder);
                }
            }
        }
        filter(&text)
    }
}

/// Replaces what varies between runs with placeholders: loopback ports,
/// change-set names (`pipewright[-purpose]-<12 hex>-<unix seconds>`, see
/// `cloud::change_set::name`), temporary paths, timestamps, times of
/// day and durations.
pub fn filter(text: &str) -> String {
    static FILTERS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let filters = FILTERS.get_or_init(|| {
        [
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (r"localhost:\d+", "localhost:[PORT]"),
            (
                r"\bpipewright-(?:[a-z]+-)?[0-9a-f]{12}-\d+\b",
                "[CHANGE_SET]",
            ),
            (r"(?:/private)?/tmp/\.tmp[A-Za-z0-9]+", "[TEMP]"),
            (
                r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?",
                "[TIMESTAMP]",
            ),
            (r"\b\d{2}:\d{2}:\d{2}\b", "[TIME]"),
            (r"\b\d+(?:\.\d+)?(?:ms|s)\b", "[DURATION]"),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).expect("filter regex"), to))
        .collect()
    });
    let mut text = text.to_owned();
    for (re, to) in filters {
        text = re.replace_all(&text, *to).into_owned();
    }
    text
}

/// Snapshots a [`Ran`]'s transcript with insta, named after the test
/// (or the name given first).
macro_rules! assert_transcript {
    ($ran:expr) => {
        insta::assert_snapshot!($ran.transcript())
    };
    ($name:expr, $ran:expr) => {
        insta::assert_snapshot!($name, $ran.transcript())
    };
}
pub(crate) use assert_transcript;

#[test]
fn filters_replace_what_varies_and_keep_the_rest() {
    let text = "endpoint http://127.0.0.1:45123/ and localhost:8080\n\
        change set pipewright-diff-0123456789ab-1767225600 and pipewright-abcdef012345-1767225600\n\
        wrote /tmp/.tmpAbC123/stacks/x.yaml\n\
        at 2026-01-01T10:04:05.123Z: 10:04:05  CREATE_COMPLETE in 12.5s (300ms)\n\
        stacks/artifact-store.yaml: 3 files, port 127.0.0.1";
    assert_eq!(
        filter(text),
        "endpoint http://127.0.0.1:[PORT]/ and localhost:[PORT]\n\
        change set [CHANGE_SET] and [CHANGE_SET]\n\
        wrote [TEMP]/stacks/x.yaml\n\
        at [TIMESTAMP]: [TIME]  CREATE_COMPLETE in [DURATION] ([DURATION])\n\
        stacks/artifact-store.yaml: 3 files, port 127.0.0.1"
    );
}

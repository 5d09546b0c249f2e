//! Helpers shared by the tests: the built binary, the repository, and the
//! external tools the suite installs (`scripts/test`). Transcripts of CLI
//! runs are in [`transcript`]; the Python helpers beside this file
//! (`aws_state.py`, `aws_update.py`, `yaml11_check.py`, `dot_check.py`)
//! read what boto3, PyYAML and pydot see.

pub mod transcript;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `pipewright` binary, run in `dir` with a clean color environment.
pub fn pipewright(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pipewright"));
    c.current_dir(dir)
        .env_remove("NO_COLOR")
        .env("TERM", "dumb");
    c
}

/// An external test tool. A missing tool is a failure that says how to get
/// it, never a skip.
pub fn tool(name: &str, args: &[&str]) -> Output {
    match Command::new(name).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run `{name}` ({e}): run ./scripts/test, which installs the pinned test tools"
        ),
    }
}

/// stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Copies the committed `stacks/` and `buildspecs/` into a new temporary
/// directory.
pub fn copy_outputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["stacks", "buildspecs"] {
        copy_tree(&repo().join(sub), &dir.path().join(sub));
    }
    dir
}

/// Copies a directory tree; a missing source copies nothing.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Every file below `dir`, as (relative path, bytes), sorted.
pub fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let entry = entry.expect("dir entry");
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("prefix");
            out.push((
                rel.to_string_lossy().into_owned(),
                std::fs::read(&path).expect("read"),
            ));
        }
    }
}

/// `{"Fn::Sub": text}`, as templates are compared in JSON.
pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// The statements of the `grants` inline policy of role `id` among a
/// template's `resources`.
pub fn granted(resources: &Value, id: &str) -> Vec<Value> {
    let policies = resources[id]["Properties"]["Policies"]
        .as_array()
        .unwrap_or_else(|| panic!("{id} has no Policies: {resources:#}"));
    let grants = policies
        .iter()
        .find(|p| p["PolicyName"] == "grants")
        .expect("a `grants` policy");
    grants["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone()
}

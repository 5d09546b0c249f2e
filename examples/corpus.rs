//! Reads every CloudFormation template below a directory with pipewright's
//! reader and writes each one back with both emitters, so the reader and
//! emitters can be checked against templates written by others:
//!
//! ```sh
//! cargo run --release --example corpus -- ../shared/corpus /tmp/corpus-out
//! .venv/bin/python3 scripts/corpus_check.py ../shared/corpus /tmp/corpus-out
//! ```
//!
//! For each template read, `OUT/<path>.json` and `OUT/<path>.yaml` hold the
//! emitted forms; `OUT/refused.tsv` lists each refused file with the
//! reader's message. Prints the counts.

// A command-line program: printing its counts and errors is its job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use pipewright::template::{json, reader, yaml};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn templates(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            templates(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json" | "template"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: corpus DIR OUT");
        return ExitCode::from(2);
    };
    let (dir, out) = (Path::new(dir), Path::new(out));
    let mut files = Vec::new();
    if let Err(e) = templates(dir, &mut files) {
        eprintln!("error: cannot list `{}`: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    files.sort();
    let (mut read, mut refused) = (0, Vec::new());
    for file in &files {
        let rel = file.strip_prefix(dir).unwrap_or(file);
        let body = match std::fs::read_to_string(file) {
            Ok(b) => b,
            Err(e) => {
                refused.push(format!("{}\tunreadable: {e}", rel.display()));
                continue;
            }
        };
        let template = match reader::parse(&body) {
            Ok(t) => t,
            Err(e) => {
                let message = e.to_string().replace(['\t', '\n'], " ");
                refused.push(format!("{}\t{message}", rel.display()));
                continue;
            }
        };
        read += 1;
        let target = out.join(rel);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                std::fs::write(
                    format!("{}.json", target.display()),
                    json::to_string(&template),
                )
            })
            .and_then(|()| {
                std::fs::write(
                    format!("{}.yaml", target.display()),
                    yaml::to_string(&template),
                )
            });
        if let Err(e) = written {
            eprintln!("error: cannot write below `{}`: {e}", out.display());
            return ExitCode::FAILURE;
        }
    }
    let list = refused.join("\n");
    if let Err(e) = std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(out.join("refused.tsv"), list + "\n"))
    {
        eprintln!("error: cannot write `refused.tsv`: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "{} templates: {read} read, {} refused",
        files.len(),
        refused.len()
    );
    ExitCode::SUCCESS
}

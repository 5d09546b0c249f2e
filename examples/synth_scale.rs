//! Synthesizes an app of N copies of the `image-pipeline` stack (distinct
//! stack names) into a directory, the same way `pipewright synth` does, so
//! synth speed can be measured against other tools:
//!
//! ```sh
//! cargo run --release --example synth_scale -- --stacks 50 --out /tmp/scale
//! ```
//!
//! It reports the time from before the first stack is built to after the
//! last file is written, which is what `scripts/troposphere_scale.py`
//! measures of troposphere building and writing the same stacks, and how
//! much of it building the app took.

use pipewright::App;
use pipewright::app::{Format, files};
use pipewright_app::image_pipeline;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut stacks: usize = 1;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--stacks", Some(n)) => match n.parse() {
                Ok(n) => stacks = n,
                Err(_) => return usage(&format!("`--stacks {n}` is not a whole number")),
            },
            ("--out", Some(dir)) => out = Some(PathBuf::from(dir)),
            _ => return usage(&format!("unexpected argument `{arg}`")),
        }
    }
    let Some(out) = out else {
        return usage("`--out DIR` is required");
    };

    let start = Instant::now();
    let mut app = App::new();
    for i in 1..=stacks {
        app.add(image_pipeline::webhook_named(&format!(
            "image-pipeline-{i}"
        )));
    }
    let built = start.elapsed();
    let mut tree = files::Tree::stage(&out);
    let result = app
        .synth_each(Format::Yaml, |artifact| tree.add(&artifact))
        .and_then(|()| {
            let changes = tree.changes(true)?;
            tree.publish(&changes)?;
            Ok(changes.len())
        });
    let elapsed = start.elapsed();
    match result {
        Ok(files) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "synthesized {stacks} stacks, {files} files, into {} in {:.1} ms \
                     (building the app: {:.1} ms)",
                    out.display(),
                    elapsed.as_secs_f64() * 1000.0,
                    built.as_secs_f64() * 1000.0
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("error: {problem}\nusage: synth_scale --stacks N --out DIR");
    }
    ExitCode::from(2)
}

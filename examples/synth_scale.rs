//! Synthesizes an app of N copies of the `image-pipeline` stack (distinct
//! stack names) into a directory, the same way `pipewright synth` does, so
//! synth speed can be measured against other tools:
//!
//! ```sh
//! cargo run --release --example synth_scale -- --stacks 50 --out /tmp/scale
//! ```

use pipewright::App;
use pipewright::app::files;
use pipewright_app::image_pipeline;
use std::path::PathBuf;
use std::process::ExitCode;

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

    let mut app = App::new();
    for i in 1..=stacks {
        app.add(image_pipeline::webhook_named(&format!(
            "image-pipeline-{i}"
        )));
    }
    let result = app.synth().and_then(|assembly| {
        let changes = files::plan(&out, &assembly)?;
        files::apply(&out, &assembly, &changes)?;
        Ok(changes.len())
    });
    match result {
        Ok(files) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "synthesized {stacks} stacks, {files} files, into {}",
                    out.display()
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

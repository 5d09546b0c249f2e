//! What every command that talks to AWS does first, before any API call:
//! choose the stacks, check the committed templates, check the parameters,
//! and make sure a confirm can be asked.

use super::Printer;
use super::select::select;
use crate::App;
use crate::app::files;
use crate::app::{Artifact, Assembly};
use crate::cloud::deploy::StackPlan;
use crate::cloud::{Cloud, CloudError, Connect};
use crate::parameters::{self, Override, ParameterFile, ParameterProblem};
use std::io::IsTerminal;
use std::path::Path;

/// A command-line problem found before any API call: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(super) struct UsageError {
    pub(super) message: String,
    pub(super) hint: Option<String>,
}

/// Problems that stop a deploy before any API call: exit 1, with details.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refusal {
    #[error("{} committed {} not match the code", .0.len(), if .0.len() == 1 { "file does" } else { "files do" })]
    Stale(Vec<String>),
    #[error("{} parameter {}", .0.len(), if .0.len() == 1 { "problem" } else { "problems" })]
    Parameters(Vec<ParameterProblem>),
}

impl Refusal {
    pub(super) fn details(&self) -> Vec<String> {
        match self {
            Refusal::Stale(files) => files.clone(),
            Refusal::Parameters(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    pub(super) fn hint(&self) -> String {
        match self {
            Refusal::Stale(_) => "what is deployed must be what was reviewed: run `pipewright synth`, review and commit the files, then deploy".into(),
            Refusal::Parameters(_) => "fix the parameter files or the --parameter flags; write \"${env:NAME}\" to take a secret from the environment".into(),
        }
    }
}

/// The stacks named (names or globs), or all with `all`; naming none
/// without `all` is a usage error (deploy and destroy never act on
/// everything by default; read-only commands pass `all = true`).
pub(super) fn choose(
    app: &App,
    args: &[String],
    all: bool,
    command: &str,
) -> anyhow::Result<Vec<String>> {
    let names: Vec<&str> = app.stacks().iter().map(|s| s.name()).collect();
    if args.is_empty() && !all {
        return Err(UsageError {
            message: format!("name the stacks to {command}, or pass --all"),
            hint: Some(format!("the stacks are {}", names.join(", "))),
        }
        .into());
    }
    Ok(select(&names, args)?)
}

/// The chosen stacks' artifacts, in dependency order.
pub(super) fn artifacts<'a>(assembly: &'a Assembly, chosen: &[String]) -> Vec<&'a Artifact> {
    assembly
        .stacks
        .iter()
        .filter(|s| chosen.contains(&s.name))
        .collect()
}

/// Refuses when a chosen stack's committed template or buildspecs differ
/// from what the code produces.
pub(super) fn check_committed(
    root: &Path,
    assembly: &Assembly,
    chosen: &[&Artifact],
) -> anyhow::Result<()> {
    let stale = files::stale(root, assembly, chosen)?;
    if stale.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Stale(stale).into())
    }
}

/// Reads and checks the parameters of every chosen stack; every problem of
/// every stack is reported at once.
pub(super) fn plans<'a>(
    root: &Path,
    chosen: &[&'a Artifact],
    overrides: &[Override],
) -> anyhow::Result<Vec<StackPlan<'a>>> {
    let mut problems = Vec::new();
    for o in overrides {
        let applies = |a: &&&Artifact| match &o.stack {
            Some(s) => a.name == *s,
            None => a.template.parameters.keys().any(|k| k.as_str() == o.key),
        };
        if !chosen.iter().any(|a| applies(&a)) {
            problems.push(ParameterProblem {
                origin: "--parameter".into(),
                key: Some(o.key.clone()),
                message: match &o.stack {
                    Some(s) => format!("stack `{s}` is not being deployed"),
                    None => "no stack being deployed declares this parameter".into(),
                },
            });
        }
    }
    let env = |name: &str| std::env::var(name).ok();
    let mut out = Vec::new();
    for art in chosen {
        let path = Path::new(parameters::PARAMETERS_DIR).join(format!("{}.json", art.name));
        let file = match ParameterFile::load(&root.join(&path)) {
            Ok(f) => f.map(|mut f| {
                f.path = path.clone();
                f
            }),
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        let mine: Vec<Override> = overrides
            .iter()
            .filter(|o| match &o.stack {
                Some(s) => *s == art.name,
                None => art.template.parameters.keys().any(|k| k.as_str() == o.key),
            })
            .cloned()
            .collect();
        match parameters::resolve(&art.template, &path, file.as_ref(), &mine, &env) {
            Ok(p) => {
                for (k, v) in &p.tags {
                    if let Some(code) = art.tags.get(k)
                        && code != v
                    {
                        problems.push(ParameterProblem {
                            origin: path.display().to_string(),
                            key: Some(k.clone()),
                            message: format!("tag conflicts with the code's tag value `{code}`; set it in one place"),
                        });
                    }
                }
                out.push(StackPlan {
                    artifact: art,
                    parameters: p,
                    bootstrap: None,
                });
            }
            Err(p) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Refusal::Parameters(problems).into())
    }
}

/// Refuses to go on without `--yes` when no one can answer a confirm.
pub(super) fn require_terminal(yes: bool, command: &str) -> anyhow::Result<()> {
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(UsageError {
        message: format!("{command} asks for a confirm, but stdin is not a terminal"),
        hint: Some(format!(
            "pass --yes to {command} without asking (in CI, for example)"
        )),
    }
    .into())
}

/// Connects and runs the checks every stack shares (profile, credentials,
/// region) once, so that such a problem is said once, not per stack.
pub(super) fn connect(
    rt: &tokio::runtime::Runtime,
    connect: &Connect,
    stacks: &[&Artifact],
) -> Result<Cloud, CloudError> {
    rt.block_on(async {
        let cloud = Cloud::connect(connect).await?;
        cloud.preflight(stacks).await?;
        Ok(cloud)
    })
}

/// Prints per-stack errors; one that is the same for every stack (see
/// [`CloudError::is_shared`]) is said once, without a stack name.
#[derive(Default)]
pub(super) struct StackErrors {
    said: Vec<String>,
}

impl StackErrors {
    pub(super) fn report(&mut self, printer: &Printer, stack: &str, e: &CloudError) {
        if !e.is_shared() {
            printer.stack_error(stack, e);
            return;
        }
        let text = e.to_string();
        if self.said.contains(&text) {
            return;
        }
        let causes: Vec<String> =
            std::iter::successors(std::error::Error::source(e), |s| s.source())
                .map(ToString::to_string)
                .collect();
        printer.error(&text, &[], &causes, e.hint().as_deref());
        self.said.push(text);
    }
}

/// A tokio runtime for one command.
pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

//! `pipewright list`: stacks, their environment and dependencies.

use super::{Exit, Printer};
use crate::App;

pub(super) fn run(app: &App, printer: &Printer, json: bool) -> anyhow::Result<Exit> {
    let assembly = app.synth()?;
    if json {
        let stacks: Vec<serde_json::Value> = assembly
            .stacks
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "account": s.env.account,
                    "region": s.env.region,
                    "deploy_role": s.env.deploy_role,
                    "execution_role": s.env.execution_role,
                    "own_credentials": s.env.own_credentials,
                    "dependencies": s.dependencies,
                    "capabilities": s.capabilities.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "template": s.template_path(),
                })
            })
            .collect();
        printer.data(&serde_json::to_string_pretty(&stacks)?)?;
        return Ok(Exit::Success);
    }
    let rows: Vec<[String; 3]> = assembly
        .stacks
        .iter()
        .map(|s| {
            let deps = if s.dependencies.is_empty() {
                "-".to_owned()
            } else {
                s.dependencies.join(", ")
            };
            [s.name.clone(), s.env.to_string(), deps]
        })
        .collect();
    let header = [
        "STACK".to_owned(),
        "ENVIRONMENT".to_owned(),
        "DEPENDS ON".to_owned(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!("{:w0$}  {:w1$}  {}", row[0], row[1], row[2]);
        printer.data(line.trim_end())?;
    }
    Ok(Exit::Success)
}

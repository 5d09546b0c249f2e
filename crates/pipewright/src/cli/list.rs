//! `pipewright list`: stacks, their environment and dependencies; with
//! `--permissions`, what each role may do and why.

use super::{Exit, Printer};
use crate::App;
use crate::construct::Need;
use crate::template::json;
use indexmap::IndexMap;

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
                    "termination_protection": s.termination_protection,
                    "stack_policy": {
                        "on": s.protection.stack_policy().is_some(),
                        "protected": s.protection.guarded,
                        "allowed": s.protection.allowed,
                        "opted_out": s.protection.opted_out,
                    },
                })
            })
            .collect();
        printer.data(&serde_json::to_string_pretty(&stacks)?)?;
        return Ok(Exit::Success);
    }
    let rows: Vec<[String; 4]> = assembly
        .stacks
        .iter()
        .map(|s| {
            let deps = if s.dependencies.is_empty() {
                "-".to_owned()
            } else {
                s.dependencies.join(", ")
            };
            [s.name.clone(), s.env.to_string(), protection_cell(s), deps]
        })
        .collect();
    let header = [
        "STACK".to_owned(),
        "ENVIRONMENT".to_owned(),
        "PROTECTION".to_owned(),
        "DEPENDS ON".to_owned(),
    ];
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!("{:w0$}  {:w1$}  {:w2$}  {}", row[0], row[1], row[2], row[3]);
        printer.data(line.trim_end())?;
    }
    Ok(Exit::Success)
}

/// A stack's protection in a word or two: `termination` when termination
/// protection is on, `policy(A,B)` with the IDs the stack policy guards,
/// `unprotected` for a stack that opted out, `-` for none.
fn protection_cell(s: &crate::app::Artifact) -> String {
    let mut parts = Vec::new();
    if s.termination_protection {
        parts.push("termination".to_owned());
    }
    if !s.protection.guarded.is_empty() {
        parts.push(format!("policy({})", s.protection.guarded.join(",")));
    }
    if s.protection.opted_out.is_some() {
        parts.push("unprotected".to_owned());
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join(" ")
    }
}

/// What one role may do and what its builds run, gathered from every stack
/// (a role's grants may be made in another stack).
#[derive(Default)]
struct RoleView {
    /// Each statement as a line, as JSON, and the needs behind it.
    grants: Vec<(String, serde_json::Value, Vec<Need>)>,
    calls: Vec<(String, String, String, String)>,
    unread: Vec<(String, Vec<String>)>,
}

/// `list --permissions`: per role, the statements granted to it (in any
/// stack), the AWS CLI calls of its builds with the
/// action each needs, and the programs pipewright cannot read into.
pub(super) fn permissions(app: &App, printer: &Printer, as_json: bool) -> anyhow::Result<Exit> {
    // Validated first: the listing is of an app that synthesizes.
    app.synth()?;
    let mut roles: IndexMap<String, RoleView> = IndexMap::new();
    for (stack, p) in &app.permissions() {
        for g in &p.grants {
            let view = roles
                .entry(format!("{}/{}", g.role_stack, g.role))
                .or_default();
            let statement = json::expr(&g.statement.to_expr());
            let line = statement_line(&statement);
            // Several constructs may grant the same (two pipelines running
            // one project); the policy holds it once, for every need.
            match view.grants.iter_mut().find(|(l, _, _)| *l == line) {
                Some((_, _, needs)) if !needs.contains(&g.need) => needs.push(g.need.clone()),
                Some(_) => {}
                None => view.grants.push((line, statement, vec![g.need.clone()])),
            }
        }
        for c in &p.calls {
            let view = roles.entry(format!("{stack}/{}", c.role)).or_default();
            view.calls.push((
                c.project.clone(),
                c.call.command.clone(),
                c.call.phase.key().to_owned(),
                c.call.action.clone(),
            ));
        }
        for u in &p.unread {
            let view = roles.entry(format!("{stack}/{}", u.role)).or_default();
            view.unread.push((u.project.clone(), u.programs.clone()));
        }
    }
    if as_json {
        let out: Vec<serde_json::Value> = roles
            .iter()
            .map(|(role, v)| {
                serde_json::json!({
                    "role": role,
                    "statements": v.grants.iter().map(|(_, s, needs)| serde_json::json!({"statement": s, "needs": needs.iter().map(need_json).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                    "calls": v.calls.iter().map(|(project, command, phase, action)| serde_json::json!({"project": project, "command": command, "phase": phase, "action": action})).collect::<Vec<_>>(),
                    "unread": v.unread.iter().map(|(project, programs)| serde_json::json!({"project": project, "programs": programs})).collect::<Vec<_>>(),
                })
            })
            .collect();
        printer.data(&serde_json::to_string_pretty(&out)?)?;
        return Ok(Exit::Success);
    }
    for (role, v) in &roles {
        printer.data(role)?;
        for (line, _, needs) in &v.grants {
            printer.data(&format!("  {line}"))?;
            for need in needs {
                printer.data(&format!("    why: {need}"))?;
            }
        }
        for (project, command, phase, action) in &v.calls {
            printer.data(&format!(
                "  {project} runs `{command}` in {phase}: needs {action}"
            ))?;
        }
        for (project, programs) in &v.unread {
            printer.data(&format!(
                "  {project} runs {}: not read, what they need is granted by hand",
                programs.join(", ")
            ))?;
        }
    }
    Ok(Exit::Success)
}

/// A need in `list --permissions --format json`: `{"what", "doc"}`, or
/// `{"hand": true}` for a grant made by hand.
fn need_json(need: &Need) -> serde_json::Value {
    match need {
        Need::Feature { what, doc } => serde_json::json!({"what": what, "doc": doc}),
        Need::Hand => serde_json::json!({"hand": true}),
        other => serde_json::json!({"what": other.to_string()}),
    }
}

/// A statement as one line: `Allow a, b on R1, R2 when ...`.
fn statement_line(statement: &serde_json::Value) -> String {
    let list = |v: &serde_json::Value| match v {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| super::inline::value(&Some(i.clone())))
            .collect::<Vec<_>>()
            .join(", "),
        other => super::inline::value(&Some(other.clone())),
    };
    let actions: Vec<&str> = statement["Action"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let mut line = format!(
        "{} {}",
        statement["Effect"].as_str().unwrap_or("Allow"),
        actions.join(", ")
    );
    if !statement["Resource"].is_null() {
        line.push_str(&format!(" on {}", list(&statement["Resource"])));
    }
    if !statement["Condition"].is_null() {
        line.push_str(&format!(
            " when {}",
            super::inline::value(&Some(statement["Condition"].clone()))
        ));
    }
    line
}

//! The terminal side of a stack operation: progress lines, a progress bar
//! per stack on a terminal, change-set summaries and the confirm prompt.

use super::printer::{Printer, style};
use crate::cloud::{Preview, Progress, Ui};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;

/// Shows progress on stderr; bars only when stderr is a terminal.
pub(super) struct TerminalUi<'a> {
    printer: &'a Printer,
    bars: Option<MultiProgress>,
    active: Mutex<HashMap<String, ProgressBar>>,
    prompt: Mutex<()>,
    width: usize,
}

impl<'a> TerminalUi<'a> {
    pub(super) fn new(printer: &'a Printer, names: &[&str]) -> Self {
        let bars = (std::io::stderr().is_terminal() && !printer.is_quiet())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            printer,
            bars,
            active: Mutex::new(HashMap::new()),
            prompt: Mutex::new(()),
            width: names.iter().map(|n| n.len()).max().unwrap_or(0),
        }
    }

    /// A status line, printed above the bars when there are any.
    pub(super) fn line(&self, text: &str) {
        match &self.bars {
            Some(m) if !self.printer.is_quiet() => {
                let _ = m.println(text);
            }
            _ => self.printer.status(text),
        }
    }

    fn prefix(&self, stack: &str) -> String {
        self.printer
            .paint(style::DIM, &format!("{stack:<width$}", width = self.width))
    }

    fn finish_bar(&self, stack: &str) {
        if let Some(bar) = self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(stack)
        {
            bar.finish_and_clear();
        }
    }
}

impl Ui for TerminalUi<'_> {
    fn progress(&self, stack: &str, progress: Progress<'_>) {
        let p = self.prefix(stack);
        match progress {
            Progress::Waiting { status } => {
                self.line(&format!("{p}  {status}: waiting for it to settle"))
            }
            Progress::Unchanged => self.line(&format!(
                "{p}  unchanged (template, parameters and tags match the deployed stack)"
            )),
            Progress::ChangeSet {
                name,
                summary,
                preview,
            } => {
                self.line(&format!("{p}  change set {name}: {}", summary.counts()));
                if summary.is_empty() {
                    self.line(&format!(
                        "{p}    no resource changes: only parameter values, tags or outputs change"
                    ));
                }
                for l in summary.lines() {
                    let s = match l.chars().next() {
                        Some('+') => style::ADD,
                        Some('-') => style::REMOVE,
                        _ => style::CHANGE,
                    };
                    self.line(&format!("{p}    {}", self.printer.paint(s, &l)));
                }
                for l in preview_lines(self.printer, preview) {
                    self.line(&format!("{p}  {l}"));
                }
            }
            Progress::Started {
                operation,
                resources,
            } => {
                self.line(&format!("{p}  {operation} started"));
                if let Some(m) = &self.bars {
                    let bar = m.add(ProgressBar::new(resources as u64));
                    bar.set_style(
                        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(stack.to_owned());
                    bar.set_message(operation.to_owned());
                    self.active
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(stack.to_owned(), bar);
                }
            }
            Progress::Event(e) => {
                let line = e.line();
                let painted = if e.is_failure() {
                    self.printer.paint(style::REMOVE, &line)
                } else {
                    line
                };
                self.line(&format!("{p}  {painted}"));
                if e.resource_type == "AWS::CloudFormation::Stack"
                    && !e.status.as_str().ends_with("IN_PROGRESS")
                {
                    self.finish_bar(stack);
                } else if e.status.as_str().ends_with("_COMPLETE")
                    && let Some(bar) = self
                        .active
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(stack)
                {
                    bar.inc(1);
                }
            }
            Progress::Note(n) => self.line(&format!("{p}  {n}")),
            Progress::StackSetPlan(plan) => {
                for l in stack_set_plan_lines(plan) {
                    let s = match l.chars().next() {
                        Some('+') => style::ADD,
                        Some('-') => style::REMOVE,
                        _ => style::CHANGE,
                    };
                    self.line(&format!("{p}    {}", self.printer.paint(s, &l)));
                }
            }
            Progress::Instance(r) => {
                let line = format!(
                    "{} {} {}{}",
                    r.account,
                    r.region,
                    r.status,
                    r.reason
                        .as_deref()
                        .map(|w| format!(": {w}"))
                        .unwrap_or_default()
                );
                let painted = if r.status.is_failure() {
                    self.printer.paint(style::REMOVE, &line)
                } else {
                    line
                };
                self.line(&format!("{p}  {painted}"));
            }
        }
    }

    fn confirm(&self, stack: &str, question: &str) -> bool {
        let _one_at_a_time = self.prompt.lock().unwrap_or_else(|p| p.into_inner());
        let ask = || {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{}  {question} [y/N] ", self.prefix(stack));
            let _ = err.flush();
            let mut answer = String::new();
            let read = std::io::stdin().lock().read_line(&mut answer);
            matches!(read, Ok(n) if n > 0)
                && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
        };
        match &self.bars {
            Some(m) => m.suspend(ask),
            None => ask(),
        }
    }
}

/// The deploy preview beyond resources, shown before the confirm: IAM
/// statements added and removed (broadening ones marked, as `diff` shows
/// them), parameters whose value changes (`NoEcho` values masked) and
/// stack tags added, changed or removed.
pub(super) fn preview_lines(printer: &Printer, preview: &Preview) -> Vec<String> {
    let mut out = Vec::new();
    if !preview.data.is_empty() {
        out.push("data at risk:".to_owned());
        for r in &preview.data {
            let verdict = match &r.allowed {
                Some(reason) => format!("allowed: {reason}"),
                None => "refused without --allow-replace".to_owned(),
            };
            let line = format!("! {r}: it {}; {verdict}", r.why());
            out.push(format!("  {}", printer.paint(style::REMOVE, &line)));
        }
    }
    if !preview.iam.is_empty() {
        out.push("IAM statements:".to_owned());
        out.extend(super::diff::statement_lines(
            printer,
            super::printer::Stream::Stderr,
            &preview.iam,
            2,
        ));
    }
    for (title, changes) in [
        ("parameters:", &preview.parameters),
        ("stack tags:", &preview.tags),
    ] {
        if changes.is_empty() {
            continue;
        }
        out.push(title.to_owned());
        for c in changes {
            let (s, line) = match (&c.old, &c.new) {
                (Some(old), Some(new)) => (style::CHANGE, format!("~ {}: {old} → {new}", c.key)),
                (None, Some(new)) => (style::ADD, format!("+ {}: {new}", c.key)),
                (Some(old), None) => (style::REMOVE, format!("- {}: {old}", c.key)),
                (None, None) => continue,
            };
            out.push(format!("  {}", printer.paint(s, &line)));
        }
    }
    out
}

impl Drop for TerminalUi<'_> {
    fn drop(&mut self) {
        for (_, bar) in self
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            bar.finish_and_clear();
        }
    }
}

/// The preview of a stack set deploy, one line each: the set, then the
/// instances to add (`+`), update (`~`) and remove (`-`).
pub(crate) fn stack_set_plan_lines(plan: &crate::cloud::stack_set::SetPlan) -> Vec<String> {
    let mut out = Vec::new();
    if plan.create {
        out.push("+ stack set (created)".to_owned());
    } else if plan.update {
        out.push("~ stack set (template, parameters, tags or auto-deployment changed)".to_owned());
    }
    let mut each = |sign: char, what: &str, slots: &[crate::cloud::stack_set::Slot]| {
        for s in slots {
            out.push(format!("{sign} {} {} ({what})", s.target, s.region));
        }
    };
    each('+', "add", &plan.add);
    each('~', "update", &plan.update_instances);
    each('-', "remove", &plan.remove);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorChoice;
    use crate::cloud::ParameterChange;
    use crate::diff::{ChangeKind, StatementChange};

    #[test]
    fn the_preview_lists_iam_statements_parameter_values_and_tags() {
        let printer = Printer::new(ColorChoice::Never, false, false);
        let statement = |change, effect: &str, broadening| StatementChange {
            resource: "BuildRole".into(),
            change,
            effect: effect.into(),
            principal: None,
            actions: vec!["ecr:PutImage".into()],
            resources: vec![serde_json::json!("*")],
            condition: None,
            broadening,
        };
        let preview = Preview {
            iam: vec![
                statement(ChangeKind::Added, "Allow", true),
                statement(ChangeKind::Removed, "Allow", false),
            ],
            parameters: vec![
                ParameterChange {
                    key: "Branch".into(),
                    old: Some("main".into()),
                    new: Some("release".into()),
                },
                ParameterChange {
                    key: "Token".into(),
                    old: None,
                    new: Some("****".into()),
                },
                ParameterChange {
                    key: "Old".into(),
                    old: Some("x".into()),
                    new: None,
                },
            ],
            tags: vec![ParameterChange {
                key: "cost-center".into(),
                old: Some("42".into()),
                new: None,
            }],
            replaced: Default::default(),
            data: vec![crate::cloud::protection::AtRisk {
                logical_id: "Repository".into(),
                resource_type: "AWS::ECR::Repository".into(),
                loss: crate::cloud::protection::Loss::Replace {
                    possibly: false,
                    properties: vec!["RepositoryName".into()],
                },
                holds: crate::cloud::protection::Holds::Stateful,
                allowed: None,
            }],
        };
        assert_eq!(
            preview_lines(&printer, &preview),
            [
                "data at risk:",
                "  ! `Repository` (AWS::ECR::Repository) is replaced (RepositoryName changes): it holds data; refused without --allow-replace",
                "IAM statements:",
                "  + BuildRole Allow ecr:PutImage on \"*\"  (broadens)",
                "  - BuildRole Allow ecr:PutImage on \"*\"",
                "parameters:",
                "  ~ Branch: main → release",
                "  + Token: ****",
                "  - Old: x",
                "stack tags:",
                "  - cost-center: 42",
            ]
        );
        assert!(preview_lines(&printer, &Preview::default()).is_empty());
    }
}

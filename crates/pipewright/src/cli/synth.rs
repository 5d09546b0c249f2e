//! `pipewright synth`: validate, then write stacks/ and buildspecs/, or
//! with `--check` write nothing and say what is stale.
//!
//! Synth hands over one stack at a time ([`App::synth_each`]) and the file
//! tree compares it with the disk, staging what changed, so only one stack's
//! text is held at once; the staged files are published only when every
//! stack synthesized without a problem.

use super::select::select;
use super::{Exit, Printer, printer::style};
use crate::App;
use crate::app::Format;
use crate::app::files::{Change, Tree};
use std::collections::BTreeSet;
use std::path::Path;

pub(super) fn run(
    app: App,
    printer: &Printer,
    args: &[String],
    check: bool,
    format: Format,
    out: &Path,
) -> anyhow::Result<Exit> {
    let names: Vec<&str> = app.stacks().iter().map(|s| s.name()).collect();
    let chosen = select(&names, args)?;
    let named: BTreeSet<&str> = chosen.iter().map(String::as_str).collect();

    let mut tree = if check {
        Tree::compare(out)
    } else {
        Tree::stage(out)
    };
    app.synth_each(format, |artifact| {
        // With stack names, only the named stacks' files; nothing is removed.
        if args.is_empty() || named.contains(artifact.name.as_str()) {
            tree.add(&artifact)?;
        }
        Ok(())
    })?;
    let changes = tree.changes(args.is_empty())?;
    let count = |kind: Change| changes.iter().filter(|c| c.change == kind).count();
    let (created, updated, removed, unchanged) = (
        count(Change::Create),
        count(Change::Update),
        count(Change::Remove),
        count(Change::Unchanged),
    );

    if check {
        for c in &changes {
            let what = match c.change {
                Change::Create => "missing",
                Change::Update => "stale",
                Change::Remove => "extra",
                Change::Unchanged => continue,
                // `Change` is non-exhaustive (pipewright-core).
                _ => "stale",
            };
            printer.status(&format!(
                "{} {}",
                printer.paint(style::CHANGE, &format!("{what:>7}")),
                c.path
            ));
        }
        let stale = created + updated + removed;
        if stale > 0 {
            printer.status(&format!(
                "{stale} of {} differ from the code: run `pipewright synth` and commit the result",
                plural(changes.len(), "file")
            ));
            return Ok(Exit::Differences);
        }
        printer.status(&format!("{} up to date", plural(changes.len(), "file")));
        return Ok(Exit::Success);
    }

    tree.publish(&changes)?;
    for c in &changes {
        let (word, s) = match c.change {
            Change::Create => ("created", style::ADD),
            Change::Update => ("updated", style::CHANGE),
            Change::Remove => ("removed", style::REMOVE),
            Change::Unchanged => {
                printer.detail(&format!(
                    "{} {}",
                    printer.paint(style::DIM, "unchanged"),
                    c.path
                ));
                continue;
            }
            // `Change` is non-exhaustive (pipewright-core).
            _ => ("changed", style::CHANGE),
        };
        printer.status(&format!(
            "{} {}",
            printer.paint(s, &format!("{word:>9}")),
            c.path
        ));
    }
    printer.status(&format!(
        "synthesized {}: {created} created, {updated} updated, {removed} removed, {unchanged} unchanged",
        plural(chosen.len(), "stack"),
    ));
    Ok(Exit::Success)
}

/// `1 file`, `2 files`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

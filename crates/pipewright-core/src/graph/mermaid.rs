//! Mermaid flowchart text.
//!
//! Every label is a quoted string, in which Mermaid reads `#name;` and
//! `#123;` as entities: `"`, `#` and the characters Mermaid or the HTML it
//! renders give a meaning (`< > & |` and the backtick that starts a
//! markdown string) are written as entities, and a line break as `<br>`.
//! <https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters>

use super::ids::{node_id, stage_id, stage_order};
use super::model::{Flow, Graph, Node, TouchedKind};
use std::fmt::Write;

pub(super) fn render(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    stacks(graph, &mut out);
    for (p, pipeline) in graph.pipelines.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph p{} [\"{}\"]",
            p + 1,
            escape(&pipeline.title())
        );
        for (s, stage) in pipeline.stages.iter().enumerate() {
            let _ = writeln!(
                out,
                "    subgraph {} [\"{}\"]",
                stage_id(p, s),
                escape(&stage.name)
            );
            for (a, action) in stage.actions.iter().enumerate() {
                let id = node_id(p, Node::Action(s, a));
                let _ = writeln!(out, "      {id}[\"{}\"]", lines(&action.label()));
            }
            out.push_str("    end\n");
        }
        for (r, touched) in pipeline.resources.iter().enumerate() {
            let (open, close) = shape(touched.kind);
            let id = node_id(p, Node::Resource(r));
            let label = lines(&touched.label());
            let _ = writeln!(out, "    {id}{open}\"{label}\"{close}");
        }
        out.push_str("  end\n");
        for edge in &pipeline.edges {
            let (from, to) = (node_id(p, edge.from), node_id(p, edge.to));
            let _ = match &edge.flow {
                Flow::Artifact(name) => {
                    writeln!(out, "  {from} -->|\"{}\"| {to}", escape(name))
                }
                Flow::Variables(names) => {
                    writeln!(out, "  {from} -.->|\"{}\"| {to}", escape(&names.join(", ")))
                }
                _ => writeln!(out, "  {from} --> {to}"),
            };
        }
        for (from, to) in stage_order(pipeline) {
            let _ = writeln!(out, "  {} ~~~ {}", node_id(p, from), node_id(p, to));
        }
    }
    out
}

/// One subgraph per account and region, and an arrow from each stack to
/// the stacks that import its exports.
fn stacks(graph: &Graph, out: &mut String) {
    for (e, env) in graph.environments().iter().enumerate() {
        let _ = writeln!(out, "  subgraph e{} [\"{}\"]", e + 1, escape(&env.label()));
        for &i in &env.stacks {
            let _ = writeln!(out, "    s{}[\"{}\"]", i + 1, escape(&graph.stacks[i].name));
        }
        out.push_str("  end\n");
    }
    for (i, stack) in graph.stacks.iter().enumerate() {
        for dependency in &stack.dependencies {
            if let Some(d) = graph.stacks.iter().position(|s| &s.name == dependency) {
                let _ = writeln!(out, "  s{} --> s{}", d + 1, i + 1);
            }
        }
    }
}

/// The brackets of a node's shape, around its quoted label.
fn shape(kind: TouchedKind) -> (&'static str, &'static str) {
    match kind {
        TouchedKind::Project => ("([", "])"),
        TouchedKind::ImageRepository | TouchedKind::Bucket => ("[(", ")]"),
        TouchedKind::SourceRepository => ("[/", "/]"),
        TouchedKind::Topic => ("{{", "}}"),
        _ => ("[[", "]]"),
    }
}

/// Lines of a label, each escaped, joined by `<br>`.
fn lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// `text` for the inside of a quoted Mermaid label.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn labels_escape_what_mermaid_reads() {
        assert_eq!(escape("Build"), "Build");
        assert_eq!(
            escape(r#"say "hi" #{Build.TAG}"#),
            "say #quot;hi#quot; #35;{Build.TAG}"
        );
        assert_eq!(escape("a[b](c){d}"), "a[b](c){d}");
        assert_eq!(escape("<b>&|`x`"), "#lt;b#gt;#amp;#124;#96;x#96;");
        assert_eq!(escape("two\nlines\ttab"), "two<br>lines tab");
        // `#` first: the entities written for the others stay intact.
        assert_eq!(escape("#quot;"), "#35;quot;");
    }
}

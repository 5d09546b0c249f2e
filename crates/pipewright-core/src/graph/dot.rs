//! Graphviz dot text.
//!
//! Subgraphs are clusters (a name starting `cluster` is what makes dot draw
//! a box around them). Labels are quoted strings, in which only `"` and
//! the backslash of dot's own escapes (`\n`, `\N`, `\G`, ...) need
//! escaping. <https://graphviz.org/doc/info/lang.html>

use super::ids::{node_id, stage_id, stage_order};
use super::model::{Flow, Graph, Node, TouchedKind};
use std::fmt::Write;

pub(super) fn render(graph: &Graph) -> String {
    let mut out = String::from(
        "digraph pipewright {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  \
         edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    stacks(graph, &mut out);
    for (p, pipeline) in graph.pipelines.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_p{} {{", p + 1);
        let _ = writeln!(out, "    label=\"{}\";", escape(&pipeline.title()));
        for (s, stage) in pipeline.stages.iter().enumerate() {
            let _ = writeln!(out, "    subgraph cluster_{} {{", stage_id(p, s));
            let _ = writeln!(out, "      label=\"{}\";", escape(&stage.name));
            for (a, action) in stage.actions.iter().enumerate() {
                let id = node_id(p, Node::Action(s, a));
                let _ = writeln!(out, "      {id} [label=\"{}\"];", lines(&action.label()));
            }
            out.push_str("    }\n");
        }
        for (r, touched) in pipeline.resources.iter().enumerate() {
            let id = node_id(p, Node::Resource(r));
            let label = lines(&touched.label());
            let _ = writeln!(
                out,
                "    {id} [label=\"{label}\", {}];",
                shape(touched.kind)
            );
        }
        out.push_str("  }\n");
        for edge in &pipeline.edges {
            let (from, to) = (node_id(p, edge.from), node_id(p, edge.to));
            let _ = match &edge.flow {
                Flow::Artifact(name) => {
                    writeln!(out, "  {from} -> {to} [label=\"{}\"];", escape(name))
                }
                Flow::Variables(names) => writeln!(
                    out,
                    "  {from} -> {to} [label=\"{}\", style=dashed];",
                    escape(&names.join(", "))
                ),
                _ => writeln!(out, "  {from} -> {to};"),
            };
        }
        for (from, to) in stage_order(pipeline) {
            let (from, to) = (node_id(p, from), node_id(p, to));
            let _ = writeln!(out, "  {from} -> {to} [style=invis];");
        }
    }
    out.push_str("}\n");
    out
}

/// One cluster per account and region, and an arrow from each stack to
/// the stacks that import its exports.
fn stacks(graph: &Graph, out: &mut String) {
    for (e, env) in graph.environments().iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_e{} {{", e + 1);
        let _ = writeln!(out, "    label=\"{}\";", escape(&env.label()));
        for &i in &env.stacks {
            let name = escape(&graph.stacks[i].name);
            let _ = writeln!(out, "    s{} [label=\"{name}\", shape=box3d];", i + 1);
        }
        out.push_str("  }\n");
    }
    for (i, stack) in graph.stacks.iter().enumerate() {
        for dependency in &stack.dependencies {
            if let Some(d) = graph.stacks.iter().position(|s| &s.name == dependency) {
                let _ = writeln!(out, "  s{} -> s{};", d + 1, i + 1);
            }
        }
    }
}

/// A node's shape attributes.
fn shape(kind: TouchedKind) -> &'static str {
    match kind {
        TouchedKind::Project => "shape=box, style=rounded",
        TouchedKind::ImageRepository | TouchedKind::Bucket => "shape=cylinder",
        TouchedKind::SourceRepository => "shape=parallelogram",
        TouchedKind::Topic => "shape=hexagon",
        _ => "shape=component",
    }
}

/// Lines of a label, each escaped, joined by dot's `\n`.
fn lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// `text` for the inside of a quoted dot string.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
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
    fn labels_escape_quotes_and_backslashes() {
        assert_eq!(escape("Build"), "Build");
        assert_eq!(escape(r#"say "hi""#), r#"say \"hi\""#);
        assert_eq!(escape(r"a\nb \N"), r"a\\nb \\N");
        assert_eq!(escape("two\nlines"), r"two\nlines");
        assert_eq!(escape("#{x} <b> [c] {d}"), "#{x} <b> [c] {d}");
    }
}

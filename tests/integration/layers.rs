//! The library's layers point one way: no module imports a module that
//! imports it back. Read from the source, so a new `use` that closes a
//! cycle fails here with the cycle named.
//!
//! Nodes are the top-level modules of `crates/pipewright-core/src` and
//! `crates/pipewright/src` (one library to its users), except that
//! `iam` is split into `iam::policy` (below the construct core) and
//! `iam::role` (a construct above it), and `iam` itself means its `mod.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Items `lib.rs` re-exports at the crate root, and the module each is from.
const ROOT_REEXPORTS: &[(&str, &str)] = &[
    ("App", "app"),
    ("Construct", "construct"),
    ("Stack", "construct"),
    ("Error", "error"),
    ("Problem", "error"),
    ("ProblemKind", "error"),
];

fn node_of(file: &Path, src: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    match parts.as_slice() {
        [iam, rest, ..] if iam == "iam" && rest != "mod" => format!("iam::{rest}"),
        [first, ..] => first.clone(),
        [] => unreachable!(),
    }
}

/// The module a `crate::...` path names.
fn target_of(path: &[&str]) -> Option<String> {
    let first = *path.first()?;
    if let Some((_, module)) = ROOT_REEXPORTS.iter().find(|(item, _)| *item == first) {
        return Some((*module).to_owned());
    }
    if first == "iam" {
        return Some(match path.get(1) {
            Some(&"policy") => "iam::policy".to_owned(),
            Some(&"role") => "iam::role".to_owned(),
            _ => "iam".to_owned(),
        });
    }
    Some(first.to_owned())
}

/// Every module a file names through `crate::`, including inside
/// `use crate::{a::X, b::Y}` groups.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let path: Vec<&str> = item.trim().split("::").map(str::trim).collect();
                out.extend(target_of(&path));
            }
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path: Vec<&str> = rest[..end].split("::").filter(|p| !p.is_empty()).collect();
        out.extend(target_of(&path));
    }
    out
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for krate in ["crates/pipewright-core/src", "crates/pipewright/src"] {
        let src = super::support::repo().join(krate);
        let mut all = Vec::new();
        files(&src, &mut all);
        for file in all {
            let node = node_of(&file, &src);
            if node == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let deps = graph.entry(node.clone()).or_default();
            deps.extend(imports(&text).into_iter().filter(|d| *d != node));
        }
    }
    graph
}

/// A cycle in `graph`, as the modules along it, the first repeated last.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_owned(), 1);
        path.push(n.to_owned());
        for d in graph.get(n).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == d).unwrap();
                    let mut c = path[start..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(d, graph, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn library_modules_form_no_cycle() {
    let graph = graph();
    assert!(graph.contains_key("construct") && graph.contains_key("iam::policy"));
    assert_eq!(cycle(&graph), None, "{graph:#?}");
}

#[test]
fn the_core_sits_below_constructs_and_app_above_them() {
    let graph = graph();
    let below = |module: &str, forbidden: &[&str]| {
        let deps = &graph[module];
        for f in forbidden {
            assert!(!deps.contains(*f), "`{module}` imports `{f}`: {deps:?}");
        }
    };
    let constructs = ["s3", "ecr", "codebuild", "codepipeline", "iam::role", "iam"];
    below(
        "template",
        &["construct", "app", "iam::policy", "cloud", "cli"],
    );
    below("iam::policy", &["construct", "app", "iam::role"]);
    below("construct", &constructs);
    below("construct", &["app", "cloud", "cli"]);
    for c in ["s3", "ecr", "codebuild", "codepipeline", "iam::role"] {
        below(c, &["app", "cloud", "cli"]);
    }
    below("app", &constructs);
}

#[test]
fn the_checker_finds_a_cycle() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    assert_eq!(
        imports(
            "use crate::{app::Stack, iam::policy::Statement};\nlet x = crate::s3::Bucket::new();"
        ),
        BTreeSet::from(["app".into(), "iam::policy".into(), "s3".into()])
    );
}

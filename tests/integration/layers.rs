//! The library's layers point one way: no module imports a module that
//! imports it back. Read from the source, so a new `use` that closes a
//! cycle fails here with the cycle named.
//!
//! Two graphs are read from the same parse. The coarse one has the
//! top-level modules of `crates/pipewright-core/src` and
//! `crates/pipewright/src` (one library to its users) as nodes, except that
//! `iam` is split into `iam::policy` (below the construct core) and
//! `iam::role` (a construct above it), and `iam` itself means its `mod.rs`.
//! The fine one has every file as a node, so a circle inside a module
//! (`cloud::api` and `cloud::drift` importing each other, issue #22) fails
//! too. Every way a file names another is read: `crate::`, `super::`,
//! `self::`, a child module's bare name in a `mod.rs`, and `use` groups
//! nested to any depth. A `mod.rs` that only declares and re-exports its
//! children (`pub use api::StackInfo;`) is a facade, not a node that
//! depends on them: a name imported through it is followed to the file
//! that defines it. Test modules (after `#[cfg(test)]`) are not read: a
//! test of a module may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root, e.g. `["cloud", "api"]`.
type Module = Vec<String>;

/// One source file, read for its imports.
struct Source {
    /// Its code, without comments, test modules and re-exports.
    code: String,
    /// What it re-exports: name → the path it is taken from, from the
    /// crate root.
    reexports: BTreeMap<String, Vec<String>>,
}

fn module_of(file: &Path, src: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The coarse node a module belongs to; `None` for the crate root.
fn node_of(module: &[String]) -> Option<String> {
    match module {
        [] => None,
        [iam, rest, ..] if iam == "iam" && (rest == "policy" || rest == "role") => {
            Some(format!("iam::{rest}"))
        }
        [first, ..] => Some(first.clone()),
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Reads a path tree at `s[*i..]` (`a::b::{c, d::{e, self}}`), appending
/// every full path to `out`.
fn path_tree(s: &[u8], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    skip_ws(i);
    if *i < s.len() && s[*i] == b'{' {
        *i += 1;
        loop {
            skip_ws(i);
            if *i >= s.len() {
                return;
            }
            if s[*i] == b'}' {
                *i += 1;
                return;
            }
            let before = *i;
            path_tree(s, i, prefix.clone(), out);
            skip_ws(i);
            // `Name as Other`, or anything the reader does not know.
            while *i < s.len() && s[*i] != b',' && s[*i] != b'}' {
                *i += 1;
            }
            if *i < s.len() && s[*i] == b',' {
                *i += 1;
            }
            if *i == before {
                *i += 1;
            }
        }
    }
    let start = *i;
    while *i < s.len() && (is_ident(s[*i]) || s[*i] == b'*') {
        *i += 1;
    }
    let ident = String::from_utf8_lossy(&s[start..*i]).into_owned();
    let mut path = prefix;
    if !ident.is_empty() && (ident != "self" || path.is_empty()) && ident != "*" {
        path.push(ident);
    }
    if s[*i..].starts_with(b"::") {
        *i += 2;
        path_tree(s, i, path, out);
    } else {
        out.push(path);
    }
}

/// Every path in `code` that starts with `crate`, `super`, `self` or one
/// of `children` (a `mod.rs` naming its own child modules).
fn paths(code: &str, children: &BTreeSet<String>) -> Vec<Vec<String>> {
    let s = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let boundary = i == 0 || !(is_ident(s[i - 1]) || s[i - 1] == b':');
        if !boundary || !is_ident(s[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        let ident = &code[start..i];
        let leads = matches!(ident, "crate" | "super" | "self") || children.contains(ident);
        if leads && s[i..].starts_with(b"::") {
            let mut at = start;
            path_tree(s, &mut at, Vec::new(), &mut out);
            i = at.max(i);
        }
    }
    out
}

/// `path` (as written in the file of `module`) from the crate root.
fn absolute(module: &[String], path: &[String]) -> Vec<String> {
    // In `a/b.rs` (module a::b) `super` is `a`; in `a/mod.rs` (module a)
    // it is the root. `self` is the module itself either way.
    let mut base: Vec<String> = module.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("super" | "self") => {
            while let Some(first) = rest.first() {
                match first.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    _ => break,
                }
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    base.extend(rest.iter().cloned());
    base
}

/// Code without comments and test modules, split into the code proper and
/// its re-exports (`pub use ...;`).
fn split(text: &str) -> (String, String) {
    let mut code = String::new();
    let mut facade = String::new();
    let mut in_reexport = false;
    // Inside an inline `mod name { .. }`, `super` is the file's module.
    let mut inline_depth = 0i32;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        let line = line.split(" //").next().unwrap_or(line);
        let opens = t.trim_start_matches("pub ").starts_with("mod ") && t.ends_with('{');
        if opens || inline_depth > 0 {
            inline_depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        }
        let replaced;
        let line = if opens || inline_depth > 0 {
            replaced = line.replace("super::", "self::");
            replaced.as_str()
        } else {
            line
        };
        if t.starts_with("pub use ") || t.starts_with("pub(crate) use ") {
            in_reexport = true;
        }
        if in_reexport {
            facade.push_str(line);
            facade.push('\n');
            in_reexport = !line.contains(';');
        } else {
            code.push_str(line);
            code.push('\n');
        }
    }
    (code, facade)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file of both crates, by module (the two crate roots are one
/// module: `pipewright` re-exports the core under the same paths).
fn sources() -> BTreeMap<Module, Source> {
    let mut raw: Vec<(Module, String)> = Vec::new();
    for krate in ["crates/pipewright-core/src", "crates/pipewright/src"] {
        let src = super::support::repo().join(krate);
        let mut all = Vec::new();
        files(&src, &mut all);
        for file in all {
            raw.push((
                module_of(&file, &src),
                std::fs::read_to_string(&file).unwrap(),
            ));
        }
    }
    let modules: BTreeSet<Module> = raw.iter().map(|(m, _)| m.clone()).collect();
    let mut out: BTreeMap<Module, Source> = BTreeMap::new();
    for (module, text) in raw {
        let (code, facade) = split(&text);
        let children = children_of(&modules, &module);
        let mut reexports = BTreeMap::new();
        for path in paths(&facade, &children) {
            let abs = absolute(&module, &path);
            if let Some(name) = abs.last() {
                reexports.insert(name.clone(), abs);
            }
        }
        let entry = out.entry(module).or_insert(Source {
            code: String::new(),
            reexports: BTreeMap::new(),
        });
        entry.code.push_str(&code);
        entry.reexports.extend(reexports);
    }
    out
}

fn children_of(modules: &BTreeSet<Module>, module: &[String]) -> BTreeSet<String> {
    modules
        .iter()
        .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
        .map(|m| m[module.len()].clone())
        .collect()
}

/// The module that defines what `path` (from the crate root) names:
/// the longest prefix that is a file, followed through re-exports.
fn resolve(sources: &BTreeMap<Module, Source>, path: &[String], depth: u8) -> Module {
    let mut k = path.len();
    while k > 0 && !sources.contains_key(&path[..k]) {
        k -= 1;
    }
    let module = path[..k].to_vec();
    if depth < 8
        && let Some(name) = path.get(k)
        && let Some(target) = sources.get(&module).and_then(|s| s.reexports.get(name))
        && target.as_slice() != path
    {
        let mut next = target.clone();
        next.extend(path[k + 1..].iter().cloned());
        return resolve(sources, &next, depth + 1);
    }
    module
}

/// What each file imports, by module.
fn file_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let sources = sources();
    let modules: BTreeSet<Module> = sources.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, source) in &sources {
        let children = children_of(&modules, module);
        let deps: BTreeSet<Module> = paths(&source.code, &children)
            .iter()
            .map(|p| resolve(&sources, &absolute(module, p), 0))
            .filter(|d| d != module && !d.is_empty())
            .collect();
        graph.insert(module.clone(), deps);
    }
    graph
}

/// The coarse graph: top-level modules (and `iam`'s two halves).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, deps) in file_graph() {
        let Some(node) = node_of(&module) else {
            continue;
        };
        let out = graph.entry(node.clone()).or_default();
        out.extend(
            deps.iter()
                .filter_map(|d| node_of(d))
                .filter(|d| *d != node),
        );
    }
    graph
}

/// Every cycle in `graph`, one per group of nodes that reach each other,
/// as the nodes along it, the first repeated last.
fn cycles<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    fn visit<N: Ord + Clone>(
        n: &N,
        graph: &BTreeMap<N, BTreeSet<N>>,
        state: &mut BTreeMap<N, u8>,
        path: &mut Vec<N>,
        found: &mut Vec<Vec<N>>,
    ) {
        state.insert(n.clone(), 1);
        path.push(n.clone());
        for d in graph.get(n).into_iter().flatten() {
            match state.get(d).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == d).unwrap();
                    let mut c = path[start..].to_vec();
                    c.push(d.clone());
                    found.push(c);
                }
                0 => visit(d, graph, state, path, found),
                _ => {}
            }
        }
        path.pop();
        state.insert(n.clone(), 2);
    }
    let mut state = BTreeMap::new();
    let mut found = Vec::new();
    for n in graph.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            visit(n, graph, &mut state, &mut Vec::new(), &mut found);
        }
    }
    found
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    cycles(graph).into_iter().next()
}

#[test]
fn library_modules_form_no_cycle() {
    let graph = graph();
    assert!(graph.contains_key("construct") && graph.contains_key("iam::policy"));
    assert_eq!(cycle(&graph), None, "{graph:#?}");
}

#[test]
fn no_module_has_a_cycle_inside() {
    let graph = file_graph();
    assert!(graph.contains_key(&vec!["cloud".to_owned(), "api".to_owned()]));
    let found: Vec<String> = cycles(&graph)
        .iter()
        .map(|c| {
            c.iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect();
    assert!(found.is_empty(), "cycles:\n{}", found.join("\n"));
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
    let read = |code: &str, children: &[&str]| -> BTreeSet<String> {
        let children = children.iter().map(|c| (*c).to_owned()).collect();
        paths(code, &children)
            .iter()
            .map(|p| p.join("::"))
            .collect()
    };
    assert_eq!(
        read(
            "use crate::{app::Stack, iam::policy::Statement};\nlet x = crate::s3::Bucket::new();",
            &[]
        ),
        BTreeSet::from([
            "crate::app::Stack".into(),
            "crate::iam::policy::Statement".into(),
            "crate::s3::Bucket::new".into()
        ])
    );
    assert_eq!(
        read(
            "use super::drift::{DetectionStatus, x::{Y, self}};\nuse self::a::B as C;\nuse api::chain_text;\nlet y = api::f();",
            &["api"]
        ),
        BTreeSet::from([
            "super::drift::DetectionStatus".into(),
            "super::drift::x::Y".into(),
            "super::drift::x".into(),
            "self::a::B".into(),
            "api::chain_text".into(),
            "api::f".into(),
        ])
    );
    let module = |m: &str| -> Module { m.split("::").map(str::to_owned).collect() };
    assert_eq!(
        absolute(
            &module("cloud::api"),
            &module("super::drift::DetectionStatus")
        ),
        module("cloud::drift::DetectionStatus")
    );
    assert_eq!(
        absolute(&module("cloud"), &module("api::chain_text")),
        module("cloud::api::chain_text")
    );
}

//! `pipewright import` (issue #14): a template becomes Rust source that
//! synthesizes the same template.
//!
//! `templates/` holds templates written by hand the ways people write them
//! (the tutorial's image pipeline; conditions and mappings with every
//! intrinsic; `Transform` with `Fn::ForEach`; `Rules`; every resource
//! policy, in JSON). `stacks/` holds what `import` wrote for each,
//! committed and compiled into this test binary: one test checks that
//! `import` still writes exactly that, another that each compiled stack
//! synthesizes its template by meaning. Set `UPDATE_IMPORTED=1` to
//! rewrite `stacks/` after a change to the generator.

mod stacks;

use crate::support::{pipewright, repo, text};
use pipewright::template::{json, reader};
use pipewright::{App, Stack, diff};

/// One imported template: (file, stack name, module, the compiled stack).
type Imported = (&'static str, &'static str, &'static str, fn() -> Stack);

const IMPORTED: &[Imported] = &[
    (
        "tutorial.yml",
        "image-pipeline-tutorial",
        "tutorial",
        stacks::tutorial::stack,
    ),
    (
        "conditions.yaml",
        "conditions",
        "conditions",
        stacks::conditions::stack,
    ),
    (
        "transform.yaml",
        "transform",
        "transform",
        stacks::transform::stack,
    ),
    ("rules.yaml", "rules", "rules", stacks::rules::stack),
    (
        "policies.json",
        "policies",
        "policies",
        stacks::policies::stack,
    ),
];

fn here() -> std::path::PathBuf {
    repo().join("tests/integration/import")
}

#[test]
fn import_writes_the_committed_sources() {
    let update = std::env::var_os("UPDATE_IMPORTED").is_some();
    for (file, stack, module, _) in IMPORTED {
        let template = here().join("templates").join(file);
        let out = pipewright(&repo())
            .args(["import", "--stdout", "--stack", stack])
            .arg(&template)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "import {file}:\n{stderr}");
        let committed = here().join("stacks").join(format!("{module}.rs"));
        if update {
            std::fs::write(&committed, &stdout).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            stdout == expected,
            "import {file} no longer writes {}: run with UPDATE_IMPORTED=1 and review\n{}",
            committed.display(),
            similar_lines(&expected, &stdout)
        );
    }
}

/// The first differing line of two texts, for a failure message.
fn similar_lines(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n- {x}\n+ {y}", i + 1);
        }
    }
    format!("{} lines against {}", a.lines().count(), b.lines().count())
}

#[test]
fn imported_stacks_synthesize_their_templates() {
    for (file, name, _, stack) in IMPORTED {
        let original = std::fs::read_to_string(here().join("templates").join(file)).unwrap();
        let original = reader::parse(&original).unwrap();
        let assembly = App::new()
            .stack(stack())
            .synth()
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let artifact = &assembly.stacks[0];
        assert_eq!(&artifact.name, name);
        let synthesized = reader::parse(&artifact.body).unwrap();
        assert_eq!(
            json::to_value(&synthesized),
            json::to_value(&original),
            "{file}: the imported stack synthesizes another template:\n{}",
            artifact.body
        );
        assert!(
            diff::diff(&original, &synthesized).is_empty(),
            "{file}: diff finds a change"
        );
    }
}

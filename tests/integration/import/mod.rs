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

use crate::support::{pipewright, repo, snapshot_tree, text};
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
        let direct = App::new()
            .stack(Stack::from_template(*name, original))
            .synth()
            .unwrap();
        assert_eq!(
            direct.stacks[0].body, artifact.body,
            "{file}: Stack::from_template builds what the source builds"
        );
    }
}

/// The value the tutorial's parameters file gives its NoEcho token.
const FIXTURE_TOKEN: &str = "ghp_fixture_value_0123456789";

/// What import writes for the tutorial's parameters file: the NoEcho
/// token's value replaced by a reference to the environment (issue #22).
const COPIED_PARAMETERS: &str = r#"[
  {
    "ParameterKey": "GitHubOwner",
    "ParameterValue": "acme"
  },
  {
    "ParameterKey": "GitHubRepo",
    "ParameterValue": "web"
  },
  {
    "ParameterKey": "GitHubBranch",
    "ParameterValue": "main"
  },
  {
    "ParameterKey": "GitHubToken",
    "ParameterValue": "${env:GIT_HUB_TOKEN}"
  }
]
"#;

/// The whole adoption, as a team does it: a stack created with the AWS
/// CLI's `create-stack` from the tutorial's `pipeline.yml` and
/// `parameters.json`; the README's infra crate; `import`, which writes
/// the module, adds it to the app and copies the parameters; a rebuild;
/// then `deploy` finds nothing to change and creates no change set, and
/// `diff` finds no difference.
#[test]
fn an_adopted_stack_deploys_as_no_change_and_diffs_as_none() {
    use crate::moto::{aws_env, session};
    use crate::new_app::{cargo, target_dir, write_infra_crate};
    use std::process::Command;

    let s = session();
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("acme-infra");
    write_infra_crate(&krate, "acme-infra-deploy", true);
    let templates = here().join("templates");
    std::fs::copy(templates.join("tutorial.yml"), krate.join("pipeline.yml")).unwrap();
    std::fs::copy(
        templates.join("tutorial.parameters.json"),
        krate.join("parameters.json"),
    )
    .unwrap();

    let mut create = Command::new("python3");
    aws_env(&mut create, &s.endpoint, s.dir.path());
    let out = create
        .arg(repo().join("tests/integration/support/aws_create.py"))
        .args(["image-pipeline", "pipeline.yml", "parameters.json"])
        .current_dir(&krate)
        .output()
        .unwrap();
    assert!(out.status.success(), "create-stack: {}", text(&out).1);

    let build = || {
        let out = cargo(&krate, &["build", "--offline", "--quiet"]);
        assert!(out.status.success(), "cargo build:\n{}", text(&out).1);
    };
    let run = |args: &[&str]| {
        let mut c = Command::new(target_dir().join("debug/acme-infra-deploy"));
        aws_env(&mut c, &s.endpoint, s.dir.path());
        c.env("GIT_HUB_TOKEN", FIXTURE_TOKEN);
        let out = c.args(args).current_dir(&krate).output().unwrap();
        let (stdout, stderr) = text(&out);
        assert!(
            !stdout.contains(FIXTURE_TOKEN) && !stderr.contains(FIXTURE_TOKEN),
            "the NoEcho value was printed by {args:?}:\n{stdout}\n{stderr}"
        );
        (out.status.code(), stdout, stderr)
    };

    build();
    let (code, _, stderr) = run(&["import", "pipeline.yml", "--stack", "image-pipeline"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("wrote src/image_pipeline.rs (7 resources, 5 parameters, 2 outputs)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("copied parameters.json to parameters/image-pipeline.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`GitHubToken` is NoEcho: parameters/image-pipeline.json reads \"${env:GIT_HUB_TOKEN}\", not the value; set GIT_HUB_TOKEN when you deploy"),
        "{stderr}"
    );
    let lib = std::fs::read_to_string(krate.join("src/lib.rs")).unwrap();
    assert!(lib.starts_with("pub mod image_pipeline;\n"), "{lib}");
    assert!(lib.contains(".stack(image_pipeline::stack())"), "{lib}");
    assert_eq!(
        std::fs::read_to_string(krate.join("parameters/image-pipeline.json")).unwrap(),
        COPIED_PARAMETERS,
        "the parameters file is copied without the NoEcho value"
    );

    build();
    let (code, _, stderr) = run(&["synth"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, stderr) = run(&["deploy", "image-pipeline", "--yes"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("image-pipeline: no changes"), "{stderr}");
    let state = s.state();
    assert_eq!(
        state["change_sets"]["image-pipeline"],
        serde_json::json!([]),
        "deploy made no change set: {state}"
    );
    let (code, stdout, stderr) = run(&["diff", "image-pipeline", "--exit-code"]);
    assert_eq!(code, Some(0), "diff finds nothing:\n{stdout}{stderr}");
}

/// A project to import into: `src/lib.rs` in the shape this repository's
/// app has, the tutorial's template and its parameters file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "//! The app.\n\npub mod alpha;\n\nuse pipewright::App;\n\npub fn app() -> App {\n    let mut app = App::new();\n    app.add(alpha::stack());\n    app\n}\n",
    )
    .unwrap();
    let templates = here().join("templates");
    std::fs::copy(
        templates.join("tutorial.yml"),
        dir.path().join("pipeline.yml"),
    )
    .unwrap();
    std::fs::copy(
        templates.join("tutorial.parameters.json"),
        dir.path().join("pipeline-parameters.json"),
    )
    .unwrap();
    dir
}

/// `pipewright import ARGS` in `dir`: (exit code, stdout, stderr).
fn import(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = pipewright(dir).arg("import").args(args).output().unwrap();
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[test]
fn import_writes_the_module_declares_it_and_copies_the_parameters() {
    let dir = project();
    let (code, stdout, stderr) = import(
        dir.path(),
        &[
            "pipeline.yml",
            "--stack",
            "web-pipeline",
            "--account",
            "111111111111",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "", "status goes to stderr");
    assert_eq!(
        stderr,
        "wrote src/web_pipeline.rs (7 resources, 5 parameters, 2 outputs)\n\
         copied pipeline-parameters.json to parameters/web-pipeline.json\n\
         `GitHubToken` is NoEcho: parameters/web-pipeline.json reads \"${env:GIT_HUB_TOKEN}\", not the value; set GIT_HUB_TOKEN when you deploy\n\
         added `pub mod web_pipeline;` and the stack to the app in src/lib.rs\n\
         next: `cargo run -- synth web-pipeline`, then `cargo run -- diff web-pipeline` shows no change\n"
    );
    assert!(!stderr.contains(FIXTURE_TOKEN));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(),
        "//! The app.\n\npub mod alpha;\npub mod web_pipeline;\n\nuse pipewright::App;\n\npub fn app() -> App {\n    let mut app = App::new();\n    app.add(alpha::stack());\n    app.add(web_pipeline::stack());\n    app\n}\n"
    );
    let module = std::fs::read_to_string(dir.path().join("src/web_pipeline.rs")).unwrap();
    let committed = std::fs::read_to_string(here().join("stacks/tutorial.rs")).unwrap();
    let pin = "\n        .account(\"111111111111\");";
    assert!(module.contains(pin), "{module}");
    assert!(
        module.replace(pin, ";")
            == committed
                .replace("image-pipeline-tutorial", "web-pipeline")
                .replace("from `tutorial.yml`", "from `pipeline.yml`"),
        "the module is what --stdout prints, pinned to the account"
    );
    let copied = std::fs::read_to_string(dir.path().join("parameters/web-pipeline.json")).unwrap();
    assert_eq!(copied, COPIED_PARAMETERS);
    assert!(!copied.contains(FIXTURE_TOKEN), "no secret is written");

    // A second import of the same stack replaces nothing without --force.
    let before = snapshot_tree(dir.path());
    let (code, _, stderr) = import(dir.path(), &["pipeline.yml", "--stack", "web-pipeline"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr.lines().last(),
        Some("hint: pass --force to replace it, or --stdout to print the source"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: src/web_pipeline.rs exists"),
        "{stderr}"
    );
    assert_eq!(snapshot_tree(dir.path()), before, "nothing was written");

    // With --force the module is written again; the app is not declared twice.
    std::fs::write(dir.path().join("src/web_pipeline.rs"), "// edited\n").unwrap();
    let lib = std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    let (code, _, stderr) = import(
        dir.path(),
        &["pipeline.yml", "--stack", "web-pipeline", "--force"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("src/lib.rs declares `web_pipeline` already: the app is left as it is"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(),
        lib
    );
    assert!(
        std::fs::read_to_string(dir.path().join("src/web_pipeline.rs"))
            .unwrap()
            .starts_with("//! The `web-pipeline` stack")
    );
}

#[test]
fn import_refuses_bad_input_and_writes_nothing() {
    let dir = project();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "Parameters:\n  P:\n    Type: Strange\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.yaml"), "Description: nothing\n").unwrap();
    std::fs::write(
        dir.path().join("typo.json"),
        r#"{"Parameters": {"GitHubOwnr": "acme"}}"#,
    )
    .unwrap();
    let before = snapshot_tree(dir.path());
    let cases: &[(&[&str], i32, &str, &str)] = &[
        (
            &["pipeline.yml", "--stack", "1-pipeline"],
            2,
            "error: `1-pipeline` is not a CloudFormation stack name",
            "hint: a stack name starts with a letter and holds letters, digits and dashes, up to 128",
        ),
        (
            &["pipeline.yml", "--stack", "artifact-store"],
            2,
            "error: the app already has a stack `artifact-store`",
            "hint: import under the name the stack has in CloudFormation, once",
        ),
        (
            &["missing.yml", "--stack", "web"],
            1,
            "error: cannot read missing.yml: No such file or directory (os error 2)",
            "",
        ),
        (
            &["broken.yaml", "--stack", "web"],
            1,
            "error: broken.yaml is not a template pipewright can read: at `Parameters.P.Type`: unknown parameter type `Strange`",
            "hint: import takes a CloudFormation template in YAML or JSON",
        ),
        (
            &["empty.yaml", "--stack", "web"],
            1,
            "error: empty.yaml has no resources: it is not a stack's template",
            "hint: a CloudFormation template declares at least one resource",
        ),
        (
            &[
                "pipeline.yml",
                "--stack",
                "web",
                "--parameters",
                "typo.json",
            ],
            1,
            "error: typo.json: `GitHubOwnr` is not a parameter of pipeline.yml",
            "hint: did you mean `GitHubOwner`?",
        ),
    ];
    for (args, exit, error, hint) in cases {
        let (code, stdout, stderr) = import(dir.path(), args);
        assert_eq!(code, Some(*exit), "{args:?}: {stderr}");
        assert_eq!(stdout, "");
        let mut lines = stderr.lines();
        assert_eq!(lines.next(), Some(*error), "{args:?}: {stderr}");
        assert_eq!(
            lines.next().unwrap_or_default(),
            *hint,
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(snapshot_tree(dir.path()), before, "nothing was written");
}

#[test]
fn import_with_stdout_prints_the_source_and_writes_nothing() {
    let dir = project();
    let before = snapshot_tree(dir.path());
    let (code, stdout, stderr) = import(
        dir.path(),
        &[
            "pipeline.yml",
            "--stack",
            "image-pipeline-tutorial",
            "--stdout",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        std::fs::read_to_string(here().join("stacks/tutorial.rs"))
            .unwrap()
            .replace("from `tutorial.yml`", "from `pipeline.yml`")
    );
    assert!(
        stderr.ends_with("parameters in pipeline-parameters.json (not copied with --stdout)\n"),
        "{stderr}"
    );
    assert_eq!(snapshot_tree(dir.path()), before);
}

#[test]
fn an_app_of_another_shape_is_left_to_the_user_with_the_line_to_add() {
    let dir = project();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub fn app() -> pipewright::App {\n    build()\n}\n",
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("pipeline-parameters.json")).unwrap();
    let (code, _, stderr) = import(dir.path(), &["pipeline.yml", "--stack", "web"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: src/lib.rs: the app's builder was not found: add `pub mod web;` and the stack (app.add(web::stack());) yourself"),
        "{stderr}"
    );
    assert!(dir.path().join("src/web.rs").is_file());
    assert!(
        !dir.path().join("parameters").exists(),
        "no parameters file to copy"
    );
}

#[test]
fn import_says_what_keeps_the_stack_from_synthesizing() {
    let dir = project();
    // A NoEcho default is refused at synth (SECURITY.md); a reference into
    // a module's resources is not a dangling one.
    std::fs::write(
        dir.path().join("module.yaml"),
        "Parameters:\n  Token:\n    Type: String\n    NoEcho: true\n    Default: abc\n\
         Resources:\n  Store:\n    Type: Acme::S3::Bucket::MODULE\n\
         Outputs:\n  Bucket:\n    Value: !Ref StoreBucket\n",
    )
    .unwrap();
    let (code, stdout, stderr) = import(dir.path(), &["module.yaml", "--stack", "store"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "warning: the imported stack does not synthesize until this problem is fixed in its source:\n  \
             store/Token: parameter `Token` is NoEcho but has a Default, which anyone can read in the template\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("StoreBucket"), "{stderr}");
    assert!(dir.path().join("src/store.rs").is_file());
}

//! `pipewright synth` and `list` through the built binary.

use crate::support::transcript::{Run, assert_transcript};
use crate::support::{copy_outputs, pipewright, repo, snapshot_tree, text};

#[test]
fn committed_output_matches_the_code() {
    let ran = Run::new(&["synth", "--check"]).dir(&repo()).output();
    assert_transcript!(ran);
}

#[test]
fn synthesizing_twice_gives_identical_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [&a, &b] {
        let out = pipewright(dir.path()).args(["synth"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    }
    let first = snapshot_tree(a.path());
    assert!(!first.is_empty());
    assert_eq!(first, snapshot_tree(b.path()));
    // A second synth over existing output changes nothing and says so.
    let out = pipewright(a.path()).args(["synth"]).output().unwrap();
    assert!(text(&out).1.contains(" 0 created, 0 updated, 0 removed"));
    assert_eq!(first, snapshot_tree(a.path()));
}

#[test]
fn check_names_stale_missing_and_extra_files_and_exits_3() {
    let dir = copy_outputs();
    let template = dir.path().join("stacks/artifact-store.yaml");
    let edited = std::fs::read_to_string(&template)
        .unwrap()
        .replace("NoncurrentDays: 30", "NoncurrentDays: 31");
    std::fs::write(&template, edited).unwrap();
    std::fs::write(dir.path().join("stacks/retired.yaml"), "Resources: {}\n").unwrap();

    let ran = Run::new(&["synth", "--check"]).dir(dir.path()).output();
    assert_transcript!("check_stale_and_extra", ran);
    // --check wrote nothing.
    assert!(dir.path().join("stacks/retired.yaml").exists());

    // synth repairs both, and names what it did.
    let ran = Run::new(&["synth"]).dir(dir.path()).output();
    assert_transcript!("synth_repairs_stale_and_extra", ran);
    assert!(!dir.path().join("stacks/retired.yaml").exists());
    let fresh = tempfile::tempdir().unwrap();
    pipewright(fresh.path()).arg("synth").output().unwrap();
    assert_eq!(
        snapshot_tree(&dir.path().join("stacks")),
        snapshot_tree(&fresh.path().join("stacks"))
    );
}

#[test]
fn check_reports_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let ran = Run::new(&["synth", "--check"]).dir(dir.path()).output();
    assert_transcript!(ran);
    assert!(snapshot_tree(dir.path()).is_empty());
}

#[test]
fn a_code_change_makes_check_fail() {
    // The same check CI runs, on an app whose code differs from the
    // committed files: one property edited in a stack.
    let dir = copy_outputs();
    let mut edited = pipewright_app::artifact_store::stack();
    let r = edited.add_resource(
        "Marker",
        pipewright::template::Resource::new("AWS::SNS::Topic"),
    );
    edited.override_property(&r, "TopicName", "marker");
    let app = pipewright::App::new().stack(edited);
    let out = dir.path().to_str().unwrap().to_owned();
    let exit = pipewright::cli::run(
        app,
        [
            "pipewright",
            "synth",
            "--check",
            "-q",
            "--out",
            out.as_str(),
        ],
    );
    assert_eq!(exit, pipewright::cli::Exit::Differences);
    let plan =
        pipewright::app::files::plan(dir.path(), &pipewright_app::app().synth().unwrap()).unwrap();
    assert!(
        plan.iter()
            .all(|c| c.change == pipewright::app::files::Change::Unchanged)
    );
}

#[test]
fn json_format_replaces_yaml_files() {
    let dir = copy_outputs();
    let out = pipewright(dir.path())
        .args(["synth", "--format", "json", "--color", "never"])
        .output()
        .unwrap();
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("  created stacks/artifact-store.json\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  removed stacks/artifact-store.yaml\n"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("stacks/artifact-store.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        json["Resources"]["ArtifactBucketPolicy"]["Properties"]["Bucket"],
        serde_json::json!({"Ref": "ArtifactBucket"})
    );
}

#[test]
fn unknown_stack_is_a_usage_error_with_a_suggestion() {
    let ran = Run::new(&["synth", "--check", "artifact-stor"])
        .dir(&repo())
        .output();
    assert_transcript!("unknown_stack", ran);
    let ran = Run::new(&["synth", "--check", "web-*"])
        .dir(&repo())
        .output();
    assert_transcript!("glob_matches_nothing", ran);
}

#[test]
fn globs_select_stacks() {
    // `image-*` names two of the three stacks: ignoring the glob (or
    // treating it as "all") would also write artifact-store.
    let dir = tempfile::tempdir().unwrap();
    let ran = Run::new(&["synth", "image-*"]).dir(dir.path()).output();
    assert_transcript!(ran);
    let written: Vec<String> = snapshot_tree(dir.path())
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(
        written,
        [
            "buildspecs/image-pipeline-connection/pipeline/buildspec.yml",
            "buildspecs/image-pipeline/pipeline/buildspec.yml",
            "stacks/image-pipeline-connection.yaml",
            "stacks/image-pipeline.yaml",
        ]
    );
}

#[test]
fn list_prints_stacks_as_text_and_json() {
    let out = pipewright(&repo()).arg("list").output().unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    let mut lines = stdout.lines();
    assert!(lines.next().unwrap().starts_with("STACK"));
    let row = stdout
        .lines()
        .find(|l| l.starts_with("artifact-store "))
        .unwrap();
    let cells: Vec<&str> = row
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    // The bucket holds data: termination protection and a stack policy
    // that guards it, by default.
    assert_eq!(
        cells,
        [
            "artifact-store",
            "default account, default region",
            "termination policy(ArtifactBucket)",
            "-"
        ]
    );

    let out = pipewright(&repo())
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &json[0];
    assert_eq!(first["name"], "artifact-store");
    assert_eq!(first["template"], "stacks/artifact-store.yaml");
    assert_eq!(first["dependencies"], serde_json::json!([]));
    assert_eq!(first["termination_protection"], true);
    assert_eq!(
        first["stack_policy"],
        serde_json::json!({
            "on": true,
            "protected": ["ArtifactBucket"],
            "allowed": {},
            "opted_out": null,
        })
    );
}

#[test]
fn usage_errors_exit_2() {
    let ran = Run::new(&["sinth"]).dir(&repo()).output();
    assert_transcript!(ran);
}

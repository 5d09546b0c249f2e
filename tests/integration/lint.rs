//! Every committed template passes `cfn-lint` with no error and no warning.

use crate::support::{repo, text, tool};

#[test]
fn cfn_lint_reports_nothing_on_committed_templates() {
    let mut templates: Vec<String> = std::fs::read_dir(repo().join("stacks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    templates.sort();
    assert!(!templates.is_empty(), "no templates in stacks/");
    let args: Vec<&str> = templates.iter().map(String::as_str).collect();
    let out = tool("cfn-lint", &args);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "cfn-lint found problems:\n{stdout}{stderr}"
    );
    assert_eq!(stdout, "", "cfn-lint printed findings");
}

#[test]
fn cfn_lint_rejects_a_broken_template() {
    // The check above can fail: a template with an unknown property does.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(
        &path,
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      NoSuchProperty: 1\n",
    )
    .unwrap();
    let out = tool("cfn-lint", &[path.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).0.contains("NoSuchProperty"));
}

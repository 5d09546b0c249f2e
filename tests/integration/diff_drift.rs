//! diff and the template layers of drift end to end: the built binary
//! against `moto_server`, with stacks changed behind pipewright's back.

use super::moto::{Session, session};
use super::support::{repo, text};
use serde_json::Value;

/// The committed artifact-store template with the bucket's versioning
/// suspended and an output description edited: what someone might do in
/// the console.
fn edited_store() -> String {
    let body = std::fs::read_to_string(repo().join("stacks/artifact-store.yaml")).unwrap();
    let edited = body
        .replace(
            "VersioningConfiguration:\n        Status: Enabled",
            "VersioningConfiguration:\n        Status: Suspended",
        )
        .replace("Name of the artifact bucket", "bucket name");
    assert_ne!(body, edited, "the edit applies");
    edited
}

fn deployed() -> Session {
    let s = session();
    let out = s.run(&["deploy", "--all", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    s
}

#[test]
fn drift_reports_each_layer_on_its_own() {
    let s = deployed();
    let out = s.run(&["drift", "--all", "--template-only"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "in sync after deploy:\n{stdout}{stderr}"
    );
    assert!(stdout.contains("artifact-store: in sync"), "{stdout}");

    // Layer 2: the stack is updated out of band.
    s.update_out_of_band("artifact-store", &edited_store());
    let out = s.run(&["drift", "artifact-store", "--template-only"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("artifact-store: drifted"), "{stdout}");
    assert!(
        stdout.contains("  committed templates: current"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  deployed template: differs from the code"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    ~ ArtifactBucket AWS::S3::Bucket"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "        Properties.VersioningConfiguration.Status: \"Suspended\" → \"Enabled\""
        ),
        "{stdout}"
    );
    // The one diff renderer: outputs under their heading, as `diff` shows them.
    assert!(
        stdout.contains("    outputs:\n      ~ ArtifactBucketName"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  resources: skipped (--template-only)"),
        "{stdout}"
    );

    // Layer 1: the committed file no longer matches the code.
    let path = s.dir.path().join("stacks/image-pipeline.yaml");
    let body = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        body.replace("Builds a Docker image", "Builds an image"),
    )
    .unwrap();
    // Layer "missing": a stack destroyed.
    let out = s.run(&["destroy", "image-pipeline-connection", "--yes"]);
    assert_eq!(out.status.code(), Some(0));

    let out = s.run(&["drift", "--template-only", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let stacks = json["stacks"].as_array().unwrap();
    let by_name = |n: &str| stacks.iter().find(|s| s["stack"] == n).unwrap();
    let store = by_name("artifact-store");
    assert_eq!(store["drifted"], true);
    assert_eq!(store["complete"], true);
    assert_eq!(store["committed"]["status"], "current");
    assert_eq!(store["template"]["status"], "differs");
    assert_eq!(
        store["template"]["diff"]["resources"][0]["id"],
        "ArtifactBucket"
    );
    assert_eq!(
        store["template"]["diff"]["resources"][0]["properties"][0],
        serde_json::json!({"path": "Properties.VersioningConfiguration.Status", "old": "Suspended", "new": "Enabled"})
    );
    let pipeline = by_name("image-pipeline");
    assert_eq!(pipeline["committed"]["status"], "stale");
    assert_eq!(
        pipeline["committed"]["files"][0],
        "stacks/image-pipeline.yaml: stale"
    );
    assert_eq!(pipeline["template"]["status"], "in_sync");
    let gone = by_name("image-pipeline-connection");
    assert_eq!(gone["deployed"], false);
    assert_eq!(gone["template"]["status"], "missing");
    assert_eq!(gone["resources"]["status"], "skipped");
}

#[test]
fn drift_without_template_only_names_the_api_moto_lacks() {
    let s = deployed();
    let out = s.run(&["drift", "artifact-store"]);
    let (stdout, _) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a check that cannot complete is exit 1:\n{stdout}"
    );
    assert!(
        stdout.contains("  deployed template: in sync"),
        "layer 2 still reported:\n{stdout}"
    );
    assert!(stdout.contains("error: DetectStackDrift for stack `artifact-store` failed: the endpoint rejects drift detection"), "{stdout}");
    assert!(stdout.contains("pass --template-only"), "{stdout}");
}

/// Output with the temporary stack details that vary between runs removed.
fn stable(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn diff_before_deploy_after_deploy_and_after_an_out_of_band_change() {
    let s = session();
    let out = s.run(&["diff", "artifact-store", "--exit-code"]);
    assert_eq!(out.status.code(), Some(3), "all new is a difference");
    insta::assert_snapshot!("diff_not_deployed", stable(&text(&out).0));

    let out = s.run(&["deploy", "--all", "--yes"]);
    assert_eq!(out.status.code(), Some(0));
    let out = s.run(&["diff", "--exit-code"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    insta::assert_snapshot!("diff_in_sync", stable(&text(&out).0));

    // Someone changes the deployed stack; the code now differs from it.
    s.update_out_of_band("artifact-store", &edited_store());
    let out = s.run(&["diff", "artifact-store", "--exit-code"]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!("diff_changed_text", stable(&text(&out).0));
    let out = s.run(&["diff", "artifact-store", "--format", "markdown"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "without --exit-code, differences are exit 0"
    );
    insta::assert_snapshot!("diff_changed_markdown", stable(&text(&out).0));
    let out = s.run(&["diff", "artifact-store", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::assert_json_snapshot!("diff_changed_json", json);
}

/// An ECR repository renamed in code and not deployed yet: moto's change
/// set gives no replacement, and the provider schemas say `RepositoryName`
/// is create-only, so diff says the repository is replaced (issue #22).
#[test]
fn diff_of_an_undeployed_rename_says_the_repository_is_replaced() {
    let s = session();
    let out = s.run(&["deploy", "app-ci", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    // What is deployed has the old name; the code has `acme/app`.
    let committed = std::fs::read_to_string(s.dir.path().join("stacks/app-ci.yaml")).unwrap();
    assert!(committed.contains("RepositoryName: acme/app\n"));
    s.update_out_of_band(
        "app-ci",
        &committed.replace(
            "RepositoryName: acme/app\n",
            "RepositoryName: acme/app-old\n",
        ),
    );

    let out = s.run(&["diff", "app-ci", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let resources = json["stacks"][0]["diff"]["resources"].as_array().unwrap();
    let renamed: Vec<&Value> = resources
        .iter()
        .filter(|r| {
            r["properties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["path"] == "Properties.RepositoryName")
        })
        .collect();
    assert_eq!(renamed.len(), 1, "{json:#}");
    assert_eq!(renamed[0]["replacement"], "yes", "{json:#}");
    assert_eq!(renamed[0]["stateful"], true);

    let out = s.run(&["diff", "app-ci"]);
    let (stdout, _) = text(&out);
    let line = stdout
        .lines()
        .find(|l| l.contains("AWS::ECR::Repository") && l.contains('~'))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains("replace") && line.contains("DATA AT RISK"),
        "{line}"
    );
}

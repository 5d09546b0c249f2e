//! deploy, destroy and status end to end: the built binary against
//! `moto_server`, checked through the AWS API (CloudFormation, ECR, S3).

use super::moto::{free_port, session};
use super::support::text;
use serde_json::Value;

const STACKS: [&str; 3] = [
    "artifact-store",
    "image-pipeline",
    "image-pipeline-connection",
];

fn change_set_count(state: &Value) -> usize {
    state["change_sets"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_array().unwrap().len())
        .sum()
}

/// The ECR repositories the app's operations-account stacks create; they
/// are retained when the stacks are destroyed.
const REPOSITORIES: [&str; 7] = [
    "acme/api",
    "acme/app",
    "acme/app-base",
    "acme/web",
    "acme/web-mirror",
    "sample-app",
    "sample-service",
];

#[test]
fn deploys_every_stack_skips_what_matches_updates_and_destroys() {
    let s = session();

    // Deploy everything.
    let out = s.run(&["deploy", "--all", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for stack in STACKS {
        assert!(
            stderr.contains(&format!("{stack}: created CREATE_COMPLETE")),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("+ Repository"),
        "the change set is shown:\n{stderr}"
    );
    assert!(
        stderr.contains("BuildRole") && stderr.contains("[IAM]"),
        "{stderr}"
    );
    // The preview lists the statements a first deploy grants and every
    // parameter value, NoEcho ones masked.
    assert!(stderr.contains("  IAM statements:"), "{stderr}");
    assert!(
        stderr.contains("+ BuildRole Allow") && stderr.contains("(broadens)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("+ GithubBranch: main") && stderr.contains("+ GithubAuthToken: ****"),
        "{stderr}"
    );
    let state = s.state();
    for stack in STACKS {
        assert_eq!(
            state["stacks"][stack]["status"], "CREATE_COMPLETE",
            "{state}"
        );
    }
    assert_eq!(
        state["stacks"]["image-pipeline"]["parameters"]["GithubRepository"],
        "sample-app"
    );
    assert_eq!(
        state["stacks"]["image-pipeline-connection"]["tags"]["pipewright:example"], "connection",
        "tags from the template-configuration file reach the stack"
    );
    assert_eq!(state["repositories"], serde_json::json!(REPOSITORIES));
    let buckets: Vec<&str> = state["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    // Every stack with a pipeline or an artifact store has its bucket: the
    // pipeline's own (`PipelineArtifactBucket`) or a shared one.
    for stack in STACKS {
        let own = format!("{stack}-pipelineartifactbucket-");
        let shared = format!("{stack}-artifactbucket-");
        assert!(
            buckets
                .iter()
                .any(|b| b.starts_with(&own) || b.starts_with(&shared)),
            "{stack}: {buckets:?}"
        );
    }
    let sets = change_set_count(&state);

    // Deploy again: nothing differs, no change set is created.
    let out = s.run(&["deploy", "--all", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for stack in STACKS {
        assert!(stderr.contains(&format!("{stack}: no changes")), "{stderr}");
    }
    assert!(!stderr.contains("change set pipewright-"), "{stderr}");
    assert_eq!(
        change_set_count(&s.state()),
        sets,
        "no change set was created"
    );

    // Change a property through a parameter: the stack is updated.
    let out = s.run(&[
        "deploy",
        "image-pipeline",
        "--yes",
        "-p",
        "GithubBranch=develop",
    ]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("image-pipeline: updated UPDATE_COMPLETE"),
        "{stderr}"
    );
    // The preview names the parameter whose value changes, and only it:
    // the NoEcho ones are sent again but cannot be compared.
    assert!(stderr.contains("  parameters:"), "{stderr}");
    assert!(
        stderr.contains("~ GithubBranch: main → develop"),
        "{stderr}"
    );
    assert!(!stderr.contains("GithubAuthToken:"), "{stderr}");
    assert!(
        !stderr.contains("IAM statements:"),
        "no permission changes:\n{stderr}"
    );
    let state = s.state();
    assert_eq!(
        state["stacks"]["image-pipeline"]["status"],
        "UPDATE_COMPLETE"
    );
    assert_eq!(
        state["stacks"]["image-pipeline"]["parameters"]["GithubBranch"],
        "develop"
    );
    assert_eq!(
        state["stacks"]["artifact-store"]["status"], "CREATE_COMPLETE",
        "only the named stack"
    );

    // Status shows every stack, as text and as JSON.
    let out = s.run(&["status"]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("image-pipeline\tUPDATE_COMPLETE\tchanged "),
        "{stdout}"
    );
    let out = s.run(&["status", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["stacks"][0]["stack"], "artifact-store");
    assert_eq!(json["stacks"][0]["deployed"], true);
    assert_eq!(json["stacks"][0]["drift"]["status"], "NOT_CHECKED");

    // Destroy all: retained resources are listed, and they stay.
    let out = s.run(&["destroy", "--all", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("image-pipeline:   retained Repository (AWS::ECR::Repository): sample-app"),
        "{stderr}"
    );
    assert!(stderr.contains("artifact-store:   retained ArtifactBucket (AWS::S3::Bucket): artifact-store-artifactbucket-"), "{stderr}");
    // What is retained is said before anything is deleted.
    let announced = stderr
        .find("image-pipeline: will retain Repository (AWS::ECR::Repository): sample-app")
        .unwrap_or_else(|| panic!("{stderr}"));
    let started = stderr
        .find("delete started")
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(announced < started, "{stderr}");
    let state = s.state();
    assert_eq!(
        state["stacks"],
        serde_json::json!({}),
        "every stack is gone"
    );
    assert_eq!(
        state["repositories"],
        serde_json::json!(REPOSITORIES),
        "retained"
    );
    // Four of them `infra`'s caches and artifact bucket and the operations
    // bootstrap's template bucket.
    assert_eq!(state["buckets"].as_array().unwrap().len(), 11, "retained");

    // Destroying again succeeds: the stacks are already gone.
    let out = s.run(&["destroy", "artifact-store", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("artifact-store: not deployed; nothing to delete"),
        "{stderr}"
    );
    let out = s.run(&["status", "artifact-store"]);
    assert_eq!(text(&out).0, "artifact-store\tnot deployed\n");
}

#[test]
fn deploy_outputs_results_as_json() {
    let s = session();
    let out = s.run(&["deploy", "artifact-store", "--yes", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["stacks"][0]["stack"], "artifact-store");
    assert_eq!(json["stacks"][0]["result"], "created");
    assert_eq!(json["stacks"][0]["status"], "CREATE_COMPLETE");
    assert!(json["stacks"][0]["outputs"].is_object());
}

#[test]
fn parameter_problems_stop_before_any_api_call() {
    let s = session();
    let file = s.dir.path().join("parameters/image-pipeline.json");
    let cases = [
        (
            r#"{"GithubAccount": "demo", "GithubRepository": "app", "GithubAuthToken": "${env:GITHUB_TOKEN}", "GithubWebhookSecret": "${env:GITHUB_WEBHOOK_SECRET}", "GithubBrnch": "main"}"#,
            "parameters/image-pipeline.json: `GithubBrnch`: the template has no such parameter; did you mean `GithubBranch`?",
        ),
        (
            r#"{"GithubAccount": "demo", "GithubAuthToken": "${env:GITHUB_TOKEN}", "GithubWebhookSecret": "${env:GITHUB_WEBHOOK_SECRET}"}"#,
            "parameters/image-pipeline.json: `GithubRepository`: required parameter has no value",
        ),
        (
            r#"{"GithubAccount": "demo", "GithubRepository": "Sample_App", "GithubAuthToken": "${env:GITHUB_TOKEN}", "GithubWebhookSecret": "${env:GITHUB_WEBHOOK_SECRET}"}"#,
            "parameters/image-pipeline.json: `GithubRepository`: value `Sample_App` does not match AllowedPattern",
        ),
        (
            r#"{"GithubAccount": "demo", "GithubRepository": "app", "GithubAuthToken": "${env:GITHUB_TOKEN}", "GithubWebhookSecret": "${env:PIPEWRIGHT_UNSET_VARIABLE}"}"#,
            "parameters/image-pipeline.json: `GithubWebhookSecret`: environment variable `PIPEWRIGHT_UNSET_VARIABLE` is not set",
        ),
    ];
    for (contents, expected) in cases {
        std::fs::write(&file, contents).unwrap();
        let out = s.run(&["deploy", "image-pipeline", "--yes"]);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("error: 1 parameter problem"), "{stderr}");
        assert!(
            stderr.contains(expected),
            "expected `{expected}` in:\n{stderr}"
        );
        assert!(stderr.contains("hint: fix the parameter files"), "{stderr}");
    }
    let out = s.run(&["deploy", "artifact-store", "--yes", "-p", "Nope=1"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--parameter: `Nope`: no stack being deployed declares this parameter"),
        "{stderr}"
    );
    assert_eq!(
        s.state()["stacks"],
        serde_json::json!({}),
        "no API write was made"
    );
}

#[test]
fn refuses_without_a_terminal_or_yes() {
    let s = session();
    let out = s.run(&["deploy", "artifact-store"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: deploy asks for a confirm, but stdin is not a terminal"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: pass --yes"), "{stderr}");
    let out = s.run(&["deploy"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no stack and no --all is a usage error"
    );
    let out = s.run(&[
        "deploy",
        "artifact-store",
        "--yes",
        "-p",
        ":Token=hunter2-secret",
    ]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: --parameter #1: expected KEY=VALUE or STACK:KEY=VALUE (the value is not shown)"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "a malformed flag never echoes its value:\n{stderr}"
    );
    let out = s.run(&["destroy", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(s.state()["stacks"], serde_json::json!({}));
}

#[test]
fn refuses_a_committed_template_that_differs_from_the_code() {
    let s = session();
    let path = s.dir.path().join("stacks/artifact-store.yaml");
    let body = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        body.replace("Name of the artifact bucket", "edited by hand"),
    )
    .unwrap();
    let out = s.run(&["deploy", "--all", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: 1 committed file does not match the code"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stacks/artifact-store.yaml: stale"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: what is deployed must be what was reviewed"),
        "{stderr}"
    );
    assert_eq!(s.state()["stacks"], serde_json::json!({}));
}

#[test]
fn no_execute_leaves_a_named_change_set_for_review() {
    let s = session();
    let out = s.run(&["deploy", "artifact-store", "--no-execute"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("is ready for review; execute it with `aws cloudformation execute-change-set --stack-name artifact-store --change-set-name pipewright-"), "{stderr}");
    let state = s.state();
    assert_eq!(
        state["stacks"]["artifact-store"]["status"],
        "REVIEW_IN_PROGRESS"
    );
    let sets = state["change_sets"]["artifact-store"].as_array().unwrap();
    assert_eq!(sets.len(), 1);
    assert!(sets[0]["name"].as_str().unwrap().starts_with("pipewright-"));
    assert_eq!(sets[0]["execution"], "AVAILABLE");

    // A later deploy creates the stack from its REVIEW_IN_PROGRESS state.
    let out = s.run(&["deploy", "artifact-store", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    assert_eq!(
        s.state()["stacks"]["artifact-store"]["status"],
        "CREATE_COMPLETE"
    );
}

#[test]
fn an_unreachable_endpoint_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let mut c = super::support::pipewright(&super::support::repo());
    super::moto::aws_env(&mut c, &endpoint, dir.path());
    // Static keys, which need no call to load: the first call is DescribeStacks.
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let out = c.args(["status", "artifact-store"]).output().unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: artifact-store: cannot reach {endpoint} (region us-east-1) for DescribeStacks"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(
        stderr.contains("hint: check the network, AWS_ENDPOINT_URL"),
        "{stderr}"
    );
}

/// `recover` refuses a stack with no failed rollback, changing nothing, and
/// says why (issue #22); the continued rollback itself is in
/// `cloud_mocks::recover` (moto has no ContinueUpdateRollback).
#[test]
fn recover_refuses_a_stack_with_no_failed_rollback() {
    let s = session();
    let out = s.run(&["recover", "artifact-store"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "error: stack `artifact-store` is not deployed: there is no rollback to continue\n"
    );
    let out = s.run(&["deploy", "artifact-store", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let out = s.run(&["recover", "artifact-store", "--skip", "ArtifactBucket"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out).1,
        "error: stack `artifact-store` is CREATE_COMPLETE: only a stack in UPDATE_ROLLBACK_FAILED has a rollback to continue\n\
         hint: `pipewright status` shows each stack's state\n"
    );
    let out = s.run(&["recover", "artifact-stor"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out).1);
}

//! The command line itself: `--help` and its exit codes, and the shell
//! completion scripts.

use crate::support::tool;
use crate::support::transcript::{Run, assert_transcript};
use pipewright::cli::Exit;

#[test]
fn help_lists_every_exit_code() {
    for args in [&["--help"][..], &["synth", "--help"], &["deploy", "--help"]] {
        let ran = Run::new(args).output();
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
        let section = ran
            .stdout
            .split_once("Exit codes:\n")
            .map(|(_, s)| s)
            .unwrap_or_else(|| {
                panic!(
                    "`{}` has an exit-code section:\n{}",
                    args.join(" "),
                    ran.stdout
                )
            });
        let lines: Vec<&str> = section.lines().collect();
        let expected: Vec<String> = Exit::ALL
            .iter()
            .map(|e| format!("  {:<5}{}", e.code(), e.meaning()))
            .collect();
        assert_eq!(lines, expected, "`{}`", args.join(" "));
    }
}

#[test]
fn completions_name_the_subcommands_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let ran = Run::new(&["completions", shell]).output();
        assert_eq!(ran.code, Some(0), "{shell}: {}", ran.stderr);
        assert_eq!(ran.stderr, "", "{shell}");
        for word in ["synth", "deploy", "destroy", "drift", "completions"] {
            assert!(
                ran.stdout.contains(word),
                "{shell} completions lack `{word}`:\n{}",
                ran.stdout
            );
        }
    }
}

#[test]
fn bash_completions_parse() {
    let ran = Run::new(&["completions", "bash"]).output();
    assert_eq!(ran.code, Some(0));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("pipewright.bash");
    std::fs::write(&script, &ran.stdout).unwrap();
    let out = tool("bash", &["-n", script.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let ran = Run::new(&["completions", "tcsh"]).output();
    assert_transcript!(ran);
}

#[test]
fn deploy_without_a_terminal_or_yes_refuses_as_a_transcript() {
    let s = crate::moto::session();
    let ran = Run::new(&["deploy", "artifact-store"])
        .dir(s.dir.path())
        .aws(&s.endpoint)
        .env("NO_COLOR", "1")
        .output();
    assert_transcript!(ran);
}

#[test]
fn deploy_no_execute_names_the_change_set_it_leaves() {
    // The change set's name carries the template hash and the time: the
    // transcript shows `[CHANGE_SET]`.
    let s = crate::moto::session();
    let ran = Run::new(&["deploy", "artifact-store", "--no-execute"])
        .dir(s.dir.path())
        .aws(&s.endpoint)
        .output();
    assert_transcript!(ran);
    assert!(ran.stderr.contains("pipewright-"), "{}", ran.stderr);
}

#[test]
fn list_permissions_shows_each_role_its_calls_and_what_is_not_read() {
    let ran = Run::new(&["list", "--permissions"]).output();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let deploy: Vec<&str> = ran
        .stdout
        .lines()
        .skip_while(|l| *l != "app-cd/DeployRole")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(
        deploy.contains(&"  Deploy runs `aws sts assume-role` in pre_build: needs sts:AssumeRole"),
        "{deploy:#?}"
    );
    assert!(
        deploy.contains(
            &"  Deploy runs chmod, curl, kubectl: not read, what they need is granted by hand"
        ),
        "{deploy:#?}"
    );
    // Granted by two pipelines, listed once.
    let reads = "  Allow s3:GetObject, s3:GetObjectVersion on !Sub \"${ArtifactBucket.Arn}/*\"";
    assert_eq!(
        deploy.iter().filter(|l| **l == reads).count(),
        1,
        "{deploy:#?}"
    );
    // Each statement says the need behind it, or that it is a hand grant.
    assert!(
        deploy.contains(
            &"    why: build logs of project `Deploy` (https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html)"
        ),
        "{deploy:#?}"
    );
    assert!(
        deploy.contains(
            &"    why: the deploy build assumes the deploy role of cluster `staging` (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html)"
        ),
        "{deploy:#?}"
    );
    // The app-ci roles' connection use is granted by app-cd's pipelines.
    let ran = Run::new(&["list", "--permissions", "--format", "json"]).output();
    let roles: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let image = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "app-ci/ImageRole")
        .unwrap();
    let connection = image["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["statement"]
                .to_string()
                .contains("codestar-connections:UseConnection")
        })
        .unwrap_or_else(|| panic!("{image}"));
    assert_eq!(
        connection["needs"][0]["doc"],
        "https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html",
        "{connection}"
    );
}

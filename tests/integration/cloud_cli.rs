//! The cloud commands' errors that are the same for every stack: said
//! once, before any API call, naming what to fix. No server is needed: the
//! checks run before the first request.

use super::moto::aws_env;
use super::support::{copy_outputs, pipewright, text};
use std::process::Output;

/// `pipewright ARGS` in a copy of the committed outputs, with dummy
/// credentials and a profile file that defines only `ci`.
fn run(args: &[&str], region: bool) -> Output {
    let dir = copy_outputs();
    let config = dir.path().join("aws-config");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n\n[profile ci]\nregion = eu-west-1\n",
    )
    .unwrap();
    let mut c = pipewright(dir.path());
    // An endpoint nothing listens on: a request would be an error of its own.
    aws_env(&mut c, "http://127.0.0.1:9", dir.path());
    // Its own config file, and static keys that need no call to load.
    c.env("AWS_CONFIG_FILE", &config)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    if !region {
        c.env_remove("AWS_REGION");
        c.env("AWS_CONFIG_FILE", dir.path().join("no-config"));
    }
    c.args(args).stdin(std::process::Stdio::null());
    c.output().unwrap()
}

#[test]
fn an_unknown_profile_is_said_once_and_named() {
    for command in [
        &["drift", "--all", "--template-only"][..],
        &["status"][..],
        &["destroy", "--all", "--yes"][..],
    ] {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(["--profile", "nope"])
            .collect();
        let out = run(&args, true);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
        assert_eq!(
            stderr.matches("profile `nope` does not exist").count(),
            1,
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("error: AWS profile `nope` does not exist"),
            "{stderr}"
        );
        assert!(stderr.contains("aws configure list-profiles"), "{stderr}");
        assert!(!stderr.contains("cannot reach"), "no API call: {stderr}");
    }
}

#[test]
fn a_defined_profile_goes_on_to_the_api() {
    let out = run(&["status", "artifact-store", "--profile", "ci"], true);
    let (_, stderr) = text(&out);
    assert!(!stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
}

#[test]
fn no_region_is_said_once_for_every_stack() {
    let out = run(&["drift", "--all", "--template-only"], false);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr.matches("no AWS region is configured").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("hint: pass --region"), "{stderr}");
}

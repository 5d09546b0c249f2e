//! One run across accounts: the app's stacks live in the caller's account
//! (the operations account, 111111111111) and in two workload accounts. The
//! bootstrap stacks are deployed with the workload accounts' own
//! credentials (profiles); every other command runs as the operations
//! account does, through the deploy roles. moto gives credentials of the
//! role's account from `sts:AssumeRole`, so each stack lands in its own
//! account. What moto cannot refuse (an `AssumeRole` denied) is served by
//! `aws-smithy-mocks`.

use super::moto::{OPERATIONS, session};
use super::support::text;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::get_stack_policy::GetStackPolicyOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::primitives::DateTime;
use aws_sdk_cloudformation::types::{Stack, StackStatus};
use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_sdk_sts::types::{AssumedRoleUser, Credentials};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::{Cloud, Progress, Ui};
use pipewright::parameters::StackParameters;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const STAGING: &str = "222222222222";
const PRODUCTION: &str = "333333333333";

fn names(state: &Value) -> BTreeSet<String> {
    state["stacks"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn one_deploy_reaches_every_account_and_a_second_changes_nothing() {
    let s = session();

    // The bootstrap stacks, with each workload account's own credentials.
    let out = s.run(&["deploy", "bootstrap-*", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    // Everything, as the operations account: the workload stacks through
    // the deploy roles the bootstrap stacks made; the bootstrap stacks are
    // read through them and found unchanged.
    let out = s.run_as_operations(&["deploy", "--all", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for stack in ["bootstrap-staging", "bootstrap-production"] {
        assert!(stderr.contains(&format!("{stack}: no changes")), "{stderr}");
    }
    for stack in [
        "deploy-role-staging",
        "deploy-role-production",
        "deploy-role-production-eu",
        "build-once-production",
        "eks-common",
        "app-ci",
        "app-cd",
        "api-ci",
        "api-cd",
    ] {
        assert!(
            stderr.contains(&format!("{stack}: created CREATE_COMPLETE")),
            "{stderr}"
        );
    }
    // The connection the common stack creates needs a person to complete it.
    let pending: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("a new connection stays PENDING until someone completes it: console, Developer Tools > Settings > Connections, choose the connection, Update pending connection"))
        .collect();
    assert_eq!(pending.len(), 1, "{stderr}");
    assert!(pending[0].contains("eks-common"), "{stderr}");

    // Each stack exists in its own account, and only there; a stack reached
    // through the deploy role runs as the execution role.
    let caller = s.state();
    assert_eq!(
        s.state_of(Some(OPERATIONS)),
        caller,
        "the caller is the operations account"
    );
    let staging = s.state_of(Some(STAGING));
    let production = s.state_of(Some(PRODUCTION));
    assert_eq!(
        names(&caller),
        set(&[
            "api-cd",
            "api-ci",
            "app-cd",
            "app-ci",
            "artifact-store",
            "bootstrap-operations",
            "build-once-pipeline",
            "dockerhub-pipeline",
            "eks-common",
            "image-pipeline",
            "image-pipeline-connection",
            "infra",
            "make-pipeline"
        ])
    );
    // The stack set `workload-alerts` (of the operations account) has an
    // instance in each workload account (moto names its stack
    // `StackSet:<set>`; CloudFormation `StackSet-<set>-<id>`).
    assert_eq!(
        names(&staging),
        set(&[
            "StackSet:workload-alerts",
            "bootstrap-staging",
            "deploy-role-staging"
        ])
    );
    // The production registry lives in another region than its account's
    // bootstrap, which manages it there, beside production's eu-west-1
    // deploy role.
    let production_eu = s.state_in(Some(PRODUCTION), Some("eu-west-1"));
    assert_eq!(
        names(&production_eu),
        set(&["build-once-production", "deploy-role-production-eu"])
    );
    assert_eq!(
        production_eu["repositories"],
        serde_json::json!(["acme/web"])
    );
    assert_eq!(
        names(&production),
        set(&[
            "StackSet:workload-alerts",
            "bootstrap-production",
            "deploy-role-production"
        ])
    );
    assert_eq!(
        staging["stacks"]["deploy-role-staging"]["role"],
        json!("arn:aws:iam::222222222222:role/pipewright-exec")
    );
    assert_eq!(
        production["stacks"]["deploy-role-production"]["role"],
        json!("arn:aws:iam::333333333333:role/pipewright-exec")
    );
    assert_eq!(
        staging["stacks"]["bootstrap-staging"].get("role"),
        None,
        "the bootstrap stack runs with the account's own credentials"
    );
    assert_eq!(caller["stacks"]["artifact-store"].get("role"), None);
    assert_eq!(
        production_eu["stacks"]["build-once-production"]["role"],
        json!("arn:aws:iam::333333333333:role/pipewright-exec")
    );

    // A second deploy of everything, as the infra pipeline's deploy build
    // runs it (every account through its bootstrap's deploy role, the
    // operations account's included), makes no write call: every stack is
    // unchanged, and no account holds a change set.
    let out = s.run_as_operations(&["deploy", "--all", "--yes", "--through-bootstrap"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches(": no changes").count(), 20, "{stderr}");
    assert!(!stderr.contains("change set"), "{stderr}");
    assert_eq!(s.state(), caller);
    assert_eq!(s.state_of(Some(STAGING)), staging);
    assert_eq!(s.state_of(Some(PRODUCTION)), production);

    // status, diff and the template layers of drift across the accounts.
    let out = s.run_as_operations(&["status", "--format", "json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    // Every stack created; the stack set active, with its two instances
    // current.
    let statuses: Vec<(&str, &str)> = status["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let status = s["status"]
                .as_str()
                .or_else(|| s["stack_set"]["status"].as_str())
                .unwrap();
            (s["stack"].as_str().unwrap(), status)
        })
        .collect();
    assert_eq!(statuses.len(), 20, "{stdout}");
    assert!(
        statuses.iter().all(|(name, st)| *st == "CREATE_COMPLETE"
            || (*name == "workload-alerts" && *st == "ACTIVE")),
        "{stdout}"
    );
    let set = status["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stack"] == "workload-alerts")
        .unwrap();
    let instances: Vec<(&str, &str)> = set["stack_set"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["account"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        instances,
        [("222222222222", "CURRENT"), ("333333333333", "CURRENT")],
        "{set}"
    );
    let out = s.run_as_operations(&["diff", "--exit-code"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let out = s.run_as_operations(&["drift", "--all", "--template-only"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");

    // The deploy role may not change the bootstrap stack: refused before
    // any write, with the way to do it.
    let out = s.run_as_operations(&["destroy", "bootstrap-staging", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stack `bootstrap-staging` is changed with credentials of account 222222222222 only, never through the deploy role it creates"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--account-profile 222222222222=NAME"),
        "{stderr}"
    );
    assert!(names(&s.state_of(Some(STAGING))).contains("bootstrap-staging"));

    // With the profiles, destroy reaches every account.
    let out = s.run(&["destroy", "--all", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The EKS system's image repositories and artifact bucket are retained.
    let after = s.state_of(None);
    for repository in ["acme/app", "acme/app-base", "acme/api"] {
        assert!(
            after["repositories"]
                .as_array()
                .unwrap()
                .contains(&json!(repository)),
            "{after}"
        );
    }
    assert!(
        after["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b.as_str().unwrap().starts_with("eks-common-artifactbucket")),
        "{after}"
    );
    for account in [None, Some(STAGING), Some(PRODUCTION)] {
        let left: Vec<(String, Value)> = s.state_of(account)["stacks"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v["status"] != "DELETE_COMPLETE")
            .map(|(k, v)| (k.clone(), v["status"].clone()))
            .collect();
        assert!(left.is_empty(), "{account:?}: {left:?}");
    }
    // The repositories are retained, in their own accounts.
    let repositories = |account| s.state_of(account)["repositories"].clone();
    let kept = repositories(None);
    for name in ["acme/app", "acme/app-base", "acme/web", "acme/web-mirror"] {
        assert!(kept.as_array().unwrap().contains(&json!(name)), "{kept}");
    }
    assert_eq!(
        s.state_in(Some(PRODUCTION), Some("eu-west-1"))["repositories"],
        json!(["acme/web"])
    );
}

/// `AssumeRole` answering with credentials of `account`.
pub(super) fn assume_role_as(account: &'static str) -> Rule {
    mock!(aws_sdk_sts::Client::assume_role).then_output(move || {
        AssumeRoleOutput::builder()
            .credentials(
                Credentials::builder()
                    .access_key_id("ASIAEXAMPLE")
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(DateTime::from_secs(4_102_444_800))
                    .build()
                    .unwrap(),
            )
            .assumed_role_user(
                AssumedRoleUser::builder()
                    .arn(format!(
                        "arn:aws:sts::{account}:assumed-role/pipewright-deploy/pipewright"
                    ))
                    .assumed_role_id("AROAEXAMPLE:pipewright")
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

struct Quiet;

impl Ui for Quiet {
    fn progress(&self, _stack: &str, _p: Progress<'_>) {}
    fn confirm(&self, _stack: &str, _question: &str) -> bool {
        true
    }
}

#[tokio::test]
async fn an_account_whose_role_cannot_be_assumed_stops_only_its_stacks() {
    let mut app = pipewright::App::new();
    let topic = |name: &str| {
        let mut s = pipewright::Stack::new(name);
        s.add_resource(
            "Topic",
            pipewright::template::Resource::new("AWS::SNS::Topic"),
        );
        s
    };
    app.add(topic("ops"));
    app.add(topic("staging-app").account(STAGING));
    app.add(topic("production-app").account(PRODUCTION));
    app.add(topic("production-web").account(PRODUCTION));
    app.add(
        topic("production-after-staging")
            .account(PRODUCTION)
            .depends_on("staging-app"),
    );
    let assembly = app.synth().unwrap();

    // Every stack that is reached is deployed and unchanged: the flow stops
    // after reading, so only reaching the accounts differs between them.
    // AssumeRole is denied in the staging account (the first matching rule
    // answers).
    let bodies: Vec<(String, String)> = assembly
        .stacks
        .iter()
        .map(|a| (a.name.clone(), a.body.clone()))
        .collect();
    let mut describes = Vec::new();
    let mut templates = Vec::new();
    for (name, body) in &bodies {
        let n = name.clone();
        let stack = Stack::builder()
            .stack_id(format!(
                "arn:aws:cloudformation:us-east-1:111111111111:stack/{name}/1"
            ))
            .stack_name(name)
            .stack_status(StackStatus::CreateComplete)
            .creation_time(DateTime::from_secs(1_795_000_000))
            .build();
        describes.push(
            mock!(Client::describe_stacks)
                .match_requests(move |r| r.stack_name() == Some(n.as_str()))
                .then_output(move || {
                    DescribeStacksOutput::builder()
                        .stacks(stack.clone())
                        .build()
                }),
        );
        let n = name.clone();
        let body = body.clone();
        templates.push(
            mock!(Client::get_template)
                .match_requests(move |r| r.stack_name() == Some(n.as_str()))
                .then_output(move || GetTemplateOutput::builder().template_body(&body).build()),
        );
    }
    // No stack has a stack policy.
    let policies =
        mock!(Client::get_stack_policy).then_output(|| GetStackPolicyOutput::builder().build());
    let rules: Vec<&Rule> = describes
        .iter()
        .chain(&templates)
        .chain([&policies])
        .collect();
    let cfn = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, &rules);

    let caller = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account("111111111111")
            .arn("arn:aws:iam::111111111111:role/ci")
            .user_id("AROAEXAMPLE:ci")
            .build()
    });
    let denied = mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(|r| r.role_arn().is_some_and(|a| a.contains(STAGING)))
        .then_error(|| {
            AssumeRoleError::generic(
                aws_sdk_sts::error::ErrorMetadata::builder()
                    .code("AccessDenied")
                    .message("User: arn:aws:sts::111111111111:assumed-role/ci/build is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/pipewright-deploy")
                    .build(),
            )
        });
    let production = assume_role_as(PRODUCTION);
    let sts = mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        [&caller, &denied, &production]
    );

    let cloud = Cloud::from_clients(cfn, Some(sts));
    let plans: Vec<StackPlan<'_>> = assembly
        .stacks
        .iter()
        .map(|a| StackPlan {
            artifact: a,
            parameters: StackParameters::default(),
            bootstrap: None,
        })
        .collect();
    let options = DeployOptions {
        yes: true,
        concurrency: 4,
        ..DeployOptions::default()
    };
    let reports = Deployer::new(&cloud, &Quiet, options).deploy(&plans).await;
    let outcome = |name: &str| {
        &reports
            .iter()
            .find(|r| r.stack == name)
            .unwrap_or_else(|| panic!("no report for {name}: {reports:?}"))
            .outcome
    };

    assert!(
        matches!(outcome("ops"), DeployOutcome::Unchanged),
        "{reports:?}"
    );
    assert!(
        matches!(outcome("production-app"), DeployOutcome::Unchanged),
        "{reports:?}"
    );
    assert!(
        matches!(outcome("production-web"), DeployOutcome::Unchanged),
        "{reports:?}"
    );
    match outcome("staging-app") {
        DeployOutcome::Error(e) => {
            assert_eq!(
                e.to_string(),
                "cannot reach account 222222222222 for stack `staging-app` through the credentials of role arn:aws:iam::222222222222:role/pipewright-deploy"
            );
            let cause = std::error::Error::source(e).unwrap().to_string();
            assert!(
                cause.contains("AccessDenied") || cause.contains("not authorized"),
                "{cause}"
            );
            assert!(
                e.hint().unwrap().contains("bootstrap account 222222222222"),
                "{:?}",
                e.hint()
            );
        }
        other => panic!("{other:?}"),
    }
    match outcome("production-after-staging") {
        DeployOutcome::Skipped { because } => assert_eq!(because, "staging-app"),
        other => panic!("{other:?}"),
    }
    assert_eq!(denied.num_calls(), 1);
    assert_eq!(
        production.num_calls(),
        1,
        "one AssumeRole for every stack of the account"
    );
    assert_eq!(caller.num_calls(), 1, "the caller's account is asked once");
}

/// Before the fix, with no region configured and every stack of the run
/// declaring its own, the caller's STS client had no region: the account
/// could not be checked nor a role assumed ("missing signing region").
#[test]
fn a_stack_that_declares_its_region_is_reached_without_a_configured_region() {
    let s = session();
    let mut c = super::support::pipewright(s.dir.path());
    super::moto::aws_env(&mut c, &s.endpoint, s.dir.path());
    c.env_remove("AWS_REGION")
        .env_remove("PIPEWRIGHT_ACCOUNT_PROFILES")
        .env("AWS_CONFIG_FILE", s.dir.path().join("no-config"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let out = c
        .args(["status", "deploy-role-staging"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "deploy-role-staging\tnot deployed\n");

    // A profile that assumes a role calls STS in the stack's region too.
    let mut c = super::support::pipewright(s.dir.path());
    super::moto::aws_env(&mut c, &s.endpoint, s.dir.path());
    c.env_remove("AWS_REGION");
    let out = c
        .args(["status", "bootstrap-staging"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "bootstrap-staging\tnot deployed\n");
}

/// Issue #19: a managed stack's execution role is derived from the
/// templates, so a stack deployed against an older bootstrap could fail
/// halfway. `deploy` stops before any change set while the deployed
/// bootstrap differs from the synthesized one, says to deploy it first
/// with the account's own credentials, and goes on once that is done.
#[test]
fn a_managed_stack_waits_for_its_bootstrap_as_synthesized() {
    let s = session();
    let out = s.run(&["deploy", "bootstrap-staging", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);

    // The bootstrap as an earlier synth left it: changed behind
    // pipewright's back with the account's own credentials.
    let committed =
        std::fs::read_to_string(s.dir.path().join("stacks/bootstrap-staging.yaml")).unwrap();
    let older = committed.replace(
        "Description: CloudFormation acts as this role",
        "Description: An earlier execution role",
    );
    assert_ne!(older, committed);
    let path = s.dir.path().join("older-bootstrap.yaml");
    std::fs::write(&path, older).unwrap();
    let mut c = std::process::Command::new("python3");
    super::moto::aws_env(&mut c, &s.endpoint, s.dir.path());
    let out = c
        .env("AWS_PROFILE", "staging")
        .arg(super::support::repo().join("tests/integration/support/aws_update.py"))
        .arg("bootstrap-staging")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);

    let out = s.run_as_operations(&["deploy", "deploy-role-staging", "--yes"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("stack `deploy-role-staging` needs bootstrap stack `bootstrap-staging` of account 222222222222 as synthesized, and the deployed one differs"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("pipewright deploy bootstrap-staging --account-profile 222222222222=PROFILE"),
        "{stderr}"
    );
    assert!(
        !names(&s.state_of(Some(STAGING))).contains("deploy-role-staging"),
        "no change set, no stack"
    );

    let out = s.run(&["deploy", "bootstrap-staging", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let out = s.run_as_operations(&["deploy", "deploy-role-staging", "--yes"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("deploy-role-staging: created CREATE_COMPLETE"),
        "{stderr}"
    );
}

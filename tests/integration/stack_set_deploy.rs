//! Stack sets deployed, updated, retargeted and destroyed against
//! `moto_server`, in both permission models: self-managed (a list of
//! accounts) and service-managed (an organization and an organizational
//! unit made in moto with boto3, `support/aws_organization.py`). moto
//! 5.2.1 gaps for units are corrected in `support/moto_server.py`
//! (correction 3). moto runs every operation to SUCCEEDED at once and never
//! fails an instance: the failure table is tested on the SDK's mock layer
//! (`stack_set_mocks.rs`).

use super::moto::session;
use super::staging::{cloud, credentials};
use super::support::{repo, text};
use aws_sdk_cloudformation::config::Region;
use pipewright::app::{Artifact, Assembly};
use pipewright::cloud::client::https_client;
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::destroy::{DestroyOutcome, destroy};
use pipewright::cloud::diff::diff_stack;
use pipewright::cloud::status::status;
use pipewright::cloud::values::InstanceResultStatus;
use pipewright::cloud::{Cloud, Progress, Ui};
use pipewright::parameters::StackParameters;
use pipewright::stack_set::StackSet;
use pipewright::template::Resource;
use pipewright::{App, Stack};
use std::process::Command;
use std::sync::Mutex;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Records instance progress and the plan lines.
#[derive(Default)]
pub(super) struct Recorder {
    pub lines: Mutex<Vec<String>>,
}

impl Ui for Recorder {
    fn progress(&self, stack: &str, p: Progress<'_>) {
        let line = match p {
            Progress::Unchanged => "unchanged".to_owned(),
            Progress::Instance(r) => format!("instance {} {} {}", r.account, r.region, r.status),
            Progress::StackSetPlan(plan) => format!(
                "plan create={} update={} add={} remove={}",
                plan.create,
                plan.update,
                plan.add.len(),
                plan.remove.len()
            ),
            Progress::Note(n) => format!("note {n}"),
            _ => return,
        };
        self.lines.lock().unwrap().push(format!("{stack}: {line}"));
    }
    fn confirm(&self, _: &str, _: &str) -> bool {
        false
    }
}

fn stack(value: &str) -> Stack {
    let mut s = Stack::new("roles");
    // moto answers 500 for an SSM parameter without a Name.
    s.add_resource(
        "Marker",
        Resource::new("AWS::SSM::Parameter")
            .property("Name", "/pipewright/roles")
            .property("Type", "String")
            .property("Value", value),
    );
    s
}

fn accounts_app(accounts: &[&str], value: &str) -> Assembly {
    let mut set = StackSet::accounts(stack(value), accounts.iter().copied());
    for r in REGIONS {
        set = set.region(r);
    }
    App::new().stack_set(set).synth().unwrap()
}

fn yes() -> DeployOptions {
    DeployOptions {
        yes: true,
        ..DeployOptions::default()
    }
}

async fn deploy(cloud: &Cloud, ui: &Recorder, art: &Artifact) -> DeployOutcome {
    let plan = StackPlan {
        artifact: art,
        parameters: StackParameters::default(),
        bootstrap: None,
    };
    let mut reports = Deployer::new(cloud, ui, yes()).deploy(&[plan]).await;
    reports.remove(0).outcome
}

fn client(endpoint: &str) -> aws_sdk_cloudformation::Client {
    aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version_latest()
            .http_client(https_client())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    )
}

/// The instances, as sorted (account, region) pairs.
async fn instances(c: &aws_sdk_cloudformation::Client) -> Vec<(String, String)> {
    let out = c
        .list_stack_instances()
        .stack_set_name("roles")
        .send()
        .await
        .unwrap();
    let mut v: Vec<(String, String)> = out
        .summaries()
        .iter()
        .map(|i| {
            (
                i.account().unwrap().to_owned(),
                i.region().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn operations(c: &aws_sdk_cloudformation::Client) -> usize {
    c.list_stack_set_operations()
        .stack_set_name("roles")
        .send()
        .await
        .unwrap()
        .summaries()
        .len()
}

fn pairs(accounts: &[&str]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = accounts
        .iter()
        .flat_map(|a| REGIONS.iter().map(|r| (a.to_string(), r.to_string())))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn self_managed_create_noop_update_retarget_and_destroy() {
    let s = session();
    let cloud = cloud(&s.endpoint);
    let c = client(&s.endpoint);
    let (a, b, third) = ("111111111111", "222222222222", "333333333333");

    // Created: the set, then one operation for every account and region.
    let first = accounts_app(&[a, b], "v1");
    let ui = Recorder::default();
    match deploy(&cloud, &ui, first.get("roles").unwrap()).await {
        DeployOutcome::StackSet(o) => {
            assert!(o.plan.create && o.is_ok(), "{o:?}");
            assert_eq!(o.plan.add.len(), 4);
            assert_eq!(o.results.len(), 4);
            assert!(
                o.results
                    .iter()
                    .all(|r| r.status == InstanceResultStatus::Succeeded)
            );
        }
        other => panic!("{other:?}"),
    }
    let lines = ui.lines.lock().unwrap().clone();
    assert!(
        lines.contains(&"roles: plan create=true update=false add=4 remove=0".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"roles: instance 222222222222 eu-west-1 SUCCEEDED".to_owned()),
        "{lines:?}"
    );
    assert_eq!(instances(&c).await, pairs(&[a, b]));
    let ops = operations(&c).await;

    // The same again: no write, no operation.
    let ui = Recorder::default();
    assert!(matches!(
        deploy(&cloud, &ui, first.get("roles").unwrap()).await,
        DeployOutcome::Unchanged
    ));
    assert_eq!(operations(&c).await, ops);

    // Status: the set and each instance.
    let art = first.get("roles").unwrap();
    let reports = status(&cloud, &[art], 1).await;
    let set = reports[0].stack_set.as_ref().expect("the set is deployed");
    assert_eq!(set.info.permission_model, "SELF_MANAGED");
    assert_eq!(set.instances.len(), 4);
    assert!(matches!(reports[0].info, Ok(None)));

    // Diff: the set's template against the code's.
    let second = accounts_app(&[a, b], "v2");
    let d = diff_stack(&cloud, second.get("roles").unwrap(), None, None)
        .await
        .unwrap();
    assert!(d.deployed);
    let changed: Vec<&str> = d.diff.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(changed, ["Marker"]);

    // A template update reaches every instance the set keeps.
    match deploy(&cloud, &Recorder::default(), second.get("roles").unwrap()).await {
        DeployOutcome::StackSet(o) => {
            assert!(o.plan.update && !o.plan.create && o.is_ok(), "{o:?}");
            assert_eq!(o.plan.update_instances.len(), 4);
            assert!(o.plan.add.is_empty() && o.plan.remove.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let body = c
        .describe_stack_set()
        .stack_set_name("roles")
        .send()
        .await
        .unwrap()
        .stack_set()
        .unwrap()
        .template_body()
        .unwrap()
        .to_owned();
    assert!(body.contains("v2"), "{body}");

    // One account leaves, another joins.
    let third_app = accounts_app(&[a, third], "v2");
    match deploy(
        &cloud,
        &Recorder::default(),
        third_app.get("roles").unwrap(),
    )
    .await
    {
        DeployOutcome::StackSet(o) => {
            assert!(!o.plan.update && o.is_ok(), "{o:?}");
            let added: Vec<&str> = o.plan.add.iter().map(|s| s.target.as_str()).collect();
            let removed: Vec<&str> = o.plan.remove.iter().map(|s| s.target.as_str()).collect();
            assert_eq!(added, [third, third]);
            assert_eq!(removed, [b, b]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(instances(&c).await, pairs(&[a, third]));

    // Destroy: the instances, then the set; a second destroy finds it gone.
    let art = third_app.get("roles").unwrap();
    let reports = destroy(&cloud, &Recorder::default(), &[art], 1).await;
    assert!(
        matches!(reports[0].outcome, DestroyOutcome::Deleted { .. }),
        "{:?}",
        reports[0].outcome
    );
    let gone = c.describe_stack_set().stack_set_name("roles").send().await;
    assert!(
        gone.is_err()
            || gone
                .unwrap()
                .stack_set()
                .and_then(|s| s.status())
                .map(|s| s.as_str())
                == Some("DELETED")
    );
    let reports = destroy(&cloud, &Recorder::default(), &[art], 1).await;
    assert!(matches!(reports[0].outcome, DestroyOutcome::AlreadyGone));
}

/// An organization with one unit of `count` accounts, made as the
/// caller's account with boto3: (unit, accounts).
fn organization(endpoint: &str, count: usize) -> (String, Vec<String>) {
    let out = Command::new("python3")
        .arg(repo().join("tests/integration/support/aws_organization.py"))
        .arg(count.to_string())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .expect("run python3: run ./scripts/test, which installs boto3 into .venv");
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.success(),
        "aws_organization.py failed:\n{stderr}"
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let accounts = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    (v["ou"].as_str().unwrap().to_owned(), accounts)
}

#[tokio::test(flavor = "multi_thread")]
async fn service_managed_over_an_organizational_unit() {
    let s = session();
    let cloud = cloud(&s.endpoint);
    let c = client(&s.endpoint);
    let (unit, accounts) = organization(&s.endpoint, 3);
    let app = |regions: &[&str], value: &str| {
        let mut set = StackSet::organizational_units(stack(value), [unit.as_str()]);
        for r in regions {
            set = set.region(*r);
        }
        App::new().stack_set(set).synth().unwrap()
    };

    // Every account of the unit, in one region.
    let first = app(&["us-east-1"], "v1");
    match deploy(&cloud, &Recorder::default(), first.get("roles").unwrap()).await {
        DeployOutcome::StackSet(o) => {
            assert!(o.plan.create && o.is_ok(), "{o:?}");
            let mut reached: Vec<String> = o.results.iter().map(|r| r.account.clone()).collect();
            reached.sort();
            let mut want = accounts.clone();
            want.sort();
            assert_eq!(reached, want);
        }
        other => panic!("{other:?}"),
    }
    let listed = c
        .list_stack_instances()
        .stack_set_name("roles")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.summaries().len(), 3);
    assert!(
        listed
            .summaries()
            .iter()
            .all(|i| i.organizational_unit_id() == Some(unit.as_str()))
    );

    // Unchanged: no operation.
    let ops = operations(&c).await;
    assert!(matches!(
        deploy(&cloud, &Recorder::default(), first.get("roles").unwrap()).await,
        DeployOutcome::Unchanged
    ));
    assert_eq!(operations(&c).await, ops);

    // A region added, the first removed: instances follow the unit.
    let second = app(&["eu-west-1"], "v1");
    match deploy(&cloud, &Recorder::default(), second.get("roles").unwrap()).await {
        DeployOutcome::StackSet(o) => {
            assert!(o.is_ok(), "{o:?}");
            assert_eq!(o.plan.add.len(), 1);
            assert_eq!(o.plan.remove.len(), 1);
            assert_eq!(o.plan.add[0].region, "eu-west-1");
        }
        other => panic!("{other:?}"),
    }
    let listed = c
        .list_stack_instances()
        .stack_set_name("roles")
        .send()
        .await
        .unwrap();
    assert!(
        listed
            .summaries()
            .iter()
            .all(|i| i.region() == Some("eu-west-1"))
    );
    assert_eq!(listed.summaries().len(), 3);

    // Destroy by unit.
    let reports = destroy(
        &cloud,
        &Recorder::default(),
        &[second.get("roles").unwrap()],
        1,
    )
    .await;
    assert!(
        matches!(reports[0].outcome, DestroyOutcome::Deleted { .. }),
        "{:?}",
        reports[0].outcome
    );
}

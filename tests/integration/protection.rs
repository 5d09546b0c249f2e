//! Data is protected (issue #22), against `moto_server`, which serves
//! stack policies (`SetStackPolicy`, `GetStackPolicy`) and change sets: a
//! stack that holds data gets its stack policy when it is created, a
//! renamed repository (a replacement only the provider schemas tell, as
//! moto's change sets never do) is refused with what to do, and deployed
//! once allowed, the policy restored after the update.

use super::moto::session;
use super::staging::{cloud, credentials};
use pipewright::cloud::client::https_client;
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::{CloudError, Progress, Ui};
use pipewright::ecr::Repository;
use pipewright::parameters::StackParameters;
use pipewright::{App, Stack};
use std::sync::Mutex;

/// Records notes; says yes.
#[derive(Default)]
struct Notes(Mutex<Vec<String>>);

impl Ui for Notes {
    fn progress(&self, stack: &str, p: Progress<'_>) {
        if let Progress::Note(n) = p {
            self.0.lock().unwrap().push(format!("{stack}: {n}"));
        }
    }
    fn confirm(&self, _: &str, _: &str) -> bool {
        true
    }
}

/// A stack with one repository named `name`.
fn guarded(name: &str) -> App {
    let mut s = Stack::new("guarded");
    s.add(Repository::new("Repository").name(name));
    App::new().stack(s)
}

fn options(allow: &[&str]) -> DeployOptions {
    DeployOptions {
        yes: true,
        allow_replace: allow.iter().map(|a| a.parse().unwrap()).collect(),
        ..DeployOptions::default()
    }
}

async fn deploy(endpoint: &str, app: App, allow: &[&str]) -> (DeployOutcome, Vec<String>) {
    let assembly = app.synth().unwrap();
    let plans = [StackPlan {
        artifact: &assembly.stacks[0],
        parameters: StackParameters::default(),
        bootstrap: None,
    }];
    let notes = Notes::default();
    let mut reports = Deployer::new(&cloud(endpoint), &notes, options(allow))
        .deploy(&plans)
        .await;
    (reports.remove(0).outcome, notes.0.into_inner().unwrap())
}

fn client(endpoint: &str) -> aws_sdk_cloudformation::Client {
    aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version_latest()
            .http_client(https_client())
            .endpoint_url(endpoint)
            .region(aws_sdk_cloudformation::config::Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    )
}

/// The repository the stack has, by its physical ID.
async fn repository(endpoint: &str) -> String {
    let out = client(endpoint)
        .describe_stack_resource()
        .stack_name("guarded")
        .logical_resource_id("Repository")
        .send()
        .await
        .unwrap();
    out.stack_resource_detail()
        .and_then(|d| d.physical_resource_id())
        .unwrap_or_default()
        .to_owned()
}

async fn policy(endpoint: &str) -> Option<String> {
    let out = client(endpoint)
        .get_stack_policy()
        .stack_name("guarded")
        .send()
        .await
        .unwrap();
    out.stack_policy_body().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_guards_data_a_replacement_is_refused_then_allowed() {
    let s = session();
    let base = guarded("acme/guarded")
        .synth()
        .unwrap()
        .stacks
        .remove(0)
        .protection
        .stack_policy()
        .unwrap();
    assert!(
        base.contains(r#""Action":["Update:Replace","Update:Delete"]"#)
            && base.contains(r#""Resource":["LogicalResourceId/Repository"]"#),
        "{base}"
    );

    // Created: the stack policy is set, and GetStackPolicy reads it back.
    let (outcome, notes) = deploy(&s.endpoint, guarded("acme/guarded"), &[]).await;
    assert!(matches!(outcome, DeployOutcome::Created), "{outcome:?}");
    assert_eq!(policy(&s.endpoint).await.as_deref(), Some(base.as_str()));
    // `status` reads it back as the IDs it guards.
    let assembly = guarded("acme/guarded").synth().unwrap();
    let read =
        pipewright::cloud::status::status(&cloud(&s.endpoint), &[&assembly.stacks[0]], 1).await;
    assert_eq!(read[0].protected, Some(vec!["Repository".to_owned()]));
    assert_eq!(
        notes,
        [
            "guarded: stack policy set: replacing or deleting Repository is denied",
            // moto lacks the call; AWS has it (see the mock-layer tests).
            "guarded: termination protection is not on: the endpoint does not implement UpdateTerminationProtection",
        ]
    );

    // Renamed: the repository is replaced, which moto's change set does not
    // say and the provider schemas do. Refused, nothing executed.
    let (outcome, _) = deploy(&s.endpoint, guarded("acme/renamed"), &[]).await;
    match outcome {
        DeployOutcome::Error(e @ CloudError::DataAtRisk { .. }) => {
            assert_eq!(
                e.to_string(),
                "stack `guarded`: the change loses data and was not executed: `Repository` (AWS::ECR::Repository) is replaced (RepositoryName changes)"
            );
            assert_eq!(
                e.hint().unwrap(),
                "if the data may go, allow it for this deploy with --allow-replace guarded:Repository, or in code with `Stack::allow_replace(ID, reason)`"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        repository(&s.endpoint).await,
        "acme/guarded",
        "nothing changed"
    );

    // Allowed for another stack only: still refused.
    let (outcome, _) = deploy(&s.endpoint, guarded("acme/renamed"), &["other:Repository"]).await;
    assert!(
        matches!(outcome, DeployOutcome::Error(CloudError::DataAtRisk { .. })),
        "{outcome:?}"
    );

    // Allowed: the update runs, and the policy, lifted for it, is back.
    let (outcome, _) = deploy(&s.endpoint, guarded("acme/renamed"), &["Repository"]).await;
    assert!(matches!(outcome, DeployOutcome::Updated), "{outcome:?}");
    assert_eq!(policy(&s.endpoint).await.as_deref(), Some(base.as_str()));
    assert_eq!(repository(&s.endpoint).await, "acme/renamed");

    // Allowed in code, with a reason the template carries.
    let mut app = Stack::new("guarded").allow_replace("Repository", "the images are rebuilt");
    app.add(Repository::new("Repository").name("acme/third"));
    let assembly = App::new().stack(app.clone()).synth().unwrap();
    assert!(
        assembly.stacks[0]
            .body
            .contains("pipewright:allow-replace:\n    Repository: the images are rebuilt"),
        "{}",
        assembly.stacks[0].body
    );
    let (outcome, _) = deploy(&s.endpoint, App::new().stack(app), &[]).await;
    assert!(matches!(outcome, DeployOutcome::Updated), "{outcome:?}");
}

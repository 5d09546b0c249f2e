//! The deploy and destroy paths moto cannot show (it never rolls back, emits
//! no resource events and gives no replacement flags), through the real SDK
//! client with `aws-smithy-mocks`. Response shapes follow the CloudFormation
//! API reference (DescribeStacks, DescribeChangeSet, DescribeStackEvents).

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::config::retry::RetryConfig;
use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetOutput;
use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsOutput;
use aws_sdk_cloudformation::operation::describe_stacks::{
    DescribeStacksError, DescribeStacksOutput,
};
use aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetOutput;
use aws_sdk_cloudformation::operation::get_stack_policy::GetStackPolicyOutput;
use aws_sdk_cloudformation::operation::get_template::GetTemplateOutput;
use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
use aws_sdk_cloudformation::operation::set_stack_policy::SetStackPolicyOutput;
use aws_sdk_cloudformation::operation::update_termination_protection::UpdateTerminationProtectionOutput;
use aws_sdk_cloudformation::primitives::DateTime;
use aws_sdk_cloudformation::types::builders::StackBuilder;
use aws_sdk_cloudformation::types::{
    Change, ChangeAction, ChangeSetStatus, ChangeSetType, ChangeType, ExecutionStatus, Output,
    Replacement, ResourceChange, ResourceStatus, Stack, StackEvent, StackResourceSummary,
    StackStatus, Tag,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use pipewright::app::{Artifact, Assembly};
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::destroy::{DestroyOutcome, destroy};
use pipewright::cloud::{Cloud, CloudError, Progress, Ui};
use pipewright::parameters::StackParameters;
use std::sync::Mutex;
use std::time::Duration;

const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/artifact-store/5c4a1f10-c7a1-11f0-9e5b-0a1b2c3d4e5f";
const CHANGE_SET_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/pipewright-1/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/// Records what a flow tells the operator; answers confirms with `answer`.
struct Recorder {
    answer: bool,
    lines: Mutex<Vec<String>>,
    questions: Mutex<Vec<String>>,
}

impl Recorder {
    fn new(answer: bool) -> Self {
        Self {
            answer,
            lines: Mutex::new(Vec::new()),
            questions: Mutex::new(Vec::new()),
        }
    }
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Ui for Recorder {
    fn progress(&self, stack: &str, p: Progress<'_>) {
        let line = match p {
            Progress::Waiting { status } => format!("waiting {status}"),
            Progress::Unchanged => "unchanged".into(),
            Progress::ChangeSet { summary, .. } => {
                format!(
                    "change set: {} | {}",
                    summary.counts(),
                    summary.lines().join(" | ")
                )
            }
            Progress::Started { operation, .. } => format!("started {operation}"),
            Progress::Event(e) => format!("event {}", e.line()),
            Progress::Note(n) => format!("note {n}"),
            _ => "other".into(),
        };
        self.lines.lock().unwrap().push(format!("{stack}: {line}"));
    }
    fn confirm(&self, _stack: &str, question: &str) -> bool {
        self.questions.lock().unwrap().push(question.to_owned());
        self.answer
    }
}

fn assembly() -> Assembly {
    pipewright_app::app().synth().unwrap()
}

fn store(assembly: &Assembly) -> &Artifact {
    assembly.get("artifact-store").unwrap()
}

/// Answers for the calls that guard a stack's data, after a test's own
/// rules: the stack has no policy yet, and setting one or termination
/// protection succeeds.
fn guards() -> [Rule; 3] {
    [
        mock!(Client::get_stack_policy).then_output(|| GetStackPolicyOutput::builder().build()),
        mock!(Client::set_stack_policy).then_output(|| SetStackPolicyOutput::builder().build()),
        mock!(Client::update_termination_protection).then_output(|| {
            UpdateTerminationProtectionOutput::builder()
                .stack_id(STACK_ID)
                .build()
        }),
    ]
}

fn client(rules: &[&Rule]) -> Client {
    let guards = guards();
    let rules: Vec<&Rule> = rules.iter().copied().chain(guards.iter()).collect();
    mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, &rules, |c| c
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
        ))
}

fn cloud(rules: &[&Rule]) -> Cloud {
    Cloud::from_clients(client(rules), None).with_poll_interval(Duration::from_millis(1))
}

fn stack(status: StackStatus, art: &Artifact) -> Stack {
    stack_with(status, art, |b| b)
}

fn stack_with(
    status: StackStatus,
    art: &Artifact,
    more: impl FnOnce(StackBuilder) -> StackBuilder,
) -> Stack {
    let mut b = Stack::builder()
        .stack_id(STACK_ID)
        .stack_name(&art.name)
        .stack_status(status)
        .creation_time(DateTime::from_secs(1_795_000_000));
    for (k, v) in &art.tags {
        b = b.tags(Tag::builder().key(k).value(v).build());
    }
    more(b).build()
}

fn describe(stacks: Vec<Stack>) -> DescribeStacksOutput {
    DescribeStacksOutput::builder()
        .set_stacks(Some(stacks))
        .build()
}

fn missing() -> DescribeStacksError {
    DescribeStacksError::generic(
        ErrorMetadata::builder()
            .code("ValidationError")
            .message("Stack with id artifact-store does not exist")
            .build(),
    )
}

fn event(
    id: &str,
    logical: &str,
    kind: &str,
    status: ResourceStatus,
    reason: Option<&str>,
) -> StackEvent {
    StackEvent::builder()
        .stack_id(STACK_ID)
        .event_id(id)
        .stack_name("artifact-store")
        .logical_resource_id(logical)
        .resource_type(kind)
        .timestamp(DateTime::from_secs(1_795_000_100))
        .resource_status(status)
        .set_resource_status_reason(reason.map(str::to_owned))
        .build()
}

fn events(list: Vec<StackEvent>, next: Option<&str>) -> DescribeStackEventsOutput {
    DescribeStackEventsOutput::builder()
        .set_stack_events(Some(list))
        .set_next_token(next.map(str::to_owned))
        .build()
}

fn created_change_set() -> Rule {
    mock!(Client::create_change_set).then_output(|| {
        CreateChangeSetOutput::builder()
            .id(CHANGE_SET_ID)
            .stack_id(STACK_ID)
            .build()
    })
}

fn change_set(
    status: ChangeSetStatus,
    reason: Option<&str>,
    changes: Vec<Change>,
) -> DescribeChangeSetOutput {
    let complete = status == ChangeSetStatus::CreateComplete;
    DescribeChangeSetOutput::builder()
        .change_set_id(CHANGE_SET_ID)
        .change_set_name("pipewright-1")
        .stack_id(STACK_ID)
        .stack_name("artifact-store")
        .status(status)
        .set_status_reason(reason.map(str::to_owned))
        .execution_status(if complete {
            ExecutionStatus::Available
        } else {
            ExecutionStatus::Unavailable
        })
        .set_changes(Some(changes))
        .build()
}

fn modify_bucket(replacement: Replacement) -> Change {
    Change::builder()
        .r#type(ChangeType::Resource)
        .resource_change(
            ResourceChange::builder()
                .action(ChangeAction::Modify)
                .logical_resource_id("ArtifactBucket")
                .physical_resource_id("artifact-store-artifactbucket-1a2b3c")
                .resource_type("AWS::S3::Bucket")
                .replacement(replacement)
                .build(),
        )
        .build()
}

fn plan(art: &Artifact) -> StackPlan<'_> {
    StackPlan {
        artifact: art,
        parameters: StackParameters::default(),
        bootstrap: None,
    }
}

fn yes() -> DeployOptions {
    DeployOptions {
        yes: true,
        ..DeployOptions::default()
    }
}

#[tokio::test]
async fn a_rolled_back_first_create_is_deleted_and_created_again_after_confirm() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks)
        .sequence()
        .output({
            let s = stack(StackStatus::RollbackComplete, art);
            move || describe(vec![s.clone()])
        })
        .output({
            let s = stack(StackStatus::DeleteComplete, art);
            move || describe(vec![s.clone()])
        })
        .output({
            let s = stack_with(StackStatus::CreateComplete, art, |b| {
                b.outputs(
                    Output::builder()
                        .output_key("ArtifactBucketName")
                        .output_value("artifact-store-artifactbucket-1a2b3c")
                        .build(),
                )
            });
            move || describe(vec![s.clone()])
        })
        .build();
    let history = mock!(Client::describe_stack_events).then_output(|| events(vec![], None));
    let delete = mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let create = created_change_set();
    let ready = mock!(Client::describe_change_set)
        .then_output(|| change_set(ChangeSetStatus::CreateComplete, None, vec![]));
    let execute =
        mock!(Client::execute_change_set).then_output(|| ExecuteChangeSetOutput::builder().build());
    let cloud = cloud(&[&states, &history, &delete, &create, &ready, &execute]);

    let ui = Recorder::new(true);
    let reports = Deployer::new(&cloud, &ui, DeployOptions::default())
        .deploy(&[plan(art)])
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Created),
        "{reports:?}"
    );
    assert_eq!(
        reports[0].outputs["ArtifactBucketName"],
        "artifact-store-artifactbucket-1a2b3c"
    );
    assert_eq!(delete.num_calls(), 1);
    assert_eq!(execute.num_calls(), 1);
    let questions = ui.questions.lock().unwrap().clone();
    assert!(
        questions[0].contains("is ROLLBACK_COMPLETE: its first create failed"),
        "{questions:?}"
    );
    assert!(
        questions[1].starts_with("execute change set `pipewright-"),
        "{questions:?}"
    );

    // Declined: nothing is deleted or created.
    let states = mock!(Client::describe_stacks).then_output({
        let s = stack(StackStatus::RollbackComplete, art);
        move || describe(vec![s.clone()])
    });
    let delete = mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let create = created_change_set();
    let cloud = self::cloud(&[&states, &delete, &create]);
    let ui = Recorder::new(false);
    let reports = Deployer::new(&cloud, &ui, DeployOptions::default())
        .deploy(&[plan(art)])
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Declined),
        "{reports:?}"
    );
    assert_eq!((delete.num_calls(), create.num_calls()), (0, 0));
}

#[tokio::test]
async fn stuck_states_stop_with_what_to_do_and_no_write() {
    let a = assembly();
    let art = store(&a);
    for (status, remedy) in [
        (
            StackStatus::UpdateRollbackFailed,
            "`pipewright recover artifact-store`",
        ),
        (StackStatus::DeleteFailed, "--retain-resources"),
    ] {
        let expected_status = status.as_str().to_owned();
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack_with(status.clone(), art, |b| {
                b.stack_status_reason(
                    "The following resource(s) failed to update: [ArtifactBucket].",
                )
            });
            move || describe(vec![s.clone()])
        });
        let create = created_change_set();
        let template =
            mock!(Client::get_template).then_output(|| GetTemplateOutput::builder().build());
        let cloud = cloud(&[&states, &create, &template]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        match &reports[0].outcome {
            DeployOutcome::Failed {
                status: s,
                remedy: Some(r),
                cause,
            } => {
                assert_eq!(*s, expected_status);
                assert!(r.contains(remedy), "{r}");
                assert_eq!(
                    cause.as_deref(),
                    Some("The following resource(s) failed to update: [ArtifactBucket].")
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            (create.num_calls(), template.num_calls()),
            (0, 0),
            "no write, no read beyond status"
        );
    }
}

#[tokio::test]
async fn a_failed_update_streams_events_once_and_names_the_root_cause() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks)
        .sequence()
        .output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        })
        .output({
            let s = stack(StackStatus::UpdateRollbackInProgress, art);
            move || describe(vec![s.clone()])
        })
        .output({
            let s = stack(StackStatus::UpdateRollbackComplete, art);
            move || describe(vec![s.clone()])
        })
        .build();
    let template = mock!(Client::get_template).then_output(|| {
        GetTemplateOutput::builder()
            .template_body("Resources: {}\n")
            .build()
    });
    let create = created_change_set();
    let ready = mock!(Client::describe_change_set).then_output(|| {
        change_set(
            ChangeSetStatus::CreateComplete,
            None,
            vec![modify_bucket(Replacement::True)],
        )
    });
    let execute =
        mock!(Client::execute_change_set).then_output(|| ExecuteChangeSetOutput::builder().build());
    let stack_event = |id: &str, status: ResourceStatus, reason: Option<&str>| {
        event(
            id,
            "artifact-store",
            "AWS::CloudFormation::Stack",
            status,
            reason,
        )
    };
    let old = stack_event("old-1", ResourceStatus::UpdateComplete, None);
    let e1 = stack_event(
        "e1",
        ResourceStatus::UpdateInProgress,
        Some("User Initiated"),
    );
    let e2 = event(
        "e2",
        "ArtifactBucket",
        "AWS::S3::Bucket",
        ResourceStatus::UpdateInProgress,
        None,
    );
    let e3 = event(
        "e3",
        "ArtifactBucket",
        "AWS::S3::Bucket",
        ResourceStatus::UpdateFailed,
        Some("artifact-store-artifactbucket-1a2b3c already exists"),
    );
    let e4 = stack_event(
        "e4",
        ResourceStatus::UpdateRollbackInProgress,
        Some("The following resource(s) failed to update: [ArtifactBucket]."),
    );
    let e5 = stack_event("e5", ResourceStatus::UpdateRollbackComplete, None);
    // Newest first, as the API pages them: the history, then a poll whose
    // events span two pages, then a poll that overlaps the last one.
    let feed = mock!(Client::describe_stack_events)
        .sequence()
        .output({
            let old = old.clone();
            move || events(vec![old.clone()], None)
        })
        .output({
            let (e3, e2) = (e3.clone(), e2.clone());
            move || events(vec![e3.clone(), e2.clone()], Some("page-2"))
        })
        .output({
            let (e1, old) = (e1.clone(), old.clone());
            move || events(vec![e1.clone(), old.clone()], None)
        })
        .output({
            let (e5, e4, e3) = (e5.clone(), e4.clone(), e3.clone());
            move || events(vec![e5.clone(), e4.clone(), e3.clone()], None)
        })
        .build();
    // The bucket holds data: replacing it is allowed for this deploy, so
    // the stack policy is lifted for exactly it, and set back to the
    // deployed one (which guards it) although the update failed.
    let deployed = art.protection.stack_policy().unwrap();
    let current = mock!(Client::get_stack_policy).then_output(move || {
        GetStackPolicyOutput::builder()
            .stack_policy_body(deployed.clone())
            .build()
    });
    let lift = mock!(Client::set_stack_policy)
        .match_requests(|r| {
            r.stack_policy_body()
                .is_some_and(|b| !b.contains("LogicalResourceId/ArtifactBucket\""))
        })
        .then_output(|| SetStackPolicyOutput::builder().build());
    let restore = mock!(Client::set_stack_policy)
        .match_requests(|r| {
            r.stack_policy_body()
                .is_some_and(|b| b.contains("LogicalResourceId/ArtifactBucket\""))
        })
        .then_output(|| SetStackPolicyOutput::builder().build());
    let cloud = cloud(&[
        &states, &template, &create, &ready, &execute, &feed, &current, &lift, &restore,
    ]);
    let ui = Recorder::new(true);
    let options = DeployOptions {
        allow_replace: vec!["ArtifactBucket".parse().unwrap()],
        ..yes()
    };
    let reports = Deployer::new(&cloud, &ui, options)
        .deploy(&[plan(art)])
        .await;
    assert_eq!((lift.num_calls(), restore.num_calls()), (1, 1));
    match &reports[0].outcome {
        DeployOutcome::Failed {
            status,
            cause: Some(cause),
            remedy,
        } => {
            assert_eq!(status, "UPDATE_ROLLBACK_COMPLETE");
            assert_eq!(
                cause,
                "ArtifactBucket (AWS::S3::Bucket) UPDATE_FAILED: artifact-store-artifactbucket-1a2b3c already exists"
            );
            assert_eq!(remedy, &None);
        }
        other => panic!("{other:?}"),
    }
    let lines = ui.lines();
    assert!(
        lines.iter().any(|l| l.contains("change set: 0 to add, 1 to modify, 0 to remove (1 replaced) | ~ ArtifactBucket  AWS::S3::Bucket  replace")),
        "{lines:#?}"
    );
    let shown: Vec<&String> = lines.iter().filter(|l| l.contains(": event ")).collect();
    assert_eq!(
        shown.len(),
        5,
        "each new event once, none of the history:\n{lines:#?}"
    );
    let order: Vec<&str> = [
        "UPDATE_IN_PROGRESS ",
        "UPDATE_IN_PROGRESS ",
        "UPDATE_FAILED",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
    ]
    .to_vec();
    for (line, status) in shown.iter().zip(order) {
        assert!(
            line.contains(status),
            "oldest first: {line} should be {status}"
        );
    }
    assert_eq!(feed.num_calls(), 4);
}

#[tokio::test]
async fn waits_for_a_stack_in_progress_then_skips_it_when_it_matches() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks)
        .sequence()
        .output({
            let s = stack(StackStatus::UpdateInProgress, art);
            move || describe(vec![s.clone()])
        })
        .times(2)
        .output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        })
        .build();
    let feed = mock!(Client::describe_stack_events).then_output(|| events(vec![], None));
    let body = art.body.clone();
    let template = mock!(Client::get_template)
        .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
    let create = created_change_set();
    let cloud = cloud(&[&states, &feed, &template, &create]);
    let ui = Recorder::new(true);
    let reports = Deployer::new(&cloud, &ui, yes()).deploy(&[plan(art)]).await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Unchanged),
        "{reports:?}"
    );
    assert_eq!(ui.lines()[0], "artifact-store: waiting UPDATE_IN_PROGRESS");
    assert_eq!(states.num_calls(), 3);
    assert_eq!(create.num_calls(), 0, "no write call");
}

#[tokio::test]
async fn a_change_set_that_fails_to_create_is_deleted_with_its_empty_stack() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks)
        .sequence()
        .error(missing)
        .output({
            let s = stack(StackStatus::ReviewInProgress, art);
            move || describe(vec![s.clone()])
        })
        .build();
    let create = created_change_set();
    let failed = mock!(Client::describe_change_set).then_output(|| {
        change_set(
            ChangeSetStatus::Failed,
            Some("Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template"),
            vec![],
        )
    });
    let delete_set =
        mock!(Client::delete_change_set).then_output(|| DeleteChangeSetOutput::builder().build());
    let delete_stack =
        mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let cloud = cloud(&[&states, &create, &failed, &delete_set, &delete_stack]);
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&[plan(art)])
        .await;
    match &reports[0].outcome {
        DeployOutcome::Error(CloudError::ChangeSetFailed {
            stack,
            status,
            reason,
        }) => {
            assert_eq!(stack, "artifact-store");
            assert_eq!(*status, pipewright::cloud::values::ChangeSetStatus::Failed);
            assert!(
                reason.contains("Unresolved resource dependencies [Missing]"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        delete_set.num_calls(),
        1,
        "the failed change set is deleted"
    );
    assert_eq!(
        delete_stack.num_calls(),
        1,
        "the REVIEW_IN_PROGRESS stack made for it is deleted"
    );
}

#[tokio::test]
async fn a_change_set_that_fails_to_execute_is_deleted() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks).then_output({
        let s = stack(StackStatus::UpdateComplete, art);
        move || describe(vec![s.clone()])
    });
    let template = mock!(Client::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = created_change_set();
    let ready = mock!(Client::describe_change_set).then_output(|| {
        change_set(
            ChangeSetStatus::CreateComplete,
            None,
            vec![modify_bucket(Replacement::False)],
        )
    });
    let history = mock!(Client::describe_stack_events).then_output(|| events(vec![], None));
    let refused = mock!(Client::execute_change_set).then_error(|| {
        aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetError::generic(
            ErrorMetadata::builder()
                .code("InvalidChangeSetStatus")
                .message("ChangeSet [pipewright-1] cannot be executed in its current status of [OBSOLETE]")
                .build(),
        )
    });
    let delete_set =
        mock!(Client::delete_change_set).then_output(|| DeleteChangeSetOutput::builder().build());
    let cloud = cloud(&[
        &states,
        &template,
        &create,
        &ready,
        &history,
        &refused,
        &delete_set,
    ]);
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&[plan(art)])
        .await;
    assert!(
        matches!(
            reports[0].outcome,
            DeployOutcome::Error(CloudError::Api {
                operation: "ExecuteChangeSet",
                ..
            })
        ),
        "{reports:?}"
    );
    assert_eq!(
        delete_set.num_calls(),
        1,
        "the change set that did not execute is deleted"
    );
}

#[tokio::test]
async fn an_empty_change_set_is_no_changes_and_is_deleted() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks).then_output({
        let s = stack(StackStatus::UpdateComplete, art);
        move || describe(vec![s.clone()])
    });
    let template = mock!(Client::get_template)
        .then_output(|| GetTemplateOutput::builder().template_body("{}").build());
    let create = created_change_set();
    let empty = mock!(Client::describe_change_set).then_output(|| {
        change_set(
            ChangeSetStatus::Failed,
            Some("The submitted information didn't contain changes. Submit different information to create a change set."),
            vec![],
        )
    });
    let delete_set =
        mock!(Client::delete_change_set).then_output(|| DeleteChangeSetOutput::builder().build());
    let execute =
        mock!(Client::execute_change_set).then_output(|| ExecuteChangeSetOutput::builder().build());
    let cloud = cloud(&[&states, &template, &create, &empty, &delete_set, &execute]);
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&[plan(art)])
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::NoChanges),
        "{reports:?}"
    );
    assert_eq!((delete_set.num_calls(), execute.num_calls()), (1, 0));
}

fn throttled() -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
        aws_smithy_types::body::SdkBody::from(
            "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>7d1c3b4a-1f2e-4d3c-9b8a-0a1b2c3d4e5f</RequestId></ErrorResponse>",
        ),
    )
}

#[tokio::test]
async fn throttling_is_retried_within_a_bounded_budget() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks)
        .sequence()
        .http_response(throttled)
        .times(2)
        .output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        })
        .build();
    let body = art.body.clone();
    let template = mock!(Client::get_template)
        .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
    let cloud = cloud(&[&states, &template]);
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&[plan(art)])
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Unchanged),
        "{reports:?}"
    );
    assert_eq!(states.num_calls(), 3);

    // Past the retry budget (3 attempts here): an error that says so.
    let states = mock!(Client::describe_stacks)
        .sequence()
        .http_response(throttled)
        .repeatedly()
        .build();
    let cloud = self::cloud(&[&states]);
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&[plan(art)])
        .await;
    match &reports[0].outcome {
        DeployOutcome::Error(e) => {
            assert_eq!(
                e.to_string(),
                "DescribeStacks for stack `artifact-store` failed: Rate exceeded"
            );
            assert!(e.hint().unwrap().contains("throttled"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(states.num_calls(), 3);
}

#[tokio::test]
async fn an_interrupt_leaves_no_change_set_behind() {
    let a = assembly();
    let art = store(&a);
    let states = mock!(Client::describe_stacks)
        .sequence()
        .error(missing)
        .output({
            let s = stack(StackStatus::ReviewInProgress, art);
            move || describe(vec![s.clone()])
        })
        .build();
    let create = created_change_set();
    let pending = mock!(Client::describe_change_set)
        .then_output(|| change_set(ChangeSetStatus::CreateInProgress, None, vec![]));
    let delete_set =
        mock!(Client::delete_change_set).then_output(|| DeleteChangeSetOutput::builder().build());
    let delete_stack =
        mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let cloud = cloud(&[&states, &create, &pending, &delete_set, &delete_stack]);
    let ui = Recorder::new(true);
    let deployer = Deployer::new(&cloud, &ui, yes());
    let plans = [plan(art)];
    // The change set never finishes; the operator presses Ctrl-C.
    let run = tokio::time::timeout(Duration::from_millis(200), deployer.deploy(&plans)).await;
    assert!(run.is_err(), "still waiting on the change set");
    let left = deployer.interrupted().await;
    assert_eq!(left.deleted_change_sets.len(), 1, "{left:?}");
    assert_eq!(left.deleted_change_sets[0].0, "artifact-store");
    assert!(left.deleted_change_sets[0].1.starts_with("pipewright-"));
    assert_eq!(left.deleted_stacks, ["artifact-store"]);
    assert!(
        left.still_changing.is_empty() && left.errors.is_empty(),
        "{left:?}"
    );
    assert_eq!((delete_set.num_calls(), delete_stack.num_calls()), (1, 1));
}

#[tokio::test]
async fn dependents_of_a_failed_stack_are_not_attempted() {
    use pipewright::template::{Output as TOutput, Resource};
    let mut producer = pipewright::Stack::new("artifact-store");
    let bucket = producer.add(pipewright::s3::Bucket::new("ArtifactBucket"));
    producer.add_output("BucketName", TOutput::new(bucket.name()));
    let mut consumer = pipewright::Stack::new("alerts");
    consumer.add_resource(
        "Topic",
        Resource::new("AWS::SNS::Topic").property("DisplayName", bucket.name()),
    );
    let a = pipewright::App::new()
        .stack(producer)
        .stack(consumer)
        .synth()
        .unwrap();
    assert_eq!(a.get("alerts").unwrap().dependencies, ["artifact-store"]);
    let states = mock!(Client::describe_stacks).then_output({
        let s = stack(
            StackStatus::UpdateRollbackFailed,
            a.get("artifact-store").unwrap(),
        );
        move || describe(vec![s.clone()])
    });
    let cloud = cloud(&[&states]);
    let plans: Vec<StackPlan> = a.stacks.iter().map(plan).collect();
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&plans)
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Failed { .. }),
        "{reports:?}"
    );
    match &reports[1].outcome {
        DeployOutcome::Skipped { because } => assert_eq!(because, "artifact-store"),
        other => panic!("{other:?}"),
    }
    assert_eq!(states.num_calls(), 1, "the dependent was never looked at");
}

/// A stack declared for account 111111111111, STS credentials of account
/// 222222222222, and a deploy role in 111111111111 whose `AssumeRole`
/// answers with an identity of account 444444444444: the account guard
/// checks the identity actually used, not the role's ARN.
fn guarded() -> (Assembly, aws_sdk_sts::Client) {
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    let mut s = pipewright::Stack::new("guarded").account("111111111111");
    s.add_resource(
        "Topic",
        pipewright::template::Resource::new("AWS::SNS::Topic"),
    );
    let a = pipewright::App::new().stack(s).synth().unwrap();
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account("222222222222")
            .arn("arn:aws:iam::222222222222:user/operator")
            .user_id("AIDAEXAMPLE")
            .build()
    });
    let assume = super::accounts::assume_role_as("444444444444");
    (
        a,
        mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who, &assume]),
    )
}

const GUARD_REFUSAL: &str = "stack `guarded` is declared for account 111111111111, but the credentials of role arn:aws:iam::111111111111:role/pipewright-deploy are for account 444444444444";

#[tokio::test]
async fn the_account_guard_refuses_other_credentials() {
    let (a, sts) = guarded();
    let states = mock!(Client::describe_stacks).then_error(missing);
    let cloud = Cloud::from_clients(client(&[&states]), Some(sts));
    let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
        .deploy(&[plan(&a.stacks[0])])
        .await;
    match &reports[0].outcome {
        DeployOutcome::Error(e) => assert_eq!(e.to_string(), GUARD_REFUSAL),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        states.num_calls(),
        0,
        "refused before any CloudFormation call"
    );
}

#[tokio::test]
async fn status_keeps_the_account_guard() {
    let (a, sts) = guarded();
    let states = mock!(Client::describe_stacks).then_error(missing);
    let cloud = Cloud::from_clients(client(&[&states]), Some(sts));
    let reports = pipewright::cloud::status::status(&cloud, &[&a.stacks[0]], 1).await;
    match &reports[0].info {
        Err(e) => assert_eq!(e.to_string(), GUARD_REFUSAL),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        states.num_calls(),
        0,
        "refused before any CloudFormation call"
    );
}

#[tokio::test]
async fn destroy_names_failed_resources_and_respects_termination_protection() {
    let a = assembly();
    let art = store(&a);
    let protected = mock!(Client::describe_stacks).then_output({
        let s = stack_with(StackStatus::UpdateComplete, art, |b| {
            b.enable_termination_protection(true)
        });
        move || describe(vec![s.clone()])
    });
    let delete = mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let cloud = cloud(&[&protected, &delete]);
    let reports = destroy(&cloud, &Recorder::new(true), &[art], 1).await;
    assert!(
        matches!(reports[0].outcome, DestroyOutcome::Protected),
        "{reports:?}"
    );
    assert_eq!(
        delete.num_calls(),
        0,
        "termination protection is never turned off"
    );

    let states = mock!(Client::describe_stacks)
        .sequence()
        .output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        })
        .output({
            let s = stack(StackStatus::DeleteFailed, art);
            move || describe(vec![s.clone()])
        })
        .build();
    let body = art.body.clone();
    let template = mock!(Client::get_template)
        .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
    let resources = mock!(Client::list_stack_resources).then_output(|| {
        ListStackResourcesOutput::builder()
            .stack_resource_summaries(
                StackResourceSummary::builder()
                    .logical_resource_id("ArtifactBucket")
                    .physical_resource_id("artifact-store-artifactbucket-1a2b3c")
                    .resource_type("AWS::S3::Bucket")
                    .resource_status(ResourceStatus::UpdateComplete)
                    .last_updated_timestamp(DateTime::from_secs(1_795_000_000))
                    .build(),
            )
            .build()
    });
    let feed = mock!(Client::describe_stack_events)
        .sequence()
        .output(|| events(vec![], None))
        .output(|| {
            events(
                vec![event(
                    "d1",
                    "ArtifactBucketPolicy",
                    "AWS::S3::BucketPolicy",
                    ResourceStatus::DeleteFailed,
                    Some("Access Denied"),
                )],
                None,
            )
        })
        .build();
    let delete = mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
    let cloud = self::cloud(&[&states, &template, &resources, &feed, &delete]);
    let reports = destroy(&cloud, &Recorder::new(true), &[art], 1).await;
    match &reports[0].outcome {
        DestroyOutcome::Failed { status, resources } => {
            assert_eq!(status, "DELETE_FAILED");
            assert_eq!(
                resources,
                &["ArtifactBucketPolicy (AWS::S3::BucketPolicy): Access Denied"]
            );
        }
        other => panic!("{other:?}"),
    }
}

mod drift {
    use super::*;
    use aws_sdk_cloudformation::operation::describe_stack_drift_detection_status::DescribeStackDriftDetectionStatusOutput;
    use aws_sdk_cloudformation::operation::describe_stack_resource_drifts::DescribeStackResourceDriftsOutput;
    use aws_sdk_cloudformation::operation::detect_stack_drift::{
        DetectStackDriftError, DetectStackDriftOutput,
    };
    use aws_sdk_cloudformation::types::{
        DifferenceType, PropertyDifference, StackDriftDetectionStatus, StackDriftInformation,
        StackDriftStatus, StackResourceDrift, StackResourceDriftStatus,
    };
    use pipewright::cloud::drift::{
        Committed, CommittedStatus, ResourcesStatus, StackDrift, TemplateStatus, check,
    };

    const DETECTION_ID: &str = "b78ac9b0-dec1-11e7-a451-503a3example";

    fn resource(id: &str, kind: &str, status: StackResourceDriftStatus) -> StackResourceDrift {
        StackResourceDrift::builder()
            .stack_id(STACK_ID)
            .logical_resource_id(id)
            .physical_resource_id(format!("artifact-store-{}", id.to_lowercase()))
            .resource_type(kind)
            .stack_resource_drift_status(status)
            .timestamp(DateTime::from_secs(1_795_000_200))
            .build()
    }

    fn page(
        list: Vec<StackResourceDrift>,
        next: Option<&str>,
    ) -> DescribeStackResourceDriftsOutput {
        DescribeStackResourceDriftsOutput::builder()
            .set_stack_resource_drifts(Some(list))
            .set_next_token(next.map(str::to_owned))
            .build()
    }

    fn detection(
        status: StackDriftDetectionStatus,
        reason: Option<&str>,
    ) -> DescribeStackDriftDetectionStatusOutput {
        DescribeStackDriftDetectionStatusOutput::builder()
            .stack_id(STACK_ID)
            .stack_drift_detection_id(DETECTION_ID)
            .detection_status(status)
            .set_detection_status_reason(reason.map(str::to_owned))
            .stack_drift_status(StackDriftStatus::Drifted)
            .timestamp(DateTime::from_secs(1_795_000_200))
            .build()
    }

    /// Runs `check` on artifact-store with the deployed template equal to
    /// the code and `more` rules for the drift calls.
    async fn run(states: Rule, more: &[&Rule]) -> StackDrift {
        let a = assembly();
        let art = store(&a);
        let body = art.body.clone();
        let template = mock!(Client::get_template)
            .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
        let mut rules: Vec<&Rule> = vec![&states, &template];
        rules.extend_from_slice(more);
        let cloud = cloud(&rules);
        let committed = Committed {
            status: CommittedStatus::Current,
            files: vec![],
        };
        check(&cloud, art, committed, false).await
    }

    fn settled() -> Rule {
        let a = assembly();
        let s = stack(StackStatus::UpdateComplete, store(&a));
        mock!(Client::describe_stacks).then_output(move || describe(vec![s.clone()]))
    }

    fn started() -> Rule {
        mock!(Client::detect_stack_drift).then_output(|| {
            DetectStackDriftOutput::builder()
                .stack_drift_detection_id(DETECTION_ID)
                .build()
        })
    }

    #[tokio::test]
    async fn in_sync_after_waiting_for_the_detection() {
        let detect = started();
        let status = mock!(Client::describe_stack_drift_detection_status)
            .sequence()
            .output(|| detection(StackDriftDetectionStatus::DetectionInProgress, None))
            .output(|| detection(StackDriftDetectionStatus::DetectionComplete, None))
            .build();
        let drifts = mock!(Client::describe_stack_resource_drifts).then_output(|| {
            page(
                vec![
                    resource(
                        "ArtifactBucket",
                        "AWS::S3::Bucket",
                        StackResourceDriftStatus::InSync,
                    ),
                    resource(
                        "ArtifactBucketPolicy",
                        "AWS::S3::BucketPolicy",
                        StackResourceDriftStatus::InSync,
                    ),
                ],
                None,
            )
        });
        let r = run(settled(), &[&detect, &status, &drifts]).await;
        assert_eq!(r.template.status, TemplateStatus::InSync);
        assert_eq!(r.resources.status, ResourcesStatus::InSync);
        assert_eq!(r.resources.drifts.len(), 2);
        assert!(!r.drifted() && !r.incomplete(), "{r:?}");
        assert_eq!(status.num_calls(), 2);
    }

    #[tokio::test]
    async fn modified_deleted_and_unchecked_resources_across_pages() {
        let detect = started();
        let status = mock!(Client::describe_stack_drift_detection_status)
            .then_output(|| detection(StackDriftDetectionStatus::DetectionComplete, None));
        let drifts = mock!(Client::describe_stack_resource_drifts)
            .sequence()
            .output(|| {
                let modified = StackResourceDrift::builder()
                    .stack_id(STACK_ID)
                    .logical_resource_id("ArtifactBucket")
                    .physical_resource_id("artifact-store-artifactbucket")
                    .resource_type("AWS::S3::Bucket")
                    .stack_resource_drift_status(StackResourceDriftStatus::Modified)
                    .timestamp(DateTime::from_secs(1_795_000_200))
                    .property_differences(
                        PropertyDifference::builder()
                            .property_path("/VersioningConfiguration/Status")
                            .expected_value("\"Enabled\"")
                            .actual_value("\"Suspended\"")
                            .difference_type(DifferenceType::NotEqual)
                            .build(),
                    )
                    .build();
                page(vec![modified], Some("page-2"))
            })
            .output(|| {
                page(
                    vec![
                        resource(
                            "ArtifactBucketPolicy",
                            "AWS::S3::BucketPolicy",
                            StackResourceDriftStatus::Deleted,
                        ),
                        resource(
                            "Webhook",
                            "AWS::CodePipeline::Webhook",
                            StackResourceDriftStatus::NotChecked,
                        ),
                    ],
                    None,
                )
            })
            .build();
        let r = run(settled(), &[&detect, &status, &drifts]).await;
        assert_eq!(drifts.num_calls(), 2, "every page is read");
        assert_eq!(r.resources.status, ResourcesStatus::Drifted);
        assert!(r.drifted() && !r.incomplete());
        let statuses: Vec<&str> = r
            .resources
            .drifts
            .iter()
            .map(|d| d.status.as_str())
            .collect();
        assert_eq!(statuses, ["MODIFIED", "DELETED", "NOT_CHECKED"]);
        let diff = &r.resources.drifts[0].differences[0];
        assert_eq!(diff.path, "/VersioningConfiguration/Status");
        assert_eq!(diff.expected, serde_json::json!("Enabled"));
        assert_eq!(diff.actual, serde_json::json!("Suspended"));
        assert_eq!(
            diff.kind,
            pipewright::cloud::drift::DifferenceType::NotEqual
        );
        assert_eq!(r.resources.not_checked, ["Webhook"]);
    }

    #[tokio::test]
    async fn a_detection_already_in_progress_is_reused() {
        let a = assembly();
        let art = store(&a);
        let with_check = |secs: i64| {
            stack_with(StackStatus::UpdateComplete, art, move |b| {
                b.drift_information(
                    StackDriftInformation::builder()
                        .stack_drift_status(StackDriftStatus::InSync)
                        .last_check_timestamp(DateTime::from_secs(secs))
                        .build(),
                )
            })
        };
        let (before, after) = (with_check(1_795_000_000), with_check(1_795_000_300));
        let states = mock!(Client::describe_stacks)
            .sequence()
            .output({
                let s = before.clone();
                move || describe(vec![s.clone()])
            })
            .times(2)
            .output(move || describe(vec![after.clone()]))
            .build();
        let busy = mock!(Client::detect_stack_drift).then_error(|| {
            DetectStackDriftError::generic(
                ErrorMetadata::builder()
                    .code("ValidationError")
                    .message(format!(
                        "Drift detection is already in progress for stack [{STACK_ID}]."
                    ))
                    .build(),
            )
        });
        let status = mock!(Client::describe_stack_drift_detection_status)
            .then_output(|| detection(StackDriftDetectionStatus::DetectionComplete, None));
        let drifts = mock!(Client::describe_stack_resource_drifts).then_output(|| {
            page(
                vec![resource(
                    "ArtifactBucket",
                    "AWS::S3::Bucket",
                    StackResourceDriftStatus::InSync,
                )],
                None,
            )
        });
        let r = run(states, &[&busy, &status, &drifts]).await;
        assert_eq!(r.resources.status, ResourcesStatus::InSync, "{r:?}");
        assert_eq!(
            r.resources.reason.as_deref(),
            Some("reused a drift detection already in progress")
        );
        assert_eq!(
            status.num_calls(),
            0,
            "no detection of our own to ask about"
        );
        assert_eq!(drifts.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_failed_detection_keeps_its_partial_results_and_reason() {
        let detect = started();
        let status = mock!(Client::describe_stack_drift_detection_status).then_output(|| {
            detection(
                StackDriftDetectionStatus::DetectionFailed,
                Some("Failed to detect drift on resource [ArtifactBucketPolicy]: Access Denied"),
            )
        });
        let drifts = mock!(Client::describe_stack_resource_drifts).then_output(|| {
            page(
                vec![resource(
                    "ArtifactBucket",
                    "AWS::S3::Bucket",
                    StackResourceDriftStatus::Modified,
                )],
                None,
            )
        });
        let r = run(settled(), &[&detect, &status, &drifts]).await;
        assert_eq!(r.resources.status, ResourcesStatus::Failed);
        assert_eq!(
            r.resources.reason.as_deref(),
            Some(
                "drift detection failed: Failed to detect drift on resource [ArtifactBucketPolicy]: Access Denied"
            )
        );
        assert_eq!(r.resources.drifts.len(), 1, "partial results are kept");
        assert!(r.incomplete() && r.drifted());
    }

    #[tokio::test]
    async fn a_changing_stack_is_skipped_and_says_why() {
        let a = assembly();
        let s = stack(StackStatus::UpdateInProgress, store(&a));
        let states = mock!(Client::describe_stacks).then_output(move || describe(vec![s.clone()]));
        let detect = started();
        let r = run(states, &[&detect]).await;
        assert_eq!(r.resources.status, ResourcesStatus::Skipped);
        assert_eq!(
            r.resources.reason.as_deref(),
            Some("the stack is UPDATE_IN_PROGRESS: check again when it settles")
        );
        assert_eq!(detect.num_calls(), 0);
    }
}

mod diff {
    use super::*;
    use pipewright::cloud::diff::{ReplacementSource, diff_stack};
    use pipewright::diff::{ChangeKind, Replaces};

    /// The deployed template: the code's, with versioning suspended.
    fn deployed_body(art: &Artifact) -> String {
        art.body.replace(
            "VersioningConfiguration:\n        Status: Enabled",
            "VersioningConfiguration:\n        Status: Suspended",
        )
    }

    #[tokio::test]
    async fn replacement_flags_come_from_a_change_set_that_is_then_deleted() {
        let a = assembly();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        });
        let body = deployed_body(art);
        assert_ne!(body, art.body);
        let template = mock!(Client::get_template)
            .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
        let create = created_change_set();
        let ready = mock!(Client::describe_change_set).then_output(|| {
            change_set(
                ChangeSetStatus::CreateComplete,
                None,
                vec![modify_bucket(Replacement::True)],
            )
        });
        let delete = mock!(Client::delete_change_set)
            .then_output(|| DeleteChangeSetOutput::builder().build());
        let cloud = cloud(&[&states, &template, &create, &ready, &delete]);
        let d = diff_stack(&cloud, art, None, None).await.unwrap();
        assert_eq!(d.replacements, ReplacementSource::ChangeSet);
        let bucket = &d.diff.resources[0];
        assert_eq!(
            (bucket.id.as_str(), bucket.change),
            ("ArtifactBucket", ChangeKind::Modified)
        );
        assert_eq!(bucket.replacement, Some(Replaces::Yes));
        assert!(
            bucket.is_dangerous(),
            "replacing a retained, stateful bucket is called out"
        );
        assert_eq!(
            delete.num_calls(),
            1,
            "the change set is deleted after reading"
        );

        // The change set fails: the template diff stands, and says why.
        let failed = mock!(Client::describe_change_set).then_output(|| {
            change_set(
                ChangeSetStatus::Failed,
                Some("Parameters: [GithubAuthToken] must have values"),
                vec![],
            )
        });
        let delete = mock!(Client::delete_change_set)
            .then_output(|| DeleteChangeSetOutput::builder().build());
        let cloud = self::cloud(&[&states, &template, &create, &failed, &delete]);
        let d = diff_stack(&cloud, art, None, None).await.unwrap();
        assert_eq!(
            d.replacements,
            ReplacementSource::TemplateOnly(
                "the change set failed: Parameters: [GithubAuthToken] must have values".into()
            )
        );
        assert_eq!(d.diff.resources[0].replacement, None);
        assert_eq!(delete.num_calls(), 1);
    }
}

#[tokio::test]
async fn termination_protection_is_turned_on_for_an_unchanged_stack() {
    let mut s = pipewright::Stack::new("artifact-store").termination_protection(true);
    s.add_resource(
        "Topic",
        pipewright::template::Resource::new("AWS::SNS::Topic"),
    );
    let a = pipewright::App::new().stack(s).synth().unwrap();
    let art = &a.stacks[0];
    let states = mock!(Client::describe_stacks).then_output({
        let s = stack(StackStatus::UpdateComplete, art);
        move || describe(vec![s.clone()])
    });
    let body = art.body.clone();
    let template = mock!(Client::get_template)
        .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
    let protect = mock!(Client::update_termination_protection)
        .match_requests(|r| r.enable_termination_protection() == Some(true))
        .then_output(|| {
            UpdateTerminationProtectionOutput::builder()
                .stack_id(STACK_ID)
                .build()
        });
    let create = created_change_set();
    let cloud = cloud(&[&states, &template, &protect, &create]);
    let ui = Recorder::new(true);
    let reports = Deployer::new(&cloud, &ui, yes()).deploy(&[plan(art)]).await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Unchanged),
        "{reports:?}"
    );
    assert_eq!((protect.num_calls(), create.num_calls()), (1, 0));
    assert!(
        ui.lines()
            .contains(&"artifact-store: note termination protection turned on".to_owned())
    );
}

/// `pipewright recover` (issue #22): moto has no ContinueUpdateRollback, so
/// the SDK's mock layer serves it. The rollback is continued with the
/// resources to skip, followed, and its end state told.
mod recover {
    use super::*;
    use aws_sdk_cloudformation::operation::continue_update_rollback::ContinueUpdateRollbackOutput;
    use pipewright::cloud::recover::{RecoverOutcome, recover};

    #[tokio::test]
    async fn a_failed_rollback_is_continued_skipping_what_was_named() {
        let a = assembly();
        let art = store(&a);
        let states = mock!(Client::describe_stacks)
            .sequence()
            .output({
                let s = stack(StackStatus::UpdateRollbackFailed, art);
                move || describe(vec![s.clone()])
            })
            .output({
                let s = stack(StackStatus::UpdateRollbackInProgress, art);
                move || describe(vec![s.clone()])
            })
            .output({
                let s = stack(StackStatus::UpdateRollbackComplete, art);
                move || describe(vec![s.clone()])
            })
            .build();
        let history = mock!(Client::describe_stack_events)
            .sequence()
            .output(|| events(vec![], None))
            .output(|| {
                events(
                    vec![event(
                        "e1",
                        "ArtifactBucket",
                        "AWS::S3::Bucket",
                        ResourceStatus::UpdateComplete,
                        None,
                    )],
                    None,
                )
            })
            .output(|| events(vec![], None))
            .build();
        let continued = mock!(Client::continue_update_rollback)
            .match_requests(|r| {
                r.stack_name() == Some("artifact-store")
                    && r.resources_to_skip() == ["ArtifactBucketPolicy".to_owned()]
            })
            .then_output(|| ContinueUpdateRollbackOutput::builder().build());
        let cloud = cloud(&[&states, &history, &continued]);
        let ui = Recorder::new(true);
        let outcome = recover(&cloud, &ui, art, &["ArtifactBucketPolicy".to_owned()])
            .await
            .unwrap();
        match outcome {
            RecoverOutcome::Recovered { skipped } => {
                assert_eq!(skipped, ["ArtifactBucketPolicy"])
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(continued.num_calls(), 1);
        assert!(
            ui.lines()
                .iter()
                .any(|l| l.contains("UPDATE_COMPLETE") && l.contains("ArtifactBucket")),
            "{:?}",
            ui.lines()
        );
    }

    #[tokio::test]
    async fn a_stack_that_is_not_stuck_is_left_alone() {
        let a = assembly();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        });
        let continued = mock!(Client::continue_update_rollback)
            .then_output(|| ContinueUpdateRollbackOutput::builder().build());
        let cloud = cloud(&[&states, &continued]);
        let outcome = recover(&cloud, &Recorder::new(true), art, &[])
            .await
            .unwrap();
        assert!(
            matches!(outcome, RecoverOutcome::NotStuck { ref status } if status.as_str() == "UPDATE_COMPLETE"),
            "{outcome:?}"
        );
        assert_eq!(continued.num_calls(), 0, "no write call");
    }
}

/// Data is protected (issue #22), where moto cannot show it: a stack that
/// holds data gets termination protection on an existing stack
/// (`UpdateTerminationProtection`, which moto lacks) and its stack policy,
/// by default.
mod guards {
    use super::*;

    #[tokio::test]
    async fn an_existing_stack_that_holds_data_gets_termination_protection_and_its_policy() {
        let a = assembly();
        let art = store(&a);
        assert!(art.termination_protection, "on by default: it holds data");
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        });
        let body = art.body.clone();
        let template = mock!(Client::get_template)
            .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
        let protect = mock!(Client::update_termination_protection)
            .match_requests(|r| {
                r.stack_name() == Some("artifact-store")
                    && r.enable_termination_protection() == Some(true)
            })
            .then_output(|| {
                UpdateTerminationProtectionOutput::builder()
                    .stack_id(STACK_ID)
                    .build()
            });
        let policy = art.protection.stack_policy().unwrap();
        let set = mock!(Client::set_stack_policy)
            .match_requests({
                let policy = policy.clone();
                move |r| r.stack_policy_body() == Some(policy.as_str())
            })
            .then_output(|| SetStackPolicyOutput::builder().build());
        let create = created_change_set();
        let cloud = cloud(&[&states, &template, &protect, &set, &create]);
        let ui = Recorder::new(true);
        let reports = Deployer::new(&cloud, &ui, yes()).deploy(&[plan(art)]).await;
        assert!(
            matches!(reports[0].outcome, DeployOutcome::Unchanged),
            "{reports:?}"
        );
        assert_eq!(
            (protect.num_calls(), set.num_calls(), create.num_calls()),
            (1, 1, 0)
        );
        assert_eq!(
            ui.lines(),
            [
                "artifact-store: unchanged",
                "artifact-store: note stack policy set: replacing or deleting ArtifactBucket is denied",
                "artifact-store: note termination protection turned on",
            ]
        );

        // Already guarded: nothing is written.
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack_with(StackStatus::UpdateComplete, art, |b| {
                b.enable_termination_protection(true)
            });
            move || describe(vec![s.clone()])
        });
        let body = art.body.clone();
        let template = mock!(Client::get_template)
            .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
        let current = mock!(Client::get_stack_policy).then_output(move || {
            GetStackPolicyOutput::builder()
                .stack_policy_body(&policy)
                .build()
        });
        let set =
            mock!(Client::set_stack_policy).then_output(|| SetStackPolicyOutput::builder().build());
        let protect = mock!(Client::update_termination_protection).then_output(|| {
            UpdateTerminationProtectionOutput::builder()
                .stack_id(STACK_ID)
                .build()
        });
        let cloud = super::cloud(&[&states, &template, &current, &set, &protect]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        assert!(matches!(reports[0].outcome, DeployOutcome::Unchanged));
        assert_eq!((set.num_calls(), protect.num_calls()), (0, 0));
    }

    /// From AWS's own endpoint, a bare HTTP error of UpdateTerminationProtection
    /// is an error: the stack is not protected, and deploy says so
    /// rather than going on (only a given endpoint, an emulator, may lack
    /// the call).
    #[tokio::test]
    async fn a_bare_http_error_of_termination_protection_from_aws_is_an_error() {
        let a = assembly();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        });
        let body = art.body.clone();
        let template = mock!(Client::get_template)
            .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
        let protect = mock!(Client::update_termination_protection).then_http_response(|| {
            aws_smithy_runtime_api::http::Response::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(404).unwrap(),
                aws_smithy_types::body::SdkBody::empty(),
            )
        });
        let [policy, set, _] = guards();
        let cloud = cloud(&[&states, &template, &protect, &policy, &set]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        assert!(
            matches!(
                reports[0].outcome,
                DeployOutcome::Error(CloudError::Http { .. })
            ),
            "{reports:?}"
        );
        assert!(protect.num_calls() >= 1);
    }

    /// A stack whose code opts out of the guards keeps no deny policy from
    /// an earlier deploy: it is set to allow all, or the opt-out would
    /// never take effect.
    #[tokio::test]
    async fn an_opted_out_stack_gets_its_old_deny_policy_lifted() {
        let guarded = assembly();
        let old = store(&guarded).protection.stack_policy().unwrap();
        let mut s = pipewright::Stack::new("artifact-store")
            .unprotected("scratch artifacts, rebuilt by any pipeline run");
        s.add(pipewright::s3::Bucket::new("ArtifactBucket"));
        let a = pipewright::App::new().stack(s).synth().unwrap();
        let art = store(&a);
        assert_eq!(art.protection.stack_policy(), None);
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        });
        let body = art.body.clone();
        let template = mock!(Client::get_template)
            .then_output(move || GetTemplateOutput::builder().template_body(&body).build());
        let current = mock!(Client::get_stack_policy).then_output(move || {
            GetStackPolicyOutput::builder()
                .stack_policy_body(old.clone())
                .build()
        });
        let allow_all = mock!(Client::set_stack_policy)
            .match_requests(|r| r.stack_policy_body() == Some(pipewright::app::ALLOW_ALL))
            .then_output(|| SetStackPolicyOutput::builder().build());
        let cloud = cloud(&[&states, &template, &current, &allow_all]);
        let ui = Recorder::new(true);
        let reports = Deployer::new(&cloud, &ui, yes()).deploy(&[plan(art)]).await;
        assert!(
            matches!(reports[0].outcome, DeployOutcome::Unchanged),
            "{reports:?}"
        );
        assert_eq!(allow_all.num_calls(), 1);
        assert!(
            ui.lines().contains(
                &"artifact-store: note stack policy lifted: the code guards no resource of this stack"
                    .to_owned()
            ),
            "{:?}",
            ui.lines()
        );
    }

    #[tokio::test]
    async fn replacing_data_is_refused_before_the_confirm_and_nothing_executes() {
        let a = assembly();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_output({
            let s = stack(StackStatus::UpdateComplete, art);
            move || describe(vec![s.clone()])
        });
        let template = mock!(Client::get_template).then_output(|| {
            GetTemplateOutput::builder()
                .template_body("Resources: {}\n")
                .build()
        });
        let create = created_change_set();
        let ready = mock!(Client::describe_change_set).then_output(|| {
            change_set(
                ChangeSetStatus::CreateComplete,
                None,
                vec![modify_bucket(Replacement::Conditional)],
            )
        });
        let execute = mock!(Client::execute_change_set)
            .then_output(|| ExecuteChangeSetOutput::builder().build());
        let delete = mock!(Client::delete_change_set)
            .then_output(|| DeleteChangeSetOutput::builder().build());
        let cloud = cloud(&[&states, &template, &create, &ready, &execute, &delete]);
        let ui = Recorder::new(true);
        let reports = Deployer::new(&cloud, &ui, DeployOptions::default())
            .deploy(&[plan(art)])
            .await;
        match &reports[0].outcome {
            DeployOutcome::Error(e @ CloudError::DataAtRisk { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "stack `artifact-store`: the change loses data and was not executed: `ArtifactBucket` (AWS::S3::Bucket) may be replaced"
                );
                assert_eq!(
                    e.hint().unwrap(),
                    "if the data may go, allow it for this deploy with --allow-replace artifact-store:ArtifactBucket, or in code with `Stack::allow_replace(ID, reason)`"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(execute.num_calls(), 0);
        assert_eq!(delete.num_calls(), 1, "no change set is left behind");
        assert!(
            ui.questions.lock().unwrap().is_empty(),
            "refused before the confirm"
        );
    }
}

/// Adopting existing resources (issue #22): moto has no IMPORT change
/// sets, so the SDK's mock layer serves them. A repository made by hand
/// is brought into a new stack with an IMPORT change set, then the normal
/// update adds the rest; a repository another stack has, or one
/// CloudFormation cannot import, is refused before any change.
mod adopt {
    use super::*;
    use aws_sdk_cloudformation::operation::describe_stack_resources::{
        DescribeStackResourcesError, DescribeStackResourcesOutput,
    };
    use aws_sdk_cloudformation::types::StackResource;
    use pipewright::template::Resource;

    fn adopting() -> Assembly {
        let mut s = pipewright::Stack::new("artifact-store");
        s.add(
            pipewright::ecr::Repository::new("Repository")
                .name("acme/adopted")
                .adopt(),
        );
        s.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
        pipewright::App::new().stack(s).synth().unwrap()
    }

    fn nobody_has_it() -> Rule {
        mock!(Client::describe_stack_resources)
            .match_requests(|r| r.physical_resource_id() == Some("acme/adopted"))
            .then_error(|| {
                DescribeStackResourcesError::generic(
                    ErrorMetadata::builder()
                        .code("ValidationError")
                        .message("Stack for acme/adopted does not exist")
                        .build(),
                )
            })
    }

    fn change(action: ChangeAction, id: &str, kind: &str) -> Change {
        Change::builder()
            .r#type(ChangeType::Resource)
            .resource_change(
                ResourceChange::builder()
                    .action(action)
                    .logical_resource_id(id)
                    .resource_type(kind)
                    .build(),
            )
            .build()
    }

    #[test]
    fn synth_retains_what_is_adopted_and_records_its_identifier() {
        let a = adopting();
        let art = store(&a);
        assert_eq!(
            art.adoptions,
            [pipewright::app::Adoption {
                logical_id: "Repository".into(),
                resource_type: "AWS::ECR::Repository".into(),
                identifier: [("RepositoryName".to_owned(), "acme/adopted".to_owned())]
                    .into_iter()
                    .collect(),
            }]
        );
        let repository = &art.template.resources["Repository"];
        assert_eq!(
            repository.deletion_policy,
            Some(pipewright::template::Policy::Retain)
        );
        assert_eq!(
            repository.update_replace_policy,
            Some(pipewright::template::Policy::Retain)
        );
        // A type pipewright cannot import, or a name that is not a literal,
        // is a synth error that says so.
        let mut s = pipewright::Stack::new("s");
        let topic = s.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
        s.adopt(&topic);
        let unnamed = s.add(pipewright::ecr::Repository::new("Unnamed").adopt());
        let _ = unnamed;
        let problems: Vec<String> = match pipewright::App::new().stack(s).synth() {
            Err(pipewright::Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            problems,
            [
                "s/Topic: resource `Topic` (AWS::SNS::Topic) cannot be adopted: pipewright knows no import identifier for the type",
                "s/Unnamed: resource `Unnamed` is adopted and needs a literal `RepositoryName` to find the existing resource: set it to the existing resource's name",
            ]
        );
    }

    #[tokio::test]
    async fn a_repository_made_by_hand_is_imported_then_the_update_follows() {
        let a = adopting();
        let art = store(&a);
        let states = mock!(Client::describe_stacks)
            .sequence()
            .error(missing)
            .output({
                let s = stack(StackStatus::ImportComplete, art);
                move || describe(vec![s.clone()])
            })
            .output({
                let s = stack(StackStatus::UpdateComplete, art);
                move || describe(vec![s.clone()])
            })
            .build();
        let import = mock!(Client::create_change_set)
            .match_requests(|r| {
                let imports = r.resources_to_import();
                r.change_set_type() == Some(&ChangeSetType::Import)
                    && imports.len() == 1
                    && imports[0].logical_resource_id() == Some("Repository")
                    && imports[0].resource_type() == Some("AWS::ECR::Repository")
                    && imports[0]
                        .resource_identifier()
                        .and_then(|i| i.get("RepositoryName"))
                        .map(String::as_str)
                        == Some("acme/adopted")
                    // Exactly the adopted resource, retained.
                    && r.template_body().is_some_and(|b| {
                        b.contains("\"Repository\"")
                            && b.contains("\"DeletionPolicy\": \"Retain\"")
                            && !b.contains("\"Topic\"")
                    })
            })
            .then_output(|| {
                CreateChangeSetOutput::builder()
                    .id(CHANGE_SET_ID)
                    .stack_id(STACK_ID)
                    .build()
            });
        let update = mock!(Client::create_change_set)
            .match_requests(|r| r.change_set_type() == Some(&ChangeSetType::Update))
            .then_output(|| {
                CreateChangeSetOutput::builder()
                    .id(CHANGE_SET_ID)
                    .stack_id(STACK_ID)
                    .build()
            });
        let ready = mock!(Client::describe_change_set)
            .sequence()
            .output(|| {
                change_set(
                    ChangeSetStatus::CreateComplete,
                    None,
                    vec![change(
                        ChangeAction::Import,
                        "Repository",
                        "AWS::ECR::Repository",
                    )],
                )
            })
            .output(|| {
                change_set(
                    ChangeSetStatus::CreateComplete,
                    None,
                    vec![change(ChangeAction::Add, "Topic", "AWS::SNS::Topic")],
                )
            })
            .build();
        let imported_body = {
            let mut t = pipewright::template::Template::default();
            let (id, r) = art.template.resources.get_key_value("Repository").unwrap();
            t.resources.insert(id.clone(), r.clone());
            pipewright::template::json::to_string(&t)
        };
        let template = mock!(Client::get_template).then_output(move || {
            GetTemplateOutput::builder()
                .template_body(&imported_body)
                .build()
        });
        let execute = mock!(Client::execute_change_set)
            .then_output(|| ExecuteChangeSetOutput::builder().build());
        let history = mock!(Client::describe_stack_events).then_output(|| events(vec![], None));
        let cloud = cloud(&[
            &states,
            &nobody_has_it(),
            &import,
            &update,
            &ready,
            &template,
            &execute,
            &history,
        ]);
        let ui = Recorder::new(true);
        let reports = Deployer::new(&cloud, &ui, DeployOptions::default())
            .deploy(&[plan(art)])
            .await;
        assert!(
            matches!(reports[0].outcome, DeployOutcome::Updated),
            "{reports:?}"
        );
        assert_eq!(
            (import.num_calls(), update.num_calls(), execute.num_calls()),
            (1, 1, 2)
        );
        let lines = ui.lines();
        assert!(
            lines.contains(
                &"artifact-store: change set: 1 to add, 0 to modify, 0 to remove | < Repository  AWS::ECR::Repository".to_owned()
            ),
            "the import is shown: {lines:#?}"
        );
        assert!(
            lines.contains(&"artifact-store: started import".to_owned()),
            "{lines:#?}"
        );
        let questions = ui.questions.lock().unwrap().clone();
        assert_eq!(questions.len(), 2, "{questions:?}");
        assert!(
            questions[0].starts_with("execute import change set `pipewright-import-"),
            "{questions:?}"
        );
    }

    #[tokio::test]
    async fn an_existing_stack_imports_what_it_lacks_keeping_the_rest() {
        let a = adopting();
        let art = store(&a);
        let states = mock!(Client::describe_stacks)
            .sequence()
            .output({
                let s = stack(StackStatus::UpdateComplete, art);
                move || describe(vec![s.clone()])
            })
            .output({
                let s = stack(StackStatus::ImportComplete, art);
                move || describe(vec![s.clone()])
            })
            .build();
        // Deployed before the repository was declared: the topic only.
        let topic_only = {
            let mut t = art.template.clone();
            t.resources.shift_remove("Repository");
            pipewright::template::json::to_string(&t)
        };
        let body = art.body.clone();
        let template = mock!(Client::get_template)
            .sequence()
            .output(move || {
                GetTemplateOutput::builder()
                    .template_body(&topic_only)
                    .build()
            })
            .output(move || GetTemplateOutput::builder().template_body(&body).build())
            .build();
        let import = mock!(Client::create_change_set)
            .match_requests(|r| {
                r.change_set_type() == Some(&ChangeSetType::Import)
                    && r.resources_to_import().len() == 1
                    && r.template_body()
                        .is_some_and(|b| b.contains("\"Repository\"") && b.contains("\"Topic\""))
            })
            .then_output(|| {
                CreateChangeSetOutput::builder()
                    .id(CHANGE_SET_ID)
                    .stack_id(STACK_ID)
                    .build()
            });
        let ready = mock!(Client::describe_change_set).then_output(|| {
            change_set(
                ChangeSetStatus::CreateComplete,
                None,
                vec![change(
                    ChangeAction::Import,
                    "Repository",
                    "AWS::ECR::Repository",
                )],
            )
        });
        let execute = mock!(Client::execute_change_set)
            .then_output(|| ExecuteChangeSetOutput::builder().build());
        let history = mock!(Client::describe_stack_events).then_output(|| events(vec![], None));
        let cloud = cloud(&[
            &states,
            &template,
            &nobody_has_it(),
            &import,
            &ready,
            &execute,
            &history,
        ]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        // Imported; then the stack matches the code and no other change
        // set is made.
        assert!(
            matches!(reports[0].outcome, DeployOutcome::Unchanged),
            "{reports:?}"
        );
        assert_eq!((import.num_calls(), execute.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_repository_another_stack_has_is_refused_before_any_change() {
        let a = adopting();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_error(missing);
        let owned = mock!(Client::describe_stack_resources).then_output(|| {
            DescribeStackResourcesOutput::builder()
                .stack_resources(
                    StackResource::builder()
                        .stack_name("legacy-images")
                        .logical_resource_id("AppRepository")
                        .physical_resource_id("acme/adopted")
                        .resource_type("AWS::ECR::Repository")
                        .resource_status(ResourceStatus::CreateComplete)
                        .timestamp(DateTime::from_secs(1_795_000_000))
                        .build(),
                )
                .build()
        });
        let create = created_change_set();
        let cloud = cloud(&[&states, &owned, &create]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        match &reports[0].outcome {
            DeployOutcome::Error(e @ CloudError::AdoptOwned { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "stack `artifact-store` cannot adopt `Repository` (AWS::ECR::Repository `acme/adopted`): it belongs to stack `legacy-images` as `AppRepository`; nothing was changed"
                );
                assert_eq!(
                    e.hint().unwrap(),
                    "remove it from stack `legacy-images` first (with `DeletionPolicy: Retain`, so that it is kept), or drop `.adopt()` and give the resource another name"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(create.num_calls(), 0, "no change set");
    }

    /// An IMPORT change set takes only what it imports: a repository to
    /// adopt encrypted with a key the stack has not deployed yet is
    /// refused before any change, naming the reference.
    #[tokio::test]
    async fn a_repository_referencing_what_is_not_deployed_is_refused_before_any_change() {
        let mut s = pipewright::Stack::new("artifact-store");
        let key = s.add(pipewright::kms::Key::new("ImagesKey", "images"));
        s.add(
            pipewright::ecr::Repository::new("Repository")
                .name("acme/adopted")
                .kms_key(key.arn())
                .adopt(),
        );
        let a = pipewright::App::new().stack(s).synth().unwrap();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_error(missing);
        let create = created_change_set();
        let cloud = cloud(&[&states, &nobody_has_it(), &create]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        match &reports[0].outcome {
            DeployOutcome::Error(e @ CloudError::AdoptReferences { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "stack `artifact-store` cannot adopt `Repository` yet: Fn::GetAtt names `ImagesKey`, which is not a resource in this stack; nothing was changed"
                );
                assert_eq!(
                    e.hint().unwrap(),
                    "deploy what it references first (without `.adopt()` on this resource), then deploy again with it; or adopt what it references too"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(create.num_calls(), 0, "no change set");
    }

    #[tokio::test]
    async fn a_repository_that_does_not_exist_is_refused_and_nothing_is_left() {
        let a = adopting();
        let art = store(&a);
        let states = mock!(Client::describe_stacks).then_error(missing);
        let create = created_change_set();
        let failed = mock!(Client::describe_change_set).then_output(|| {
            change_set(
                ChangeSetStatus::Failed,
                Some("Resource with identifier 'acme/adopted' of type 'AWS::ECR::Repository' does not exist"),
                vec![],
            )
        });
        let delete = mock!(Client::delete_change_set)
            .then_output(|| DeleteChangeSetOutput::builder().build());
        let execute = mock!(Client::execute_change_set)
            .then_output(|| ExecuteChangeSetOutput::builder().build());
        let cloud = cloud(&[
            &states,
            &nobody_has_it(),
            &create,
            &failed,
            &delete,
            &execute,
        ]);
        let reports = Deployer::new(&cloud, &Recorder::new(true), yes())
            .deploy(&[plan(art)])
            .await;
        match &reports[0].outcome {
            DeployOutcome::Error(e @ CloudError::AdoptFailed { .. }) => {
                assert_eq!(
                    e.to_string(),
                    "stack `artifact-store` cannot adopt `Repository` (AWS::ECR::Repository `acme/adopted`): CloudFormation refused the import (FAILED): Resource with identifier 'acme/adopted' of type 'AWS::ECR::Repository' does not exist; nothing was changed"
                );
                assert_eq!(
                    e.hint().unwrap(),
                    "check that the resource exists with that name in the stack's account and region; create it, or drop `.adopt()` to have the stack create it"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(execute.num_calls(), 0);
        assert_eq!(delete.num_calls(), 1, "the import change set is deleted");
    }
}

//! What moto cannot show of a stack set deploy (it runs every operation to
//! SUCCEEDED at once): an instance that fails, reported with its account,
//! region and reason, an operation followed while it runs, and exit 4.
//! Through the real SDK client with `aws-smithy-mocks`; shapes follow the
//! CloudFormation API reference (DescribeStackSet,
//! DescribeStackSetOperation, ListStackSetOperationResults).

use super::stack_set_deploy::Recorder;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::create_stack_instances::CreateStackInstancesOutput;
use aws_sdk_cloudformation::operation::create_stack_set::CreateStackSetOutput;
use aws_sdk_cloudformation::operation::describe_stack_set::DescribeStackSetError;
use aws_sdk_cloudformation::operation::describe_stack_set_operation::DescribeStackSetOperationOutput;
use aws_sdk_cloudformation::operation::list_stack_set_operation_results::ListStackSetOperationResultsOutput;
use aws_sdk_cloudformation::types::{
    StackSetOperation, StackSetOperationResultStatus, StackSetOperationResultSummary,
    StackSetOperationStatus,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use pipewright::cloud::Cloud;
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::values::InstanceResultStatus;
use pipewright::parameters::StackParameters;
use pipewright::stack_set::StackSet;
use pipewright::template::Resource;
use pipewright::{App, Stack};
use std::time::Duration;

fn result(
    account: &str,
    status: StackSetOperationResultStatus,
    reason: Option<&str>,
) -> StackSetOperationResultSummary {
    StackSetOperationResultSummary::builder()
        .account(account)
        .region("eu-west-1")
        .status(status)
        .set_status_reason(reason.map(str::to_owned))
        .build()
}

#[tokio::test]
async fn a_failed_instance_is_reported_with_its_account_region_and_reason() {
    let mut s = Stack::new("roles");
    s.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
    let assembly = App::new()
        .stack_set(StackSet::accounts(s, ["111111111111", "222222222222"]).region("eu-west-1"))
        .synth()
        .unwrap();
    let art = assembly.get("roles").unwrap();

    let missing = mock!(Client::describe_stack_set).then_error(|| {
        DescribeStackSetError::generic(
            ErrorMetadata::builder()
                .code("StackSetNotFoundException")
                .message("StackSet roles not found")
                .build(),
        )
    });
    let create = mock!(Client::create_stack_set).then_output(|| {
        CreateStackSetOutput::builder()
            .stack_set_id("roles:1")
            .build()
    });
    let add = mock!(Client::create_stack_instances).then_output(|| {
        CreateStackInstancesOutput::builder()
            .operation_id("op-1")
            .build()
    });
    // Running once, then SUCCEEDED with one failed instance: the default
    // failure tolerance lets the rollout go on past it.
    let operation = mock!(Client::describe_stack_set_operation)
        .sequence()
        .output(|| op(StackSetOperationStatus::Running))
        .output(|| op(StackSetOperationStatus::Succeeded))
        .build();
    let results = mock!(Client::list_stack_set_operation_results)
        .sequence()
        .output(|| {
            ListStackSetOperationResultsOutput::builder()
                .summaries(result("111111111111", StackSetOperationResultStatus::Running, None))
                .summaries(result("222222222222", StackSetOperationResultStatus::Pending, None))
                .build()
        })
        .output(|| {
            ListStackSetOperationResultsOutput::builder()
                .summaries(result("111111111111", StackSetOperationResultStatus::Succeeded, None))
                .summaries(result(
                    "222222222222",
                    StackSetOperationResultStatus::Failed,
                    Some("Account 222222222222 should have 'AWSCloudFormationStackSetExecutionRole' role with trust relationship to Role 'AWSCloudFormationStackSetAdministrationRole'."),
                ))
                .build()
        })
        .build();
    let client = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        &[&missing, &create, &add, &operation, &results]
    );
    let cloud = Cloud::from_clients(client, None).with_poll_interval(Duration::from_millis(1));
    let ui = Recorder::default();
    let plan = StackPlan {
        artifact: art,
        parameters: StackParameters::default(),
        bootstrap: None,
    };
    let options = DeployOptions {
        yes: true,
        ..DeployOptions::default()
    };
    let reports = Deployer::new(&cloud, &ui, options).deploy(&[plan]).await;
    let DeployOutcome::StackSet(o) = &reports[0].outcome else {
        panic!("{:?}", reports[0].outcome);
    };
    assert!(!o.is_ok());
    assert!(!reports[0].outcome.is_ok());
    let failed: Vec<_> = o
        .results
        .iter()
        .filter(|r| r.status == InstanceResultStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].account, "222222222222");
    assert_eq!(failed[0].region, "eu-west-1");
    assert!(
        failed[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("AWSCloudFormationStackSetExecutionRole")
    );
    // Progress per instance, each status once.
    let lines = ui.lines.lock().unwrap().clone();
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("roles: instance"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            "roles: instance 111111111111 eu-west-1 RUNNING",
            "roles: instance 222222222222 eu-west-1 PENDING",
            "roles: instance 111111111111 eu-west-1 SUCCEEDED",
            "roles: instance 222222222222 eu-west-1 FAILED",
        ]
    );
}

fn op(status: StackSetOperationStatus) -> DescribeStackSetOperationOutput {
    DescribeStackSetOperationOutput::builder()
        .stack_set_operation(
            StackSetOperation::builder()
                .operation_id("op-1")
                .status(status)
                .build(),
        )
        .build()
}

/// moto does not implement DetectStackSetDrift: the detection, followed to
/// its end, and each instance's drift status, on the mock layer.
#[tokio::test]
async fn stack_set_drift_reports_each_instance() {
    use aws_sdk_cloudformation::operation::describe_stack_set::DescribeStackSetOutput;
    use aws_sdk_cloudformation::operation::detect_stack_set_drift::DetectStackSetDriftOutput;
    use aws_sdk_cloudformation::operation::list_stack_instances::ListStackInstancesOutput;
    use aws_sdk_cloudformation::types::{
        StackDriftStatus, StackInstanceStatus, StackInstanceSummary, StackSet as SdkStackSet,
        StackSetStatus,
    };
    use pipewright::cloud::drift::{Committed, ResourcesStatus, TemplateStatus, check};

    let mut s = Stack::new("roles");
    s.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
    let assembly = App::new()
        .stack_set(StackSet::accounts(s, ["111111111111", "222222222222"]).region("eu-west-1"))
        .synth()
        .unwrap();
    let art = assembly.get("roles").unwrap().clone();
    let body = art.body.clone();
    let set = mock!(Client::describe_stack_set).then_output(move || {
        DescribeStackSetOutput::builder()
            .stack_set(
                SdkStackSet::builder()
                    .stack_set_name("roles")
                    .status(StackSetStatus::Active)
                    .template_body(body.clone())
                    .build(),
            )
            .build()
    });
    let detect = mock!(Client::detect_stack_set_drift).then_output(|| {
        DetectStackSetDriftOutput::builder()
            .operation_id("op-2")
            .build()
    });
    let operation = mock!(Client::describe_stack_set_operation)
        .sequence()
        .output(|| op(StackSetOperationStatus::Running))
        .output(|| op(StackSetOperationStatus::Succeeded))
        .build();
    let instance = |account: &str, drift| {
        StackInstanceSummary::builder()
            .account(account)
            .region("eu-west-1")
            .status(StackInstanceStatus::Current)
            .drift_status(drift)
            .build()
    };
    let instances = mock!(Client::list_stack_instances).then_output(move || {
        ListStackInstancesOutput::builder()
            .summaries(instance("111111111111", StackDriftStatus::InSync))
            .summaries(instance("222222222222", StackDriftStatus::Drifted))
            .build()
    });
    let client = mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        &[&set, &detect, &operation, &instances]
    );
    let cloud = Cloud::from_clients(client, None).with_poll_interval(Duration::from_millis(1));
    let report = check(&cloud, &art, Committed::default(), false).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.template.status, TemplateStatus::InSync);
    assert_eq!(report.resources.status, ResourcesStatus::Drifted);
    assert!(report.drifted());
    let drifted: Vec<&str> = report
        .instances
        .iter()
        .filter(|i| i.drift_status.as_ref().map(|d| d.as_str()) == Some("DRIFTED"))
        .map(|i| i.account.as_str())
        .collect();
    assert_eq!(drifted, ["222222222222"]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["instances"][1]["drift_status"], "DRIFTED");
}

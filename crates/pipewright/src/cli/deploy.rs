//! `pipewright deploy`: check everything locally, then deploy through change
//! sets with a preview, a confirm and live progress.

use super::prepare::{self, runtime};
use super::printer::style;
use super::ui::TerminalUi;
use super::{Exit, Printer};
use crate::App;
use crate::cloud::deploy::{DeployOptions, DeployOutcome, DeployReport, Deployer};
use crate::cloud::protection::{AllowReplace, AtRisk, Holds, Loss};
use crate::cloud::stack_set_flow::SetOutcome;
use crate::cloud::{CloudError, Connect};
use crate::parameters::Override;
use serde_json::json;
use std::path::Path;

pub(super) struct Args<'a> {
    pub stacks: &'a [String],
    pub all: bool,
    pub options: DeployOptions,
    /// The raw `--parameter` values, parsed here so that a malformed one
    /// is reported without echoing a value that may be a secret.
    pub overrides: &'a [String],
    /// The raw `--allow-replace` values.
    pub allow_replace: &'a [String],
    pub json: bool,
    pub connect: Connect,
}

pub(super) fn run(app: &App, printer: &Printer, args: Args<'_>) -> anyhow::Result<Exit> {
    let root = Path::new(".");
    let overrides = args
        .overrides
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            raw.parse::<Override>().map_err(|why| prepare::UsageError {
                message: format!("--parameter #{}: {why} (the value is not shown)", i + 1),
                hint: Some("write --parameter KEY=VALUE or --parameter STACK:KEY=VALUE".into()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let chosen = prepare::choose(app, args.stacks, args.all, "deploy")?;
    let mut options = args.options;
    options.allow_replace = allowances(args.allow_replace, &chosen)?;
    let assembly = app.synth()?;
    let artifacts = prepare::artifacts(&assembly, &chosen);
    prepare::check_committed(root, &assembly, &artifacts)?;
    let mut plans = prepare::plans(root, &artifacts, &overrides)?;
    for plan in &mut plans {
        plan.bootstrap = crate::app::managing_bootstrap(&assembly.stacks, &plan.artifact.name);
    }
    if !options.no_execute {
        prepare::require_terminal(options.yes, "deploy")?;
    }

    let names: Vec<&str> = artifacts.iter().map(|a| a.name.as_str()).collect();
    let ui = TerminalUi::new(printer, &names);
    let rt = runtime()?;
    let cloud = prepare::connect(&rt, &args.connect, &artifacts)?;
    let (reports, interrupted) = rt.block_on(async {
        let deployer = Deployer::new(&cloud, &ui, options);
        tokio::select! {
            reports = deployer.deploy(&plans) => (reports, None),
            _ = tokio::signal::ctrl_c() => (Vec::new(), Some(deployer.interrupted().await)),
        }
    });
    drop(ui);

    if let Some(i) = interrupted {
        for (stack, cs) in &i.deleted_change_sets {
            printer.status(&format!("{stack}: interrupted; deleted change set {cs}"));
        }
        for stack in &i.deleted_stacks {
            printer.status(&format!(
                "{stack}: deleted the REVIEW_IN_PROGRESS stack made for the change set"
            ));
        }
        for stack in &i.still_changing {
            printer.status(&format!(
                "{stack}: interrupted while CloudFormation changes it; the change goes on. Follow it with `pipewright status {stack}` or `aws cloudformation describe-stack-events --stack-name {stack}`"
            ));
        }
        for stack in &i.restored_policies {
            printer.status(&format!(
                "{stack}: restored the stack policy lifted for the update"
            ));
        }
        for e in &i.errors {
            printer.error(&format!("cleanup failed: {e}"), &[], &[], None);
        }
        return Ok(Exit::Interrupted);
    }

    let mut exit = Exit::Success;
    let mut errors = prepare::StackErrors::default();
    for r in &reports {
        summarize(printer, r, &mut exit, &mut errors);
    }
    if args.json {
        let stacks: Vec<_> = reports.iter().map(to_json).collect();
        printer.data(&serde_json::to_string_pretty(
            &json!({"version": 1, "stacks": stacks}),
        )?)?;
    } else {
        for r in &reports {
            for (k, v) in &r.outputs {
                printer.data(&format!("{}\t{k}\t{v}", r.stack))?;
            }
        }
    }
    Ok(exit)
}

/// The `--allow-replace` values, each `ID` or `STACK:ID` with STACK one
/// of the selected stacks.
fn allowances(raw: &[String], chosen: &[String]) -> Result<Vec<AllowReplace>, prepare::UsageError> {
    raw.iter()
        .map(|r| {
            let a: AllowReplace = r.parse().map_err(|why| prepare::UsageError {
                message: format!("--allow-replace `{r}`: {why}"),
                hint: Some("write --allow-replace ID or --allow-replace STACK:ID".into()),
            })?;
            if let Some(stack) = &a.stack
                && !chosen.contains(stack)
            {
                return Err(prepare::UsageError {
                    message: format!(
                        "--allow-replace `{r}` names stack `{stack}`, which this deploy does not select"
                    ),
                    hint: Some(format!("select it, or write one of: {}", chosen.join(", "))),
                });
            }
            Ok(a)
        })
        .collect()
}

fn outcome_name(o: &DeployOutcome) -> &'static str {
    match o {
        DeployOutcome::Unchanged => "unchanged",
        DeployOutcome::NoChanges => "no-changes",
        DeployOutcome::Created => "created",
        DeployOutcome::Updated => "updated",
        DeployOutcome::ChangeSetLeft { .. } => "change-set-created",
        DeployOutcome::Declined => "declined",
        DeployOutcome::Failed { .. } => "failed",
        DeployOutcome::Skipped { .. } => "skipped",
        DeployOutcome::StackSet(o) if !o.executed => "planned",
        DeployOutcome::StackSet(o) if o.is_ok() => "deployed",
        DeployOutcome::StackSet(_) => "failed",
        DeployOutcome::Error(_) => "error",
    }
}

fn to_json(r: &DeployReport) -> serde_json::Value {
    let mut v = json!({
        "stack": r.stack,
        "result": outcome_name(&r.outcome),
        "status": r.status,
        "outputs": r.outputs,
    });
    match &r.outcome {
        DeployOutcome::ChangeSetLeft { name } => v["change_set"] = json!(name),
        DeployOutcome::Failed { cause, remedy, .. } => {
            v["cause"] = json!(cause);
            v["remedy"] = json!(remedy);
        }
        DeployOutcome::Skipped { because } => v["because"] = json!(because),
        DeployOutcome::StackSet(o) => {
            v["stack_set"] = json!({
                "plan": o.plan,
                "instances": o.results,
                "failed_operations": o.failed_operations.iter()
                    .map(|(op, status)| json!({"operation": op, "status": status}))
                    .collect::<Vec<_>>(),
            });
        }
        DeployOutcome::Error(e) => {
            v["error"] = json!(e.to_string());
            if let CloudError::DataAtRisk { changes, .. } = e {
                v["data_at_risk"] = changes.iter().map(risk_json).collect();
            }
        }
        _ => {}
    }
    v
}

/// One change that loses data, for `--format json`.
fn risk_json(r: &AtRisk) -> serde_json::Value {
    let (loss, properties) = match &r.loss {
        Loss::Replace {
            possibly: false,
            properties,
        } => ("replace", properties.clone()),
        Loss::Replace { properties, .. } => ("may-replace", properties.clone()),
        Loss::Delete => ("delete", Vec::new()),
    };
    json!({
        "logical_id": r.logical_id,
        "type": r.resource_type,
        "loss": loss,
        "properties": properties,
        "holds": match r.holds {
            Holds::Stateful => "stateful",
            Holds::Retained => "retained",
        },
    })
}

fn summarize(
    printer: &Printer,
    r: &DeployReport,
    exit: &mut Exit,
    errors: &mut prepare::StackErrors,
) {
    let stack = &r.stack;
    // A failed stack outranks data at risk, which outranks any other
    // error.
    let rank = |e: Exit| match e {
        Exit::StackFailed => 3,
        Exit::DataAtRisk => 2,
        Exit::Success => 0,
        _ => 1,
    };
    let worse = |exit: &mut Exit, e: Exit| {
        if rank(e) > rank(*exit) {
            *exit = e;
        }
    };
    match &r.outcome {
        DeployOutcome::Unchanged | DeployOutcome::NoChanges => {
            printer.status(&format!("{stack}: no changes"))
        }
        DeployOutcome::Created | DeployOutcome::Updated => printer.status(&format!(
            "{stack}: {} {}",
            printer.paint(style::ADD, outcome_name(&r.outcome)),
            r.status.as_ref().map(|s| s.as_str()).unwrap_or("")
        )),
        DeployOutcome::ChangeSetLeft { name } => printer.status(&format!(
            "{stack}: change set {name} is ready for review; execute it with `aws cloudformation execute-change-set --stack-name {stack} --change-set-name {name}`, or delete it with `aws cloudformation delete-change-set --stack-name {stack} --change-set-name {name}`"
        )),
        DeployOutcome::Declined => {
            printer.status(&format!("{stack}: declined; nothing changed and no change set is left"));
            worse(exit, Exit::Failure);
        }
        DeployOutcome::Failed {
            status,
            cause,
            remedy,
        } => {
            let mut details = Vec::new();
            if let Some(c) = cause {
                details.push(format!("root cause: {c}"));
            }
            printer.error(&format!("stack `{stack}` is {status}"), &details, &[], remedy.as_deref());
            worse(exit, Exit::StackFailed);
        }
        DeployOutcome::Skipped { because } => {
            printer.status(&format!(
                "{stack}: {} because `{because}` did not deploy",
                printer.paint(style::CHANGE, "not attempted")
            ));
            worse(exit, Exit::Failure);
        }
        DeployOutcome::StackSet(o) => {
            stack_set_table(printer, stack, o);
            if !o.is_ok() {
                let failed = stack_set_failures(o);
                printer.error(
                    &format!("stack set `{stack}`: {failed}"),
                    &[],
                    &[],
                    Some("fix the cause in each failed account and region, then deploy again: the instances that succeeded are left as they are"),
                );
                worse(exit, Exit::StackFailed);
            }
        }
        DeployOutcome::Error(e) => {
            errors.report(printer, stack, e);
            worse(
                exit,
                if matches!(e, CloudError::DataAtRisk { .. }) {
                    Exit::DataAtRisk
                } else {
                    Exit::Failure
                },
            );
        }
    }
}

/// The end table of a stack set deploy: one line per account and
/// region, with its status and reason.
fn stack_set_table(printer: &Printer, stack: &str, o: &SetOutcome) {
    if !o.executed {
        printer.status(&format!(
            "{stack}: planned; nothing was changed (--no-execute)"
        ));
        return;
    }
    printer.status(&format!("{stack}: stack set instances"));
    printer.status(&format!(
        "  {:<14} {:<16} {:<10} REASON",
        "ACCOUNT", "REGION", "STATUS"
    ));
    for r in &o.results {
        let status = if r.status.is_failure() {
            printer.paint(style::REMOVE, &format!("{:<10}", r.status.as_str()))
        } else {
            format!("{:<10}", r.status.as_str())
        };
        printer.status(&format!(
            "  {:<14} {:<16} {status} {}",
            r.account,
            r.region,
            r.reason.as_deref().unwrap_or("")
        ));
    }
}

/// How many instances and operations failed, in words.
fn stack_set_failures(o: &SetOutcome) -> String {
    let failed = crate::cloud::stack_set::failures(&o.results).len();
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(format!(
            "{failed} {} failed",
            if failed == 1 { "instance" } else { "instances" }
        ));
    }
    for (op, status) in &o.failed_operations {
        parts.push(format!("the {op} operation ended {status}"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ColorChoice;

    fn outcome_exit(outcomes: Vec<DeployOutcome>) -> Exit {
        let printer = Printer::new(ColorChoice::Never, true, false);
        let mut exit = Exit::Success;
        for outcome in outcomes {
            let r = DeployReport {
                stack: "s".into(),
                outcome,
                status: None,
                outputs: Default::default(),
            };
            summarize(&printer, &r, &mut exit, &mut Default::default());
        }
        exit
    }

    #[test]
    fn a_stack_set_with_a_failed_instance_exits_4() {
        use crate::cloud::values::{InstanceResult, InstanceResultStatus};
        let outcome = |status| {
            DeployOutcome::StackSet(SetOutcome {
                executed: true,
                results: vec![InstanceResult {
                    account: "222222222222".into(),
                    region: "eu-west-1".into(),
                    status,
                    reason: Some("no execution role".into()),
                }],
                ..SetOutcome::default()
            })
        };
        assert_eq!(
            outcome_exit(vec![outcome(InstanceResultStatus::Succeeded)]),
            Exit::Success
        );
        assert_eq!(
            outcome_exit(vec![outcome(InstanceResultStatus::Failed)]),
            Exit::StackFailed
        );
        let o = SetOutcome {
            executed: true,
            results: vec![InstanceResult {
                account: "a".into(),
                region: "r".into(),
                status: InstanceResultStatus::Cancelled,
                reason: None,
            }],
            failed_operations: vec![("update".into(), "FAILED".into())],
            ..SetOutcome::default()
        };
        assert_eq!(
            stack_set_failures(&o),
            "1 instance failed; the update operation ended FAILED"
        );
    }

    #[test]
    fn allow_replace_names_a_selected_stack_or_none() {
        let chosen = vec!["app".to_owned(), "web".to_owned()];
        let ok = allowances(&["Repository".into(), "web:Bucket".into()], &chosen).unwrap();
        assert_eq!(ok[1].stack.as_deref(), Some("web"));
        let e = allowances(&["other:Bucket".into()], &chosen).unwrap_err();
        assert_eq!(
            e.message,
            "--allow-replace `other:Bucket` names stack `other`, which this deploy does not select"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("select it, or write one of: app, web")
        );
        let e = allowances(&["app:Bad-Id".into()], &chosen).unwrap_err();
        assert!(
            e.message.starts_with("--allow-replace `app:Bad-Id`: "),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_failed_stack_is_exit_4_even_beside_errors() {
        let failed = || DeployOutcome::Failed {
            status: "UPDATE_ROLLBACK_COMPLETE".into(),
            cause: None,
            remedy: None,
        };
        let skipped = || DeployOutcome::Skipped {
            because: "a".into(),
        };
        assert_eq!(
            outcome_exit(vec![DeployOutcome::Created, DeployOutcome::Unchanged]),
            Exit::Success
        );
        assert_eq!(outcome_exit(vec![failed(), skipped()]), Exit::StackFailed);
        assert_eq!(outcome_exit(vec![skipped(), failed()]), Exit::StackFailed);
        assert_eq!(outcome_exit(vec![DeployOutcome::Declined]), Exit::Failure);
        let at_risk = || {
            DeployOutcome::Error(CloudError::DataAtRisk {
                stack: "s".into(),
                changes: vec![],
            })
        };
        assert_eq!(
            outcome_exit(vec![DeployOutcome::Declined, at_risk()]),
            Exit::DataAtRisk
        );
        assert_eq!(
            outcome_exit(vec![at_risk(), DeployOutcome::Declined]),
            Exit::DataAtRisk,
            "data at risk outranks another error"
        );
        assert_eq!(outcome_exit(vec![at_risk(), failed()]), Exit::StackFailed);
        let report = DeployReport {
            stack: "s".into(),
            outcome: DeployOutcome::Error(CloudError::DataAtRisk {
                stack: "s".into(),
                changes: vec![AtRisk {
                    logical_id: "Repository".into(),
                    resource_type: "AWS::ECR::Repository".into(),
                    loss: Loss::Replace {
                        possibly: false,
                        properties: vec!["RepositoryName".into()],
                    },
                    holds: Holds::Stateful,
                    allowed: None,
                }],
            }),
            status: None,
            outputs: Default::default(),
        };
        assert_eq!(
            to_json(&report)["data_at_risk"],
            json!([{
                "logical_id": "Repository",
                "type": "AWS::ECR::Repository",
                "loss": "replace",
                "properties": ["RepositoryName"],
                "holds": "stateful",
            }])
        );
        assert_eq!(
            outcome_exit(vec![DeployOutcome::ChangeSetLeft { name: "c".into() }]),
            Exit::Success
        );
    }
}

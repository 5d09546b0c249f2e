//! pipewright in AWS (issue #24): the committed templates of the infra
//! pipeline, the scheduled drift check and the bootstraps' read roles give
//! each role no more than its job; the buildspecs run exactly the README's
//! commands; schedule expressions are checked at synth with exact messages.
//!
//! Everything deploys on moto through the bootstrap path in
//! `accounts::one_deploy_reaches_every_account_and_a_second_changes_nothing`
//! (the schedule is a placeholder there: the moto harness keeps types moto
//! does not provision as placeholders, see
//! `tests/integration/support/moto_server.py`), and `lint.rs` runs cfn-lint
//! on every committed stack.

use pipewright::codebuild::Project;
use pipewright::scheduler::{Expression, Schedule, Unit};
use pipewright::template::{json, reader};
use pipewright::{App, Error, Stack, buildspec::BuildSpec};
use serde_json::Value;

use crate::support::repo;

/// A committed template as JSON.
fn template(stack: &str) -> Value {
    let body = std::fs::read_to_string(repo().join(format!("stacks/{stack}.yaml"))).unwrap();
    json::to_value(&reader::parse(&body).unwrap())
}

/// The role named `name` in `template`: its logical ID and properties.
fn role<'a>(template: &'a Value, name: &str) -> (&'a str, &'a Value) {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::IAM::Role" && r["Properties"]["RoleName"] == name)
        .map(|(id, r)| (id.as_str(), &r["Properties"]))
        .unwrap_or_else(|| panic!("no role named {name}"))
}

/// Every allowed (action, resources) of a role's inline policies.
fn statements(role: &Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for policy in role["Policies"].as_array().into_iter().flatten() {
        for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_eq!(s["Effect"], "Allow", "{s}");
            let resources: Vec<String> = match &s["Resource"] {
                Value::Array(list) => list.iter().map(Value::to_string).collect(),
                one => vec![one.to_string()],
            };
            let actions: Vec<String> = match &s["Action"] {
                Value::Array(list) => list.iter().map(|a| a.as_str().unwrap().into()).collect(),
                one => vec![one.as_str().unwrap().into()],
            };
            for action in actions {
                out.push((action, resources.clone()));
            }
        }
    }
    out
}

/// The IAM reference in `data/iam-reference.json` records no access level,
/// so "write" is defined here: every action that is not a read
/// (`Describe*`, `Get*`, `List*`, `BatchGet*`) is a write, except those
/// listed with the only resources each may name.
fn is_read(action: &str) -> bool {
    let name = action.split_once(':').map_or(action, |(_, n)| n);
    ["Describe", "Get", "List", "BatchGet"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The non-read actions a read-only role may still have, with what each
/// must name: drift detection on stacks; its own build's logs and cache;
/// publishing its one report; assuming the read roles.
const ALLOWED_WRITES: &[(&str, &str)] = &[
    ("cloudformation:DetectStackDrift", ":stack/"),
    ("cloudformation:DetectStackResourceDrift", ":stack/"),
    (
        "logs:CreateLogGroup",
        "/aws/codebuild/${AWS::StackName}-DriftProject",
    ),
    (
        "logs:CreateLogStream",
        "/aws/codebuild/${AWS::StackName}-DriftProject",
    ),
    (
        "logs:PutLogEvents",
        "/aws/codebuild/${AWS::StackName}-DriftProject",
    ),
    ("s3:PutObject", "DriftCache.Arn"),
    ("sns:Publish", "DriftTopic"),
    ("kms:GenerateDataKey*", "DriftKey"),
    ("kms:Decrypt", "DriftKey"),
    ("sts:AssumeRole", ":role/pipewright-read"),
];

/// The writes of `statements` that [`ALLOWED_WRITES`] does not allow.
fn writes(statements: &[(String, Vec<String>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (action, resources) in statements {
        if is_read(action) {
            continue;
        }
        let allowed = ALLOWED_WRITES
            .iter()
            .find(|(a, _)| a == action)
            .is_some_and(|(_, on)| resources.iter().all(|r| r.contains(on)));
        if !allowed {
            out.push(format!("{action} on {resources:?}"));
        }
    }
    out
}

#[test]
fn the_drift_role_and_the_read_roles_have_no_write_action() {
    let infra = template("infra");
    let (_, drift) = role(&infra, "pipewright-drift");
    let granted = statements(drift);
    assert_eq!(writes(&granted), Vec::<String>::new());
    // Drift detection reads each resource with the drift role's
    // credentials: the reads of the operations stacks' resources are
    // derived from them, e.g. the application's repository.
    assert!(
        granted.iter().any(|(a, r)| a == "ecr:DescribeRepositories"
            && r.iter().any(|r| r.contains(":repository/acme/app\""))),
        "{granted:?}"
    );
    // The one publish is to its own topic, and its assumptions are exactly
    // the workload accounts' read roles.
    let publish: Vec<_> = granted.iter().filter(|(a, _)| a == "sns:Publish").collect();
    assert_eq!(publish.len(), 1);
    assert_eq!(publish[0].1, [r#"{"Ref":"DriftTopic"}"#]);
    let assume: Vec<&Vec<String>> = granted
        .iter()
        .filter(|(a, _)| a == "sts:AssumeRole")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(
        assume,
        [&vec![
            r#"{"Fn::Sub":"arn:${AWS::Partition}:iam::222222222222:role/pipewright-read"}"#
                .to_owned(),
            r#"{"Fn::Sub":"arn:${AWS::Partition}:iam::333333333333:role/pipewright-read"}"#
                .to_owned(),
        ]]
    );
    for stack in ["bootstrap-staging", "bootstrap-production"] {
        let t = template(stack);
        let (_, read) = role(&t, "pipewright-read");
        let granted = statements(read);
        assert_eq!(writes(&granted), Vec::<String>::new(), "{stack}");
        // CloudFormation's reads, and what drift detection reads of each
        // managed resource (derived from the managed stacks: the deploy
        // role stack's role and EKS access entry), all reads.
        for read in ["iam:GetRole", "eks:DescribeAccessEntry"] {
            assert!(
                granted.iter().any(|(a, _)| a == read),
                "{stack}: {read} in {granted:?}"
            );
        }
        // Trusted by exactly the drift role and the infra check.
        let trust = &read["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(
            trust["Condition"]["ArnEquals"]["aws:PrincipalArn"],
            serde_json::json!([
                {"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:role/pipewright-drift"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:role/pipewright-infra-check"},
            ]),
            "{stack}"
        );
    }
}

/// The definition of a write above can fail: the deploy role of a
/// bootstrap, which changes stacks, is found to write.
#[test]
fn a_role_that_changes_stacks_is_found_to_write() {
    let t = template("bootstrap-staging");
    let (_, deploy) = role(&t, "pipewright-deploy");
    let found = writes(&statements(deploy));
    for action in [
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
        "iam:PassRole",
    ] {
        assert!(
            found.iter().any(|w| w.starts_with(action)),
            "{action} not found in {found:?}"
        );
    }
}

#[test]
fn the_deploy_build_can_assume_only_the_deploy_roles() {
    let infra = template("infra");
    let (id, deploy) = role(&infra, "pipewright-infra-deploy");
    assert_eq!(id, "InfraDeployRole");
    let granted = statements(deploy);
    let beyond_its_build: Vec<&(String, Vec<String>)> = granted
        .iter()
        .filter(|(a, r)| {
            !(a.starts_with("logs:")
                || a.starts_with("s3:")
                    && r.iter().all(|r| {
                        r.contains("InfraCache") || r.contains("InfraPipelineArtifactBucket")
                    }))
        })
        .collect();
    let deploy_roles: Vec<String> = ["111111111111", "222222222222", "333333333333"]
        .iter()
        .map(|a| {
            format!(r#"{{"Fn::Sub":"arn:${{AWS::Partition}}:iam::{a}:role/pipewright-deploy"}}"#)
        })
        .collect();
    assert_eq!(
        beyond_its_build,
        [&("sts:AssumeRole".to_owned(), deploy_roles)]
    );
    // It carries the tag the bootstrap deploy roles trust.
    assert_eq!(
        deploy["Tags"],
        serde_json::json!([{"Key": "pipewright-deployer", "Value": "true"}])
    );
    // The check build before the approval may assume no deploy role.
    let (_, check) = role(&infra, "pipewright-infra-check");
    assert!(
        statements(check)
            .iter()
            .all(|(_, r)| r.iter().all(|r| !r.contains("pipewright-deploy"))),
    );
}

#[test]
fn the_approval_is_restricted_to_the_approvers_group() {
    let infra = template("infra");
    let resources = infra["Resources"].as_object().unwrap();
    let mut holders = Vec::new();
    for (id, r) in resources {
        for policy in r["Properties"]["Policies"].as_array().into_iter().flatten() {
            for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                if s["Action"]
                    .to_string()
                    .contains("codepipeline:PutApprovalResult")
                {
                    holders.push((id.clone(), s["Resource"].clone()));
                }
            }
        }
    }
    assert_eq!(
        holders,
        [(
            "InfraApprovers".to_owned(),
            serde_json::json!([{"Fn::Sub": "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${InfraPipeline}/Approve/Approve"}])
        )]
    );
    assert_eq!(
        resources["InfraApprovers"]["Properties"]["GroupName"],
        "infra-approvers"
    );
    // The approval's message reads the check's summary.
    let stages = resources["InfraPipeline"]["Properties"]["Stages"]
        .as_array()
        .unwrap();
    let approve = &stages[2]["Actions"][0];
    assert!(
        approve["Configuration"]["CustomData"]
            .as_str()
            .unwrap()
            .contains("#{CheckVariables.DIFF_SUMMARY}"),
        "{approve}"
    );
}

/// The `cargo run --release -- ...` commands of the README's code blocks,
/// without their comments.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_block = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block && let Some(rest) = line.trim().strip_prefix("cargo run --release -- ") {
            let command = rest.split('#').next().unwrap().trim();
            out.push(format!("cargo run --release -- {command}"));
        }
    }
    out
}

/// The pipewright commands of a committed buildspec: the text from `cargo
/// run --release --` up to a redirection.
fn buildspec_commands(path: &str) -> Vec<String> {
    let body = std::fs::read_to_string(repo().join("buildspecs").join(path)).unwrap();
    body.lines()
        // The drift check's notification names the command it ran.
        .filter(|l| !l.contains(" exited "))
        .filter_map(|l| {
            let at = l.find("cargo run --release -- ")?;
            let command = l[at..].split(['>', '\'']).next().unwrap().trim();
            Some(command.to_owned())
        })
        .collect()
}

#[test]
fn the_buildspecs_run_exactly_the_readmes_commands() {
    let readme = readme_commands();
    let expected = [
        ("infra/drift.yml", vec!["drift --all --format json"]),
        (
            "infra/check.yml",
            vec!["synth --check", "diff --format markdown"],
        ),
        ("infra/deploy.yml", vec!["deploy --all --yes"]),
    ];
    for (path, commands) in expected {
        let run = buildspec_commands(path);
        let wanted: Vec<String> = commands
            .iter()
            .map(|c| format!("cargo run --release -- {c}"))
            .collect();
        assert_eq!(run, wanted, "{path}");
        for command in &run {
            assert!(
                readme.contains(command),
                "{path} runs `{command}`, which the README does not show: {readme:#?}"
            );
        }
    }
}

fn problems(app: App) -> Vec<String> {
    match app.synth() {
        Err(Error::Synth(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

#[test]
fn schedule_expressions_are_checked_with_exact_messages() {
    let mut stack = Stack::new("schedules");
    let project = stack.add(Project::new("Build", BuildSpec::new().build(["make"])));
    for (i, expression) in [
        Expression::rate(0, Unit::Days),
        Expression::cron("0 6 * *"),
        Expression::cron("0 6 * * * *"),
        Expression::cron("0 6 ? * ? *"),
        Expression::cron("75 6 * * ? *"),
        Expression::cron("0 6 ? * FUNDAY *"),
        Expression::cron("0/0 6 * * ? *"),
        Expression::cron("0 6 * * ? 1969"),
    ]
    .into_iter()
    .enumerate()
    {
        stack.add(Schedule::new(format!("Schedule{i}"), expression, &project));
    }
    stack.add(
        Schedule::new("Window", Expression::daily(), &project)
            .flexible_window(0)
            .time_zone("Europe Paris"),
    );
    assert_eq!(
        problems(App::new().stack(stack)),
        [
            "schedules/Schedule0: schedule expression `rate(0 days)` is invalid: a rate is at least 1",
            "schedules/Schedule1: schedule expression `cron(0 6 * *)` is invalid: a cron has six fields (minutes hours day-of-month month day-of-week year), found 4",
            "schedules/Schedule2: schedule expression `cron(0 6 * * * *)` is invalid: exactly one of day-of-month and day-of-week is `?` (Scheduler takes one or the other)",
            "schedules/Schedule3: schedule expression `cron(0 6 ? * ? *)` is invalid: exactly one of day-of-month and day-of-week is `?` (Scheduler takes one or the other)",
            "schedules/Schedule4: schedule expression `cron(75 6 * * ? *)` is invalid: minutes `75` is not 0-59, `*`, a list, a range or an increment",
            "schedules/Schedule5: schedule expression `cron(0 6 ? * FUNDAY *)` is invalid: day-of-week `FUNDAY` is not 1-7 or SUN-SAT, `*`, `?`, a list, a range or an increment",
            "schedules/Schedule6: schedule expression `cron(0/0 6 * * ? *)` is invalid: minutes `0/0` is not 0-59, `*`, a list, a range or an increment",
            "schedules/Schedule7: schedule expression `cron(0 6 * * ? 1969)` is invalid: year `1969` is not 1970-2199, `*`, a list, a range or an increment",
            "schedules/Window: flexible time window of 0 minutes is outside 1 to 1440",
            "schedules/Window: time zone `Europe Paris` is invalid: use an IANA time zone such as `UTC` or `Europe/Paris`",
        ]
    );
}

#[test]
fn a_schedule_starts_exactly_its_project_with_a_role_only_scheduler_may_assume() {
    let mut stack = Stack::new("schedules");
    let project = stack.add(Project::new("Build", BuildSpec::new().build(["make"])));
    stack.add(
        Schedule::new("Nightly", Expression::cron("0 2 * * ? *"), &project)
            .time_zone("Europe/Paris"),
    );
    let assembly = App::new().stack(stack).synth().unwrap();
    let t = json::to_value(&assembly.stacks[0].template);
    let schedule = &t["Resources"]["Nightly"]["Properties"];
    assert_eq!(schedule["ScheduleExpression"], "cron(0 2 * * ? *)");
    assert_eq!(schedule["ScheduleExpressionTimezone"], "Europe/Paris");
    assert_eq!(
        schedule["FlexibleTimeWindow"],
        serde_json::json!({"Mode": "OFF"})
    );
    assert_eq!(schedule["State"], "ENABLED");
    assert_eq!(
        schedule["Target"]["Arn"],
        serde_json::json!({"Fn::Sub": "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/${Build}"})
    );
    let role = &t["Resources"]["NightlyRole"]["Properties"];
    let trust = &role["AssumeRolePolicyDocument"]["Statement"][0];
    assert_eq!(trust["Principal"]["Service"], "scheduler.amazonaws.com");
    assert_eq!(
        trust["Condition"]["StringEquals"]["aws:SourceAccount"],
        serde_json::json!({"Fn::Sub": "${AWS::AccountId}"})
    );
    assert_eq!(
        statements(role),
        [(
            "codebuild:StartBuild".to_owned(),
            vec![r#"{"Fn::Sub":"arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/${Build}"}"#.to_owned()]
        )]
    );
    // Deterministic: the same app synthesizes the same bytes.
    let again = {
        let mut stack = Stack::new("schedules");
        let project = stack.add(Project::new("Build", BuildSpec::new().build(["make"])));
        stack.add(
            Schedule::new("Nightly", Expression::cron("0 2 * * ? *"), &project)
                .time_zone("Europe/Paris"),
        );
        App::new().stack(stack).synth().unwrap()
    };
    assert_eq!(assembly.stacks[0].body, again.stacks[0].body);
}

#[test]
fn the_read_roles_readers_are_roles_of_one_account() {
    use pipewright::bootstrap::{Bootstrap, Trust};
    use pipewright::iam::RoleArn;
    let bootstrap = Bootstrap::new(
        "bootstrap-staging",
        "222222222222",
        Trust::Role(RoleArn::new("111111111111", "ci")),
    )
    .manages(["app"])
    .read_role(RoleArn::new("111111111111", "pipewright-drift"))
    .read_role(RoleArn::new("444444444444", "auditor"))
    .stack();
    let mut app_stack = Stack::new("app").account("222222222222");
    app_stack.add(pipewright::s3::Bucket::new("Bucket"));
    assert_eq!(
        problems(App::new().stack(app_stack).stack(bootstrap)),
        [
            "bootstrap-staging/DeployRole: the read role's readers are in one account: `auditor` is in 444444444444, `pipewright-drift` in 111111111111"
        ]
    );
}

/// The README check above can fail: a command the README does not show
/// is not found in it.
#[test]
fn a_command_the_readme_does_not_show_is_found() {
    let readme = readme_commands();
    assert!(readme.contains(&"cargo run --release -- drift --all --format json".to_owned()));
    assert!(!readme.contains(&"cargo run --release -- drift --all --format yaml".to_owned()));
    assert!(!readme.contains(&"cargo run --release -- deploy --all".to_owned()));
}

/// The infra pipeline's deploy build reaches its own account through the
/// operations bootstrap's deploy role (`--through-bootstrap`): on moto,
/// before that bootstrap is deployed, the `infra` stack is refused (its
/// change set would run as the bootstrap's execution role), while an
/// operator deploying it with the account's own credentials is not; after
/// `bootstrap-operations` is deployed, the same build command finds
/// `infra` unchanged. (The schedule and the CodeBuild projects are
/// placeholders on moto, see `support/moto_server.py`.)
#[test]
fn the_deploy_build_reaches_its_own_account_through_the_operations_bootstrap() {
    let s = crate::moto::session();
    let out = s.run_as_operations(&["deploy", "infra", "--yes", "--through-bootstrap"]);
    let (_, stderr) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stack `infra` needs bootstrap stack `bootstrap-operations` of account 111111111111 as synthesized, and it is not deployed"),
        "{stderr}"
    );

    let out = s.run_as_operations(&["deploy", "infra", "--yes"]);
    let (_, stderr) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("infra: created CREATE_COMPLETE"),
        "{stderr}"
    );

    let out = s.run_as_operations(&["deploy", "bootstrap-operations", "--yes"]);
    let (_, stderr) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let out = s.run_as_operations(&["deploy", "infra", "--yes", "--through-bootstrap"]);
    let (_, stderr) = crate::support::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("infra: no changes"), "{stderr}");
}

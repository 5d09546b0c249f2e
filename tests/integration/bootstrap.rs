//! The bootstrap stack of a target account: a deploy role that may use
//! CloudFormation on the managed stacks only and pass exactly the execution
//! role; an execution role whose permissions come from the team.

use super::support::sub;
use super::support::{text, tool};
use pipewright::bootstrap::{Bootstrap, Trust};
use pipewright::iam::Role;
use pipewright::iam::{RoleArn, Statement};
use pipewright::template::Resource;
use pipewright::template::{Expr, json};
use pipewright::{App, Error, Stack};
use serde_json::{Value, json};

fn staging() -> Bootstrap {
    Bootstrap::new(
        "bootstrap-staging",
        "222222222222",
        Trust::Account {
            account: "111111111111".into(),
            operator: "StringEquals".into(),
            key: "aws:PrincipalTag/pipewright-deployer".into(),
            value: "true".into(),
        },
    )
    .manages(["app", "web"])
    .execution_grant(
        Statement::allow(["sns:CreateTopic", "sns:DeleteTopic"]).resource(Expr::sub(
            "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:app-*",
        )),
    )
}

fn template(b: Bootstrap) -> Value {
    let assembly = App::new().stack(b.stack()).synth().unwrap();
    json::to_value(&assembly.stacks[0].template)
}

fn problems(b: Bootstrap) -> Vec<String> {
    match App::new().stack(b.stack()).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn statements(t: &Value, role: &str) -> Vec<Value> {
    t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("{role} has no grants: {t:#}"))
        .clone()
}

fn stack_arn(name: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{name}/*"
    ))
}

fn change_sets() -> Value {
    sub(
        "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:changeSet/pipewright-*/*",
    )
}

#[test]
fn the_deploy_role_uses_cloudformation_on_managed_stacks_and_passes_only_the_execution_role() {
    let b = staging().stack();
    assert_eq!(b.env().account.as_deref(), Some("222222222222"));
    assert!(
        b.env().own_credentials,
        "never deployed through the role it creates"
    );
    let t = template(staging());
    let deploy = &t["Resources"]["DeployRole"]["Properties"];
    assert_eq!(deploy["RoleName"], json!("pipewright-deploy"));
    assert_eq!(
        deploy["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::111111111111:root")},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:PrincipalTag/pipewright-deployer": "true"}},
        }])
    );
    let exec_arn = json!({"Fn::GetAtt": ["ExecutionRole", "Arn"]});
    let managed = json!([stack_arn("app"), stack_arn("web"), change_sets()]);
    let mut got = statements(&t, "DeployRole");
    let mut want = vec![
        json!({
            "Effect": "Allow",
            "Action": ["cloudformation:DescribeStackDriftDetectionStatus"],
            "Resource": ["*"],
        }),
        json!({
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [exec_arn],
            "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
        }),
        json!({
            "Effect": "Allow",
            "Action": [
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResourceDrifts",
                "cloudformation:DescribeStacks",
                "cloudformation:DetectStackDrift",
                "cloudformation:DetectStackResourceDrift",
                "cloudformation:GetTemplate",
                "cloudformation:ListChangeSets",
                "cloudformation:ListStackResources",
            ],
            "Resource": [stack_arn("bootstrap-staging")],
        }),
        json!({
            "Effect": "Allow",
            "Action": ["cloudformation:CreateChangeSet", "cloudformation:DeleteStack"],
            "Resource": managed,
            "Condition": {"ArnEquals": {"cloudformation:RoleArn": exec_arn}},
        }),
        json!({
            "Effect": "Allow",
            "Action": [
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStackResourceDrifts",
                "cloudformation:DescribeStacks",
                "cloudformation:DetectStackDrift",
                "cloudformation:DetectStackResourceDrift",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:GetTemplate",
                "cloudformation:ListChangeSets",
                "cloudformation:ListStackResources",
                "cloudformation:UpdateTerminationProtection",
            ],
            "Resource": managed,
        }),
        // The template bucket (issue #22): stage and read large templates.
        json!({
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:GetBucketVersioning"],
            "Resource": [{"Fn::GetAtt": ["TemplateBucket", "Arn"]}],
        }),
        json!({
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": [sub("${TemplateBucket.Arn}/*")],
        }),
    ];
    let key = |v: &Value| v.to_string();
    got.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(got, want, "{got:#?}");

    let exec = &t["Resources"]["ExecutionRole"]["Properties"];
    assert_eq!(exec["RoleName"], json!("pipewright-exec"));
    assert_eq!(
        exec["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"Service": "cloudformation.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
        }])
    );
    assert_eq!(
        statements(&t, "ExecutionRole"),
        vec![json!({
            "Effect": "Allow",
            "Action": ["sns:CreateTopic", "sns:DeleteTopic"],
            "Resource": [sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:app-*")],
        })]
    );
    assert_eq!(exec.get("ManagedPolicyArns"), None);
    assert_eq!(
        t["Outputs"]["DeployRoleArn"]["Value"],
        json!({"Fn::GetAtt": ["DeployRole", "Arn"]})
    );

    // The bucket deploy stages templates over 51,200 bytes in: named after
    // the account and region, encrypted, versioned, private, expiring.
    let bucket = &t["Resources"]["TemplateBucket"];
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    let p = &bucket["Properties"];
    assert_eq!(
        p["BucketName"],
        sub("pipewright-templates-${AWS::AccountId}-${AWS::Region}")
    );
    assert_eq!(
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "AES256"
    );
    assert_eq!(p["VersioningConfiguration"]["Status"], "Enabled");
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(p["PublicAccessBlockConfiguration"][flag], true, "{flag}");
    }
    let rule = &p["LifecycleConfiguration"]["Rules"][0];
    assert_eq!(rule["ExpirationInDays"], 30);
    assert_eq!(rule["NoncurrentVersionExpiration"]["NoncurrentDays"], 1);
    assert_eq!(
        t["Outputs"]["TemplateBucketName"]["Value"],
        json!({"Ref": "TemplateBucket"})
    );
}

#[test]
fn a_named_role_of_the_operations_account_is_trusted_by_its_arn() {
    let b = Bootstrap::new(
        "bootstrap-prod",
        "333333333333",
        Trust::Role(RoleArn::new("111111111111", "ci-deployer")),
    )
    .manages(["app"])
    .regions(["us-east-1", "eu-west-1"])
    .execution_grant(Statement::allow(["sns:CreateTopic"]).resource(Expr::sub(
        "arn:${AWS::Partition}:sns:*:${AWS::AccountId}:app-*",
    )));
    let t = template(b);
    assert_eq!(
        t["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::111111111111:root")},
            "Action": ["sts:AssumeRole"],
            "Condition": {"ArnEquals": {"aws:PrincipalArn": sub("arn:${AWS::Partition}:iam::111111111111:role/ci-deployer")}},
        }])
    );
    let regional = |region: &str, what: &str| {
        sub(&format!(
            "arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:{what}"
        ))
    };
    let deploy = statements(&t, "DeployRole");
    let create = deploy
        .iter()
        .find(|s| s["Action"][0] == "cloudformation:CreateChangeSet")
        .unwrap();
    assert_eq!(
        create["Resource"],
        json!([
            regional("us-east-1", "stack/app/*"),
            regional("eu-west-1", "stack/app/*"),
            regional("us-east-1", "changeSet/pipewright-*/*"),
            regional("eu-west-1", "changeSet/pipewright-*/*"),
        ])
    );
}

#[test]
fn administrator_access_is_given_only_when_asked_with_the_reason_in_metadata() {
    let b = Bootstrap::new(
        "bootstrap-sandbox",
        "444444444444",
        Trust::Role(RoleArn::new("111111111111", "ci-deployer")),
    )
    .manages(["sandbox"])
    .administrator_access("the sandbox account holds nothing but experiments");
    let t = template(b);
    let exec = &t["Resources"]["ExecutionRole"];
    assert_eq!(
        exec["Properties"]["ManagedPolicyArns"],
        json!([sub(
            "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"
        )])
    );
    assert_eq!(
        exec["Metadata"]["pipewright:administrator-access"],
        json!("the sandbox account holds nothing but experiments")
    );
    assert_eq!(exec["Properties"].get("Policies"), None);
}

#[test]
fn a_bootstrap_that_manages_nothing_itself_or_grants_nothing_is_refused() {
    let b = Bootstrap::new(
        "bootstrap-staging",
        "222222222222",
        Trust::Role(RoleArn::new("111111111111", "ci")),
    );
    assert_eq!(
        problems(b.clone()),
        [
            "bootstrap-staging/DeployRole: the deploy role manages no stack: name them with `Bootstrap::manages`",
            "bootstrap-staging/ExecutionRole: the execution role has no permissions: the managed stacks hold no resources; grant what they need with `Bootstrap::execution_grant`, or `administrator_access` with a reason",
        ]
    );
    let itself = b
        .manages(["bootstrap-staging"])
        .administrator_access("test");
    assert_eq!(
        problems(itself),
        [
            "bootstrap-staging/DeployRole: the deploy role may not manage its own bootstrap stack `bootstrap-staging`: deploy it with the account's own credentials (`--account-profile`)"
        ]
    );
    let wildcard = staging().execution_grant(Statement::allow(["iam:*"]).resource("*"));
    assert_eq!(
        problems(wildcard),
        [
            "bootstrap-staging/ExecutionRole: grants `iam:PassRole` on every resource: name the ARNs of the roles it may pass",
            "bootstrap-staging/ExecutionRole: grants wildcard action `iam:*`: list the actions the role needs, or use `grant_unrestricted` with a reason",
        ]
    );
}

#[test]
fn a_stack_names_its_own_roles_only_in_its_account() {
    let stack = |s: pipewright::Stack| match App::new().stack(s).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect::<Vec<_>>(),
        Err(e) => panic!("{e}"),
        Ok(_) => Vec::new(),
    };
    assert_eq!(
        stack(pipewright::Stack::new("a").deploy_role("ci")),
        [
            "a: deploy role `ci` is invalid: a role is in an account: declare the stack's account with `Stack::account`"
        ]
    );
    assert_eq!(
        stack(
            pipewright::Stack::new("b")
                .account("222222222222")
                .execution_role("arn:aws:iam::333333333333:role/cfn")
        ),
        [
            "b: execution role `arn:aws:iam::333333333333:role/cfn` is invalid: a role ARN is `arn:aws:iam::ACCOUNT:role/NAME` in the stack's own account"
        ]
    );
    assert_eq!(
        stack(
            pipewright::Stack::new("c")
                .account("222222222222")
                .own_credentials()
                .deploy_role("ci")
        ),
        [
            "c: deploy role `ci` is invalid: a stack deployed with its own credentials is reached through no role: drop one of the two"
        ]
    );
    assert!(
        stack(
            pipewright::Stack::new("d")
                .account("222222222222")
                .deploy_role("team/ci-deploy")
                .execution_role("arn:aws:iam::222222222222:role/cfn")
        )
        .is_empty()
    );
}

#[test]
fn cfn_lint_passes_the_bootstrap_with_administrator_access() {
    let b = staging().administrator_access("lint the managed-policy form too");
    let assembly = App::new().stack(b.stack()).synth().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bootstrap.yaml");
    std::fs::write(&path, &assembly.stacks[0].body).unwrap();
    let out = tool("cfn-lint", &[path.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "");
}

/// The execution role's actions in `t`, sorted.
fn execution_actions(t: &Value) -> Vec<String> {
    let mut actions: Vec<String> = statements(t, "ExecutionRole")
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

/// A workload app of account 222222222222 and its bootstrap; with
/// `parameter`, the workload stack also holds an SSM parameter.
fn workload(parameter: bool) -> Value {
    let mut app = Stack::new("app")
        .account("222222222222")
        .region("us-east-1");
    app.add(Role::new("Worker", "codebuild.amazonaws.com").name("app-worker"));
    if parameter {
        app.add_resource(
            "Setting",
            Resource::new("AWS::SSM::Parameter")
                .property("Name", "/app/setting")
                .property("Type", "String")
                .property("Value", "on"),
        );
    }
    let bootstrap = Bootstrap::new(
        "bootstrap-staging",
        "222222222222",
        Trust::Role(RoleArn::new("111111111111", "ci")),
    )
    .region("us-east-1")
    .manages(["app"])
    .stack();
    let assembly = App::new().stack(app).stack(bootstrap).synth().unwrap();
    let b = assembly
        .stacks
        .iter()
        .find(|a| a.name == "bootstrap-staging")
        .unwrap();
    json::to_value(&b.template)
}

/// Issue #19: the execution role is derived from the managed stacks, so a
/// resource type added to a workload stack adds exactly what CloudFormation
/// needs to manage it, on its ARN, in the same synth.
#[test]
fn a_resource_type_added_to_a_workload_stack_adds_exactly_its_actions_to_the_bootstrap() {
    let before = workload(false);
    let after = workload(true);
    let role_only = execution_actions(&before);
    assert!(
        role_only.iter().all(|a| a.starts_with("iam:")),
        "{role_only:?}"
    );
    assert!(role_only.contains(&"iam:CreateRole".to_owned()));
    let added: Vec<String> = execution_actions(&after)
        .into_iter()
        .filter(|a| !role_only.contains(a))
        .collect();
    let ssm = pipewright::facts::iam::handlers("AWS::SSM::Parameter").unwrap();
    let expected: Vec<String> = ssm.actions().into_iter().map(str::to_owned).collect();
    assert_eq!(added, expected);
    // Each on the parameter's own ARN, or `*` for those that take no
    // resource; the role's statements are unchanged.
    let parameter =
        sub("arn:${AWS::Partition}:ssm:us-east-1:${AWS::AccountId}:parameter/app/setting");
    for s in statements(&after, "ExecutionRole") {
        let actions = s["Action"].as_array().unwrap();
        if actions
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("ssm:"))
        {
            let on = s["Resource"].as_array().unwrap();
            assert!(
                on == std::slice::from_ref(&parameter) || on == &[json!("*")],
                "{s:#}"
            );
        }
    }
    for s in statements(&before, "ExecutionRole") {
        assert!(statements(&after, "ExecutionRole").contains(&s), "{s:#}");
    }
    assert_eq!(
        after["Metadata"]["pipewright:bootstrap"],
        json!({"manages": ["app"]})
    );
}

//! Grants as values: identity and resource-policy statements, validated and
//! rendered at synth, with explicit overrides winning.

use super::support::{granted, sub};
use pipewright::buildspec::BuildSpec;
use pipewright::codebuild::Project;
use pipewright::iam::{Principal, Role, Statement};
use pipewright::template::{Expr, json};
use pipewright::{App, Error, Stack, ecr, s3};
use serde_json::{Value, json};

fn resources(stack: Stack) -> Value {
    let assembly = App::new().stack(stack).synth().unwrap();
    json::to_value(&assembly.stacks[0].template)["Resources"].clone()
}

fn problems(stack: Stack) -> Vec<String> {
    match App::new().stack(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

/// Before the fix, `BuildSpec::secret` and `BuildSpec::parameter` wrote the
/// buildspec entries but granted nothing, so the build failed when it ran.
#[test]
fn buildspec_secrets_and_parameters_are_granted_exactly() {
    let spec = BuildSpec::new()
        .secret("DOCKERHUB_TOKEN", "dockerhub/ci:token")
        .parameter("NPM_TOKEN", "/ci/npm-token")
        .build(["make"]);
    let mut s = Stack::new("app");
    s.add(Project::new("Build", spec));
    let r = resources(s);
    let statements = granted(&r, "BuildRole");
    assert!(
        statements.contains(&json!({
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": [sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:dockerhub/ci-??????")],
        })),
        "{statements:#?}"
    );
    assert!(
        statements.contains(&json!({
            "Effect": "Allow",
            "Action": ["ssm:GetParameters"],
            "Resource": [sub("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ci/npm-token")],
        })),
        "{statements:#?}"
    );
    // The logs statement and the two reads: nothing more.
    assert_eq!(statements.len(), 3, "{statements:#?}");
}

/// Before the fix, rendering grants overwrote an explicit override of the
/// role's `Policies`.
#[test]
fn an_explicit_policies_override_wins_over_rendered_grants() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(
        &role,
        Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::b/*"),
    );
    let mine = Expr::list([Expr::map([
        ("PolicyName", Expr::from("hand-written")),
        (
            "PolicyDocument",
            Expr::map([
                ("Version", Expr::from("2012-10-17")),
                (
                    "Statement",
                    Expr::list([Expr::map([
                        ("Effect", Expr::from("Allow")),
                        ("Action", Expr::list([Expr::from("sqs:SendMessage")])),
                        ("Resource", Expr::list([Expr::from("arn:aws:sqs:::q")])),
                    ])]),
                ),
            ]),
        ),
    ])]);
    s.override_property(role.resource(), "Policies", mine);
    let r = resources(s);
    assert_eq!(
        r["Worker"]["Properties"]["Policies"],
        json!([{
            "PolicyName": "hand-written",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": ["arn:aws:sqs:::q"]}],
            },
        }])
    );
}

#[test]
fn an_override_can_reach_into_rendered_grants() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(
        &role,
        Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::b/*"),
    );
    s.override_property(role.resource(), "Policies.0.PolicyName", "worker");
    let r = resources(s);
    assert_eq!(
        r["Worker"]["Properties"]["Policies"][0]["PolicyName"],
        "worker"
    );
}

#[test]
fn resource_grants_join_the_bucket_policy_beside_the_tls_rule() {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    s.grant_resource(
        bucket.policy(),
        Statement::allow(["s3:GetObject"])
            .principal(Principal::account("222222222222"))
            .resource(bucket.objects_arn()),
    );
    let r = resources(s);
    let statements = r["ArtifactsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone();
    // Merged and sorted like every policy: `Allow` sorts before `Deny`.
    assert_eq!(statements.len(), 2, "{statements:#?}");
    assert_eq!(statements[1]["Sid"], "DenyInsecureTransport");
    assert_eq!(
        statements[0],
        json!({
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::222222222222:root")},
            "Action": ["s3:GetObject"],
            "Resource": [sub("${Artifacts.Arn}/*")],
        })
    );
}

#[test]
fn a_repository_policy_is_written_only_when_granted() {
    let mut s = Stack::new("app");
    s.add(ecr::Repository::new("Plain"));
    let shared = s.add(ecr::Repository::new("Shared"));
    s.grant_resource(
        shared.policy(),
        Statement::allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"])
            .sid("PullFromStaging")
            .principal(Principal::account("222222222222")),
    );
    let r = resources(s);
    assert!(
        r["Plain"]["Properties"]
            .get("RepositoryPolicyText")
            .is_none()
    );
    assert_eq!(
        r["Shared"]["Properties"]["RepositoryPolicyText"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "PullFromStaging",
                "Effect": "Allow",
                "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::222222222222:root")},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }],
        })
    );
}

#[test]
fn resource_policies_name_their_principals() {
    let mut s = Stack::new("app");
    let repo = s.add(ecr::Repository::new("Repo"));
    s.grant_resource(repo.policy(), Statement::allow(["ecr:BatchGetImage"]));
    s.grant_resource(
        repo.policy(),
        Statement::allow(["ecr:BatchGetImage"]).principal(Principal::Everyone),
    );
    assert_eq!(
        problems(s),
        [
            "app/Repo: a resource policy statement for `ecr:BatchGetImage` names no principal: add one with `Statement::principal`",
            "app/Repo: allows `ecr:BatchGetImage` to every principal (`*`): name the accounts, roles or services that need it",
        ]
    );
}

#[test]
fn pass_role_on_every_resource_is_refused_even_when_unrestricted() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Deployer", "cloudformation.amazonaws.com"));
    s.grant(&role, Statement::allow(["iam:PassRole"]).resource("*"));
    s.grant_unrestricted(
        &role,
        Statement::allow(["iam:PassRole"]).resource("*"),
        "passes anything",
    );
    assert_eq!(
        problems(s),
        [
            "app/Deployer: grants `iam:PassRole` on every resource: name the ARNs of the roles it may pass",
            "app/Deployer: grants `iam:PassRole` on every resource: name the ARNs of the roles it may pass",
        ]
    );
}

#[test]
fn a_grant_to_a_role_of_another_stack_is_a_policy_of_this_stack_attached_by_name() {
    let mut other = Stack::new("other");
    let role = other.add(Role::new("Worker", "codebuild.amazonaws.com"));
    let mut s = Stack::new("app");
    s.grant(
        &role,
        Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::b/*"),
    );
    let assembly = App::new().stack(other).stack(s).synth().unwrap();
    let app = assembly.stacks.iter().find(|a| a.name == "app").unwrap();
    let r = json::to_value(&app.template)["Resources"].clone();
    assert_eq!(r["WorkerGrants"]["Type"], "AWS::IAM::Policy");
    assert_eq!(
        r["WorkerGrants"]["Properties"],
        serde_json::json!({
            "PolicyName": "grants-app",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}]
            },
            "Roles": [{"Fn::ImportValue": "other:Worker"}]
        })
    );
    assert_eq!(app.dependencies, ["other"]);
}

#[test]
fn roles_trust_accounts_and_roles_only_with_a_condition() {
    let mut s = Stack::new("app");
    s.add(Role::assumed_by(
        "Loose",
        Principal::account("111111111111"),
    ));
    s.add(
        Role::assumed_by("Transport", Principal::account("111111111111")).trust_condition(
            "Bool",
            "aws:SecureTransport",
            "true",
        ),
    );
    s.add(Role::assumed_by("Anyone", Principal::Everyone));
    assert_eq!(
        problems(s),
        [
            "app/Loose: trusts an account or role without a condition on who calls: add `trust_condition` on `aws:PrincipalArn`, `aws:PrincipalTag/...` or `sts:ExternalId`",
            "app/Transport: trusts an account or role without a condition on who calls: add `trust_condition` on `aws:PrincipalArn`, `aws:PrincipalTag/...` or `sts:ExternalId`",
            "app/Anyone: trusts every principal (`*`): name the service, account or role that assumes it",
        ]
    );

    let mut s = Stack::new("app");
    s.add(
        Role::assumed_by("Deploy", Principal::account("111111111111")).trust_condition(
            "StringEquals",
            "aws:PrincipalTag/cluster.staging.deploy",
            "true",
        ),
    );
    let r = resources(s);
    assert_eq!(
        r["Deploy"]["Properties"]["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::111111111111:root")},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:PrincipalTag/cluster.staging.deploy": "true"}},
        }])
    );
}

#[test]
fn grants_are_values_a_test_can_read() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(
        &role,
        Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::b/*"),
    );
    let grants = s.grants();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].target().resource().id(), "Worker");
    assert_eq!(grants[0].statement().actions(), ["s3:GetObject"]);
    assert_eq!(grants[0].problems(), []);
}

#[test]
fn construct_problems_are_structured_kinds() {
    let mut s = Stack::new("app");
    s.add(Project::new("Build", BuildSpec::new().build(["make"])).timeout_minutes(1));
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(&role, Statement::allow(["s3:*"]).resource("arn:aws:s3:::b"));
    let Err(Error::Synth(problems)) = App::new().stack(s).synth() else {
        panic!("synth succeeded");
    };
    let kinds: Vec<&pipewright::ProblemKind> = problems.iter().map(|p| &p.kind).collect();
    assert!(
        matches!(
            kinds.as_slice(),
            [
                pipewright::ProblemKind::OutOfRange {
                    setting: "timeout",
                    value: 1,
                    min: 5,
                    max: 2160,
                    ..
                },
                pipewright::ProblemKind::WildcardAction { actions },
            ] if actions == &["s3:*"]
        ),
        "{kinds:#?}"
    );
}

#[test]
fn a_grant_to_a_role_of_another_stack_never_lands_on_a_same_named_role() {
    let mut other = Stack::new("other");
    let theirs = other.add(Role::new("Worker", "codebuild.amazonaws.com"));
    let mut s = Stack::new("app");
    s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(
        &theirs,
        Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::b/*"),
    );
    let assembly = App::new().stack(other).stack(s).synth().unwrap();
    let r = json::to_value(&assembly.stacks[1].template)["Resources"].clone();
    assert_eq!(r["Worker"]["Properties"].get("Policies"), None);
    assert_eq!(
        r["WorkerGrants"]["Properties"]["Roles"],
        serde_json::json!([{"Fn::ImportValue": "other:Worker"}])
    );
}

#[test]
fn unrestricted_reasons_add_to_those_already_recorded() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Deployer", "cloudformation.amazonaws.com"));
    s.resource_mut(role.resource()).unwrap().metadata.insert(
        "pipewright:unrestricted".into(),
        Expr::list([Expr::from("set by hand")]),
    );
    s.grant_unrestricted(
        &role,
        Statement::allow(["s3:*"]).resource("arn:aws:s3:::b"),
        "deploys any object",
    );
    let r = resources(s);
    assert_eq!(
        r["Deployer"]["Metadata"]["pipewright:unrestricted"],
        json!(["set by hand", "deploys any object"])
    );
}

#[test]
fn a_policies_value_that_is_not_a_list_is_reported_not_overwritten() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    let prod = s.add_condition("IsProd", Expr::equals(Expr::from("a"), Expr::from("b")));
    s.resource_mut(role.resource()).unwrap().properties.insert(
        "Policies".into(),
        Expr::if_(prod, Expr::list([]), Expr::list([])),
    );
    s.grant(
        &role,
        Statement::allow(["s3:GetObject"]).resource("arn:aws:s3:::b/*"),
    );
    assert_eq!(
        problems(s),
        [
            "app/Worker: cannot add granted statements to `Policies`: it is neither a list of policies nor a policy document with a list of statements; build it from grants, or replace it with `override_property`"
        ]
    );
}

#[test]
fn pass_role_patterns_on_every_resource_are_refused() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Deployer", "cloudformation.amazonaws.com"));
    s.grant_unrestricted(
        &role,
        Statement::allow(["iam:Pass*"]).resource("*"),
        "passes anything",
    );
    assert_eq!(
        problems(s),
        [
            "app/Deployer: grants `iam:PassRole` on every resource: name the ARNs of the roles it may pass"
        ]
    );
}

#[test]
fn every_role_that_touches_artifacts_may_use_the_pipeline_key() {
    use pipewright::codepipeline::{Action, Artifact, ConnectionSource, Pipeline, Stage};
    let key = "arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let project = s.add(Project::new("Build", BuildSpec::new().build(["make"])));
    let deployer = s.add(Role::new("Deployer", "codepipeline.amazonaws.com"));
    s.add(
        Pipeline::new("Pipeline").artifact_store(&bucket)
            .kms_key(key)
            .stage(
                Stage::new("Source").action(
                    Action::connection(
                        "Source",
                        ConnectionSource {
                            connection_arn: "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab".into(),
                            repository: "octo/app".into(),
                            branch: "main".into(),
                        },
                    )
                    .output(&Artifact::new("Src")),
                ),
            )
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &project)
                        .input(&Artifact::new("Src"))
                        .role(&deployer),
                ),
            ),
    );
    let r = resources(s);
    let uses_key = json!({
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
        "Resource": [key],
    });
    for id in ["PipelineRole", "BuildRole", "Deployer"] {
        assert!(
            granted(&r, id).contains(&uses_key),
            "{id}: {:#?}",
            granted(&r, id)
        );
    }
}

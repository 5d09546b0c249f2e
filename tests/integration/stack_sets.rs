//! Stack sets in the app: synth checks targets, regions, overrides and
//! operation preferences with exact messages, and the assembly carries the
//! deployment typed for the cloud layer.

use pipewright::stack_set::{
    CallAs, Count, Deployment, Preferences, RegionConcurrency, StackSet, Targets,
};
use pipewright::template::{Parameter, Resource};
use pipewright::{App, Error, Stack};

const A: &str = "111111111111";
const B: &str = "222222222222";
const OU: &str = "ou-ab12-cd34ef56";

fn stack() -> Stack {
    let mut s = Stack::new("roles");
    s.add_parameter("Team", Parameter::string());
    s.add_resource("Topic", Resource::new("AWS::SNS::Topic"));
    s
}

fn problems(set: StackSet) -> Vec<String> {
    match App::new().stack_set(set).synth() {
        Err(Error::Synth(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

#[test]
fn the_assembly_carries_the_typed_deployment() {
    let set = StackSet::organizational_units(stack(), [OU])
        .region("eu-west-1")
        .region("us-east-1")
        .retain_on_account_removal(true)
        .override_parameters(OU, ["us-east-1"], [("Team", "platform")])
        .call_as_delegated_admin();
    let assembly = App::new().stack_set(set).synth().unwrap();
    let art = assembly.get("roles").unwrap();
    let d: &Deployment = art.stack_set.as_ref().unwrap();
    assert_eq!(
        d.targets,
        Targets::OrganizationalUnits {
            ids: vec![OU.into()],
            auto_deployment: true,
            retain_on_account_removal: true,
        }
    );
    assert_eq!(d.regions, ["eu-west-1", "us-east-1"]);
    assert_eq!(d.call_as, CallAs::DelegatedAdmin);
    assert_eq!(d.overrides[0].parameters["Team"], "platform");
    assert_eq!(d.preferences, Preferences::default());
    // The same synth as a stack: one template under stacks/.
    assert_eq!(art.template_path(), "stacks/roles.yaml");
    assert!(art.body.contains("AWS::SNS::Topic"));
    // A plain stack carries none.
    let plain = App::new().stack(stack()).synth().unwrap();
    assert!(plain.get("roles").unwrap().stack_set.is_none());
}

#[test]
fn targets_and_regions_are_checked() {
    assert_eq!(
        problems(StackSet::accounts(stack(), Vec::<String>::new())),
        [
            "roles: stack set `roles` has no target: list at least one account or organizational unit",
            "roles: stack set `roles` has no region: add one with `.region(..)`",
        ]
    );
    assert_eq!(
        problems(
            StackSet::accounts(stack(), ["1234", A, A])
                .region("eu-west-1")
                .region("Europe")
                .region("eu-west-1")
        ),
        [
            "roles: stack set target `1234` is not a 12-digit account ID",
            "roles: stack set target `111111111111` is listed twice",
            "roles: stack set region `Europe` is not a region name such as `eu-west-1`",
            "roles: stack set region `eu-west-1` is listed twice",
        ]
    );
    assert_eq!(
        problems(StackSet::organizational_units(stack(), [A]).region("eu-west-1")),
        [
            "roles: stack set target `111111111111` is not an organizational unit ID (`ou-` then two groups of lowercase letters and digits, such as `ou-ab12-cd34ef56`) or a root ID (`r-ab12`)"
        ]
    );
}

#[test]
fn options_of_organizational_units_are_refused_with_accounts() {
    assert_eq!(
        problems(
            StackSet::accounts(stack(), [A])
                .region("eu-west-1")
                .auto_deployment(false)
                .retain_on_account_removal(true)
                .call_as_delegated_admin()
        ),
        [
            "roles: stack set `roles` sets `auto_deployment`, which applies to organizational units (service-managed permissions), not to a list of accounts",
            "roles: stack set `roles` sets `retain_on_account_removal`, which applies to organizational units (service-managed permissions), not to a list of accounts",
            "roles: stack set `roles` calls as a delegated administrator, which needs organizational units (service-managed permissions)",
        ]
    );
    assert_eq!(
        problems(
            StackSet::organizational_units(stack(), [OU])
                .region("eu-west-1")
                .auto_deployment(false)
                .retain_on_account_removal(true)
        ),
        [
            "roles: stack set `roles` retains stacks on account removal without auto-deployment: CloudFormation only retains them when auto-deployment is on"
        ]
    );
}

#[test]
fn overrides_name_targets_regions_and_parameters_of_the_set() {
    assert_eq!(
        problems(
            StackSet::accounts(stack(), [A])
                .region("eu-west-1")
                .override_parameters(B, Vec::<String>::new(), [("Team", "x")])
                .override_parameters(A, ["us-east-1"], [("Tam", "x")])
        ),
        [
            "roles: stack set override names `222222222222`, which is not one of its targets",
            "roles: stack set override for `111111111111` names region `us-east-1`, which is not one of its regions",
            "roles: stack set override for `111111111111` sets `Tam`, which the template does not declare",
        ]
    );
}

#[test]
fn operation_preferences_are_checked() {
    let with = |p: Preferences| {
        problems(
            StackSet::accounts(stack(), [A])
                .region("eu-west-1")
                .preferences(p),
        )
    };
    assert_eq!(
        with(Preferences {
            max_concurrent: Count::Percent(0),
            failure_tolerance: Count::Percent(101),
            region_concurrency: RegionConcurrency::Sequential,
            region_order: vec!["us-east-1".into()],
        }),
        [
            "roles: stack set max concurrent `0%` is out of range: use 1% to 100%",
            "roles: stack set failure tolerance `101%` is out of range: use 0% to 100%",
            "roles: stack set region order names region `us-east-1`, which is not one of its regions",
        ]
    );
    assert_eq!(
        with(Preferences {
            max_concurrent: Count::Accounts(5),
            failure_tolerance: Count::Accounts(2),
            ..Preferences::default()
        }),
        [
            "roles: stack set max concurrent count 5 is more than one above its failure tolerance count 2: raise the tolerance to at least 4 or lower the concurrency"
        ]
    );
    assert_eq!(
        with(Preferences {
            max_concurrent: Count::Accounts(0),
            ..Preferences::default()
        }),
        ["roles: stack set max concurrent `0` is out of range: use at least 1 account"]
    );
}

/// Self-managed permissions: the bootstrap of a target account holds the
/// StackSets execution role, trusted by exactly the administration role of
/// the administrator account, with a policy derived from the stack set's
/// template in each of its regions; the administrator's bootstrap holds the
/// administration role, which may assume exactly the targets' execution
/// roles. Both templates pass cfn-lint.
#[test]
fn the_bootstrap_provides_the_stack_set_roles_derived_from_the_set() {
    use pipewright::bootstrap::{Bootstrap, Trust};
    use pipewright::iam::RoleArn;
    use pipewright::template::json;

    let mut s = Stack::new("roles")
        .account("111111111111")
        .region("us-east-1");
    s.add_resource(
        "Marker",
        Resource::new("AWS::SSM::Parameter")
            .property("Name", "/pipewright/roles")
            .property("Type", "String")
            .property("Value", "v1"),
    );
    let set = StackSet::accounts(s, [B])
        .region("eu-west-1")
        .region("us-east-1");
    let trust = || Trust::Role(RoleArn::new("111111111111", "ci"));
    let target = Bootstrap::new("bootstrap-b", B, trust())
        .region("us-east-1")
        .manages(["other"])
        .execution_grant(pipewright::iam::Statement::allow(["sns:ListTopics"]).resource("*"))
        .stack_set_execution("111111111111", ["roles"])
        .stack();
    let admin = Bootstrap::new("bootstrap-ops", "111111111111", trust())
        .region("us-east-1")
        .manages(["other-ops"])
        .execution_grant(pipewright::iam::Statement::allow(["sns:ListTopics"]).resource("*"))
        .stack_set_administration([B])
        .stack();
    let assembly = App::new()
        .stack_set(set)
        .stack(target)
        .stack(admin)
        .synth()
        .unwrap();
    let t = json::to_value(&assembly.get("bootstrap-b").unwrap().template);
    let role = &t["Resources"]["StackSetExecutionRole"];
    assert_eq!(
        role["Properties"]["RoleName"],
        "AWSCloudFormationStackSetExecutionRole"
    );
    let trust_doc = role["Properties"]["AssumeRolePolicyDocument"].to_string();
    assert!(
        trust_doc.contains("AWSCloudFormationStackSetAdministrationRole")
            && trust_doc.contains("111111111111"),
        "{trust_doc}"
    );
    let policy = role["Properties"]["Policies"].to_string();
    for needed in [
        "ssm:PutParameter",
        "cloudformation:CreateStack",
        "stack/StackSet-roles-*",
        "eu-west-1",
        "us-east-1",
    ] {
        assert!(policy.contains(needed), "{needed} missing from {policy}");
    }
    assert!(!policy.contains("\"*\""), "{policy}");
    let a = json::to_value(&assembly.get("bootstrap-ops").unwrap().template);
    let admin_role = &a["Resources"]["StackSetAdministrationRole"];
    assert_eq!(
        admin_role["Properties"]["RoleName"],
        "AWSCloudFormationStackSetAdministrationRole"
    );
    let admin_policy = admin_role["Properties"]["Policies"].to_string();
    assert!(admin_policy.contains("sts:AssumeRole"), "{admin_policy}");
    assert!(
        admin_policy.contains(&format!(
            "arn:${{AWS::Partition}}:iam::{B}:role/AWSCloudFormationStackSetExecutionRole"
        )),
        "{admin_policy}"
    );
    // cfn-lint on both.
    let dir = tempfile::tempdir().unwrap();
    for name in ["bootstrap-b", "bootstrap-ops", "roles"] {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, &assembly.get(name).unwrap().body).unwrap();
        let out = super::support::tool("cfn-lint", &[path.to_str().unwrap()]);
        let (stdout, stderr) = super::support::text(&out);
        assert_eq!(out.status.code(), Some(0), "{name}: {stdout}{stderr}");
    }
}

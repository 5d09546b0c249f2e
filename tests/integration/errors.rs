//! Bad inputs: each problem is reported with its construct path and an
//! exact message, and all problems of an app are reported together.

use pipewright::s3;
use pipewright::template::{Expr, LogicalId, Output, Parameter, Resource, Template, yaml};
use pipewright::{App, Error, Stack};

fn problems(app: App) -> Vec<String> {
    match app.synth() {
        Err(Error::Synth(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn topic() -> Resource {
    Resource::new("AWS::SNS::Topic")
}

#[test]
fn invalid_logical_ids() {
    let mut s = Stack::new("app");
    s.add_resource("My-Bucket", topic());
    s.add_resource("", topic());
    s.add_resource("X".repeat(256), topic());
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/My-Bucket: logical ID `My-Bucket` contains `-`: use only ASCII letters and digits",
            "app/: logical ID is empty: use 1 to 255 ASCII letters and digits",
            &format!(
                "app/{}: logical ID `XXXXXXXXXXXXXXXXXXXXXXXX...` is 256 characters long: the limit is 255",
                "X".repeat(256)
            ),
        ]
    );
}

#[test]
fn dangling_references() {
    let mut s = Stack::new("app");
    s.add_resource("Missing", topic());
    let mut r = topic()
        .property("A", Expr::reference("Misisng"))
        .property("B", Expr::get_att("Nothing", "Arn"))
        .property(
            "C",
            Expr::sub("${Ghost}-${Missing.TopicName}-${AWS::Regin}"),
        )
        .property("D", Expr::if_("IsProd", "a".into(), "b".into()))
        .property("E", Expr::find_in_map("Regions", "a".into(), "b".into()));
    r.depends_on = vec!["Missin".into()];
    r.condition = Some("HasThing".into());
    s.add_resource("User", r);
    s.add_output("Out", Output::new(Expr::reference("Gone")));
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/User: Ref names `Misisng`, which is not a parameter or resource in this stack (did you mean `Missing`?)",
            "app/User: Fn::GetAtt names `Nothing`, which is not a resource in this stack",
            "app/User: Fn::Sub names `Ghost`, which is not a parameter or resource in this stack",
            "app/User: `AWS::Regin` is not a pseudo parameter (did you mean `AWS::Region`?)",
            "app/User: Fn::If names `IsProd`, which is not a condition in this stack",
            "app/User: Fn::FindInMap names `Regions`, which is not a mapping in this stack",
            "app/User: DependsOn names `Missin`, which is not a resource in this stack (did you mean `Missing`?)",
            "app/User: Condition names `HasThing`, which is not a condition in this stack",
            "app/Out: Ref names `Gone`, which is not a parameter or resource in this stack",
        ]
    );
}

#[test]
fn cross_account_reference_names_both_stacks() {
    let mut tools = Stack::new("tools")
        .account("111111111111")
        .region("eu-west-1");
    let bucket = tools.add(s3::Bucket::new("Artifacts"));
    let mut prod = Stack::new("prod")
        .account("222222222222")
        .region("eu-west-1");
    prod.add_resource("Topic", topic().property("DisplayName", bucket.name()));
    assert_eq!(
        problems(App::new().stack(tools).stack(prod)),
        [
            "prod: stack `prod` (account 222222222222, eu-west-1) uses a value of stack `tools` (account 111111111111, eu-west-1): references across accounts or regions cannot be imported"
        ]
    );
}

#[test]
fn same_environment_reference_becomes_an_export_and_a_dependency() {
    let mut store = Stack::new("store");
    let bucket = store.add(s3::Bucket::new("Artifacts"));
    let mut user = Stack::new("user");
    user.add_resource("Topic", topic().property("DisplayName", bucket.arn()));
    let assembly = App::new().stack(user).stack(store).synth().unwrap();
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["store", "user"], "dependency order");
    let user = assembly.get("user").unwrap();
    assert_eq!(user.dependencies, ["store"]);
    assert!(
        user.body
            .contains("DisplayName: !ImportValue store:ArtifactsArn\n"),
        "{}",
        user.body
    );
    let store = assembly.get("store").unwrap();
    assert!(
        store.body.contains(
            "  ExportArtifactsArn:\n    Value: !GetAtt Artifacts.Arn\n    Export:\n      Name: store:ArtifactsArn\n"
        ),
        "{}",
        store.body
    );
}

#[test]
fn cycles_between_stacks() {
    let mut a = Stack::new("a");
    let ta = a.add_resource("TopicA", topic());
    let mut b = Stack::new("b");
    let tb = b.add_resource(
        "TopicB",
        topic().property("DisplayName", ta.get_att("TopicName")),
    );
    a.override_property(&ta, "DisplayName", tb.get_att("TopicName"));
    assert_eq!(
        problems(App::new().stack(a).stack(b)),
        ["a: stacks depend on each other in a cycle: `a` → `b` → `a`"]
    );
}

#[test]
fn over_limit_templates() {
    let mut s = Stack::new("big");
    for i in 0..501 {
        s.add_resource(format!("T{i}"), topic());
    }
    let found = problems(App::new().stack(s));
    assert!(
        found.contains(
            &"big: the template has 501 resources: CloudFormation allows at most 500".to_owned()
        ),
        "{found:?}"
    );

    let mut s = Stack::new("params");
    for i in 0..201 {
        s.add_parameter(format!("P{i}"), Parameter::string());
    }
    assert_eq!(
        problems(App::new().stack(s)),
        ["params: the template has 201 parameters: CloudFormation allows at most 200"]
    );

    // Over the inline limit is fine (deploy passes it through S3); over
    // 1 MB is not.
    let mut s = Stack::new("large");
    s.add_resource(
        "T",
        topic().property("DisplayName", "x".repeat(60_000).as_str()),
    );
    let assembly = App::new().stack(s).synth().unwrap();
    assert!(assembly.stacks[0].body.len() > 51_200);
    let big = "x".repeat(1_050_000);
    let mut s = Stack::new("body");
    s.add_resource("T", topic().property("DisplayName", big.as_str()));
    let mut expected = Template::default();
    expected.resources.insert(
        LogicalId::new("T").unwrap(),
        topic().property("DisplayName", big.as_str()),
    );
    let bytes = yaml::to_string(&expected).len();
    assert_eq!(
        problems(App::new().stack(s)),
        [format!(
            "body: the template body is {bytes} bytes: CloudFormation accepts at most 1048576 bytes, even through S3"
        )]
    );
}

#[test]
fn no_echo_parameter_with_a_default() {
    let mut s = Stack::new("app");
    let token = s.add_parameter(
        "Token",
        Parameter::string().no_echo().default_value("hunter2"),
    );
    s.add_resource("T", topic().property("DisplayName", token));
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/Token: parameter `Token` is NoEcho but has a Default, which anyone can read in the template"
        ]
    );
}

#[test]
fn duplicate_ids_and_stack_names_and_bad_environment() {
    let mut s = Stack::new("app").account("12345").region("Europe");
    s.add_resource("Thing", topic());
    s.add_parameter("Thing", Parameter::string());
    s.add_output("O", Output::new("x"));
    s.add_output("O", Output::new("y"));
    let bad = Stack::new("1bad_name");
    let dup = Stack::new("app");
    assert_eq!(
        problems(App::new().stack(s).stack(bad).stack(dup)),
        [
            "app: account `12345` is invalid: an AWS account ID is 12 digits",
            "app: region `Europe` is invalid: a region looks like `eu-west-1`",
            "1bad_name: stack name `1bad_name` is invalid: start with a letter, then use letters, digits and hyphens, at most 128 characters",
            "app: stack `app` is defined twice",
            "app/Thing: logical ID `Thing` is used by more than one resource or parameter",
            "app/O: logical ID `O` is used by more than one output",
        ]
    );
}

#[test]
fn bad_override_path_is_reported_at_synth() {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    s.override_property(
        bucket.resource(),
        "VersioningConfiguration.Status.Deep",
        "x",
    );
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/Artifacts: cannot override `VersioningConfiguration.Status.Deep`: `VersioningConfiguration.Status` is not a map or a list"
        ]
    );
}

#[test]
fn capabilities_are_computed_from_resources() {
    use pipewright::app::Capability;
    let caps = |r: Resource| {
        let mut s = Stack::new("app");
        s.add_resource("R", r);
        App::new().stack(s).synth().unwrap().stacks[0]
            .capabilities
            .clone()
    };
    assert_eq!(caps(topic()), []);
    assert_eq!(caps(Resource::new("AWS::IAM::Role")), [Capability::Iam]);
    assert_eq!(
        caps(Resource::new("AWS::IAM::Role").property("RoleName", "deployer")),
        [Capability::NamedIam]
    );
}

#[test]
fn raw_resources_and_overrides() {
    let mut s = Stack::new("app");
    let topic = s.add_raw_resource(
        "Alerts",
        "AWS::SNS::Topic",
        serde_json::json!({"DisplayName": {"Fn::Sub": "${AWS::StackName}-alerts"}, "FifoTopic": false}),
    );
    s.override_property(&topic, "FifoTopic", true);
    let a = App::new().stack(s).synth().unwrap();
    assert!(a.stacks[0].body.contains(
        "    Properties:\n      DisplayName: !Sub ${AWS::StackName}-alerts\n      FifoTopic: true\n"
    ), "{}", a.stacks[0].body);
}

//! The reader takes every template CloudFormation takes (issue #14): what
//! the model does not type is kept as written, emitted unchanged by both
//! emitters, and read back to the same model. Each test reads a small
//! template of its own and checks the meaning of what is emitted against
//! the long form written out by hand.

use pipewright::facts::{Capability, capabilities};
use pipewright::template::{Expr, FORMAT_VERSION, Policy, Template, json, reader, yaml};
use serde_json::{Value, json};

/// Reads `body`, checks that both emitted forms read back to the same
/// model (with the format version the emitters write), and returns the
/// model with its emitted JSON.
fn read(body: &str) -> (Template, Value) {
    let t = reader::parse(body).unwrap_or_else(|e| panic!("{e}\n---\n{body}"));
    let mut versioned = t.clone();
    versioned
        .format_version
        .get_or_insert_with(|| FORMAT_VERSION.to_owned());
    let from_yaml = yaml::to_string(&t);
    assert_eq!(
        reader::parse_yaml(&from_yaml).unwrap(),
        versioned,
        "{from_yaml}"
    );
    let from_json = json::to_string(&t);
    assert_eq!(reader::parse(&from_json).unwrap(), versioned, "{from_json}");
    let v = json::to_value(&t);
    (t, v)
}

/// The emitted JSON without the format version the emitters add.
fn body(mut v: Value) -> Value {
    v.as_object_mut()
        .unwrap()
        .remove("AWSTemplateFormatVersion");
    v
}

#[test]
fn a_transform_is_a_name_or_a_list_and_needs_auto_expand() {
    let (t, v) = read(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n",
    );
    assert_eq!(t.transforms(), ["AWS::Serverless-2016-10-31"]);
    assert_eq!(v["Transform"], json!("AWS::Serverless-2016-10-31"));
    assert_eq!(capabilities(&t), [Capability::AutoExpand]);

    let (t, v) = read(
        r#"{"Transform": ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"],
            "Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r"}}}}"#,
    );
    assert_eq!(
        t.transforms(),
        ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]
    );
    assert_eq!(
        v["Transform"],
        json!(["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"])
    );
    assert_eq!(
        capabilities(&t),
        [Capability::NamedIam, Capability::AutoExpand]
    );
    assert_eq!(Capability::AutoExpand.as_str(), "CAPABILITY_AUTO_EXPAND");
}

#[test]
fn a_macro_in_the_body_needs_auto_expand() {
    let (t, v) = read(
        "Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      Fn::Transform:\n        Name: AWS::Include\n        Parameters:\n          Location: s3://bucket/topic.yaml\n",
    );
    assert_eq!(
        v["Resources"]["T"]["Properties"],
        json!({"Fn::Transform": {"Name": "AWS::Include",
            "Parameters": {"Location": "s3://bucket/topic.yaml"}}})
    );
    assert_eq!(capabilities(&t), [Capability::AutoExpand]);
    let (t, _) = read("Resources:\n  T:\n    Type: AWS::SNS::Topic\n");
    assert_eq!(capabilities(&t), []);
}

#[test]
fn rules_keep_their_functions_and_assertions() {
    let (_, v) = read(
        "Parameters:
  Env:
    Type: String
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
Rules:
  ProdSubnets:
    RuleCondition: !Equals [!Ref Env, prod]
    Assertions:
      - Assert: !Contains [[a, b], !Ref Env]
        AssertDescription: a known environment
      - Assert: !EachMemberEquals [!ValueOfAll [AWS::EC2::Subnet::Id, VpcId], vpc-1]
      - Assert: !EachMemberIn [!ValueOf [Subnets, VpcId], !RefAll AWS::EC2::VPC::Id]
  Empty: {}
Resources:
  T:
    Type: AWS::SNS::Topic
",
    );
    assert_eq!(
        v["Rules"],
        json!({
            "ProdSubnets": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "Assertions": [
                    {"Assert": {"Fn::Contains": [["a", "b"], {"Ref": "Env"}]},
                     "AssertDescription": "a known environment"},
                    {"Assert": {"Fn::EachMemberEquals": [
                        {"Fn::ValueOfAll": ["AWS::EC2::Subnet::Id", "VpcId"]}, "vpc-1"]}},
                    {"Assert": {"Fn::EachMemberIn": [
                        {"Fn::ValueOf": ["Subnets", "VpcId"]},
                        {"Fn::RefAll": "AWS::EC2::VPC::Id"}]}}
                ]
            },
            "Empty": {}
        })
    );
}

#[test]
fn resource_policies_are_kept() {
    let (t, v) = read(
        "Conditions:
  Prod: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    UpdateReplacePolicy: Snapshot
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: RetainExceptOnCreate
  Log:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: !If [Prod, Retain, Delete]
  Group:
    Type: AWS::AutoScaling::AutoScalingGroup
    CreationPolicy:
      ResourceSignal:
        Count: 2
        Timeout: PT15M
    UpdatePolicy:
      AutoScalingRollingUpdate:
        MinInstancesInService: 1
        WaitOnResourceSignals: true
    Properties:
      MaxSize: '2'
",
    );
    let r = &t.resources;
    assert_eq!(r["Db"].deletion_policy, Some(Policy::Snapshot));
    assert_eq!(r["Db"].update_replace_policy, Some(Policy::Snapshot));
    assert_eq!(
        r["Table"].deletion_policy,
        Some(Policy::RetainExceptOnCreate)
    );
    assert_eq!(r["Log"].deletion_policy, None);
    assert_eq!(
        v["Resources"]["Log"]["DeletionPolicy"],
        json!({"Fn::If": ["Prod", "Retain", "Delete"]})
    );
    assert_eq!(
        v["Resources"]["Group"],
        json!({
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "CreationPolicy": {"ResourceSignal": {"Count": 2, "Timeout": "PT15M"}},
            "UpdatePolicy": {"AutoScalingRollingUpdate": {
                "MinInstancesInService": 1, "WaitOnResourceSignals": true}},
            "Properties": {"MaxSize": "2"}
        })
    );
}

#[test]
fn language_extension_functions_are_kept() {
    let (t, v) = read(
        "Transform: AWS::LanguageExtensions
Parameters:
  Names:
    Type: CommaDelimitedList
Conditions:
  HasNames: !Not [!Equals [!Length {Ref: Names}, 0]]
Resources:
  Fn::ForEach::Topics:
    - Name
    - !Ref Names
    - Topic${Name}:
        Type: AWS::SNS::Topic
        Properties:
          TopicName: !Ref Name
  Doc:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !ToJsonString {names: !Ref Names}
Outputs:
  Fn::ForEach::TopicArns:
    - Name
    - !Ref Names
    - Topic${Name}Arn:
        Value: !Ref
          Fn::Sub: Topic${Name}
",
    );
    assert_eq!(t.resources.len(), 1);
    assert_eq!(
        body(v),
        json!({
            "Transform": "AWS::LanguageExtensions",
            "Parameters": {"Names": {"Type": "CommaDelimitedList"}},
            "Conditions": {"HasNames": {"Fn::Not": [{"Fn::Equals": [
                {"Fn::Length": {"Ref": "Names"}}, 0]}]}},
            "Resources": {
                "Fn::ForEach::Topics": ["Name", {"Ref": "Names"}, {"Topic${Name}": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"TopicName": {"Ref": "Name"}}}}],
                "Doc": {"Type": "AWS::SSM::Parameter", "Properties": {
                    "Type": "String",
                    "Value": {"Fn::ToJsonString": {"names": {"Ref": "Names"}}}}}
            },
            "Outputs": {"Fn::ForEach::TopicArns": ["Name", {"Ref": "Names"}, {
                "Topic${Name}Arn": {"Value": {"Ref": {"Fn::Sub": "Topic${Name}"}}}}]}
        })
    );
}

#[test]
fn get_azs_with_no_value_is_the_empty_string() {
    let (t, v) = read(
        "Resources:\n  S:\n    Type: AWS::EC2::Subnet\n    Properties:\n      AvailabilityZone: !Select [0, !GetAZs ]\n      Other: !Select [1, !GetAZs '']\n",
    );
    let props = &t.resources["S"].properties;
    assert_eq!(
        props["AvailabilityZone"],
        Expr::select(0, Expr::GetAzs(Box::new(Expr::from(""))))
    );
    assert_eq!(
        v["Resources"]["S"]["Properties"]["AvailabilityZone"],
        json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]})
    );
}

#[test]
fn empty_sections_and_properties_are_kept() {
    let original = json!({
        "Description": "empty parts",
        "Metadata": {},
        "Parameters": {},
        "Mappings": {},
        "Conditions": {},
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}, "Metadata": {}}
        },
        "Outputs": {}
    });
    let (_, v) = read(&original.to_string());
    assert_eq!(body(v), original);

    // YAML's empty value is null, kept as null.
    let (_, v) = read("Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n");
    assert_eq!(v["Outputs"], Value::Null);
}

#[test]
fn other_shapes_are_kept() {
    // A module reference as the type, attributes the model does not type,
    // a section it does not know, `! "Ref"` (the non-specific tag) and
    // `Fn::FindInMap` with a default value.
    let (t, v) = read(
        r#"Parameter:
  X: 1
Resources:
  Network:
    Type:
      Rain::Module: ./vpc.yml
  Custom:
    Type: Custom::Thing
    Version: '1.0'
    Description: kept
    Properties:
      ServiceToken: !Join [":", [arn, ! "Ref": "AWS::AccountId"]]
      Size: !FindInMap [Sizes, !Ref AWS::Region, Small, {DefaultValue: 1}]
"#,
    );
    assert_eq!(t.resources.len(), 1);
    assert_eq!(
        body(v),
        json!({
            "Resources": {
                "Custom": {
                    "Type": "Custom::Thing",
                    "Properties": {
                        "ServiceToken": {"Fn::Join": [":", ["arn", {"Ref": "AWS::AccountId"}]]},
                        "Size": {"Fn::FindInMap": ["Sizes", {"Ref": "AWS::Region"}, "Small",
                            {"DefaultValue": 1}]}
                    },
                    "Version": "1.0",
                    "Description": "kept"
                },
                "Network": {"Type": {"Rain::Module": "./vpc.yml"}}
            },
            "Parameter": {"X": 1}
        })
    );
}

#[test]
fn a_template_written_as_the_tutorial_writes_its_image_pipeline() {
    // No format version line; `!FindInMap` of the compute type by branch;
    // the webhook targets `!GetAtt Pipeline.Version`; long and short forms
    // mixed.
    let (t, v) = read(
        "Description: Image pipeline
Parameters:
  Branch:
    Type: String
    Default: main
    AllowedValues: [main, dev]
Mappings:
  ComputeTypes:
    main:
      Type: BUILD_GENERAL1_MEDIUM
    dev:
      Type: BUILD_GENERAL1_SMALL
Resources:
  Repository:
    Type: AWS::ECR::Repository
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
  Build:
    Type: AWS::CodeBuild::Project
    Properties:
      Environment:
        ComputeType: !FindInMap [ComputeTypes, !Ref Branch, Type]
        Image: aws/codebuild/standard:7.0
        Type: LINUX_CONTAINER
        PrivilegedMode: true
        EnvironmentVariables:
          - Name: REPOSITORY_URI
            Value:
              Fn::GetAtt: [Repository, RepositoryUri]
      Source:
        Type: CODEPIPELINE
      Artifacts:
        Type: CODEPIPELINE
      ServiceRole: !GetAtt BuildRole.Arn
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn:
        Fn::GetAtt: PipelineRole.Arn
      Stages: []
  Webhook:
    Type: AWS::CodePipeline::Webhook
    Properties:
      Authentication: GITHUB_HMAC
      TargetPipeline: !Ref Pipeline
      TargetPipelineVersion: !GetAtt Pipeline.Version
      TargetAction: Source
      RegisterWithThirdParty: 'true'
      Filters:
        - JsonPath: $.ref
          MatchEquals:
            Fn::Sub: refs/heads/${Branch}
Outputs:
  RepositoryUri:
    Value: !GetAtt [Repository, RepositoryUri]
    Export:
      Name: !Sub '${AWS::StackName}-repository'
",
    );
    assert_eq!(t.format_version, None);
    assert!(t.verbatim.is_empty());
    let props = |id: &str| &t.resources[id].properties;
    assert_eq!(
        props("Build")["Environment"].at("ComputeType"),
        Some(&Expr::find_in_map(
            "ComputeTypes",
            Expr::reference("Branch"),
            "Type".into()
        ))
    );
    assert_eq!(
        props("Webhook")["TargetPipelineVersion"],
        Expr::get_att("Pipeline", "Version")
    );
    assert_eq!(
        props("Pipeline")["RoleArn"],
        Expr::get_att("PipelineRole", "Arn")
    );
    assert_eq!(v["AWSTemplateFormatVersion"], json!("2010-09-09"));
    assert_eq!(
        v["Resources"]["Webhook"]["Properties"]["Filters"],
        json!([{"JsonPath": "$.ref", "MatchEquals": {"Fn::Sub": "refs/heads/${Branch}"}}])
    );
}

#[test]
fn plain_scalars_are_read_as_yaml_1_1_reads_them() {
    // CloudFormation reads YAML 1.1: unquoted `Yes` is true and `000400`
    // is octal; quoted, a key, or under a tag, they stay text.
    let (t, v) = read(
        "Conditions:
  On: !Equals [!Ref Enabled, Yes]
  Quoted: !Equals [!Ref Enabled, 'Yes']
Resources:
  I:
    Type: AWS::EC2::Instance
    Metadata:
      files:
        mode: 000400
        owner: '000400'
        Yes: off
        at: 1:30
        big: 1_000
        tagged: !Sub yes
    Properties:
      Name: \"on\"
",
    );
    assert_eq!(
        t.conditions["On"],
        Expr::equals(Expr::reference("Enabled"), Expr::Bool(true))
    );
    assert_eq!(
        t.conditions["Quoted"],
        Expr::equals(Expr::reference("Enabled"), "Yes".into())
    );
    assert_eq!(
        v["Resources"]["I"]["Metadata"],
        json!({"files": {"mode": 256, "owner": "000400", "Yes": false, "at": 90,
            "big": 1000, "tagged": {"Fn::Sub": "yes"}}})
    );
    assert_eq!(v["Resources"]["I"]["Properties"]["Name"], json!("on"));
}

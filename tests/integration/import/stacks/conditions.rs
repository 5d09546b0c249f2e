//! The `conditions` stack, imported by `pipewright import` from `conditions.yaml`.
//!
//! It synthesizes the template it was imported from, by meaning: the same
//! parameters, mappings, conditions, resources and outputs under the same
//! logical IDs, so deploying it over the stack created from that template
//! changes nothing. Every resource is a raw resource: no construct was
//! guessed. Replacing them with pipewright's constructs (`s3::Bucket`,
//! `ecr::Repository`, `codebuild::Project`, ...) is the team's next step,
//! one resource at a time, with `pipewright diff` showing what each change
//! does.

use pipewright::Stack;
use pipewright::template::{Expr, Output, Parameter, ParameterType, Pseudo, Resource, mapping};

/// The `conditions` stack.
pub fn stack() -> Stack {
    let mut stack =
        Stack::new("conditions").description("Conditions, mappings and every intrinsic function");

    // Metadata
    stack.add_metadata(
        "AWS::CloudFormation::Interface",
        Expr::map([(
            "ParameterGroups",
            Expr::list([Expr::map([
                ("Label", Expr::map([("default", "Network".into())])),
                (
                    "Parameters",
                    Expr::list(["Environment".into(), "Cidr".into()]),
                ),
            ])]),
        )]),
    );

    // Parameters
    stack.add_parameter(
        "Environment",
        Parameter::string()
            .default_value("dev")
            .allowed_values(["dev", "staging", "prod"]),
    );
    stack.add_parameter(
        "Cidr",
        Parameter::string()
            .default_value("10.0.0.0/16")
            .allowed_pattern("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}"),
    );
    stack.add_parameter(
        "Count",
        Parameter::new(ParameterType::Number)
            .default_value("2")
            .min_value(1.0)
            .max_value(10.5),
    );
    stack.add_parameter(
        "Subnets",
        Parameter::new(ParameterType::Aws("List<AWS::EC2::Subnet::Id>".into())),
    );
    stack.add_parameter(
        "Ami",
        Parameter::new(ParameterType::Ssm(
            "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>".into(),
        ))
        .default_value("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
    );
    stack.add_parameter(
        "Sizes",
        Parameter::new(ParameterType::NumberList).default_value("1,2"),
    );
    stack.add_parameter(
        "Names",
        Parameter::new(ParameterType::CommaDelimitedList).default_value("a,b"),
    );
    stack.add_parameter(
        "Secret",
        Parameter::string().no_echo().min_length(8).max_length(64),
    );

    // Mappings
    stack.add_mapping(
        "Regions",
        mapping([
            (
                "us-east-1",
                vec![
                    ("Ami", "ami-0aaaaaaaaaaaaaaaa".into()),
                    ("Zones", Expr::list(["a".into(), "b".into()])),
                ],
            ),
            (
                "eu-west-1",
                vec![
                    ("Ami", "ami-0bbbbbbbbbbbbbbbb".into()),
                    ("Zones", Expr::list(["a".into()])),
                ],
            ),
        ]),
    );

    // Conditions
    stack.add_condition(
        "IsProd",
        Expr::equals(Expr::reference("Environment"), "prod".into()),
    );
    stack.add_condition(
        "IsStaging",
        Expr::equals("staging".into(), Expr::reference("Environment")),
    );
    stack.add_condition(
        "IsShared",
        Expr::Or(vec![
            Expr::Condition("IsProd".into()),
            Expr::Condition("IsStaging".into()),
        ]),
    );
    stack.add_condition(
        "IsDev",
        Expr::Not(Box::new(Expr::Condition("IsShared".into()))),
    );
    stack.add_condition(
        "IsBigProd",
        Expr::And(vec![
            Expr::Condition("IsProd".into()),
            Expr::Not(Box::new(Expr::equals(Expr::reference("Count"), 1.into()))),
        ]),
    );

    // Resources
    stack.add_resource(
        "Vpc",
        Resource::new("AWS::EC2::VPC")
            .property("CidrBlock", Expr::reference("Cidr"))
            .property("EnableDnsHostnames", true)
            .property(
                "Tags",
                Expr::list([
                    Expr::map([
                        ("Key", "Name".into()),
                        (
                            "Value",
                            Expr::join("-", [Expr::pseudo(Pseudo::StackName), "vpc".into()]),
                        ),
                    ]),
                    Expr::map([
                        ("Key", "Zones".into()),
                        (
                            "Value",
                            Expr::Join {
                                delimiter: ",".into(),
                                values: Box::new(Expr::find_in_map(
                                    "Regions",
                                    Expr::pseudo(Pseudo::Region),
                                    "Zones".into(),
                                )),
                            },
                        ),
                    ]),
                ]),
            ),
    );
    stack.add_resource(
        "Subnet",
        Resource::new("AWS::EC2::Subnet")
            .property("VpcId", Expr::reference("Vpc"))
            .property(
                "AvailabilityZone",
                Expr::select(0, Expr::GetAzs(Box::new("".into()))),
            )
            .property(
                "CidrBlock",
                Expr::select(
                    0,
                    Expr::Cidr {
                        block: Box::new(Expr::get_att("Vpc", "CidrBlock")),
                        count: Box::new(4.into()),
                        bits: Box::new(8.into()),
                    },
                ),
            )
            .property(
                "MapPublicIpOnLaunch",
                Expr::if_("IsProd", false.into(), Expr::pseudo(Pseudo::NoValue)),
            )
            .condition("IsShared"),
    );
    stack.add_resource(
        "Instance",
        Resource::new("AWS::EC2::Instance")
            .property(
                "ImageId",
                Expr::if_(
                    "IsProd",
                    Expr::find_in_map("Regions", Expr::pseudo(Pseudo::Region), "Ami".into()),
                    Expr::reference("Ami"),
                ),
            )
            .property("SubnetId", Expr::select(1, Expr::reference("Subnets")))
            .property(
                "InstanceType",
                Expr::Select {
                    index: Box::new(Expr::reference("Count")),
                    list: Box::new(Expr::list([
                        "t3.micro".into(),
                        "t3.small".into(),
                        "t3.medium".into(),
                    ])),
                },
            )
            .property(
                "UserData",
                Expr::base64(Expr::sub(
                    r#"#!/bin/bash
echo "stack ${AWS::StackName} in ${AWS::Region}" > /etc/motd
echo "${!literal}" "tab	here"
"#,
                )),
            )
            .property(
                "Tags",
                Expr::list([
                    Expr::map([
                        ("Key", "Part".into()),
                        (
                            "Value",
                            Expr::select(1, Expr::split("-", Expr::pseudo(Pseudo::StackName))),
                        ),
                    ]),
                    Expr::map([
                        ("Key", "Imported".into()),
                        (
                            "Value",
                            Expr::import_value(Expr::sub("${Environment}-network-id")),
                        ),
                    ]),
                ]),
            )
            .depends_on(["Subnet"])
            .condition("IsShared"),
    );
    stack.add_resource(
        "Topic",
        Resource::new("AWS::SNS::Topic")
            .property(
                "DisplayName",
                Expr::sub_with(
                    "${Name} alerts (${AWS::AccountId}, ${AWS::Partition}, ${AWS::URLSuffix})",
                    [("Name", Expr::reference("Environment"))],
                ),
            )
            .property("Subscription", Expr::List(Vec::new()))
            .property("Tags", Expr::List(Vec::new())),
    );

    // Outputs
    stack.add_output(
        "VpcId",
        Output::new(Expr::reference("Vpc")).export(Expr::sub("${AWS::StackName}-vpc")),
    );
    stack.add_output(
        "SubnetId",
        Output::new(Expr::reference("Subnet"))
            .description("Only in shared environments")
            .condition("IsShared"),
    );
    stack.add_output(
        "Notifications",
        Output::new(Expr::Join {
            delimiter: ",".into(),
            values: Box::new(Expr::pseudo(Pseudo::NotificationArns)),
        }),
    );
    stack.add_output("StackId", Output::new(Pseudo::StackId));
    stack
}

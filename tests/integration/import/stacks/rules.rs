//! The `rules` stack, imported by `pipewright import` from `rules.yaml`.
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
use pipewright::template::{Expr, Parameter, ParameterType, Resource};

/// The `rules` stack.
pub fn stack() -> Stack {
    let mut stack = Stack::new("rules");

    // What the model does not type, kept as written
    stack.add_verbatim(
        "Rules",
        Expr::map([
            (
                "ProdInstanceType",
                Expr::map([
                    (
                        "RuleCondition",
                        Expr::equals(Expr::reference("Environment"), "prod".into()),
                    ),
                    (
                        "Assertions",
                        Expr::list([Expr::map([
                            (
                                "Assert",
                                Expr::Function {
                                    name: "Fn::Contains".into(),
                                    arg: Box::new(Expr::list([
                                        Expr::list(["t3.large".into(), "t3.xlarge".into()]),
                                        Expr::reference("InstanceType"),
                                    ])),
                                },
                            ),
                            (
                                "AssertDescription",
                                "Production uses large instances".into(),
                            ),
                        ])]),
                    ),
                ]),
            ),
            (
                "SubnetsInVpc",
                Expr::map([(
                    "Assertions",
                    Expr::list([
                        Expr::map([
                            (
                                "Assert",
                                Expr::Function {
                                    name: "Fn::EachMemberEquals".into(),
                                    arg: Box::new(Expr::list([
                                        Expr::Function {
                                            name: "Fn::ValueOfAll".into(),
                                            arg: Box::new(Expr::list([
                                                "AWS::EC2::Subnet::Id".into(),
                                                "VpcId".into(),
                                            ])),
                                        },
                                        Expr::reference("Vpc"),
                                    ])),
                                },
                            ),
                            ("AssertDescription", "All subnets are in the VPC".into()),
                        ]),
                        Expr::map([(
                            "Assert",
                            Expr::Function {
                                name: "Fn::EachMemberIn".into(),
                                arg: Box::new(Expr::list([
                                    Expr::Function {
                                        name: "Fn::ValueOfAll".into(),
                                        arg: Box::new(Expr::list([
                                            "AWS::EC2::Subnet::Id".into(),
                                            "VpcId".into(),
                                        ])),
                                    },
                                    Expr::Function {
                                        name: "Fn::RefAll".into(),
                                        arg: Box::new("AWS::EC2::VPC::Id".into()),
                                    },
                                ])),
                            },
                        )]),
                        Expr::map([(
                            "Assert",
                            Expr::Not(Box::new(Expr::equals(
                                Expr::Function {
                                    name: "Fn::ValueOf".into(),
                                    arg: Box::new(Expr::list(["Vpc".into(), "Tags".into()])),
                                },
                                "".into(),
                            ))),
                        )]),
                    ]),
                )]),
            ),
        ]),
    );

    // Parameters
    stack.add_parameter(
        "Environment",
        Parameter::string().allowed_values(["test", "prod"]),
    );
    stack.add_parameter(
        "InstanceType",
        Parameter::string().default_value("t3.micro"),
    );
    stack.add_parameter(
        "Subnets",
        Parameter::new(ParameterType::Aws("List<AWS::EC2::Subnet::Id>".into())),
    );
    stack.add_parameter(
        "Vpc",
        Parameter::new(ParameterType::Aws("AWS::EC2::VPC::Id".into())),
    );

    // Resources
    stack.add_resource(
        "Group",
        Resource::new("AWS::EC2::SecurityGroup")
            .property("GroupDescription", "rules test")
            .property("VpcId", Expr::reference("Vpc")),
    );
    stack
}

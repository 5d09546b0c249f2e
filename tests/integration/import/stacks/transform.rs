//! The `transform` stack, imported by `pipewright import` from `transform.yaml`.
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
use pipewright::template::{Expr, Output, Parameter, ParameterType, Resource};

/// The `transform` stack.
pub fn stack() -> Stack {
    let mut stack = Stack::new("transform");

    // What the model does not type, kept as written
    stack.add_verbatim(
        "Transform",
        Expr::list([
            "AWS::LanguageExtensions".into(),
            "AWS::Serverless-2016-10-31".into(),
        ]),
    );
    stack.add_verbatim(
        "Globals",
        Expr::map([("Function", Expr::map([("Timeout", 30.into())]))]),
    );

    // Parameters
    stack.add_parameter(
        "Topics",
        Parameter::new(ParameterType::CommaDelimitedList).default_value("Alpha,Beta"),
    );

    // Resources
    stack.add_resource(
        "Handler",
        Resource::new("AWS::Serverless::Function")
            .property("Runtime", "python3.12")
            .property("Handler", "index.handler")
            .property(
                "InlineCode",
                r#"def handler(event, context):
    return len(event)
"#,
            )
            .property(
                "Environment",
                Expr::map([(
                    "Variables",
                    Expr::map([
                        (
                            "COUNT",
                            Expr::Function {
                                name: "Fn::Length".into(),
                                arg: Box::new(Expr::list([1.into(), 2.into(), 3.into()])),
                            },
                        ),
                        (
                            "CONFIG",
                            Expr::Function {
                                name: "Fn::ToJsonString".into(),
                                arg: Box::new(Expr::map([("Topics", Expr::reference("Topics"))])),
                            },
                        ),
                    ]),
                )]),
            )
            .property(
                "Events",
                Expr::map([(
                    "Alpha",
                    Expr::map([
                        ("Type", "SNS".into()),
                        (
                            "Properties",
                            Expr::map([("Topic", Expr::reference("TopicAlpha"))]),
                        ),
                    ]),
                )]),
            ),
    );
    stack.add_resource(
        "Bucket",
        Resource::new("AWS::S3::Bucket").attribute("Properties", Expr::Map(Default::default())),
    );

    // Outputs
    stack.add_output("HandlerArn", Output::new(Expr::get_att("Handler", "Arn")));
    stack.add_output(
        "FirstZone",
        Output::new(Expr::select(0, Expr::GetAzs(Box::new("".into())))),
    );

    // Entries the typed sections cannot hold, kept as written
    stack.add_verbatim(
        "Resources",
        Expr::map([(
            "Fn::ForEach::Topics",
            Expr::list([
                "TopicName".into(),
                Expr::reference("Topics"),
                Expr::map([(
                    "Topic${TopicName}",
                    Expr::map([
                        ("Type", "AWS::SNS::Topic".into()),
                        (
                            "Properties",
                            Expr::map([("TopicName", Expr::sub("${TopicName}-events"))]),
                        ),
                    ]),
                )]),
            ]),
        )]),
    );
    stack.add_verbatim(
        "Outputs",
        Expr::map([(
            "Fn::ForEach::TopicOutputs",
            Expr::list([
                "TopicName".into(),
                Expr::reference("Topics"),
                Expr::map([(
                    "${TopicName}Arn",
                    Expr::map([(
                        "Value",
                        Expr::Function {
                            name: "Ref".into(),
                            arg: Box::new(Expr::sub("Topic${TopicName}")),
                        },
                    )]),
                )]),
            ]),
        )]),
    );
    stack
}

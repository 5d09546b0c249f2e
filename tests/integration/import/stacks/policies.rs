//! The `policies` stack, imported by `pipewright import` from `policies.json`.
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
use pipewright::template::{
    DynamicRef, DynamicService, Expr, Output, Parameter, ParameterType, Policy, Pseudo, Resource,
};

/// The `policies` stack.
pub fn stack() -> Stack {
    let mut stack = Stack::new("policies").description(
        "Resource attributes: every policy, creation and update policies, DependsOn in both forms",
    );

    // Parameters
    stack.add_parameter(
        "Size",
        Parameter::new(ParameterType::Number)
            .default_value("2")
            .min_value(1.0),
    );

    // Conditions
    stack.add_condition("Keep", Expr::equals(Expr::reference("Size"), "3".into()));

    // Resources
    stack.add_resource(
        "Database",
        Resource::new("AWS::RDS::DBInstance")
            .property("Engine", "postgres")
            .property("DBInstanceClass", "db.t4g.micro")
            .property("AllocatedStorage", "20")
            .property("StorageEncrypted", true)
            .property(
                "MasterUsername",
                Expr::Dynamic(DynamicRef {
                    service: DynamicService::SecretsManager,
                    reference: "db-credentials:SecretString:username".into(),
                }),
            )
            .property(
                "MasterUserPassword",
                Expr::Dynamic(DynamicRef {
                    service: DynamicService::SecretsManager,
                    reference: "db-credentials:SecretString:password".into(),
                }),
            )
            .property(
                "DBParameterGroupName",
                Expr::Dynamic(DynamicRef {
                    service: DynamicService::Ssm,
                    reference: "/db/parameter-group".into(),
                }),
            )
            .property("Port", 5432)
            .property("MaxAllocatedStorage", 3000000000_i64)
            .property("Score", -3000000000_i64)
            .property("Ratio", 0.25)
            .property("Nothing", Expr::Null)
            .deletion_policy(Policy::Snapshot)
            .update_replace_policy(Policy::Snapshot),
    );
    stack.add_resource(
        "Table",
        Resource::new("AWS::DynamoDB::Table")
            .property("BillingMode", "PAY_PER_REQUEST")
            .property(
                "AttributeDefinitions",
                Expr::list([Expr::map([
                    ("AttributeName", "id".into()),
                    ("AttributeType", "S".into()),
                ])]),
            )
            .property(
                "KeySchema",
                Expr::list([Expr::map([
                    ("AttributeName", "id".into()),
                    ("KeyType", "HASH".into()),
                ])]),
            )
            .depends_on(["Database"])
            .deletion_policy(Policy::RetainExceptOnCreate)
            .metadata(
                "cfn-lint",
                Expr::map([(
                    "config",
                    Expr::map([("ignore_checks", Expr::list(["W3011".into()]))]),
                )]),
            )
            .attribute(
                "UpdateReplacePolicy",
                Expr::if_("Keep", "Retain".into(), "Delete".into()),
            ),
    );
    stack.add_resource(
        "Group",
        Resource::new("AWS::AutoScaling::AutoScalingGroup")
            .property("MinSize", Expr::reference("Size"))
            .property("MaxSize", "4")
            .property(
                "AvailabilityZones",
                Expr::GetAzs(Box::new(Expr::pseudo(Pseudo::Region))),
            )
            .property(
                "LaunchTemplate",
                Expr::map([
                    ("LaunchTemplateId", "lt-0123456789abcdef0".into()),
                    ("Version", "$Latest".into()),
                ]),
            )
            .depends_on(["Table"])
            .attribute(
                "CreationPolicy",
                Expr::map([(
                    "ResourceSignal",
                    Expr::map([
                        ("Count", Expr::reference("Size")),
                        ("Timeout", "PT15M".into()),
                    ]),
                )]),
            )
            .attribute(
                "UpdatePolicy",
                Expr::map([
                    (
                        "AutoScalingRollingUpdate",
                        Expr::map([
                            ("MinInstancesInService", 1.into()),
                            ("MaxBatchSize", 1.into()),
                            ("WaitOnResourceSignals", true.into()),
                        ]),
                    ),
                    (
                        "AutoScalingScheduledAction",
                        Expr::map([("IgnoreUnmodifiedGroupSizeProperties", "true".into())]),
                    ),
                ]),
            ),
    );
    stack.add_resource(
        "Wait",
        Resource::new("AWS::CloudFormation::WaitConditionHandle")
            .attribute("Properties", Expr::Map(Default::default())),
    );
    stack.add_resource(
        "Quoted",
        Resource::new("AWS::SSM::Parameter")
            .property("Type", "String")
            .property(
                "Value",
                r##"say "#hi"
back\slash and "quotes"
"##,
            )
            .property("Description", "unicode é中 and a \"quote\"")
            .property(
                "Tier",
                Expr::Function {
                    name: "Fn::FindInMap".into(),
                    arg: Box::new(Expr::list([
                        "Missing".into(),
                        "Key".into(),
                        "Value".into(),
                        Expr::map([("DefaultValue", "Standard".into())]),
                    ])),
                },
            ),
    );

    // Outputs
    stack.add_output(
        "DatabaseEndpoint",
        Output::new(Expr::get_att("Database", "Endpoint.Address"))
            .export(Expr::join(
                ":",
                [Expr::pseudo(Pseudo::StackName), "db".into()],
            ))
            .condition("Keep"),
    );
    stack
}

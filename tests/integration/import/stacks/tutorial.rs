//! The `image-pipeline-tutorial` stack, imported by `pipewright import` from `tutorial.yml`.
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
use pipewright::template::{Expr, Output, Parameter, Policy, Resource, mapping};

/// The `image-pipeline-tutorial` stack.
pub fn stack() -> Stack {
    let mut stack = Stack::new("image-pipeline-tutorial")
        .description(
            "GitHub webhook -> CodePipeline -> CodeBuild -> ECR: builds the image on every push to the branch.",
        );

    // Parameters
    stack.add_parameter(
        "GitHubOwner",
        Parameter::string().description("Owner of the GitHub repository"),
    );
    stack.add_parameter(
        "GitHubRepo",
        Parameter::string().description("Name of the GitHub repository"),
    );
    stack.add_parameter(
        "GitHubBranch",
        Parameter::string()
            .default_value("main")
            .allowed_values(["main", "dev"]),
    );
    stack.add_parameter(
        "GitHubToken",
        Parameter::string()
            .description("OAuth token with repo access")
            .no_echo()
            .min_length(10),
    );
    stack.add_parameter(
        "ImageTag",
        Parameter::string()
            .default_value("latest")
            .allowed_pattern("[a-zA-Z0-9_.-]+")
            .constraint_description("letters, digits, dots, dashes and underscores"),
    );

    // Mappings
    stack.add_mapping(
        "ComputeTypes",
        mapping([
            ("main", vec![("Type", "BUILD_GENERAL1_MEDIUM".into())]),
            ("dev", vec![("Type", "BUILD_GENERAL1_SMALL".into())]),
        ]),
    );

    // Resources
    stack.add_resource(
        "Repository",
        Resource::new("AWS::ECR::Repository")
            .property("RepositoryName", Expr::sub("${GitHubRepo}-image"))
            .property(
                "ImageScanningConfiguration",
                Expr::map([("ScanOnPush", true.into())]),
            )
            .deletion_policy(Policy::Retain)
            .update_replace_policy(Policy::Retain),
    );
    stack.add_resource(
        "ArtifactBucket",
        Resource::new("AWS::S3::Bucket")
            .property(
                "BucketEncryption",
                Expr::map([(
                    "ServerSideEncryptionConfiguration",
                    Expr::list([Expr::map([(
                        "ServerSideEncryptionByDefault",
                        Expr::map([("SSEAlgorithm", "AES256".into())]),
                    )])]),
                )]),
            )
            .property(
                "PublicAccessBlockConfiguration",
                Expr::map([
                    ("BlockPublicAcls", true.into()),
                    ("BlockPublicPolicy", true.into()),
                    ("IgnorePublicAcls", true.into()),
                    ("RestrictPublicBuckets", true.into()),
                ]),
            )
            .deletion_policy(Policy::Retain)
            .update_replace_policy(Policy::Retain),
    );
    stack
        .add_resource(
            "CodeBuildRole",
            Resource::new("AWS::IAM::Role")
                .property(
                    "AssumeRolePolicyDocument",
                    Expr::map([
                        ("Version", "2012-10-17".into()),
                        (
                            "Statement",
                            Expr::list([Expr::map([
                                ("Effect", "Allow".into()),
                                (
                                    "Principal",
                                    Expr::map([("Service", "codebuild.amazonaws.com".into())]),
                                ),
                                ("Action", "sts:AssumeRole".into()),
                            ])]),
                        ),
                    ]),
                )
                .property(
                    "Policies",
                    Expr::list([Expr::map([
                        ("PolicyName", "build".into()),
                        (
                            "PolicyDocument",
                            Expr::map([
                                ("Version", "2012-10-17".into()),
                                (
                                    "Statement",
                                    Expr::list([
                                        Expr::map([
                                            ("Effect", "Allow".into()),
                                            (
                                                "Action",
                                                Expr::list([
                                                    "logs:CreateLogGroup".into(),
                                                    "logs:CreateLogStream".into(),
                                                    "logs:PutLogEvents".into(),
                                                ]),
                                            ),
                                            (
                                                "Resource",
                                                Expr::sub(
                                                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/*",
                                                ),
                                            ),
                                        ]),
                                        Expr::map([
                                            ("Effect", "Allow".into()),
                                            (
                                                "Action",
                                                Expr::list(
                                                    ["s3:GetObject".into(), "s3:PutObject".into()],
                                                ),
                                            ),
                                            ("Resource", Expr::sub("${ArtifactBucket.Arn}/*")),
                                        ]),
                                        Expr::map([
                                            ("Effect", "Allow".into()),
                                            ("Action", "ecr:GetAuthorizationToken".into()),
                                            ("Resource", "*".into()),
                                        ]),
                                        Expr::map([
                                            ("Effect", "Allow".into()),
                                            (
                                                "Action",
                                                Expr::list([
                                                    "ecr:BatchCheckLayerAvailability".into(),
                                                    "ecr:InitiateLayerUpload".into(),
                                                    "ecr:UploadLayerPart".into(),
                                                    "ecr:CompleteLayerUpload".into(),
                                                    "ecr:PutImage".into(),
                                                ]),
                                            ),
                                            ("Resource", Expr::get_att("Repository", "Arn")),
                                        ]),
                                    ]),
                                ),
                            ]),
                        ),
                    ])]),
                ),
        );
    stack.add_resource(
        "CodePipelineRole",
        Resource::new("AWS::IAM::Role")
            .property(
                "AssumeRolePolicyDocument",
                Expr::map([
                    ("Version", "2012-10-17".into()),
                    (
                        "Statement",
                        Expr::list([Expr::map([
                            ("Effect", "Allow".into()),
                            (
                                "Principal",
                                Expr::map([("Service", "codepipeline.amazonaws.com".into())]),
                            ),
                            ("Action", "sts:AssumeRole".into()),
                        ])]),
                    ),
                ]),
            )
            .property(
                "Policies",
                Expr::list([Expr::map([
                    ("PolicyName", "pipeline".into()),
                    (
                        "PolicyDocument",
                        Expr::map([
                            ("Version", "2012-10-17".into()),
                            (
                                "Statement",
                                Expr::list([
                                    Expr::map([
                                        ("Effect", "Allow".into()),
                                        (
                                            "Action",
                                            Expr::list([
                                                "s3:GetObject".into(),
                                                "s3:GetObjectVersion".into(),
                                                "s3:PutObject".into(),
                                            ]),
                                        ),
                                        ("Resource", Expr::sub("${ArtifactBucket.Arn}/*")),
                                    ]),
                                    Expr::map([
                                        ("Effect", "Allow".into()),
                                        (
                                            "Action",
                                            Expr::list([
                                                "codebuild:StartBuild".into(),
                                                "codebuild:BatchGetBuilds".into(),
                                            ]),
                                        ),
                                        ("Resource", Expr::get_att("CodeBuildProject", "Arn")),
                                    ]),
                                ]),
                            ),
                        ]),
                    ),
                ])]),
            ),
    );
    stack
        .add_resource(
            "CodeBuildProject",
            Resource::new("AWS::CodeBuild::Project")
                .property("ServiceRole", Expr::get_att("CodeBuildRole", "Arn"))
                .property("Artifacts", Expr::map([("Type", "CODEPIPELINE".into())]))
                .property(
                    "Source",
                    Expr::map([
                        ("Type", "CODEPIPELINE".into()),
                        (
                            "BuildSpec",
                            r#"version: 0.2
phases:
  pre_build:
    commands:
      - aws ecr get-login-password | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"
  build:
    commands:
      - docker build -t "$REPOSITORY_URI:$IMAGE_TAG" .
  post_build:
    commands:
      - docker push "$REPOSITORY_URI:$IMAGE_TAG"
"#.into(),
                        ),
                    ]),
                )
                .property(
                    "Environment",
                    Expr::map([
                        (
                            "ComputeType",
                            Expr::find_in_map(
                                "ComputeTypes",
                                Expr::reference("GitHubBranch"),
                                "Type".into(),
                            ),
                        ),
                        ("Image", "aws/codebuild/standard:7.0".into()),
                        ("Type", "LINUX_CONTAINER".into()),
                        ("PrivilegedMode", true.into()),
                        (
                            "EnvironmentVariables",
                            Expr::list([
                                Expr::map([
                                    ("Name", "REPOSITORY_URI".into()),
                                    ("Value", Expr::get_att("Repository", "RepositoryUri")),
                                ]),
                                Expr::map([
                                    ("Name", "IMAGE_TAG".into()),
                                    ("Value", Expr::reference("ImageTag")),
                                ]),
                            ]),
                        ),
                    ]),
                ),
        );
    stack.add_resource(
        "Pipeline",
        Resource::new("AWS::CodePipeline::Pipeline")
            .property("RoleArn", Expr::get_att("CodePipelineRole", "Arn"))
            .property(
                "ArtifactStore",
                Expr::map([
                    ("Type", "S3".into()),
                    ("Location", Expr::reference("ArtifactBucket")),
                ]),
            )
            .property(
                "Stages",
                Expr::list([
                    Expr::map([
                        ("Name", "Source".into()),
                        (
                            "Actions",
                            Expr::list([Expr::map([
                                ("Name", "Source".into()),
                                (
                                    "ActionTypeId",
                                    Expr::map([
                                        ("Category", "Source".into()),
                                        ("Owner", "ThirdParty".into()),
                                        ("Provider", "GitHub".into()),
                                        ("Version", "1".into()),
                                    ]),
                                ),
                                (
                                    "Configuration",
                                    Expr::map([
                                        ("Owner", Expr::reference("GitHubOwner")),
                                        ("Repo", Expr::reference("GitHubRepo")),
                                        ("Branch", Expr::reference("GitHubBranch")),
                                        ("OAuthToken", Expr::reference("GitHubToken")),
                                        ("PollForSourceChanges", false.into()),
                                    ]),
                                ),
                                (
                                    "OutputArtifacts",
                                    Expr::list([Expr::map([("Name", "SourceOutput".into())])]),
                                ),
                            ])]),
                        ),
                    ]),
                    Expr::map([
                        ("Name", "Build".into()),
                        (
                            "Actions",
                            Expr::list([Expr::map([
                                ("Name", "Build".into()),
                                (
                                    "ActionTypeId",
                                    Expr::map([
                                        ("Category", "Build".into()),
                                        ("Owner", "AWS".into()),
                                        ("Provider", "CodeBuild".into()),
                                        ("Version", "1".into()),
                                    ]),
                                ),
                                (
                                    "Configuration",
                                    Expr::map([(
                                        "ProjectName",
                                        Expr::reference("CodeBuildProject"),
                                    )]),
                                ),
                                (
                                    "InputArtifacts",
                                    Expr::list([Expr::map([("Name", "SourceOutput".into())])]),
                                ),
                            ])]),
                        ),
                    ]),
                ]),
            ),
    );
    stack.add_resource(
        "Webhook",
        Resource::new("AWS::CodePipeline::Webhook")
            .property("Authentication", "GITHUB_HMAC")
            .property(
                "AuthenticationConfiguration",
                Expr::map([("SecretToken", Expr::reference("GitHubToken"))]),
            )
            .property(
                "Filters",
                Expr::list([Expr::map([
                    ("JsonPath", "$.ref".into()),
                    ("MatchEquals", "refs/heads/{Branch}".into()),
                ])]),
            )
            .property("TargetPipeline", Expr::reference("Pipeline"))
            .property("TargetAction", "Source")
            .property(
                "TargetPipelineVersion",
                Expr::get_att("Pipeline", "Version"),
            )
            .property("RegisterWithThirdParty", true),
    );

    // Outputs
    stack.add_output(
        "RepositoryUri",
        Output::new(Expr::get_att("Repository", "RepositoryUri"))
            .description("Where the image is pushed")
            .export(Expr::sub("${AWS::StackName}-repository")),
    );
    stack
        .add_output(
            "PipelineUrl",
            Output::new(Expr::sub(
                "https://console.aws.amazon.com/codepipeline/home?region=${AWS::Region}#/view/${Pipeline}",
            )),
        );
    stack
}

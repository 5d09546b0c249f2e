//! Constructs between accounts (issue #11, part 3): the KMS key and its
//! policy, buckets and repositories that admit other accounts' roles, roles
//! trusted by other accounts, cross-account pipeline actions with the
//! CloudFormation deploy action, and the synth errors that keep values of
//! one account out of another's stack. Policies are asserted statement by
//! statement.

use super::support::{granted, sub};
use pipewright::app::Capability;
use pipewright::codepipeline::{
    Action, Artifact, CloudFormationDeploy, ConnectionSource, Pipeline, Stage,
};
use pipewright::iam::{Principal, Role, RoleArn, Statement};
use pipewright::template::{Expr, Resource, json};
use pipewright::{App, Error, Stack, ecr, kms, s3};
use serde_json::{Value, json};

use crate::support::{text, tool};

fn resources(stack: Stack) -> Value {
    let assembly = App::new().stack(stack).synth().unwrap();
    json::to_value(&assembly.stacks[0].template)["Resources"].clone()
}

fn problems(app: App) -> Vec<String> {
    match app.synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn statements(policy: &Value) -> Vec<Value> {
    assert_eq!(policy["Version"], "2012-10-17");
    policy["Statement"].as_array().unwrap().clone()
}

const OWN_ROOT: &str = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root";
const STAGING_ROOT: &str = "arn:${AWS::Partition}:iam::222222222222:root";
const DEPLOY_ROLE: &str = "arn:${AWS::Partition}:iam::222222222222:role/pipewright-deploy";
const EXEC_ROLE: &str = "arn:${AWS::Partition}:iam::222222222222:role/pipewright-cfn-exec";

fn deploy_role() -> RoleArn {
    RoleArn::new("222222222222", "pipewright-deploy")
}

fn exec_role() -> RoleArn {
    RoleArn::new("222222222222", "pipewright-cfn-exec")
}

/// The two statements every key policy starts with.
fn account_statements() -> Vec<Value> {
    vec![
        json!({
            "Sid": "AwsServiceGrants",
            "Effect": "Allow",
            "Principal": {"AWS": sub(OWN_ROOT)},
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": ["*"],
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": true}},
        }),
        json!({
            "Sid": "AccountIamPolicies",
            "Effect": "Allow",
            "Principal": {"AWS": sub(OWN_ROOT)},
            "Action": [
                "kms:CancelKeyDeletion",
                "kms:CreateAlias",
                "kms:Decrypt",
                "kms:DeleteAlias",
                "kms:DescribeKey",
                "kms:DisableKey",
                "kms:DisableKeyRotation",
                "kms:EnableKey",
                "kms:EnableKeyRotation",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListGrants",
                "kms:ListKeyPolicies",
                "kms:ListKeyRotations",
                "kms:ListResourceTags",
                "kms:PutKeyPolicy",
                "kms:RevokeGrant",
                "kms:RotateKeyOnDemand",
                "kms:ScheduleKeyDeletion",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateAlias",
                "kms:UpdateKeyDescription",
            ],
            "Resource": ["*"],
        }),
    ]
}

#[test]
fn a_key_rotates_is_retained_has_an_alias_and_its_account_administers_it_without_wildcards() {
    let mut s = Stack::new("app");
    s.add(kms::Key::new("ArtifactKey", "pipewright/artifacts").description("Pipeline artifacts"));
    let r = resources(s);
    let key = &r["ArtifactKey"];
    assert_eq!(key["Type"], "AWS::KMS::Key");
    assert_eq!(key["DeletionPolicy"], "Retain");
    assert_eq!(key["UpdateReplacePolicy"], "Retain");
    let props = &key["Properties"];
    assert_eq!(props["Description"], "Pipeline artifacts");
    assert_eq!(props["EnableKeyRotation"], true);
    assert_eq!(props["PendingWindowInDays"], 30);
    assert_eq!(statements(&props["KeyPolicy"]), account_statements());
    // No statement names `*` as principal, and no action is `kms:*`.
    let text = props["KeyPolicy"].to_string();
    assert!(!text.contains("\"Principal\":\"*\""), "{text}");
    assert!(!text.contains("kms:*"), "{text}");
    assert!(
        key["Metadata"]["pipewright:key-policy"]
            .as_str()
            .unwrap()
            .starts_with(
                "the key's account may administer and use the key through its IAM policies"
            )
    );
    assert_eq!(
        r["ArtifactKeyAlias"],
        json!({
            "Type": "AWS::KMS::Alias",
            "Properties": {
                "AliasName": "alias/pipewright/artifacts",
                "TargetKeyId": {"Ref": "ArtifactKey"},
            },
        })
    );
}

#[test]
fn key_grants_go_to_own_roles_policies_and_admit_remote_roles_in_the_key_policy() {
    let mut s = Stack::new("app");
    let key = s.add(kms::Key::new("ArtifactKey", "alias/artifacts"));
    let role = s.add(Role::new("Build", "codebuild.amazonaws.com"));
    key.grant_encrypt_decrypt(&mut s, &role);
    key.grant_decrypt(&mut s, &deploy_role());
    let r = resources(s);
    assert_eq!(
        granted(&r, "Build"),
        [json!({
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": [{"Fn::GetAtt": ["ArtifactKey", "Arn"]}],
        })]
    );
    let mut expected = account_statements();
    expected.push(json!({
        "Effect": "Allow",
        "Principal": {"AWS": sub(STAGING_ROOT)},
        "Action": ["kms:Decrypt", "kms:DescribeKey"],
        "Resource": ["*"],
        "Condition": {"ArnEquals": {"aws:PrincipalArn": sub(DEPLOY_ROLE)}},
    }));
    assert_eq!(
        statements(&r["ArtifactKey"]["Properties"]["KeyPolicy"]),
        expected
    );
}

#[test]
fn key_policies_refuse_wildcard_actions_everyone_and_bad_names() {
    let mut s = Stack::new("app");
    let key = s.add(kms::Key::new("Key", "alias/aws/mine").pending_window_days(5));
    s.add(kms::Key::new("Other", "bad alias"));
    // `kms:*` for the account root is AWS's default key policy; pipewright
    // does not need it and refuses it like any wildcard.
    s.grant_resource(
        key.policy(),
        Statement::allow(["kms:*"])
            .principal(Principal::account("111111111111"))
            .resource("*"),
    );
    s.grant_resource(
        key.policy(),
        Statement::allow(["kms:Decrypt"])
            .principal(Principal::Everyone)
            .resource("*"),
    );
    key.grant_decrypt(&mut s, &RoleArn::new("2222", "has space"));
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/Key: KMS alias `alias/aws/mine` is reserved: `alias/aws/` names AWS managed keys; choose another prefix",
            "app/Key: pending window of 5 days is outside 7 to 30",
            "app/Other: KMS alias `alias/bad alias` is invalid: use `alias/` and then 1 to 250 letters, digits, `/`, `_` and `-`",
            "app/Key: account `2222` is invalid: an AWS account ID is 12 digits",
            "app/Key: role name `has space` is invalid: use 1 to 64 letters, digits and `+=,.@_-`",
            "app/Key: grants wildcard action `kms:*`: list the actions the role needs, or use `grant_unrestricted` with a reason",
            "app/Key: allows `kms:Decrypt` to every principal (`*`): name the accounts, roles or services that need it",
        ]
    );
}

#[test]
fn a_bucket_policy_admits_exactly_a_remote_role() {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    bucket.grant_read_write(&mut s, &deploy_role());
    let r = resources(s);
    let admitted = json!({"ArnEquals": {"aws:PrincipalArn": sub(DEPLOY_ROLE)}});
    assert_eq!(
        statements(&r["ArtifactsPolicy"]["Properties"]["PolicyDocument"]),
        [
            json!({
                "Effect": "Allow",
                "Principal": {"AWS": sub(STAGING_ROOT)},
                "Action": ["s3:GetBucketLocation", "s3:GetBucketVersioning"],
                "Resource": [{"Fn::GetAtt": ["Artifacts", "Arn"]}],
                "Condition": admitted,
            }),
            json!({
                "Effect": "Allow",
                "Principal": {"AWS": sub(STAGING_ROOT)},
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                "Resource": [sub("${Artifacts.Arn}/*")],
                "Condition": admitted,
            }),
            json!({
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:*"],
                "Resource": [{"Fn::GetAtt": ["Artifacts", "Arn"]}, sub("${Artifacts.Arn}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }),
        ]
    );
}

#[test]
fn roles_trust_another_accounts_role_with_conditions() {
    let mut s = Stack::new("staging").account("222222222222");
    s.add(
        Role::assumed_by_role("DeployRole", &RoleArn::new("111111111111", "app-pipeline"))
            .name("pipewright-deploy")
            .external_id("pipewright-7f3a")
            .principal_tag("team", "platform"),
    );
    let r = resources(s);
    assert_eq!(
        r["DeployRole"]["Properties"]["RoleName"],
        "pipewright-deploy"
    );
    assert_eq!(
        statements(&r["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]),
        [json!({
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::111111111111:root")},
            "Action": ["sts:AssumeRole"],
            "Condition": {
                "ArnEquals": {
                    "aws:PrincipalArn": sub("arn:${AWS::Partition}:iam::111111111111:role/app-pipeline"),
                },
                "StringEquals": {
                    "sts:ExternalId": "pipewright-7f3a",
                    "aws:PrincipalTag/team": "platform",
                },
            },
        })]
    );
}

#[test]
fn a_trust_condition_that_matches_everyone_does_not_narrow() {
    let mut s = Stack::new("app");
    s.add(
        Role::assumed_by("Wide", Principal::account("111111111111")).trust_condition(
            "ArnLike",
            "aws:PrincipalArn",
            "*",
        ),
    );
    s.add(
        Role::assumed_by("Listed", Principal::account("111111111111")).trust_condition(
            "ArnLike",
            "aws:PrincipalArn",
            Expr::list([
                Expr::from("*"),
                Expr::from("arn:aws:iam::111111111111:role/ci-*"),
            ]),
        ),
    );
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/Wide: trusts an account or role without a condition on who calls: add `trust_condition` on `aws:PrincipalArn`, `aws:PrincipalTag/...` or `sts:ExternalId`"
        ]
    );
}

#[test]
fn a_repository_policy_pulls_for_accounts_and_pushes_for_one_role() {
    let mut s = Stack::new("app");
    let repo = s.add(ecr::Repository::new("Repo"));
    repo.allow_pull(&mut s, ["222222222222", "333333333333"]);
    repo.allow_push(&mut s, &RoleArn::new("222222222222", "image-builder"));
    let r = resources(s);
    assert_eq!(
        statements(&r["Repo"]["Properties"]["RepositoryPolicyText"]),
        [
            json!({
                "Effect": "Allow",
                "Principal": {"AWS": [
                    sub(STAGING_ROOT),
                    sub("arn:${AWS::Partition}:iam::333333333333:root"),
                ]},
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
            }),
            json!({
                "Effect": "Allow",
                "Principal": {"AWS": sub(STAGING_ROOT)},
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:CompleteLayerUpload",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ],
                "Condition": {"ArnEquals": {
                    "aws:PrincipalArn": sub("arn:${AWS::Partition}:iam::222222222222:role/image-builder"),
                }},
            }),
        ]
    );

    let mut s = Stack::new("app");
    let repo = s.add(ecr::Repository::new("Repo"));
    repo.allow_pull(&mut s, ["22222222222x"]);
    assert_eq!(
        problems(App::new().stack(s)),
        ["app/Repo: account `22222222222x` is invalid: an AWS account ID is 12 digits"]
    );
}

#[test]
fn repositories_encrypt_with_kms_unless_told_why_not() {
    let mut s = Stack::new("app");
    let key = s.add(kms::Key::new("ImageKey", "images"));
    s.add(ecr::Repository::new("Default"));
    s.add(ecr::Repository::new("Keyed").kms_key(key.arn()));
    s.add(ecr::Repository::new("Legacy").aes256("created before KMS was the default"));
    let r = resources(s);
    assert_eq!(
        r["Default"]["Properties"]["EncryptionConfiguration"],
        json!({"EncryptionType": "KMS"})
    );
    assert!(r["Default"].get("Metadata").is_none());
    assert_eq!(
        r["Keyed"]["Properties"]["EncryptionConfiguration"],
        json!({"EncryptionType": "KMS", "KmsKey": {"Fn::GetAtt": ["ImageKey", "Arn"]}})
    );
    assert_eq!(
        r["Legacy"]["Properties"]["EncryptionConfiguration"],
        json!({"EncryptionType": "AES256"})
    );
    assert_eq!(
        r["Legacy"]["Metadata"],
        json!({"checkov": {"skip": [
            {"id": "CKV_AWS_136", "comment": "created before KMS was the default"},
        ]}})
    );
}

fn source() -> Action {
    Action::connection(
        "Source",
        ConnectionSource {
            connection_arn: "arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab".into(),
            repository: "octo/app".into(),
            branch: "main".into(),
        },
    )
    .output(&Artifact::new("Src"))
}

/// A pipeline in account 111111111111 that deploys stack `app` into
/// account 222222222222 through a reviewed change set.
fn cross_account_stack() -> Stack {
    let mut s = Stack::new("pipeline")
        .account("111111111111")
        .region("eu-west-1");
    let key = s.add(kms::Key::new("ArtifactKey", "pipewright/app-pipeline"));
    let bucket = s.add(s3::Bucket::new("Artifacts").kms_key(key.arn()));
    let src = Artifact::new("Src");
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .key(&key)
            .role_name("app-pipeline")
            .stage(Stage::new("Source").action(source()))
            .stage(
                Stage::new("Staging")
                    .action(
                        Action::cloudformation(
                            "Plan",
                            CloudFormationDeploy::replace_change_set(
                                "app",
                                "pipewright",
                                src.path("stacks/app.yaml"),
                                &exec_role(),
                            )
                            .template_configuration(src.path("parameters/app.json"))
                            .capabilities([Capability::NamedIam]),
                        )
                        .cross_account_role(&deploy_role()),
                    )
                    .action(
                        Action::cloudformation(
                            "Apply",
                            CloudFormationDeploy::execute_change_set("app", "pipewright"),
                        )
                        .cross_account_role(&deploy_role())
                        .run_order(2),
                    ),
            ),
    );
    s
}

#[test]
fn a_cross_account_pipeline_encrypts_with_its_key_and_admits_exactly_the_target_role() {
    let r = resources(cross_account_stack());
    let pipeline = &r["Pipeline"]["Properties"];
    assert_eq!(
        pipeline["ArtifactStore"],
        json!({
            "Type": "S3",
            "Location": {"Ref": "Artifacts"},
            "EncryptionKey": {"Id": {"Fn::GetAtt": ["ArtifactKey", "Arn"]}, "Type": "KMS"},
        })
    );
    assert_eq!(
        r["Artifacts"]["Properties"]["BucketEncryption"],
        json!({"ServerSideEncryptionConfiguration": [{
            "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": {"Fn::GetAtt": ["ArtifactKey", "Arn"]},
            },
            "BucketKeyEnabled": true,
        }]})
    );
    assert_eq!(
        pipeline["Stages"][1]["Actions"],
        json!([
            {
                "Name": "Plan",
                "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation", "Version": "1"},
                "Configuration": {
                    "ActionMode": "CHANGE_SET_REPLACE",
                    "StackName": "app",
                    "ChangeSetName": "pipewright",
                    "TemplatePath": "Src::stacks/app.yaml",
                    "TemplateConfiguration": "Src::parameters/app.json",
                    "Capabilities": "CAPABILITY_NAMED_IAM",
                    "RoleArn": sub(EXEC_ROLE),
                },
                "InputArtifacts": [{"Name": "Src"}],
                "RoleArn": sub(DEPLOY_ROLE),
            },
            {
                "Name": "Apply",
                "ActionTypeId": {"Category": "Deploy", "Owner": "AWS", "Provider": "CloudFormation", "Version": "1"},
                "Configuration": {
                    "ActionMode": "CHANGE_SET_EXECUTE",
                    "StackName": "app",
                    "ChangeSetName": "pipewright",
                },
                "RoleArn": sub(DEPLOY_ROLE),
                "RunOrder": 2,
            },
        ])
    );

    // The pipeline role (named, so the target role can trust exactly it)
    // may assume exactly the target role; the stack actions are the target
    // role's, in its own account.
    assert_eq!(r["PipelineRole"]["Properties"]["RoleName"], "app-pipeline");
    let pipeline_role = granted(&r, "PipelineRole");
    assert!(
        pipeline_role.contains(&json!({
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Resource": [sub(DEPLOY_ROLE)],
        })),
        "{pipeline_role:#?}"
    );
    let text = serde_json::to_string(&pipeline_role).unwrap();
    assert!(!text.contains("cloudformation:"), "{text}");
    assert!(!text.contains("iam:PassRole"), "{text}");

    let admitted = json!({"ArnEquals": {"aws:PrincipalArn": sub(DEPLOY_ROLE)}});
    let bucket_policy = statements(&r["ArtifactsPolicy"]["Properties"]["PolicyDocument"]);
    assert_eq!(bucket_policy.len(), 3, "{bucket_policy:#?}");
    assert_eq!(
        bucket_policy[1],
        json!({
            "Effect": "Allow",
            "Principal": {"AWS": sub(STAGING_ROOT)},
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "Resource": [sub("${Artifacts.Arn}/*")],
            "Condition": admitted,
        })
    );
    let mut key_policy = account_statements();
    key_policy.push(json!({
        "Effect": "Allow",
        "Principal": {"AWS": sub(STAGING_ROOT)},
        "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"],
        "Resource": ["*"],
        "Condition": admitted,
    }));
    assert_eq!(
        statements(&r["ArtifactKey"]["Properties"]["KeyPolicy"]),
        key_policy
    );
}

#[test]
fn the_deploy_action_grants_its_stack_actions_and_pass_role_exactly() {
    let mut s = Stack::new("pipeline");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let exec = s.add(Role::new("CfnExec", "cloudformation.amazonaws.com"));
    let src = Artifact::new("Src");
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(Stage::new("Source").action(source()))
            .stage(Stage::new("Deploy").action(Action::cloudformation(
                "Deploy",
                CloudFormationDeploy::create_update("app", src.path("app.yaml"), exec.arn()),
            ))),
    );
    let r = resources(s);
    assert_eq!(
        r["Pipeline"]["Properties"]["Stages"][1]["Actions"][0]["Configuration"],
        json!({
            "ActionMode": "CREATE_UPDATE",
            "StackName": "app",
            "TemplatePath": "Src::app.yaml",
            "RoleArn": {"Fn::GetAtt": ["CfnExec", "Arn"]},
        })
    );
    let pipeline_role = granted(&r, "PipelineRole");
    for statement in [
        json!({
            "Effect": "Allow",
            "Action": [
                "cloudformation:CreateStack",
                "cloudformation:DescribeStackEvents",
                "cloudformation:DescribeStacks",
                "cloudformation:UpdateStack",
            ],
            "Resource": [sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/app/*")],
        }),
        json!({
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": [{"Fn::GetAtt": ["CfnExec", "Arn"]}],
            "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
        }),
    ] {
        assert!(
            pipeline_role.contains(&statement),
            "{statement:#}\nnot in {pipeline_role:#?}"
        );
    }
    // Bucket (2), connection, stack, PassRole: nothing else.
    assert_eq!(pipeline_role.len(), 5, "{pipeline_role:#?}");
}

#[test]
fn change_set_statements_are_limited_to_their_change_set() {
    let src = Artifact::new("Src");
    let replace = CloudFormationDeploy::replace_change_set(
        "app",
        "review",
        src.path("app.yaml"),
        &exec_role(),
    );
    let execute = CloudFormationDeploy::execute_change_set("app", "review");
    let stack_arn =
        sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:222222222222:stack/app/*");
    let change_set = json!({"StringEquals": {"cloudformation:ChangeSetName": "review"}});
    let rendered = |d: &CloudFormationDeploy| -> Vec<Value> {
        d.statements(Some("222222222222"))
            .iter()
            .map(|s| json::expr(&s.to_expr()))
            .collect()
    };
    assert_eq!(
        rendered(&replace),
        [
            json!({
                "Effect": "Allow",
                "Action": [
                    "cloudformation:CreateChangeSet",
                    "cloudformation:DeleteChangeSet",
                    "cloudformation:DescribeChangeSet",
                    "cloudformation:DescribeStacks",
                ],
                "Resource": [stack_arn.clone()],
                "Condition": change_set.clone(),
            }),
            json!({
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": [sub(EXEC_ROLE)],
                "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
            }),
        ]
    );
    // Executing passes no role: the change set keeps the one it was made with.
    assert_eq!(
        rendered(&execute),
        [json!({
            "Effect": "Allow",
            "Action": [
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet",
            ],
            "Resource": [stack_arn],
            "Condition": change_set,
        })]
    );
}

#[test]
fn capabilities_come_from_the_deployed_template() {
    let mut app_stack = Stack::new("app");
    app_stack.add(Role::new("Worker", "codebuild.amazonaws.com").name("worker"));
    let assembly = App::new().stack(app_stack).synth().unwrap();
    let template = &assembly.get("app").unwrap().template;
    let deploy = CloudFormationDeploy::create_update(
        "app",
        Artifact::new("Src").path("app.yaml"),
        &exec_role(),
    )
    .capabilities_for(template);
    let mut s = Stack::new("pipeline");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(Stage::new("Source").action(source()))
            .stage(Stage::new("Deploy").action(Action::cloudformation("Deploy", deploy))),
    );
    let r = resources(s);
    assert_eq!(
        r["Pipeline"]["Properties"]["Stages"][1]["Actions"][0]["Configuration"]["Capabilities"],
        "CAPABILITY_NAMED_IAM"
    );
}

fn remote_deploy() -> Action {
    Action::cloudformation(
        "Deploy",
        CloudFormationDeploy::create_update(
            "app",
            Artifact::new("Src").path("app.yaml"),
            &exec_role(),
        ),
    )
    .cross_account_role(&deploy_role())
}

#[test]
fn a_cross_account_action_needs_a_key_the_pipeline_can_edit() {
    let pipeline = |s: &mut Stack, configure: &dyn Fn(Pipeline) -> Pipeline| {
        let bucket = s.add(s3::Bucket::new("Artifacts"));
        s.add(configure(
            Pipeline::new("Pipeline")
                .artifact_store(&bucket)
                .stage(Stage::new("Source").action(source()))
                .stage(Stage::new("Deploy").action(remote_deploy())),
        ));
    };
    let mut s = Stack::new("pipeline").account("111111111111");
    pipeline(&mut s, &|p| p);
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "pipeline/Pipeline: action `Deploy` runs in account `222222222222`, but the pipeline has no artifact key: another account cannot decrypt artifacts encrypted with the AWS managed key; create a `kms::Key` and pass it to `Pipeline::key` (a bucket of the pipeline's own is encrypted with it; a shared one needs `Bucket::kms_key`)"
        ]
    );

    let mut s = Stack::new("pipeline");
    pipeline(&mut s, &|p| {
        p.kms_key("arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab")
    });
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "pipeline/Pipeline: action `Deploy` runs in account `222222222222`, but the artifact key is given by ARN, so the pipeline cannot admit the action's role in its key policy: pass the `kms::KeyRef` to `Pipeline::key`"
        ]
    );

    let mut s = Stack::new("pipeline");
    let key = s.add(kms::Key::new("ArtifactKey", "artifacts"));
    pipeline(&mut s, &|p| p.key(&key));
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "pipeline/Pipeline: artifact bucket `Artifacts` is not encrypted with the pipeline's key, which cross-account actions need: pass `key.arn()` to `Bucket::kms_key`"
        ]
    );

    // A role of the pipeline's own account needs no customer key.
    let mut s = Stack::new("pipeline").account("222222222222");
    pipeline(&mut s, &|p| p);
    App::new().stack(s).synth().unwrap();
}

/// A kind defined outside the library that performs its action with a
/// role of another account of its own.
#[derive(Clone, Debug)]
struct RemoteInvoke;

impl pipewright::codepipeline::ActionKind for RemoteInvoke {
    fn type_id(&self) -> pipewright::codepipeline::ActionTypeId {
        use pipewright::codepipeline::{ActionTypeId, Category, Owner};
        ActionTypeId::new(Category::Invoke, Owner::Aws, "Lambda")
    }

    fn configuration(&self) -> Expr {
        Expr::map([("FunctionName", Expr::from("notify"))])
    }

    fn role_arn(&self) -> Option<RoleArn> {
        Some(deploy_role())
    }
}

#[test]
fn a_kinds_own_remote_role_is_cross_account_too_unless_an_action_role_replaces_it() {
    let mut s = Stack::new("pipeline");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let local = s.add(Role::new("Local", "codepipeline.amazonaws.com"));
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(Stage::new("Source").action(source()))
            .stage(
                Stage::new("Notify")
                    .action(Action::new("Remote", RemoteInvoke).input(&Artifact::new("Src")))
                    .action(
                        Action::new("Local", RemoteInvoke)
                            .input(&Artifact::new("Src"))
                            .role(&local),
                    ),
            ),
    );
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "pipeline/Pipeline: action `Remote` runs in account `222222222222`, but the pipeline has no artifact key: another account cannot decrypt artifacts encrypted with the AWS managed key; create a `kms::Key` and pass it to `Pipeline::key` (a bucket of the pipeline's own is encrypted with it; a shared one needs `Bucket::kms_key`)"
        ]
    );
}

#[test]
fn import_value_across_accounts_is_a_synth_error() {
    let mut shared = Stack::new("shared").account("111111111111");
    let role = shared.add(Role::new("Deployer", "cloudformation.amazonaws.com"));
    let mut staging = Stack::new("staging").account("222222222222");
    staging.add_resource(
        "Topic",
        Resource::new("AWS::SNS::Topic").property("DisplayName", role.arn()),
    );
    let app = App::new().stack(shared).stack(staging);
    let Err(error) = app.synth() else {
        panic!("synth succeeded")
    };
    assert_eq!(
        problems(app),
        [
            "staging: stack `staging` (account 222222222222, default region) uses a value of stack `shared` (account 111111111111, default region): references across accounts or regions cannot be imported"
        ]
    );
    assert_eq!(
        error.hint().unwrap(),
        "give the resource a fixed name in the producing stack and pass that literal name to the other stack"
    );
}

#[test]
fn cfn_lint_accepts_every_cross_account_construct() {
    let mut s = cross_account_stack();
    let repo = s.add(ecr::Repository::new("Images").moving_tag("latest"));
    repo.allow_pull(&mut s, ["222222222222", "333333333333"]);
    repo.allow_push(&mut s, &RoleArn::new("222222222222", "image-builder"));
    s.add(ecr::Repository::new("Keyed").kms_key(Expr::get_att("ArtifactKey", "Arn")));
    s.add(
        Role::assumed_by_role("Trusted", &RoleArn::new("333333333333", "auditor"))
            .external_id("pipewright-7f3a")
            .principal_tag("team", "platform"),
    );
    let body = App::new().stack(s).synth().unwrap().stacks[0].body.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cross-account.yaml");
    std::fs::write(&path, &body).unwrap();
    let out = tool("cfn-lint", &[path.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "cfn-lint found problems:\n{stdout}{stderr}\n{body}"
    );
    assert_eq!(stdout, "", "cfn-lint printed findings");
}

/// A pipeline given no artifact store gets a hardened bucket of its own,
/// encrypted with the pipeline's key, which a cross-account action needs:
/// no bucket to create, encrypt and pass by hand.
#[test]
fn a_pipeline_without_an_artifact_store_gets_its_own_hardened_bucket() {
    let mut s = Stack::new("pipeline").account("111111111111");
    let key = s.add(kms::Key::new("ArtifactKey", "artifacts"));
    s.add(
        Pipeline::new("Release")
            .key(&key)
            .stage(Stage::new("Source").action(source()))
            .stage(Stage::new("Deploy").action(remote_deploy())),
    );
    let r = resources(s);
    let bucket = &r["ReleaseArtifactBucket"];
    assert_eq!(bucket["Type"], "AWS::S3::Bucket");
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    let props = &bucket["Properties"];
    assert_eq!(
        props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"],
        json!({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["ArtifactKey", "Arn"]}})
    );
    assert_eq!(
        props["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"],
        true
    );
    assert_eq!(props["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(
        r["Release"]["Properties"]["ArtifactStore"]["Location"],
        json!({"Ref": "ReleaseArtifactBucket"})
    );
    // The bucket policy admits the remote role and denies plain HTTP.
    let policy = &r["ReleaseArtifactBucketPolicy"]["Properties"]["PolicyDocument"];
    let text = policy.to_string();
    assert!(text.contains("aws:SecureTransport"), "{text}");
    assert!(text.contains("222222222222"), "{text}");

    // Without a key (no action of another account), SSE-S3.
    let mut s = Stack::new("pipeline").account("222222222222");
    s.add(
        Pipeline::new("Release")
            .stage(Stage::new("Source").action(source()))
            .stage(Stage::new("Deploy").action(remote_deploy())),
    );
    let r = resources(s);
    assert_eq!(
        r["ReleaseArtifactBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            [0]["ServerSideEncryptionByDefault"],
        json!({"SSEAlgorithm": "AES256"})
    );
}

//! The CircleCI systems of issue #13, re-expressed with CodePipeline and
//! CodeBuild: build once and push to many registries with a restricted
//! approval (`build-once-pipeline`, `build-once-production`), static
//! analysis before a Docker Hub push (`dockerhub-pipeline`), and make
//! build/test/deploy with a pull-request project (`make-pipeline`). Stages,
//! actions, artifacts, variables and IAM statements are asserted exactly;
//! then the one-principal rule for `PutApprovalResult` over every template
//! of the app, and the builder errors with their fixes.

use pipewright::buildspec::{BuildSpec, DockerHub, dockerhub_build_push};
use pipewright::codebuild::Project;
use pipewright::codepipeline::{
    Action, Artifact, ConnectionSource, ManualApproval, Pipeline, Stage,
};
use pipewright::iam::Group;
use pipewright::template::json;
use pipewright::{App, Error, Stack, s3};
use serde_json::{Value, json};

fn resources(stack: &str) -> Value {
    let assembly = pipewright_app::app().synth().unwrap();
    json::to_value(&assembly.get(stack).unwrap().template)["Resources"].clone()
}

fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// The statements of the `grants` inline policy of role or group `id`.
fn granted(r: &Value, id: &str) -> Vec<Value> {
    r[id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("{id} has no grants"))
        .clone()
}

/// A CodeBuild role's artifact statements: the bucket actions CodeBuild
/// documents, and writing only for a build with an output artifact.
fn bucket_statements(write: bool) -> Vec<Value> {
    let objects: &[&str] = if write {
        &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]
    } else {
        &["s3:GetObject", "s3:GetObjectVersion"]
    };
    vec![
        json!({"Effect": "Allow", "Action": ["s3:GetBucketAcl", "s3:GetBucketLocation"], "Resource": [{"Fn::GetAtt": ["PipelineArtifactBucket", "Arn"]}]}),
        json!({"Effect": "Allow", "Action": objects, "Resource": [sub("${PipelineArtifactBucket.Arn}/*")]}),
    ]
}

/// A pipeline role's artifact statements, with a connection source's
/// `s3:PutObjectAcl`.
fn pipeline_bucket_statements() -> Vec<Value> {
    vec![
        json!({"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetBucketVersioning"], "Resource": [{"Fn::GetAtt": ["PipelineArtifactBucket", "Arn"]}]}),
        json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl"], "Resource": [sub("${PipelineArtifactBucket.Arn}/*")]}),
    ]
}

fn logs(project: &str) -> Value {
    let group = format!(
        "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/codebuild/${{AWS::StackName}}-{project}"
    );
    json!({
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [sub(&group), sub(&format!("{group}:*"))],
    })
}

const PUSH: [&str; 5] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/// Push, and read image metadata to skip a tag already pushed.
const PUSH_ONCE: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

fn push_to(repository: &str) -> Vec<Value> {
    vec![
        json!({"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]}),
        json!({"Effect": "Allow", "Action": PUSH_ONCE, "Resource": [{"Fn::GetAtt": [repository, "Arn"]}]}),
        bucket_statements(false)[0].clone(),
        bucket_statements(false)[1].clone(),
    ]
}

fn variables(pairs: &[(&str, &str)]) -> String {
    let each: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!(r#"{{"name":"{name}","value":"{value}","type":"PLAINTEXT"}}"#))
        .collect();
    format!("[{}]", each.join(","))
}

#[test]
fn build_once_pipeline_stages_actions_artifacts_and_variables() {
    let r = resources("build-once-pipeline");
    let stages = r["Pipeline"]["Properties"]["Stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["Name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Source", "Build", "PushNonProd", "ApproveProd", "PushProd"]
    );
    assert_eq!(stages[0]["Actions"][0]["Namespace"], "SourceVariables");
    assert_eq!(
        stages[1]["Actions"][0],
        json!({
            "Name": "Build",
            "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
            "Configuration": {"ProjectName": {"Ref": "Build"}},
            "InputArtifacts": [{"Name": "SourceOutput"}],
            "OutputArtifacts": [{"Name": "BuildOutput"}],
            "Namespace": "BuildVariables",
        })
    );
    // Each push gets the variables its tags are made of: `git-commit-<sha>`
    // everywhere, the build number on the mirror.
    let push = |name: &str| {
        let mut vars = vec![
            ("IMAGE_TAG", "#{BuildVariables.IMAGE_TAG}"),
            ("COMMIT_ID", "#{BuildVariables.COMMIT_ID}"),
        ];
        if name == "Mirror" {
            vars.push(("BUILD_NUMBER", "#{BuildVariables.BUILD_NUMBER}"));
        }
        json!({
            "Name": format!("Push{name}"),
            "ActionTypeId": {"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
            "Configuration": {
                "ProjectName": {"Ref": format!("Push{name}")},
                "EnvironmentVariables": variables(&vars),
            },
            "InputArtifacts": [{"Name": "BuildOutput"}],
        })
    };
    // Parallel: no RunOrder, so both run at once.
    assert_eq!(
        stages[2]["Actions"],
        json!([push("Internal"), push("Mirror")])
    );
    assert_eq!(
        stages[3]["Actions"],
        json!([{
            "Name": "ApproveProd",
            "ActionTypeId": {"Category": "Approval", "Owner": "AWS", "Provider": "Manual", "Version": "1"},
            "Configuration": {
                "NotificationArn": {"Ref": "ApprovalTopic"},
                "CustomData": "Push image #{BuildVariables.IMAGE_TAG} of commit #{SourceVariables.CommitId} to Production?",
                "ExternalEntityLink": "https://github.com/acme/web/commit/#{SourceVariables.CommitId}",
            },
            "TimeoutInMinutes": 1440,
        }])
    );
    assert_eq!(stages[4]["Actions"], json!([push("Production")]));

    // The build hands the image over as an archive and exports its tag.
    let spec = r["Build"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap();
    assert!(
        spec.contains(
            "exported-variables:\n    - IMAGE_TAG\n    - COMMIT_ID\n    - BUILD_NUMBER\n"
        ),
        "{spec}"
    );
    assert!(
        spec.contains(r#"docker save "pipewright-image:$IMAGE_TAG" | gzip > image.tar.gz"#),
        "{spec}"
    );
    assert!(
        spec.contains("artifacts:\n  files:\n    - image.tar.gz\n"),
        "{spec}"
    );
    for id in ["PushInternal", "PushMirror", "PushProduction"] {
        let spec = r[id]["Properties"]["Source"]["BuildSpec"].as_str().unwrap();
        assert!(
            spec.contains("gunzip -c image.tar.gz | docker load"),
            "{spec}"
        );
        assert!(spec.contains("--password-stdin"), "{spec}");
        assert_eq!(r[id]["Properties"]["Environment"]["PrivilegedMode"], true);
    }
    let production = r["PushProduction"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap();
    let assume = production.find("aws sts assume-role").unwrap();
    let login = production.find("get-login-password").unwrap();
    assert!(
        assume < login,
        "the login runs as the production role: {production}"
    );
}

#[test]
fn each_push_role_pushes_to_one_repository_and_the_build_role_to_none() {
    let r = resources("build-once-pipeline");
    let mut build = bucket_statements(true);
    build.push(logs("Build"));
    assert_eq!(granted(&r, "BuildRole"), build);
    for (project, repo) in [
        ("PushInternal", "InternalRepository"),
        ("PushMirror", "MirrorRepository"),
    ] {
        let mut expected = push_to(repo);
        expected.push(logs(project));
        assert_eq!(
            granted(&r, &format!("{project}Role")),
            expected,
            "{project}"
        );
    }
    // The production push may only assume the production role; it has no
    // ECR permission of its own.
    assert_eq!(
        r["PushProductionRole"]["Properties"]["RoleName"],
        "build-once-push-production-builder"
    );
    assert_eq!(
        granted(&r, "PushProductionRole"),
        [
            bucket_statements(false)[0].clone(),
            bucket_statements(false)[1].clone(),
            json!({"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": [sub("arn:${AWS::Partition}:iam::333333333333:role/build-once-push-production")]}),
            logs("PushProduction"),
        ]
    );
    let pipeline =
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}";
    assert_eq!(
        r["Approvers"]["Properties"]["GroupName"],
        "build-once-release-approvers"
    );
    assert_eq!(
        granted(&r, "Approvers"),
        [
            json!({"Effect": "Allow", "Action": [
                "codepipeline:GetPipeline",
                "codepipeline:GetPipelineExecution",
                "codepipeline:GetPipelineState",
                "codepipeline:ListActionExecutions",
                "codepipeline:ListPipelineExecutions",
            ], "Resource": [sub(pipeline)]}),
            json!({"Effect": "Allow", "Action": ["codepipeline:PutApprovalResult"], "Resource": [sub(&format!("{pipeline}/ApproveProd/ApproveProd"))]}),
        ]
    );
    let start = |p: &str| json!({"Effect": "Allow", "Action": ["codebuild:BatchGetBuilds", "codebuild:StartBuild"], "Resource": [sub(&format!("arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:project/${{{p}}}"))]});
    assert_eq!(
        granted(&r, "PipelineRole"),
        [
            json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": [{"Fn::GetAtt": ["NotificationKey", "Arn"]}]}),
            pipeline_bucket_statements()[0].clone(),
            pipeline_bucket_statements()[1].clone(),
            start("Build"),
            start("PushInternal"),
            start("PushMirror"),
            start("PushProduction"),
            json!({"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [{"Ref": "ApprovalTopic"}]}),
            json!({"Effect": "Allow", "Action": ["codeconnections:UseConnection", "codestar-connections:UseConnection"], "Resource": [{"Ref": "ConnectionArn"}]}),
        ]
    );
    // The topic: encrypted with the stack's key, CodePipeline of this
    // account only, TLS only, one e-mail subscription.
    assert_eq!(
        r["ApprovalTopic"]["Properties"]["KmsMasterKeyId"],
        json!({"Fn::GetAtt": ["NotificationKey", "Arn"]})
    );
    assert_eq!(
        r["ApprovalTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"],
        json!([
            {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": ["sns:Publish"], "Resource": [{"Ref": "ApprovalTopic"}], "Condition": {"StringEquals": {"aws:SourceAccount": sub("${AWS::AccountId}")}}},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": ["sns:Publish"], "Resource": [{"Ref": "ApprovalTopic"}], "Condition": {"Bool": {"aws:SecureTransport": false}}},
        ])
    );
    assert_eq!(
        r["ApprovalTopicSubscription1"]["Properties"],
        json!({"TopicArn": {"Ref": "ApprovalTopic"}, "Protocol": "email", "Endpoint": "release-approvers@example.com"})
    );
}

#[test]
fn the_production_registry_admits_exactly_the_push_role_which_trusts_exactly_the_push_project() {
    let assembly = pipewright_app::app().synth().unwrap();
    let stack = assembly.get("build-once-production").unwrap();
    assert_eq!(stack.env.account.as_deref(), Some("333333333333"));
    // Another account and another region than the pipeline's.
    assert_eq!(stack.env.region.as_deref(), Some("eu-west-1"));
    let r = json::to_value(&stack.template)["Resources"].clone();
    let role = sub("arn:${AWS::Partition}:iam::333333333333:role/build-once-push-production");
    assert_eq!(
        r["Repository"]["Properties"]["RepositoryPolicyText"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::333333333333:root")},
            "Action": PUSH,
            "Condition": {"ArnEquals": {"aws:PrincipalArn": role}},
        }])
    );
    assert_eq!(
        r["PushRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::111111111111:root")},
            "Action": ["sts:AssumeRole"],
            "Condition": {"ArnEquals": {"aws:PrincipalArn": sub("arn:${AWS::Partition}:iam::111111111111:role/build-once-push-production-builder")}},
        }])
    );
    assert_eq!(
        granted(&r, "PushRole"),
        [
            json!({"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": ["*"]}),
            json!({"Effect": "Allow", "Action": PUSH_ONCE, "Resource": [{"Fn::GetAtt": ["Repository", "Arn"]}]}),
        ]
    );
}

#[test]
fn put_approval_result_is_granted_to_one_principal_in_every_template() {
    let assembly = pipewright_app::app().synth().unwrap();
    let mut holders = Vec::new();
    for stack in &assembly.stacks {
        let r = json::to_value(&stack.template)["Resources"].clone();
        for (id, resource) in r.as_object().unwrap() {
            let text = resource.to_string();
            let count = text.matches("codepipeline:PutApprovalResult").count();
            if count > 0 {
                holders.push((stack.name.clone(), id.clone(), count));
            }
            assert!(!text.contains("codepipeline:*"), "{}/{id}", stack.name);
        }
    }
    assert_eq!(
        holders,
        [
            ("build-once-pipeline".to_owned(), "Approvers".to_owned(), 1),
            ("infra".to_owned(), "InfraApprovers".to_owned(), 1),
        ]
    );
}

#[test]
fn dockerhub_analysis_runs_first_without_registry_access_and_the_push_reads_exactly_its_secret() {
    let r = resources("dockerhub-pipeline");
    let stages = r["Pipeline"]["Properties"]["Stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Source", "Analyze", "Image"]);
    assert_eq!(
        stages[1]["Actions"][0]["ActionTypeId"],
        json!({"Category": "Test", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"})
    );
    assert_eq!(
        r["AnalyzeStaticAnalysisReports"],
        json!({
            "Type": "AWS::CodeBuild::ReportGroup",
            "Properties": {
                "Name": sub("${AWS::StackName}-Analyze-static-analysis"),
                "Type": "TEST",
                "ExportConfig": {"ExportConfigType": "NO_EXPORT"},
                "DeleteReports": true,
            },
        })
    );
    let mut analyze = bucket_statements(false);
    analyze.push(json!({"Effect": "Allow", "Action": [
        "codebuild:BatchPutCodeCoverages",
        "codebuild:BatchPutTestCases",
        "codebuild:CreateReport",
        "codebuild:UpdateReport",
    ], "Resource": [sub("arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:report-group/${AWS::StackName}-Analyze-static-analysis")]}));
    analyze.push(logs("Analyze"));
    assert_eq!(granted(&r, "AnalyzeRole"), analyze);
    assert_eq!(
        r["Analyze"]["Properties"]["Environment"]["PrivilegedMode"],
        false
    );

    let mut image = bucket_statements(false);
    image.push(logs("Image"));
    image.push(json!({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:pipewright/dockerhub-??????")]}));
    assert_eq!(granted(&r, "ImageRole"), image);
    let spec = r["Image"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap();
    assert!(
        spec.contains("secrets-manager:\n    DOCKERHUB_USERNAME: pipewright/dockerhub:username\n    DOCKERHUB_TOKEN: pipewright/dockerhub:token\n"),
        "{spec}"
    );
    assert!(
        spec.contains(r#"printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin docker.io"#),
        "{spec}"
    );
    assert!(
        spec.contains(
            "if [ \"$CODEBUILD_BUILD_SUCCEEDING\" = \"1\" ]; then\n          docker push \"$DOCKERHUB_REPOSITORY:$IMAGE_TAG\""
        ),
        "{spec}"
    );
    // No credential in the template: no parameter default, no output.
    let assembly = pipewright_app::app().synth().unwrap();
    let t = json::to_value(&assembly.get("dockerhub-pipeline").unwrap().template);
    for (_, p) in t["Parameters"].as_object().unwrap() {
        assert!(p.get("Default").is_none(), "{p}");
    }
    assert!(!t.to_string().contains("dckr_"));
}

#[test]
fn make_pipeline_runs_on_main_only_and_the_pull_request_project_cannot_push() {
    let r = resources("make-pipeline");
    let p = &r["Pipeline"]["Properties"];
    assert_eq!(p["PipelineType"], "V2");
    assert_eq!(
        p["Triggers"],
        json!([{"ProviderType": "CodeStarSourceConnection", "GitConfiguration": {
            "SourceActionName": "Source",
            "Push": [{"Branches": {"Includes": ["main"]}}],
        }}])
    );
    let stages = p["Stages"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = stages
        .iter()
        .map(|s| {
            (
                s["Name"].as_str().unwrap(),
                s["Actions"][0]["ActionTypeId"]["Category"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("Source", "Source"),
            ("Build", "Build"),
            ("Test", "Test"),
            ("Deploy", "Build")
        ]
    );
    // The Makefile reads the build number as `BUILD_NUM`, as on CircleCI.
    let variables = r##"[{"name":"IMAGE_TAG","value":"#{BuildVariables.IMAGE_TAG}","type":"PLAINTEXT"},{"name":"BUILD_NUM","value":"#{BuildVariables.BUILD_NUM}","type":"PLAINTEXT"}]"##;
    for stage in &stages[2..] {
        assert_eq!(
            stage["Actions"][0]["Configuration"]["EnvironmentVariables"],
            variables
        );
        assert_eq!(
            stage["Actions"][0]["InputArtifacts"],
            json!([{"Name": "BuildOutput"}])
        );
    }
    let build = r["Build"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap();
    assert!(
        build.contains("exported-variables:\n    - IMAGE_TAG\n    - BUILD_NUM\n"),
        "{build}"
    );
    assert!(
        build.contains(r#"export BUILD_NUM="$CODEBUILD_BUILD_NUMBER""#),
        "{build}"
    );
    assert!(build.contains("- make build\n"), "{build}");
    // Every project installs the image tests' tools; every Docker project
    // keeps CodeBuild's local Docker layer cache.
    for id in ["Build", "Test", "Deploy", "PullRequests"] {
        let spec = r[id]["Properties"]["Source"]["BuildSpec"].as_str().unwrap();
        assert!(
            spec.contains(
                "install:\n    commands:\n      - apt-get update && apt-get install -y --no-install-recommends httpie jq\n"
            ),
            "{id}: {spec}"
        );
        assert_eq!(
            r[id]["Properties"]["Cache"],
            json!({"Type": "LOCAL", "Modes": ["LOCAL_DOCKER_LAYER_CACHE"]}),
            "{id}"
        );
    }
    let deploy = r["Deploy"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap();
    assert!(
        deploy.contains(r#"export TAGS="latest $BUILD_NUM $IMAGE_TAG""#),
        "{deploy}"
    );
    assert!(deploy.contains("- make deploy\n"), "{deploy}");
    assert!(deploy.contains("--password-stdin docker.io"), "{deploy}");
    // Docker Hub: no ECR repository, and the deploy role reads exactly the
    // Docker Hub secret.
    assert!(r.get("Repository").is_none());
    let deploy_statements = granted(&r, "DeployRole");
    assert!(
        deploy_statements.contains(&json!({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:pipewright/dockerhub-??????")]})),
        "{deploy_statements:#?}"
    );
    assert!(!r["DeployRole"].to_string().contains("ecr:"));
    assert!(!r["TestRole"].to_string().contains("ecr:"));

    // The pull-request project: its events, its base branch, no push.
    assert_eq!(
        r["PullRequests"]["Properties"]["Triggers"],
        json!({"Webhook": true, "BuildType": "BUILD", "FilterGroups": [[
            {"Type": "EVENT", "Pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"},
            {"Type": "BASE_REF", "Pattern": "^refs/heads/main$"},
        ]]})
    );
    assert_eq!(
        granted(&r, "PullRequestsRole"),
        [
            json!({"Effect": "Allow", "Action": [
                "codebuild:BatchPutCodeCoverages",
                "codebuild:BatchPutTestCases",
                "codebuild:CreateReport",
                "codebuild:UpdateReport",
            ], "Resource": [sub("arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:report-group/${AWS::StackName}-PullRequests-integration")]}),
            logs("PullRequests"),
        ]
    );
    let pr = r["PullRequests"]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap();
    assert!(pr.contains("- make build\n      - make test\n"), "{pr}");
    assert!(
        !pr.contains("deploy") && !pr.contains("docker push"),
        "{pr}"
    );
}

fn problems(stack: Stack) -> Vec<String> {
    match App::new().stack(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn source() -> Action {
    Action::connection(
        "Source",
        ConnectionSource {
            connection_arn: "arn:aws:codeconnections:us-east-1:111111111111:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab".into(),
            repository: "octo/app".into(),
            branch: "main".into(),
        },
    )
    .output(&Artifact::new("Src"))
}

#[test]
fn approvals_need_approvers_of_the_stack_a_valid_timeout_and_a_later_stage() {
    let mut other = Stack::new("other");
    let foreign = other.add(Group::new("Foreign"));
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    s.add(Group::new("Approvers"));
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(
                Stage::new("Source")
                    .action(source())
                    .action(Action::approval(
                        "Early",
                        ManualApproval::new().approvers(&foreign),
                    )),
            )
            .stage(
                Stage::new("Approve")
                    .action(Action::approval("Nobody", ManualApproval::new()))
                    .action(Action::approval(
                        "Quick",
                        ManualApproval::new().timeout_minutes(3).approvers(&foreign),
                    )),
            ),
    );
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: stage `Source`: action `Early` is not a source action: the first stage holds only source actions",
            "app/Pipeline: action `Source` produces artifact `Src`, which no later action reads: read it with `Action::input` or remove the output",
            "app/Pipeline: approval action `Nobody` names no approvers: add an `iam::Group` with `ManualApproval::approvers`, so that someone may approve it and nobody else",
            "app/Pipeline: approval action `Quick` times out after 3 minutes: CodePipeline accepts 5 to 86400 minutes (60 days)",
            "app/Pipeline: approval action `Early` names approver group `Foreign`, which is not in stack `app`: add the `iam::Group` to that stack (it has `Approvers`)",
            "app/Pipeline: approval action `Quick` names approver group `Foreign`, which is not in stack `app`: add the `iam::Group` to that stack (it has `Approvers`)",
        ]
    );
}

#[test]
fn a_docker_hub_token_given_as_the_secret_is_an_error_naming_the_project() {
    let mut s = Stack::new("app");
    s.add(Project::new(
        "Publish",
        dockerhub_build_push(DockerHub::new("acme/app", "dckr_pat_0123456789abcdef")),
    ));
    s.add(Project::new(
        "Plain",
        BuildSpec::new().variable("DOCKERHUB_TOKEN", "dckr_pat_0123456789abcdef"),
    ));
    let found = problems(s);
    assert_eq!(
        found,
        [
            "app/Publish: Docker Hub secret `dckr_…` looks like the credential itself, not the name of a Secrets Manager secret: store it in Secrets Manager and pass the secret's name",
            "app/Plain: buildspec variable `DOCKERHUB_TOKEN` looks like a secret: put it under `secrets-manager` or `parameter-store`",
        ]
    );
    assert!(!found.concat().contains("0123456789abcdef"));
}

#[test]
fn two_push_targets_with_one_repository_are_an_error() {
    use pipewright::patterns::build_once::Target;
    let config = pipewright_app::build_once_push_many::config().target(Target::new(
        "Again",
        "acme/web",
        "111111111111",
        "us-east-1",
    ));
    let found = problems(config.stacks().remove(0));
    assert!(
        found.contains(&"build-once-pipeline/Pipeline: push targets `Internal` and `Again` both push to repository `111111111111/us-east-1/acme/web`: give each target its own repository, or remove one".to_owned()),
        "{found:#?}"
    );
}

//! The patterns (`pipewright::patterns`), one test per option of each, the
//! source-credential rule synth applies to every webhook project, and the
//! four patterns built from outside the library by a crate that holds
//! nothing but their configuration.

use pipewright::buildspec::{BuildSpec, Tag};
use pipewright::codebuild::{
    ComputeType, EventAction, FilterGroup, Project, ServerType, Source, SourceCredential,
};
use pipewright::patterns::analysis::Analysis;
use pipewright::patterns::build_once::{Approvers, BuildOnce, Target};
use pipewright::patterns::image_pipeline::{ImagePipeline, Trigger};
use pipewright::patterns::make::MakePipeline;
use pipewright::patterns::registry::Registry;
use pipewright::template::{Expr, json};
use pipewright::{App, Error, Stack};
use serde_json::{Value, json};

const OPS: &str = "111111111111";
const PROD: &str = "333333333333";
const REGION: &str = "us-east-1";

/// The account's GitHub source credential in `account` / `region`.
fn credentials(account: &str, region: &str) -> Stack {
    let mut s = Stack::new(format!("credentials-{account}-{region}"))
        .account(account)
        .region(region);
    s.add(SourceCredential::personal_access_token(
        "GitHubCredential",
        ServerType::GitHub,
        Expr::secret("github/token", "token"),
    ));
    s
}

fn synth(stacks: Vec<Stack>) -> pipewright::app::Assembly {
    let mut app = App::new();
    for s in stacks {
        app.add(s);
    }
    match app.synth() {
        Ok(a) => a,
        Err(Error::Synth(p)) => panic!(
            "{}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
        Err(e) => panic!("{e}"),
    }
}

fn problems(stacks: Vec<Stack>) -> Vec<String> {
    let mut app = App::new();
    for s in stacks {
        app.add(s);
    }
    match app.synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

/// The template of `name` as JSON.
fn template(assembly: &pipewright::app::Assembly, name: &str) -> Value {
    json::to_value(&assembly.get(name).unwrap().template)
}

fn buildspec(t: &Value, project: &str) -> String {
    t["Resources"][project]["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The file `path` synth writes beside `stack`'s template.
fn file<'a>(assembly: &'a pipewright::app::Assembly, stack: &str, path: &str) -> &'a str {
    let artifact = assembly.get(stack).unwrap();
    &artifact
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{stack} writes {path}"))
        .contents
}

fn statements(t: &Value, role: &str) -> Vec<Value> {
    t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn sub(text: &str) -> Value {
    json!({"Fn::Sub": text})
}

// ---------------------------------------------------------------------------
// Image pipeline

#[test]
fn image_pipeline_defaults_connection_inline_small_latest() {
    let a = synth(vec![ImagePipeline::new("images").stack()]);
    let t = template(&a, "images");
    let build = &t["Resources"]["Build"]["Properties"];
    assert_eq!(build["Environment"]["ComputeType"], "BUILD_GENERAL1_SMALL");
    assert!(t["Parameters"]["ConnectionArn"].is_object());
    assert!(t["Parameters"].get("GithubAuthToken").is_none());
    assert!(t.get("Mappings").is_none());
    assert!(
        t["Resources"]["Pipeline"]["Properties"]
            .get("Name")
            .is_none()
    );
    assert_eq!(t["Parameters"]["GithubBranch"]["Default"], "main");
    let spec = buildspec(&t, "Build");
    assert_eq!(
        spec,
        file(&a, "images", "buildspecs/images/docker-build.yml")
    );
    assert!(
        spec.contains(
            r#"docker build --file Dockerfile --tag "$IMAGE_URI" --tag "$REPOSITORY_URI:latest" ."#
        ),
        "{spec}"
    );
    let names: Vec<&Value> = build["Environment"]["EnvironmentVariables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["Name"])
        .collect();
    assert_eq!(names, [&json!("REPOSITORY_URI")]);
    assert_eq!(
        t["Resources"]["Repository"]["Properties"]["ImageTagMutability"],
        "IMMUTABLE_WITH_EXCLUSION"
    );
}

#[test]
fn image_pipeline_github_webhook_source() {
    let a = synth(vec![
        ImagePipeline::new("images")
            .trigger(Trigger::GitHubWebhook)
            .branch("release")
            .stack(),
    ]);
    let t = template(&a, "images");
    assert_eq!(t["Parameters"]["GithubAuthToken"]["NoEcho"], true);
    assert_eq!(t["Parameters"]["GithubWebhookSecret"]["NoEcho"], true);
    assert_eq!(t["Parameters"]["GithubBranch"]["Default"], "release");
    let webhook = t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .find(|r| r["Type"] == "AWS::CodePipeline::Webhook")
        .expect("a webhook");
    assert_eq!(webhook["Properties"]["Authentication"], "GITHUB_HMAC");
    assert!(t["Outputs"]["WebhookUrl"].is_object());
}

#[test]
fn image_pipeline_context_and_dockerfile_of_an_app_directory() {
    let a = synth(vec![
        ImagePipeline::new("images")
            .context("app")
            .dockerfile("app/Dockerfile")
            .stack(),
    ]);
    let spec = buildspec(&template(&a, "images"), "Build");
    assert!(
        spec.contains(r#"docker build --file app/Dockerfile --tag "$IMAGE_URI" --tag "$REPOSITORY_URI:latest" app"#),
        "{spec}"
    );
}

#[test]
fn image_pipeline_buildspec_from_the_repository_with_its_starting_copy() {
    let a = synth(vec![
        ImagePipeline::new("images")
            .buildspec_from_repository("pipeline/buildspec.yml")
            .stack(),
    ]);
    let t = template(&a, "images");
    assert_eq!(
        t["Resources"]["Build"]["Properties"]["Source"]["BuildSpec"],
        "pipeline/buildspec.yml"
    );
    let copy = file(&a, "images", "buildspecs/images/pipeline/buildspec.yml");
    assert!(copy.starts_with("version: 0.2\n"), "{copy}");
    assert!(copy.contains("aws ecr describe-images"), "{copy}");
}

#[test]
fn image_pipeline_compute_type_per_branch_through_a_mapping() {
    let a = synth(vec![
        ImagePipeline::new("images")
            .compute_for_branch("main", ComputeType::Large)
            .compute_for_branch("develop", ComputeType::Small)
            .stack(),
    ]);
    let t = template(&a, "images");
    assert_eq!(
        t["Mappings"]["BranchComputeTypes"],
        json!({
            "main": {"ComputeType": "BUILD_GENERAL1_LARGE"},
            "develop": {"ComputeType": "BUILD_GENERAL1_SMALL"},
        })
    );
    assert_eq!(
        t["Resources"]["Build"]["Properties"]["Environment"]["ComputeType"],
        json!({"Fn::FindInMap": ["BranchComputeTypes", {"Ref": "GithubBranch"}, "ComputeType"]})
    );
    // A branch missing from the table would fail the deploy: refused by
    // the parameter.
    assert_eq!(
        t["Parameters"]["GithubBranch"]["AllowedValues"],
        json!(["main", "develop"])
    );
    // One compute type for every branch when none is listed.
    let a = synth(vec![
        ImagePipeline::new("images")
            .compute(ComputeType::Medium)
            .stack(),
    ]);
    assert_eq!(
        template(&a, "images")["Resources"]["Build"]["Properties"]["Environment"]["ComputeType"],
        "BUILD_GENERAL1_MEDIUM"
    );
}

#[test]
fn a_branch_that_cannot_be_a_mapping_key_is_an_error() {
    assert_eq!(
        problems(vec![
            ImagePipeline::new("images")
                .compute_for_branch("feature/x", ComputeType::Small)
                .stack()
        ]),
        [
            "images/BranchComputeTypes: branch with its own compute type `feature/x` cannot be a mapping key: use letters, digits, `-`, `_` and `.`"
        ]
    );
}

#[test]
fn image_pipeline_name() {
    let a = synth(vec![
        ImagePipeline::new("images")
            .pipeline_name("web-images")
            .stack(),
    ]);
    assert_eq!(
        template(&a, "images")["Resources"]["Pipeline"]["Properties"]["Name"],
        "web-images"
    );
    assert_eq!(
        problems(vec![
            ImagePipeline::new("images")
                .pipeline_name("web images")
                .stack()
        ]),
        [
            "images/Pipeline: pipeline name `web images` is invalid: use 1 to 100 letters, digits, `.`, `@`, `_` and `-`"
        ]
    );
}

#[test]
fn image_pipeline_seed_variables() {
    let a = synth(vec![
        ImagePipeline::new("images")
            .env(OPS, REGION)
            .seed_variables()
            .moving_tag("stable")
            .stack(),
    ]);
    let t = template(&a, "images");
    assert_eq!(
        t["Resources"]["Build"]["Properties"]["Environment"]["EnvironmentVariables"],
        json!([
            {"Name": "REPOSITORY_URI", "Type": "PLAINTEXT", "Value": {"Fn::GetAtt": ["Repository", "RepositoryUri"]}},
            {"Name": "AWS_DEFAULT_REGION", "Type": "PLAINTEXT", "Value": {"Ref": "AWS::Region"}},
            {"Name": "AWS_ACCOUNT_ID", "Type": "PLAINTEXT", "Value": {"Ref": "AWS::AccountId"}},
            {"Name": "AWS_ECR_REPOSITORY_URI", "Type": "PLAINTEXT", "Value": {"Fn::GetAtt": ["Repository", "RepositoryUri"]}},
            {"Name": "IMAGE_REPO_NAME", "Type": "PLAINTEXT", "Value": {"Ref": "Repository"}},
            {"Name": "IMAGE_TAG", "Type": "PLAINTEXT", "Value": "stable"},
        ])
    );
}

#[test]
fn image_pipeline_without_a_moving_tag_keeps_every_tag_immutable() {
    let a = synth(vec![ImagePipeline::new("images").no_moving_tag().stack()]);
    let t = template(&a, "images");
    assert_eq!(
        t["Resources"]["Repository"]["Properties"]["ImageTagMutability"],
        "IMMUTABLE"
    );
    let spec = buildspec(&t, "Build");
    assert!(!spec.contains("latest"), "{spec}");
}

#[test]
fn a_rerun_of_a_commit_already_pushed_is_skipped_and_said() {
    let a = synth(vec![ImagePipeline::new("images").stack()]);
    let t = template(&a, "images");
    let spec = buildspec(&t, "Build");
    assert!(
        spec.contains(
            "if aws ecr describe-images --registry-id \"$(printf '%s' \"${REPOSITORY_URI%%/*}\" | cut -d . -f 1)\" --region \"$(printf '%s' \"${REPOSITORY_URI%%/*}\" | cut -d . -f 4)\" --repository-name \"${REPOSITORY_URI#*/}\" --image-ids \"imageTag=$IMAGE_TAG\" > /dev/null 2>&1; then\n"
        ),
        "{spec}"
    );
    assert!(
        spec.contains(
            "echo \"the image $IMAGE_TAG is already in $REPOSITORY_URI, not pushing it again\""
        ),
        "{spec}"
    );
    // Image metadata of that repository only.
    let describe: Vec<Value> = statements(&t, "BuildRole")
        .into_iter()
        .filter(|s| s["Action"].to_string().contains("ecr:DescribeImages"))
        .collect();
    assert_eq!(describe.len(), 1);
    assert_eq!(
        describe[0]["Resource"],
        json!([{"Fn::GetAtt": ["Repository", "Arn"]}])
    );
}

// ---------------------------------------------------------------------------
// Build once, push many

fn build_once() -> BuildOnce {
    BuildOnce::new("ship", OPS, REGION, "acme/web")
        .target(Target::new("Internal", "acme/web", OPS, REGION))
        .target(
            Target::new("Mirror", "acme/web", OPS, "eu-central-1")
                .tags([Tag::BuildNumber, Tag::Moving("latest".into())]),
        )
        .target(
            Target::new("Production", "acme/web", PROD, "eu-west-1")
                .tags([Tag::GitCommit])
                .after_approval(),
        )
}

#[test]
fn build_once_targets_in_any_account_and_region() {
    let stacks = build_once().stacks();
    let names: Vec<(&str, Option<&str>, Option<&str>)> = stacks
        .iter()
        .map(|s| {
            (
                s.name(),
                s.env().account.as_deref(),
                s.env().region.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("ship-pipeline", Some(OPS), Some(REGION)),
            ("ship-mirror", Some(OPS), Some("eu-central-1")),
            ("ship-production", Some(PROD), Some("eu-west-1")),
        ]
    );
    let a = synth(stacks);
    let t = template(&a, "ship-pipeline");
    // Each push project names its target's URI in its own region.
    let uri = |p: &str| {
        t["Resources"][p]["Properties"]["Environment"]["EnvironmentVariables"][0]["Value"].clone()
    };
    assert_eq!(
        uri("PushMirror"),
        sub("111111111111.dkr.ecr.eu-central-1.${AWS::URLSuffix}/acme/web")
    );
    assert_eq!(
        uri("PushProduction"),
        sub("333333333333.dkr.ecr.eu-west-1.${AWS::URLSuffix}/acme/web")
    );
    // Same account, other region: the role pushes to that one repository.
    assert!(statements(&t, "PushMirrorRole").contains(&json!({
        "Effect": "Allow",
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:CompleteLayerUpload", "ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
        "Resource": [sub("arn:${AWS::Partition}:ecr:eu-central-1:111111111111:repository/acme/web")],
    })));
    // Another account: only assume that account's push role, which
    // trusts exactly this project's role.
    let production = statements(&t, "PushProductionRole");
    assert!(!json!(production).to_string().contains("ecr:"));
    let p = template(&a, "ship-production");
    assert_eq!(
        p["Resources"]["PushRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"],
        json!({"ArnEquals": {"aws:PrincipalArn": sub("arn:${AWS::Partition}:iam::111111111111:role/ship-push-production-builder")}})
    );
    assert!(
        template(&a, "ship-mirror")["Resources"]
            .get("PushRole")
            .is_none()
    );
}

#[test]
fn build_once_pre_build_commands_run_before_the_image() {
    let a = synth(build_once().pre_build(["make bin_linux/my_app"]).stacks());
    let spec = buildspec(&template(&a, "ship-pipeline"), "Build");
    let make = spec.find("- make bin_linux/my_app").expect(&spec);
    let docker = spec.find("docker build").unwrap();
    assert!(make < docker, "{spec}");
}

#[test]
fn build_once_tag_conventions_per_target() {
    let a = synth(build_once().stacks());
    let t = template(&a, "ship-pipeline");
    let internal = buildspec(&t, "PushInternal");
    assert!(
        internal.contains(r#"docker push "$TARGET_URI:$IMAGE_TAG""#),
        "{internal}"
    );
    let mirror = buildspec(&t, "PushMirror");
    assert!(
        mirror.contains(
            "            docker push \"$TARGET_URI:$BUILD_NUMBER\" &&\n            docker push \"$TARGET_URI:latest\"\n"
        ),
        "{mirror}"
    );
    let production = buildspec(&t, "PushProduction");
    assert!(
        production.contains(r#"docker push "$TARGET_URI:git-commit-$COMMIT_ID""#),
        "{production}"
    );
    // The build exports what the tags are made of.
    let build = buildspec(&t, "Build");
    assert!(
        build.contains(
            "exported-variables:\n    - IMAGE_TAG\n    - COMMIT_ID\n    - BUILD_NUMBER\n"
        ),
        "{build}"
    );
    // A moving tag is excluded from its repository's immutability.
    let mirror_repo = &template(&a, "ship-mirror")["Resources"]["Repository"]["Properties"];
    assert_eq!(
        mirror_repo["ImageTagMutability"],
        "IMMUTABLE_WITH_EXCLUSION"
    );
    assert_eq!(
        t["Resources"]["InternalRepository"]["Properties"]["ImageTagMutability"],
        "IMMUTABLE"
    );
}

#[test]
fn build_once_reruns_skip_a_commit_already_in_the_registry() {
    let a = synth(build_once().stacks());
    let t = template(&a, "ship-pipeline");
    let production = buildspec(&t, "PushProduction");
    // Asked in the registry's own account and region, with the pushing
    // role's credentials.
    let assume = production.find("aws sts assume-role").unwrap();
    let describe = production
        .find("aws ecr describe-images --registry-id")
        .unwrap();
    assert!(assume < describe, "{production}");
    assert!(
        production.contains(r#"PUSH_TAG="git-commit-$COMMIT_ID""#),
        "{production}"
    );
    assert!(
        production.contains(
            "echo \"the image $PUSH_TAG is already in $TARGET_URI, not pushing it again\""
        ),
        "{production}"
    );
    let p = template(&a, "ship-production");
    assert!(statements(&p, "PushRole").contains(&json!({
        "Effect": "Allow",
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:CompleteLayerUpload", "ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
        "Resource": [{"Fn::GetAtt": ["Repository", "Arn"]}],
    })));
}

#[test]
fn build_once_approval_by_a_group() {
    let a = synth(build_once().stacks());
    let t = template(&a, "ship-pipeline");
    assert_eq!(t["Resources"]["Approvers"]["Type"], "AWS::IAM::Group");
    assert_eq!(
        t["Resources"]["Approvers"]["Properties"]["GroupName"],
        "ship-approvers"
    );
    assert!(
        json!(statements(&t, "Approvers"))
            .to_string()
            .contains("codepipeline:PutApprovalResult")
    );
    let stages: Vec<&str> = t["Resources"]["Pipeline"]["Properties"]["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["Source", "Build", "PushNonProd", "ApproveProd", "PushProd"]
    );
}

#[test]
fn build_once_approval_by_an_identity_center_role() {
    let pattern = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_ReleaseApprovers_*";
    let a = synth(
        build_once()
            .approvers(Approvers::Role {
                name: "ship-release-approver".into(),
                pattern: pattern.into(),
            })
            .stacks(),
    );
    let t = template(&a, "ship-pipeline");
    let role = &t["Resources"]["Approvers"];
    assert_eq!(role["Type"], "AWS::IAM::Role");
    assert_eq!(role["Properties"]["RoleName"], "ship-release-approver");
    assert_eq!(
        role["Properties"]["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::111111111111:root")},
            "Action": ["sts:AssumeRole"],
            "Condition": {"ArnLike": {"aws:PrincipalArn": pattern}},
        }])
    );
    let pipeline =
        "arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}";
    assert!(statements(&t, "Approvers").contains(&json!({
        "Effect": "Allow",
        "Action": ["codepipeline:PutApprovalResult"],
        "Resource": [sub(&format!("{pipeline}/ApproveProd/ApproveProd"))],
    })));
    // Nobody else may approve.
    let body = &a.get("ship-pipeline").unwrap().body;
    assert_eq!(body.matches("codepipeline:PutApprovalResult").count(), 1);
}

#[test]
fn an_approver_pattern_that_is_not_a_role_of_the_account_is_an_error() {
    // Every pattern that matches all roles of the account, however spelled.
    for every in ["role/*", "role/**", "role/*/*", "role/?*", "role/"] {
        let pattern = format!("arn:aws:iam::111111111111:{every}");
        let found = problems(
            build_once()
                .approvers(Approvers::Role {
                    name: "approver".into(),
                    pattern: pattern.clone(),
                })
                .stacks(),
        );
        assert_eq!(
            found,
            [format!(
                "ship-pipeline/Approvers: role `Approvers` trusts `{pattern}`, which is not a pattern of role ARNs of its account: name the roles, e.g. `arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Approvers_*`"
            )]
        );
    }
}

#[test]
fn build_once_encrypted_notification_topic() {
    let a = synth(
        build_once()
            .email("release@example.com")
            .approval_timeout_minutes(60)
            .stacks(),
    );
    let t = template(&a, "ship-pipeline");
    assert_eq!(
        t["Resources"]["ApprovalTopic"]["Properties"]["KmsMasterKeyId"],
        json!({"Fn::GetAtt": ["NotificationKey", "Arn"]})
    );
    assert_eq!(
        t["Resources"]["ApprovalTopicSubscription1"]["Properties"]["Endpoint"],
        "release@example.com"
    );
    let approval = &t["Resources"]["Pipeline"]["Properties"]["Stages"][3]["Actions"][0];
    assert_eq!(approval["TimeoutInMinutes"], 60);
    assert_eq!(
        approval["Configuration"]["CustomData"],
        "Push image #{BuildVariables.IMAGE_TAG} of commit #{SourceVariables.CommitId} to Production?"
    );
    // No target waits: no approval, no topic.
    let a = synth(
        BuildOnce::new("ship", OPS, REGION, "acme/web")
            .target(Target::new("Internal", "acme/web", OPS, REGION))
            .stacks(),
    );
    let t = template(&a, "ship-pipeline");
    assert!(t["Resources"].get("ApprovalTopic").is_none());
    assert!(t["Resources"].get("Approvers").is_none());
}

#[test]
fn build_once_without_targets_or_tags_is_an_error() {
    let found = problems(BuildOnce::new("ship", OPS, REGION, "acme/web").stacks());
    assert!(
        found.contains(
            &"ship-pipeline/Pipeline: pushes the image nowhere: add a registry with `BuildOnce::target`"
                .to_owned()
        ),
        "{found:#?}"
    );
    let found = problems(
        BuildOnce::new("ship", OPS, REGION, "acme/web")
            .target(Target::new("Internal", "acme/web", OPS, REGION).tags([]))
            .stacks(),
    );
    assert!(
        found.contains(
            &"ship-pipeline/PushInternal: pushes no tag: push at least one, e.g. `Tag::Commit`"
                .to_owned()
        ),
        "{found:#?}"
    );
}

// ---------------------------------------------------------------------------
// Analysis, then image

fn analysis(registry: Registry) -> Analysis {
    Analysis::new("lint", "acme/app", registry).env(OPS, REGION)
}

#[test]
fn analysis_runs_on_feature_branches_and_pull_requests_image_on_main() {
    let a = synth(vec![
        analysis(Registry::docker_hub("acme/app", "hub/creds")).stack(),
        credentials(OPS, REGION),
    ]);
    let t = template(&a, "lint");
    let feature = &t["Resources"]["FeatureAnalysis"]["Properties"];
    assert_eq!(
        feature["Triggers"]["FilterGroups"],
        json!([
            [
                {"Type": "EVENT", "Pattern": "PUSH"},
                {"Type": "HEAD_REF", "Pattern": "^refs/heads/"},
                {"Type": "HEAD_REF", "Pattern": "^refs/heads/main$", "ExcludeMatchedPattern": true},
            ],
            [{"Type": "EVENT", "Pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"}],
        ])
    );
    assert!(buildspec(&t, "FeatureAnalysis").contains("- make lint\n"));
    // The pipeline is started by main only, and analyses before the image.
    let p = &t["Resources"]["Pipeline"]["Properties"];
    assert_eq!(
        p["Triggers"][0]["GitConfiguration"]["Push"],
        json!([{"Branches": {"Includes": ["main"]}}])
    );
    let stages: Vec<&str> = p["Stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["Source", "Analyze", "Image"]);
    assert_eq!(
        a.get("lint").unwrap().dependencies,
        ["credentials-111111111111-us-east-1"]
    );
    // Main only, when asked.
    let a = synth(vec![
        analysis(Registry::docker_hub("acme/app", "hub/creds"))
            .without_feature_branches()
            .stack(),
    ]);
    assert!(
        template(&a, "lint")["Resources"]
            .get("FeatureAnalysis")
            .is_none()
    );
}

#[test]
fn analysis_to_docker_hub_with_secrets_manager_credentials_latest_and_commit() {
    let a = synth(vec![
        analysis(Registry::docker_hub("acme/app", "hub/creds")).stack(),
        credentials(OPS, REGION),
    ]);
    let t = template(&a, "lint");
    let spec = buildspec(&t, "Image");
    assert!(
        spec.contains("secrets-manager:\n    DOCKERHUB_USERNAME: hub/creds:username\n    DOCKERHUB_TOKEN: hub/creds:token\n"),
        "{spec}"
    );
    assert!(
        spec.contains(r#"docker push "$DOCKERHUB_REPOSITORY:$IMAGE_TAG" &&"#)
            && spec.contains(r#"docker push "$DOCKERHUB_REPOSITORY:latest""#),
        "{spec}"
    );
    assert!(statements(&t, "ImageRole").contains(&json!({
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": [sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:hub/creds-??????")],
    })));
    assert!(
        !json!(statements(&t, "AnalyzeRole"))
            .to_string()
            .contains("secretsmanager")
    );
}

#[test]
fn analysis_to_ecr() {
    let a = synth(vec![
        analysis(Registry::ecr("acme/app")).stack(),
        credentials(OPS, REGION),
    ]);
    let t = template(&a, "lint");
    let repo = &t["Resources"]["Repository"]["Properties"];
    assert_eq!(repo["RepositoryName"], "acme/app");
    assert_eq!(repo["ImageTagMutability"], "IMMUTABLE_WITH_EXCLUSION");
    let spec = buildspec(&t, "Image");
    assert!(
        spec.contains(r#"docker push "$REPOSITORY_URI:latest""#),
        "{spec}"
    );
    assert!(spec.contains("aws ecr describe-images"), "{spec}");
    assert!(!spec.contains("DOCKERHUB"), "{spec}");
}

#[test]
fn analysis_build_command_override() {
    let a = synth(vec![
        analysis(Registry::docker_hub("acme/app", "hub/creds"))
            .build_command("cd app && make docker_build")
            .stack(),
        credentials(OPS, REGION),
    ]);
    let spec = buildspec(&template(&a, "lint"), "Image");
    assert!(
        spec.contains(r#"export IMAGE="$DOCKERHUB_REPOSITORY:$IMAGE_TAG""#),
        "{spec}"
    );
    assert!(
        spec.contains("build:\n    commands:\n      - cd app && make docker_build\n      - docker tag \"$IMAGE\" \"$DOCKERHUB_REPOSITORY:latest\"\n"),
        "{spec}"
    );
    assert!(!spec.contains("docker build"), "{spec}");
    // The same for ECR.
    let a = synth(vec![
        analysis(Registry::ecr("acme/app"))
            .build_command("cd app && make docker_build")
            .without_feature_branches()
            .stack(),
    ]);
    let spec = buildspec(&template(&a, "lint"), "Image");
    assert!(
        spec.contains("      - cd app && make docker_build\n      - docker tag \"$IMAGE\" \"$REPOSITORY_URI:latest\"\n"),
        "{spec}"
    );
}

#[test]
fn analysis_commands_and_report() {
    let a = synth(vec![
        analysis(Registry::ecr("acme/app"))
            .analysis(["make vet", "make staticcheck"])
            .report("reports/lint.xml")
            .without_feature_branches()
            .stack(),
    ]);
    let t = template(&a, "lint");
    let spec = buildspec(&t, "Analyze");
    assert!(
        spec.contains("      - make vet\n      - make staticcheck\n"),
        "{spec}"
    );
    assert!(spec.contains("reports:\n  static-analysis:"), "{spec}");
    assert!(t["Resources"]["AnalyzeStaticAnalysisReports"].is_object());
}

// ---------------------------------------------------------------------------
// make pipeline

#[test]
fn make_targets_and_variable_names_are_the_makefiles() {
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .targets("image", "check", "release")
            .image_variable("DOCKER_IMAGE")
            .tags_variable("RELEASE_TAGS")
            .build_number_variable("BUILD_NUM")
            .repository_variable("REGISTRY")
            .without_pull_requests()
            .stack(),
    ]);
    let t = template(&a, "mk");
    let build = buildspec(&t, "Build");
    assert!(build.contains("- make image\n"), "{build}");
    assert!(
        build.contains(r#"export DOCKER_IMAGE="pipewright-image:$IMAGE_TAG""#),
        "{build}"
    );
    assert!(
        build.contains(r#"export BUILD_NUM="$CODEBUILD_BUILD_NUMBER""#),
        "{build}"
    );
    assert!(
        build.contains("exported-variables:\n    - IMAGE_TAG\n    - BUILD_NUM\n"),
        "{build}"
    );
    assert!(buildspec(&t, "Test").contains("- make check\n"));
    let deploy = buildspec(&t, "Deploy");
    assert!(
        deploy.contains(r#"export RELEASE_TAGS="latest $BUILD_NUM $IMAGE_TAG""#),
        "{deploy}"
    );
    assert!(deploy.contains("    make release\n"), "{deploy}");
    assert_eq!(
        t["Resources"]["Deploy"]["Properties"]["Environment"]["EnvironmentVariables"][0]["Name"],
        "REGISTRY"
    );
    let deploy_action = &t["Resources"]["Pipeline"]["Properties"]["Stages"][3]["Actions"][0];
    assert!(
        deploy_action["Configuration"]["EnvironmentVariables"]
            .as_str()
            .unwrap()
            .contains(
                r##"{"name":"BUILD_NUM","value":"#{BuildVariables.BUILD_NUM}","type":"PLAINTEXT"}"##
            )
    );
}

#[test]
fn make_install_packages() {
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .packages(["httpie", "jq"])
            .without_pull_requests()
            .stack(),
    ]);
    let t = template(&a, "mk");
    for id in ["Build", "Test", "Deploy"] {
        assert!(
            buildspec(&t, id).contains("install:\n    commands:\n      - apt-get update && apt-get install -y --no-install-recommends httpie jq\n"),
            "{id}"
        );
    }
    // None by default.
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .without_pull_requests()
            .stack(),
    ]);
    assert!(!buildspec(&template(&a, "mk"), "Build").contains("install:"));
}

#[test]
fn make_deploy_to_ecr_skips_a_commit_already_deployed() {
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .without_pull_requests()
            .stack(),
    ]);
    let t = template(&a, "mk");
    let deploy = buildspec(&t, "Deploy");
    assert!(
        deploy.contains("--password-stdin \"${REPOSITORY_URI%%/*}\""),
        "{deploy}"
    );
    assert!(deploy.contains("aws ecr describe-images"), "{deploy}");
    assert!(statements(&t, "DeployRole").contains(&json!({
        "Effect": "Allow",
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:CompleteLayerUpload", "ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
        "Resource": [{"Fn::GetAtt": ["Repository", "Arn"]}],
    })));
}

#[test]
fn make_deploy_to_docker_hub() {
    let a = synth(vec![
        MakePipeline::new(
            "mk",
            "acme/app",
            Registry::docker_hub("acme/app", "hub/creds"),
        )
        .without_pull_requests()
        .stack(),
    ]);
    let t = template(&a, "mk");
    assert!(t["Resources"].get("Repository").is_none());
    let deploy = buildspec(&t, "Deploy");
    assert!(deploy.contains("--password-stdin docker.io"), "{deploy}");
    assert!(
        deploy.contains("DOCKERHUB_TOKEN: hub/creds:token"),
        "{deploy}"
    );
    assert_eq!(
        t["Resources"]["Deploy"]["Properties"]["Environment"]["EnvironmentVariables"],
        json!([{"Name": "REPOSITORY_URI", "Type": "PLAINTEXT", "Value": "acme/app"}])
    );
}

#[test]
fn make_docker_layer_cache_on_every_docker_project_by_default() {
    let cache = json!({"Type": "LOCAL", "Modes": ["LOCAL_DOCKER_LAYER_CACHE"]});
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .without_pull_requests()
            .stack(),
    ]);
    let t = template(&a, "mk");
    for id in ["Build", "Test", "Deploy"] {
        assert_eq!(t["Resources"][id]["Properties"]["Cache"], cache, "{id}");
    }
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .without_pull_requests()
            .without_layer_cache()
            .stack(),
    ]);
    let t = template(&a, "mk");
    for id in ["Build", "Test", "Deploy"] {
        assert!(
            t["Resources"][id]["Properties"].get("Cache").is_none(),
            "{id}"
        );
    }
}

#[test]
fn make_pull_requests_build_and_test_without_registry_access() {
    let a = synth(vec![
        MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
            .env(OPS, REGION)
            .branch("trunk")
            .stack(),
        credentials(OPS, REGION),
    ]);
    let t = template(&a, "mk");
    let pr = &t["Resources"]["PullRequests"]["Properties"];
    assert_eq!(
        pr["Triggers"]["FilterGroups"][0][1]["Pattern"],
        "^refs/heads/trunk$"
    );
    assert!(buildspec(&t, "PullRequests").contains("- make build\n      - make test\n"));
    assert!(
        !json!(statements(&t, "PullRequestsRole"))
            .to_string()
            .contains("ecr:")
    );
}

// ---------------------------------------------------------------------------
// Source credentials

fn webhook_project(id: &str, source: Source) -> Project {
    Project::new(id, BuildSpec::new().build(["make test"]))
        .source(source)
        .webhook(vec![
            FilterGroup::in_event_of(EventAction::PULL_REQUEST).base_branch("main"),
        ])
}

fn github() -> Source {
    Source::GitHub {
        location: "https://github.com/acme/app.git".into(),
    }
}

fn pull_requests(account: &str, region: &str) -> Stack {
    let mut s = Stack::new("prs").account(account).region(region);
    s.add(webhook_project("PullRequests", github()));
    s
}

#[test]
fn a_webhook_project_without_its_accounts_source_credential_is_refused() {
    assert_eq!(
        problems(vec![pull_requests(OPS, REGION)]),
        [
            "prs/PullRequests: project `PullRequests` of stack `prs` is started by a GITHUB webhook, but no stack in account 111111111111, region us-east-1 provides a GITHUB source credential: add a `codebuild::SourceCredential` for GITHUB to a stack of account 111111111111, region us-east-1, or give the project a connection with `Project::source_connection`"
        ]
    );
}

#[test]
fn a_credential_of_another_account_or_region_does_not_count() {
    let expected = [
        "prs/PullRequests: project `PullRequests` of stack `prs` is started by a GITHUB webhook, but no stack in account 111111111111, region us-east-1 provides a GITHUB source credential: add a `codebuild::SourceCredential` for GITHUB to a stack of account 111111111111, region us-east-1, or give the project a connection with `Project::source_connection`",
    ];
    assert_eq!(
        problems(vec![
            pull_requests(OPS, REGION),
            credentials(OPS, "eu-west-1")
        ]),
        expected
    );
    assert_eq!(
        problems(vec![pull_requests(OPS, REGION), credentials(PROD, REGION)]),
        expected
    );
}

#[test]
fn a_bitbucket_webhook_needs_a_bitbucket_credential() {
    let mut s = Stack::new("prs").account(OPS).region(REGION);
    s.add(webhook_project(
        "Bitbucket",
        Source::Bitbucket {
            location: "https://bitbucket.org/acme/app.git".into(),
        },
    ));
    assert_eq!(
        problems(vec![s.clone(), credentials(OPS, REGION)]),
        [
            "prs/Bitbucket: project `Bitbucket` of stack `prs` is started by a BITBUCKET webhook, but no stack in account 111111111111, region us-east-1 provides a BITBUCKET source credential: add a `codebuild::SourceCredential` for BITBUCKET to a stack of account 111111111111, region us-east-1, or give the project a connection with `Project::source_connection`"
        ]
    );
    let mut bitbucket = Stack::new("bitbucket").account(OPS).region(REGION);
    bitbucket.add(SourceCredential::personal_access_token(
        "BitbucketCredential",
        ServerType::Bitbucket,
        Expr::secret("bitbucket/token", "token"),
    ));
    let a = synth(vec![s, bitbucket]);
    assert_eq!(
        template(&a, "prs")["Resources"]["Bitbucket"]["Properties"]["Source"]["Type"],
        "BITBUCKET"
    );
}

#[test]
fn the_stack_providing_the_credential_is_deployed_first() {
    let a = synth(vec![pull_requests(OPS, REGION), credentials(OPS, REGION)]);
    let names: Vec<&str> = a.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["credentials-111111111111-us-east-1", "prs"]);
    assert_eq!(
        a.get("prs").unwrap().dependencies,
        ["credentials-111111111111-us-east-1"]
    );
    // A credential of the project's own stack needs no other stack.
    let mut own = pull_requests(OPS, REGION);
    own.add(SourceCredential::personal_access_token(
        "GitHubCredential",
        ServerType::GitHub,
        Expr::secret("github/token", "token"),
    ));
    assert!(synth(vec![own]).get("prs").unwrap().dependencies.is_empty());
}

#[test]
fn a_project_with_its_own_connection_needs_no_credential() {
    let connection = "arn:aws:codeconnections:us-east-1:111111111111:connection/0123abcd-0000-0000-0000-000000000000";
    let mut s = Stack::new("prs").account(OPS).region(REGION);
    s.add(webhook_project("PullRequests", github()).source_connection(connection));
    let a = synth(vec![s]);
    let t = template(&a, "prs");
    assert_eq!(
        t["Resources"]["PullRequests"]["Properties"]["Source"]["Auth"],
        json!({"Type": "CODECONNECTIONS", "Resource": connection})
    );
    assert!(statements(&t, "PullRequestsRole").contains(&json!({
        "Effect": "Allow",
        "Action": ["codeconnections:GetConnectionToken", "codeconnections:UseConnection"],
        "Resource": [connection],
    })));
}

#[test]
fn a_project_started_by_its_pipeline_needs_no_credential() {
    let mut s = Stack::new("plain").account(OPS).region(REGION);
    s.add(Project::new("Build", BuildSpec::new().build(["make"])).source(github()));
    assert!(synth(vec![s]).get("plain").unwrap().dependencies.is_empty());
}

// ---------------------------------------------------------------------------
// From outside the library

#[test]
fn a_team_crate_builds_the_four_patterns_from_their_configuration() {
    use crate::new_app::{cargo, readme_main, rust_block_after, write_crate};
    let readme = std::fs::read_to_string(crate::support::repo().join("README.md")).unwrap();
    let lib = rust_block_after(
        &readme,
        "`src/lib.rs` of a team that uses the four patterns",
    );
    // Configuration only: no resource is constructed by hand.
    assert!(
        !lib.contains("Project::new") && !lib.contains("Stage::new"),
        "{lib}"
    );
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("acme-patterns");
    write_crate(&krate, "acme-patterns", false, &lib, &readme_main());
    let out = cargo(&krate, &["run", "--offline", "--quiet", "--", "synth"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "cargo run -- synth:\n{stderr}");
    let read = |path: &str| {
        std::fs::read_to_string(krate.join(path))
            .unwrap_or_else(|e| panic!("{path} was written ({e}):\n{stderr}"))
    };
    assert!(read("stacks/web-images.yaml").contains("BuildSpec: pipeline/buildspec.yml"));
    assert!(read("buildspecs/web-images/pipeline/buildspec.yml").contains("app/Dockerfile"));
    assert!(read("stacks/web-lint.yaml").contains("FeatureAnalysis:"));
    assert!(read("stacks/web-make.yaml").contains("LOCAL_DOCKER_LAYER_CACHE"));
    assert!(read("stacks/web-ship-pipeline.yaml").contains("ApproveProd"));
    assert!(read("stacks/web-ship-production.yaml").contains("PushRole:"));
    assert!(
        stderr.contains("synthesized 6 stacks"),
        "synth reports what it wrote:\n{stderr}"
    );
}

// ---------------------------------------------------------------------------
// Every variant is cfn-lint clean and deterministic

/// The variants the app does not use: ECR targets, an approver role, a
/// target in another region of the operations account, a Bitbucket
/// webhook and a project with its own connection.
fn variants() -> Vec<Stack> {
    let mut stacks = vec![
        ImagePipeline::new("v-images")
            .no_moving_tag()
            .compute(ComputeType::Large)
            .stack(),
        analysis(Registry::ecr("acme/lint"))
            .feature_connection(
                "arn:aws:codeconnections:us-east-1:111111111111:connection/0123abcd-0000-0000-0000-000000000000",
            )
            .build_command("cd app && make docker_build")
            .stack(),
        MakePipeline::new("v-make", "acme/app", Registry::ecr("acme/make"))
            .env(OPS, REGION)
            .packages(["jq"])
            .stack(),
        credentials(OPS, REGION),
    ];
    stacks.extend(
        build_once()
            .approvers(Approvers::Role {
                name: "ship-approver".into(),
                pattern: "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Release_*".into(),
            })
            .stacks(),
    );
    let mut bitbucket = Stack::new("v-bitbucket").account(OPS).region(REGION);
    bitbucket.add(SourceCredential::personal_access_token(
        "BitbucketCredential",
        ServerType::Bitbucket,
        Expr::secret("bitbucket/token", "token"),
    ));
    bitbucket.add(webhook_project(
        "Bitbucket",
        Source::Bitbucket {
            location: "https://bitbucket.org/acme/app.git".into(),
        },
    ));
    stacks.push(bitbucket);
    stacks
}

#[test]
fn cfn_lint_reports_nothing_on_the_pattern_variants() {
    let a = synth(variants());
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for s in &a.stacks {
        let path = dir.path().join(format!("{}.yaml", s.name));
        std::fs::write(&path, &s.body).unwrap();
        paths.push(path.to_string_lossy().into_owned());
    }
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let out = crate::support::tool("cfn-lint", &args);
    let (stdout, stderr) = crate::support::text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "cfn-lint found problems:\n{stdout}{stderr}"
    );
    assert_eq!(stdout, "", "cfn-lint printed findings");
}

#[test]
fn the_patterns_synthesize_byte_for_byte_the_same_twice() {
    let first = synth(variants());
    let second = synth(variants());
    let files = |a: &pipewright::app::Assembly| -> Vec<(String, String)> {
        a.files()
            .into_iter()
            .map(|(p, c)| (p, c.to_owned()))
            .collect()
    };
    assert_eq!(files(&first), files(&second));
    let hashes: Vec<&str> = first.stacks.iter().map(|s| s.hash.as_str()).collect();
    let again: Vec<&str> = second.stacks.iter().map(|s| s.hash.as_str()).collect();
    assert_eq!(hashes, again);
}

#[test]
fn a_makefile_variable_the_shell_cannot_export_is_an_error() {
    assert_eq!(
        problems(vec![
            MakePipeline::new("mk", "acme/app", Registry::ecr("acme/app"))
                .build_number_variable("BUILD-NUM")
                .without_pull_requests()
                .stack()
        ]),
        [
            "mk/Pipeline: Makefile variable `BUILD-NUM` is not a shell variable name: use letters, digits and `_`, not starting with a digit"
        ]
    );
}

#[test]
fn a_second_credential_for_one_host_account_and_region_is_an_error() {
    let mut again = Stack::new("again").account(OPS).region(REGION);
    again.add(SourceCredential::personal_access_token(
        "Token",
        ServerType::GitHub,
        Expr::secret("github/other", "token"),
    ));
    assert_eq!(
        problems(vec![credentials(OPS, REGION), again.clone()]),
        [
            "again/Token: `again/Token` is a second GITHUB source credential in account 111111111111, region us-east-1, after `credentials-111111111111-us-east-1/GitHubCredential`: CodeBuild keeps one per host, so one would replace the other; keep one and let every project of account 111111111111, region us-east-1 use it"
        ]
    );
    // Another region holds its own.
    synth(vec![
        credentials(OPS, REGION),
        credentials(OPS, "eu-west-1"),
    ]);
}

#[test]
fn analysis_pull_requests_of_chosen_authors_only() {
    let a = synth(vec![
        analysis(Registry::ecr("acme/app"))
            .pull_request_actors("^(1234|5678)$")
            .stack(),
        credentials(OPS, REGION),
    ]);
    assert_eq!(
        template(&a, "lint")["Resources"]["FeatureAnalysis"]["Properties"]["Triggers"]["FilterGroups"]
            [1],
        json!([
            {"Type": "EVENT", "Pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"},
            {"Type": "ACTOR_ACCOUNT_ID", "Pattern": "^(1234|5678)$"},
        ])
    );
}

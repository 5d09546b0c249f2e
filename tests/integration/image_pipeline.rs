//! The `image-pipeline` stacks: structure, the webhook, the stages, every
//! IAM statement, and the SECURITY.md items for S3, ECR, IAM, CodeBuild and
//! webhooks; and the builder errors of the constructs behind them.

use pipewright::buildspec::BuildSpec;
use pipewright::codebuild::Project;
use pipewright::codepipeline::{Action, Artifact, GitHubSource, Pipeline, Stage};
use pipewright::template::{Expr, Policy, Template};
use pipewright::{App, Error, Stack, ecr, s3};
use std::collections::BTreeMap;

fn template(name: &str) -> Template {
    pipewright_app::app()
        .synth()
        .unwrap()
        .get(name)
        .unwrap()
        .template
        .clone()
}

fn at<'a>(e: &'a Expr, path: &str) -> &'a Expr {
    e.at(path).unwrap_or_else(|| panic!("no `{path}` in {e:?}"))
}

fn props(t: &Template, id: &str) -> Expr {
    Expr::Map(t.resources[id].properties.clone())
}

#[test]
fn resource_types_and_counts() {
    let t = template("image-pipeline");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in t.resources.values() {
        *counts.entry(r.kind.as_str()).or_default() += 1;
    }
    assert_eq!(
        counts,
        BTreeMap::from([
            ("AWS::CodeBuild::Project", 1),
            ("AWS::CodePipeline::Pipeline", 1),
            ("AWS::CodePipeline::Webhook", 1),
            ("AWS::ECR::Repository", 1),
            ("AWS::IAM::Role", 2),
            ("AWS::S3::Bucket", 1),
            ("AWS::S3::BucketPolicy", 1),
        ])
    );
    let outputs: Vec<&str> = t.outputs.keys().map(|k| k.as_str()).collect();
    assert_eq!(outputs, ["RepositoryUri", "PipelineName", "WebhookUrl"]);
    assert_eq!(
        t.outputs["WebhookUrl"].value,
        Expr::get_att("PipelineWebhook", "Url")
    );
    let params: Vec<&str> = t.parameters.keys().map(|k| k.as_str()).collect();
    assert_eq!(
        params,
        [
            "GithubAccount",
            "GithubRepository",
            "GithubBranch",
            "GithubAuthToken",
            "GithubWebhookSecret"
        ]
    );
}

#[test]
fn webhook_authenticates_with_its_own_secret_and_filters_the_branch() {
    let t = template("image-pipeline");
    let hook = props(&t, "PipelineWebhook");
    assert_eq!(at(&hook, "Authentication"), &"GITHUB_HMAC".into());
    let secret = at(&hook, "AuthenticationConfiguration.SecretToken");
    assert_eq!(secret, &Expr::reference("GithubWebhookSecret"));
    let oauth = at(
        &props(&t, "Pipeline"),
        "Stages.0.Actions.0.Configuration.OAuthToken",
    )
    .clone();
    assert_eq!(oauth, Expr::reference("GithubAuthToken"));
    assert_ne!(secret, &oauth);
    for p in ["GithubWebhookSecret", "GithubAuthToken"] {
        assert!(t.parameters[p].no_echo, "{p} is NoEcho");
        assert_eq!(t.parameters[p].default, None, "{p} has no default");
    }
    assert_eq!(at(&hook, "Filters.0.JsonPath"), &"$.ref".into());
    assert_eq!(
        at(&hook, "Filters.0.MatchEquals"),
        &"refs/heads/{Branch}".into()
    );
    assert_eq!(
        at(
            &props(&t, "Pipeline"),
            "Stages.0.Actions.0.Configuration.Branch"
        ),
        &Expr::reference("GithubBranch")
    );
    assert_eq!(at(&hook, "TargetPipeline"), &Expr::reference("Pipeline"));
    assert_eq!(at(&hook, "TargetAction"), &"Source".into());
    assert_eq!(at(&hook, "TargetPipelineVersion"), &1.into());
    assert_eq!(at(&hook, "RegisterWithThirdParty"), &Expr::Bool(true));
}

#[test]
fn stages_run_source_then_build() {
    let t = template("image-pipeline");
    let p = props(&t, "Pipeline");
    assert_eq!(at(&p, "PipelineType"), &"V2".into());
    assert_eq!(at(&p, "RoleArn"), &Expr::get_att("PipelineRole", "Arn"));
    assert_eq!(
        at(&p, "ArtifactStore.Location"),
        &Expr::reference("PipelineArtifactBucket")
    );
    let stages = at(&p, "Stages").as_list().unwrap();
    let names: Vec<&Expr> = stages.iter().map(|s| at(s, "Name")).collect();
    assert_eq!(names, [&"Source".into(), &"Build".into()]);
    let source = at(&p, "Stages.0.Actions.0");
    assert_eq!(
        at(source, "ActionTypeId"),
        &Expr::map([
            ("Category", "Source".into()),
            ("Owner", "ThirdParty".into()),
            ("Provider", "GitHub".into()),
            ("Version", "1".into()),
        ])
    );
    assert_eq!(
        at(source, "Configuration.PollForSourceChanges"),
        &Expr::Bool(false)
    );
    assert_eq!(at(source, "OutputArtifacts.0.Name"), &"SourceOutput".into());
    let build = at(&p, "Stages.1.Actions.0");
    assert_eq!(
        at(build, "ActionTypeId"),
        &Expr::map([
            ("Category", "Build".into()),
            ("Owner", "AWS".into()),
            ("Provider", "CodeBuild".into()),
            ("Version", "1".into()),
        ])
    );
    assert_eq!(
        at(build, "Configuration.ProjectName"),
        &Expr::reference("Build")
    );
    assert_eq!(at(build, "InputArtifacts.0.Name"), &"SourceOutput".into());
    // The build's output is read by nothing: none is declared.
    assert!(build.at("OutputArtifacts").is_none());
    assert_eq!(at(build, "Namespace"), &"BuildVariables".into());
}

#[test]
fn build_project_is_privileged_logged_bounded_and_current() {
    let t = template("image-pipeline");
    let b = props(&t, "Build");
    assert_eq!(at(&b, "Environment.PrivilegedMode"), &Expr::Bool(true));
    assert_eq!(at(&b, "Environment.Type"), &"LINUX_CONTAINER".into());
    assert_eq!(
        at(&b, "Environment.Image"),
        &"aws/codebuild/standard:7.0".into()
    );
    assert_eq!(
        at(&b, "LogsConfig.CloudWatchLogs.Status"),
        &"ENABLED".into()
    );
    assert_eq!(at(&b, "TimeoutInMinutes"), &60.into());
    assert_eq!(at(&b, "QueuedTimeoutInMinutes"), &120.into());
    assert_eq!(at(&b, "Name"), &Expr::sub("${AWS::StackName}-Build"));
    let vars = at(&b, "Environment.EnvironmentVariables")
        .as_list()
        .unwrap();
    let names: Vec<&Expr> = vars.iter().map(|v| at(v, "Name")).collect();
    // What the recipe reads (the repository it pushes to), then the names
    // the source project's buildspec expects.
    assert_eq!(
        names,
        [
            &"REPOSITORY_URI".into(),
            &"AWS_DEFAULT_REGION".into(),
            &"AWS_ACCOUNT_ID".into(),
            &"AWS_ECR_REPOSITORY_URI".into(),
            &"IMAGE_REPO_NAME".into(),
            &"IMAGE_TAG".into(),
        ]
    );
    assert!(vars.iter().all(|v| at(v, "Type") == &"PLAINTEXT".into()));
    let values: Vec<&Expr> = vars.iter().map(|v| at(v, "Value")).collect();
    assert_eq!(
        values,
        [
            &Expr::get_att("Repository", "RepositoryUri"),
            &Expr::pseudo(pipewright::template::Pseudo::Region),
            &Expr::pseudo(pipewright::template::Pseudo::AccountId),
            &Expr::get_att("Repository", "RepositoryUri"),
            &Expr::reference("Repository"),
            &"latest".into(),
        ]
    );
    // The build reads its buildspec from the repository; the committed
    // starting copy is the typed buildspec.
    assert_eq!(at(&b, "Source.BuildSpec"), &"pipeline/buildspec.yml".into());
    let inline = std::fs::read_to_string(
        crate::support::repo().join("buildspecs/image-pipeline/pipeline/buildspec.yml"),
    )
    .unwrap();
    // The application lives in `app/`.
    assert!(
        inline.contains("docker build --file app/Dockerfile --tag \"$IMAGE_URI\" --tag \"$REPOSITORY_URI:latest\" app"),
        "{inline}"
    );
    assert!(inline.contains("--password-stdin"));
    assert!(inline.contains("CODEBUILD_BUILD_SUCCEEDING"));
    assert!(inline.contains("cut -c 1-7"));
    assert!(!inline.contains("--password "));
}

#[test]
fn ecr_repository_meets_security_defaults() {
    let t = template("image-pipeline");
    let repo = &t.resources["Repository"];
    let r = props(&t, "Repository");
    assert_eq!(
        at(&r, "RepositoryName"),
        &Expr::reference("GithubRepository")
    );
    assert_eq!(
        at(&r, "ImageScanningConfiguration.ScanOnPush"),
        &Expr::Bool(true)
    );
    assert_eq!(
        at(&r, "ImageTagMutability"),
        &"IMMUTABLE_WITH_EXCLUSION".into()
    );
    let filters = at(&r, "ImageTagMutabilityExclusionFilters")
        .as_list()
        .unwrap();
    assert_eq!(filters.len(), 1, "exactly the one moving tag");
    assert_eq!(
        at(&filters[0], "ImageTagMutabilityExclusionFilterValue"),
        &"latest".into()
    );
    // KMS with the AWS managed key (CKV_AWS_136): no `KmsKey`.
    assert_eq!(
        at(&r, "EncryptionConfiguration"),
        &Expr::map([("EncryptionType", Expr::from("KMS"))])
    );
    // The moving tag's CKV_AWS_51 finding is suppressed with its reason,
    // and nothing else is.
    assert_eq!(
        repo.metadata["checkov"],
        Expr::map([(
            "skip",
            Expr::list([Expr::map([
                ("id", Expr::from("CKV_AWS_51")),
                (
                    "comment",
                    Expr::from(
                        "tag `latest` moves to the newest image on purpose; every other tag is immutable (IMMUTABLE_WITH_EXCLUSION)"
                    ),
                ),
            ])]),
        )])
    );
    assert_eq!(repo.metadata.len(), 1);
    let lifecycle: serde_json::Value = serde_json::from_str(
        at(&r, "LifecyclePolicy.LifecyclePolicyText")
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(lifecycle["rules"][0]["selection"]["tagStatus"], "untagged");
    assert_eq!(
        lifecycle["rules"][1]["selection"]["countType"],
        "imageCountMoreThan"
    );
    assert!(
        !repo.properties.contains_key("RepositoryPolicyText"),
        "no cross-account policy asked for"
    );
    assert_eq!(repo.deletion_policy, Some(Policy::Retain));
    assert_eq!(repo.update_replace_policy, Some(Policy::Retain));
    // The parameter naming it only accepts names ECR accepts.
    assert_eq!(
        t.parameters["GithubRepository"].allowed_pattern.as_deref(),
        Some("^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
    );
}

/// Every statement of a role's policy, as (actions, resources).
fn statements(t: &Template, role: &str) -> Vec<(Vec<String>, Vec<Expr>)> {
    let p = props(t, role);
    assert_eq!(
        at(&p, "Policies").as_list().unwrap().len(),
        1,
        "one policy per role"
    );
    at(&p, "Policies.0.PolicyDocument.Statement")
        .as_list()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(at(s, "Effect"), &"Allow".into());
            let m = s.as_map().unwrap();
            assert!(!m.contains_key("NotAction") && !m.contains_key("NotResource"));
            let actions = at(s, "Action")
                .as_list()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            (actions, at(s, "Resource").as_list().unwrap().to_vec())
        })
        .collect()
}

fn owned(actions: &[&str]) -> Vec<String> {
    actions.iter().map(|a| (*a).to_owned()).collect()
}

#[test]
fn every_iam_statement_is_least_privilege() {
    let t = template("image-pipeline");
    for (role, service) in [
        ("BuildRole", "codebuild.amazonaws.com"),
        ("PipelineRole", "codepipeline.amazonaws.com"),
    ] {
        let p = props(&t, role);
        let trust = at(&p, "AssumeRolePolicyDocument.Statement")
            .as_list()
            .unwrap();
        assert_eq!(trust.len(), 1);
        assert_eq!(
            at(&trust[0], "Principal"),
            &Expr::map([("Service", service.into())])
        );
        assert_eq!(
            at(&trust[0], "Action"),
            &Expr::list(["sts:AssumeRole".into()])
        );
        assert!(
            !t.resources[role]
                .properties
                .contains_key("ManagedPolicyArns")
        );
    }
    let bucket_objects = Expr::sub("${PipelineArtifactBucket.Arn}/*");
    let log_group = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/codebuild/${AWS::StackName}-Build";
    assert_eq!(
        statements(&t, "BuildRole"),
        [
            (owned(&["ecr:GetAuthorizationToken"]), vec![Expr::from("*")]),
            (
                owned(&["s3:GetBucketAcl", "s3:GetBucketLocation"]),
                vec![Expr::get_att("PipelineArtifactBucket", "Arn")]
            ),
            (
                owned(&[
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:CompleteLayerUpload",
                    "ecr:DescribeImages",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:InitiateLayerUpload",
                    "ecr:PutImage",
                    "ecr:UploadLayerPart",
                ]),
                vec![Expr::get_att("Repository", "Arn")]
            ),
            (
                owned(&["s3:GetObject", "s3:GetObjectVersion"]),
                vec![bucket_objects.clone()]
            ),
            (
                owned(&[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents"
                ]),
                vec![Expr::sub(log_group), Expr::sub(format!("{log_group}:*"))]
            ),
        ]
    );
    assert_eq!(
        statements(&t, "PipelineRole"),
        [
            (
                owned(&["s3:GetBucketLocation", "s3:GetBucketVersioning"]),
                vec![Expr::get_att("PipelineArtifactBucket", "Arn")]
            ),
            (
                owned(&["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"]),
                vec![bucket_objects]
            ),
            (
                owned(&["codebuild:BatchGetBuilds", "codebuild:StartBuild"]),
                vec![Expr::sub(
                    "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/${Build}"
                )]
            ),
        ]
    );
    // No wildcard action anywhere; `*` only for GetAuthorizationToken.
    for role in ["BuildRole", "PipelineRole"] {
        for (actions, resources) in statements(&t, role) {
            assert!(
                actions.iter().all(|a| a != "*" && !a.ends_with(":*")),
                "{actions:?}"
            );
            if resources.contains(&Expr::from("*")) {
                assert_eq!(actions, ["ecr:GetAuthorizationToken"]);
            }
        }
    }
}

#[test]
fn connection_variant_uses_a_v2_push_trigger() {
    let t = template("image-pipeline-connection");
    assert!(
        !t.resources
            .values()
            .any(|r| r.kind == "AWS::CodePipeline::Webhook")
    );
    let p = props(&t, "Pipeline");
    let source = at(&p, "Stages.0.Actions.0");
    assert_eq!(
        at(source, "ActionTypeId.Provider"),
        &"CodeStarSourceConnection".into()
    );
    assert_eq!(
        at(source, "Configuration.ConnectionArn"),
        &Expr::reference("ConnectionArn")
    );
    assert_eq!(
        at(source, "Configuration.FullRepositoryId"),
        &Expr::sub("${GithubAccount}/${GithubRepository}")
    );
    assert_eq!(
        at(&p, "Triggers.0.ProviderType"),
        &"CodeStarSourceConnection".into()
    );
    assert_eq!(
        at(&p, "Triggers.0.GitConfiguration.SourceActionName"),
        &"Source".into()
    );
    assert_eq!(
        at(&p, "Triggers.0.GitConfiguration.Push.0.Branches.Includes"),
        &Expr::list([Expr::reference("GithubBranch")])
    );
    assert!(statements(&t, "PipelineRole").contains(&(
        owned(&[
            "codeconnections:UseConnection",
            "codestar-connections:UseConnection"
        ]),
        vec![Expr::reference("ConnectionArn")]
    )));
}

fn problems(stack: Stack) -> Vec<String> {
    match App::new().stack(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

#[test]
fn uppercase_ecr_name_is_an_error() {
    let mut s = Stack::new("app");
    s.add(ecr::Repository::new("Repo").name("MyApp"));
    assert_eq!(
        problems(s),
        [
            "app/Repo: ECR repository name `MyApp` has uppercase letters: ECR accepts only lowercase (try `myapp`)"
        ]
    );
}

fn pipeline_stack(
    build: impl FnOnce(&s3::BucketRef, &pipewright::codebuild::ProjectRef) -> Pipeline,
) -> Stack {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let project = s.add(Project::new("Build", BuildSpec::new().build(["make"])));
    let pipeline = build(&bucket, &project);
    s.add(pipeline);
    s
}

fn github() -> GitHubSource {
    GitHubSource {
        owner: "octo".into(),
        repo: "app".into(),
        branch: "main".into(),
        oauth_token: Expr::secret("github-oauth", "token"),
        webhook_secret: Expr::secret("github-webhook", "secret"),
    }
}

#[test]
fn non_source_action_in_the_first_stage_is_an_error() {
    let s = pipeline_stack(|b, p| {
        Pipeline::new("Pipeline")
            .artifact_store(b)
            .stage(
                Stage::new("Source")
                    .action(Action::build("Compile", p).output(&Artifact::new("Out"))),
            )
            .stage(
                Stage::new("Build").action(Action::build("Build", p).input(&Artifact::new("Out"))),
            )
    });
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: stage `Source`: action `Compile` is not a source action: the first stage holds only source actions"
        ]
    );
}

#[test]
fn input_artifact_never_produced_is_an_error() {
    let s = pipeline_stack(|b, p| {
        Pipeline::new("Pipeline")
            .artifact_store(b)
            .stage(
                Stage::new("Source")
                    .action(Action::github("Source", github()).output(&Artifact::new("Src"))),
            )
            .stage(
                Stage::new("Build")
                    .action(Action::build("Build", p).input(&Artifact::new("Source"))),
            )
    });
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: stage `Build`: action `Build` reads artifact `Source`, which no earlier stage produces",
            "app/Pipeline: action `Source` produces artifact `Src`, which no later action reads: read it with `Action::input` or remove the output",
        ]
    );
}

#[test]
fn duplicate_action_names_are_an_error() {
    let s = pipeline_stack(|b, p| {
        Pipeline::new("Pipeline")
            .artifact_store(b)
            .stage(
                Stage::new("Source")
                    .action(Action::github("Source", github()).output(&Artifact::new("Src"))),
            )
            .stage(
                Stage::new("Build")
                    .action(Action::build("Build", p).input(&Artifact::new("Src")))
                    .action(Action::test("Build", p).input(&Artifact::new("Src"))),
            )
    });
    assert_eq!(
        problems(s),
        ["app/Pipeline: stage `Build`: action name `Build` is used twice"]
    );
}

#[test]
fn webhook_secret_must_not_be_the_oauth_token() {
    let s = pipeline_stack(|b, p| {
        let mut source = github();
        source.webhook_secret = source.oauth_token.clone();
        Pipeline::new("Pipeline")
            .artifact_store(b)
            .stage(
                Stage::new("Source")
                    .action(Action::github("Source", source).output(&Artifact::new("Src"))),
            )
            .stage(
                Stage::new("Build").action(Action::build("Build", p).input(&Artifact::new("Src"))),
            )
    });
    assert_eq!(
        problems(s),
        ["app/Pipeline: the webhook secret is the OAuth token: give the webhook its own secret"]
    );
}

#[test]
fn plaintext_secret_variable_is_an_error() {
    let mut s = Stack::new("app");
    s.add(
        Project::new("Build", BuildSpec::new().build(["make"]))
            .variable("GITHUB_TOKEN", "ghp_x")
            .secret_variable("NPM_TOKEN", "npm:token"),
    );
    assert_eq!(
        problems(s),
        [
            "app/Build: plaintext variable `GITHUB_TOKEN` looks like a secret: use `secret_variable` (Secrets Manager) or `parameter_variable` (Parameter Store)"
        ]
    );
}

#[test]
fn wildcard_grants_are_refused_unless_explicit() {
    use pipewright::iam::{Role, Statement};
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Deployer", "cloudformation.amazonaws.com"));
    s.grant(&role, Statement::allow(["s3:*"]).resource("arn:aws:s3:::b"));
    s.grant(&role, Statement::allow(["s3:GetObject"]).resource("*"));
    assert_eq!(
        problems(s.clone()),
        [
            "app/Deployer: grants wildcard action `s3:*`: list the actions the role needs, or use `grant_unrestricted` with a reason",
            "app/Deployer: grants `s3:GetObject` on every resource: name the resources' ARNs",
        ]
    );
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Deployer", "cloudformation.amazonaws.com"));
    s.grant_unrestricted(
        &role,
        Statement::allow(["s3:*"]).resource("arn:aws:s3:::b"),
        "deploys any bucket",
    );
    let a = App::new().stack(s).synth().unwrap();
    assert!(
        a.stacks[0]
            .body
            .contains("pipewright:unrestricted:\n        - deploys any bucket\n"),
        "{}",
        a.stacks[0].body
    );
}

//! Constructs beyond the image pipeline: CodeBuild webhook filter groups,
//! source credentials, and a pipeline action kind defined outside the
//! library through the public `ActionKind` trait.

use pipewright::buildspec::BuildSpec;
use pipewright::codebuild::{
    EventAction, FilterGroup, Project, ServerType, Source, SourceCredential,
};
use pipewright::codepipeline::{
    Action, ActionKind, ActionResource, ActionSite, ActionTypeId, Artifact, Category,
    ConnectionSource, Owner, Pipeline, Stage,
};
use pipewright::iam::{Role, Statement};
use pipewright::template::{Expr, Parameter, Resource};
use pipewright::{App, Error, ProblemKind, Stack, s3};

use crate::support::{text, tool};

/// The account's GitHub source credential, which every webhook project of
/// these tests needs in its account and region.
fn credentials() -> Stack {
    let mut s = Stack::new("credentials");
    s.add(SourceCredential::personal_access_token(
        "GitHubCredential",
        ServerType::GitHub,
        Expr::secret("github/token", "token"),
    ));
    s
}

fn app(stack: Stack) -> App {
    App::new().stack(stack).stack(credentials())
}

fn problems(stack: Stack) -> Vec<String> {
    match app(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

/// A stack that brings its own source credentials, synthesized alone.
fn alone(stack: Stack) -> pipewright::app::Artifact {
    App::new().stack(stack).synth().unwrap().stacks.remove(0)
}

fn problems_alone(stack: Stack) -> Vec<String> {
    match App::new().stack(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn artifact(stack: Stack) -> pipewright::app::Artifact {
    let name = stack.name().to_owned();
    app(stack)
        .synth()
        .unwrap()
        .stacks
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
}

fn body(stack: Stack) -> String {
    artifact(stack).body
}

fn template(stack: Stack) -> pipewright::template::Template {
    artifact(stack).template
}

fn github_source() -> Source {
    Source::GitHub {
        location: "https://github.com/octo/app.git".into(),
    }
}

/// A project started by pull requests into `main`, except documentation
/// changes, and by pushes to `main`.
fn pr_project() -> Project {
    Project::new("PullRequests", BuildSpec::new().build(["make test"]))
        .source(github_source())
        .webhook(vec![
            FilterGroup::in_event_of(EventAction::PULL_REQUEST)
                .base_branch("main")
                .exclude_file_path("^docs/"),
            FilterGroup::in_event_of([EventAction::Push])
                .head_branch("main")
                .exclude_commit_message("\\[skip ci\\]"),
        ])
}

fn filter(kind: &str, pattern: &str) -> Expr {
    Expr::map([("Type", Expr::from(kind)), ("Pattern", Expr::from(pattern))])
}

fn excluded(kind: &str, pattern: &str) -> Expr {
    Expr::map([
        ("Type", Expr::from(kind)),
        ("Pattern", Expr::from(pattern)),
        ("ExcludeMatchedPattern", Expr::Bool(true)),
    ])
}

#[test]
fn filter_groups_render_as_project_triggers() {
    let mut s = Stack::new("app");
    s.add(pr_project());
    let t = template(s);
    let triggers = t.resources["PullRequests"].properties["Triggers"].clone();
    assert_eq!(
        triggers,
        Expr::map([
            ("Webhook", Expr::Bool(true)),
            ("BuildType", Expr::from("BUILD")),
            (
                "FilterGroups",
                Expr::list([
                    Expr::list([
                        filter(
                            "EVENT",
                            "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED, PULL_REQUEST_REOPENED"
                        ),
                        filter("BASE_REF", "^refs/heads/main$"),
                        excluded("FILE_PATH", "^docs/"),
                    ]),
                    Expr::list([
                        filter("EVENT", "PUSH"),
                        filter("HEAD_REF", "^refs/heads/main$"),
                        excluded("COMMIT_MESSAGE", "\\[skip ci\\]"),
                    ]),
                ]),
            ),
        ])
    );
}

#[test]
fn filter_groups_render_as_yaml_people_write() {
    let mut s = Stack::new("app");
    s.add(
        Project::new("PullRequests", BuildSpec::new().build(["make test"]))
            .source(github_source())
            .webhook(vec![
                FilterGroup::in_event_of([
                    EventAction::PullRequestMerged,
                    EventAction::PullRequestClosed,
                ])
                .actor_account_id("^1234$")
                .exclude_head_ref("^refs/tags/"),
            ]),
    );
    let yaml = body(s);
    let expected = "      Triggers:
        Webhook: true
        BuildType: BUILD
        FilterGroups:
          - - Type: EVENT
              Pattern: PULL_REQUEST_MERGED, PULL_REQUEST_CLOSED
            - Type: ACTOR_ACCOUNT_ID
              Pattern: ^1234$
            - Type: HEAD_REF
              Pattern: ^refs/tags/
              ExcludeMatchedPattern: true
";
    assert!(yaml.contains(expected), "{yaml}");
}

#[test]
fn webhook_without_filter_groups_is_refused() {
    let mut s = Stack::new("app");
    s.add(
        Project::new("Hooked", BuildSpec::new().build(["make"]))
            .source(github_source())
            .webhook(Vec::new()),
    );
    assert_eq!(
        problems(s),
        [
            "app/Hooked: a webhook without filter groups builds every push and pull request, forks' included: add a `FilterGroup` naming the events and branches to build"
        ]
    );
}

#[test]
fn project_without_webhook_has_no_triggers() {
    let mut s = Stack::new("app");
    s.add(Project::new("Plain", BuildSpec::new().build(["make"])).source(github_source()));
    let t = template(s);
    assert!(!t.resources["Plain"].properties.contains_key("Triggers"));
}

#[test]
fn invalid_pattern_is_a_synth_error_naming_the_path_and_pattern() {
    let mut s = Stack::new("app");
    s.add(
        Project::new("PullRequests", BuildSpec::new().build(["make"]))
            .source(github_source())
            .webhook(vec![
                FilterGroup::in_event_of([EventAction::Push]).head_ref("^refs/heads/(main"),
                FilterGroup::in_event_of(EventAction::PULL_REQUEST).file_path("src/[a-"),
            ]),
    );
    assert_eq!(
        problems(s),
        [
            "app/PullRequests: webhook filter group 1: HEAD_REF pattern `^refs/heads/(main` is not a valid regular expression: unclosed group",
            "app/PullRequests: webhook filter group 2: FILE_PATH pattern `src/[a-` is not a valid regular expression: unclosed character class",
        ]
    );
}

#[test]
fn group_without_exactly_one_event_filter_is_an_error() {
    let mut s = Stack::new("app");
    s.add(
        Project::new("PullRequests", BuildSpec::new().build(["make"]))
            .source(github_source())
            .webhook(vec![
                FilterGroup::new().head_branch("main"),
                FilterGroup::in_event_of([EventAction::Push])
                    .events([EventAction::PullRequestCreated]),
                FilterGroup::in_event_of([]),
            ]),
    );
    assert_eq!(
        problems(s),
        [
            "app/PullRequests: webhook filter group 1: has no EVENT filter: start it with `FilterGroup::in_event_of([..])`",
            "app/PullRequests: webhook filter group 2: has 2 EVENT filters: give each group exactly one, and put other events in another group",
            "app/PullRequests: webhook filter group 3: has an EVENT filter without events: name at least one",
        ]
    );
}

#[test]
fn base_ref_with_push_and_webhook_without_repository_are_errors() {
    let mut s = Stack::new("app");
    s.add(
        Project::new("Pipelined", BuildSpec::new().build(["make"])).webhook(vec![
            FilterGroup::in_event_of([EventAction::Push, EventAction::PullRequestCreated])
                .base_branch("main"),
        ]),
    );
    assert_eq!(
        problems(s),
        [
            "app/Pipelined: a webhook needs a repository source: set `.source(Source::GitHub { .. })`, or let the pipeline start the project",
            "app/Pipelined: webhook filter group 1: BASE_REF pattern `^refs/heads/main$` only matches pull request events, and the group includes PUSH: put PUSH in a group of its own",
        ]
    );
}

#[test]
fn source_credential_renders_with_a_secret_reference() {
    let mut s = Stack::new("app");
    let credential = s.add(SourceCredential::personal_access_token(
        "GitHubCredential",
        ServerType::GitHub,
        Expr::secret("github-pat", "token"),
    ));
    assert_eq!(
        credential.arn(),
        Expr::Owned {
            stack: "app".to_owned(),
            value: Box::new(Expr::reference("GitHubCredential")),
        }
    );
    let yaml = alone(s).body;
    let expected = "  GitHubCredential:
    Type: AWS::CodeBuild::SourceCredential
    Properties:
      ServerType: GITHUB
      AuthType: PERSONAL_ACCESS_TOKEN
      Token: '{{resolve:secretsmanager:github-pat:SecretString:token}}'
";
    assert!(yaml.contains(expected), "{yaml}");
}

#[test]
fn source_credential_accepts_a_no_echo_parameter_and_a_connection() {
    let mut s = Stack::new("app");
    let token = s.add_parameter(
        "BitbucketToken",
        Parameter::string()
            .description("Bitbucket app password")
            .no_echo(),
    );
    s.add(SourceCredential::personal_access_token(
        "BitbucketCredential",
        ServerType::Bitbucket,
        token,
    ));
    s.add(SourceCredential::connection(
        "EnterpriseCredential",
        ServerType::GitHubEnterprise,
        "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
    ));
    let t = alone(s).template;
    let bitbucket = &t.resources["BitbucketCredential"].properties;
    assert_eq!(bitbucket["Token"], Expr::reference("BitbucketToken"));
    assert_eq!(bitbucket["ServerType"], Expr::from("BITBUCKET"));
    let enterprise = &t.resources["EnterpriseCredential"].properties;
    assert_eq!(enterprise["AuthType"], Expr::from("CODECONNECTIONS"));
    assert_eq!(enterprise["ServerType"], Expr::from("GITHUB_ENTERPRISE"));
}

#[test]
fn literal_or_echoed_token_is_refused_with_the_fix() {
    let mut s = Stack::new("app");
    let echoed = s.add_parameter("PlainToken", Parameter::string());
    s.add(SourceCredential::personal_access_token(
        "Literal",
        ServerType::GitHub,
        "ghp_0123456789abcdef",
    ));
    // One per host: a second credential for a host replaces the first.
    s.add(SourceCredential::personal_access_token(
        "Echoed",
        ServerType::Bitbucket,
        echoed,
    ));
    s.add(SourceCredential::personal_access_token(
        "FromSsm",
        ServerType::GitHubEnterprise,
        Expr::ssm_parameter("/github/token"),
    ));
    let fix = "pass a `{{resolve:secretsmanager:...}}` reference (`Expr::secret`) or `!Ref` to a NoEcho parameter, so the token never enters the template";
    assert_eq!(
        problems_alone(s),
        [
            format!("app/Literal: token is a literal: {fix}"),
            format!(
                "app/Echoed: token `!Ref PlainToken` is not a NoEcho parameter of this stack: {fix}"
            ),
            format!("app/FromSsm: token is not a secret reference: {fix}"),
        ]
    );
}

/// A kind the library does not know: an `Invoke` action calling a Lambda
/// function, defined here through the public trait only.
#[derive(Clone, Debug)]
struct InvokeLambda {
    function: String,
}

impl ActionKind for InvokeLambda {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(Category::Invoke, Owner::Aws, "Lambda")
    }

    fn configuration(&self) -> Expr {
        Expr::map([("FunctionName", Expr::from(self.function.as_str()))])
    }

    fn problems(&self, action: &str) -> Vec<ProblemKind> {
        if self.function.is_empty() {
            vec![ProblemKind::Custom {
                message: format!("action `{action}` names no function"),
            }]
        } else {
            Vec::new()
        }
    }

    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        stack.grant(
            site.role,
            Statement::allow(["lambda:InvokeFunction"]).resource(Expr::sub(format!(
                "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}",
                self.function
            ))),
        );
    }

    fn add_resources(
        &self,
        stack: &mut Stack,
        site: &ActionSite<'_>,
        pipeline: &pipewright::app::ResourceRef,
    ) -> Vec<ActionResource> {
        let topic = Resource::new("AWS::SNS::Topic")
            .property("DisplayName", Expr::sub(format!("${{{}}}", pipeline.id())));
        vec![ActionResource::Other(stack.add_resource_at(
            format!("{}/{}Topic", site.path, site.action),
            format!("{}{}Topic", site.pipeline_id, site.action),
            topic,
        ))]
    }
}

fn custom_pipeline(function: &str) -> Stack {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let invoker = s.add(Role::new("InvokerRole", "codepipeline.amazonaws.com"));
    let pipeline = s.add(
        Pipeline::new("Pipeline").artifact_store(&bucket)
            .stage(
                Stage::new("Source").action(
                    Action::connection(
                        "Source",
                        ConnectionSource {
                            connection_arn: "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab".into(),
                            repository: "octo/app".into(),
                            branch: "main".into(),
                        },
                    )
                    .output(&Artifact::new("Src")),
                ),
            )
            .stage(
                Stage::new("Notify").action(
                    Action::new(
                        "Invoke",
                        InvokeLambda {
                            function: function.to_owned(),
                        },
                    )
                    .input(&Artifact::new("Src"))
                    .role(&invoker)
                    .variable("IGNORED", "by kinds without variables"),
                ),
            ),
    );
    assert_eq!(pipeline.action_resources().len(), 1);
    assert!(pipeline.webhook_url().is_none());
    s
}

#[test]
fn custom_action_kind_renders_without_a_library_edit() {
    let t = template(custom_pipeline("notify"));
    let pipeline = Expr::Map(t.resources["Pipeline"].properties.clone());
    assert_eq!(
        pipeline.at("Stages.1.Actions.0").unwrap(),
        &Expr::map([
            ("Name", Expr::from("Invoke")),
            (
                "ActionTypeId",
                Expr::map([
                    ("Category", Expr::from("Invoke")),
                    ("Owner", Expr::from("AWS")),
                    ("Provider", Expr::from("Lambda")),
                    ("Version", Expr::from("1")),
                ]),
            ),
            (
                "Configuration",
                Expr::map([("FunctionName", Expr::from("notify"))]),
            ),
            (
                "InputArtifacts",
                Expr::list([Expr::map([("Name", Expr::from("Src"))])]),
            ),
            ("RoleArn", Expr::get_att("InvokerRole", "Arn")),
        ])
    );
    assert_eq!(t.resources["PipelineInvokeTopic"].kind, "AWS::SNS::Topic");

    // The kind's grant went to the action's role, which may also use the
    // artifact bucket; the pipeline role may assume it.
    let policies = |id: &str| format!("{:?}", t.resources[id].properties["Policies"]);
    assert!(policies("InvokerRole").contains("lambda:InvokeFunction"));
    assert!(policies("InvokerRole").contains("s3:GetObject"));
    assert!(!policies("PipelineRole").contains("lambda:InvokeFunction"));
    assert!(policies("PipelineRole").contains("sts:AssumeRole"));
}

#[test]
fn custom_action_kind_problems_are_reported_with_the_pipeline() {
    assert_eq!(
        problems(custom_pipeline("")),
        ["app/Pipeline: action `Invoke` names no function"]
    );
}

#[test]
fn cfn_lint_accepts_webhook_and_source_credential() {
    let mut s = Stack::new("lint-constructs");
    s.add(SourceCredential::personal_access_token(
        "GitHubCredential",
        ServerType::GitHub,
        Expr::secret("github-pat", "token"),
    ));
    s.add(pr_project());
    let yaml = alone(s).body;
    // In one stack, the project waits for the credential its webhook uses.
    assert!(
        yaml.contains(
            "  PullRequests:\n    Type: AWS::CodeBuild::Project\n    DependsOn: GitHubCredential\n"
        ),
        "{yaml}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("constructs.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let out = tool("cfn-lint", &[path.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "cfn-lint found problems:\n{stdout}{stderr}\n{yaml}"
    );
    assert_eq!(stdout, "", "cfn-lint printed findings");
}

/// A project whose repository keeps its buildspec: the template names the
/// path, and synth writes the typed buildspec as the repository's starting
/// copy under `buildspecs/<stack>/<path>`.
#[test]
fn buildspec_from_source_names_the_path_and_writes_the_starting_copy() {
    let mut stack = Stack::new("webhook-builds");
    stack.add(
        Project::new("Tests", BuildSpec::new().build(["make test"]))
            .source(github_source())
            .buildspec_from_source("pipeline/buildspec.yml"),
    );
    let assembly = App::new().stack(stack).synth().unwrap();
    let source = &assembly.stacks[0].template.resources["Tests"].properties["Source"];
    let Expr::Map(source) = source else {
        panic!("{source:?}")
    };
    assert_eq!(source["BuildSpec"], Expr::from("pipeline/buildspec.yml"));
    let files = assembly.files();
    let copy = files
        .iter()
        .find(|(path, _)| path == "buildspecs/webhook-builds/pipeline/buildspec.yml")
        .unwrap_or_else(|| panic!("{files:?}"));
    assert!(copy.1.contains("- make test"), "{}", copy.1);
}

#[test]
fn buildspec_path_outside_the_source_is_refused() {
    for path in [
        "",
        "/buildspec.yml",
        "../buildspec.yml",
        "ci//buildspec.yml",
    ] {
        let mut stack = Stack::new("webhook-builds");
        stack.add(
            Project::new("Tests", BuildSpec::new().build(["make test"]))
                .buildspec_from_source(path),
        );
        assert_eq!(
            problems(stack),
            [format!(
                "webhook-builds/Tests: buildspec path `{path}` is not a file inside the source: use a relative path such as `pipeline/buildspec.yml`"
            )],
        );
    }
}

#[test]
fn a_project_has_one_cache() {
    let mut stack = Stack::new("caches");
    let bucket = stack.add(s3::Bucket::new("Cache"));
    stack.add(
        Project::new("Build", BuildSpec::new().build(["make"]))
            .docker_layer_cache()
            .s3_cache(&bucket, "build"),
    );
    assert_eq!(
        problems(stack),
        [
            "caches/Build: `docker_layer_cache` and `s3_cache` cannot both be set: a project has one `Cache`, local or in S3; keep one"
        ]
    );
}

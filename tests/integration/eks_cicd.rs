//! The EKS CI/CD system (issue #20): the library's `patterns::eks`, one
//! test function per upstream module asserting each of its variables, the
//! app's two applications (re-run safety, a second region and account,
//! separate branches, a buildspec read from the repository), and invalid
//! configurations.

use pipewright::App;
use pipewright::Error;
use pipewright::codebuild::{ComputeType, ServerType, SourceCredential};
use pipewright::codestar::Provider;
use pipewright::eks::{AccessPolicy, Scope};
use pipewright::iam::RoleArn;
use pipewright::patterns::eks::{
    ACCESS_METADATA, Application, Build, Cluster, Common, Credential, Deployment, Manifests, Stage,
    System, Token,
};
use pipewright::template::{Expr, json};
use serde_json::{Value, json};

/// The templates of `app`, by stack name (and each stack's tags under
/// `<name>:tags`), and the files synth writes.
fn synth_app(app: &App) -> (Value, Vec<(String, String)>) {
    let assembly = app.synth().unwrap_or_else(|e| match e {
        pipewright::Error::Synth(problems) => panic!("{problems:#?}"),
        e => panic!("{e}"),
    });
    let mut out = serde_json::Map::new();
    for a in &assembly.stacks {
        out.insert(a.name.clone(), json::to_value(&a.template));
        let tags = a.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        out.insert(format!("{}:tags", a.name), Value::Object(tags));
    }
    let files = assembly
        .files()
        .into_iter()
        .map(|(p, c)| (p, c.to_owned()))
        .collect();
    (Value::Object(out), files)
}

/// What [`synth_app`] gives for an app of `stacks`.
fn synth(stacks: Vec<pipewright::Stack>) -> (Value, Vec<(String, String)>) {
    let mut app = App::new();
    for s in stacks {
        app.add(s);
    }
    synth_app(&app)
}

/// What [`synth_app`] gives for this repository's app.
fn app_templates() -> (Value, Vec<(String, String)>) {
    synth_app(&pipewright_app::app())
}

fn problems(stacks: Vec<pipewright::Stack>) -> Vec<String> {
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

fn statements(resource: &Value) -> Vec<Value> {
    resource["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn staging() -> Cluster {
    Cluster::new("staging", "222222222222", "us-east-1").namespace("acme")
}

/// A one-stage application deploying to [`staging`].
fn one_stage(application: Application) -> Application {
    application.stage(Stage::new("staging").deploy(Deployment::new("app", &staging())))
}

fn system(common: Common, application: Application) -> Vec<pipewright::Stack> {
    System::new(common)
        .application(one_stage(application))
        .cluster(staging())
        .stacks()
}

/// The common stack, with the GitHub source credential the applications'
/// webhook projects need (synth refuses them otherwise).
fn common() -> Common {
    Common::new("111111111111", "us-east-1").credential(Credential::github(Token::secret(
        "acme/github-token",
        "token",
    )))
}

/// Upstream artifact-bucket (`name`, `kms_key`, `namespace`, `tags`),
/// codebuild-credential (`provider_type`, `token_parameter`, `username`)
/// and codestar-connection (`name`, `provider_type`, `tags`).
#[test]
fn common_stack_variables() {
    let key = "arn:aws:kms:us-east-1:111111111111:key/abcd";
    let c = common()
        .stack_name("acme-eks-common")
        .bucket_name("acme-artifacts")
        .kms_key(key)
        .connection(Provider::Bitbucket, "acme-bitbucket")
        .credential(Credential::bitbucket_basic_auth(
            "deployer",
            Token::secret("acme/bitbucket", "password"),
        ))
        .tag("team", "platform");
    // The projects build GitHub repositories: with a Bitbucket credential
    // only, their pull-request webhooks are off (synth refuses them
    // otherwise).
    let (t, _) = synth(system(
        c,
        Application::new("acme/app", "acme/app-manifests")
            .image(Build::image().webhook(false))
            .manifests(Manifests::default(), Build::manifests().webhook(false)),
    ));
    let s = &t["acme-eks-common"];
    let r = &s["Resources"];
    // artifact-bucket: name, kms_key; namespace is the stack's name.
    let bucket = &r["ArtifactBucket"]["Properties"];
    assert_eq!(bucket["BucketName"], "acme-artifacts");
    assert_eq!(
        bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"],
        json!({"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key})
    );
    // codestar-connection: name, provider_type, the SSM parameter.
    assert_eq!(
        r["Connection"]["Properties"],
        json!({"ConnectionName": "acme-bitbucket", "ProviderType": "Bitbucket"})
    );
    assert_eq!(
        r["ConnectionParameter"]["Properties"]["Name"],
        "/codestar_connection/Bitbucket/acme-bitbucket"
    );
    // codebuild-credential: Bitbucket basic auth with a username.
    assert_eq!(
        r["Credential"]["Properties"],
        json!({
            "ServerType": "BITBUCKET",
            "AuthType": "BASIC_AUTH",
            "Token": "{{resolve:secretsmanager:acme/bitbucket:SecretString:password}}",
            "Username": "deployer"
        })
    );
    // tags: on the stack, so on every resource.
    assert_eq!(t["acme-eks-common:tags"]["team"], "platform");
    // The pipelines encrypt with the bucket's key.
    assert_eq!(
        t["app-cd"]["Resources"]["StagingPipeline"]["Properties"]["ArtifactStore"]["EncryptionKey"],
        json!({"Id": key, "Type": "KMS"})
    );
    // upstream artifacts_bucket: every pipeline stores in the common bucket.
    assert_eq!(
        t["app-cd"]["Resources"]["StagingPipeline"]["Properties"]["ArtifactStore"]["Location"],
        json!({"Fn::ImportValue": "acme-eks-common:ArtifactBucket"})
    );
    // Every project encrypts its output with it too.
    for (stack, project) in [
        ("app-ci", "Image"),
        ("app-ci", "Manifests"),
        ("app-cd", "Deploy"),
    ] {
        assert_eq!(
            t[stack]["Resources"][project]["Properties"]["EncryptionKey"], key,
            "{project}"
        );
    }
    // The CD stack reads the connection's ARN where the common stack
    // publishes it.
    assert_eq!(
        t["app-cd"]["Parameters"]["ConnectionArn"]["Default"],
        "/codestar_connection/Bitbucket/acme-bitbucket"
    );

    // A bucket prefix: unique per account and region.
    let (t, _) = synth(vec![common().bucket_prefix("acme").build().0]);
    assert_eq!(
        t["eks-common"]["Resources"]["ArtifactBucket"]["Properties"]["BucketName"],
        json!({"Fn::Sub": "acme-${AWS::AccountId}-${AWS::Region}"})
    );
    // GitHub, GitHub Enterprise and Bitbucket tokens; a NoEcho parameter.
    for (credential, server) in [
        (Credential::github(Token::secret("t", "token")), "GITHUB"),
        (
            Credential::github_enterprise(Token::secret("t", "")),
            "GITHUB_ENTERPRISE",
        ),
        (
            Credential::bitbucket(Token::Parameter("BitbucketToken".into())),
            "BITBUCKET",
        ),
    ] {
        let (t, _) = synth(vec![common().credential(credential.clone()).build().0]);
        let p = &t["eks-common"]["Resources"]["Credential"]["Properties"];
        assert_eq!(p["ServerType"], server, "{credential:?}");
        assert_eq!(p["AuthType"], "PERSONAL_ACCESS_TOKEN");
        assert!(p.get("Username").is_none());
        if server == "BITBUCKET" {
            assert_eq!(p["Token"], json!({"Ref": "BitbucketToken"}));
            assert_eq!(
                t["eks-common"]["Parameters"]["BitbucketToken"]["NoEcho"],
                true
            );
        }
    }
    // No credential unless asked; the default connection is GitHub's.
    let (t, _) = synth(vec![Common::new("111111111111", "us-east-1").build().0]);
    assert!(t["eks-common"]["Resources"].get("Credential").is_none());
    assert_eq!(
        t["eks-common"]["Resources"]["ConnectionParameter"]["Properties"]["Name"],
        "/codestar_connection/GitHub/github"
    );
    // upstream token_parameter: an ssm-secure reference is refused, with why.
    let mut s = pipewright::Stack::new("cred");
    s.add(SourceCredential::personal_access_token(
        "Credential",
        ServerType::GitHub,
        Expr::from("{{resolve:ssm-secure:/acme/github-token}}"),
    ));
    let all = problems(vec![s]);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        all[0].contains("`ssm-secure` reference, which CloudFormation does not resolve in `AWS::CodeBuild::SourceCredential.Token`")
            && all[0].contains("resolve:secretsmanager"),
        "{all:#?}"
    );
}

/// Upstream ecr-repository: `name`, `namespace`, `tags`,
/// `workload_account_ids`; the `-base` mirror only where asked.
#[test]
fn ecr_repository_variables() {
    let (t, _) = synth(system(
        common(),
        Application::new("acme/app", "acme/app-manifests")
            .prefix("acme")
            .ecr_name("team/app")
            .pull_account("444444444444")
            .tag("team", "web"),
    ));
    let r = &t["acme-app-ci"]["Resources"];
    assert_eq!(r["Repository"]["Properties"]["RepositoryName"], "team/app");
    assert_eq!(
        r["Repository"]["Properties"]["ImageTagMutability"],
        "IMMUTABLE"
    );
    assert!(r.get("BaseRepository").is_none(), "no mirror unless asked");
    // The deployments' account and the one named; not the operations one.
    assert_eq!(
        r["Repository"]["Properties"]["RepositoryPolicyText"]["Statement"][0]["Principal"],
        json!({"AWS": [
            {"Fn::Sub": "arn:${AWS::Partition}:iam::444444444444:root"},
            {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:root"}
        ]})
    );
    assert_eq!(t["acme-app-ci:tags"]["team"], "web");
    assert_eq!(t["acme-app-cd:tags"]["team"], "web");

    let (t, _) = synth(system(
        common(),
        Application::new("acme/app", "acme/app-manifests").base_mirror(),
    ));
    let r = &t["app-ci"]["Resources"];
    assert_eq!(
        r["BaseRepository"]["Properties"]["RepositoryName"],
        "acme/app-base"
    );
    assert_eq!(
        r["BaseRepository"]["Properties"]["RepositoryPolicyText"]["Statement"][0]["Principal"],
        json!({"AWS": [{"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:root"}]})
    );
}

/// Upstream ecr-project: `artifacts_bucket`, `buildspec`,
/// `codestar_connection`, `ecr_repository`, `enable_github_webhook`,
/// `github_repository`, `name`, `namespace`, `policies`,
/// `secondary_ecr_repositories`, `tags`; and codebuild-project's
/// `privileged_mode`, `environment_variables`, the timeout and compute.
#[test]
fn image_project_variables() {
    let policy = "arn:aws:iam::111111111111:policy/extra";
    let (t, files) = synth(system(
        common(),
        Application::new("acme/app", "acme/app-manifests")
            .name("web")
            .pushes_to("acme/web-cache")
            .image(
                Build::image()
                    .from_repository("ci/buildspec.yml")
                    .timeout_minutes(45)
                    .compute(ComputeType::Large)
                    .variable("DOCKERFILE", "Dockerfile.prod")
                    .managed_policy(policy)
                    .webhook(false),
            ),
    ));
    let r = &t["web-ci"]["Resources"];
    let p = &r["Image"]["Properties"];
    assert_eq!(p["Name"], json!({"Fn::Sub": "${AWS::StackName}-Image"}));
    assert_eq!(p["Source"]["BuildSpec"], "ci/buildspec.yml");
    assert_eq!(p["Source"]["Location"], "https://github.com/acme/app.git");
    assert_eq!(p["TimeoutInMinutes"], 45);
    assert_eq!(p["Environment"]["ComputeType"], "BUILD_GENERAL1_LARGE");
    assert_eq!(p["Environment"]["PrivilegedMode"], true);
    assert!(p.get("Triggers").is_none(), "webhook off");
    assert!(
        p["Environment"]["EnvironmentVariables"]
            .as_array()
            .unwrap()
            .contains(
                &json!({"Name": "DOCKERFILE", "Type": "PLAINTEXT", "Value": "Dockerfile.prod"})
            )
    );
    assert_eq!(
        r["ImageRole"]["Properties"]["ManagedPolicyArns"],
        json!([policy])
    );
    // The starting copy of the repository's buildspec.
    assert!(
        files.iter().any(
            |(path, c)| path == "buildspecs/web-ci/image/ci/buildspec.yml"
                && c.contains("describe-images")
        ),
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    // The secondary repository: pull and push, by name in this account.
    assert!(statements(&r["ImageRole"]).contains(&json!({
        "Effect": "Allow",
        "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
            "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"],
        "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/acme/web-cache"}]
    })));
    // The pull-request webhook is off by default: the image role pushes,
    // and a pull request runs its own buildspec.
    assert!(r["Image"]["Properties"].get("Triggers").is_none());
    // Typed inline, unprivileged, with the webhook on for trusted authors.
    let spec = pipewright::buildspec::BuildSpec::new().build(["make image"]);
    let (t, _) = synth(system(
        common(),
        Application::new("acme/app", "acme/app-manifests").image(
            Build::image()
                .inline()
                .buildspec(spec)
                .privileged(false)
                .webhook(true)
                .pull_request_actors("^(1234567|7654321)$"),
        ),
    ));
    let p = &t["app-ci"]["Resources"]["Image"]["Properties"];
    assert!(
        p["Source"]["BuildSpec"]
            .as_str()
            .unwrap()
            .contains("make image")
    );
    assert_eq!(p["Environment"]["PrivilegedMode"], false);
    assert_eq!(p["TimeoutInMinutes"], 20);
    assert_eq!(
        p["Triggers"]["FilterGroups"],
        json!([[
            {"Type": "EVENT", "Pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED"},
            {"Type": "ACTOR_ACCOUNT_ID", "Pattern": "^(1234567|7654321)$"}
        ]])
    );
}

/// Upstream manifests-project: `buildspec`, `manifests_repository`,
/// `source_repository`, `enable_github_webhook`, `policies`; Kustomize,
/// Helm, or the repository's buildspec.
#[test]
fn manifests_project_variables() {
    let (t, files) = synth(system(
        common(),
        Application::new("acme/app", "acme/app-manifests").manifests(
            Manifests::Helm {
                chart: "charts/app".into(),
                release: "app".into(),
            },
            Build::manifests()
                .from_repository("buildspec.yml")
                .webhook(false)
                .managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ),
    ));
    let r = &t["app-ci"]["Resources"];
    let p = &r["Manifests"]["Properties"];
    assert_eq!(
        p["Source"]["Location"],
        "https://github.com/acme/app-manifests.git"
    );
    assert_eq!(p["Source"]["BuildSpec"], "buildspec.yml");
    assert_eq!(
        p["SecondarySources"],
        json!([{"Type": "GITHUB", "Location": "https://github.com/acme/app.git", "SourceIdentifier": "Application"}])
    );
    assert!(p.get("Triggers").is_none());
    assert_eq!(p["Environment"]["PrivilegedMode"], false);
    assert_eq!(
        r["ManifestsRole"]["Properties"]["ManagedPolicyArns"],
        json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    );
    let (_, helm) = files
        .iter()
        .find(|(path, _)| path == "buildspecs/app-ci/manifests/buildspec.yml")
        .expect("the starting copy of the manifests buildspec");
    assert!(
        helm.contains(r#"helm template \"app\" \"charts/app\" --values \"values/$stage.yaml\""#)
            || helm.contains(r#"helm template "app" "charts/app" --values "values/$stage.yaml""#),
        "{helm}"
    );
    // Kustomize by default, inlined, with the webhook.
    let (t, _) = synth(system(
        common(),
        Application::new("acme/app", "acme/app-manifests"),
    ));
    let p = &t["app-ci"]["Resources"]["Manifests"]["Properties"];
    let spec = p["Source"]["BuildSpec"].as_str().unwrap();
    assert!(
        spec.contains("kustomize build \"overlays/$stage\""),
        "{spec}"
    );
    assert!(spec.contains("for stage in staging;"), "{spec}");
    assert!(p.get("Triggers").is_some());
}

/// Upstream deploy-role: `cluster_name`, `deployment_account_ids`, `tags`;
/// the access entry: namespace-scoped edit, or another with a reason in
/// the template's Metadata.
#[test]
fn deploy_role_variables() {
    let cluster = Cluster::new("eu-prod", "333333333333", "eu-west-1")
        .trust("111111111111")
        .trust("555555555555")
        .access(
            AccessPolicy::ClusterAdmin,
            Scope::Cluster,
            "the manifests install CRDs",
        )
        .tag("team", "platform");
    let stack = cluster.build("111111111111");
    assert_eq!(stack.env().region.as_deref(), Some("eu-west-1"));
    assert_eq!(stack.env().account.as_deref(), Some("333333333333"));
    let (t, _) = synth(vec![stack]);
    assert_eq!(t["deploy-role-eu-prod:tags"]["team"], "platform");
    let s = &t["deploy-role-eu-prod"];
    let role = &s["Resources"]["DeployRole"]["Properties"];
    assert_eq!(role["RoleName"], "eu-prod-deploy");
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"][0],
        json!({
            "Effect": "Allow",
            "Principal": {"AWS": [
                {"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:root"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::555555555555:root"}
            ]},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:PrincipalTag/cluster.eu-prod.deploy": "true"}}
        })
    );
    assert!(
        role["Tags"]
            .as_array()
            .unwrap()
            .contains(&json!({"Key": "deployTo", "Value": "eu-prod"}))
    );
    assert_eq!(
        s["Metadata"][ACCESS_METADATA],
        json!({"policy": "AmazonEKSClusterAdminPolicy", "scope": "cluster", "reason": "the manifests install CRDs"})
    );
    assert_eq!(
        s["Resources"]["DeployRoleAccess"]["Properties"]["AccessPolicies"][0]["AccessScope"],
        json!({"Type": "cluster"})
    );
    // Default: edit on the namespaces, trusting the operations account.
    let (t, _) = synth(vec![staging().build("111111111111")]);
    let s = &t["deploy-role-staging"];
    assert!(s["Metadata"].get(ACCESS_METADATA).is_none());
    assert_eq!(
        s["Resources"]["DeployRoleAccess"]["Properties"]["AccessPolicies"],
        json!([{
            "PolicyArn": {"Fn::Sub": "arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"},
            "AccessScope": {"Type": "namespace", "Namespaces": ["acme"]}
        }])
    );
    assert_eq!(
        s["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"],
        json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::111111111111:root"}})
    );
}

/// Upstream deploy-project (`buildspec`, `cluster_names`, `policies`,
/// `name`, `namespace`, `tags`) and cicd-pipeline (`deployments` with
/// `cluster_name`, `region`, `role_arn`, `manifest_path`;
/// `deploy_env_vars`; `source_repository_name` and `_branch`;
/// `manifests_repository_name` and `_branch`; `kms_key` in the common
/// test).
#[test]
fn deploy_project_and_pipeline_variables() {
    let eu = Cluster::new("eu-prod", "333333333333", "eu-west-1").namespace("acme");
    let other = RoleArn::new("333333333333", "custom-deploy");
    let app = Application::new("acme/app", "acme/app-manifests")
        .deploy(
            Build::deploy()
                .managed_policy("arn:aws:iam::111111111111:policy/deploy-extra")
                .timeout_minutes(30),
        )
        .stage(
            Stage::new("production")
                .branch("release")
                .manifests_branch("live")
                .variable("ENVIRONMENT", "production")
                .deploy(Deployment::new("us", &staging()).manifest_path("build/us.yaml"))
                .deploy(
                    Deployment::new("eu", &eu)
                        .role(other)
                        .variable("REPLICAS", "3"),
                ),
        );
    let (t, _) = synth(System::new(common()).application(app).stacks());
    let r = &t["app-cd"]["Resources"];
    let deploy = &r["DeployRole"];
    assert_eq!(
        deploy["Properties"]["Tags"],
        json!([
            {"Key": "cluster.staging.deploy", "Value": "true"},
            {"Key": "cluster.eu-prod.deploy", "Value": "true"}
        ])
    );
    assert_eq!(
        deploy["Properties"]["ManagedPolicyArns"],
        json!(["arn:aws:iam::111111111111:policy/deploy-extra"])
    );
    assert_eq!(r["Deploy"]["Properties"]["TimeoutInMinutes"], 30);
    let assume: Vec<Value> = statements(deploy)
        .into_iter()
        .filter(|s| s["Action"] == json!(["sts:AssumeRole"]))
        .collect();
    assert_eq!(
        assume,
        [
            json!({"Effect": "Allow", "Action": ["sts:AssumeRole"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:role/staging-deploy"}],
                "Condition": {"StringEquals": {"iam:ResourceTag/deployTo": "staging"}}}),
            json!({"Effect": "Allow", "Action": ["sts:AssumeRole"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:role/custom-deploy"}],
                "Condition": {"StringEquals": {"iam:ResourceTag/deployTo": "eu-prod"}}}),
        ]
    );
    let stages = &r["ProductionPipeline"]["Properties"]["Stages"];
    let source = &stages[0]["Actions"];
    assert_eq!(source[0]["Configuration"]["FullRepositoryId"], "acme/app");
    assert_eq!(source[0]["Configuration"]["BranchName"], "release");
    assert_eq!(
        source[1]["Configuration"]["FullRepositoryId"],
        "acme/app-manifests"
    );
    assert_eq!(source[1]["Configuration"]["BranchName"], "live");
    let deploys = stages[2]["Actions"].as_array().unwrap();
    let vars: Vec<Value> = deploys.iter().map(variables).collect();
    assert_eq!(
        vars[0],
        json!({"DEPLOY_ROLE_ARN": "arn:${AWS::Partition}:iam::222222222222:role/staging-deploy",
            "EKS_CLUSTER_NAME": "staging", "EKS_CLUSTER_REGION": "us-east-1",
            "MANIFEST_PATH": "build/us.yaml", "ENVIRONMENT": "production"})
    );
    assert_eq!(
        vars[1],
        json!({"DEPLOY_ROLE_ARN": "arn:${AWS::Partition}:iam::333333333333:role/custom-deploy",
            "EKS_CLUSTER_NAME": "eu-prod", "EKS_CLUSTER_REGION": "eu-west-1",
            "MANIFEST_PATH": "build/production.yaml", "ENVIRONMENT": "production", "REPLICAS": "3"})
    );
}

/// A deploy action's variables as a name → value map.
fn variables(action: &Value) -> Value {
    let config = &action["Configuration"]["EnvironmentVariables"];
    let text = config["Fn::Sub"].as_str().or(config.as_str()).unwrap();
    let list: Value = serde_json::from_str(text).unwrap();
    let mut out = serde_json::Map::new();
    for v in list.as_array().unwrap() {
        out.insert(v["name"].as_str().unwrap().to_owned(), v["value"].clone());
    }
    Value::Object(out)
}

#[test]
fn the_app_reruns_safely_and_reads_the_image_buildspec_from_the_repository() {
    let (t, files) = app_templates();
    for app in ["app", "api"] {
        let ci = &t[format!("{app}-ci")]["Resources"];
        let image = &ci["Image"]["Properties"];
        assert_eq!(image["Source"]["BuildSpec"], "buildspec.yml", "{app}");
        let (_, spec) = files
            .iter()
            .find(|(p, _)| *p == format!("buildspecs/{app}-ci/image/buildspec.yml"))
            .unwrap_or_else(|| panic!("the starting copy of {app}'s buildspec"));
        // The push is skipped, and the log says so, when the tag exists.
        assert!(
            spec.contains(
                r#"--repository-name "${REPOSITORY_URI#*/}" --image-ids "imageTag=$IMAGE_TAG""#
            ) && spec.contains(
                r#"echo "the image $IMAGE_TAG is already in $REPOSITORY_URI, not pushing it again""#
            ),
            "{spec}"
        );
        // The role may read image metadata of its own repository only.
        let describe: Vec<Value> = statements(&ci["ImageRole"])
            .into_iter()
            .filter(|s| s["Action"].to_string().contains("ecr:DescribeImages"))
            .collect();
        assert_eq!(describe.len(), 1, "{describe:#?}");
        assert_eq!(
            describe[0]["Resource"],
            json!([{"Fn::GetAtt": ["Repository", "Arn"]}])
        );
        // The manifests and deploy buildspecs are inlined and still copied.
        assert!(
            files
                .iter()
                .any(|(p, _)| *p == format!("buildspecs/{app}-ci/manifests.yml"))
        );
        assert!(
            files
                .iter()
                .any(|(p, _)| *p == format!("buildspecs/{app}-cd/deploy.yml"))
        );
    }
    // The committed starting copy is the one synth writes.
    let committed = std::fs::read_to_string(
        crate::support::repo().join("buildspecs/app-ci/image/buildspec.yml"),
    )
    .unwrap();
    assert!(committed.contains("describe-images"));
}

#[test]
fn the_app_deploys_production_to_a_second_region_and_staging_to_another_account() {
    let (t, _) = app_templates();
    let eu = &t["deploy-role-production-eu"];
    let stacks = pipewright_app::eks_cicd::stacks();
    let env = stacks
        .iter()
        .find(|s| s.name() == "deploy-role-production-eu")
        .unwrap()
        .env();
    assert_eq!(env.region.as_deref(), Some("eu-west-1"));
    assert_eq!(env.account.as_deref(), Some("333333333333"));
    assert_eq!(
        eu["Resources"]["DeployRole"]["Properties"]["RoleName"],
        "production-eu-deploy"
    );
    for app in ["app", "api"] {
        let stages =
            &t[format!("{app}-cd")]["Resources"]["ProductionPipeline"]["Properties"]["Stages"];
        let vars: Vec<Value> = stages[2]["Actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(variables)
            .collect();
        let places: Vec<(&str, &str, &str)> = vars
            .iter()
            .map(|v| {
                (
                    v["EKS_CLUSTER_NAME"].as_str().unwrap(),
                    v["EKS_CLUSTER_REGION"].as_str().unwrap(),
                    v["DEPLOY_ROLE_ARN"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            places,
            [
                (
                    "production",
                    "us-east-1",
                    "arn:${AWS::Partition}:iam::333333333333:role/production-deploy"
                ),
                (
                    "production-eu",
                    "eu-west-1",
                    "arn:${AWS::Partition}:iam::333333333333:role/production-eu-deploy"
                ),
            ],
            "{app}"
        );
        let staging =
            &t[format!("{app}-cd")]["Resources"]["StagingPipeline"]["Properties"]["Stages"];
        assert_eq!(
            variables(&staging[2]["Actions"][0])["DEPLOY_ROLE_ARN"],
            "arn:${AWS::Partition}:iam::222222222222:role/staging-deploy"
        );
    }
    // Production's bootstrap manages its stacks in both regions.
    let bootstrap = t["bootstrap-production"].to_string();
    assert!(
        bootstrap.contains(
            "cloudformation:eu-west-1:${AWS::AccountId}:stack/deploy-role-production-eu/*"
        ),
        "{bootstrap}"
    );
}

#[test]
fn the_apis_manifests_follow_their_own_branch() {
    let (t, _) = app_templates();
    let branches = |app: &str, pipeline: &str| -> (Value, Value) {
        let a =
            &t[format!("{app}-cd")]["Resources"][pipeline]["Properties"]["Stages"][0]["Actions"];
        (
            a[0]["Configuration"]["BranchName"].clone(),
            a[1]["Configuration"]["BranchName"].clone(),
        )
    };
    assert_eq!(
        branches("app", "StagingPipeline"),
        (json!("main"), json!("main"))
    );
    assert_eq!(
        branches("api", "StagingPipeline"),
        (json!("main"), json!("release"))
    );
    assert_eq!(
        branches("api", "ProductionPipeline"),
        (json!("production"), json!("production"))
    );
}

#[test]
fn no_everyone_principal_and_no_import_in_a_workload_stack() {
    let (t, _) = app_templates();
    for (name, template) in t.as_object().unwrap() {
        let text = template.to_string();
        // A `*` principal only in the TLS-only Deny statements of bucket
        // and topic policies.
        assert_eq!(
            text.matches(r#""Principal":"*""#).count(),
            text.matches("DenyInsecureTransport").count(),
            "{name}"
        );
        assert!(!text.contains(r#""AWS":"*""#), "{name}");
        if name.starts_with("deploy-role-") {
            assert!(!text.contains("Fn::ImportValue"), "{name}");
        }
    }
}

#[test]
fn invalid_configuration_names_the_construct_and_the_fix() {
    let long = "a-cluster-name-that-is-far-too-long-for-the-role-name-limit";
    let all = problems(vec![
        Cluster::new(long, "222222222222", "us-east-1")
            .namespace("acme")
            .build("111111111111"),
        Cluster::new("bare", "222222222222", "us-east-1").build("111111111111"),
    ]);
    assert_eq!(
        all,
        [
            format!("deploy-role-{long}/DeployRole: role name `{long}-deploy` is invalid: use 1 to 64 letters, digits and `+=,.@_-`"),
            "deploy-role-bare/DeployRoleAccess: access entry scopes `AmazonEKSEditPolicy` to no namespace: name at least one".to_owned(),
        ]
    );
    let admin = Build::image().managed_policy("arn:aws:iam::aws:policy/AdministratorAccess");
    let all = problems(system(
        common(),
        Application::new("acme/app", "acme/app-manifests").image(admin),
    ));
    assert_eq!(
        all,
        [
            "app-ci/ImageRole: attaches the AWS managed policy `AdministratorAccess`, which administers the account: attach a policy that grants what the role needs"
        ]
    );
    let all = problems(
        System::new(common())
            .application(Application::new("acme/app", "acme/app-manifests"))
            .application(
                Application::new("acme/api", "acme/api-manifests").stage(Stage::new("staging")),
            )
            .stacks(),
    );
    assert_eq!(
        all,
        [
            "app-cd/Deploy: application `acme/app` has no stage: add one with `Application::stage`",
            "api-cd/Deploy: stage `staging` of application `acme/api` deploys nowhere: add a deployment with `Stage::deploy`",
        ]
    );
}

/// The configuration of a third application, `acme/shop`, in a crate of
/// its own that depends on pipewright: what a platform team writes.
const SHOP: &str = r#"use pipewright::App;
use pipewright::patterns::eks::{
    Application, Cluster, Common, Credential, Deployment, Stage, System, Token,
};

pub fn app() -> App {
    let staging = Cluster::new("staging", "222222222222", "us-east-1").namespace("shop");
    let production = Cluster::new("production", "333333333333", "eu-west-1").namespace("shop");
    let shop = Application::new("acme/shop", "acme/shop-manifests")
        .stage(Stage::new("staging").deploy(Deployment::new("shop", &staging)))
        .stage(
            Stage::new("production")
                .branch("production")
                .deploy(Deployment::new("shop", &production)),
        );
    let common = Common::new("111111111111", "us-east-1")
        .credential(Credential::github(Token::secret("acme/github-token", "token")));
    let system = System::new(common)
        .application(shop)
        .cluster(staging)
        .cluster(production);
    let mut app = App::new();
    for stack in system.stacks() {
        app.add(stack);
    }
    app
}
"#;

#[test]
fn a_third_application_from_outside_the_library_in_under_40_lines() {
    assert!(SHOP.lines().count() < 40, "{} lines", SHOP.lines().count());
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("acme-infra");
    crate::new_app::write_infra_crate(&krate, "acme-shop", false);
    std::fs::write(krate.join("src/lib.rs"), SHOP).unwrap();
    let out = crate::new_app::cargo(&krate, &["run", "--offline", "--quiet", "--", "synth"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "cargo run -- synth:\n{stderr}");
    assert!(stderr.contains("synthesized 5 stacks"), "{stderr}");
    let read = |path: &str| {
        std::fs::read_to_string(krate.join(path))
            .unwrap_or_else(|e| panic!("{path} was written ({e}):\n{stderr}"))
    };
    assert!(read("stacks/eks-common.yaml").contains("AWS::CodeStarConnections::Connection"));
    assert!(read("stacks/shop-ci.yaml").contains("RepositoryName: acme/shop"));
    let cd = read("stacks/shop-cd.yaml");
    assert!(cd.contains("FullRepositoryId: acme/shop-manifests"), "{cd}");
    assert!(cd.contains("ProductionPipeline"), "{cd}");
    assert!(read("stacks/deploy-role-production.yaml").contains("RoleName: production-deploy"));
    assert!(read("buildspecs/shop-ci/image/buildspec.yml").contains("describe-images"));
}

//! The EKS CI/CD system (issue #12): the operations stacks' resources and
//! IAM statements, exactly, and the errors of an invalid configuration.

use pipewright::App;
use pipewright::Error;
use pipewright::codebuild::{EventAction, FilterGroup, Project, Source};
use pipewright::codestar::Connection;
use pipewright::template::json;
use pipewright_app::eks_cicd::{self, CONFIG, Cluster, Config};
use serde_json::{Value, json};

/// Every template of the app (whose EKS stacks come from [`CONFIG`]).
fn templates() -> Value {
    let assembly = pipewright_app::app().synth().unwrap();
    let mut out = serde_json::Map::new();
    for a in &assembly.stacks {
        out.insert(a.name.clone(), json::to_value(&a.template));
    }
    Value::Object(out)
}

fn problems(app: App) -> Vec<String> {
    match app.synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn statements(resource: &Value) -> Value {
    resource["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].clone()
}

#[test]
fn common_has_the_bucket_connection_parameter_credential_and_pullable_repositories() {
    let t = templates();
    let r = &t["eks-common"]["Resources"];
    let kinds: Vec<(&str, &str)> = r
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v["Type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ArtifactBucket", "AWS::S3::Bucket"),
            ("ArtifactBucketPolicy", "AWS::S3::BucketPolicy"),
            ("GitHubConnection", "AWS::CodeStarConnections::Connection"),
            ("GitHubConnectionParameter", "AWS::SSM::Parameter"),
            ("GitHubCredential", "AWS::CodeBuild::SourceCredential"),
            ("Repository", "AWS::ECR::Repository"),
            ("BaseRepository", "AWS::ECR::Repository"),
        ]
    );
    assert_eq!(
        r["GitHubConnection"]["Properties"],
        json!({"ConnectionName": "acme-github", "ProviderType": "GitHub"})
    );
    assert_eq!(
        r["GitHubConnectionParameter"]["Properties"],
        json!({
            "Name": "/codestar_connection/GitHub/acme-github",
            "Type": "String",
            "Value": {"Ref": "GitHubConnection"},
            "Description": "ARN of the connection to GitHub"
        })
    );
    assert_eq!(
        r["GitHubCredential"]["Properties"],
        json!({
            "ServerType": "GITHUB",
            "AuthType": "PERSONAL_ACCESS_TOKEN",
            "Token": "{{resolve:secretsmanager:acme/github-token:SecretString:token}}"
        })
    );
    for (id, name) in [
        ("Repository", "acme/app"),
        ("BaseRepository", "acme/app-base"),
    ] {
        let p = &r[id]["Properties"];
        assert_eq!(p["RepositoryName"], name);
        assert_eq!(p["ImageTagMutability"], "IMMUTABLE");
        assert_eq!(r[id]["DeletionPolicy"], "Retain");
        assert_eq!(
            p["RepositoryPolicyText"]["Statement"],
            json!([{
                "Effect": "Allow",
                "Principal": {"AWS": [
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:root"},
                    {"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:root"}
                ]},
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer"
                ]
            }])
        );
    }
}

#[test]
fn ci_projects_build_pull_requests_and_only_the_image_role_pushes() {
    let t = templates();
    let r = &t["eks-ci"]["Resources"];
    // The connection's ARN comes from Parameter Store, where eks-common
    // writes it; eks-cd reads it, and grants its use to the projects that
    // clone through it. eks-ci needs it no more.
    assert!(t["eks-ci"]["Parameters"].is_null());
    assert_eq!(
        t["eks-cd"]["Parameters"],
        json!({"GitHubConnectionArn": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/codestar_connection/GitHub/acme-github",
            "Description": "Parameter Store name of the GitHub connection's ARN (written by eks-common)",
        }}),
    );
    let image = &r["Image"]["Properties"];
    assert_eq!(image["Environment"]["PrivilegedMode"], true);
    assert_eq!(image["TimeoutInMinutes"], 20);
    assert_eq!(image["Artifacts"], json!({"Type": "NO_ARTIFACTS"}));
    assert_eq!(image["Source"]["Type"], "GITHUB");
    assert_eq!(
        image["Environment"]["EnvironmentVariables"],
        json!([
            {"Name": "REPOSITORY_URI", "Type": "PLAINTEXT", "Value": {"Fn::ImportValue": "eks-common:RepositoryRepositoryUri"}},
            {"Name": "BASE_REPOSITORY_URI", "Type": "PLAINTEXT", "Value": {"Fn::ImportValue": "eks-common:BaseRepositoryRepositoryUri"}}
        ])
    );
    let pull_requests = json!({
        "Webhook": true,
        "BuildType": "BUILD",
        "FilterGroups": [[{"Type": "EVENT", "Pattern": "PULL_REQUEST_CREATED, PULL_REQUEST_UPDATED"}]]
    });
    assert_eq!(image["Triggers"], pull_requests);
    let manifests = &r["Manifests"]["Properties"];
    assert_eq!(manifests["Triggers"], pull_requests);
    assert_eq!(manifests["Environment"]["PrivilegedMode"], false);
    assert_eq!(
        manifests["Source"]["Location"],
        "https://github.com/acme/app-manifests.git"
    );
    assert_eq!(
        manifests["SecondarySources"],
        json!([{"Type": "GITHUB", "Location": "https://github.com/acme/app.git", "SourceIdentifier": "Application"}])
    );
    let push = json!([
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImages",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart"
    ]);
    let image_statements = statements(&r["ImageRole"]);
    let ecr: Vec<&Value> = image_statements
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"].to_string().contains("ecr:PutImage"))
        .collect();
    // Push on the application's repository only: the base image mirror
    // is pulled from, never pushed to.
    assert_eq!(
        ecr,
        [&json!({"Effect": "Allow", "Action": push,
            "Resource": [{"Fn::ImportValue": "eks-common:RepositoryArn"}]})]
    );
    assert!(
        image_statements
            .to_string()
            .contains("eks-common:BaseRepositoryArn")
    );
    assert!(!statements(&r["ManifestsRole"]).to_string().contains("ecr:"));
    // The pipelines of eks-cd clone through the connection
    // (CODEBUILD_CLONE_REF): they grant its use to the projects that read
    // those clones, in a policy of their own stack.
    let cd = t["eks-cd"]["Resources"].as_object().unwrap();
    for role in ["ImageRole", "ManifestsRole"] {
        assert!(!statements(&r[role]).to_string().contains("UseConnection"));
        let policy = cd
            .values()
            .find(|p| {
                p["Type"] == "AWS::IAM::Policy"
                    && p["Properties"]["Roles"]
                        == json!([{"Fn::ImportValue": format!("eks-ci:{role}")}])
            })
            .unwrap_or_else(|| panic!("no policy for {role} in eks-cd"));
        assert!(
            policy["Properties"]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .contains(&json!({
                    "Effect": "Allow",
                    "Action": ["codeconnections:UseConnection", "codestar-connections:UseConnection"],
                    "Resource": [{"Ref": "GitHubConnectionArn"}]
                })),
            "{role}"
        );
    }
}

#[test]
fn cd_deploy_role_assumes_exactly_the_workload_roles_and_pipelines_start_exactly_three_projects() {
    let t = templates();
    let r = &t["eks-cd"]["Resources"];
    let deploy = &r["DeployRole"];
    assert_eq!(
        deploy["Properties"]["Tags"],
        json!([
            {"Key": "cluster.staging.deploy", "Value": "true"},
            {"Key": "cluster.production.deploy", "Value": "true"}
        ])
    );
    let assume: Vec<Value> = statements(deploy)
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"] == json!(["sts:AssumeRole"]))
        .cloned()
        .collect();
    assert_eq!(
        assume,
        [
            json!({"Effect": "Allow", "Action": ["sts:AssumeRole"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::222222222222:role/staging-deploy"}],
                "Condition": {"StringEquals": {"iam:ResourceTag/deployTo": "staging"}}}),
            json!({"Effect": "Allow", "Action": ["sts:AssumeRole"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:iam::333333333333:role/production-deploy"}],
                "Condition": {"StringEquals": {"iam:ResourceTag/deployTo": "production"}}}),
        ]
    );
    assert_eq!(
        r["Deploy"]["Properties"]["Environment"]["PrivilegedMode"],
        false
    );
    assert_eq!(r["Deploy"]["Properties"]["Source"]["Type"], "CODEPIPELINE");
    let project = |id: &str| {
        json!({"Effect": "Allow", "Action": ["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
            "Resource": [id_arn(id)]})
    };
    for pipeline in ["StagingPipelineRole", "ProductionPipelineRole"] {
        assert_eq!(
            statements(&r[pipeline]),
            json!([
                {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:GetBucketVersioning"],
                    "Resource": [{"Fn::ImportValue": "eks-common:ArtifactBucketArn"}]},
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl"],
                    "Resource": [{"Fn::Sub": ["${ArtifactBucketArn}/*",
                        {"ArtifactBucketArn": {"Fn::ImportValue": "eks-common:ArtifactBucketArn"}}]}]},
                project("Deploy"),
                project("Image"),
                project("Manifests"),
                {"Effect": "Allow", "Action": ["codeconnections:UseConnection", "codestar-connections:UseConnection"],
                    "Resource": [{"Ref": "GitHubConnectionArn"}]}
            ]),
            "{pipeline}"
        );
    }
    let stages = &r["StagingPipeline"]["Properties"]["Stages"];
    assert_eq!(
        stages[0]["Actions"][0]["Configuration"]["OutputArtifactFormat"],
        "CODEBUILD_CLONE_REF"
    );
    assert_eq!(
        stages[0]["Actions"][0]["Configuration"]["BranchName"],
        "main"
    );
    assert_eq!(
        r["ProductionPipeline"]["Properties"]["Stages"][0]["Actions"][0]["Configuration"]["BranchName"],
        "production"
    );
    let manifests = &stages[1]["Actions"][1];
    assert_eq!(manifests["Configuration"]["PrimarySource"], "Manifests");
    assert_eq!(
        manifests["InputArtifacts"],
        json!([{"Name": "Manifests"}, {"Name": "Application"}])
    );
    // The deploy role's ARN is written with the partition, so the
    // variables are a `Fn::Sub` of the JSON.
    let variables: Value = serde_json::from_str(
        stages[2]["Actions"][0]["Configuration"]["EnvironmentVariables"]["Fn::Sub"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        variables[0]["value"],
        "arn:${AWS::Partition}:iam::222222222222:role/staging-deploy"
    );
    let names: Vec<&str> = variables
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "DEPLOY_ROLE_ARN",
            "EKS_CLUSTER_NAME",
            "EKS_CLUSTER_REGION",
            "MANIFEST_PATH"
        ]
    );
}

/// The ARN of project `id` as the pipeline roles name it.
fn id_arn(id: &str) -> Value {
    let template = format!(
        "arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:project/${{{id}}}"
    );
    if id == "Deploy" {
        json!({"Fn::Sub": template})
    } else {
        json!({"Fn::Sub": [template, {id: {"Fn::ImportValue": format!("eks-ci:{id}")}}]})
    }
}

#[test]
fn no_everyone_principal_and_no_import_in_a_workload_stack() {
    let t = templates();
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
    let entry = &t["deploy-role-staging"]["Resources"]["DeployRoleAccess"]["Properties"];
    assert_eq!(
        entry["AccessPolicies"],
        json!([{
            "PolicyArn": {"Fn::Sub": "arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"},
            "AccessScope": {"Type": "namespace", "Namespaces": ["acme-app"]}
        }])
    );
}

#[test]
fn invalid_configuration_names_the_construct_and_the_fix() {
    let mut s = pipewright::Stack::new("app");
    s.add(Connection::new(
        "Connection",
        "a-connection-name-of-forty-characters-xx",
    ));
    // Built at run time: clippy refuses an invalid literal pattern.
    let pattern = String::from("^refs/heads/(main");
    s.add(
        Project::new(
            "Build",
            pipewright::buildspec::BuildSpec::new().build(["make"]),
        )
        .source(Source::GitHub {
            location: "https://github.com/acme/app.git".into(),
        })
        .webhook(vec![
            FilterGroup::in_event_of([EventAction::PullRequestCreated]).base_ref(pattern),
        ]),
    );
    assert_eq!(
        problems(App::new().stack(s)),
        [
            "app/Connection: connection name `a-connection-name-of-forty-characters-xx` has 40 characters: a connection name has 1 to 32, so shorten it",
            "app/Build: webhook filter group 1: BASE_REF pattern `^refs/heads/(main` is not a valid regular expression: unclosed group",
            "app/Build: project `Build` of stack `app` is started by a GITHUB webhook, but no stack in the deploying account and region provides a GITHUB source credential: add a `codebuild::SourceCredential` for GITHUB to a stack of the deploying account and region, or give the project a connection with `Project::source_connection`",
        ]
    );

    let long: &'static str = "a-cluster-name-that-is-far-too-long-for-the-role-name-limit";
    let clusters: &'static [Cluster] = Box::leak(Box::new([Cluster {
        name: long,
        account: "222222222222",
        branch: "main",
        deployments: &[],
    }]));
    let config = Config { clusters, ..CONFIG };
    let stack = eks_cicd::deploy_role(&config, &clusters[0]);
    let all = problems(App::new().stack(stack));
    assert!(
        all.contains(&format!(
            "deploy-role-{long}/DeployRole: role name `{long}-deploy` is invalid: use 1 to 64 letters, digits and `+=,.@_-`"
        )),
        "{all:#?}"
    );
}

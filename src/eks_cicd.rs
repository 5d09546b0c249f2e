//! The thoughtbot EKS CI/CD system (terraform-eks-cicd), as CloudFormation:
//! an operations account builds images and manifests and deploys them;
//! each workload account runs an EKS cluster that the operations account's
//! deploy project reaches through a role there.
//!
//! - `eks-common` (operations): the artifact bucket, the connection to
//!   GitHub (created PENDING, its ARN published in Parameter Store), the
//!   CodeBuild source credential, and the application's ECR repository and
//!   its `-base` mirror, which the workload accounts may pull from;
//! - `eks-ci` (operations): the image and manifests projects, built on
//!   every pull request by a webhook;
//! - `eks-cd` (operations): the deploy project and one pipeline per stage:
//!   Source (application and manifests) → Build (image and manifests) →
//!   Deploy (one action per deployment);
//! - `deploy-role-<cluster>` (each workload account): the role
//!   `<cluster>-deploy` the deploy project assumes, and its EKS access entry.
//!
//! Everything is named from [`CONFIG`]; values used in a workload account
//! are literals built from those names, never imports.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::buildspec::{BuildSpec, steps};
use pipewright::codebuild::{
    EventAction, FilterGroup, Project, ServerType, Source, SourceCredential,
};
use pipewright::codepipeline::{
    Action, Artifact, CodeBuildAction, ConnectionSource, Pipeline, Stage,
};
use pipewright::codestar::Connection;
use pipewright::eks::{AccessEntry, AccessPolicy, Scope};
use pipewright::iam::{Principal, Role, RoleArn, Statement};
use pipewright::template::{Expr, Output, Parameter, ParameterType};
use pipewright::{Stack, ecr, s3, ssm};

/// One deployment of a stage: a manifest applied by one Deploy action.
#[derive(Clone, Copy, Debug)]
pub struct Deployment {
    /// The action's name (letters, digits, `.@_-`).
    pub name: &'static str,
    /// The manifest to apply, relative to the built manifests artifact
    /// (`MANIFEST_PATH`).
    pub manifest_path: &'static str,
    /// Extra variables of the action, as (name, value).
    pub variables: &'static [(&'static str, &'static str)],
}

/// A workload cluster and its stage.
#[derive(Clone, Copy, Debug)]
pub struct Cluster {
    /// The EKS cluster's name; also the stage's name.
    pub name: &'static str,
    /// The account the cluster runs in.
    pub account: &'static str,
    /// The branch of both repositories whose pushes start the stage's pipeline.
    pub branch: &'static str,
    /// What the stage deploys.
    pub deployments: &'static [Deployment],
}

/// The system's configuration: the one value to change to point it at real
/// accounts and repositories.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The operations account: pipelines, images, artifacts.
    pub operations: &'static str,
    /// The region of every stack and cluster.
    pub region: &'static str,
    /// The application's GitHub repository, `owner/name`; also the name of
    /// its ECR repository (and of the `-base` mirror).
    pub application: &'static str,
    /// The manifests' GitHub repository, `owner/name`: one kustomize
    /// overlay per stage under `overlays/<cluster>`.
    pub manifests: &'static str,
    /// The connection's name (at most 32 characters).
    pub connection: &'static str,
    /// The Secrets Manager secret holding the GitHub personal access token
    /// CodeBuild uses for pull-request builds, under the JSON key `token`.
    pub github_token_secret: &'static str,
    /// The Kubernetes namespace the application is deployed to; the deploy
    /// role may edit this namespace only.
    pub namespace: &'static str,
    /// The clusters, one per stage, in promotion order.
    pub clusters: &'static [Cluster],
}

/// This repository's configuration (example accounts).
pub const CONFIG: Config = Config {
    operations: OPERATIONS,
    region: REGION,
    application: "acme/app",
    manifests: "acme/app-manifests",
    connection: "acme-github",
    github_token_secret: "acme/github-token",
    namespace: "acme-app",
    clusters: &[
        Cluster {
            name: "staging",
            account: "222222222222",
            branch: "main",
            deployments: &[Deployment {
                name: "app",
                manifest_path: "build/staging.yaml",
                variables: &[],
            }],
        },
        Cluster {
            name: "production",
            account: "333333333333",
            branch: "production",
            deployments: &[Deployment {
                name: "app",
                manifest_path: "build/production.yaml",
                variables: &[("ENVIRONMENT", "production")],
            }],
        },
    ],
};

/// The `eks-common` stack's name.
pub const COMMON: &str = "eks-common";
/// The `eks-ci` stack's name.
pub const CI: &str = "eks-ci";
/// The `eks-cd` stack's name.
pub const CD: &str = "eks-cd";

/// The artifact name (and secondary source identifier) of the application
/// repository: builds find it in `$CODEBUILD_SRC_DIR_Application`.
const APPLICATION: &str = "Application";
/// The artifact name of the manifests repository.
const MANIFESTS: &str = "Manifests";
/// The artifact name of the built manifests.
const BUILT_MANIFESTS: &str = "BuiltManifests";
/// kubectl and kustomize versions the buildspecs install.
const KUBECTL_VERSION: &str = "1.30.4";
const KUSTOMIZE_VERSION: &str = "5.4.3";

/// What `eks-common` hands the other operations stacks.
#[derive(Clone, Debug)]
pub struct Common {
    /// The artifact bucket.
    pub bucket: s3::BucketRef,
    /// The connection to GitHub.
    pub connection: pipewright::codestar::ConnectionRef,
    /// The application's repository.
    pub repository: ecr::RepositoryRef,
    /// Its `-base` mirror.
    pub base: ecr::RepositoryRef,
}

/// What `eks-ci` hands `eks-cd`.
#[derive(Clone, Debug)]
pub struct Ci {
    /// The image project.
    pub image: pipewright::codebuild::ProjectRef,
    /// The manifests project.
    pub manifests: pipewright::codebuild::ProjectRef,
}

fn operations_stack(config: &Config, name: &str, description: &str) -> Stack {
    Stack::new(name)
        .description(format!("{description} (managed by pipewright)"))
        .account(config.operations)
        .region(config.region)
        .tag("project", "pipewright")
}

fn github_url(repository: &str) -> Expr {
    Expr::from(format!("https://github.com/{repository}.git"))
}

/// The `eks-common` stack and what the other stacks use of it.
pub fn common(config: &Config) -> (Stack, Common) {
    let mut stack = operations_stack(
        config,
        COMMON,
        "EKS CI/CD: artifacts, the GitHub connection and credential, the application's image repositories",
    );
    let bucket = stack.add(s3::Bucket::new("ArtifactBucket"));
    let connection = stack.add(Connection::new("GitHubConnection", config.connection));
    stack.add(
        ssm::Parameter::new(
            "GitHubConnectionParameter",
            format!("/codestar_connection/GitHub/{}", config.connection),
            connection.arn(),
        )
        .description("ARN of the connection to GitHub"),
    );
    stack.add(SourceCredential::personal_access_token(
        "GitHubCredential",
        ServerType::GitHub,
        Expr::secret(config.github_token_secret, "token"),
    ));
    let workloads: Vec<&str> = config.clusters.iter().map(|c| c.account).collect();
    let repository = stack.add(ecr::Repository::new("Repository").name(config.application));
    repository.allow_pull(&mut stack, &workloads);
    let base = stack
        .add(ecr::Repository::new("BaseRepository").name(format!("{}-base", config.application)));
    base.allow_pull(&mut stack, &workloads);
    stack.add_output(
        "ArtifactBucketName",
        Output::new(bucket.name()).description("Name of the artifact bucket"),
    );
    stack.add_output(
        "ConnectionArn",
        Output::new(connection.arn())
            .description("ARN of the connection to GitHub; complete it in the console"),
    );
    stack.add_output(
        "RepositoryUri",
        Output::new(repository.uri()).description("URI of the application's ECR repository"),
    );
    stack.add_output(
        "BaseRepositoryUri",
        Output::new(base.uri()).description("URI of the base image mirror"),
    );
    let common = Common {
        bucket,
        connection,
        repository,
        base,
    };
    (stack, common)
}

/// The pull-request filter group of the CI projects.
fn pull_requests() -> Vec<FilterGroup> {
    vec![FilterGroup::in_event_of([
        EventAction::PullRequestCreated,
        EventAction::PullRequestUpdated,
    ])]
}

/// The image build: log in to ECR (password on stdin), build the image
/// tagged with the short commit, push it only when the build succeeded.
pub fn image_buildspec() -> BuildSpec {
    BuildSpec::new()
        .exported(["IMAGE_URI", "IMAGE_TAG"])
        .pre_build([
            steps::ecr_login_for("REPOSITORY_URI"),
            steps::short_commit("IMAGE_TAG"),
            r#"IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG""#.to_owned(),
        ])
        .build([
            r#"docker build --build-arg "BASE_REPOSITORY=$BASE_REPOSITORY_URI" --tag "$IMAGE_URI" ."#,
        ])
        .post_build([steps::when_build_succeeds(r#"docker push "$IMAGE_URI""#)])
}

/// The manifests build: per stage, kustomize build of `overlays/<stage>`
/// with the application's image at its commit, into `build/<stage>.yaml`.
pub fn manifests_buildspec(config: &Config) -> BuildSpec {
    let stages: Vec<&str> = config.clusters.iter().map(|c| c.name).collect();
    BuildSpec::new()
        .variable("KUSTOMIZE_VERSION", KUSTOMIZE_VERSION)
        .install([
            r#"curl -fsSL "https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${KUSTOMIZE_VERSION}/kustomize_v${KUSTOMIZE_VERSION}_linux_amd64.tar.gz" | tar -xz -C /usr/local/bin kustomize"#,
        ])
        .build([
            format!(
                r#"IMAGE_TAG="$(git -C "$CODEBUILD_SRC_DIR_{APPLICATION}" rev-parse --short=7 HEAD)""#
            ),
            r#"IMAGE="$REPOSITORY_URI:$IMAGE_TAG""#.to_owned(),
            "mkdir -p build".to_owned(),
            format!(
                "for stage in {}; do\n  (cd \"overlays/$stage\" && kustomize edit set image \"app=$IMAGE\") &&\n  kustomize build \"overlays/$stage\" > \"build/$stage.yaml\" || exit 1\ndone",
                stages.join(" ")
            ),
        ])
        .artifact_files(["build/**/*"])
}

/// The deploy: switch to the deploy role first (`update-kubeconfig
/// --role-arn` alone still calls DescribeCluster with the build's own
/// credentials), then write the kubeconfig, then apply the manifest.
pub fn deploy_buildspec() -> BuildSpec {
    BuildSpec::new()
        .variable("KUBECTL_VERSION", KUBECTL_VERSION)
        .install([
            r#"curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/amd64/kubectl""#,
            "chmod +x /usr/local/bin/kubectl",
        ])
        .assume_role("DEPLOY_ROLE_ARN")
        .build([
            r#"aws eks update-kubeconfig --name "$EKS_CLUSTER_NAME" --region "$EKS_CLUSTER_REGION""#,
            r#"kubectl apply -f "$MANIFEST_PATH""#,
        ])
}

/// The `eks-ci` stack: the image and manifests projects, built on pull
/// requests.
pub fn ci(config: &Config, common: &Common) -> (Stack, Ci) {
    let mut stack = operations_stack(
        config,
        CI,
        "EKS CI/CD: image and manifests builds of every pull request",
    );
    let image = stack.add(
        Project::new("Image", image_buildspec())
            .buildspec_copy("eks-cicd/image.yml")
            .description("Builds the application's image and pushes it to ECR")
            .source(Source::GitHub {
                location: github_url(config.application),
            })
            .privileged()
            .timeout_minutes(20)
            .variable("REPOSITORY_URI", common.repository.uri())
            .variable("BASE_REPOSITORY_URI", common.base.uri())
            .pushes_to(&common.repository)
            .webhook(pull_requests()),
    );
    common.base.grant_pull(&mut stack, image.role());
    let manifests = stack.add(
        Project::new("Manifests", manifests_buildspec(config))
            .buildspec_copy("eks-cicd/manifests.yml")
            .description("Builds each stage's manifests with the application's image")
            .source(Source::GitHub {
                location: github_url(config.manifests),
            })
            .secondary_source(
                APPLICATION,
                Source::GitHub {
                    location: github_url(config.application),
                },
            )
            .timeout_minutes(20)
            .variable("REPOSITORY_URI", common.repository.uri())
            .webhook(pull_requests()),
    );
    stack.add_output(
        "ImageProjectName",
        Output::new(image.name()).description("Name of the image project"),
    );
    stack.add_output(
        "ManifestsProjectName",
        Output::new(manifests.name()).description("Name of the manifests project"),
    );
    (stack, Ci { image, manifests })
}

/// The connection's ARN as `eks-common` publishes it in Parameter Store
/// (`/codestar_connection/GitHub/<name>`), read through a parameter of type
/// `AWS::SSM::Parameter::Value<String>`: the way thoughtbot's modules share
/// it, and no export to keep `eks-common` from replacing the connection.
fn connection_arn(stack: &mut Stack, config: &Config) -> Expr {
    stack.add_parameter(
        "GitHubConnectionArn",
        Parameter::new(ParameterType::Ssm(
            "AWS::SSM::Parameter::Value<String>".into(),
        ))
        .default_value(format!("/codestar_connection/GitHub/{}", config.connection))
        .description("Parameter Store name of the GitHub connection's ARN (written by eks-common)"),
    )
}

/// The deploy role of `cluster`, as a literal ARN in its account.
pub fn deploy_role_arn(cluster: &Cluster) -> RoleArn {
    RoleArn::new(cluster.account, deploy_role_name(cluster.name))
}

/// The tag the deploy project's role carries for `cluster`, which the
/// cluster's deploy role requires of whoever assumes it.
pub fn deploy_tag(cluster: &str) -> String {
    format!("cluster.{cluster}.deploy")
}

/// The `eks-cd` stack: the deploy project and one pipeline per stage.
pub fn cd(config: &Config, common: &Common, ci: &Ci) -> Stack {
    let mut stack = operations_stack(
        config,
        CD,
        "EKS CI/CD: a pipeline per stage that builds the image and manifests and deploys them",
    );
    let mut deploy = Project::new("Deploy", deploy_buildspec())
        .buildspec_copy("eks-cicd/deploy.yml")
        .description("Deploys manifests to an EKS cluster through its deploy role")
        .timeout_minutes(20);
    for cluster in config.clusters {
        deploy = deploy.role_tag(deploy_tag(cluster.name), "true");
    }
    let deploy = stack.add(deploy);
    for cluster in config.clusters {
        stack.grant(
            deploy.role(),
            Statement::allow(["sts:AssumeRole"])
                .resource(deploy_role_arn(cluster).arn())
                .condition("StringEquals", "iam:ResourceTag/deployTo", cluster.name),
        );
    }
    let connection = connection_arn(&mut stack, config);
    let application = Artifact::new(APPLICATION);
    let manifests = Artifact::new(MANIFESTS);
    let built = Artifact::new(BUILT_MANIFESTS);
    for cluster in config.clusters {
        let source = |name: &str, repository: &str, output: &Artifact| {
            Action::connection_full_clone(
                name,
                ConnectionSource {
                    connection_arn: connection.clone(),
                    repository: Expr::from(repository),
                    branch: Expr::from(cluster.branch),
                },
            )
            .output(output)
        };
        let mut deploys = Stage::new("Deploy");
        for d in cluster.deployments {
            let mut action = Action::build(d.name, &deploy)
                .input(&built)
                .variable("DEPLOY_ROLE_ARN", deploy_role_arn(cluster).arn())
                .variable("EKS_CLUSTER_NAME", cluster.name)
                .variable("EKS_CLUSTER_REGION", config.region)
                .variable("MANIFEST_PATH", d.manifest_path);
            for (name, value) in d.variables {
                action = action.variable(*name, *value);
            }
            deploys = deploys.action(action);
        }
        let id = format!("{}Pipeline", pascal(cluster.name));
        let pipeline = stack.add(
            Pipeline::new(id.as_str())
                .artifact_store(&common.bucket)
                .stage(
                    Stage::new("Source")
                        .action(source(APPLICATION, config.application, &application))
                        .action(source(MANIFESTS, config.manifests, &manifests)),
                )
                .stage(
                    Stage::new("Build")
                        .action(Action::build("Image", &ci.image).input(&application))
                        .action(
                            Action::new(
                                "Manifests",
                                CodeBuildAction::build(&ci.manifests).primary_source(&manifests),
                            )
                            .input(&manifests)
                            .input(&application)
                            .output(&built),
                        ),
                )
                .stage(deploys),
        );
        stack.add_output(
            format!("{}PipelineName", pascal(cluster.name)),
            Output::new(pipeline.name()).description(format!(
                "Name of the pipeline that deploys to {}",
                cluster.name
            )),
        );
    }
    stack
}

/// `staging` → `Staging`, `eu-prod` → `EuProd`: a logical ID part.
fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Every stack of the system: the three operations stacks and one deploy
/// role stack per cluster.
pub fn stacks(config: &Config) -> Vec<Stack> {
    let (common_stack, common) = common(config);
    let (ci_stack, ci_refs) = ci(config, &common);
    let cd_stack = cd(config, &common, &ci_refs);
    let mut out = vec![common_stack, ci_stack, cd_stack];
    out.extend(config.clusters.iter().map(|c| deploy_role(config, c)));
    out
}

/// The deploy role's name for `cluster`.
pub fn deploy_role_name(cluster: &str) -> String {
    format!("{cluster}-deploy")
}

/// The `deploy-role-<cluster>` stack: the role the operations account's
/// deploy project assumes to deploy to `cluster`.
///
/// Trust: the operations account, for principals tagged
/// `cluster.<cluster>.deploy=true` (the deploy project's role). Permissions:
/// `eks:DescribeCluster` on the cluster, and through an EKS access entry
/// `AmazonEKSEditPolicy` on the application's namespace, not cluster admin.
pub fn deploy_role(config: &Config, cluster: &Cluster) -> Stack {
    let name = format!("deploy-role-{}", cluster.name);
    let mut stack = Stack::new(&name)
        .description(format!(
            "The role the operations account deploys to EKS cluster {} with (managed by pipewright)",
            cluster.name
        ))
        .account(cluster.account)
        .region(config.region)
        .depends_on(crate::accounts::bootstrap_name(cluster.name))
        .tag("project", "pipewright");
    // The role's name is checked at synth (at most 64 characters), so a
    // cluster name of more than 57 is reported at `DeployRole`.
    let role_name = deploy_role_name(cluster.name);
    let role = stack.add(
        Role::assumed_by("DeployRole", Principal::account(config.operations))
            .trust_condition(
                "StringEquals",
                &format!("aws:PrincipalTag/{}", deploy_tag(cluster.name)),
                "true",
            )
            .name(role_name.as_str())
            .description(format!("Deploys manifests to EKS cluster {}", cluster.name))
            .tag("deployTo", cluster.name),
    );
    let cluster_arn = Expr::sub(format!(
        "arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{}",
        cluster.name
    ));
    stack.grant(
        &role,
        Statement::allow(["eks:DescribeCluster"]).resource(cluster_arn),
    );
    stack.add(
        AccessEntry::new("DeployRoleAccess", cluster.name, role.arn()).policy(
            AccessPolicy::Edit,
            Scope::Namespaces(vec![config.namespace.to_owned()]),
        ),
    );
    stack.add_output(
        "DeployRoleArn",
        Output::new(role.arn()).description("The role the deploy project assumes"),
    );
    stack
}

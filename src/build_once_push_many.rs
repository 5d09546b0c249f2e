//! The CircleCI "build once, push to many registries" system, approved by a
//! restricted group (issue #13).
//!
//! `build-once-pipeline` (operations account): Source → Build →
//! PushNonProd → ApproveProd → PushProd. `Build` builds the image once and
//! hands it over as a gzipped `docker save` archive, exporting `IMAGE_TAG`
//! under the namespace `BuildVariables`; it has no registry permission.
//! Each push action loads the archive and pushes to one registry with a
//! project of its own, whose role may push to that one repository only.
//! The push actions of a stage run in parallel.
//!
//! `ApproveProd` waits for a member of the approvers group, who may approve
//! exactly that action and read the pipeline; the encrypted topic tells
//! them (and the configured addresses) what is waiting.
//!
//! `build-once-production` (production account): the production repository,
//! whose policy admits exactly the production push role, and that role,
//! which trusts exactly the production push project's role of the
//! operations account. The production push assumes it in the build: it
//! pushes with temporary credentials of the production account, never
//! with long-lived keys.

use crate::accounts::{OPERATIONS, REGION, bootstrap_name};
use pipewright::buildspec::{DockerBuild, docker_build_save, docker_load_push};
use pipewright::codebuild::{Project, ProjectRef};
use pipewright::codepipeline::{Action, Artifact, ManualApproval, Namespace, Pipeline, Stage};
use pipewright::iam::{Group, Role, RoleArn, Statement};
use pipewright::template::{Expr, Output};
use pipewright::{ProblemKind, Stack, ecr, kms, s3, sns};

/// One registry the image is pushed to.
#[derive(Clone, Copy, Debug)]
pub struct PushTarget {
    /// The target's name: the push action is `Push<name>`, its project
    /// `Push<name>`.
    pub name: &'static str,
    /// The ECR repository's name.
    pub repository: &'static str,
    /// The account the repository lives in.
    pub account: &'static str,
}

/// The system's configuration: the one value to change to point it at
/// other repositories, accounts or approvers.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The source repository, `owner/name`.
    pub source: &'static str,
    /// The branch whose pushes start the pipeline.
    pub branch: &'static str,
    /// The registries of the `PushNonProd` stage, in the operations account.
    pub non_production: &'static [PushTarget],
    /// The registry of the `PushProd` stage, in the production account.
    pub production: PushTarget,
    /// The name of the approvers' IAM group.
    pub approvers: &'static str,
    /// Addresses notified when an approval waits (each confirms by mail).
    pub emails: &'static [&'static str],
    /// Minutes before a waiting approval is rejected.
    pub approval_timeout_minutes: u32,
}

/// This repository's configuration (example accounts and addresses).
pub const CONFIG: Config = Config {
    source: "acme/web",
    branch: "main",
    non_production: &[
        PushTarget {
            name: "Internal",
            repository: "acme/web",
            account: OPERATIONS,
        },
        PushTarget {
            name: "Mirror",
            repository: "acme/web-mirror",
            account: OPERATIONS,
        },
    ],
    production: PushTarget {
        name: "Production",
        repository: "acme/web",
        account: "333333333333",
    },
    approvers: "build-once-release-approvers",
    emails: &["release-approvers@example.com"],
    approval_timeout_minutes: 1440,
};

/// The pipeline stack's name.
pub const PIPELINE_STACK: &str = "build-once-pipeline";
/// The production stack's name.
pub const PRODUCTION_STACK: &str = "build-once-production";

/// The production push project's role in the operations account: the only
/// principal the production push role trusts.
pub fn production_builder(config: &Config) -> RoleArn {
    RoleArn::new(
        OPERATIONS,
        format!(
            "build-once-push-{}-builder",
            config.production.name.to_ascii_lowercase()
        ),
    )
}

/// The production push role in the production account: the only principal
/// the production repository admits.
pub fn production_pusher(config: &Config) -> RoleArn {
    RoleArn::new(
        config.production.account,
        format!(
            "build-once-push-{}",
            config.production.name.to_ascii_lowercase()
        ),
    )
}

/// The URI of `target`'s repository, a literal (the production repository
/// lives in another account, whose values cannot be imported).
fn uri(target: &PushTarget) -> Expr {
    ecr::repository_uri(target.account, REGION, target.repository)
}

/// The `build-once-pipeline` stack.
pub fn pipeline(config: &Config) -> Stack {
    let mut stack = Stack::new(PIPELINE_STACK)
        .description("Builds an image once and pushes it to several registries, production after an approval (managed by pipewright)")
        .account(OPERATIONS)
        .region(REGION)
        .tag("project", "pipewright");
    let path = stack.path("Pipeline");
    let all: Vec<&PushTarget> = config
        .non_production
        .iter()
        .chain([&config.production])
        .collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if a.repository == b.repository && a.account == b.account {
                stack.problem(
                    &path,
                    ProblemKind::DuplicatePushTarget {
                        first: a.name.to_owned(),
                        second: b.name.to_owned(),
                        repository: format!("{}/{}", a.account, a.repository),
                    },
                );
            }
        }
    }

    let connection = crate::github::connection_parameter(&mut stack);
    let bucket = stack.add(s3::Bucket::new("ArtifactBucket"));
    let key = stack.add(
        kms::Key::new("NotificationKey", "pipewright/build-once-approvals")
            .description("Encrypts the approval notifications of the build-once pipeline"),
    );
    let mut topic = sns::Topic::new("ApprovalTopic", &key).display_name("Release approvals");
    for email in config.emails {
        topic = topic.email(*email);
    }
    let topic = stack.add(topic);
    let approvers = stack.add(Group::new("Approvers").name(config.approvers));

    let build = stack.add(
        Project::new("Build", docker_build_save(DockerBuild::new()))
            .buildspec_copy(format!("{PIPELINE_STACK}/build.yml"))
            .description("Builds the image once and saves it into the output artifact")
            .privileged(),
    );

    let image = Artifact::new("BuildOutput");
    let built = Namespace::new("BuildVariables");
    let commit = Namespace::new("SourceVariables");
    let mut non_production = Stage::new("PushNonProd");
    for target in config.non_production {
        let repo = stack.add(
            ecr::Repository::new(format!("{}Repository", target.name)).name(target.repository),
        );
        let project = push_project(&mut stack, config, target);
        repo.grant_push(&mut stack, project.role());
        non_production = non_production.action(push_action(target, &project, &image, &built));
    }
    let production = push_project(&mut stack, config, &config.production);
    stack.grant(
        production.role(),
        Statement::allow(["sts:AssumeRole"]).resource(production_pusher(config).arn()),
    );

    let mut source = crate::github::source(connection, config.source, config.branch);
    source.action = source.action.namespace(&commit);
    let code = source.code.clone();
    let pipeline = stack.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(source.stage())
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &build)
                        .input(&code)
                        .output(&image)
                        .namespace(&built),
                ),
            )
            .stage(non_production)
            .stage(
                Stage::new("ApproveProd").action(Action::approval(
                    "ApproveProd",
                    ManualApproval::new()
                        .topic(&topic)
                        .message(Expr::from(format!(
                            "Push image {} of commit {} to the production registry?",
                            built.var("IMAGE_TAG"),
                            commit.var("CommitId")
                        )))
                        .external_link(Expr::from(format!(
                            "https://github.com/{}/commit/{}",
                            config.source,
                            commit.var("CommitId")
                        )))
                        .timeout_minutes(config.approval_timeout_minutes)
                        .approvers(&approvers),
                )),
            )
            .stage(Stage::new("PushProd").action(push_action(
                &config.production,
                &production,
                &image,
                &built,
            ))),
    );

    stack.add_output(
        "PipelineName",
        Output::new(pipeline.name()).description("Name of the pipeline"),
    );
    stack.add_output(
        "ApprovalTopicArn",
        Output::new(topic.arn())
            .description("Topic notified when a production push waits for approval"),
    );
    stack
}

/// The project that pushes the image to `target`, with its own role. The
/// production project's role is named, so the production push role can
/// trust exactly it, and assumes that role in the build.
fn push_project(stack: &mut Stack, config: &Config, target: &PushTarget) -> ProjectRef {
    let id = format!("Push{}", target.name);
    let production = target.account != OPERATIONS;
    let spec = docker_load_push("TARGET_URI", production.then_some("PUSH_ROLE_ARN"));
    let mut project = Project::new(&id, spec)
        .buildspec_copy(format!(
            "{PIPELINE_STACK}/push-{}.yml",
            target.name.to_ascii_lowercase()
        ))
        .description(format!(
            "Loads the image and pushes it to {} in account {}",
            target.repository, target.account
        ))
        .privileged()
        .variable("TARGET_URI", uri(target));
    if production {
        project = project
            .role_name(production_builder(config).name())
            .variable("PUSH_ROLE_ARN", production_pusher(config).arn());
    }
    stack.add(project)
}

/// The action that runs `project`, pushing the tag the build exported.
fn push_action(
    target: &PushTarget,
    project: &ProjectRef,
    image: &Artifact,
    built: &Namespace,
) -> Action {
    Action::build(format!("Push{}", target.name), project)
        .input(image)
        .variable("IMAGE_TAG", built.var("IMAGE_TAG"))
}

/// The `build-once-production` stack, in the production account: the
/// production repository and the push role, the only principal it admits.
pub fn production(config: &Config) -> Stack {
    let target = &config.production;
    let mut stack = Stack::new(PRODUCTION_STACK)
        .description("The production registry of the build-once pipeline and the role that pushes to it (managed by pipewright)")
        .account(target.account)
        .region(REGION)
        .depends_on(bootstrap_name("production"))
        .tag("project", "pipewright");
    let pusher = production_pusher(config);
    let repo = stack.add(ecr::Repository::new("Repository").name(target.repository));
    repo.allow_push(&mut stack, &pusher);
    let role = stack.add(
        Role::assumed_by_role("PushRole", &production_builder(config))
            .name(pusher.name())
            .description("Pushes the build-once pipeline's image to the production registry"),
    );
    repo.grant_push(&mut stack, &role);
    stack.add_output(
        "RepositoryUri",
        Output::new(repo.uri()).description("URI of the production repository"),
    );
    stack
}

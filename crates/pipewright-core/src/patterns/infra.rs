//! The infra pipeline (issue #24): the infra repository deploys itself,
//! with a review of what changes in between.
//!
//! `Source` (a connection, on one branch) → `Check` (the README's
//! `synth --check`, then `diff --format markdown`: the diff is kept as the
//! output artifact `Diff`, and its summary exported as `DIFF_SUMMARY`
//! under the namespace `CheckVariables`) → `Approve` (a manual approval
//! whose message reads that summary, which only the members of one IAM
//! group may answer) → `Deploy` (the README's `deploy --all --yes`, from
//! the same source, with the approved diff beside it in
//! `$CODEBUILD_SRC_DIR_Diff` for the record).
//!
//! There is no self-mutation step: the pipeline's own stack is one of the
//! stacks `deploy --all` deploys, in dependency order like every other,
//! after the same review. A change to the pipeline takes effect on the
//! next run; CodePipeline's V2 "superseded" mode keeps one run at a time.
//!
//! Permissions, least first:
//! - `Check` is read-only: CloudFormation read on the operations account's
//!   stacks it names, and `sts:AssumeRole` on exactly the read role
//!   ([`DEFAULT_READ_ROLE`]) of each workload account. `diff` cannot make
//!   its change set with that (it learns replacements from the provider
//!   schemas instead), and cannot change anything before the approval.
//! - `Deploy` may only `sts:AssumeRole` the bootstrap deploy roles
//!   ([`DEFAULT_DEPLOY_ROLE`]) of the workload accounts and of the
//!   operations account, and carries the deployer tag the bootstrap deploy
//!   roles trust. It creates nothing with its own permissions: every change
//!   set runs as the bootstrap's execution role, whose policy synth derives
//!   from the managed stacks' templates. So the operations account gets a
//!   bootstrap of its own, managing its stacks (this pipeline's
//!   included), deployed once by hand; the build reaches its own account
//!   through that deploy role (`PIPEWRIGHT_THROUGH_BOOTSTRAP`), never with
//!   its own credentials.

use super::drift::{add_topic, cache_bucket, grant_assume, grant_stack_reads};
use crate::bootstrap::DEFAULT_READ_ROLE;
use crate::buildspec::BuildSpec;
use crate::buildspec::cargo::pipewright;
use crate::codebuild::{Project, ProjectRef};
use crate::codepipeline::{
    Action, Artifact, CodeBuildAction, ConnectionSource, ManualApproval, Namespace, Pipeline,
    PipelineRef, Stage,
};
use crate::construct::{Construct, DEFAULT_DEPLOY_ROLE, Stack};
use crate::iam::{Group, GroupRef, RoleArn};
use crate::sns::TopicRef;
use crate::template::Expr;

/// The check build's role name: fixed, so that each workload account's
/// read role can trust exactly it.
pub const CHECK_ROLE: &str = "pipewright-infra-check";
/// The deploy build's role name.
pub const DEPLOY_ROLE: &str = "pipewright-infra-deploy";
/// The commands of the check build: the README's.
pub const CHECK_COMMANDS: &[&str] = &["synth --check", "diff --format markdown"];
/// The command of the deploy build: the README's.
pub const DEPLOY_COMMAND: &str = "deploy --all --yes";
/// The file the diff is written to, in the `Diff` artifact.
pub const DIFF_FILE: &str = "diff.md";
/// The variable the check build exports with the diff's summary.
pub const SUMMARY_VARIABLE: &str = "DIFF_SUMMARY";
/// Set in the deploy build: pipewright reaches every account, its own
/// included, through the bootstrap's deploy role.
pub const THROUGH_BOOTSTRAP: &str = "PIPEWRIGHT_THROUGH_BOOTSTRAP";

/// The infra pipeline.
///
/// Defaults: branch `main`; no workload account; no operations stack
/// read by the check; no e-mail on approval; approvals time out after
/// CodePipeline's 7 days; the deployer tag `pipewright-deployer=true` on the
/// deploy build's role; constructs named `<id>Pipeline`, `<id>Check`,
/// `<id>Deploy`, `<id>Approvers`, `<id>Topic`, `<id>Key`, `<id>Cache`.
#[derive(Clone, Debug)]
pub struct InfraPipeline {
    id: String,
    connection: Expr,
    repository: String,
    branch: String,
    approvers: String,
    operations_account: String,
    workload_accounts: Vec<String>,
    stacks: Vec<String>,
    emails: Vec<String>,
    deployer_tag: (String, String),
}

impl InfraPipeline {
    /// The pipeline with ID prefix `id` of `repository` (`owner/name`)
    /// through `connection` (a connection ARN), deploying from
    /// `operations_account` (this stack's), approved by the members of
    /// the IAM group named `approvers` (created here).
    pub fn new(
        id: impl Into<String>,
        connection: impl Into<Expr>,
        repository: impl Into<String>,
        operations_account: impl Into<String>,
        approvers: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            connection: connection.into(),
            repository: repository.into(),
            branch: "main".to_owned(),
            approvers: approvers.into(),
            operations_account: operations_account.into(),
            workload_accounts: Vec::new(),
            stacks: Vec::new(),
            emails: Vec::new(),
            deployer_tag: ("pipewright-deployer".to_owned(), "true".to_owned()),
        }
    }

    /// The branch whose pushes start the pipeline. Default: `main`.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = branch.into();
        self
    }

    /// The workload accounts: the check reads them through their read
    /// roles, the deploy through their deploy roles. Default: none.
    pub fn workload_accounts<S: Into<String>>(
        mut self,
        accounts: impl IntoIterator<Item = S>,
    ) -> Self {
        self.workload_accounts
            .extend(accounts.into_iter().map(Into::into));
        self
    }

    /// The operations account's stacks the check may read. Default: none.
    pub fn stacks<S: Into<String>>(mut self, stacks: impl IntoIterator<Item = S>) -> Self {
        self.stacks.extend(stacks.into_iter().map(Into::into));
        self
    }

    /// Subscribes `address` to the approval notifications. Default: none.
    pub fn email(mut self, address: impl Into<String>) -> Self {
        self.emails.push(address.into());
        self
    }

    /// The principal tag the bootstrap deploy roles trust, set on the
    /// deploy build's role. Default: `pipewright-deployer=true`.
    pub fn deployer_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.deployer_tag = (key.into(), value.into());
        self
    }

    /// The check build's buildspec: build the app, reach the workload
    /// accounts through their read roles, run [`CHECK_COMMANDS`], keep the
    /// diff and export its summary.
    pub fn check_buildspec(&self) -> BuildSpec {
        let accounts: Vec<&str> = self.workload_accounts.iter().map(String::as_str).collect();
        BuildSpec::new()
            .cargo_release()
            .account_profiles(DEFAULT_READ_ROLE, &accounts)
            .exported([SUMMARY_VARIABLE])
            .build([
                pipewright(CHECK_COMMANDS[0]),
                format!("{} > {DIFF_FILE}", pipewright(CHECK_COMMANDS[1])),
                // The summary line `diff --format markdown` writes first.
                format!(
                    r#"{SUMMARY_VARIABLE}="$(sed -n 's/^\*\*Summary:\*\* //p' {DIFF_FILE} | head -n 1)""#
                ),
            ])
            .artifact_files([DIFF_FILE])
    }

    /// The deploy build's buildspec: build the app, run [`DEPLOY_COMMAND`]
    /// through the bootstrap deploy roles.
    pub fn deploy_buildspec(&self) -> BuildSpec {
        BuildSpec::new()
            .cargo_release()
            .variable(THROUGH_BOOTSTRAP, "true")
            .build([pipewright(DEPLOY_COMMAND)])
    }

    /// The deploy roles the deploy build may assume: the operations
    /// account's, then each workload account's.
    pub fn deploy_roles(&self) -> Vec<RoleArn> {
        [&self.operations_account]
            .into_iter()
            .chain(&self.workload_accounts)
            .map(|a| RoleArn::new(a.as_str(), DEFAULT_DEPLOY_ROLE))
            .collect()
    }

    /// The read roles the check build may assume.
    pub fn read_roles(&self) -> Vec<RoleArn> {
        self.workload_accounts
            .iter()
            .map(|a| RoleArn::new(a.as_str(), DEFAULT_READ_ROLE))
            .collect()
    }
}

/// An infra pipeline added to a stack.
#[derive(Clone, Debug)]
pub struct InfraPipelineRef {
    /// The pipeline.
    pub pipeline: PipelineRef,
    /// The check build.
    pub check: ProjectRef,
    /// The deploy build.
    pub deploy: ProjectRef,
    /// The approvers' group.
    pub approvers: GroupRef,
}

impl Construct for InfraPipeline {
    type Ref = InfraPipelineRef;

    /// In phases: cache, key, topic and group; the two builds and what
    /// their roles may read and assume; the pipeline.
    fn add_to(self, stack: &mut Stack) -> InfraPipelineRef {
        let id = &self.id;
        let cache = stack.add(cache_bucket(id));
        let topic = add_topic(stack, id, "pipewright infra", &self.emails);
        let approvers =
            stack.add(Group::new(format!("{id}Approvers")).name(self.approvers.as_str()));

        let check = stack.add(
            Project::new(format!("{id}Check"), self.check_buildspec())
                .buildspec_copy(format!("{}/check.yml", stack.name()))
                .description("pipewright synth --check and diff --format markdown")
                .role_name(CHECK_ROLE)
                .s3_cache(&cache, "check"),
        );
        grant_stack_reads(
            stack,
            check.role(),
            &self.stacks,
            "the infra check reads the operations account's stacks to diff them",
        );
        grant_assume(
            stack,
            check.role(),
            &self.read_roles(),
            "the infra check reads each workload account through its read role",
        );
        let deploy = stack.add(
            Project::new(format!("{id}Deploy"), self.deploy_buildspec())
                .buildspec_copy(format!("{}/deploy.yml", stack.name()))
                .description("pipewright deploy --all --yes, through the bootstrap deploy roles")
                .role_name(DEPLOY_ROLE)
                .role_tag(self.deployer_tag.0.as_str(), self.deployer_tag.1.as_str())
                .timeout_minutes(180)
                .s3_cache(&cache, "deploy"),
        );
        grant_assume(
            stack,
            deploy.role(),
            &self.deploy_roles(),
            "the infra deploy reaches every account through its bootstrap deploy role",
        );

        let pipeline = stack.add(self.pipeline(&check, &deploy, &topic, &approvers));
        InfraPipelineRef {
            pipeline,
            check,
            deploy,
            approvers,
        }
    }
}

impl InfraPipeline {
    /// The pipeline: source, check, approval, deploy, wired by artifacts
    /// and the check's namespace.
    fn pipeline(
        &self,
        check: &ProjectRef,
        deploy: &ProjectRef,
        topic: &TopicRef,
        approvers: &GroupRef,
    ) -> Pipeline {
        let code = Artifact::new("SourceOutput");
        let diff = Artifact::new("Diff");
        let checked = Namespace::new("CheckVariables");
        let source = Action::connection(
            "Source",
            ConnectionSource {
                connection_arn: self.connection.clone(),
                repository: self.repository.as_str().into(),
                branch: self.branch.as_str().into(),
            },
        )
        .output(&code);
        Pipeline::new(format!("{}Pipeline", self.id))
                .stage(Stage::new("Source").action(source))
                .stage(
                    Stage::new("Check").action(
                        Action::build("Check", check)
                            .input(&code)
                            .output(&diff)
                            .namespace(&checked),
                    ),
                )
                .stage(
                    Stage::new("Approve").action(Action::approval(
                        "Approve",
                        ManualApproval::new()
                            .topic(topic)
                            .message(Expr::from(format!(
                                "Deploy every stack? pipewright diff: {} (the Diff artifact has the details)",
                                checked.var(SUMMARY_VARIABLE)
                            )))
                            .approvers(approvers),
                    )),
                )
                .stage(
                    Stage::new("Deploy").action(
                        Action::new("Deploy", CodeBuildAction::build(deploy).primary_source(&code))
                            .input(&code)
                            .input(&diff),
                    ),
                )
    }
}

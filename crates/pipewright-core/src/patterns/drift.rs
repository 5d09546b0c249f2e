//! Scheduled drift (issue #24): the README's `drift --all --format json`,
//! run in AWS on a schedule, with a notification when something drifted
//! or the check failed, and none when all is clean.
//!
//! A [`Schedule`] starts a CodeBuild project that builds the infra
//! repository's app (cargo's registry, toolchain and target directory in
//! the project's S3 cache) and runs the command. Its exit code decides
//! ([`steps::publish_on_exit`]): 3 (drift found) or 1 (the check failed)
//! publishes the JSON report and the end of the log to an encrypted topic;
//! 0 sends nothing.
//!
//! The project's role is read-only ([`DRIFT_ROLE`], named so that the
//! workload accounts' read roles can trust exactly it): CloudFormation's
//! read and drift detection calls on the operations account's stacks it
//! names, `sts:AssumeRole` on exactly the read role
//! ([`DEFAULT_READ_ROLE`]) of each workload account, which the bootstrap
//! creates with [`crate::bootstrap::Bootstrap::read_role`], and
//! `sns:Publish` on its topic. It can change nothing.

use crate::bootstrap::{DEFAULT_READ_ROLE, READ_ACTIONS};
use crate::buildspec::cargo::pipewright;
use crate::buildspec::{BuildSpec, steps};
use crate::codebuild::{Project, ProjectRef, Source};
use crate::construct::{Construct, Need, Stack};
use crate::iam::{RoleArn, RoleRef, Statement};
use crate::scheduler::{Expression, Schedule, ScheduleRef};
use crate::sns::TopicRef;
use crate::template::Expr;
use crate::{kms, s3, sns};

/// The drift project's role name: fixed, so that each workload account's
/// read role can trust exactly it.
pub const DRIFT_ROLE: &str = "pipewright-drift";

/// The command the project runs: the README's.
pub const COMMAND: &str = "drift --all --format json";

/// Exit codes that notify: 3, something drifted; 1, the check failed.
pub const NOTIFY_ON: &[i32] = &[3, 1];

/// CloudFormation's actions in the service authorization reference.
const CLOUDFORMATION_DOC: &str = crate::bootstrap::DEPLOY_DOC;
/// What assuming a role needs.
const ASSUME_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html";
/// What publishing to an encrypted topic needs.
const PUBLISH_DOC: &str = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse";

/// A scheduled drift check.
///
/// Defaults: [`Expression::daily`] in UTC; no workload account; no
/// operations stack (then only the workload accounts are read); no e-mail
/// subscription (subscribe to the topic, output `<id>TopicArn`); the role
/// named [`DRIFT_ROLE`]; the constructs named `<id>Project`,
/// `<id>Schedule`, `<id>Topic`, `<id>Key`, `<id>Cache`.
#[derive(Clone, Debug)]
pub struct DriftCheck {
    id: String,
    repository: String,
    schedule: Expression,
    workload_accounts: Vec<String>,
    stacks: Vec<String>,
    emails: Vec<String>,
    role_name: String,
}

impl DriftCheck {
    /// A drift check with ID prefix `id` of the infra repository
    /// `repository` (`owner/name` on GitHub, its default branch, cloned
    /// with the account's CodeBuild GitHub credential): the code the
    /// deployed stacks are compared with.
    pub fn new(id: impl Into<String>, repository: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            repository: repository.into(),
            schedule: Expression::daily(),
            workload_accounts: Vec::new(),
            stacks: Vec::new(),
            emails: Vec::new(),
            role_name: DRIFT_ROLE.to_owned(),
        }
    }

    /// When the check runs. Default: [`Expression::daily`].
    pub fn schedule(mut self, expression: Expression) -> Self {
        self.schedule = expression;
        self
    }

    /// The workload accounts whose stacks are read through their read
    /// role. Default: none.
    pub fn workload_accounts<S: Into<String>>(
        mut self,
        accounts: impl IntoIterator<Item = S>,
    ) -> Self {
        self.workload_accounts
            .extend(accounts.into_iter().map(Into::into));
        self
    }

    /// The stacks of the operations account (this stack's) that the role
    /// may read and check. Default: none.
    pub fn stacks<S: Into<String>>(mut self, stacks: impl IntoIterator<Item = S>) -> Self {
        self.stacks.extend(stacks.into_iter().map(Into::into));
        self
    }

    /// Subscribes `address` to the topic. Default: no subscription.
    pub fn email(mut self, address: impl Into<String>) -> Self {
        self.emails.push(address.into());
        self
    }

    /// The buildspec: build the app, reach the workload accounts through
    /// their read roles, run [`COMMAND`], publish on [`NOTIFY_ON`].
    pub fn buildspec(&self) -> BuildSpec {
        let accounts: Vec<&str> = self.workload_accounts.iter().map(String::as_str).collect();
        BuildSpec::new()
            .cargo_release()
            .account_profiles(DEFAULT_READ_ROLE, &accounts)
            .build(steps::publish_on_exit(
                &pipewright(COMMAND),
                "drift.json",
                NOTIFY_ON,
                "TOPIC_ARN",
                "pipewright drift: drift found or the check failed",
            ))
    }

    /// The read roles the project may assume, one per workload account.
    pub fn read_roles(&self) -> Vec<RoleArn> {
        self.workload_accounts
            .iter()
            .map(|a| RoleArn::new(a.as_str(), DEFAULT_READ_ROLE))
            .collect()
    }
}

/// A drift check added to a stack.
#[derive(Clone, Debug)]
pub struct DriftCheckRef {
    /// The project that runs the check.
    pub project: ProjectRef,
    /// The schedule that starts it.
    pub schedule: ScheduleRef,
    /// The topic it publishes to.
    pub topic: TopicRef,
}

impl Construct for DriftCheck {
    type Ref = DriftCheckRef;

    /// In phases: the cache bucket, key and topic; the project; what its
    /// role may read and assume; the schedule.
    fn add_to(self, stack: &mut Stack) -> DriftCheckRef {
        let id = &self.id;
        let cache = stack.add(cache_bucket(id));
        let topic = add_topic(stack, id, "pipewright drift", &self.emails);
        let project = stack.add(
            Project::new(format!("{id}Project"), self.buildspec())
                .buildspec_copy(format!("{}/drift.yml", stack.name()))
                .description(format!(
                    "Runs `pipewright {COMMAND}` and notifies on drift or failure"
                ))
                .role_name(self.role_name.as_str())
                .source(Source::GitHub {
                    location: format!("https://github.com/{}.git", self.repository).into(),
                })
                .s3_cache(&cache, "drift")
                .variable("TOPIC_ARN", topic.arn()),
        );
        let role = project.role().clone();
        grant_stack_reads(
            stack,
            &role,
            &self.stacks,
            "the drift check reads the operations account's stacks and detects their drift",
        );
        // Drift detection reads each resource with the caller's
        // credentials: synth derives those reads from the stacks.
        stack
            .derived_reads
            .push(crate::construct::execution::Derived {
                path: stack.path(&format!("{id}Project")),
                role: role.resource().clone(),
                stacks: self.stacks.clone(),
                by_hand: false,
            });
        grant_assume(
            stack,
            &role,
            &self.read_roles(),
            "the drift check reads each workload account through its read role",
        );
        stack.for_need(
            Need::feature(
                "the drift check publishes its report when drift is found or the check fails",
                PUBLISH_DOC,
            ),
            |stack| topic.grant_publish(stack, &role),
        );
        let schedule = stack.add(
            Schedule::new(format!("{id}Schedule"), self.schedule.clone(), &project)
                .description(format!("Starts `pipewright {COMMAND}`")),
        );
        DriftCheckRef {
            project,
            schedule,
            topic,
        }
    }
}

/// The S3 bucket `<id>Cache` that keeps a pattern's cargo cache; its
/// objects expire after 30 days unused.
pub(crate) fn cache_bucket(id: &str) -> s3::Bucket {
    s3::Bucket::new(format!("{id}Cache")).expire_after_days(Some(30))
}

/// The encrypted topic `<id>Topic` (key `<id>Key`, alias
/// `pipewright/<id>`) shown as `display`, with `emails` subscribed.
pub(crate) fn add_topic(stack: &mut Stack, id: &str, display: &str, emails: &[String]) -> TopicRef {
    let key = stack.add(
        kms::Key::new(
            format!("{id}Key"),
            format!("pipewright/{}", id.to_lowercase()),
        )
        .description(format!("Encrypts the notifications of {display}")),
    );
    let mut topic = sns::Topic::new(format!("{id}Topic"), &key).display_name(display);
    for address in emails {
        topic = topic.email(address.as_str());
    }
    stack.add(topic)
}

/// Lets `role` read the stacks `names` of this stack's account and region
/// and detect their drift ([`READ_ACTIONS`]), for the need `what`.
pub(crate) fn grant_stack_reads(stack: &mut Stack, role: &RoleRef, names: &[String], what: &str) {
    if names.is_empty() {
        return;
    }
    let mut read = Statement::allow(READ_ACTIONS.iter().copied());
    for name in names {
        read = read.resource(Expr::sub(format!(
            "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{name}/*"
        )));
    }
    stack.for_need(Need::feature(what, CLOUDFORMATION_DOC), |stack| {
        stack.grant(role, read);
        stack.grant(
            role,
            Statement::allow(["cloudformation:DescribeStackDriftDetectionStatus"]).resource("*"),
        );
    });
}

/// Lets `role` assume exactly `roles`, for the need `what`.
pub(crate) fn grant_assume(stack: &mut Stack, role: &RoleRef, roles: &[RoleArn], what: &str) {
    if roles.is_empty() {
        return;
    }
    let mut assume = Statement::allow(["sts:AssumeRole"]);
    for r in roles {
        assume = assume.resource(r.arn());
    }
    stack.for_need(Need::feature(what, ASSUME_DOC), |stack| {
        stack.grant(role, assume)
    });
}

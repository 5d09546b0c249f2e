//! pipewright in AWS (issue #24): this repository deploys itself, and its
//! drift is checked every morning.
//!
//! `infra` (operations account): the infra pipeline (source on `main` →
//! `synth --check` and `diff --format markdown` → an approval by the
//! `infra-approvers` group, whose message reads the diff's summary →
//! `deploy --all --yes`), and the scheduled drift check (`drift --all
//! --format json` every day at 06:00 UTC, notifying the operations topic on
//! drift or failure).
//!
//! The deploy build reaches every account through the deploy role of its
//! bootstrap, the operations account's included: `bootstrap-operations`
//! manages this account's stacks (this one too), so the deploy build's
//! own role may only assume deploy roles and every change runs as a
//! bootstrap execution role derived from the templates. The workload
//! accounts' bootstraps add a read role that the drift check and the
//! pipeline's check build may assume.

use crate::accounts::{OPERATIONS, REGION, bootstrap_name};
use pipewright::patterns::drift::DriftCheck;
use pipewright::patterns::infra::InfraPipeline;
use pipewright::scheduler::Expression;
use pipewright::template::Output;
use pipewright::{App, Stack};

/// The system's configuration.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// This repository on GitHub, `owner/name`.
    pub repository: &'static str,
    /// The branch the pipeline deploys.
    pub branch: &'static str,
    /// The IAM group whose members approve a deploy.
    pub approvers: &'static str,
    /// The six cron fields of the drift check, in UTC.
    pub drift_cron: &'static str,
    /// Who hears of drift and of waiting approvals.
    pub emails: &'static [&'static str],
    /// The workload accounts.
    pub workload_accounts: &'static [&'static str],
}

/// This repository's configuration.
pub const CONFIG: Config = Config {
    repository: "acme/pipewright-infra",
    branch: "main",
    approvers: "infra-approvers",
    drift_cron: "0 6 * * ? *",
    emails: &["platform@example.com"],
    workload_accounts: &["222222222222", "333333333333"],
};

/// The stack's name.
pub const STACK: &str = "infra";

/// The operations account's stacks of `app`, with `infra` and the
/// operations bootstrap, which the check and the drift check read.
fn operations_stacks(app: &App) -> Vec<String> {
    let mut names: Vec<String> = app
        .stacks()
        .iter()
        .filter(|s| s.env().account.as_deref() == Some(OPERATIONS))
        .map(|s| s.name().to_owned())
        .collect();
    names.push(STACK.to_owned());
    names.push(bootstrap_name("operations"));
    names
}

/// The `infra` stack: the pipeline and the drift check, reading the
/// operations stacks of `app` (and their own).
pub fn stack(app: &App, config: &Config) -> Stack {
    let mut stack = Stack::new(STACK)
        .description("The infra pipeline that deploys this repository, and its scheduled drift check (managed by pipewright)")
        .account(OPERATIONS)
        .region(REGION)
        .tag("project", "pipewright");
    let connection = pipewright::patterns::connection_parameter(&mut stack);
    let stacks = operations_stacks(app);
    let mut pipeline = InfraPipeline::new(
        "Infra",
        connection,
        config.repository,
        OPERATIONS,
        config.approvers,
    )
    .branch(config.branch)
    .workload_accounts(config.workload_accounts.iter().copied())
    .stacks(stacks.iter().cloned());
    let mut drift = DriftCheck::new("Drift", config.repository)
        .schedule(Expression::cron(config.drift_cron))
        .workload_accounts(config.workload_accounts.iter().copied())
        .stacks(stacks);
    for email in config.emails {
        pipeline = pipeline.email(*email);
        drift = drift.email(*email);
    }
    let pipeline = stack.add(pipeline);
    let drift = stack.add(drift);
    stack.add_output(
        "PipelineName",
        Output::new(pipeline.pipeline.name()).description("Name of the infra pipeline"),
    );
    stack.add_output(
        "DriftTopicArn",
        Output::new(drift.topic.arn()).description("Topic told of drift and failed drift checks"),
    );
    stack
}

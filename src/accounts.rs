//! The accounts this repository deploys to, and the bootstrap stack of
//! each workload account.
//!
//! The operations account holds the pipelines, images and artifacts and is
//! where `pipewright deploy --all` runs; each workload account holds what
//! runs there (deploy roles, image copies, application stacks). A workload
//! account is reached by assuming the deploy role its bootstrap stack
//! creates; the bootstrap stack itself is deployed once with the account's
//! own credentials:
//!
//! ```sh
//! pipewright deploy bootstrap-staging --account-profile 222222222222=staging
//! ```

use pipewright::bootstrap::{Bootstrap, Trust};
use pipewright::iam::RoleArn;
use pipewright::patterns::drift::DRIFT_ROLE;
use pipewright::patterns::infra::CHECK_ROLE;
use pipewright::{App, Stack};

/// The operations account: pipelines, images, artifacts.
pub const OPERATIONS: &str = "111111111111";

/// The region every account's stacks live in.
pub const REGION: &str = "us-east-1";

/// Who in the operations account may assume a workload account's deploy
/// role: principals tagged `pipewright-deployer=true` (the CI role and the
/// operators' roles).
pub const DEPLOYER_TAG: &str = "pipewright-deployer";

/// The bootstrap stack's name for workload account `name`.
pub fn bootstrap_name(name: &str) -> String {
    format!("bootstrap-{name}")
}

/// The bootstrap stack of workload account `account` (called `name` in
/// stack names), whose deploy role manages exactly the stacks of `app` in
/// that account, in every region they live in, and whose execution role
/// synth derives from them. Its read role admits the drift check and the
/// infra pipeline's check build ([`crate::infra`]).
pub fn bootstrap(app: &App, name: &str, account: &str) -> Stack {
    managing(app, name, account)
        .read_role(RoleArn::new(OPERATIONS, DRIFT_ROLE))
        .read_role(RoleArn::new(OPERATIONS, CHECK_ROLE))
        .stack_set_execution(OPERATIONS, [crate::alerts::NAME])
        .stack()
}

/// The operations account's bootstrap stack (`bootstrap-operations`): its
/// deploy role, which the infra pipeline's deploy build assumes, manages
/// every operations stack of `app` (the pipeline's own included). An
/// operator in the operations account still deploys those stacks with
/// their own credentials.
pub fn operations_bootstrap(app: &App) -> Stack {
    managing(app, "operations", OPERATIONS)
        .stack_set_administration(
            crate::eks_cicd::WORKLOADS
                .iter()
                .map(|(_, account)| *account),
        )
        .stack()
}

/// The bootstrap of `account` (called `name`), managing the stacks of
/// `app` there, its deploy role trusted by the tagged deployers of the
/// operations account.
fn managing(app: &App, name: &str, account: &str) -> Bootstrap {
    let own = bootstrap_name(name);
    let stacks: Vec<&Stack> = app
        .stacks()
        .iter()
        .filter(|s| s.env().account.as_deref() == Some(account) && s.name() != own)
        // A stack set is deployed by StackSets, through the roles below.
        .filter(|s| !s.is_stack_set())
        .collect();
    let managed: Vec<&str> = stacks.iter().map(|s| s.name()).collect();
    let mut regions: Vec<&str> = Vec::new();
    for region in stacks.iter().filter_map(|s| s.env().region.as_deref()) {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    let bootstrap = Bootstrap::new(
        own,
        account,
        Trust::Account {
            account: OPERATIONS.into(),
            operator: "StringEquals".into(),
            key: format!("aws:PrincipalTag/{DEPLOYER_TAG}"),
            value: "true".into(),
        },
    )
    .region(REGION)
    .manages(managed);
    // One region, the bootstrap's own: the default.
    if regions.iter().any(|r| *r != REGION) {
        bootstrap.regions(regions)
    } else {
        bootstrap
    }
}

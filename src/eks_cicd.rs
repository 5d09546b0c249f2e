//! The thoughtbot EKS CI/CD system (terraform-eks-cicd), built with
//! [`pipewright::patterns::eks`]: one common stack in the operations
//! account, two applications with their own CI and CD stacks, and a deploy
//! role per cluster. Staging runs in 222222222222 (us-east-1); production
//! in 333333333333, in us-east-1 and eu-west-1.

use crate::accounts::{OPERATIONS, REGION, bootstrap_name};
use pipewright::Stack;
use pipewright::codestar::Provider;
use pipewright::patterns::eks::{
    Application, Cluster, Common, Credential, Deployment, Stage, System, Token,
};

/// The staging workload account, as (bootstrap name, account).
pub const STAGING: (&str, &str) = ("staging", "222222222222");
/// The production workload account, as (bootstrap name, account).
pub const PRODUCTION: (&str, &str) = ("production", "333333333333");
/// The workload accounts, each with its bootstrap stack.
pub const WORKLOADS: [(&str, &str); 2] = [STAGING, PRODUCTION];

/// Cluster `name` of workload account `account` in `region`, deployed
/// after the account's bootstrap; both applications' namespaces may be
/// edited there.
fn cluster(name: &str, (workload, account): (&str, &str), region: &str) -> Cluster {
    Cluster::new(name, account, region)
        .namespace("acme-app")
        .namespace("acme-api")
        .depends_on(bootstrap_name(workload))
        .tag("project", "pipewright")
}

/// The system: its configuration, every value to change in one place.
pub fn system() -> System {
    let staging = cluster("staging", STAGING, REGION);
    let production = cluster("production", PRODUCTION, REGION);
    let production_eu = cluster("production-eu", PRODUCTION, "eu-west-1");
    // Both applications' stages; `manifests` is the branch the staging
    // manifests follow.
    let with_stages = |app: Application, manifests: &str| {
        app.stage(
            Stage::new("staging")
                .manifests_branch(manifests)
                .deploy(Deployment::new("app", &staging)),
        )
        .stage(
            Stage::new("production")
                .branch("production")
                .variable("ENVIRONMENT", "production")
                .deploy(Deployment::new("us-east-1", &production))
                .deploy(Deployment::new("eu-west-1", &production_eu)),
        )
        .tag("project", "pipewright")
    };
    let common = Common::new(OPERATIONS, REGION)
        .connection(Provider::GitHub, "acme-github")
        .credential(Credential::github(Token::secret(
            "acme/github-token",
            "token",
        )))
        .tag("project", "pipewright");
    let app = Application::new("acme/app", "acme/app-manifests").base_mirror();
    let api = Application::new("acme/api", "acme/api-manifests");
    System::new(common)
        .application(with_stages(app, "main"))
        // The API's staging manifests are promoted on their own branch.
        .application(with_stages(api, "release"))
        .cluster(staging)
        .cluster(production)
        .cluster(production_eu)
}

/// Every stack of the system.
pub fn stacks() -> Vec<Stack> {
    system().stacks()
}

//! The thoughtbot EKS CI/CD system (terraform-eks-cicd), built with
//! [`pipewright::patterns::eks`]: one common stack in the operations
//! account, two applications with their own CI and CD stacks, and a deploy
//! role per cluster. Staging runs in 222222222222 (us-east-1); production
//! in 333333333333, in us-east-1 and eu-west-1.

use crate::accounts::{OPERATIONS, REGION, bootstrap_name};
use pipewright::Stack;
use pipewright::patterns::eks::{
    Application, Cluster, Common, Credential, Deployment, Stage, System, Token,
};

/// The workload accounts, by the name their bootstrap stack carries.
pub const WORKLOADS: [(&str, &str); 2] =
    [("staging", "222222222222"), ("production", "333333333333")];

/// A cluster of workload account `account` (its bootstrap first) where
/// both applications' namespaces may be edited.
fn cluster(name: &str, (workload, account): (&str, &str), region: &str) -> Cluster {
    Cluster::new(name, account, region)
        .namespace("acme-app")
        .namespace("acme-api")
        .depends_on(bootstrap_name(workload))
        .tag("project", "pipewright")
}

/// The system: its configuration, every value to change in one place.
pub fn system() -> System {
    let staging = cluster("staging", WORKLOADS[0], REGION);
    let production = cluster("production", WORKLOADS[1], REGION);
    let production_eu = cluster("production-eu", WORKLOADS[1], "eu-west-1");
    let stages = |app: Application, manifests: &str| {
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
        .connection(pipewright::codestar::Provider::GitHub, "acme-github")
        .credential(Credential::github(Token::secret(
            "acme/github-token",
            "token",
        )))
        .tag("project", "pipewright");
    System::new(common)
        .application(stages(
            Application::new("acme/app", "acme/app-manifests").base_mirror(),
            "main",
        ))
        // The API's manifests are promoted on their own branch.
        .application(stages(
            Application::new("acme/api", "acme/api-manifests"),
            "release",
        ))
        .cluster(staging)
        .cluster(production)
        .cluster(production_eu)
}

/// Every stack of the system.
pub fn stacks() -> Vec<Stack> {
    system().stacks()
}

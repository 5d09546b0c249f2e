//! thoughtbot's EKS CI/CD system (terraform-eks-cicd) as constructs: an
//! operations account builds images and manifests and deploys them to EKS
//! clusters in any account and region, each reached through a deploy role
//! there.
//!
//! - [`Common`], once per operations account and region: the artifact
//!   bucket, the CodeBuild credential, the connection (its ARN in Parameter
//!   Store at `/codestar_connection/<provider>/<name>`);
//! - [`Application`], any number: its ECR repository (and `-base` mirror
//!   where asked), its CI stack `<name>-ci` (image and manifests projects
//!   built on pull requests) and CD stack `<name>-cd` (the deploy project
//!   and one pipeline per [`Stage`], each with its [`Deployment`]s);
//! - [`Cluster`], any number: the deploy role stack in the cluster's
//!   account and region.
//!
//! [`System`] puts them together:
//!
//! ```
//! use pipewright_core::patterns::eks::{Application, Cluster, Common, Deployment, Stage, System};
//!
//! let staging = Cluster::new("staging", "222222222222", "us-east-1").namespace("acme");
//! let stacks = System::new(Common::new("111111111111", "us-east-1"))
//!     .application(
//!         Application::new("acme/app", "acme/app-manifests")
//!             .stage(Stage::new("staging").deploy(Deployment::new("app", &staging))),
//!     )
//!     .cluster(staging)
//!     .stacks();
//! let names: Vec<&str> = stacks.iter().map(|s| s.name()).collect();
//! assert_eq!(names, ["eks-common", "app-ci", "app-cd", "deploy-role-staging"]);
//! ```

mod application;
mod build;
pub mod buildspecs;
mod cluster;
mod common;
mod pipeline;

pub use application::Application;
pub use build::{Build, DEFAULT_BUILDSPEC, DEFAULT_TIMEOUT_MINUTES, Manifests};
pub use cluster::{ACCESS_METADATA, Cluster};
pub use common::{Common, CommonRef, Credential, DEFAULT_CONNECTION, DEFAULT_STACK, Token};
pub use pipeline::{DEFAULT_BRANCH, Deployment, Stage};

use crate::construct::Stack;

/// The whole system: one common stack, the applications, the clusters.
#[derive(Clone, Debug)]
pub struct System {
    common: Common,
    applications: Vec<Application>,
    clusters: Vec<Cluster>,
}

impl System {
    /// The system around `common`, with no application or cluster yet.
    pub fn new(common: Common) -> Self {
        Self {
            common,
            applications: Vec::new(),
            clusters: Vec::new(),
        }
    }

    /// Adds an application.
    pub fn application(mut self, application: Application) -> Self {
        self.applications.push(application);
        self
    }

    /// Adds a cluster (its deploy role stack).
    pub fn cluster(mut self, cluster: Cluster) -> Self {
        self.clusters.push(cluster);
        self
    }

    /// The clusters.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// Every stack: the common stack, each application's CI and CD stacks,
    /// each cluster's deploy role stack.
    pub fn stacks(&self) -> Vec<Stack> {
        let (common, refs) = self.common.build();
        let mut out = vec![common];
        for application in &self.applications {
            let (ci, cd) = application.build(&self.common, &refs);
            out.push(ci);
            out.push(cd);
        }
        for cluster in &self.clusters {
            out.push(cluster.build(self.common.account()));
        }
        out
    }
}

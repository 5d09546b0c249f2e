//! The GitHub (version 1, OAuth) source and its `AWS::CodePipeline::Webhook`.
//!
//! Supported because users have it; new pipelines should use a connection
//! ([`ConnectionSource`](crate::codepipeline::ConnectionSource)). The
//! webhook always authenticates with HMAC, with a secret that is not the
//! OAuth token, and filters on the branch.

use crate::codepipeline::{Action, ActionKind, ActionResource, ActionSite, ActionTypeId};
use crate::codepipeline::{Category, Owner};
use crate::construct::{ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::template::{Expr, Resource};

/// The variables a GitHub (version 1) source publishes.
/// [Reference](https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html#reference-variables-list).
pub const VARIABLES: &[&str] = &[
    "AuthorDate",
    "BranchName",
    "CommitId",
    "CommitMessage",
    "CommitterDate",
    "CommitUrl",
    "RepositoryName",
];

/// A GitHub (version 1, OAuth) source and its webhook.
#[derive(Clone, Debug)]
pub struct GitHubSource {
    /// The account or organization that owns the repository.
    pub owner: Expr,
    /// The repository name.
    pub repo: Expr,
    /// The branch that triggers the pipeline.
    pub branch: Expr,
    /// The OAuth token: a NoEcho parameter or a dynamic reference.
    pub oauth_token: Expr,
    /// The webhook's HMAC secret: a NoEcho parameter without a default or a
    /// `{{resolve:secretsmanager:...}}` reference, and never the OAuth token.
    pub webhook_secret: Expr,
}

impl Action {
    /// A GitHub (version 1) source action with its HMAC webhook.
    pub fn github(name: impl Into<String>, source: GitHubSource) -> Self {
        Self::new(name, source)
    }
}

impl ActionKind for GitHubSource {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(Category::Source, Owner::ThirdParty, "GitHub")
    }

    fn variables(&self) -> Option<Vec<String>> {
        Some(VARIABLES.iter().map(|v| (*v).to_owned()).collect())
    }

    fn configuration(&self) -> Expr {
        Expr::map([
            ("Owner", self.owner.clone()),
            ("Repo", self.repo.clone()),
            ("Branch", self.branch.clone()),
            ("OAuthToken", self.oauth_token.clone()),
            ("PollForSourceChanges", Expr::Bool(false)),
        ])
    }

    fn problems(&self, _action: &str) -> Vec<ProblemKind> {
        if self.webhook_secret == self.oauth_token {
            vec![ProblemKind::SharedWebhookSecret]
        } else {
            Vec::new()
        }
    }

    fn add_resources(
        &self,
        stack: &mut Stack,
        site: &ActionSite<'_>,
        pipeline: &ResourceRef,
    ) -> Vec<ActionResource> {
        let hook = Resource::new("AWS::CodePipeline::Webhook")
            .property("Authentication", "GITHUB_HMAC")
            .property(
                "AuthenticationConfiguration",
                Expr::map([("SecretToken", self.webhook_secret.clone())]),
            )
            .property(
                "Filters",
                Expr::list([Expr::map([
                    ("JsonPath", Expr::from("$.ref")),
                    ("MatchEquals", Expr::from("refs/heads/{Branch}")),
                ])]),
            )
            .property("TargetPipeline", pipeline.reference())
            .property("TargetAction", site.action)
            // The literal version, as the CDK does: valid for every
            // pipeline, and the local emulator cannot resolve
            // `GetAtt Pipeline.Version`.
            .property("TargetPipelineVersion", 1)
            .property("RegisterWithThirdParty", true);
        vec![ActionResource::Webhook(stack.add_resource_at(
            format!("{}/Webhook", site.path),
            format!("{}Webhook", site.pipeline_id),
            hook,
        ))]
    }
}

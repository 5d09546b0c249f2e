//! The CodeStar / CodeConnections source: what new pipelines should use to
//! read GitHub, GitLab or Bitbucket. On a V2 pipeline, a push to the branch
//! starts the pipeline through a `Triggers` entry instead of a webhook.
//!
//! The output is a ZIP of the commit (`CODE_ZIP`), or with
//! [`Action::connection_full_clone`] a reference that a CodeBuild action
//! clones with git history (`CODEBUILD_CLONE_REF`): every CodeBuild
//! project that reads that artifact then needs `UseConnection` on the
//! connection in its own role
//! ([`crate::codestar::ConnectionRef::grant_use`]).

use crate::codepipeline::{Action, ActionKind, ActionSite, ActionTypeId, Category, Owner};
use crate::construct::Stack;
use crate::iam::Statement;
use crate::template::Expr;

/// AWS CodeConnections' permissions page: `UseConnection` for a source
/// action and for whoever clones through the connection.
pub const CONNECTIONS_DOC: &str = "https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html";

/// The variables a connection source publishes.
/// [Reference](https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html#reference-variables-list).
pub const VARIABLES: &[&str] = &[
    "AuthorDate",
    "BranchName",
    "CommitId",
    "CommitMessage",
    "ConnectionArn",
    "FullRepositoryName",
];

/// A CodeStar / CodeConnections source.
#[derive(Clone, Debug)]
pub struct ConnectionSource {
    /// The connection ARN.
    pub connection_arn: Expr,
    /// `owner/repository`.
    pub repository: Expr,
    /// The branch; on a V2 pipeline, a push trigger on it starts the pipeline.
    pub branch: Expr,
}

/// A connection source whose output artifact is a `CODEBUILD_CLONE_REF`:
/// a reference CodeBuild clones (full history, `git` works in the build).
/// Only CodeBuild actions can read it.
#[derive(Clone, Debug)]
pub struct FullCloneSource(pub ConnectionSource);

impl Action {
    /// A CodeStar / CodeConnections source action (`CODE_ZIP` output).
    pub fn connection(name: impl Into<String>, source: ConnectionSource) -> Self {
        Self::new(name, source)
    }

    /// A CodeStar / CodeConnections source action whose output is a
    /// `CODEBUILD_CLONE_REF` ([`FullCloneSource`]): the CodeBuild projects
    /// that read it clone the repository through the connection, so grant
    /// each project's role its use.
    pub fn connection_full_clone(name: impl Into<String>, source: ConnectionSource) -> Self {
        Self::new(name, FullCloneSource(source))
    }
}

impl ConnectionSource {
    fn configuration_as(&self, format: &str) -> Expr {
        Expr::map([
            ("ConnectionArn", self.connection_arn.clone()),
            ("FullRepositoryId", self.repository.clone()),
            ("BranchName", self.branch.clone()),
            ("OutputArtifactFormat", Expr::from(format)),
        ])
    }
}

impl ActionKind for FullCloneSource {
    fn type_id(&self) -> ActionTypeId {
        self.0.type_id()
    }

    fn configuration(&self) -> Expr {
        self.0.configuration_as("CODEBUILD_CLONE_REF")
    }

    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        self.0.grant(stack, site);
    }

    fn needs_doc(&self) -> &'static str {
        CONNECTIONS_DOC
    }

    fn trigger(&self, action: &str) -> Option<Expr> {
        self.0.trigger(action)
    }

    fn variables(&self) -> Option<Vec<String>> {
        self.0.variables()
    }

    /// The artifact is a reference to the repository: whoever reads it
    /// clones through the connection.
    fn reader_needs(&self) -> Vec<Statement> {
        vec![
            Statement::allow(crate::codestar::use_actions(&self.0.connection_arn))
                .resource(self.0.connection_arn.clone()),
        ]
    }
}

impl ActionKind for ConnectionSource {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(Category::Source, Owner::Aws, "CodeStarSourceConnection")
    }

    fn configuration(&self) -> Expr {
        self.configuration_as("CODE_ZIP")
    }

    fn variables(&self) -> Option<Vec<String>> {
        Some(VARIABLES.iter().map(|v| (*v).to_owned()).collect())
    }

    fn needs_doc(&self) -> &'static str {
        CONNECTIONS_DOC
    }

    /// `UseConnection` in the ARN's own service, or both when the ARN
    /// cannot be read ([`crate::codestar::use_actions`]).
    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        stack.grant(
            site.role,
            Statement::allow(crate::codestar::use_actions(&self.connection_arn))
                .resource(self.connection_arn.clone()),
        );
        stack.grant(
            site.role,
            Statement::allow(crate::s3::CONNECTION_SOURCE_ACTIONS.iter().copied())
                .resource(site.bucket.objects_arn()),
        );
    }

    fn trigger(&self, action: &str) -> Option<Expr> {
        Some(Expr::map([
            ("ProviderType", Expr::from("CodeStarSourceConnection")),
            (
                "GitConfiguration",
                Expr::map([
                    ("SourceActionName", Expr::from(action)),
                    (
                        "Push",
                        Expr::list([Expr::map([(
                            "Branches",
                            Expr::map([("Includes", Expr::list([self.branch.clone()]))]),
                        )])]),
                    ),
                ]),
            ),
        ]))
    }
}

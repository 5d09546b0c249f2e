//! The CodeStar / CodeConnections source: what new pipelines should use to
//! read GitHub, GitLab or Bitbucket. On a V2 pipeline, a push to the branch
//! starts the pipeline through a `Triggers` entry instead of a webhook.

use crate::codepipeline::{Action, ActionKind, ActionSite, ActionTypeId, Category, Owner};
use crate::construct::Stack;
use crate::iam::Statement;
use crate::template::Expr;

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

impl Action {
    /// A CodeStar / CodeConnections source action.
    pub fn connection(name: impl Into<String>, source: ConnectionSource) -> Self {
        Self::new(name, source)
    }
}

impl ActionKind for ConnectionSource {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(Category::Source, Owner::Aws, "CodeStarSourceConnection")
    }

    fn configuration(&self) -> Expr {
        Expr::map([
            ("ConnectionArn", self.connection_arn.clone()),
            ("FullRepositoryId", self.repository.clone()),
            ("BranchName", self.branch.clone()),
            ("OutputArtifactFormat", Expr::from("CODE_ZIP")),
        ])
    }

    /// Both service prefixes: the connection may be named either way.
    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        stack.grant(
            site.role,
            Statement::allow([
                "codeconnections:UseConnection",
                "codestar-connections:UseConnection",
            ])
            .resource(self.connection_arn.clone()),
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

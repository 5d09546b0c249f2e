//! The GitHub source the CircleCI-pattern pipelines start with: a
//! CodeStar / CodeConnections connection given as a parameter, and a
//! `Source` stage that clones one branch through it.

use pipewright::Stack;
use pipewright::codepipeline::{Action, Artifact, ConnectionSource, Stage};
use pipewright::template::{Expr, Parameter};

/// Adds the `ConnectionArn` parameter: an available connection to GitHub,
/// created and completed outside these stacks.
pub fn connection_parameter(stack: &mut Stack) -> Expr {
    stack.add_parameter(
        "ConnectionArn",
        Parameter::string()
            .description("ARN of an available CodeStar / CodeConnections connection to GitHub")
            .allowed_pattern("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$"),
    )
}

/// The `Source` action cloning `repository` (`owner/name`) at `branch`
/// through `connection`, and the code it hands to later stages.
pub struct Source {
    /// The action; [`Source::stage`] puts it in the `Source` stage.
    pub action: Action,
    /// The code, the action's output artifact.
    pub code: Artifact,
}

impl Source {
    /// The `Source` stage holding the action.
    pub fn stage(self) -> Stage {
        Stage::new("Source").action(self.action)
    }
}

/// The `Source` action of `repository` at `branch` through `connection`.
pub fn source(connection: Expr, repository: &str, branch: &str) -> Source {
    let code = Artifact::new("SourceOutput");
    let action = Action::connection(
        "Source",
        ConnectionSource {
            connection_arn: connection,
            repository: repository.into(),
            branch: branch.into(),
        },
    )
    .output(&code);
    Source { action, code }
}

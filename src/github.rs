//! The GitHub source the CircleCI-pattern pipelines start with: a
//! CodeStar / CodeConnections connection given as a parameter, and a
//! `Source` stage that clones one branch through it.

use pipewright::Stack;
use pipewright::codepipeline::{Action, ConnectionSource, Stage};
use pipewright::template::{Expr, Parameter};

/// The artifact the `Source` stage writes.
pub const SOURCE_OUTPUT: &str = "SourceOutput";

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

/// The `Source` action: `repository` (`owner/name`) at `branch` through
/// `connection`, into [`SOURCE_OUTPUT`].
pub fn source(connection: Expr, repository: &str, branch: &str) -> Action {
    Action::connection(
        "Source",
        ConnectionSource {
            connection_arn: connection,
            repository: repository.into(),
            branch: branch.into(),
        },
    )
    .output(SOURCE_OUTPUT)
}

/// The `Source` stage holding `action`.
pub fn stage(action: Action) -> Stage {
    Stage::new("Source").action(action)
}

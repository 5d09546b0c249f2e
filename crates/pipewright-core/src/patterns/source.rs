//! The source the patterns' pipelines start from: a CodeStar /
//! CodeConnections connection to GitHub, given to the stack as a parameter
//! because it is created (and completed by a person) outside it.

use crate::codepipeline::{Action, Artifact, ConnectionSource};
use crate::construct::Stack;
use crate::template::{Expr, Parameter};

/// Adds the `ConnectionArn` parameter, whose value must be a connection's
/// ARN, and returns its `!Ref`.
pub fn connection_parameter(stack: &mut Stack) -> Expr {
    stack.add_parameter(
        "ConnectionArn",
        Parameter::string()
            .description("ARN of an available CodeStar / CodeConnections connection to GitHub")
            .allowed_pattern("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$"),
    )
}

/// The `Source` action cloning `repository` (`owner/name`) at `branch`
/// through the connection of the `ConnectionArn` parameter (added to
/// `stack`), handing the code on as `code`.
pub(super) fn connection_source(
    stack: &mut Stack,
    repository: &str,
    branch: &str,
    code: &Artifact,
) -> Action {
    let connection = connection_parameter(stack);
    Action::connection(
        "Source",
        ConnectionSource {
            connection_arn: connection,
            repository: repository.into(),
            branch: branch.into(),
        },
    )
    .output(code)
}

//! The source the patterns' pipelines start from: a CodeStar /
//! CodeConnections connection to GitHub, given to the stack as a parameter
//! because it is created (and completed by a person) outside it.

use crate::construct::Stack;
use crate::template::{Expr, Parameter};

/// Adds the `ConnectionArn` parameter, whose value must be a connection's
/// ARN, and returns its `!Ref`.
pub(super) fn connection_parameter(stack: &mut Stack) -> Expr {
    stack.add_parameter(
        "ConnectionArn",
        Parameter::string()
            .description("ARN of an available CodeStar / CodeConnections connection to GitHub")
            .allowed_pattern("^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$"),
    )
}

//! AWS Systems Manager Parameter Store: plain `String` parameters that
//! publish a value (a connection's ARN, an endpoint) for other tools to
//! read by a well-known name.
//!
//! Only `String` parameters: CloudFormation cannot create a `SecureString`,
//! and a secret has no place in a template anyway (use Secrets Manager and
//! a dynamic reference).
//!
//! Reference: [`AWS::SSM::Parameter`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html).

use crate::construct::{Construct, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::template::{Expr, Resource};

/// The most characters a parameter name may have (including its path).
pub const MAX_NAME_LENGTH: usize = 1011;

/// A `String` parameter.
#[derive(Clone, Debug)]
pub struct Parameter {
    id: String,
    name: String,
    value: Expr,
    description: Option<String>,
}

impl Parameter {
    /// A parameter with logical ID `id`, named `name` (a path such as
    /// `/codestar_connection/GitHub/acme`, checked at synth; renaming
    /// replaces the parameter), holding `value`.
    pub fn new(id: impl Into<String>, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            value: value.into(),
            description: None,
        }
    }

    /// Sets `Description`. Default: none.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// What Parameter Store would reject in the name: letters, digits and
    /// `.-_/`, at most [`MAX_NAME_LENGTH`] characters, a path starts with
    /// `/`, and no name starts with `aws` or `ssm`.
    pub fn problems(&self) -> Vec<ProblemKind> {
        let n = &self.name;
        let invalid = |reason: &str| ProblemKind::InvalidName {
            what: "parameter name",
            name: n.clone(),
            reason: reason.to_owned(),
        };
        let mut out = Vec::new();
        if n.is_empty()
            || n.len() > MAX_NAME_LENGTH
            || !n
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
        {
            out.push(invalid(
                "is invalid: use 1 to 1011 letters, digits and `._-/`",
            ));
        } else if n.contains('/') && !n.starts_with('/') {
            out.push(invalid("is a path that does not start with `/`: add it"));
        } else {
            let first = n.trim_start_matches('/').to_ascii_lowercase();
            if first.starts_with("aws") || first.starts_with("ssm") {
                out.push(invalid(
                    "starts with `aws` or `ssm`, which AWS reserves: choose another prefix",
                ));
            }
        }
        out
    }
}

/// A parameter added to a stack.
#[derive(Clone, Debug)]
pub struct ParameterRef {
    resource: ResourceRef,
    name: String,
}

impl ParameterRef {
    /// The parameter's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The parameter's name, as given (a literal other stacks and accounts
    /// may use).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter's ARN, built from its name in the stack's account and
    /// region.
    pub fn arn(&self) -> Expr {
        crate::buildspec::parameter_arn(&self.name)
    }
}

impl Construct for Parameter {
    type Ref = ParameterRef;

    fn add_to(self, stack: &mut Stack) -> ParameterRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let mut parameter = Resource::new("AWS::SSM::Parameter")
            .property("Name", self.name.as_str())
            .property("Type", "String")
            .property("Value", self.value);
        if let Some(d) = &self.description {
            parameter = parameter.property("Description", d.as_str());
        }
        let resource = stack.add_resource_at(path, &self.id, parameter);
        ParameterRef {
            resource,
            name: self.name,
        }
    }
}

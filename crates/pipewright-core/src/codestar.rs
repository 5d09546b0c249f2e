//! AWS CodeStar Connections / CodeConnections: connections to GitHub,
//! GitLab and Bitbucket that pipelines and CodeBuild read repositories
//! through, without a token in the template.
//!
//! CloudFormation creates a connection `PENDING`: the handshake with the
//! host needs a person in the console (Developer Tools → Settings →
//! Connections → the connection → Update pending connection). Until then
//! every source action that uses it fails; `pipewright deploy` says so
//! after it creates or updates a stack with a connection.
//!
//! The type is `AWS::CodeStarConnections::Connection`, which every region
//! that has CodeConnections still accepts, and whose ARN a role may use
//! under either service prefix ([`USE_ACTIONS`]).
//!
//! Reference: [`AWS::CodeStarConnections::Connection`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-codestarconnections-connection.html).

use crate::construct::{Construct, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{RoleRef, Statement};
use crate::template::{Expr, Resource};

/// The most characters a connection name may have.
pub const MAX_NAME_LENGTH: usize = 32;

/// What a role needs to read a repository through a connection given by
/// ARN (a pipeline's source action, or a CodeBuild project that clones with
/// `CODEBUILD_CLONE_REF`), under both service prefixes: an ARN pipewright
/// cannot read (a parameter) may be in either service, and each action
/// matches only its own. A connection of the stack is in
/// `codestar-connections` ([`ConnectionRef::grant_use`]).
/// <https://docs.aws.amazon.com/dtconsole/latest/userguide/security-iam.html#permissions-reference-connections>
pub const USE_ACTIONS: &[&str] = &[
    "codeconnections:UseConnection",
    "codestar-connections:UseConnection",
];

/// The `UseConnection` actions for a connection ARN: the one in the ARN's
/// own service when it can be read (a literal or a `!Sub`), since an
/// action matches only ARNs of its own service; both ([`USE_ACTIONS`]) for
/// an ARN pipewright cannot read, such as a parameter's value.
pub fn use_actions(arn: &Expr) -> Vec<&'static str> {
    match crate::facts::iam::arn_service(arn).as_deref() {
        Some("codeconnections") => vec!["codeconnections:UseConnection"],
        Some("codestar-connections") => vec!["codestar-connections:UseConnection"],
        _ => USE_ACTIONS.to_vec(),
    }
}

/// `ProviderType`: the repository host.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Provider {
    /// `GitHub`: github.com, the default.
    #[default]
    GitHub,
    /// `GitHubEnterpriseServer`.
    GitHubEnterpriseServer,
    /// `GitLab`: gitlab.com.
    GitLab,
    /// `Bitbucket`: bitbucket.org.
    Bitbucket,
}

impl Provider {
    /// The name CloudFormation uses, e.g. `GitHub`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::GitHub => "GitHub",
            Provider::GitHubEnterpriseServer => "GitHubEnterpriseServer",
            Provider::GitLab => "GitLab",
            Provider::Bitbucket => "Bitbucket",
        }
    }
}

/// A connection to a repository host.
#[derive(Clone, Debug)]
pub struct Connection {
    id: String,
    name: String,
    provider: Provider,
}

impl Connection {
    /// A connection with logical ID `id` named `name` (`ConnectionName`, 1
    /// to 32 characters, checked at synth; renaming replaces the connection,
    /// which then has to be completed again) to [`Provider::GitHub`].
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            provider: Provider::default(),
        }
    }

    /// Sets the host. Default: [`Provider::GitHub`]. A change replaces
    /// the connection.
    pub fn provider(mut self, provider: Provider) -> Self {
        self.provider = provider;
        self
    }

    /// What CloudFormation would reject in the name.
    pub fn problems(&self) -> Vec<ProblemKind> {
        let count = self.name.chars().count();
        if (1..=MAX_NAME_LENGTH).contains(&count) {
            return Vec::new();
        }
        vec![ProblemKind::InvalidName {
            what: "connection name",
            name: self.name.clone(),
            reason: format!(
                "has {count} characters: a connection name has 1 to {MAX_NAME_LENGTH}, so shorten it"
            ),
        }]
    }
}

/// A connection added to a stack.
#[derive(Clone, Debug)]
pub struct ConnectionRef {
    resource: ResourceRef,
    name: String,
}

impl ConnectionRef {
    /// The connection's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The connection's name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The connection's ARN (`!Ref`; also `!GetAtt X.ConnectionArn`).
    pub fn arn(&self) -> Expr {
        self.resource.reference()
    }

    /// Lets `role` use the connection (`codestar-connections:UseConnection`
    /// on its ARN): what a CodeBuild project needs to clone a
    /// `CODEBUILD_CLONE_REF` artifact. A pipeline's connection source grants
    /// its own role by itself.
    ///
    /// Only the `codestar-connections` action: the ARN of an
    /// `AWS::CodeStarConnections::Connection` is in that service, and an
    /// action matches only ARNs of its own service, so
    /// `codeconnections:UseConnection` on it would never match (issue #19).
    pub fn grant_use(&self, stack: &mut Stack, role: &RoleRef) {
        stack.grant(
            role,
            Statement::allow(["codestar-connections:UseConnection"]).resource(self.arn()),
        );
    }
}

impl Construct for Connection {
    type Ref = ConnectionRef;

    fn add_to(self, stack: &mut Stack) -> ConnectionRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let connection = Resource::new("AWS::CodeStarConnections::Connection")
            .property("ConnectionName", self.name.as_str())
            .property("ProviderType", self.provider.as_str());
        let resource = stack.add_resource_at(path, &self.id, connection);
        ConnectionRef {
            resource,
            name: self.name,
        }
    }
}

//! `AWS::CodeBuild::SourceCredential`: how CodeBuild reaches GitHub or
//! Bitbucket.
//!
//! A project with a repository source (and its webhook) needs CodeBuild to
//! hold a credential for the repository host. The credential is account-
//! and region-wide: CodeBuild keeps one per server type, and a second one
//! replaces the first. A personal access token is a secret, so the
//! template may only carry a reference to it: a
//! `{{resolve:secretsmanager:...}}` dynamic reference or a NoEcho
//! parameter. A literal token is a synth problem, never a template line.
//!
//! A Parameter Store SecureString cannot hold the token: CloudFormation
//! resolves `{{resolve:ssm-secure:...}}` only in the properties it lists
//! as accepting it (database and directory passwords and a few more), and
//! `AWS::CodeBuild::SourceCredential.Token` is not one of them; a parameter
//! of type `AWS::SSM::Parameter::Value<String>` reads only plain `String`
//! parameters, which would keep the token unencrypted. Such a reference is
//! refused at synth like a literal: keep the token in Secrets Manager.
//!
//! Reference: [`AWS::CodeBuild::SourceCredential`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-codebuild-sourcecredential.html).

use crate::construct::{Construct, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::template::{DynamicRef, DynamicService, Expr, Resource};

/// `ServerType`: the repository host.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerType {
    /// `GITHUB`: github.com.
    GitHub,
    /// `GITHUB_ENTERPRISE`: GitHub Enterprise Server.
    GitHubEnterprise,
    /// `BITBUCKET`: bitbucket.org.
    Bitbucket,
}

impl ServerType {
    /// The name CloudFormation uses, e.g. `GITHUB`.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerType::GitHub => "GITHUB",
            ServerType::GitHubEnterprise => "GITHUB_ENTERPRISE",
            ServerType::Bitbucket => "BITBUCKET",
        }
    }
}

/// `AuthType`: what `Token` holds.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthType {
    /// `PERSONAL_ACCESS_TOKEN`: `Token` is a personal access token (for
    /// Bitbucket, an access token or app password): a secret.
    PersonalAccessToken,
    /// `CODECONNECTIONS`: `Token` is the ARN of a CodeConnections
    /// connection, not a secret.
    CodeConnections,
    /// `BASIC_AUTH`: `Username` and `Token`, the user's app password (a
    /// secret); Bitbucket only.
    BasicAuth,
}

impl AuthType {
    /// The name CloudFormation uses, e.g. `PERSONAL_ACCESS_TOKEN`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthType::PersonalAccessToken => "PERSONAL_ACCESS_TOKEN",
            AuthType::CodeConnections => "CODECONNECTIONS",
            AuthType::BasicAuth => "BASIC_AUTH",
        }
    }
}

/// The credential CodeBuild uses for one repository host.
#[derive(Clone, Debug)]
pub struct SourceCredential {
    id: String,
    server: ServerType,
    auth: AuthType,
    token: Expr,
    username: Option<String>,
}

impl SourceCredential {
    /// A personal access token for `server`, with logical ID `id`. `token`
    /// must be a Secrets Manager dynamic reference
    /// ([`Expr::secret`]) or `!Ref` to a NoEcho parameter of the same
    /// stack; anything else is a synth error.
    pub fn personal_access_token(
        id: impl Into<String>,
        server: ServerType,
        token: impl Into<Expr>,
    ) -> Self {
        Self {
            id: id.into(),
            server,
            auth: AuthType::PersonalAccessToken,
            token: token.into(),
            username: None,
        }
    }

    /// Bitbucket basic authentication with logical ID `id`: `username` and
    /// its app password `token`, which must be a secret reference as for
    /// [`SourceCredential::personal_access_token`].
    pub fn basic_auth(
        id: impl Into<String>,
        username: impl Into<String>,
        token: impl Into<Expr>,
    ) -> Self {
        Self {
            id: id.into(),
            server: ServerType::Bitbucket,
            auth: AuthType::BasicAuth,
            token: token.into(),
            username: Some(username.into()),
        }
    }

    /// A CodeConnections connection to `server`, with logical ID `id`;
    /// `connection_arn` is the connection's ARN (no secret in the template).
    pub fn connection(
        id: impl Into<String>,
        server: ServerType,
        connection_arn: impl Into<Expr>,
    ) -> Self {
        Self {
            id: id.into(),
            server,
            auth: AuthType::CodeConnections,
            token: connection_arn.into(),
            username: None,
        }
    }

    /// Why `token` may not be a personal access token in `stack`, if it may not.
    fn token_problem(&self, stack: &Stack) -> Option<ProblemKind> {
        let not_a_secret = |what: String| Some(ProblemKind::NotASecret { what });
        let ssm_secure = || {
            not_a_secret("token is an `ssm-secure` reference, which CloudFormation does not resolve in `AWS::CodeBuild::SourceCredential.Token`".to_owned())
        };
        let (owner, value) = match &self.token {
            Expr::Owned { stack, value } => (Some(stack.as_str()), value.as_ref()),
            other => (None, other),
        };
        match value {
            Expr::Dynamic(d) if d.service == DynamicService::SecretsManager => None,
            Expr::Dynamic(d) if d.service == DynamicService::SsmSecure => ssm_secure(),
            Expr::String(s)
                if DynamicRef::parse(s).is_some_and(|d| d.service == DynamicService::SsmSecure) =>
            {
                ssm_secure()
            }
            Expr::String(s)
                if DynamicRef::parse(s)
                    .is_some_and(|d| d.service == DynamicService::SecretsManager) =>
            {
                None
            }
            Expr::Ref(name) => {
                let no_echo = owner.is_none_or(|o| o == stack.name())
                    && stack
                        .parameters
                        .iter()
                        .any(|p| &p.id == name && p.value.no_echo);
                if no_echo {
                    return None;
                }
                not_a_secret(format!(
                    "token `!Ref {name}` is not a NoEcho parameter of this stack"
                ))
            }
            Expr::String(_) => not_a_secret("token is a literal".to_owned()),
            _ => not_a_secret("token is not a secret reference".to_owned()),
        }
    }
}

/// A source credential added to a stack.
#[derive(Clone, Debug)]
pub struct SourceCredentialRef {
    resource: ResourceRef,
}

impl SourceCredentialRef {
    /// The credential's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The credential's ARN (`!Ref`).
    pub fn arn(&self) -> Expr {
        self.resource.reference()
    }
}

impl Construct for SourceCredential {
    type Ref = SourceCredentialRef;

    fn add_to(self, stack: &mut Stack) -> SourceCredentialRef {
        let path = stack.path(&self.id);
        if self.auth != AuthType::CodeConnections
            && let Some(problem) = self.token_problem(stack)
        {
            stack.problem(&path, problem);
        }
        let mut credential = Resource::new("AWS::CodeBuild::SourceCredential")
            .property("ServerType", self.server.as_str())
            .property("AuthType", self.auth.as_str())
            .property("Token", self.token);
        if let Some(username) = self.username {
            credential = credential.property("Username", username);
        }
        let resource = stack.add_resource_at(path, &self.id, credential);
        SourceCredentialRef { resource }
    }
}

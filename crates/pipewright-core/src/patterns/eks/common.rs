//! The common stack, once per operations account and region: the artifact
//! bucket (upstream `artifact-bucket`), the CodeBuild credential
//! (`codebuild-credential`) and the CodeStar connection with its ARN in
//! Parameter Store (`codestar-connection`).

use crate::codebuild::{ServerType, SourceCredential};
use crate::codestar::{Connection, Provider};
use crate::construct::Stack;
use crate::s3::{self, BucketRef};
use crate::ssm;
use crate::template::{Expr, Output, Parameter, ParameterType};

/// The common stack's name unless [`Common::stack_name`] sets another.
pub const DEFAULT_STACK: &str = "eks-common";
/// The connection's name unless [`Common::connection`] sets another.
pub const DEFAULT_CONNECTION: &str = "github";

/// Where the CodeBuild credential's token is. Parameter Store is not one
/// of the places: CloudFormation does not resolve `ssm-secure` references
/// in `AWS::CodeBuild::SourceCredential.Token`, and a parameter of type
/// `AWS::SSM::Parameter::Value<String>` reads only unencrypted `String`
/// parameters (see [`crate::codebuild::SourceCredential`]). Move a token
/// kept in Parameter Store to Secrets Manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A Secrets Manager secret (name or ARN) and the JSON key holding the
    /// token; an empty key reads the whole secret string.
    SecretsManager {
        /// The secret's name or ARN.
        secret: String,
        /// The JSON key, or empty for the whole secret string.
        key: String,
    },
    /// A NoEcho parameter of the common stack with this logical ID, whose
    /// value is given at deploy.
    Parameter(String),
}

impl Token {
    /// The JSON key `key` of the Secrets Manager secret `secret`.
    pub fn secret(secret: impl Into<String>, key: impl Into<String>) -> Self {
        Token::SecretsManager {
            secret: secret.into(),
            key: key.into(),
        }
    }
}

/// The credential CodeBuild uses for webhook builds of pull requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    server: ServerType,
    token: Token,
    username: Option<String>,
}

impl Credential {
    /// A GitHub personal access token.
    pub fn github(token: Token) -> Self {
        Self {
            server: ServerType::GitHub,
            token,
            username: None,
        }
    }

    /// A GitHub Enterprise Server personal access token.
    pub fn github_enterprise(token: Token) -> Self {
        Self {
            server: ServerType::GitHubEnterprise,
            token,
            username: None,
        }
    }

    /// A Bitbucket access token.
    pub fn bitbucket(token: Token) -> Self {
        Self {
            server: ServerType::Bitbucket,
            token,
            username: None,
        }
    }

    /// Bitbucket basic authentication: `username` and its app password.
    pub fn bitbucket_basic_auth(username: impl Into<String>, token: Token) -> Self {
        Self {
            server: ServerType::Bitbucket,
            token,
            username: Some(username.into()),
        }
    }
}

/// How the artifact bucket is named.
#[derive(Clone, Debug, PartialEq, Eq)]
enum BucketName {
    Generated,
    Exact(String),
    Prefix(String),
}

/// The common stack's configuration.
#[derive(Clone, Debug)]
pub struct Common {
    stack: String,
    account: String,
    region: String,
    bucket: BucketName,
    kms_key: Option<Expr>,
    credential: Option<Credential>,
    provider: Provider,
    connection: String,
    tags: Vec<(String, String)>,
}

impl Common {
    /// The common stack of the operations account `account` in `region`,
    /// where every application's CI and CD stacks live too.
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            stack: DEFAULT_STACK.to_owned(),
            account: account.into(),
            region: region.into(),
            bucket: BucketName::Generated,
            kms_key: None,
            credential: None,
            provider: Provider::GitHub,
            connection: DEFAULT_CONNECTION.to_owned(),
            tags: Vec::new(),
        }
    }

    /// Names the stack. Default: [`DEFAULT_STACK`].
    pub fn stack_name(mut self, name: impl Into<String>) -> Self {
        self.stack = name.into();
        self
    }

    /// Names the artifact bucket exactly (a DNS name, globally unique).
    /// Default: CloudFormation generates one from the stack's name.
    pub fn bucket_name(mut self, name: impl Into<String>) -> Self {
        self.bucket = BucketName::Exact(name.into());
        self
    }

    /// Names the artifact bucket `<prefix>-<account>-<region>`, unique per
    /// account and region. Default: CloudFormation generates a name.
    pub fn bucket_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.bucket = BucketName::Prefix(prefix.into());
        self
    }

    /// Encrypts the artifact bucket, and every pipeline's artifacts, with
    /// the KMS key `key_arn`. Default: SSE-S3 (AES-256).
    pub fn kms_key(mut self, key_arn: impl Into<Expr>) -> Self {
        self.kms_key = Some(key_arn.into());
        self
    }

    /// The CodeBuild source credential for webhook builds. It is account-
    /// and region-wide: one per server type. Default: none (a credential
    /// made outside the app, or no pull-request builds).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The connection the pipelines clone through: `provider` and `name`
    /// (1 to 32 characters), its ARN published at
    /// `/codestar_connection/<provider>/<name>`. Default:
    /// [`Provider::GitHub`] named [`DEFAULT_CONNECTION`].
    pub fn connection(mut self, provider: Provider, name: impl Into<String>) -> Self {
        self.provider = provider;
        self.connection = name.into();
        self
    }

    /// Tags the stack (and so every resource of it). Default: none.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The operations account.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The Parameter Store name of the connection's ARN.
    pub fn connection_parameter(&self) -> String {
        format!(
            "/codestar_connection/{}/{}",
            self.provider.as_str(),
            self.connection
        )
    }

    /// A stack of the operations account and region, tagged like this one.
    pub(crate) fn operations_stack(&self, name: &str, description: &str) -> Stack {
        let mut stack = Stack::new(name)
            .description(format!("{description} (managed by pipewright)"))
            .account(&self.account)
            .region(&self.region);
        for (k, v) in &self.tags {
            stack = stack.tag(k.as_str(), v.as_str());
        }
        stack
    }

    /// The stack, and what the applications' stacks use of it.
    pub fn build(&self) -> (Stack, CommonRef) {
        let mut stack = self.operations_stack(
            &self.stack,
            "EKS CI/CD: the artifact bucket, the connection and the CodeBuild credential",
        );
        let mut bucket = s3::Bucket::new("ArtifactBucket");
        match &self.bucket {
            BucketName::Generated => {}
            BucketName::Exact(name) => bucket = bucket.name(name.as_str()),
            BucketName::Prefix(prefix) => {
                bucket = bucket.name(Expr::sub(format!(
                    "{prefix}-${{AWS::AccountId}}-${{AWS::Region}}"
                )))
            }
        }
        if let Some(key) = &self.kms_key {
            bucket = bucket.kms_key(key.clone());
        }
        let bucket = stack.add(bucket);
        let provider = self.provider.as_str();
        let connection = stack
            .add(Connection::new("Connection", self.connection.as_str()).provider(self.provider));
        stack.add(
            ssm::Parameter::new(
                "ConnectionParameter",
                self.connection_parameter(),
                connection.arn(),
            )
            .description(format!("ARN of the connection to {provider}")),
        );
        if let Some(c) = &self.credential {
            let token = match &c.token {
                Token::SecretsManager { secret, key } => Expr::secret(secret.as_str(), key),
                Token::Parameter(id) => stack.add_parameter(
                    id.as_str(),
                    Parameter::new(ParameterType::String)
                        .no_echo()
                        .description("The CodeBuild credential's token"),
                ),
            };
            let credential = match &c.username {
                Some(user) => SourceCredential::basic_auth("Credential", user.as_str(), token),
                None => SourceCredential::personal_access_token("Credential", c.server, token),
            };
            stack.add(credential);
        }
        stack.add_output(
            "ArtifactBucketName",
            Output::new(bucket.name()).description("Name of the artifact bucket"),
        );
        stack.add_output(
            "ConnectionArn",
            Output::new(connection.arn()).description(format!(
                "ARN of the connection to {provider}; complete it in the console"
            )),
        );
        let common = CommonRef {
            bucket,
            kms_key: self.kms_key.clone(),
            connection_parameter: self.connection_parameter(),
        };
        (stack, common)
    }
}

/// What the applications' stacks use of the common stack.
#[derive(Clone, Debug)]
pub struct CommonRef {
    /// The artifact bucket.
    pub bucket: BucketRef,
    /// The KMS key of the bucket and the pipelines, if any.
    pub kms_key: Option<Expr>,
    /// The Parameter Store name of the connection's ARN.
    pub connection_parameter: String,
}

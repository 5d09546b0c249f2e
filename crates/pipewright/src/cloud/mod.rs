//! Everything that talks to AWS: deploy, destroy, status, diff and drift
//! through the CloudFormation API, with STS for the account guard.
//!
//! The pure logic (status classification in [`state`], ordering in
//! [`plan`], change-set summaries in [`change_set`], event de-duplication
//! and root causes in [`stack_events`]) is separate from the SDK calls
//! ([`api`]) and from the flows that combine them ([`deploy`],
//! [`destroy`], [`status`], [`diff`], [`drift`]). Every flow opens a stack
//! the same way ([`Cloud`]'s `open`: region, account guard, describe), and
//! deploy and diff share one change-set module. The library never prints:
//! flows report through a [`Ui`] the caller implements.

pub mod api;
pub mod change_set;
pub mod deploy;
pub mod destroy;
pub mod diff;
pub mod drift;
pub mod plan;
pub mod stack_events;
pub mod state;
pub mod status;

pub use api::StackInfo;
pub use deploy::{DeployOptions, DeployOutcome, DeployReport, Deployer, ParameterChange, Preview};
pub use destroy::{DestroyOutcome, DestroyReport, RetainedResource};
pub use state::{StackDriftStatus, StackStatus};
pub use status::StackStatusReport;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudformation::config::Region;
use std::fmt;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long one connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one HTTP attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one API call may take, retries included: the bound after which
/// a stuck or unreachable endpoint is an error, never a hang.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(45);
/// Attempts per API call (the SDK's standard retry, with jittered
/// exponential backoff, retries throttling and transient errors).
pub const MAX_ATTEMPTS: u32 = 4;
/// The longest pause between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(4);
/// How often a changing stack is polled for status and events.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Clients for one AWS account and region.
#[derive(Debug)]
pub struct Cloud {
    cfn: aws_sdk_cloudformation::Client,
    sts: Option<aws_sdk_sts::Client>,
    region: Option<String>,
    endpoint: Option<String>,
    poll: Duration,
    account: OnceCell<String>,
    credentials: Option<aws_sdk_cloudformation::config::SharedCredentialsProvider>,
}

/// Where to connect.
#[derive(Clone, Debug, Default)]
pub struct Connect {
    /// The region; the SDK's default chain (`AWS_REGION`, the profile) when
    /// `None`.
    pub region: Option<String>,
    /// The named profile; the SDK's default (`AWS_PROFILE`) when `None`.
    pub profile: Option<String>,
}

impl Cloud {
    /// Loads the SDK configuration the way every AWS SDK does
    /// (environment, profile, SSO, `AWS_ENDPOINT_URL`) with pipewright's
    /// timeouts and retries. A named profile (`--profile` or
    /// `AWS_PROFILE`) that no profile file defines is an error.
    pub async fn connect(options: &Connect) -> Result<Cloud, CloudError> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(name) = options.profile.clone().or_else(|| env("AWS_PROFILE")) {
            let files = profile_files(&env);
            if name != "default" && !files.iter().any(|f| defines_profile(f, &name)) {
                return Err(CloudError::UnknownProfile {
                    name,
                    files: files.into_iter().map(|f| f.display().to_string()).collect(),
                });
            }
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_max_backoff(MAX_BACKOFF),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            );
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        let config = loader.load().await;
        Ok(Cloud {
            cfn: aws_sdk_cloudformation::Client::new(&config),
            sts: Some(aws_sdk_sts::Client::new(&config)),
            region: config.region().map(ToString::to_string),
            endpoint: config.endpoint_url().map(str::to_owned),
            poll: POLL_INTERVAL,
            account: OnceCell::new(),
            credentials: config.credentials_provider(),
        })
    }

    /// Checks what every stack needs before any flow starts, so that a
    /// problem shared by all of them is said once: credentials that cannot
    /// be loaded, and no region when no stack declares one.
    pub async fn preflight(&self, stacks: &[&crate::app::Artifact]) -> Result<(), CloudError> {
        if self.region.is_none() && stacks.iter().all(|a| a.env.region.is_none()) {
            return Err(CloudError::NoRegion);
        }
        if let Some(provider) = &self.credentials {
            use aws_sdk_cloudformation::config::ProvideCredentials;
            provider
                .provide_credentials()
                .await
                .map_err(|e| CloudError::Credentials {
                    operation: "CloudFormation",
                    source: Detail(api::chain_text(&e)),
                })?;
        }
        Ok(())
    }

    /// Wraps existing clients (for tests with `aws-smithy-mocks`, or callers
    /// with their own configuration). Without STS the account guard refuses
    /// stacks that declare an account.
    pub fn from_clients(
        cfn: aws_sdk_cloudformation::Client,
        sts: Option<aws_sdk_sts::Client>,
    ) -> Cloud {
        let region = cfn.config().region().map(ToString::to_string);
        Cloud {
            cfn,
            sts,
            region,
            endpoint: None,
            poll: POLL_INTERVAL,
            account: OnceCell::new(),
            credentials: None,
        }
    }

    /// Sets how often a changing stack is polled.
    pub fn with_poll_interval(mut self, poll: Duration) -> Cloud {
        self.poll = poll;
        self
    }

    /// The configured region.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The endpoint requests go to, for messages.
    pub fn endpoint(&self, region: &str) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://cloudformation.{region}.amazonaws.com"))
    }

    /// A client for `region` (the configured one when `None`).
    pub(crate) fn target(&self, region: Option<&str>) -> Result<Target, CloudError> {
        let configured = self.region.as_deref();
        let region = match (region, configured) {
            (Some(r), _) | (None, Some(r)) => r.to_owned(),
            (None, None) => return Err(CloudError::NoRegion),
        };
        let client = if Some(region.as_str()) == configured {
            self.cfn.clone()
        } else {
            aws_sdk_cloudformation::Client::from_conf(
                self.cfn
                    .config()
                    .to_builder()
                    .region(Region::new(region.clone()))
                    .build(),
            )
        };
        Ok(Target {
            endpoint: self.endpoint(&region),
            region,
            client,
            poll: self.poll,
        })
    }

    /// Opens `art` for a flow (deploy, destroy, diff, drift): the client
    /// for its region, the account guard, and what is deployed.
    pub(crate) async fn open(&self, art: &crate::app::Artifact) -> Result<Opened, CloudError> {
        let target = self.target(art.env.region.as_deref())?;
        self.check_account(art).await?;
        let info = target.describe(&art.name).await?;
        Ok(Opened { target, info })
    }

    /// Refuses a stack that declares an account other than the caller's.
    pub async fn check_account(&self, art: &crate::app::Artifact) -> Result<(), CloudError> {
        let Some(expected) = &art.env.account else {
            return Ok(());
        };
        let actual = self.account().await?;
        if actual == expected {
            Ok(())
        } else {
            Err(CloudError::WrongAccount {
                stack: art.name.clone(),
                expected: expected.clone(),
                actual: actual.to_owned(),
            })
        }
    }

    /// The caller's account, asked of STS once.
    pub async fn account(&self) -> Result<&str, CloudError> {
        let sts = self.sts.as_ref().ok_or_else(|| CloudError::Api {
            operation: "GetCallerIdentity",
            stack: None,
            code: None,
            message: "no STS client to check the account with".into(),
        })?;
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let endpoint = self
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
        self.account
            .get_or_try_init(|| async {
                let out = sts.get_caller_identity().send().await.map_err(|e| {
                    api::classify_error("GetCallerIdentity", None, &endpoint, &region, e)
                })?;
                out.account().map(str::to_owned).ok_or(CloudError::Api {
                    operation: "GetCallerIdentity",
                    stack: None,
                    code: None,
                    message: "the response has no account".into(),
                })
            })
            .await
            .map(String::as_str)
    }
}

/// A stack opened by [`Cloud::open`].
#[derive(Debug)]
pub(crate) struct Opened {
    /// The client for the stack's region.
    pub(crate) target: Target,
    /// The deployed stack; `None` when it does not exist.
    pub(crate) info: Option<StackInfo>,
}

/// The HTTPS client every AWS call goes through: the SDK's own hyper and
/// rustls client, the same one its `default-https-client` feature builds
/// (TLS 1.2 and 1.3, the system's root certificates, `HTTPS_PROXY` /
/// `NO_PROXY` from the environment), with ring as the crypto provider
/// instead of aws-lc. aws-lc's C build was a third of a cold release build
/// (issue #10); ring builds in seconds and serves the same cipher suites
/// for talking to AWS endpoints.
fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

/// A CloudFormation client bound to one region.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) client: aws_sdk_cloudformation::Client,
    pub(crate) region: String,
    pub(crate) endpoint: String,
    pub(crate) poll: Duration,
}

/// What went wrong talking to AWS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CloudError {
    /// The endpoint did not answer (refused, timed out, DNS).
    #[error("cannot reach {endpoint} (region {region}) for {operation}")]
    Unreachable {
        /// The API operation.
        operation: &'static str,
        /// The endpoint URL.
        endpoint: String,
        /// The region.
        region: String,
        /// What the SDK said.
        #[source]
        source: Detail,
    },
    /// The API answered with an error.
    #[error("{operation}{} failed: {message}", stack.as_ref().map(|s| format!(" for stack `{s}`")).unwrap_or_default())]
    Api {
        /// The API operation.
        operation: &'static str,
        /// The stack, when the call was about one.
        stack: Option<String>,
        /// The error code, e.g. `ValidationError`.
        code: Option<String>,
        /// The error message.
        message: String,
    },
    /// No credentials could be loaded.
    #[error("no AWS credentials for {operation}")]
    Credentials {
        /// The API operation.
        operation: &'static str,
        /// What the SDK said.
        #[source]
        source: Detail,
    },
    /// No region is configured and the stack declares none.
    #[error("no AWS region is configured")]
    NoRegion,
    /// The credentials are for another account than the stack declares.
    #[error(
        "stack `{stack}` is declared for account {expected}, but the credentials are for account {actual}"
    )]
    WrongAccount {
        /// The stack.
        stack: String,
        /// The account the stack declares.
        expected: String,
        /// The caller's account.
        actual: String,
    },
    /// The named profile is in no profile file.
    #[error("AWS profile `{name}` does not exist")]
    UnknownProfile {
        /// The profile name (from `--profile` or `AWS_PROFILE`).
        name: String,
        /// The profile files read.
        files: Vec<String>,
    },
    /// A parameter value asks for the previous value of a stack that does
    /// not exist yet.
    #[error("stack `{stack}` does not exist yet, so `{key}` cannot use its previous value")]
    NoPreviousValue {
        /// The stack.
        stack: String,
        /// The parameter key.
        key: String,
    },
}

impl CloudError {
    /// A suggestion of what to do.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            CloudError::Unreachable { .. } => "check the network, AWS_ENDPOINT_URL and the region (--region or AWS_REGION)".into(),
            CloudError::Credentials { .. } => "configure credentials: `aws configure`, `aws sso login --profile NAME` with --profile NAME, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            CloudError::UnknownProfile { name, files } => format!(
                "`aws configure list-profiles` lists the profiles; `aws configure --profile {name}` creates it (read: {})",
                if files.is_empty() { "no profile file".to_owned() } else { files.join(", ") }
            ),
            CloudError::NoRegion => "pass --region, set AWS_REGION, or declare the stack's region in code".into(),
            CloudError::WrongAccount { expected, .. } => format!("use credentials for account {expected}, e.g. --profile NAME"),
            CloudError::NoPreviousValue { key, .. } => format!("give `{key}` a value for the first deploy"),
            CloudError::Api { code: Some(code), .. } if code.contains("Throttl") => "the API throttled past the retry budget; run again with --concurrency 1".into(),
            CloudError::Api { code: Some(code), .. } if code == "AccessDenied" || code == "AccessDeniedException" => "the credentials lack the permission; check the role or --profile".into(),
            CloudError::Api { .. } => return None,
        })
    }
}

impl CloudError {
    /// Whether the error is the same for every stack (no region, no
    /// credentials, an unknown profile): said once, not once per stack.
    pub fn is_shared(&self) -> bool {
        matches!(
            self,
            CloudError::NoRegion
                | CloudError::Credentials { .. }
                | CloudError::UnknownProfile { .. }
        )
    }
}

/// The profile files the SDK reads: `AWS_CONFIG_FILE` (default
/// `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE` (default
/// `~/.aws/credentials`).
fn profile_files(env: &dyn Fn(&str) -> Option<String>) -> Vec<std::path::PathBuf> {
    let home = env("HOME").or_else(|| env("USERPROFILE"));
    let at = |var: &str, rel: &str| {
        env(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| std::path::Path::new(h).join(rel)))
    };
    [
        at("AWS_CONFIG_FILE", ".aws/config"),
        at("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether the profile file at `path` has a section for profile `name`
/// (`[profile NAME]` or `[NAME]`); a missing file defines none.
fn defines_profile(path: &std::path::Path, name: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| sections_define(&text, name))
}

/// Whether profile-file `text` has a section for profile `name`.
fn sections_define(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        let Some(section) = line
            .trim()
            .strip_prefix('[')
            .and_then(|l| l.split(']').next())
        else {
            return false;
        };
        let section = section.trim();
        let profile = section
            .strip_prefix("profile")
            .filter(|rest| rest.starts_with(char::is_whitespace))
            .map(str::trim)
            .unwrap_or(section);
        profile == name
    })
}

/// An SDK error rendered to text with all its causes.
#[derive(Debug)]
pub struct Detail(pub String);

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Detail {}

/// How a stack's confirm is asked and its progress shown: implemented by
/// the CLI (or any caller). Methods are called from several tasks at once
/// when stacks run concurrently.
pub trait Ui: Send + Sync {
    /// Something happened to `stack`.
    fn progress(&self, stack: &str, progress: Progress<'_>);
    /// Asks whether to go on; `false` declines. Only called without
    /// `--yes`.
    fn confirm(&self, stack: &str, question: &str) -> bool;
}

/// What a [`Ui`] is told.
#[derive(Debug)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// The stack is changing; waiting for it to settle before going on.
    Waiting {
        /// Its status.
        status: &'a str,
    },
    /// The deployed template, parameters and tags already match.
    Unchanged,
    /// A change set is ready for review.
    ChangeSet {
        /// Its name.
        name: &'a str,
        /// What it does.
        summary: &'a change_set::Summary,
        /// The IAM statements and parameter values it changes.
        preview: &'a deploy::Preview,
    },
    /// A stack operation started: `create`, `update` or `delete`.
    Started {
        /// The operation.
        operation: &'a str,
        /// Resources in the template (for a progress bar).
        resources: usize,
    },
    /// A stack event.
    Event(&'a stack_events::StackEvent),
    /// A note for the operator.
    Note(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_sections_are_found_in_config_and_credentials_forms() {
        let config =
            "[default]\nregion = eu-west-1\n\n[profile ci]\nrole_arn = x\n[sso-session corp]\n";
        assert!(sections_define(config, "ci"));
        assert!(sections_define(config, "default"));
        assert!(!sections_define(config, "corp-dev"));
        assert!(!sections_define(config, "profile"));
        assert!(sections_define("[ops]\naws_access_key_id = A\n", "ops"));
    }

    #[test]
    fn shared_errors_are_told_apart() {
        assert!(CloudError::NoRegion.is_shared());
        let unknown = CloudError::UnknownProfile {
            name: "nope".into(),
            files: vec!["/tmp/config".into()],
        };
        assert!(unknown.is_shared());
        assert_eq!(unknown.to_string(), "AWS profile `nope` does not exist");
        assert!(
            unknown
                .hint()
                .unwrap()
                .contains("aws configure list-profiles")
        );
        assert!(
            !CloudError::WrongAccount {
                stack: "s".into(),
                expected: "1".into(),
                actual: "2".into()
            }
            .is_shared()
        );
    }
}

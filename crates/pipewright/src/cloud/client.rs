//! The way into AWS: the SDK configuration (credentials, region,
//! endpoint, pipewright's timeouts and retries), one client per account
//! and region, and the account guard. Every flow opens a stack the same way
//! ([`Cloud`]'s `open`: region, account guard, describe), so a stack is
//! reached through the same identity whatever the command.

use super::accounts::{self, Access};
use super::api::Target;
use super::error::{CloudError, Detail, chain_text, classify_error};
use super::values::StackInfo;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudformation::config::Region;
use std::sync::{Arc, Mutex};
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

/// Clients for the caller's account, and the way into every other account
/// a stack declares (see [`accounts`]).
#[derive(Debug)]
pub struct Cloud {
    cfn: aws_sdk_cloudformation::Client,
    sts: Option<aws_sdk_sts::Client>,
    region: Option<String>,
    endpoint: Option<String>,
    poll: Duration,
    account: OnceCell<String>,
    credentials: Option<aws_sdk_cloudformation::config::SharedCredentialsProvider>,
    profiles: Vec<(String, String)>,
    through_bootstrap: bool,
    sessions: Mutex<Vec<(Access, Arc<SessionCell>)>>,
}

/// One way into an account: opened by the first stack that needs it, then
/// shared, an error too.
type SessionCell = OnceCell<Result<Arc<Session>, CloudError>>;

/// The clients of one way into an account, opened once per run.
#[derive(Debug)]
struct Session {
    cfn: aws_sdk_cloudformation::Client,
    /// Its credentials, for the other clients of the account (S3).
    credentials: Option<aws_sdk_cloudformation::config::SharedCredentialsProvider>,
    /// The account of the identity actually used.
    account: String,
}

/// Where to connect.
#[derive(Clone, Debug, Default)]
pub struct Connect {
    /// The region; the SDK's default chain (`AWS_REGION`, the profile) when
    /// `None`.
    pub region: Option<String>,
    /// The named profile; the SDK's default (`AWS_PROFILE`) when `None`.
    pub profile: Option<String>,
    /// Profiles to reach accounts with, as (account, profile) pairs: a
    /// stack in a mapped account uses that profile's credentials instead of
    /// a deploy role (see [`accounts`]).
    pub account_profiles: Vec<(String, String)>,
    /// Take credentials from `profile` only, never from the environment's
    /// `AWS_ACCESS_KEY_ID` (which the SDK's default chain reads first): set
    /// for the profiles of `account_profiles`.
    pub profile_credentials_only: bool,
    /// Reach a stack's account through its bootstrap's deploy role even
    /// when the caller is in that account (see [`accounts::access`]): how a
    /// deploy build in the operations account deploys that account's stacks
    /// with the bootstrap's execution role, not its own permissions.
    /// Default: off.
    pub through_bootstrap: bool,
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
        if options.profile_credentials_only
            && let Some(profile) = &options.profile
        {
            // The default chain reads AWS_ACCESS_KEY_ID before any profile:
            // a profile mapped to an account must be what answers.
            let provider_config = aws_config::provider_config::ProviderConfig::default()
                .with_http_client(https_client())
                .with_behavior_version(Some(BehaviorVersion::latest()))
                .with_region(options.region.clone().map(Region::new));
            loader = loader.credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .configure(&provider_config)
                    .profile_name(profile)
                    .build(),
            );
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
            profiles: options.account_profiles.clone(),
            through_bootstrap: options.through_bootstrap,
            sessions: Mutex::new(Vec::new()),
        })
    }

    /// Checks what every stack needs before any flow starts, so that a
    /// problem shared by them is said once: credentials that cannot be
    /// loaded, and no region while a stack declares none. The caller's
    /// credentials are checked only when a stack uses them: with every
    /// account mapped to a profile, none are needed.
    pub async fn preflight(&self, stacks: &[&crate::app::Artifact]) -> Result<(), CloudError> {
        if self.region.is_none() && stacks.iter().any(|a| a.env.region.is_none()) {
            return Err(CloudError::NoRegion);
        }
        let caller_used = stacks.iter().any(|a| {
            a.env
                .account
                .as_ref()
                .is_none_or(|acc| !self.profiles.iter().any(|(p, _)| p == acc))
        });
        if caller_used && let Some(provider) = &self.credentials {
            use aws_sdk_cloudformation::config::ProvideCredentials;
            provider
                .provide_credentials()
                .await
                .map_err(|e| CloudError::Credentials {
                    operation: "CloudFormation",
                    source: Detail(chain_text(&e)),
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
            profiles: Vec::new(),
            through_bootstrap: false,
            sessions: Mutex::new(Vec::new()),
        }
    }

    /// Sets the endpoint every client goes to (a local emulator), for a
    /// caller that made its clients itself: the S3 client that stages
    /// large templates is made from the CloudFormation client's
    /// configuration, which does not say its endpoint.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Cloud {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Sets the caller's credentials, for the clients made from the
    /// CloudFormation client's configuration (S3), which does not say
    /// them.
    pub fn with_credentials(
        mut self,
        credentials: aws_sdk_cloudformation::config::SharedCredentialsProvider,
    ) -> Cloud {
        self.credentials = Some(credentials);
        self
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

    /// The region a stack goes to: its own, else the configured one.
    fn region_of<'a>(&'a self, art: &'a crate::app::Artifact) -> Result<&'a str, CloudError> {
        art.env
            .region
            .as_deref()
            .or(self.region.as_deref())
            .ok_or(CloudError::NoRegion)
    }

    /// A client for `region` from `cfn`'s configuration.
    fn target_with(
        &self,
        cfn: &aws_sdk_cloudformation::Client,
        credentials: Option<aws_sdk_cloudformation::config::SharedCredentialsProvider>,
        region: &str,
    ) -> Target {
        let client = if cfn.config().region().map(|r| r.as_ref()) == Some(region) {
            cfn.clone()
        } else {
            aws_sdk_cloudformation::Client::from_conf(
                cfn.config()
                    .to_builder()
                    .region(Region::new(region.to_owned()))
                    .build(),
            )
        };
        Target {
            endpoint: self.endpoint(region),
            custom_endpoint: self.endpoint.is_some(),
            region: region.to_owned(),
            s3: s3_client(cfn, credentials, region, self.endpoint.as_deref()),
            client,
            poll: self.poll,
            execution_role: None,
            read_only: None,
        }
    }

    /// How `art`'s account is reached (see [`accounts`]).
    pub async fn access(&self, art: &crate::app::Artifact) -> Result<Access, CloudError> {
        let region = self.region_of(art)?;
        if self.through_bootstrap {
            return Ok(accounts::access_through_bootstrap(
                &art.env,
                &self.profiles,
                region,
            ));
        }
        let caller = if accounts::needs_caller(&art.env, &self.profiles) {
            Some(self.account().await?)
        } else {
            None
        };
        Ok(accounts::access(&art.env, &self.profiles, caller, region))
    }

    /// The client for `art`: its account (through the way [`Cloud::access`]
    /// decides, opened once per run), its region, its execution role, and
    /// the account guard on the identity actually used.
    pub(crate) async fn target(&self, art: &crate::app::Artifact) -> Result<Target, CloudError> {
        let region = self.region_of(art)?.to_owned();
        let access = self.access(art).await?;
        // A stack that declares no account goes wherever the caller is;
        // every other one is checked against the identity actually used.
        let mut target = match &art.env.account {
            None => self.target_with(&self.cfn, self.credentials.clone(), &region),
            Some(expected) => {
                let session = self.session(&access, art).await?;
                if *expected != session.account {
                    return Err(CloudError::WrongAccount {
                        stack: art.name.clone(),
                        expected: expected.clone(),
                        actual: session.account.clone(),
                        via: access.describe(),
                    });
                }
                self.target_with(&session.cfn, session.credentials.clone(), &region)
            }
        };
        target.execution_role = accounts::execution_role(&art.env, &access, &region);
        if accounts::read_only(&art.env, &access) {
            target.read_only = art.env.account.clone();
        }
        Ok(target)
    }

    /// Opens `art` for a flow (deploy, destroy, diff, drift, status): the
    /// client for its account and region, the account guard, and what is
    /// deployed.
    pub(crate) async fn open(&self, art: &crate::app::Artifact) -> Result<Opened, CloudError> {
        let target = self.target(art).await?;
        let info = target.describe(&art.name).await?;
        Ok(Opened { target, info })
    }

    /// The session of `access`, opened by the first stack that needs it
    /// and named after it; its outcome, an error too, is shared by every
    /// stack that uses the same way in, so a role is assumed once per run.
    async fn session(
        &self,
        access: &Access,
        art: &crate::app::Artifact,
    ) -> Result<Arc<Session>, CloudError> {
        let cell = {
            let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
            match sessions.iter().find(|(a, _)| a == access) {
                Some((_, cell)) => cell.clone(),
                None => {
                    let cell = Arc::new(OnceCell::new());
                    sessions.push((access.clone(), cell.clone()));
                    cell
                }
            }
        };
        cell.get_or_init(|| self.open_session(access, art))
            .await
            .clone()
    }

    async fn open_session(
        &self,
        access: &Access,
        art: &crate::app::Artifact,
    ) -> Result<Arc<Session>, CloudError> {
        // The account could not be reached this way.
        let unreachable = |e: CloudError| CloudError::Reach {
            stack: art.name.clone(),
            account: art.env.account.clone().unwrap_or_default(),
            via: access.describe(),
            role: matches!(access, Access::Role(_)),
            source: Box::new(e),
        };
        match access {
            Access::Caller => Ok(Arc::new(Session {
                cfn: self.cfn.clone(),
                credentials: self.credentials.clone(),
                account: self.account().await?.to_owned(),
            })),
            Access::Profile(profile) => {
                // The configured region, else the stack's: a profile that
                // assumes a role needs one to call STS.
                let region = self.region.clone().or_else(|| art.env.region.clone());
                let cloud = Cloud::connect(&Connect {
                    region,
                    profile: Some(profile.clone()),
                    account_profiles: Vec::new(),
                    profile_credentials_only: true,
                    through_bootstrap: false,
                })
                .await?;
                let account = cloud.account().await.map_err(unreachable)?;
                Ok(Arc::new(Session {
                    cfn: cloud.cfn.clone(),
                    credentials: cloud.credentials.clone(),
                    account: account.to_owned(),
                }))
            }
            Access::Role(arn) => {
                let sts = self.sts.clone().ok_or(CloudError::NoStsClient {
                    operation: "AssumeRole",
                })?;
                let region = self.region_of(art)?.to_owned();
                // The stack's region: the configuration may have none when
                // every stack declares its own.
                let sts = if sts.config().region().is_none() {
                    aws_sdk_sts::Client::from_conf(
                        sts.config()
                            .to_builder()
                            .region(aws_sdk_sts::config::Region::new(region.clone()))
                            .build(),
                    )
                } else {
                    sts
                };
                let endpoint = self
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
                let role = accounts::AssumedRole::new(
                    sts,
                    arn.clone(),
                    accounts::session_name(&art.name),
                    endpoint,
                    region,
                );
                let assumed = role.assume().await.map_err(unreachable)?;
                let account = accounts::account_of_arn(&assumed)
                    .unwrap_or_default()
                    .to_owned();
                let credentials =
                    aws_sdk_cloudformation::config::SharedCredentialsProvider::new(role);
                let config = self
                    .cfn
                    .config()
                    .to_builder()
                    .credentials_provider(credentials.clone())
                    .build();
                Ok(Arc::new(Session {
                    cfn: aws_sdk_cloudformation::Client::from_conf(config),
                    credentials: Some(credentials),
                    account,
                }))
            }
        }
    }

    /// The caller's account, asked of STS once.
    pub async fn account(&self) -> Result<&str, CloudError> {
        let sts = self.sts.as_ref().ok_or(CloudError::NoStsClient {
            operation: "GetCallerIdentity",
        })?;
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let endpoint = self
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
        self.account
            .get_or_try_init(|| async {
                // With no region configured (every stack declares its own),
                // ask the region the endpoint is named after.
                let sts = match sts.config().region() {
                    Some(_) => sts.clone(),
                    None => aws_sdk_sts::Client::from_conf(
                        sts.config()
                            .to_builder()
                            .region(aws_sdk_sts::config::Region::new(region.clone()))
                            .build(),
                    ),
                };
                let out = sts.get_caller_identity().send().await.map_err(|e| {
                    classify_error("GetCallerIdentity", None, &endpoint, &region, e)
                })?;
                out.account()
                    .map(str::to_owned)
                    .ok_or(CloudError::MissingField {
                        operation: "GetCallerIdentity",
                        field: "an account",
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

/// An S3 client with `cfn`'s credentials, HTTP client, retries and
/// timeouts, for `region`. Against a configured endpoint (a local
/// emulator) it addresses buckets by path, which needs no DNS per bucket.
fn s3_client(
    cfn: &aws_sdk_cloudformation::Client,
    credentials: Option<aws_sdk_cloudformation::config::SharedCredentialsProvider>,
    region: &str,
    endpoint: Option<&str>,
) -> aws_sdk_s3::Client {
    let c = cfn.config();
    let mut builder = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(region.to_owned()))
        .force_path_style(endpoint.is_some());
    builder.set_credentials_provider(credentials);
    builder.set_http_client(c.http_client());
    builder.set_retry_config(c.retry_config().cloned());
    builder.set_timeout_config(c.timeout_config().cloned());
    builder.set_sleep_impl(c.sleep_impl());
    builder.set_endpoint_url(endpoint.map(str::to_owned));
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// The HTTPS client every AWS call goes through: the SDK's own hyper and
/// rustls client, the same one its `default-https-client` feature builds
/// (TLS 1.2 and 1.3, the system's root certificates, `HTTPS_PROXY` /
/// `NO_PROXY` from the environment), with ring as the crypto provider
/// instead of aws-lc. aws-lc's C build was a third of a cold release build
/// (issue #10); ring builds in seconds and serves the same cipher suites
/// for talking to AWS endpoints.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
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
}

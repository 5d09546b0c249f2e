//! Reaching each stack's account in one run.
//!
//! The credentials model, in order of precedence, for a stack that declares
//! account `A`:
//! 1. a profile mapped to `A` (`--account-profile A=PROFILE`): its
//!    credentials, as they are;
//! 2. a deploy role named in code ([`Env::deploy_role`]): assumed with the
//!    caller's credentials;
//! 3. the caller's own credentials when the caller is in `A`, unless
//!    `--through-bootstrap` (`PIPEWRIGHT_THROUGH_BOOTSTRAP`) asks for the
//!    next way even then (the infra pipeline's deploy build);
//! 4. otherwise the bootstrap's deploy role in `A`
//!    ([`DEFAULT_DEPLOY_ROLE`]), assumed with the caller's credentials.
//!
//! A stack that declares no account uses the caller's credentials. Each way
//! in is opened once per run (one `AssumeRole` per role, one profile load
//! per profile) and shared by every stack that uses it; assumed credentials
//! are refreshed when they near their expiry. The account guard checks the
//! identity actually used: the assumed role's ARN, or `GetCallerIdentity`
//! of the profile or the caller.

use super::error::{CloudError, Detail, classify_error};
use crate::construct::{DEFAULT_DEPLOY_ROLE, DEFAULT_EXECUTION_ROLE, Env};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError};
use std::time::{Duration, SystemTime};

/// How a stack's account is reached.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// The caller's own credentials.
    Caller,
    /// A named profile mapped to the account.
    Profile(String),
    /// A role assumed with the caller's credentials, by ARN.
    Role(String),
}

impl Access {
    /// How the access is said in messages.
    pub fn describe(&self) -> String {
        match self {
            Access::Caller => "the caller's credentials".into(),
            Access::Profile(p) => format!("the credentials of profile `{p}`"),
            Access::Role(arn) => format!("the credentials of role {arn}"),
        }
    }
}

/// Parses `ACCOUNT=PROFILE` pairs (from `--account-profile` or
/// `PIPEWRIGHT_ACCOUNT_PROFILES`, comma-separated there).
pub fn parse_account_profile(raw: &str) -> Result<(String, String), String> {
    let (account, profile) = raw
        .split_once('=')
        .ok_or_else(|| format!("`{raw}` is not ACCOUNT=PROFILE"))?;
    let (account, profile) = (account.trim(), profile.trim());
    if !(account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())) {
        return Err(format!(
            "`{account}` is not an account ID: an AWS account ID is 12 digits"
        ));
    }
    if profile.is_empty() {
        return Err(format!(
            "account {account} is mapped to an empty profile name"
        ));
    }
    Ok((account.to_owned(), profile.to_owned()))
}

/// The AWS partition of `region` (`aws`, `aws-cn`, `aws-us-gov`, ...), for
/// building ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// The ARN of `role` (a name, or already an ARN) in `account`.
pub fn role_arn(role: &str, account: &str, region: &str) -> String {
    if role.starts_with("arn:") {
        role.to_owned()
    } else {
        format!("arn:{}:iam::{account}:role/{role}", partition(region))
    }
}

/// How `env`'s account is reached, given the caller's account (asked only
/// when it decides) and the mapped profiles.
pub(crate) fn access(
    env: &Env,
    profiles: &[(String, String)],
    caller: Option<&str>,
    region: &str,
) -> Access {
    let Some(account) = &env.account else {
        return Access::Caller;
    };
    if let Some((_, profile)) = profiles.iter().find(|(a, _)| a == account) {
        return Access::Profile(profile.clone());
    }
    if let Some(role) = &env.deploy_role {
        return Access::Role(role_arn(role, account, region));
    }
    if caller == Some(account.as_str()) {
        return Access::Caller;
    }
    Access::Role(role_arn(DEFAULT_DEPLOY_ROLE, account, region))
}

/// [`access`], for a caller who asked to go through the bootstrap
/// (`--through-bootstrap`): the caller's own account is then reached like
/// any other, through its bootstrap's deploy role, so that change sets run
/// as its execution role.
pub(crate) fn access_through_bootstrap(
    env: &Env,
    profiles: &[(String, String)],
    region: &str,
) -> Access {
    access(env, profiles, None, region)
}

/// Whether a stack reached through `access` may only be read: a stack that
/// is changed with its account's own credentials only (the bootstrap
/// stack), reached through the deploy role because no profile is mapped.
/// It can still be compared, checked for drift and found unchanged, so
/// `deploy --all` and `drift --all` from the operations account work; a
/// change or a delete is refused before any call.
pub(crate) fn read_only(env: &Env, access: &Access) -> bool {
    env.own_credentials && matches!(access, Access::Role(_))
}

/// Whether deciding the access of `env` needs the caller's account.
pub(crate) fn needs_caller(env: &Env, profiles: &[(String, String)]) -> bool {
    env.account
        .as_ref()
        .is_some_and(|a| env.deploy_role.is_none() && !profiles.iter().any(|(p, _)| p == a))
}

/// The role CloudFormation acts as for a stack reached through `access`:
/// the one named in code, else the bootstrap's execution role when the
/// bootstrap's deploy role is used, else none.
pub(crate) fn execution_role(env: &Env, access: &Access, region: &str) -> Option<String> {
    let account = env.account.as_deref()?;
    if let Some(role) = &env.execution_role {
        return Some(role_arn(role, account, region));
    }
    match access {
        Access::Role(arn) if env.deploy_role.is_none() && !env.own_credentials => {
            debug_assert!(arn.ends_with(&format!("role/{DEFAULT_DEPLOY_ROLE}")));
            Some(role_arn(DEFAULT_EXECUTION_ROLE, account, region))
        }
        _ => None,
    }
}

/// The role session name for `stack`: `pipewright-<stack>`, within STS's
/// 64 characters.
pub(crate) fn session_name(stack: &str) -> String {
    let mut name: String = format!("pipewright-{stack}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(64);
    name
}

/// The account of an assumed-role ARN
/// (`arn:aws:sts::222222222222:assumed-role/NAME/SESSION`).
pub(crate) fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// Refresh assumed credentials this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);

/// Credentials of a role, assumed with the caller's STS client: fetched
/// once, cached, and fetched again when they near their expiry. The
/// SDK's own `AssumeRoleProvider` builds its STS client from a shared
/// configuration; this one takes the caller's client, so the account guard
/// sees the assumed identity and tests can serve `AssumeRole` from
/// `aws-smithy-mocks`.
#[derive(Debug)]
pub(crate) struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session_name: String,
    cached: tokio::sync::Mutex<Option<Credentials>>,
    endpoint: String,
    region: String,
}

impl AssumedRole {
    pub(crate) fn new(
        sts: aws_sdk_sts::Client,
        role_arn: String,
        session_name: String,
        endpoint: String,
        region: String,
    ) -> Self {
        Self {
            sts,
            role_arn,
            session_name,
            cached: tokio::sync::Mutex::new(None),
            endpoint,
            region,
        }
    }

    /// Assumes the role and returns the assumed identity's ARN, caching
    /// the credentials.
    pub(crate) async fn assume(&self) -> Result<String, CloudError> {
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .send()
            .await
            .map_err(|e| classify_error("AssumeRole", None, &self.endpoint, &self.region, e))?;
        let c = out.credentials().ok_or(CloudError::MissingField {
            operation: "AssumeRole",
            field: "credentials",
        })?;
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        let credentials = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            expiry,
            "pipewright-assume-role",
        );
        *self.cached.lock().await = Some(credentials);
        Ok(out
            .assumed_role_user()
            .map(|u| u.arn().to_owned())
            .unwrap_or_default())
    }

    async fn credentials(&self) -> Result<Credentials, CloudError> {
        {
            let cached = self.cached.lock().await;
            if let Some(c) = cached.as_ref()
                && c.expiry().is_none_or(|e| {
                    e.duration_since(SystemTime::now())
                        .is_ok_and(|left| left > REFRESH_BEFORE)
                })
            {
                return Ok(c.clone());
            }
        }
        self.assume().await?;
        self.cached
            .lock()
            .await
            .clone()
            .ok_or_else(|| CloudError::Credentials {
                operation: "AssumeRole",
                source: Detail("no credentials after assuming the role".into()),
            })
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(|e| CredentialsError::provider_error(e.to_string()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(account: Option<&str>) -> Env {
        account.map(Env::account).unwrap_or_default()
    }

    #[test]
    fn access_follows_the_documented_precedence() {
        let profiles = vec![("333333333333".to_owned(), "prod".to_owned())];
        let caller = Some("111111111111");
        let r = "us-east-1";
        assert_eq!(access(&env(None), &profiles, caller, r), Access::Caller);
        assert_eq!(
            access(&env(Some("111111111111")), &profiles, caller, r),
            Access::Caller
        );
        assert_eq!(
            access(&env(Some("222222222222")), &profiles, caller, r),
            Access::Role("arn:aws:iam::222222222222:role/pipewright-deploy".into())
        );
        assert_eq!(
            access(&env(Some("333333333333")), &profiles, caller, r),
            Access::Profile("prod".into())
        );
        let mut named = env(Some("111111111111"));
        named.deploy_role = Some("ci-deploy".into());
        assert_eq!(
            access(&named, &profiles, caller, "cn-north-1"),
            Access::Role("arn:aws-cn:iam::111111111111:role/ci-deploy".into()),
            "a role named in code is assumed even in the caller's account"
        );
        let mut own = env(Some("222222222222"));
        own.own_credentials = true;
        let through_role = access(&own, &profiles, caller, r);
        assert_eq!(
            through_role,
            Access::Role("arn:aws:iam::222222222222:role/pipewright-deploy".into())
        );
        assert!(read_only(&own, &through_role));
        assert_eq!(execution_role(&own, &through_role, r), None);
        assert!(!read_only(&own, &Access::Profile("staging".into())));
        assert!(!read_only(&env(Some("222222222222")), &through_role));
        assert!(needs_caller(&env(Some("222222222222")), &profiles));
        assert!(!needs_caller(&env(Some("333333333333")), &profiles));
        assert!(!needs_caller(&env(None), &profiles));
    }

    #[test]
    fn through_the_bootstrap_the_callers_own_account_uses_its_deploy_role() {
        let profiles = vec![("333333333333".to_owned(), "prod".to_owned())];
        let r = "us-east-1";
        let own_account = env(Some("111111111111"));
        let access = access_through_bootstrap(&own_account, &profiles, r);
        assert_eq!(
            access,
            Access::Role("arn:aws:iam::111111111111:role/pipewright-deploy".into())
        );
        assert_eq!(
            execution_role(&own_account, &access, r).as_deref(),
            Some("arn:aws:iam::111111111111:role/pipewright-exec")
        );
        // A mapped profile still wins; a bootstrap stack is only read.
        assert_eq!(
            access_through_bootstrap(&env(Some("333333333333")), &profiles, r),
            Access::Profile("prod".into())
        );
        let mut bootstrap = env(Some("111111111111"));
        bootstrap.own_credentials = true;
        assert!(read_only(
            &bootstrap,
            &access_through_bootstrap(&bootstrap, &profiles, r)
        ));
    }

    #[test]
    fn the_execution_role_comes_with_the_default_deploy_role_only() {
        let r = "us-east-1";
        let e = env(Some("222222222222"));
        let default = Access::Role("arn:aws:iam::222222222222:role/pipewright-deploy".into());
        assert_eq!(
            execution_role(&e, &default, r).as_deref(),
            Some("arn:aws:iam::222222222222:role/pipewright-exec")
        );
        assert_eq!(execution_role(&e, &Access::Caller, r), None);
        assert_eq!(execution_role(&e, &Access::Profile("p".into()), r), None);
        let mut named = e.clone();
        named.execution_role = Some("arn:aws:iam::222222222222:role/cfn".into());
        assert_eq!(
            execution_role(&named, &Access::Caller, r).as_deref(),
            Some("arn:aws:iam::222222222222:role/cfn")
        );
        let mut other = e;
        other.deploy_role = Some("ci".into());
        assert_eq!(
            execution_role(
                &other,
                &Access::Role("arn:aws:iam::222222222222:role/ci".into()),
                r
            ),
            None
        );
    }

    #[test]
    fn account_profiles_parse_and_refuse_bad_pairs() {
        assert_eq!(
            parse_account_profile("222222222222=staging"),
            Ok(("222222222222".into(), "staging".into()))
        );
        assert_eq!(
            parse_account_profile("staging"),
            Err("`staging` is not ACCOUNT=PROFILE".into())
        );
        assert_eq!(
            parse_account_profile("2222=staging"),
            Err("`2222` is not an account ID: an AWS account ID is 12 digits".into())
        );
        assert!(parse_account_profile("222222222222=").is_err());
    }

    /// An AssumeRole rule whose credentials expire `seconds` from now.
    fn assume_role_expiring_in(seconds: u64) -> aws_smithy_mocks::Rule {
        use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
        use aws_sdk_sts::primitives::DateTime;
        use aws_sdk_sts::types::{AssumedRoleUser, Credentials as StsCredentials};
        aws_smithy_mocks::mock!(aws_sdk_sts::Client::assume_role).then_output(move || {
            let expires = SystemTime::now() + Duration::from_secs(seconds);
            AssumeRoleOutput::builder()
                .credentials(
                    StsCredentials::builder()
                        .access_key_id("ASIAEXAMPLE")
                        .secret_access_key("secret")
                        .session_token("token")
                        .expiration(DateTime::from(expires))
                        .build()
                        .expect("credentials"),
                )
                .assumed_role_user(
                    AssumedRoleUser::builder()
                        .arn("arn:aws:sts::222222222222:assumed-role/pipewright-deploy/s")
                        .assumed_role_id("AROAEXAMPLE:s")
                        .build()
                        .expect("user"),
                )
                .build()
        })
    }

    fn role(rule: &aws_smithy_mocks::Rule) -> AssumedRole {
        let sts = aws_smithy_mocks::mock_client!(
            aws_sdk_sts,
            aws_smithy_mocks::RuleMode::MatchAny,
            [rule]
        );
        AssumedRole::new(
            sts,
            "arn:aws:iam::222222222222:role/pipewright-deploy".into(),
            "pipewright-app".into(),
            "http://sts.invalid".into(),
            "us-east-1".into(),
        )
    }

    #[tokio::test]
    async fn assumed_credentials_are_kept_until_they_near_their_expiry() {
        let hour = assume_role_expiring_in(3600);
        let r = role(&hour);
        assert_eq!(
            r.assume().await.expect("assume"),
            "arn:aws:sts::222222222222:assumed-role/pipewright-deploy/s"
        );
        for _ in 0..3 {
            r.credentials().await.expect("credentials");
        }
        assert_eq!(hour.num_calls(), 1, "fetched once, then cached");

        // Credentials that expire within REFRESH_BEFORE are fetched again
        // at every use.
        let minute = assume_role_expiring_in(60);
        let r = role(&minute);
        r.assume().await.expect("assume");
        r.credentials().await.expect("credentials");
        r.credentials().await.expect("credentials");
        assert_eq!(minute.num_calls(), 3, "refreshed before expiry");
    }

    #[test]
    fn session_names_say_pipewright_and_the_stack_within_64_characters() {
        assert_eq!(session_name("deploy-role"), "pipewright-deploy-role");
        assert_eq!(session_name(&"x".repeat(100)).len(), 64);
        assert_eq!(
            account_of_arn("arn:aws:sts::222222222222:assumed-role/pipewright-deploy/s"),
            Some("222222222222")
        );
        assert_eq!(account_of_arn("nonsense"), None);
    }
}

//! What went wrong talking to AWS, as variants with the fields a caller
//! acts on: a failed change set carries its status and reason, a timeout
//! the operation and how long was waited, a stack that vanished its name.
//! The SDK's error is read once, here ([`classify_error`]), and flows match
//! on variants and [`ErrorCode`]s, never on message text (issue #22).

use super::values::{ChangeSetStatus, ErrorCode};
use aws_sdk_cloudformation::config::http::HttpResponse;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use std::fmt;
use std::time::Duration;

/// What went wrong talking to AWS.
#[derive(Clone, Debug, thiserror::Error)]
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
    #[error("{operation}{} failed: {message}", for_stack(stack))]
    Api {
        /// The API operation.
        operation: &'static str,
        /// The stack, when the call was about one.
        stack: Option<String>,
        /// The error code, e.g. `ValidationError`.
        code: ErrorCode,
        /// The error message.
        message: String,
    },
    /// The endpoint answered an HTTP error without an AWS error in the
    /// body (a proxy, or an emulator that does not know the call).
    #[error(
        "{operation}{} failed: the endpoint answered HTTP {status} without an AWS error ({detail})",
        for_stack(stack)
    )]
    Http {
        /// The API operation.
        operation: &'static str,
        /// The stack, when the call was about one.
        stack: Option<String>,
        /// The HTTP status.
        status: u16,
        /// What the SDK said.
        detail: String,
    },
    /// The endpoint does not implement the operation (a local emulator).
    #[error(
        "{operation}{} failed: the endpoint does not implement it ({detail})",
        for_stack(stack)
    )]
    NotSupported {
        /// The API operation.
        operation: &'static str,
        /// The stack, when the call was about one.
        stack: Option<String>,
        /// What the endpoint said.
        detail: String,
    },
    /// The endpoint rejects drift detection.
    #[error(
        "DetectStackDrift for stack `{stack}` failed: the endpoint rejects drift detection: {detail}; pass --template-only to check the committed and deployed templates only"
    )]
    DriftNotSupported {
        /// The stack.
        stack: String,
        /// What the endpoint said.
        detail: String,
    },
    /// A drift detection is already running on the stack.
    #[error("a drift detection is already running on stack `{stack}`")]
    DetectionInProgress {
        /// The stack.
        stack: String,
    },
    /// CloudFormation could not compute a change set.
    #[error("the change set for stack `{stack}` failed ({status}): {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack: String,
        /// Its status, e.g. `FAILED`.
        status: ChangeSetStatus,
        /// Why, as CloudFormation says.
        reason: String,
    },
    /// The change set to read or delete does not exist.
    #[error("{operation}: the change set of stack `{stack}` does not exist")]
    ChangeSetNotFound {
        /// The API operation.
        operation: &'static str,
        /// The stack.
        stack: String,
    },
    /// The stack named in a call does not exist.
    #[error("{operation}: stack `{stack}` does not exist")]
    NoSuchStack {
        /// The API operation.
        operation: &'static str,
        /// The stack.
        stack: String,
    },
    /// Waiting for an operation took longer than pipewright waits.
    #[error("{operation} for stack `{stack}` did not finish within {} s", after.as_secs())]
    Timeout {
        /// What was waited for.
        operation: &'static str,
        /// The stack.
        stack: String,
        /// How long was waited.
        after: Duration,
    },
    /// A deployed template the reader cannot take.
    #[error("the deployed template of stack `{stack}` cannot be read")]
    UnreadableTemplate {
        /// The stack.
        stack: String,
        /// The reader's error.
        #[source]
        source: crate::template::reader::ReadError,
    },
    /// A template over the inline limit, and no bucket to stage it in.
    #[error(
        "stack `{stack}`'s template is {bytes} bytes, over the 51,200 CloudFormation takes inline, and its staging bucket `{bucket}` does not exist in {region}"
    )]
    NoTemplateBucket {
        /// The stack.
        stack: String,
        /// The template's size.
        bytes: usize,
        /// The bucket.
        bucket: String,
        /// The region.
        region: String,
        /// The account whose bootstrap stack makes the bucket, when it was
        /// the bootstrap bucket (else the caller named it).
        bootstrap: Option<String>,
    },
    /// The stack is gone: deleted while pipewright was changing it.
    #[error("stack `{stack}` disappeared while it was being changed")]
    StackGone {
        /// The stack.
        stack: String,
    },
    /// A response lacks a field the call always returns.
    #[error("{operation} answered without {field}")]
    MissingField {
        /// The API operation.
        operation: &'static str,
        /// The field, in words.
        field: &'static str,
    },
    /// The clients were made without STS (`Cloud::from_clients` with
    /// `None`), and the call needs it.
    #[error("{operation} needs an STS client, and none was given")]
    NoStsClient {
        /// The STS operation.
        operation: &'static str,
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
        "stack `{stack}` is declared for account {expected}, but {via} are for account {actual}"
    )]
    WrongAccount {
        /// The stack.
        stack: String,
        /// The account the stack declares.
        expected: String,
        /// The account of the identity used.
        actual: String,
        /// How the account was reached (`Access::describe`).
        via: String,
    },
    /// A stack that is changed with its account's own credentials only
    /// (the bootstrap stack) was reached through the deploy role.
    #[error(
        "stack `{stack}` is changed with credentials of account {account} only, never through the deploy role it creates"
    )]
    ReadOnly {
        /// The stack.
        stack: String,
        /// Its account.
        account: String,
    },
    /// A stack's account could not be reached: the role could not be
    /// assumed, or the profile has no working credentials.
    #[error("cannot reach account {account} for stack `{stack}` through {via}")]
    Reach {
        /// The first stack that needed the account.
        stack: String,
        /// The account.
        account: String,
        /// How it was to be reached (`Access::describe`).
        via: String,
        /// Whether that was a role to assume (else a profile).
        role: bool,
        /// What went wrong.
        #[source]
        source: Box<CloudError>,
    },
    /// The named profile is in no profile file.
    #[error("AWS profile `{name}` does not exist")]
    UnknownProfile {
        /// The profile name (from `--profile` or `AWS_PROFILE`).
        name: String,
        /// The profile files read.
        files: Vec<String>,
    },
    /// A managed stack whose account's deployed bootstrap stack is not the
    /// synthesized one (see [`crate::app::is_current`]).
    #[error(
        "stack `{stack}` needs bootstrap stack `{bootstrap}` of account {account} as synthesized, and {}",
        if *.deployed { "the deployed one differs" } else { "it is not deployed" }
    )]
    StaleBootstrap {
        /// The managed stack.
        stack: String,
        /// The bootstrap stack.
        bootstrap: String,
        /// The account.
        account: String,
        /// Whether a bootstrap stack is deployed at all.
        deployed: bool,
    },
    /// A change that replaces or deletes resources that hold data, which
    /// neither the code nor the command allows: nothing was executed.
    #[error(
        "stack `{stack}`: the change loses data and was not executed: {}",
        risks(.changes)
    )]
    DataAtRisk {
        /// The stack.
        stack: String,
        /// The changes that are not allowed.
        changes: Vec<super::protection::AtRisk>,
    },
    /// A resource to adopt whose properties name what the import cannot
    /// have: an IMPORT change set takes only the resources it imports, so
    /// what they reference must be deployed already.
    #[error(
        "stack `{stack}` cannot adopt `{logical_id}` yet: {}; nothing was changed",
        .problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    AdoptReferences {
        /// The adopting stack.
        stack: String,
        /// The resource to adopt.
        logical_id: String,
        /// Each reference the import cannot resolve.
        problems: Vec<crate::ProblemKind>,
    },
    /// An update lifted the stack policy and could not set it back: the
    /// stack's data is not guarded until it is.
    #[error(
        "stack `{stack}`: the stack policy lifted for the update could not be set back ({source}); replacing or deleting its data is not denied until it is"
    )]
    PolicyLeftLifted {
        /// The stack.
        stack: String,
        /// The policy to set back.
        policy: String,
        /// Why setting it failed.
        source: Box<CloudError>,
        /// What the update itself ended with, when it failed too.
        update: Option<Box<CloudError>>,
    },
    /// A resource to adopt that another stack already has.
    #[error(
        "stack `{stack}` cannot adopt `{}` ({} `{}`): it belongs to stack `{}` as `{}`; nothing was changed",
        .claimed.logical_id, .claimed.resource_type, .claimed.identifier, .claimed.owner, .claimed.owner_logical_id
    )]
    AdoptOwned {
        /// The adopting stack.
        stack: String,
        /// The resource, and the stack that has it.
        claimed: Box<Claimed>,
    },
    /// CloudFormation refused the resource import (most often: the
    /// resource does not exist).
    #[error(
        "stack `{stack}` cannot adopt {}: CloudFormation refused the import ({status}): {reason}; nothing was changed",
        adoptions(.resources)
    )]
    AdoptFailed {
        /// The adopting stack.
        stack: String,
        /// The resources to adopt, as (logical ID, type, identifier).
        resources: Vec<(String, String, String)>,
        /// The import change set's status.
        status: ChangeSetStatus,
        /// Why, as CloudFormation says.
        reason: String,
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

/// A resource to adopt that another stack has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    /// The logical ID in the adopting stack.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The existing resource's identifier.
    pub identifier: String,
    /// The stack that has it.
    pub owner: String,
    /// Its logical ID there.
    pub owner_logical_id: String,
}

fn risks(changes: &[super::protection::AtRisk]) -> String {
    changes
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn adoptions(resources: &[(String, String, String)]) -> String {
    resources
        .iter()
        .map(|(id, kind, identifier)| format!("`{id}` ({kind} `{identifier}`)"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn for_stack(stack: &Option<String>) -> String {
    stack
        .as_ref()
        .map(|s| format!(" for stack `{s}`"))
        .unwrap_or_default()
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
            CloudError::WrongAccount { expected, .. } => format!("use credentials for account {expected}: --profile NAME, or --account-profile {expected}=NAME"),
            CloudError::ReadOnly { account, .. } => format!("map a profile with credentials of the account: --account-profile {account}=NAME"),
            CloudError::Reach { account, role: true, .. } => format!("bootstrap account {account} first (deploy its bootstrap stack with --account-profile {account}=PROFILE) and check that the deploy role trusts your identity; or reach the account with --account-profile {account}=PROFILE"),
            CloudError::Reach { account, .. } => format!("check the profile (`aws sts get-caller-identity --profile NAME`), or map another with --account-profile {account}=NAME"),
            CloudError::DataAtRisk { stack, changes } => format!(
                "if the data may go, allow it for this deploy with {}, or in code with `Stack::allow_replace(ID, reason)`",
                changes
                    .iter()
                    .map(|c| format!("--allow-replace {stack}:{}", c.logical_id))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            CloudError::AdoptReferences { .. } => "deploy what it references first (without `.adopt()` on this resource), then deploy again with it; or adopt what it references too".into(),
            CloudError::PolicyLeftLifted { stack, policy, update, .. } => format!(
                "set it back: `aws cloudformation set-stack-policy --stack-name {stack} --stack-policy-body '{policy}'`{}",
                update.as_ref().map(|u| format!("; the update itself failed: {u}")).unwrap_or_default()
            ),
            CloudError::AdoptOwned { claimed, .. } => format!("remove it from stack `{}` first (with `DeletionPolicy: Retain`, so that it is kept), or drop `.adopt()` and give the resource another name", claimed.owner),
            CloudError::AdoptFailed { .. } => "check that the resource exists with that name in the stack's account and region; create it, or drop `.adopt()` to have the stack create it".into(),
            CloudError::NoPreviousValue { key, .. } => format!("give `{key}` a value for the first deploy"),
            CloudError::StaleBootstrap { stack, bootstrap, account, .. } => format!("deploy the bootstrap first, with the account's own credentials: `pipewright deploy {bootstrap} --account-profile {account}=PROFILE`; then deploy `{stack}` again"),
            CloudError::NoTemplateBucket { bootstrap: Some(account), region, .. } => format!("deploy the bootstrap stack of account {account} in {region} (it creates the bucket), or pass --template-bucket NAME with a bucket of that account and region"),
            CloudError::NoTemplateBucket { .. } => "create the bucket, or pass --template-bucket with one that exists in the stack's account and region".into(),
            CloudError::UnreadableTemplate { .. } => "the stack was written by another tool in a form pipewright does not read; `pipewright import` the template to adopt it".into(),
            CloudError::Api { code, .. } if code.is_throttling() => "the API throttled past the retry budget; run again with --concurrency 1".into(),
            CloudError::Api { code, .. } if code.is_access_denied() => "the credentials lack the permission; check the role or --profile".into(),
            _ => return None,
        })
    }

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

    /// The API error code, when the API answered with one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            CloudError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// An SDK error rendered to text with all its causes.
#[derive(Clone, Debug)]
pub struct Detail(pub String);

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Detail {}

/// An error and its sources, joined by `: `, without the debug dump that
/// `DisplayErrorContext` appends.
pub(crate) fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// What an API error means, read from its code and, where AWS says it
/// only in words, its message: the one place that reads message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Meaning {
    /// The stack named in the call does not exist.
    StackMissing,
    /// A drift detection is already running.
    DetectionRunning,
    /// The endpoint does not implement the operation.
    NotImplemented,
    /// Anything else.
    Other,
}

/// Reads an API error's code and message into a [`Meaning`].
pub(crate) fn meaning(code: &ErrorCode, message: &str) -> Meaning {
    let lower = message.to_ascii_lowercase();
    if code.is_not_implemented()
        || lower.contains("not yet been implemented")
        || lower.contains("not implemented")
    {
        Meaning::NotImplemented
    } else if *code == ErrorCode::ValidationError && lower.contains("does not exist") {
        Meaning::StackMissing
    } else if lower.contains("drift detection") && lower.contains("in progress") {
        Meaning::DetectionRunning
    } else {
        Meaning::Other
    }
}

/// Turns an SDK error into a [`CloudError`] that names the operation, the
/// stack and, when the endpoint did not answer, the endpoint and region.
pub(crate) fn classify_error<E>(
    operation: &'static str,
    stack: Option<&str>,
    endpoint: &str,
    region: &str,
    err: SdkError<E, HttpResponse>,
) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let text = chain_text(&err);
    let stack_name = stack.map(str::to_owned);
    match &err {
        SdkError::ServiceError(s) if s.err().code().is_none() => CloudError::Http {
            operation,
            stack: stack_name,
            status: s.raw().status().as_u16(),
            detail: text,
        },
        SdkError::ServiceError(s) => {
            let code = ErrorCode::parse(s.err().code().unwrap_or_default());
            let message = s.err().message().map(str::to_owned).unwrap_or(text);
            match (meaning(&code, &message), stack) {
                (Meaning::NotImplemented, _) => CloudError::NotSupported {
                    operation,
                    stack: stack_name,
                    detail: message,
                },
                (Meaning::DetectionRunning, Some(stack)) if operation == "DetectStackDrift" => {
                    CloudError::DetectionInProgress {
                        stack: stack.to_owned(),
                    }
                }
                _ if code == ErrorCode::ChangeSetNotFound => CloudError::ChangeSetNotFound {
                    operation,
                    stack: stack.unwrap_or_default().to_owned(),
                },
                (Meaning::StackMissing, Some(stack)) if operation.contains("ChangeSet") => {
                    CloudError::ChangeSetNotFound {
                        operation,
                        stack: stack.to_owned(),
                    }
                }
                (Meaning::StackMissing, Some(stack)) => CloudError::NoSuchStack {
                    operation,
                    stack: stack.to_owned(),
                },
                _ => CloudError::Api {
                    operation,
                    stack: stack_name,
                    code,
                    message,
                },
            }
        }
        _ if text.contains("credentials") || text.contains("Credentials") => {
            CloudError::Credentials {
                operation,
                source: Detail(text),
            }
        }
        SdkError::TimeoutError(_) => CloudError::Unreachable {
            operation,
            endpoint: endpoint.to_owned(),
            region: region.to_owned(),
            source: Detail(format!("no answer within the time limit: {text}")),
        },
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() || d.is_other() => {
            CloudError::Unreachable {
                operation,
                endpoint: endpoint.to_owned(),
                region: region.to_owned(),
                source: Detail(text),
            }
        }
        _ => CloudError::Api {
            operation,
            stack: stack_name,
            code: ErrorCode::default(),
            message: text,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                actual: "2".into(),
                via: "the caller's credentials".into(),
            }
            .is_shared()
        );
    }

    #[test]
    fn api_errors_are_read_once_into_meanings() {
        assert_eq!(
            meaning(
                &ErrorCode::ValidationError,
                "Stack with id app does not exist"
            ),
            Meaning::StackMissing
        );
        assert_eq!(
            meaning(
                &ErrorCode::default(),
                "The DetectStackDrift action has not yet been implemented"
            ),
            Meaning::NotImplemented
        );
        assert_eq!(
            meaning(
                &ErrorCode::ValidationError,
                "Drift detection is already in progress for stack app"
            ),
            Meaning::DetectionRunning
        );
        assert_eq!(
            meaning(&ErrorCode::ValidationError, "Template format error"),
            Meaning::Other
        );
    }

    #[test]
    fn typed_errors_say_what_and_how_long() {
        let e = CloudError::Timeout {
            operation: "drift detection",
            stack: "app".into(),
            after: Duration::from_secs(600),
        };
        assert_eq!(
            e.to_string(),
            "drift detection for stack `app` did not finish within 600 s"
        );
        let e = CloudError::ChangeSetFailed {
            stack: "app".into(),
            status: ChangeSetStatus::Failed,
            reason: "Parameters: [Token] must have values".into(),
        };
        assert_eq!(
            e.to_string(),
            "the change set for stack `app` failed (FAILED): Parameters: [Token] must have values"
        );
    }
}

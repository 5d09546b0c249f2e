//! The construct core: [`Stack`], the [`Construct`] trait, [`ResourceRef`],
//! [`Env`], and grants as values ([`grant`]).
//!
//! Everything here sits below the constructs (`s3`, `ecr`, `iam::role`,
//! `codebuild`, ...) and above the template model and IAM policy
//! documents; it knows no service. `App`, synth and the files synth writes
//! sit above the constructs, in `crate::app`.

pub mod execution;
pub mod grant;
pub(crate) mod render;
mod stack;
pub mod stack_set;

pub use grant::{Grant, GrantTarget, Need, ResourcePolicy};
pub(crate) use stack::Item;
pub use stack::Stack;

use crate::template::Expr;
use std::fmt;

/// The role a stack in another account is reached through by default:
/// the deploy role the [`bootstrap`](crate::bootstrap) stack creates in
/// every target account.
pub const DEFAULT_DEPLOY_ROLE: &str = "pipewright-deploy";

/// The role CloudFormation acts as by default in an account reached through
/// the default deploy role: the execution role the bootstrap stack creates.
pub const DEFAULT_EXECUTION_ROLE: &str = "pipewright-exec";

/// Where a stack is deployed, and how deploy reaches it. `None` means
/// "whatever the caller's AWS configuration says at deploy time".
///
/// A stack that declares an account other than the caller's is reached by
/// assuming a role there: `deploy_role`, or [`DEFAULT_DEPLOY_ROLE`]. Change
/// sets then pass `execution_role`, or [`DEFAULT_EXECUTION_ROLE`] when the
/// default deploy role is used, as `RoleARN`. A profile mapped to the
/// account on the command line (`--account-profile`) takes precedence over
/// both: its credentials are used as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Env {
    /// The 12-digit AWS account ID.
    pub account: Option<String>,
    /// The region, e.g. `eu-west-1`.
    pub region: Option<String>,
    /// The role (a name in `account`, or an ARN) assumed to reach
    /// `account`. Default: [`DEFAULT_DEPLOY_ROLE`] when the caller is in
    /// another account; no role when the caller is in `account`. A role
    /// named here is always assumed.
    pub deploy_role: Option<String>,
    /// The role (a name in `account`, or an ARN) CloudFormation acts as,
    /// passed as the change set's `RoleARN`. Default:
    /// [`DEFAULT_EXECUTION_ROLE`] when the stack is reached through the
    /// default deploy role; otherwise none (the caller's own permissions).
    pub execution_role: Option<String>,
    /// Reach the account with the caller's own or a mapped profile's
    /// credentials only, never through a deploy role: set for the bootstrap
    /// stack, which creates that role. Default: `false`.
    pub own_credentials: bool,
}

impl Env {
    /// An environment in `account`, every other setting at its default.
    pub fn account(account: impl Into<String>) -> Self {
        Self {
            account: Some(account.into()),
            ..Self::default()
        }
    }
}

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let account = self.account.as_deref().unwrap_or("default account");
        let region = self.region.as_deref().unwrap_or("default region");
        match (&self.account, &self.region) {
            (Some(_), _) => write!(f, "account {account}, {region}")?,
            (None, _) => write!(f, "{account}, {region}")?,
        }
        if self.own_credentials {
            write!(f, ", own credentials")?;
        }
        if let Some(role) = &self.deploy_role {
            write!(f, ", deploy role {role}")?;
        }
        if let Some(role) = &self.execution_role {
            write!(f, ", execution role {role}")?;
        }
        Ok(())
    }
}

/// A file that belongs to a stack (a buildspec), relative to the output
/// directory, e.g. `buildspecs/image-pipeline/build.yml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The path relative to the output directory.
    pub path: String,
    /// The contents.
    pub contents: String,
}

/// Something that adds resources to a stack and hands back a reference to
/// them: `let bucket = stack.add(s3::Bucket::new("Artifacts"));`.
pub trait Construct {
    /// What the construct hands back: typed references such as `arn()`.
    type Ref;
    /// Adds the construct's resources to `stack`.
    fn add_to(self, stack: &mut Stack) -> Self::Ref;
}

/// A reference to a resource of a stack, returned by [`Stack::add_resource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    stack: String,
    id: String,
}

impl ResourceRef {
    /// The resource's logical ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stack the resource belongs to.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// `!Ref` to the resource (its physical ID: a name, an ARN or an ID,
    /// depending on the type).
    pub fn reference(&self) -> Expr {
        self.owned(Expr::Ref(self.id.clone()))
    }

    /// `!GetAtt` of one of the resource's attributes.
    pub fn get_att(&self, attribute: &str) -> Expr {
        self.owned(Expr::get_att(&self.id, attribute))
    }

    /// Wraps a value that only makes sense inside this resource's stack.
    pub fn owned(&self, value: Expr) -> Expr {
        Expr::Owned {
            stack: self.stack.clone(),
            value: Box::new(value),
        }
    }
}

/// A resource reference is a principal for [`Stack::grant`] when it is a
/// role: how synth grants a role it knows only by reference (a bootstrap's
/// execution role, see [`execution`]).
impl AsRef<ResourceRef> for ResourceRef {
    fn as_ref(&self) -> &ResourceRef {
        self
    }
}

/// Whether `a` is an AWS account ID: 12 digits.
pub(crate) fn account_ok(a: &str) -> bool {
    a.len() == 12 && a.chars().all(|c| c.is_ascii_digit())
}

/// Whether `r` looks like a region name: `eu-west-1`, `us-gov-east-1`.
pub(crate) fn region_ok(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

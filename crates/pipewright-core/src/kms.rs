//! AWS KMS: customer managed keys, the artifact key of pipelines that
//! reach into other accounts.
//!
//! Artifacts encrypted with the AWS managed key for S3 (`aws/s3`) cannot be
//! read from another account: its key policy cannot be changed. A pipeline
//! with a cross-account action therefore needs a customer managed [`Key`]
//! whose key policy admits the other accounts' roles (SECURITY.md,
//! CodePipeline and KMS).
//!
//! The key policy is built from grants like every other resource policy,
//! and never names `*` as principal. It always holds one statement for the
//! key's own account: its root principal may administer the key (listed
//! actions, no `kms:*`) and use it, which hands the decision to the
//! account's IAM policies. Without it the key would be unmanageable (KMS
//! refuses a policy that locks out the caller), and roles of the same stack
//! could not use the key through their own policies; naming those roles in
//! the key policy instead would make the key depend on the roles, which
//! depend on the bucket the key encrypts: a cycle CloudFormation refuses.
//! Roles of other accounts are admitted by name in the key policy.

use crate::construct::{Construct, ResourcePolicy, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{Grantee, KMS_USE_ACTIONS, Principal, Statement};
use crate::template::{Expr, Resource};

/// Actions that administer a key, granted to the key's own account so its
/// IAM policies decide who administers the key: AWS's "key administrators"
/// list with every wildcard spelled out
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators>,
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html>).
pub const ADMIN_ACTIONS: &[&str] = &[
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
];

/// Actions to encrypt and decrypt data with a key: what reading and writing
/// SSE-KMS objects needs
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users>).
pub const ENCRYPT_DECRYPT_ACTIONS: &[&str] = KMS_USE_ACTIONS;

/// Actions to decrypt data with a key: what reading SSE-KMS objects needs
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users>).
pub const DECRYPT_ACTIONS: &[&str] = &["kms:Decrypt", "kms:DescribeKey"];

/// Actions to encrypt data with a key: what writing SSE-KMS objects needs
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-users>).
pub const ENCRYPT_ACTIONS: &[&str] = &["kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*"];

/// Actions AWS services integrated with KMS (ECR, CodeBuild) use to create
/// grants on the key for their own resources; allowed only with
/// `kms:GrantIsForAWSResource`
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-service-integration>).
pub const SERVICE_GRANT_ACTIONS: &[&str] =
    &["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/// Days a key waits after its deletion is scheduled, by default: KMS's
/// maximum, the longest time to notice a mistake.
pub const DEFAULT_PENDING_WINDOW_DAYS: u32 = 30;

/// A customer managed symmetric KMS key and its alias.
///
/// Defaults: `EnableKeyRotation: true` (yearly), a key policy built from
/// grants (see the module docs), `PendingWindowInDays`
/// [`DEFAULT_PENDING_WINDOW_DAYS`], and `DeletionPolicy` /
/// `UpdateReplacePolicy: Retain`: data encrypted with a deleted key is lost.
#[derive(Clone, Debug)]
pub struct Key {
    id: String,
    alias: String,
    description: Option<String>,
    pending_window_days: u32,
}

impl Key {
    /// A key with logical ID `id` and the alias `alias` (`alias/` is
    /// prepended when missing), added as `<id>Alias`. An alias is checked
    /// at synth: letters, digits, `/`, `_` and `-`, at most 256 characters,
    /// not under the reserved `alias/aws/`.
    pub fn new(id: impl Into<String>, alias: impl Into<String>) -> Self {
        let alias = alias.into();
        let alias = if alias.starts_with("alias/") {
            alias
        } else {
            format!("alias/{alias}")
        };
        Self {
            id: id.into(),
            alias,
            description: None,
            pending_window_days: DEFAULT_PENDING_WINDOW_DAYS,
        }
    }

    /// Sets `Description`. Default: none.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets `PendingWindowInDays`, 7 to 30. Default:
    /// [`DEFAULT_PENDING_WINDOW_DAYS`].
    pub fn pending_window_days(mut self, days: u32) -> Self {
        self.pending_window_days = days;
        self
    }

    fn problems(&self) -> Vec<ProblemKind> {
        let mut out = Vec::new();
        let name = &self.alias["alias/".len()..];
        let valid = !name.is_empty()
            && self.alias.len() <= 256
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
        if !valid {
            out.push(ProblemKind::InvalidName {
                what: "KMS alias",
                name: self.alias.clone(),
                reason:
                    "is invalid: use `alias/` and then 1 to 250 letters, digits, `/`, `_` and `-`"
                        .to_owned(),
            });
        } else if name.starts_with("aws/") {
            out.push(ProblemKind::InvalidName {
                what: "KMS alias",
                name: self.alias.clone(),
                reason: "is reserved: `alias/aws/` names AWS managed keys; choose another prefix"
                    .to_owned(),
            });
        }
        if !(7..=30).contains(&self.pending_window_days) {
            out.push(ProblemKind::OutOfRange {
                setting: "pending window",
                value: self.pending_window_days.into(),
                unit: "days",
                min: 7,
                max: 30,
            });
        }
        out
    }
}

/// A key added to a stack.
#[derive(Clone, Debug)]
pub struct KeyRef {
    resource: ResourceRef,
    policy: ResourcePolicy,
    alias: String,
}

impl KeyRef {
    /// The key's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The underlying resource, for [`Stack::override_property`].
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// The key policy (`KeyPolicy`), for [`Stack::grant_resource`]. In it
    /// `Resource: "*"` means this key.
    pub fn policy(&self) -> &ResourcePolicy {
        &self.policy
    }

    /// The key ARN (`!GetAtt Key.Arn`).
    pub fn arn(&self) -> Expr {
        self.resource.get_att("Arn")
    }

    /// The key ID (`!Ref`).
    pub fn key_id(&self) -> Expr {
        self.resource.reference()
    }

    /// The alias, e.g. `alias/pipewright/artifacts`.
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// Lets `grantee` encrypt and decrypt with the key
    /// ([`ENCRYPT_DECRYPT_ACTIONS`]).
    pub fn grant_encrypt_decrypt<'a>(&self, stack: &mut Stack, grantee: impl Into<Grantee<'a>>) {
        self.grant(stack, grantee.into(), ENCRYPT_DECRYPT_ACTIONS);
    }

    /// Lets `grantee` decrypt with the key ([`DECRYPT_ACTIONS`]).
    pub fn grant_decrypt<'a>(&self, stack: &mut Stack, grantee: impl Into<Grantee<'a>>) {
        self.grant(stack, grantee.into(), DECRYPT_ACTIONS);
    }

    /// Lets `grantee` encrypt with the key ([`ENCRYPT_ACTIONS`]).
    pub fn grant_encrypt<'a>(&self, stack: &mut Stack, grantee: impl Into<Grantee<'a>>) {
        self.grant(stack, grantee.into(), ENCRYPT_ACTIONS);
    }

    /// A role of this stack gets an identity statement on the key's ARN (the
    /// key policy lets the account's IAM policies decide); a role of
    /// another account gets a key-policy statement naming it.
    fn grant(&self, stack: &mut Stack, grantee: Grantee<'_>, actions: &[&str]) {
        let statement = Statement::allow(actions.iter().copied());
        match grantee {
            Grantee::Role(role) => stack.grant(role, statement.resource(self.arn())),
            Grantee::Remote(role) => {
                let path = stack.path(self.id());
                for problem in role.problems() {
                    stack.problem(&path, problem);
                }
                stack.grant_resource(&self.policy, role.admit(statement.resource("*")));
            }
        }
    }
}

/// The key's own account: `arn:${AWS::Partition}:iam::${AWS::AccountId}:root`.
fn own_account() -> Principal {
    Principal::arn(Expr::sub(
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
    ))
}

impl Construct for Key {
    type Ref = KeyRef;

    fn add_to(self, stack: &mut Stack) -> KeyRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let mut key = Resource::new("AWS::KMS::Key").retain();
        key.metadata.insert(
            "pipewright:key-policy".to_owned(),
            Expr::from(
                "the key's account may administer and use the key through its IAM policies (AWS's default key policy, with listed actions instead of kms:*): without it the key is unmanageable, and roles of this stack are granted in their own policies because naming them here would be a dependency cycle; roles of other accounts are admitted by name",
            ),
        );
        if let Some(d) = &self.description {
            key = key.property("Description", d.as_str());
        }
        key = key
            .property("EnableKeyRotation", true)
            .property("PendingWindowInDays", self.pending_window_days);
        let resource = stack.add_resource_at(path.clone(), &self.id, key);
        let alias = Resource::new("AWS::KMS::Alias")
            .property("AliasName", self.alias.as_str())
            .property("TargetKeyId", resource.reference());
        stack.add_resource_at(format!("{path}/Alias"), format!("{}Alias", self.id), alias);
        let key = KeyRef {
            policy: ResourcePolicy::on_holder(&resource, "KeyPolicy"),
            resource,
            alias: self.alias,
        };
        let account: Vec<&str> = ADMIN_ACTIONS
            .iter()
            .chain(ENCRYPT_DECRYPT_ACTIONS)
            .copied()
            .collect();
        stack.grant_resource(
            key.policy(),
            Statement::allow(account)
                .sid("AccountIamPolicies")
                .principal(own_account())
                .resource("*"),
        );
        stack.grant_resource(
            key.policy(),
            Statement::allow(SERVICE_GRANT_ACTIONS.iter().copied())
                .sid("AwsServiceGrants")
                .principal(own_account())
                .resource("*")
                .condition("Bool", "kms:GrantIsForAWSResource", true),
        );
        key
    }
}

//! Amazon S3: the hardened artifact bucket.
//!
//! A [`Bucket`] is secure without being asked (see `SECURITY.md`, S3
//! section): encryption by default (SSE-KMS with bucket keys when a key is
//! given, SSE-S3 otherwise), all four public access blocks, bucket-owner
//! enforced ownership (no ACLs), versioning, a bucket policy that denies any
//! request not made over TLS, access logging when a log bucket is given (a
//! documented suppression otherwise), `Retain` on delete and replace, and a
//! lifecycle rule that expires old artifacts.

use crate::construct::{Construct, ResourcePolicy, ResourceRef, Stack};
use crate::iam::{Grantee, Principal, RoleRef, Statement};
use crate::template::{Expr, Resource};
use indexmap::IndexMap;

/// An S3 bucket for pipeline artifacts.
#[derive(Clone, Debug)]
pub struct Bucket {
    id: String,
    name: Option<Expr>,
    kms_key_arn: Option<Expr>,
    log_bucket: Option<(Expr, String)>,
    expire_after_days: Option<u32>,
    noncurrent_after_days: u32,
    adopt: bool,
}

/// Days after which current artifacts expire by default.
pub const DEFAULT_EXPIRE_AFTER_DAYS: u32 = 180;
/// Days after which replaced (noncurrent) versions expire by default.
pub const DEFAULT_NONCURRENT_AFTER_DAYS: u32 = 30;
/// Days after which an unfinished multipart upload is aborted.
pub const ABORT_MULTIPART_AFTER_DAYS: u32 = 7;

impl Bucket {
    /// A bucket with logical ID `id` and every secure default.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            kms_key_arn: None,
            log_bucket: None,
            expire_after_days: Some(DEFAULT_EXPIRE_AFTER_DAYS),
            noncurrent_after_days: DEFAULT_NONCURRENT_AFTER_DAYS,
            adopt: false,
        }
    }

    /// Adopts the existing bucket named by [`Bucket::name`] (a
    /// literal) instead of creating one: deploy brings it into the stack
    /// with a resource import before the update that needs it (see
    /// [`Stack::adopt`]); deploy refuses, changing nothing, when no such
    /// bucket exists or another stack has it. Default: the bucket is
    /// created.
    pub fn adopt(mut self) -> Self {
        self.adopt = true;
        self
    }

    /// Sets `BucketName`. Default: none, CloudFormation generates a unique
    /// name. Changing the name replaces the bucket (the old one is retained).
    pub fn name(mut self, name: impl Into<Expr>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Encrypts with this KMS key (SSE-KMS with an S3 bucket key, which cuts
    /// KMS requests). Default: SSE-S3 (AES-256 with S3-managed keys).
    pub fn kms_key(mut self, key_arn: impl Into<Expr>) -> Self {
        self.kms_key_arn = Some(key_arn.into());
        self
    }

    /// Logs access to `bucket` under `prefix`. Default: no access logging,
    /// with the reason recorded in the template's suppressions.
    pub fn access_logs(mut self, bucket: impl Into<Expr>, prefix: impl Into<String>) -> Self {
        self.log_bucket = Some((bucket.into(), prefix.into()));
        self
    }

    /// Expires current artifacts after `days`, or never with `None`.
    /// Default: [`DEFAULT_EXPIRE_AFTER_DAYS`].
    pub fn expire_after_days(mut self, days: Option<u32>) -> Self {
        self.expire_after_days = days;
        self
    }

    /// Expires noncurrent versions after `days`. Default:
    /// [`DEFAULT_NONCURRENT_AFTER_DAYS`].
    pub fn noncurrent_after_days(mut self, days: u32) -> Self {
        self.noncurrent_after_days = days;
        self
    }

    fn encryption(&self) -> Expr {
        let default = match &self.kms_key_arn {
            Some(key) => Expr::map([
                ("SSEAlgorithm", Expr::from("aws:kms")),
                ("KMSMasterKeyID", key.clone()),
            ]),
            None => Expr::map([("SSEAlgorithm", Expr::from("AES256"))]),
        };
        let mut rule = vec![("ServerSideEncryptionByDefault", default)];
        if self.kms_key_arn.is_some() {
            rule.push(("BucketKeyEnabled", Expr::Bool(true)));
        }
        Expr::map([(
            "ServerSideEncryptionConfiguration",
            Expr::list([Expr::map(rule)]),
        )])
    }

    fn lifecycle(&self) -> Expr {
        let mut rule = vec![
            ("Id", Expr::from("ExpireOldArtifacts")),
            ("Status", Expr::from("Enabled")),
        ];
        if let Some(days) = self.expire_after_days {
            rule.push(("ExpirationInDays", days.into()));
        }
        rule.push((
            "NoncurrentVersionExpiration",
            Expr::map([("NoncurrentDays", self.noncurrent_after_days.into())]),
        ));
        rule.push((
            "AbortIncompleteMultipartUpload",
            Expr::map([("DaysAfterInitiation", ABORT_MULTIPART_AFTER_DAYS.into())]),
        ));
        Expr::map([("Rules", Expr::list([Expr::map(rule)]))])
    }

    /// Scanner suppressions, each with its reason, for the defaults that
    /// scanners flag but this bucket chose on purpose.
    fn suppressions(&self) -> IndexMap<String, Expr> {
        let mut checkov = Vec::new();
        let mut cfn_nag = Vec::new();
        if self.log_bucket.is_none() {
            let reason = "no log bucket is configured for this artifact bucket; CloudTrail records its API calls";
            checkov.push(("CKV_AWS_18", reason));
            cfn_nag.push(("W35", reason));
        }
        if self.kms_key_arn.is_none() {
            checkov.push((
                "CKV_AWS_145",
                "no pipeline KMS key: artifacts are encrypted with SSE-S3 (AES-256)",
            ));
        }
        let mut m = IndexMap::new();
        if checkov.is_empty() && cfn_nag.is_empty() {
            return m;
        }
        let entries = |list: Vec<(&str, &str)>, reason_key: &str| {
            Expr::list(list.into_iter().map(|(id, reason)| {
                Expr::map([("id", Expr::from(id)), (reason_key, Expr::from(reason))])
            }))
        };
        m.insert(
            "checkov".to_owned(),
            Expr::map([("skip", entries(checkov, "comment"))]),
        );
        if !cfn_nag.is_empty() {
            m.insert(
                "cfn_nag".to_owned(),
                Expr::map([("rules_to_suppress", entries(cfn_nag, "reason"))]),
            );
        }
        m
    }
}

/// A bucket added to a stack.
#[derive(Clone, Debug)]
pub struct BucketRef {
    resource: ResourceRef,
    policy: ResourcePolicy,
    kms_key_arn: Option<Expr>,
}

impl BucketRef {
    /// The bucket's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The underlying resource, for [`Stack::override_property`].
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }

    /// The bucket policy (`AWS::S3::BucketPolicy`, `<Bucket>Policy`), for
    /// [`Stack::grant_resource`]. It always holds the TLS-only statement.
    pub fn policy(&self) -> &ResourcePolicy {
        &self.policy
    }

    /// The bucket name (`!Ref`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The KMS key the bucket encrypts with by default, when it has one
    /// ([`Bucket::kms_key`]).
    pub fn kms_key(&self) -> Option<&Expr> {
        self.kms_key_arn.as_ref()
    }

    /// The bucket ARN (`!GetAtt Bucket.Arn`).
    pub fn arn(&self) -> Expr {
        self.resource.get_att("Arn")
    }

    /// The ARN of every object in the bucket (`${Bucket.Arn}/*`). Usable in
    /// the bucket's own stack only.
    pub fn objects_arn(&self) -> Expr {
        self.resource
            .owned(Expr::sub(format!("${{{}.Arn}}/*", self.resource.id())))
    }
}

/// Actions on objects to read them (and their versions)
/// (<https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html>).
pub const READ_ACTIONS: &[&str] = &["s3:GetObject", "s3:GetObjectVersion"];
/// Actions on objects to read and write them: what a pipeline and its
/// actions need to pass artifacts
/// (<https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html>).
pub const READ_WRITE_ACTIONS: &[&str] = &["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"];
/// Actions on the bucket itself that readers and writers of its objects
/// need (CodePipeline and CodeBuild check the location and versioning).
/// See <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>.
pub const BUCKET_ACTIONS: &[&str] = &["s3:GetBucketLocation", "s3:GetBucketVersioning"];
/// Actions on the bucket itself that CodeBuild's role needs to read and
/// write artifacts: CodeBuild's documented service role policy has these
/// two, and no `GetBucketVersioning`.
/// See <https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html>.
pub const CODEBUILD_BUCKET_ACTIONS: &[&str] = &["s3:GetBucketAcl", "s3:GetBucketLocation"];
/// What a connection source needs beside writing its artifact: CodePipeline
/// sets the object's ACL when it stores the clone.
/// See <https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html#how-to-custom-role>.
pub const CONNECTION_SOURCE_ACTIONS: &[&str] = &["s3:PutObjectAcl"];

impl BucketRef {
    /// Lets `grantee` read objects (and their versions) of the bucket: a
    /// role of this stack in its own policy, a role of another account in
    /// the bucket policy.
    pub fn grant_read<'a>(&self, stack: &mut Stack, grantee: impl Into<Grantee<'a>>) {
        self.grant(stack, grantee.into(), READ_ACTIONS);
    }

    /// Lets `grantee` read and write objects of the bucket: what a pipeline
    /// and its actions need to pass artifacts. A role of this stack gets it
    /// in its own policy, a role of another account in the bucket policy.
    pub fn grant_read_write<'a>(&self, stack: &mut Stack, grantee: impl Into<Grantee<'a>>) {
        self.grant(stack, grantee.into(), READ_WRITE_ACTIONS);
    }

    /// Lets the CodeBuild project role `role` read the bucket's artifacts,
    /// and write them when `write` (only a build with an output artifact
    /// writes), with the bucket actions CodeBuild documents
    /// ([`CODEBUILD_BUCKET_ACTIONS`]).
    pub fn grant_codebuild(&self, stack: &mut Stack, role: &RoleRef, write: bool) {
        let objects = if write {
            READ_WRITE_ACTIONS
        } else {
            READ_ACTIONS
        };
        self.grant_with(stack, role.into(), objects, CODEBUILD_BUCKET_ACTIONS);
    }

    fn grant(&self, stack: &mut Stack, grantee: Grantee<'_>, object_actions: &[&str]) {
        self.grant_with(stack, grantee, object_actions, BUCKET_ACTIONS);
    }

    fn grant_with(
        &self,
        stack: &mut Stack,
        grantee: Grantee<'_>,
        object_actions: &[&str],
        bucket_actions: &[&str],
    ) {
        let objects = Statement::allow(object_actions.iter().copied()).resource(self.objects_arn());
        let bucket = Statement::allow(bucket_actions.iter().copied()).resource(self.arn());
        match grantee {
            Grantee::Role(role) => {
                stack.grant(role, objects);
                stack.grant(role, bucket);
            }
            Grantee::Remote(role) => {
                let path = stack.path(self.id());
                for problem in role.problems() {
                    stack.problem(&path, problem);
                }
                stack.grant_resource(&self.policy, role.admit(objects));
                stack.grant_resource(&self.policy, role.admit(bucket));
            }
        }
    }
}

impl Construct for Bucket {
    type Ref = BucketRef;

    fn add_to(self, stack: &mut Stack) -> BucketRef {
        let path = stack.path(&self.id);
        let mut bucket = Resource::new("AWS::S3::Bucket").retain();
        bucket.metadata = self.suppressions();
        if let Some(name) = &self.name {
            bucket = bucket.property("BucketName", name.clone());
        }
        bucket = bucket
            .property("BucketEncryption", self.encryption())
            .property(
                "PublicAccessBlockConfiguration",
                Expr::map([
                    ("BlockPublicAcls", Expr::Bool(true)),
                    ("BlockPublicPolicy", Expr::Bool(true)),
                    ("IgnorePublicAcls", Expr::Bool(true)),
                    ("RestrictPublicBuckets", Expr::Bool(true)),
                ]),
            )
            .property(
                "OwnershipControls",
                Expr::map([(
                    "Rules",
                    Expr::list([Expr::map([(
                        "ObjectOwnership",
                        Expr::from("BucketOwnerEnforced"),
                    )])]),
                )]),
            )
            .property(
                "VersioningConfiguration",
                Expr::map([("Status", Expr::from("Enabled"))]),
            )
            .property("LifecycleConfiguration", self.lifecycle());
        if let Some((log_bucket, prefix)) = &self.log_bucket {
            bucket = bucket.property(
                "LoggingConfiguration",
                Expr::map([
                    ("DestinationBucketName", log_bucket.clone()),
                    ("LogFilePrefix", Expr::from(prefix.as_str())),
                ]),
            );
        }
        let resource = stack.add_resource_at(path.clone(), &self.id, bucket);
        if self.adopt {
            stack.adopt(&resource);
        }
        let bucket = BucketRef {
            policy: ResourcePolicy::new(&resource, "PolicyDocument"),
            resource,
            kms_key_arn: self.kms_key_arn.clone(),
        };

        let policy = Resource::new("AWS::S3::BucketPolicy").property("Bucket", bucket.name());
        let policy = stack.add_resource_at(
            format!("{path}/Policy"),
            format!("{}Policy", self.id),
            policy,
        );
        let bucket = BucketRef {
            policy: ResourcePolicy::new(&policy, "PolicyDocument"),
            ..bucket
        };
        let tls_only = Statement::deny(["s3:*"])
            .sid("DenyInsecureTransport")
            .principal(Principal::Everyone)
            .resource(bucket.arn())
            .resource(bucket.objects_arn())
            .condition("Bool", "aws:SecureTransport", "false");
        stack.grant_resource(bucket.policy(), tls_only);
        bucket
    }
}

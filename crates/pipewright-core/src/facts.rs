//! Facts about CloudFormation resource types and IAM actions, in one place.
//!
//! Synth (capabilities), grant validation, `diff` (stateful resources, IAM
//! statements) and the change-set summary (IAM changes) all need to know
//! things about resource types. Before this registry each kept its own list,
//! and the lists disagreed; now a new service adds its types here once.
//!
//! A type that is not listed is read by its shape, never ignored: it is not
//! stateful, needs no IAM capability, and its permissions are found by the
//! names AWS gives policy properties ([`GENERIC_POLICY_PROPERTIES`], and a
//! type or property name ending in `Policy`), so `diff` and the change-set
//! summary still show an IAM change on a type this registry has not met.

use crate::template::{Expr, Template};
use std::fmt;

pub mod iam;

/// What pipewright knows about one resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeFacts {
    /// The CloudFormation type, e.g. `AWS::S3::Bucket`.
    pub name: &'static str,
    /// Holds data: replacing or deleting the resource loses it.
    pub stateful: bool,
    /// Is an IAM resource: a template with one needs `CAPABILITY_IAM`.
    pub iam: bool,
    /// The property that gives the IAM resource a custom name (a template
    /// with one set needs `CAPABILITY_NAMED_IAM`); empty when it has none.
    pub iam_name: &'static str,
    /// Properties that hold IAM policy documents. `Policies` holds a list
    /// of `{PolicyName, PolicyDocument}`.
    pub policy_properties: &'static [&'static str],
    /// Is itself a policy (a bucket policy, a topic policy): every change to
    /// it changes permissions.
    pub policy_resource: bool,
    /// Properties whose change replaces the resource, from each type's
    /// "Update requires: Replacement" entries in the CloudFormation
    /// resource reference: used only for a type the provider schemas (see
    /// [`create_only`]) do not have.
    pub replacing_properties: &'static [&'static str],
    /// The properties that identify an existing resource of the type to a
    /// CloudFormation resource import (its provider schema's
    /// `primaryIdentifier`, when that is a property a template sets), e.g.
    /// `RepositoryName`; empty when pipewright cannot adopt the type
    /// ([`crate::Stack::adopt`]).
    pub import_identifier: &'static [&'static str],
}

impl TypeFacts {
    const fn new(name: &'static str) -> Self {
        Self {
            name,
            stateful: false,
            iam: false,
            iam_name: "",
            policy_properties: &[],
            policy_resource: false,
            replacing_properties: &[],
            import_identifier: &[],
        }
    }

    const fn importable(mut self, identifier: &'static [&'static str]) -> Self {
        self.import_identifier = identifier;
        self
    }

    const fn policy_resource(mut self, properties: &'static [&'static str]) -> Self {
        self.policy_properties = properties;
        self.policy_resource = true;
        self
    }

    const fn stateful(mut self) -> Self {
        self.stateful = true;
        self
    }

    const fn iam(mut self, name_property: &'static str) -> Self {
        self.iam = true;
        self.iam_name = name_property;
        self
    }

    const fn policies(mut self, properties: &'static [&'static str]) -> Self {
        self.policy_properties = properties;
        self
    }

    const fn replacing(mut self, properties: &'static [&'static str]) -> Self {
        self.replacing_properties = properties;
        self
    }

    /// Whether the type carries permissions: an IAM resource or a resource
    /// with a policy property.
    pub fn carries_iam(&self) -> bool {
        self.iam || self.policy_resource || !self.policy_properties.is_empty()
    }

    /// Whether a change to `properties` (top-level names; empty when
    /// unknown) changes permissions: any change of an IAM resource or a
    /// policy resource, or a change of a policy property.
    pub fn changes_iam(&self, properties: &[String]) -> bool {
        self.iam
            || self.policy_resource
            || properties
                .iter()
                .any(|p| self.policy_properties.contains(&p.as_str()))
    }
}

const ROLE_POLICIES: &[&str] = &["AssumeRolePolicyDocument", "Policies"];
const POLICY_DOCUMENT: &[&str] = &["PolicyDocument"];
const POLICIES: &[&str] = &["Policies"];

/// Every resource type with facts, sorted by name.
pub const TYPES: &[TypeFacts] = &[
    TypeFacts::new("AWS::CodeCommit::Repository")
        .stateful()
        .replacing(&["RepositoryName"]),
    TypeFacts::new("AWS::CodeStarConnections::Connection").replacing(&[
        "ConnectionName",
        "ProviderType",
        "HostArn",
    ]),
    TypeFacts::new("AWS::DynamoDB::GlobalTable")
        .stateful()
        .replacing(&["TableName", "KeySchema"]),
    TypeFacts::new("AWS::DynamoDB::Table")
        .stateful()
        .replacing(&["TableName", "KeySchema"])
        .importable(&["TableName"]),
    TypeFacts::new("AWS::ECR::RegistryPolicy").policy_resource(&["PolicyText"]),
    TypeFacts::new("AWS::ECR::Repository")
        .stateful()
        .policies(&["RepositoryPolicyText"])
        .replacing(&["RepositoryName", "EncryptionConfiguration"])
        .importable(&["RepositoryName"]),
    TypeFacts::new("AWS::EFS::FileSystem")
        .stateful()
        .policies(&["FileSystemPolicy"])
        .replacing(&["Encrypted", "KmsKeyId", "PerformanceMode"]),
    TypeFacts::new("AWS::EKS::AccessEntry").replacing(&["ClusterName", "PrincipalArn", "Type"]),
    TypeFacts::new("AWS::Events::EventBusPolicy").policy_resource(&[]),
    TypeFacts::new("AWS::IAM::AccessKey").iam(""),
    TypeFacts::new("AWS::IAM::Group")
        .iam("GroupName")
        .policies(POLICIES)
        .replacing(&["GroupName"]),
    TypeFacts::new("AWS::IAM::GroupPolicy")
        .iam("")
        .policies(POLICY_DOCUMENT),
    TypeFacts::new("AWS::IAM::InstanceProfile")
        .iam("InstanceProfileName")
        .replacing(&["InstanceProfileName"]),
    TypeFacts::new("AWS::IAM::ManagedPolicy")
        .iam("ManagedPolicyName")
        .policies(POLICY_DOCUMENT)
        .replacing(&["ManagedPolicyName"]),
    TypeFacts::new("AWS::IAM::Policy")
        .iam("")
        .policies(POLICY_DOCUMENT),
    TypeFacts::new("AWS::IAM::Role")
        .iam("RoleName")
        .policies(ROLE_POLICIES)
        .replacing(&["RoleName", "Path"]),
    TypeFacts::new("AWS::IAM::RolePolicy")
        .iam("")
        .policies(POLICY_DOCUMENT),
    TypeFacts::new("AWS::IAM::User")
        .iam("UserName")
        .policies(POLICIES)
        .replacing(&["UserName"]),
    TypeFacts::new("AWS::IAM::UserPolicy")
        .iam("")
        .policies(POLICY_DOCUMENT),
    TypeFacts::new("AWS::IAM::UserToGroupAddition").iam(""),
    TypeFacts::new("AWS::KMS::Alias").replacing(&["AliasName"]),
    TypeFacts::new("AWS::KMS::Key")
        .stateful()
        .policies(&["KeyPolicy"]),
    TypeFacts::new("AWS::Lambda::Permission").policy_resource(&[]),
    TypeFacts::new("AWS::Logs::LogGroup")
        .stateful()
        .replacing(&["LogGroupName"])
        .importable(&["LogGroupName"]),
    TypeFacts::new("AWS::RDS::DBCluster")
        .stateful()
        .replacing(&["DBClusterIdentifier", "Engine", "StorageEncrypted"]),
    TypeFacts::new("AWS::RDS::DBInstance")
        .stateful()
        .replacing(&["DBInstanceIdentifier", "Engine", "StorageEncrypted"]),
    TypeFacts::new("AWS::S3::Bucket")
        .stateful()
        .replacing(&["BucketName"])
        .importable(&["BucketName"]),
    TypeFacts::new("AWS::S3::BucketPolicy")
        .policy_resource(POLICY_DOCUMENT)
        .replacing(&["Bucket"]),
    TypeFacts::new("AWS::SNS::TopicPolicy").policy_resource(POLICY_DOCUMENT),
    TypeFacts::new("AWS::SQS::Queue")
        .stateful()
        .replacing(&["QueueName", "FifoQueue"]),
    TypeFacts::new("AWS::SQS::QueuePolicy").policy_resource(POLICY_DOCUMENT),
    TypeFacts::new("AWS::SSM::Parameter").replacing(&["Name"]),
    TypeFacts::new("AWS::SecretsManager::ResourcePolicy").policy_resource(&["ResourcePolicy"]),
    TypeFacts::new("AWS::SecretsManager::Secret")
        .stateful()
        .replacing(&["Name"]),
];

/// The facts of `resource_type`, if it has any.
pub fn of(resource_type: &str) -> Option<&'static TypeFacts> {
    TYPES
        .binary_search_by(|t| t.name.cmp(resource_type))
        .ok()
        .map(|i| &TYPES[i])
}

/// Property names that hold policy documents on many types; how a type
/// this registry does not list is read.
pub const GENERIC_POLICY_PROPERTIES: &[&str] = &[
    "AssumeRolePolicyDocument",
    "KeyPolicy",
    "Policies",
    "PolicyDocument",
    "RepositoryPolicyText",
];

/// Whether a change to `properties` of a `resource_type` resource changes
/// permissions (see [`TypeFacts::changes_iam`]). An unlisted type is read
/// by its shape: an `AWS::IAM::` type, a type named `...Policy`, or a
/// changed property named `Policies`, `...Policy` or `...PolicyText`.
pub fn changes_iam(resource_type: &str, properties: &[String]) -> bool {
    match of(resource_type) {
        Some(t) => t.changes_iam(properties),
        None => {
            resource_type.starts_with("AWS::IAM::")
                || resource_type.ends_with("Policy")
                || properties
                    .iter()
                    .any(|p| p == "Policies" || p.ends_with("Policy") || p.ends_with("PolicyText"))
        }
    }
}

/// Whether `resource_type` holds data.
pub fn is_stateful(resource_type: &str) -> bool {
    of(resource_type).is_some_and(|t| t.stateful)
}

/// The properties that identify an existing `resource_type` resource to
/// an import ([`TypeFacts::import_identifier`]); `None` for a type
/// pipewright cannot adopt.
pub fn import_identifier(resource_type: &str) -> Option<&'static [&'static str]> {
    of(resource_type)
        .map(|t| t.import_identifier)
        .filter(|i| !i.is_empty())
}

/// Whether `resource_type` carries permissions (an IAM resource or a
/// resource with a policy property).
pub fn carries_iam(resource_type: &str) -> bool {
    of(resource_type).is_some_and(TypeFacts::carries_iam)
}

/// The properties of `resource_type` that hold policy documents;
/// [`GENERIC_POLICY_PROPERTIES`] for a type this registry does not list.
pub fn policy_properties(resource_type: &str) -> &'static [&'static str] {
    of(resource_type).map_or(GENERIC_POLICY_PROPERTIES, |t| t.policy_properties)
}

/// Every resource type's `createOnlyProperties`, from the CloudFormation
/// resource provider schemas (source and version in the file's header;
/// written by `scripts/create_only_properties.py` from the schemas cfn-lint
/// bundles): `TYPE<TAB>PATH PATH..`, paths below `Properties` joined by
/// `/`. A change to one replaces the resource, which a reviewer must know
/// before any change set exists (issue #22).
const CREATE_ONLY: &str = include_str!("../data/create_only_properties.tsv");

/// The properties of `resource_type` whose change replaces the resource
/// (`createOnlyProperties`), as paths below `Properties` such as
/// `RepositoryName` or `EncryptionConfiguration/KmsKey`; `None` for a type
/// the provider schemas do not have.
pub fn create_only(resource_type: &str) -> Option<&'static [&'static str]> {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<&'static str, Vec<&'static str>>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            CREATE_ONLY
                .lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| l.split_once('\t'))
                .map(|(t, props)| (t, props.split_whitespace().collect()))
                .collect()
        })
        .get(resource_type)
        .map(Vec::as_slice)
}

/// Whether a change to `path` (a property path below `Properties`, parts
/// joined by `/`, e.g. `EncryptionConfiguration/KmsKey`) of
/// `resource_type` replaces the resource: it is, or is inside or holds, a
/// create-only property ([`create_only`]). A type the schemas do not have
/// falls back to this registry's [`TypeFacts::replacing_properties`].
pub fn replaces(resource_type: &str, path: &str) -> bool {
    let within = |outer: &str, inner: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    match create_only(resource_type) {
        Some(props) => props.iter().any(|p| within(p, path) || within(path, p)),
        None => {
            let top = path.split('/').next().unwrap_or_default();
            of(resource_type).is_some_and(|t| t.replacing_properties.contains(&top))
        }
    }
}

/// A capability a stack needs to be created or updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// `CAPABILITY_IAM`: the template creates IAM resources.
    Iam,
    /// `CAPABILITY_NAMED_IAM`: the template creates IAM resources with
    /// custom names.
    NamedIam,
    /// `CAPABILITY_AUTO_EXPAND`: the template uses a transform or a macro
    /// (a `Transform` section, e.g. `AWS::Serverless-2016-10-31`, or
    /// `Fn::Transform` in its body), which CloudFormation expands before it
    /// creates anything
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html>).
    AutoExpand,
}

impl Capability {
    /// The API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Iam => "CAPABILITY_IAM",
            Capability::NamedIam => "CAPABILITY_NAMED_IAM",
            Capability::AutoExpand => "CAPABILITY_AUTO_EXPAND",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The capabilities a template needs: `CAPABILITY_NAMED_IAM` when an IAM
/// resource has a custom name, `CAPABILITY_IAM` when it has any IAM
/// resource, none otherwise; and `CAPABILITY_AUTO_EXPAND` when the template
/// has a `Transform` section or calls `Fn::Transform` (a macro) anywhere.
/// Synth records them per stack, and a
/// CloudFormation deploy action of a pipeline can take them from the
/// template it deploys.
pub fn capabilities(t: &Template) -> Vec<Capability> {
    let mut iam = false;
    let mut named = false;
    for r in t.resources.values() {
        if let Some(facts) = of(&r.kind).filter(|f| f.iam) {
            iam = true;
            named |= !facts.iam_name.is_empty() && r.properties.contains_key(facts.iam_name);
        }
    }
    let mut needed = match (iam, named) {
        (_, true) => vec![Capability::NamedIam],
        (true, false) => vec![Capability::Iam],
        _ => vec![],
    };
    if t.verbatim.contains_key("Transform") || t.values().any(calls_macro) {
        needed.push(Capability::AutoExpand);
    }
    needed
}

/// Whether `e` calls `Fn::Transform` anywhere inside it.
fn calls_macro(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |e| {
        found |= matches!(e, Expr::Function { name, .. } if name == "Fn::Transform");
    });
    found
}

/// Actions that support no resource-level permission: the only actions a
/// statement may grant on `Resource: "*"`, each family in its own statement.
/// Sorted. See the "Actions, resources, and condition keys" page of each
/// service in the IAM Service Authorization Reference
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>).
pub const UNSCOPED_ACTIONS: &[&str] = &[
    "cloudformation:DescribeStackDriftDetectionStatus",
    "codebuild:ListProjects",
    "codepipeline:ListPipelines",
    "codestar-connections:ListConnections",
    "ecr:GetAuthorizationToken",
    "sts:GetCallerIdentity",
];

/// Whether `action` supports no resource-level permission: listed above,
/// or taking no resource type in IAM's service authorization reference
/// ([`iam::takes_no_resource`]).
pub fn is_unscoped_action(action: &str) -> bool {
    UNSCOPED_ACTIONS.binary_search(&action).is_ok() || iam::takes_no_resource(action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(TYPES.windows(2).all(|w| w[0].name < w[1].name));
        assert!(UNSCOPED_ACTIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lookups() {
        assert!(is_stateful("AWS::S3::Bucket"));
        assert!(!is_stateful("AWS::S3::BucketPolicy"));
        assert!(!is_stateful("AWS::Custom::Thing"));
        assert!(carries_iam("AWS::ECR::Repository"));
        assert!(carries_iam("AWS::IAM::AccessKey"));
        assert!(!carries_iam("AWS::CodeBuild::Project"));
        assert!(changes_iam("AWS::S3::BucketPolicy", &[]));
        assert!(changes_iam("AWS::IAM::OIDCProvider", &[]));
        assert!(changes_iam("AWS::Logs::ResourcePolicy", &[]));
        assert!(changes_iam("AWS::ApiGateway::RestApi", &["Policy".into()]));
        assert!(!changes_iam("AWS::ApiGateway::RestApi", &["Name".into()]));
        assert_eq!(
            policy_properties("AWS::Custom::Thing"),
            GENERIC_POLICY_PROPERTIES
        );
        assert!(!changes_iam(
            "AWS::ECR::Repository",
            &["ImageScanningConfiguration".into()]
        ));
        assert!(changes_iam(
            "AWS::ECR::Repository",
            &["RepositoryPolicyText".into()]
        ));
        assert_eq!(policy_properties("AWS::KMS::Key"), ["KeyPolicy"]);
        assert!(replaces("AWS::ECR::Repository", "RepositoryName"));
        assert!(!replaces("AWS::ECR::Repository", "ImageTagMutability"));
        assert!(is_unscoped_action("ecr:GetAuthorizationToken"));
        assert!(!is_unscoped_action("ecr:PutImage"));
    }
}

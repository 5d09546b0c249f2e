//! Amazon EKS: access entries, which let an IAM principal into a cluster
//! with an EKS access policy, without editing the `aws-auth` ConfigMap.
//!
//! An [`AccessEntry`] is least-privilege by default: it needs an explicit
//! scope, and the namespace scope is the one to use for deploy roles. The
//! cluster-wide administrator policy (`AmazonEKSClusterAdminPolicy`) is a
//! synth error unless [`AccessEntry::cluster_admin`] gives the reason.
//!
//! Reference: [`AWS::EKS::AccessEntry`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-eks-accessentry.html),
//! [access policies](https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html).

use crate::construct::{Construct, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::template::{Expr, Resource};

/// What CloudFormation needs to create, update and delete an
/// [`AccessEntry`] with its access policies and tags: the grants of the
/// role CloudFormation acts as, on the cluster's and the entry's ARNs.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html>
pub const MANAGE_ACTIONS: &[&str] = &[
    "eks:AssociateAccessPolicy",
    "eks:CreateAccessEntry",
    "eks:DeleteAccessEntry",
    "eks:DescribeAccessEntry",
    "eks:DisassociateAccessPolicy",
    "eks:ListAssociatedAccessPolicies",
    "eks:TagResource",
    "eks:UntagResource",
    "eks:UpdateAccessEntry",
];

/// An EKS access policy (`PolicyArn`: `arn:aws:eks::aws:cluster-access-policy/<name>`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessPolicy {
    /// `AmazonEKSViewPolicy`: read most resources.
    View,
    /// `AmazonEKSEditPolicy`: create, change and delete most resources
    /// (what a deploy needs), not roles or bindings.
    Edit,
    /// `AmazonEKSAdminPolicy`: edit, plus roles and bindings.
    Admin,
    /// `AmazonEKSClusterAdminPolicy`: everything, cluster-wide (`cluster-admin`).
    ClusterAdmin,
}

impl AccessPolicy {
    /// The policy's name, e.g. `AmazonEKSEditPolicy`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessPolicy::View => "AmazonEKSViewPolicy",
            AccessPolicy::Edit => "AmazonEKSEditPolicy",
            AccessPolicy::Admin => "AmazonEKSAdminPolicy",
            AccessPolicy::ClusterAdmin => "AmazonEKSClusterAdminPolicy",
        }
    }

    /// The policy's ARN.
    pub fn arn(self) -> Expr {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:eks::aws:cluster-access-policy/{}",
            self.as_str()
        ))
    }
}

/// Where an access policy applies (`AccessScope`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `namespace`: these namespaces only.
    Namespaces(Vec<String>),
    /// `cluster`: every namespace and the cluster's own resources.
    Cluster,
}

/// An access entry: a principal, the cluster, and its access policies.
#[derive(Clone, Debug)]
pub struct AccessEntry {
    id: String,
    cluster: Expr,
    principal_arn: Expr,
    policies: Vec<(AccessPolicy, Scope)>,
    cluster_admin: Option<String>,
}

impl AccessEntry {
    /// An entry with logical ID `id` letting `principal_arn` (a role's ARN)
    /// into the cluster named `cluster` (`Type: STANDARD`). It has no access
    /// policy until [`AccessEntry::policy`] adds one. The cluster and the
    /// principal cannot change without replacing the entry.
    pub fn new(
        id: impl Into<String>,
        cluster: impl Into<Expr>,
        principal_arn: impl Into<Expr>,
    ) -> Self {
        Self {
            id: id.into(),
            cluster: cluster.into(),
            principal_arn: principal_arn.into(),
            policies: Vec::new(),
            cluster_admin: None,
        }
    }

    /// Associates `policy` with the entry on `scope`. A namespace scope
    /// needs at least one namespace, each a valid Kubernetes name.
    pub fn policy(mut self, policy: AccessPolicy, scope: Scope) -> Self {
        self.policies.push((policy, scope));
        self
    }

    /// Allows [`AccessPolicy::ClusterAdmin`], recording `reason` in the
    /// entry's Metadata (`pipewright:cluster-admin`). Default: refused.
    pub fn cluster_admin(mut self, reason: impl Into<String>) -> Self {
        self.cluster_admin = Some(reason.into());
        self
    }

    /// Every problem of the entry.
    pub fn problems(&self) -> Vec<ProblemKind> {
        let mut out = Vec::new();
        let invalid = |reason: String| ProblemKind::AccessEntry { reason };
        for (policy, scope) in &self.policies {
            if *policy == AccessPolicy::ClusterAdmin && self.cluster_admin.is_none() {
                out.push(invalid(format!(
                    "grants `{}`, administrator of the whole cluster: use `AccessPolicy::Edit` on the application's namespaces, or give the reason with `cluster_admin`",
                    policy.as_str()
                )));
            }
            if let Scope::Namespaces(namespaces) = scope {
                if namespaces.is_empty() {
                    out.push(invalid(format!(
                        "scopes `{}` to no namespace: name at least one",
                        policy.as_str()
                    )));
                }
                for n in namespaces {
                    if !namespace_valid(n) {
                        out.push(invalid(format!(
                            "namespace `{n}` is invalid: use 1 to 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"
                        )));
                    }
                }
            }
        }
        out
    }
}

/// A Kubernetes namespace name (an RFC 1123 label); a trailing `*` is a
/// wildcard EKS accepts.
fn namespace_valid(n: &str) -> bool {
    let n = n.strip_suffix('*').unwrap_or(n);
    (1..=63).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !n.starts_with('-')
}

/// An access entry added to a stack.
#[derive(Clone, Debug)]
pub struct AccessEntryRef {
    resource: ResourceRef,
}

impl AccessEntryRef {
    /// The entry's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The entry's ARN (`!GetAtt X.AccessEntryArn`).
    pub fn arn(&self) -> Expr {
        self.resource.get_att("AccessEntryArn")
    }
}

impl Construct for AccessEntry {
    type Ref = AccessEntryRef;

    fn add_to(self, stack: &mut Stack) -> AccessEntryRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let policies = self.policies.iter().map(|(policy, scope)| {
            let scope = match scope {
                Scope::Cluster => Expr::map([("Type", Expr::from("cluster"))]),
                Scope::Namespaces(ns) => Expr::map([
                    ("Type", Expr::from("namespace")),
                    (
                        "Namespaces",
                        Expr::list(ns.iter().map(|n| Expr::from(n.as_str()))),
                    ),
                ]),
            };
            Expr::map([("PolicyArn", policy.arn()), ("AccessScope", scope)])
        });
        let mut entry = Resource::new("AWS::EKS::AccessEntry")
            .property("ClusterName", self.cluster)
            .property("PrincipalArn", self.principal_arn)
            .property("Type", "STANDARD");
        if !self.policies.is_empty() {
            entry = entry.property("AccessPolicies", Expr::list(policies));
        }
        if let Some(reason) = self.cluster_admin {
            entry
                .metadata
                .insert("pipewright:cluster-admin".to_owned(), Expr::from(reason));
        }
        let resource = stack.add_resource_at(path, &self.id, entry);
        AccessEntryRef { resource }
    }
}

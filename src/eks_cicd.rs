//! The thoughtbot EKS CI/CD system: an operations account builds images
//! and manifests; each workload account runs an EKS cluster that a deploy
//! project in the operations account deploys to through a role there.
//!
//! This file holds the workload side: per cluster, the `deploy-role-<cluster>`
//! stack in the cluster's account, with the role `<cluster>-deploy` that the
//! operations account's deploy project assumes, and its EKS access entry.

use crate::accounts::{OPERATIONS, REGION};
use pipewright::Stack;
use pipewright::iam::{Principal, Role, Statement};
use pipewright::template::{Expr, Output, Resource};

/// A workload cluster.
#[derive(Clone, Copy, Debug)]
pub struct Cluster {
    /// The EKS cluster's name; also the stage's name.
    pub name: &'static str,
    /// The account the cluster runs in.
    pub account: &'static str,
}

/// The system's configuration: the one value to change to point it at real
/// accounts.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// The Kubernetes namespace the application is deployed to; the deploy
    /// role may edit this namespace only.
    pub namespace: &'static str,
    /// The clusters, one per stage.
    pub clusters: &'static [Cluster],
}

/// This repository's configuration (example accounts).
pub const CONFIG: Config = Config {
    namespace: "acme-app",
    clusters: &[
        Cluster {
            name: "staging",
            account: "222222222222",
        },
        Cluster {
            name: "production",
            account: "333333333333",
        },
    ],
};

/// The deploy role's name for `cluster`.
pub fn deploy_role_name(cluster: &str) -> String {
    format!("{cluster}-deploy")
}

/// The `deploy-role-<cluster>` stack: the role the operations account's
/// deploy project assumes to deploy to `cluster`.
///
/// Trust: the operations account, for principals tagged
/// `cluster.<cluster>.deploy=true` (the deploy project's role). Permissions:
/// `eks:DescribeCluster` on the cluster, and through an EKS access entry
/// `AmazonEKSEditPolicy` on the application's namespace, not cluster admin.
pub fn deploy_role(config: &Config, cluster: &Cluster) -> Stack {
    let name = format!("deploy-role-{}", cluster.name);
    let mut stack = Stack::new(&name)
        .description(format!(
            "The role the operations account deploys to EKS cluster {} with (managed by pipewright)",
            cluster.name
        ))
        .account(cluster.account)
        .region(REGION)
        .depends_on(crate::accounts::bootstrap_name(cluster.name))
        .tag("project", "pipewright");
    let role_name = deploy_role_name(cluster.name);
    if role_name.len() > 64
        || !role_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        stack.report(
            &stack.path("DeployRole"),
            format!(
                "cluster name `{}` makes the invalid role name `{role_name}`: a role name is at most 64 letters, digits and `+=,.@_-`, so the cluster name may have at most 57",
                cluster.name
            ),
        );
    }
    let role = stack.add(
        Role::assumed_by("DeployRole", Principal::account(OPERATIONS))
            .trust_condition(
                "StringEquals",
                &format!("aws:PrincipalTag/cluster.{}.deploy", cluster.name),
                "true",
            )
            .name(role_name.as_str())
            .description(format!("Deploys manifests to EKS cluster {}", cluster.name))
            .tag("deployTo", cluster.name),
    );
    let cluster_arn = Expr::sub(format!(
        "arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:cluster/{}",
        cluster.name
    ));
    stack.grant(
        &role,
        Statement::allow(["eks:DescribeCluster"]).resource(cluster_arn),
    );
    stack.add_resource(
        "DeployRoleAccess",
        Resource::new("AWS::EKS::AccessEntry")
            .property("ClusterName", cluster.name)
            .property("PrincipalArn", role.arn())
            .property("Type", "STANDARD")
            .property(
                "AccessPolicies",
                Expr::list([Expr::map([
                    (
                        "PolicyArn",
                        Expr::sub(
                            "arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                        ),
                    ),
                    (
                        "AccessScope",
                        Expr::map([
                            ("Type", Expr::from("namespace")),
                            ("Namespaces", Expr::list([Expr::from(config.namespace)])),
                        ]),
                    ),
                ])]),
            ),
    );
    stack.add_output(
        "DeployRoleArn",
        Output::new(role.arn()).description("The role the deploy project assumes"),
    );
    stack
}

/// What CloudFormation needs in `cluster`'s account to manage its
/// `deploy-role-<cluster>` stack: the execution role's grants there.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>,
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html>
pub fn execution_grants(cluster: &Cluster) -> Vec<Statement> {
    let role = Expr::sub(format!(
        "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{}",
        deploy_role_name(cluster.name)
    ));
    let eks = |resource: &str| {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:eks:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
        ))
    };
    vec![
        Statement::allow([
            "iam:CreateRole",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:GetRole",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
            "iam:PutRolePolicy",
            "iam:TagRole",
            "iam:UntagRole",
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
        ])
        .resource(role),
        Statement::allow([
            "eks:AssociateAccessPolicy",
            "eks:CreateAccessEntry",
            "eks:DeleteAccessEntry",
            "eks:DescribeAccessEntry",
            "eks:DisassociateAccessPolicy",
            "eks:ListAssociatedAccessPolicies",
            "eks:TagResource",
            "eks:UntagResource",
            "eks:UpdateAccessEntry",
        ])
        .resource(eks(&format!("cluster/{}", cluster.name)))
        .resource(eks(&format!("access-entry/{}/*", cluster.name))),
    ]
}

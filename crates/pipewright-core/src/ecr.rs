//! Amazon ECR: image repositories.
//!
//! A [`Repository`] scans on push, keeps tags immutable (one moving tag such
//! as `latest` may be excluded, with its scanner suppression), encrypts with
//! KMS (the AWS managed key `aws/ecr`, or a customer key), expires untagged
//! images and keeps the newest ones, and is retained when its stack is
//! deleted or the repository replaced: images are data.
//!
//! A repository policy is written only when access from other accounts is
//! asked for ([`RepositoryRef::allow_pull`], [`RepositoryRef::allow_push`]),
//! and it always names accounts or roles, never `*` (SECURITY.md, ECR).

use crate::construct::{Construct, ResourcePolicy, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{Principal, RoleArn, RoleRef, Statement};
use crate::template::{Expr, Resource};
use indexmap::IndexMap;

/// What CloudFormation needs to create, update and delete a [`Repository`]
/// with its policy, lifecycle policy, scanning, tag mutability and tags:
/// the grants of the role CloudFormation acts as (a bootstrap's execution
/// role), on the repository's ARN.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html>
pub const MANAGE_ACTIONS: &[&str] = &[
    "ecr:CreateRepository",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DeleteRepository",
    "ecr:DeleteRepositoryPolicy",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:SetRepositoryPolicy",
    "ecr:TagResource",
    "ecr:UntagResource",
];

/// Days after which untagged images expire by default.
pub const DEFAULT_UNTAGGED_DAYS: u32 = 14;
/// How many images are kept by default.
pub const DEFAULT_KEEP_IMAGES: u32 = 200;

/// ECR's page on pulling images.
pub const PULL_DOC: &str = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-pull.html";
/// ECR's page on the IAM permissions to push images.
pub const PUSH_DOC: &str =
    "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html";

/// Actions to pull images ([`PULL_DOC`]).
pub const PULL_ACTIONS: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
];
/// Actions to push images ([`PUSH_DOC`]).
pub const PUSH_ACTIONS: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/// An ECR repository.
#[derive(Clone, Debug)]
pub struct Repository {
    id: String,
    name: Option<Expr>,
    moving_tag: Option<String>,
    encryption: Encryption,
    untagged_days: u32,
    keep_images: u32,
    adopt: bool,
}

impl Repository {
    /// A repository with logical ID `id` and every secure default.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            moving_tag: None,
            encryption: Encryption::AwsManagedKey,
            untagged_days: DEFAULT_UNTAGGED_DAYS,
            keep_images: DEFAULT_KEEP_IMAGES,
            adopt: false,
        }
    }

    /// Adopts the existing repository named by [`Repository::name`] (a
    /// literal) instead of creating one: deploy brings it into the stack
    /// with a resource import before the update that needs it (see
    /// [`Stack::adopt`]); deploy refuses, changing nothing, when no such
    /// repository exists or another stack has it. Default: the repository is
    /// created.
    pub fn adopt(mut self) -> Self {
        self.adopt = true;
        self
    }

    /// Sets `RepositoryName`. Default: none, CloudFormation generates one.
    /// A literal name is checked against ECR's rules at synth (lowercase
    /// letters, digits, `.`, `_`, `-` and `/` between parts, 2 to 256
    /// characters). Renaming replaces the repository; the old one is retained.
    pub fn name(mut self, name: impl Into<Expr>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Lets one tag move between images (e.g. `latest`) while every other
    /// tag stays immutable (`IMMUTABLE_WITH_EXCLUSION`), and records the
    /// checkov suppression of CKV_AWS_51 (tags not immutable) with that
    /// reason in the repository's Metadata. Default: every tag immutable
    /// (`IMMUTABLE`).
    pub fn moving_tag(mut self, tag: impl Into<String>) -> Self {
        self.moving_tag = Some(tag.into());
        self
    }

    /// Encrypts images with this customer managed KMS key (its ARN, e.g.
    /// [`crate::kms::KeyRef::arn`]). Default: KMS with the AWS managed key
    /// `aws/ecr`.
    ///
    /// Encryption can only be set when the repository is created: changing
    /// it replaces the repository (the old one is retained; a named
    /// repository cannot be replaced in place, so rename it or delete the
    /// retained one first).
    pub fn kms_key(mut self, key_arn: impl Into<Expr>) -> Self {
        self.encryption = Encryption::Key(key_arn.into());
        self
    }

    /// Encrypts images with AES-256 and keys ECR manages instead of KMS,
    /// recording the checkov suppression of CKV_AWS_136 with `reason` in the
    /// repository's Metadata. Meant for a repository created before KMS was
    /// pipewright's default, which keeping AES-256 spares a replacement.
    /// Default: KMS with the AWS managed key. Like [`Repository::kms_key`],
    /// a change replaces the repository.
    pub fn aes256(mut self, reason: impl Into<String>) -> Self {
        self.encryption = Encryption::Aes256 {
            reason: reason.into(),
        };
        self
    }

    /// Expires untagged images after `days`. Default: [`DEFAULT_UNTAGGED_DAYS`].
    pub fn untagged_days(mut self, days: u32) -> Self {
        self.untagged_days = days;
        self
    }

    /// Keeps the newest `count` images. Default: [`DEFAULT_KEEP_IMAGES`].
    pub fn keep_images(mut self, count: u32) -> Self {
        self.keep_images = count;
        self
    }

    fn lifecycle_policy(&self) -> String {
        let policy = serde_json::json!({
            "rules": [
                {
                    "rulePriority": 1,
                    "description": format!("Expire untagged images after {} days", self.untagged_days),
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": self.untagged_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": format!("Keep the newest {} images", self.keep_images),
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": self.keep_images,
                    },
                    "action": {"type": "expire"},
                },
            ]
        });
        let mut text = serde_json::to_string_pretty(&policy)
            .unwrap_or_else(|_| unreachable!("a serde_json::Value always serializes"));
        text.push('\n');
        text
    }

    /// `EncryptionConfiguration`.
    fn encryption(&self) -> Expr {
        match &self.encryption {
            Encryption::AwsManagedKey => Expr::map([("EncryptionType", Expr::from("KMS"))]),
            Encryption::Key(key) => Expr::map([
                ("EncryptionType", Expr::from("KMS")),
                ("KmsKey", key.clone()),
            ]),
            Encryption::Aes256 { .. } => Expr::map([("EncryptionType", Expr::from("AES256"))]),
        }
    }

    /// Scanner suppressions, each with its reason, for the choices scanners
    /// flag but this repository made on purpose.
    fn suppressions(&self) -> IndexMap<String, Expr> {
        let mut skip = Vec::new();
        if let Some(tag) = &self.moving_tag {
            skip.push((
                "CKV_AWS_51",
                format!(
                    "tag `{tag}` moves to the newest image on purpose; every other tag is immutable (IMMUTABLE_WITH_EXCLUSION)"
                ),
            ));
        }
        if let Encryption::Aes256 { reason } = &self.encryption {
            skip.push(("CKV_AWS_136", reason.clone()));
        }
        let mut m = IndexMap::new();
        if !skip.is_empty() {
            let entries = skip.into_iter().map(|(id, reason)| {
                Expr::map([("id", Expr::from(id)), ("comment", Expr::from(reason))])
            });
            m.insert(
                "checkov".to_owned(),
                Expr::map([("skip", Expr::list(entries))]),
            );
        }
        m
    }
}

/// How a repository encrypts its images.
#[derive(Clone, Debug)]
enum Encryption {
    /// KMS with the AWS managed key `aws/ecr`.
    AwsManagedKey,
    /// KMS with a customer managed key.
    Key(Expr),
    /// AES-256 with keys ECR manages, and the reason for not using KMS.
    Aes256 { reason: String },
}

/// Checks a literal repository name against ECR's rules; `None` when valid.
pub fn name_problem(name: &str) -> Option<ProblemKind> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && part.split(['.', '_', '-']).all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
    };
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(ProblemKind::InvalidName {
            what: "ECR repository name",
            name: name.to_owned(),
            reason: format!(
                "has uppercase letters: ECR accepts only lowercase (try `{}`)",
                name.to_ascii_lowercase()
            ),
        });
    }
    if !(2..=256).contains(&name.len()) || !name.split('/').all(valid_part) {
        return Some(ProblemKind::InvalidName {
            what: "ECR repository name",
            name: name.to_owned(),
            reason: "is invalid: use 2 to 256 lowercase letters and digits, separated by single `.`, `_`, `-` or `/`".to_owned(),
        });
    }
    None
}

/// The URI of the repository `name` in `account` and `region`, for a
/// repository of another account or region, whose values a stack cannot
/// import: `<account>.dkr.ecr.<region>.${AWS::URLSuffix}/<name>`, with the
/// partition's domain as CloudFormation resolves it.
pub fn repository_uri(account: &str, region: &str, name: &str) -> Expr {
    Expr::sub(format!(
        "{account}.dkr.ecr.{region}.${{AWS::URLSuffix}}/{name}"
    ))
}

/// A repository added to a stack.
#[derive(Clone, Debug)]
pub struct RepositoryRef {
    resource: ResourceRef,
    policy: ResourcePolicy,
}

impl RepositoryRef {
    /// The repository's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The repository policy (`RepositoryPolicyText`), for
    /// [`Stack::grant_resource`]: statements that name other accounts or
    /// roles. Default: none, and then the property is not written.
    pub fn policy(&self) -> &ResourcePolicy {
        &self.policy
    }

    /// The repository name (`!Ref`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The repository ARN (`!GetAtt Repo.Arn`).
    pub fn arn(&self) -> Expr {
        self.resource.get_att("Arn")
    }

    /// The repository URI, `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`
    /// (`!GetAtt Repo.RepositoryUri`).
    pub fn uri(&self) -> Expr {
        self.resource.get_att("RepositoryUri")
    }

    /// The URI of one tag, `URI:tag`. Usable in the repository's own stack.
    pub fn uri_for_tag(&self, tag: &str) -> Expr {
        self.resource.owned(Expr::sub(format!(
            "${{{}.RepositoryUri}}:{tag}",
            self.resource.id()
        )))
    }

    /// Lets `role` pull images, plus `ecr:GetAuthorizationToken` on `*` (it
    /// has no resource-level permission) in its own statement.
    pub fn grant_pull(&self, stack: &mut Stack, role: &RoleRef) {
        self.grant(stack, role, PULL_ACTIONS);
    }

    /// Lets `role` push images (and log in).
    pub fn grant_push(&self, stack: &mut Stack, role: &RoleRef) {
        self.grant(stack, role, PUSH_ACTIONS);
    }

    /// Lets `role` pull and push images (and log in).
    pub fn grant_pull_push(&self, stack: &mut Stack, role: &RoleRef) {
        let actions: Vec<&str> = PULL_ACTIONS.iter().chain(PUSH_ACTIONS).copied().collect();
        self.grant(stack, role, &actions);
    }

    /// Lets `role` read the metadata of this repository's images
    /// (`ecr:DescribeImages` on exactly its ARN): what a build needs to
    /// skip the push of a tag that is already there
    /// ([`crate::buildspec::steps::unless_image_exists`]).
    pub fn grant_describe_images(&self, stack: &mut Stack, role: &RoleRef) {
        stack.grant(
            role,
            Statement::allow(["ecr:DescribeImages"]).resource(self.arn()),
        );
    }

    /// Lets every identity of each of the 12-digit `accounts` whose own
    /// policies allow it pull images: a repository-policy statement with
    /// the accounts' principals and [`PULL_ACTIONS`]. Each account still
    /// grants its roles `ecr:GetAuthorizationToken` and the pull actions on
    /// this repository. An invalid account ID is reported at synth.
    pub fn allow_pull<S: AsRef<str>>(
        &self,
        stack: &mut Stack,
        accounts: impl IntoIterator<Item = S>,
    ) {
        let accounts: Vec<String> = accounts
            .into_iter()
            .map(|a| a.as_ref().to_owned())
            .collect();
        let path = stack.path(self.id());
        for a in &accounts {
            if !(a.len() == 12 && a.chars().all(|c| c.is_ascii_digit())) {
                stack.problem(
                    &path,
                    ProblemKind::Environment {
                        what: "account",
                        value: a.clone(),
                        expected: "an AWS account ID is 12 digits",
                    },
                );
            }
        }
        stack.grant_resource(
            &self.policy,
            Statement::allow(PULL_ACTIONS.iter().copied())
                .principal(Principal::accounts(&accounts)),
        );
    }

    /// Lets exactly `role`, a role of another account, push images: a
    /// repository-policy statement naming its account, narrowed to the role
    /// by `aws:PrincipalArn` ([`RoleArn::admit`]), with [`PUSH_ACTIONS`].
    /// The role's own account still grants it `ecr:GetAuthorizationToken`
    /// and the push actions on this repository.
    pub fn allow_push(&self, stack: &mut Stack, role: &RoleArn) {
        let path = stack.path(self.id());
        for problem in role.problems() {
            stack.problem(&path, problem);
        }
        stack.grant_resource(
            &self.policy,
            role.admit(Statement::allow(PUSH_ACTIONS.iter().copied())),
        );
    }

    fn grant(&self, stack: &mut Stack, role: &RoleRef, actions: &[&str]) {
        stack.grant(
            role,
            Statement::allow(actions.iter().copied()).resource(self.arn()),
        );
        stack.grant(
            role,
            Statement::allow(["ecr:GetAuthorizationToken"]).resource("*"),
        );
    }
}

impl Construct for Repository {
    type Ref = RepositoryRef;

    fn add_to(self, stack: &mut Stack) -> RepositoryRef {
        let path = stack.path(&self.id);
        if let Some(problem) = self
            .name
            .as_ref()
            .and_then(Expr::as_str)
            .and_then(name_problem)
        {
            stack.problem(&path, problem);
        }
        let mut repo = Resource::new("AWS::ECR::Repository").retain();
        repo.metadata = self.suppressions();
        if let Some(name) = &self.name {
            repo = repo.property("RepositoryName", name.clone());
        }
        repo = repo.property(
            "ImageScanningConfiguration",
            Expr::map([("ScanOnPush", Expr::Bool(true))]),
        );
        match &self.moving_tag {
            None => repo = repo.property("ImageTagMutability", "IMMUTABLE"),
            Some(tag) => {
                repo = repo
                    .property("ImageTagMutability", "IMMUTABLE_WITH_EXCLUSION")
                    .property(
                        "ImageTagMutabilityExclusionFilters",
                        Expr::list([Expr::map([
                            (
                                "ImageTagMutabilityExclusionFilterType",
                                Expr::from("WILDCARD"),
                            ),
                            (
                                "ImageTagMutabilityExclusionFilterValue",
                                Expr::from(tag.as_str()),
                            ),
                        ])]),
                    )
            }
        }
        repo = repo
            .property("EncryptionConfiguration", self.encryption())
            .property(
                "LifecyclePolicy",
                Expr::map([("LifecyclePolicyText", Expr::from(self.lifecycle_policy()))]),
            );
        let resource = stack.add_resource_at(path, &self.id, repo);
        if self.adopt {
            stack.adopt(&resource);
        }
        RepositoryRef {
            policy: ResourcePolicy::new(&resource, "RepositoryPolicyText"),
            resource,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_ecr_rules() {
        assert_eq!(name_problem("team/app-1.web_x"), None);
        assert_eq!(
            name_problem("MyApp").unwrap().to_string(),
            "ECR repository name `MyApp` has uppercase letters: ECR accepts only lowercase (try `myapp`)"
        );
        assert!(name_problem("a").is_some());
        assert!(name_problem("a--b").is_some());
        assert!(name_problem("/a").is_some());
    }
}

//! Amazon SNS: topics and their subscriptions, e.g. the notifications of a
//! pipeline's manual approval.
//!
//! A [`Topic`] is encrypted with a customer managed key ([`crate::kms::Key`]):
//! the AWS managed key for SNS cannot be used by a service that publishes
//! to the topic, since its policy cannot be changed. Its topic policy
//! (`AWS::SNS::TopicPolicy`, `<Topic>Policy`) is built from grants like
//! every other resource policy: it always denies publishing without TLS,
//! and [`TopicRef::allow_service_publish`] admits exactly one service
//! principal, for the topic's own account (`aws:SourceAccount`), in the
//! topic policy and in the key policy (SECURITY.md, SNS).
//!
//! Reference: [`AWS::SNS::Topic`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html),
//! [SSE for SNS](https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).

use crate::construct::{Construct, ResourcePolicy, ResourceRef, Stack};
use crate::iam::{Principal, RoleRef, Statement};
use crate::kms::KeyRef;
use crate::template::{Expr, Resource};

/// Actions a publisher needs on the topic's key: SNS encrypts each message
/// with a data key
/// (<https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse>).
pub const PUBLISH_KEY_ACTIONS: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey*"];

/// An SNS topic encrypted with a customer managed key.
///
/// Defaults: no name (CloudFormation generates one), no display name, no
/// subscriptions, and a topic policy that only denies publishing without
/// TLS until something is admitted.
#[derive(Clone, Debug)]
pub struct Topic {
    id: String,
    key: KeyRef,
    name: Option<Expr>,
    display_name: Option<String>,
    emails: Vec<String>,
}

impl Topic {
    /// A topic with logical ID `id` whose messages are encrypted with `key`
    /// (`KmsMasterKeyId`).
    pub fn new(id: impl Into<String>, key: &KeyRef) -> Self {
        Self {
            id: id.into(),
            key: key.clone(),
            name: None,
            display_name: None,
            emails: Vec::new(),
        }
    }

    /// Sets `TopicName`. Default: none, CloudFormation generates one.
    /// Renaming replaces the topic.
    pub fn name(mut self, name: impl Into<Expr>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `DisplayName`, the sender name of e-mail notifications.
    /// Default: none.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Subscribes the e-mail address `address` (`AWS::SNS::Subscription`,
    /// `<Topic>Subscription<n>` from 1). SNS mails a confirmation link
    /// first; nothing is delivered until it is followed. Default: no
    /// subscriptions.
    pub fn email(mut self, address: impl Into<String>) -> Self {
        self.emails.push(address.into());
        self
    }
}

/// A topic added to a stack.
#[derive(Clone, Debug)]
pub struct TopicRef {
    resource: ResourceRef,
    policy: ResourcePolicy,
    key: KeyRef,
}

impl TopicRef {
    /// The topic's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The topic ARN (`!Ref`).
    pub fn arn(&self) -> Expr {
        self.resource.reference()
    }

    /// The topic name (`!GetAtt Topic.TopicName`).
    pub fn name(&self) -> Expr {
        self.resource.get_att("TopicName")
    }

    /// The topic policy (`<Topic>Policy`), for [`Stack::grant_resource`].
    pub fn policy(&self) -> &ResourcePolicy {
        &self.policy
    }

    /// The key the topic encrypts with.
    pub fn key(&self) -> &KeyRef {
        &self.key
    }

    /// Lets the service principal `service` (e.g.
    /// `codepipeline.amazonaws.com`) publish to the topic on behalf of this
    /// stack's account only: `sns:Publish` in the topic policy and
    /// [`PUBLISH_KEY_ACTIONS`] in the key policy, each with `StringEquals`
    /// on `aws:SourceAccount`.
    pub fn allow_service_publish(&self, stack: &mut Stack, service: &str) {
        let own = || Expr::sub("${AWS::AccountId}");
        stack.grant_resource(
            &self.policy,
            Statement::allow(["sns:Publish"])
                .principal(Principal::service(service))
                .resource(self.arn())
                .condition("StringEquals", "aws:SourceAccount", own()),
        );
        stack.grant_resource(
            self.key.policy(),
            Statement::allow(PUBLISH_KEY_ACTIONS.iter().copied())
                .principal(Principal::service(service))
                .resource("*")
                .condition("StringEquals", "aws:SourceAccount", own()),
        );
    }

    /// Lets `role` publish to the topic: `sns:Publish` on the topic and
    /// [`PUBLISH_KEY_ACTIONS`] on its key, in the role's own policy.
    pub fn grant_publish(&self, stack: &mut Stack, role: &RoleRef) {
        stack.grant(role, Statement::allow(["sns:Publish"]).resource(self.arn()));
        stack.grant(
            role,
            Statement::allow(PUBLISH_KEY_ACTIONS.iter().copied()).resource(self.key.arn()),
        );
    }
}

impl Construct for Topic {
    type Ref = TopicRef;

    fn add_to(self, stack: &mut Stack) -> TopicRef {
        let path = stack.path(&self.id);
        let mut topic = Resource::new("AWS::SNS::Topic");
        if let Some(name) = &self.name {
            topic = topic.property("TopicName", name.clone());
        }
        if let Some(name) = &self.display_name {
            topic = topic.property("DisplayName", name.as_str());
        }
        topic = topic.property("KmsMasterKeyId", self.key.arn());
        let resource = stack.add_resource_at(path.clone(), &self.id, topic);
        let policy_id = format!("{}Policy", self.id);
        let holder = stack.add_resource_at(
            format!("{path}/Policy"),
            &policy_id,
            Resource::new("AWS::SNS::TopicPolicy")
                .property("Topics", Expr::list([resource.reference()])),
        );
        let topic = TopicRef {
            policy: ResourcePolicy::new(&holder, "PolicyDocument"),
            resource,
            key: self.key,
        };
        stack.grant_resource(
            &topic.policy,
            Statement::deny(["sns:Publish"])
                .sid("DenyInsecureTransport")
                .principal(Principal::Everyone)
                .resource(topic.arn())
                .condition("Bool", "aws:SecureTransport", false),
        );
        for (i, address) in self.emails.iter().enumerate() {
            let id = format!("{}Subscription{}", self.id, i + 1);
            stack.add_resource_at(
                format!("{path}/{id}"),
                id.clone(),
                Resource::new("AWS::SNS::Subscription")
                    .property("TopicArn", topic.arn())
                    .property("Protocol", "email")
                    .property("Endpoint", address.as_str()),
            );
        }
        topic
    }
}

//! The manual approval action: the pipeline stops until a person approves
//! or rejects, or the timeout passes (which rejects).
//!
//! Who may approve is part of the action, not an afterthought: every
//! approver group ([`crate::iam::Group`], in the pipeline's stack) may call
//! `codepipeline:PutApprovalResult` on exactly this action's ARN
//! (`<pipeline ARN>/<stage>/<action>`) and read the pipeline, and nothing
//! else in the template gets `PutApprovalResult` (SECURITY.md,
//! CodePipeline). A notification topic ([`crate::sns::Topic`]) is
//! optional; when given, the pipeline role may publish to it and its topic
//! and key policies admit CodePipeline for the stack's account only.
//!
//! Reference: [manual approvals](https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals.html),
//! [approval permissions](https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-iam-permissions.html).

use crate::codepipeline::{Action, ActionKind, ActionSite, ActionTypeId, Category, Owner};
use crate::construct::{Need, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{GroupRef, RoleRef, Statement};
use crate::sns::TopicRef;
use crate::template::Expr;

/// The service principal that publishes approval notifications.
pub const CODEPIPELINE_SERVICE: &str = "codepipeline.amazonaws.com";

/// The shortest timeout CodePipeline accepts for an approval, in minutes.
pub const MIN_TIMEOUT_MINUTES: u32 = 5;
/// The longest timeout CodePipeline accepts for an approval, in minutes
/// (60 days).
pub const MAX_TIMEOUT_MINUTES: u32 = 86_400;

/// CodePipeline's page on the permissions of approvers.
pub const APPROVERS_DOC: &str =
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-iam-permissions.html";
/// CodePipeline's page on publishing approval notifications.
pub const NOTIFICATIONS_DOC: &str = "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-service-role-permissions.html";

/// What an approver may do besides approving: read the pipeline, its
/// executions and its actions' executions, to see what they approve
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html>).
pub const APPROVER_READ_ACTIONS: &[&str] = &[
    "codepipeline:GetPipeline",
    "codepipeline:GetPipelineExecution",
    "codepipeline:GetPipelineState",
    "codepipeline:ListActionExecutions",
    "codepipeline:ListPipelineExecutions",
];

/// A manual approval.
///
/// Defaults: no notification topic, no message, no link, CodePipeline's
/// own timeout (7 days), and no approvers, which is a synth error: name at
/// least one group with [`ManualApproval::approvers`] or one role with
/// [`ManualApproval::approver_role`].
#[derive(Clone, Debug, Default)]
pub struct ManualApproval {
    topic: Option<TopicRef>,
    message: Option<Expr>,
    link: Option<Expr>,
    timeout: Option<u32>,
    approvers: Vec<GroupRef>,
    roles: Vec<RoleRef>,
}

impl ManualApproval {
    /// An approval with every default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notifies `topic` when the approval is waiting (`NotificationArn`).
    /// Default: no notification.
    pub fn topic(mut self, topic: &TopicRef) -> Self {
        self.topic = Some(topic.clone());
        self
    }

    /// Sets the message approvers read (`CustomData`, at most 500
    /// characters); it may use pipeline variables, e.g.
    /// `#{SourceVariables.CommitId}`. Default: none.
    pub fn message(mut self, text: impl Into<Expr>) -> Self {
        self.message = Some(text.into());
        self
    }

    /// Sets the link approvers follow to review (`ExternalEntityLink`), e.g.
    /// the commit or the staging site. Default: none.
    pub fn external_link(mut self, url: impl Into<Expr>) -> Self {
        self.link = Some(url.into());
        self
    }

    /// Rejects the approval after `minutes` without an answer
    /// (`TimeoutInMinutes`, [`MIN_TIMEOUT_MINUTES`] to
    /// [`MAX_TIMEOUT_MINUTES`]). Default: CodePipeline's 7 days.
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout = Some(minutes);
        self
    }

    /// Lets the members of `group`, a group of the pipeline's stack,
    /// approve or reject this action. Default: nobody, a synth error.
    pub fn approvers(mut self, group: &GroupRef) -> Self {
        self.approvers.push(group.clone());
        self
    }

    /// Lets whoever assumes `role`, a role of the pipeline's stack, approve
    /// or reject this action: the way to name approvers who sign in as
    /// roles (IAM Identity Center permission sets), whose own policies a
    /// stack cannot edit. Make the role assumable by exactly them
    /// ([`crate::iam::Role::assumed_by_arn_pattern`]). Default: no role.
    pub fn approver_role(mut self, role: &RoleRef) -> Self {
        self.roles.push(role.clone());
        self
    }
}

impl Action {
    /// A manual approval action.
    pub fn approval(name: impl Into<String>, approval: ManualApproval) -> Self {
        Self::new(name, approval)
    }
}

impl ActionKind for ManualApproval {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(Category::Approval, Owner::Aws, "Manual")
    }

    fn configuration(&self) -> Expr {
        let mut config = Vec::new();
        if let Some(topic) = &self.topic {
            config.push(("NotificationArn", topic.arn()));
        }
        if let Some(message) = &self.message {
            config.push(("CustomData", message.clone()));
        }
        if let Some(link) = &self.link {
            config.push(("ExternalEntityLink", link.clone()));
        }
        Expr::map(config)
    }

    fn problems(&self, action: &str) -> Vec<ProblemKind> {
        let mut out = Vec::new();
        if self.approvers.is_empty() && self.roles.is_empty() {
            out.push(ProblemKind::ApprovalWithoutApprovers {
                action: action.to_owned(),
            });
        }
        if let Some(minutes) = self.timeout
            && !(MIN_TIMEOUT_MINUTES..=MAX_TIMEOUT_MINUTES).contains(&minutes)
        {
            out.push(ProblemKind::ApprovalTimeout {
                action: action.to_owned(),
                minutes,
            });
        }
        out
    }

    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        if let Some(topic) = &self.topic {
            let need = Need::feature(
                format!("approval `{}` notifies topic `{}`", site.action, topic.id()),
                NOTIFICATIONS_DOC,
            );
            stack.for_need(need, |stack| {
                topic.grant_publish(stack, site.role);
                topic.allow_service_publish(stack, CODEPIPELINE_SERVICE);
            });
        }
        let pipeline = format!(
            "arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}",
            site.pipeline_id
        );
        let groups: Vec<String> = stack
            .resources
            .iter()
            .filter(|r| r.value.kind == "AWS::IAM::Group")
            .map(|r| r.id.clone())
            .collect();
        for group in &self.approvers {
            let known =
                group.resource().stack() == stack.name() && groups.iter().any(|g| g == group.id());
            if !known {
                stack.problem(
                    site.path,
                    ProblemKind::UnknownApprover {
                        action: site.action.to_owned(),
                        group: group.id().to_owned(),
                        stack: stack.name().to_owned(),
                        groups: groups.clone(),
                    },
                );
                continue;
            }
            grant_approval(stack, group, &pipeline, site);
        }
        for role in &self.roles {
            if role.resource().stack() != stack.name() {
                stack.problem(
                    site.path,
                    ProblemKind::UnknownApprover {
                        action: site.action.to_owned(),
                        group: role.id().to_owned(),
                        stack: stack.name().to_owned(),
                        groups: groups.clone(),
                    },
                );
                continue;
            }
            grant_approval(stack, role, &pipeline, site);
        }
    }

    fn timeout_in_minutes(&self) -> Option<u32> {
        self.timeout
    }
}

/// Lets `approver` approve the action of `site` and read its `pipeline`
/// (shell of the pipeline's ARN for `Fn::Sub`).
fn grant_approval(
    stack: &mut Stack,
    approver: &impl AsRef<ResourceRef>,
    pipeline: &str,
    site: &ActionSite<'_>,
) {
    let need = Need::feature(
        format!("`{}` approves `{}`", approver.as_ref().id(), site.action),
        APPROVERS_DOC,
    );
    stack.for_need(need, |stack| {
        stack.grant(
            approver,
            Statement::allow(["codepipeline:PutApprovalResult"]).resource(Expr::sub(format!(
                "{pipeline}/{}/{}",
                site.stage, site.action
            ))),
        );
        stack.grant(
            approver,
            Statement::allow(APPROVER_READ_ACTIONS.iter().copied())
                .resource(Expr::sub(pipeline.to_owned())),
        );
    });
}

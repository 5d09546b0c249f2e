//! The CloudFormation deploy action: create or update a stack from a
//! template in an input artifact, directly (`CREATE_UPDATE`) or through a
//! reviewed change set (`CHANGE_SET_REPLACE`, then `CHANGE_SET_EXECUTE`).
//!
//! CloudFormation performs the deployment with its execution role (the
//! configuration's `RoleArn`); whoever performs the action only needs the
//! stack actions of its mode on exactly that stack, and `iam:PassRole` on
//! exactly the execution role, for CloudFormation only. In another account,
//! both roles are literal ARNs ([`RoleArn`](crate::iam::RoleArn)) and the action runs with a
//! role of that account ([`Action::cross_account_role`]), whose policy
//! holds the statements of [`CloudFormationDeploy::statements`].
//!
//! Reference: [CloudFormation deploy action](https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CloudFormation.html),
//! [actions of CloudFormation](https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html).

use crate::codepipeline::{
    Action, ActionKind, ActionSite, ActionTypeId, Artifact, ArtifactPath, Category, Owner,
};
use crate::construct::Stack;
use crate::error::ProblemKind;
use crate::facts::{self, Capability};
use crate::iam::Statement;
use crate::template::{Expr, Template};

/// The CloudFormation deploy action's reference, with its role's permissions.
pub const DEPLOY_DOC: &str = "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CloudFormation.html";

/// Stack actions a `CREATE_UPDATE` action needs on its stack ([`DEPLOY_DOC`]).
pub const CREATE_UPDATE_ACTIONS: &[&str] = &[
    "cloudformation:CreateStack",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:UpdateStack",
];
/// Stack actions a `CHANGE_SET_REPLACE` action needs on its stack ([`DEPLOY_DOC`]).
pub const CHANGE_SET_REPLACE_ACTIONS: &[&str] = &[
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStacks",
];
/// Stack actions a `CHANGE_SET_EXECUTE` action needs on its stack ([`DEPLOY_DOC`]).
pub const CHANGE_SET_EXECUTE_ACTIONS: &[&str] = &[
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet",
];

/// `ActionMode`: how the action changes the stack.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeployMode {
    /// `CREATE_UPDATE`: create the stack, or update it in place.
    CreateUpdate,
    /// `CHANGE_SET_REPLACE`: create (or replace) the change set `name`
    /// for a later review and `CHANGE_SET_EXECUTE`.
    ChangeSetReplace {
        /// `ChangeSetName`.
        name: String,
    },
    /// `CHANGE_SET_EXECUTE`: execute the change set `name`.
    ChangeSetExecute {
        /// `ChangeSetName`.
        name: String,
    },
}

impl DeployMode {
    /// The name CodePipeline uses, e.g. `CREATE_UPDATE`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DeployMode::CreateUpdate => "CREATE_UPDATE",
            DeployMode::ChangeSetReplace { .. } => "CHANGE_SET_REPLACE",
            DeployMode::ChangeSetExecute { .. } => "CHANGE_SET_EXECUTE",
        }
    }

    /// The stack actions the mode needs.
    pub fn actions(&self) -> &'static [&'static str] {
        match self {
            DeployMode::CreateUpdate => CREATE_UPDATE_ACTIONS,
            DeployMode::ChangeSetReplace { .. } => CHANGE_SET_REPLACE_ACTIONS,
            DeployMode::ChangeSetExecute { .. } => CHANGE_SET_EXECUTE_ACTIONS,
        }
    }

    fn change_set(&self) -> Option<&str> {
        match self {
            DeployMode::CreateUpdate => None,
            DeployMode::ChangeSetReplace { name } | DeployMode::ChangeSetExecute { name } => {
                Some(name)
            }
        }
    }
}

/// A CloudFormation deploy action (provider `CloudFormation`, category
/// Deploy).
///
/// Defaults: no `TemplateConfiguration` (parameters from the template's
/// defaults), no `Capabilities`, and the pipeline's role performs the
/// action. The action reads its template (and template configuration)
/// artifacts: [`Action::cloudformation`] makes them its inputs.
#[derive(Clone, Debug)]
pub struct CloudFormationDeploy {
    mode: DeployMode,
    stack_name: String,
    template: Option<ArtifactPath>,
    configuration: Option<ArtifactPath>,
    capabilities: Vec<Capability>,
    execution_role: Option<Expr>,
}

impl CloudFormationDeploy {
    /// Creates or updates stack `stack_name` from `template`, deployed by
    /// CloudFormation with `execution_role` (a [`RoleArn`](crate::iam::RoleArn) in another
    /// account, or a role of this stack's ARN).
    pub fn create_update(
        stack_name: impl Into<String>,
        template: ArtifactPath,
        execution_role: impl Into<Expr>,
    ) -> Self {
        Self::new(
            DeployMode::CreateUpdate,
            stack_name,
            Some(template),
            Some(execution_role.into()),
        )
    }

    /// Creates (or replaces) the change set `change_set` of stack
    /// `stack_name` from `template`, to be deployed by CloudFormation with
    /// `execution_role`; a later [`CloudFormationDeploy::execute_change_set`]
    /// action (usually after a manual approval) executes it.
    pub fn replace_change_set(
        stack_name: impl Into<String>,
        change_set: impl Into<String>,
        template: ArtifactPath,
        execution_role: impl Into<Expr>,
    ) -> Self {
        Self::new(
            DeployMode::ChangeSetReplace {
                name: change_set.into(),
            },
            stack_name,
            Some(template),
            Some(execution_role.into()),
        )
    }

    /// Executes the change set `change_set` of stack `stack_name`, with the
    /// execution role it was created with.
    pub fn execute_change_set(
        stack_name: impl Into<String>,
        change_set: impl Into<String>,
    ) -> Self {
        Self::new(
            DeployMode::ChangeSetExecute {
                name: change_set.into(),
            },
            stack_name,
            None,
            None,
        )
    }

    fn new(
        mode: DeployMode,
        stack_name: impl Into<String>,
        template: Option<ArtifactPath>,
        execution_role: Option<Expr>,
    ) -> Self {
        Self {
            mode,
            stack_name: stack_name.into(),
            template,
            configuration: None,
            capabilities: Vec::new(),
            execution_role,
        }
    }

    /// Sets `TemplateConfiguration`: a file of the CodePipeline form
    /// `{"Parameters": {..}, "Tags": {..}}`, which `pipewright deploy`
    /// reads as well (see [`crate::parameters`]). Default: none. Ignored by
    /// `CHANGE_SET_EXECUTE`.
    pub fn template_configuration(mut self, file: ArtifactPath) -> Self {
        self.configuration = Some(file);
        self
    }

    /// Sets `Capabilities`. Default: none, which is enough for a template
    /// without IAM resources.
    pub fn capabilities(mut self, capabilities: impl IntoIterator<Item = Capability>) -> Self {
        self.capabilities = capabilities.into_iter().collect();
        self.capabilities.sort();
        self.capabilities.dedup();
        self
    }

    /// Sets `Capabilities` to what `template`, the template the action
    /// deploys, needs (see [`facts::capabilities`]), e.g. from
    /// `App::synth` of the deployed stack.
    pub fn capabilities_for(self, template: &Template) -> Self {
        self.capabilities(facts::capabilities(template))
    }

    /// The mode.
    pub fn mode(&self) -> &DeployMode {
        &self.mode
    }

    /// The ARN of the deployed stack in `account` (a literal account of a
    /// cross-account action), or in the pipeline's account with `None`.
    pub fn stack_arn(&self, account: Option<&str>) -> Expr {
        let account = account.unwrap_or("${AWS::AccountId}");
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:{account}:stack/{}/*",
            self.stack_name
        ))
    }

    /// What the role performing the action needs, for the stack in
    /// `account` (`None`: the pipeline's account): the mode's stack actions
    /// on exactly that stack (a change-set mode only for its change set),
    /// and `iam:PassRole` on exactly the execution role, to CloudFormation
    /// only. The pipeline grants them to its own role or the action's role
    /// of this stack; a cross-account action's role gets them in its own
    /// account's stack.
    pub fn statements(&self, account: Option<&str>) -> Vec<Statement> {
        let mut stack =
            Statement::allow(self.mode.actions().iter().copied()).resource(self.stack_arn(account));
        if let Some(name) = self.mode.change_set() {
            stack = stack.condition("StringEquals", "cloudformation:ChangeSetName", name);
        }
        let mut out = vec![stack];
        if let (Some(role), false) = (&self.execution_role, self.executes_change_set()) {
            out.push(
                Statement::allow(["iam:PassRole"])
                    .resource(role.clone())
                    .condition(
                        "StringEquals",
                        "iam:PassedToService",
                        "cloudformation.amazonaws.com",
                    ),
            );
        }
        out
    }

    fn executes_change_set(&self) -> bool {
        matches!(self.mode, DeployMode::ChangeSetExecute { .. })
    }

    /// The artifacts the action reads, in order and without repeats.
    fn inputs(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if self.executes_change_set() {
            return out;
        }
        for a in [&self.template, &self.configuration].into_iter().flatten() {
            if !out.contains(&a.artifact()) {
                out.push(a.artifact());
            }
        }
        out
    }
}

impl Action {
    /// A CloudFormation deploy action; its template and template
    /// configuration artifacts become its inputs.
    pub fn cloudformation(name: impl Into<String>, deploy: CloudFormationDeploy) -> Self {
        let inputs: Vec<Artifact> = deploy.inputs().into_iter().map(Artifact::new).collect();
        inputs
            .iter()
            .fold(Self::new(name, deploy), |action, input| action.input(input))
    }
}

impl ActionKind for CloudFormationDeploy {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(Category::Deploy, Owner::Aws, "CloudFormation")
    }

    fn configuration(&self) -> Expr {
        let mut config = vec![
            ("ActionMode", Expr::from(self.mode.as_str())),
            ("StackName", Expr::from(self.stack_name.as_str())),
        ];
        if let Some(name) = self.mode.change_set() {
            config.push(("ChangeSetName", Expr::from(name)));
        }
        if !self.executes_change_set() {
            if let Some(t) = &self.template {
                config.push(("TemplatePath", Expr::from(t.to_config())));
            }
            if let Some(c) = &self.configuration {
                config.push(("TemplateConfiguration", Expr::from(c.to_config())));
            }
            if !self.capabilities.is_empty() {
                let names: Vec<&str> = self.capabilities.iter().map(|c| c.as_str()).collect();
                config.push(("Capabilities", Expr::from(names.join(","))));
            }
            if let Some(role) = &self.execution_role {
                config.push(("RoleArn", role.clone()));
            }
        }
        Expr::map(config)
    }

    fn problems(&self, action: &str) -> Vec<ProblemKind> {
        let name = &self.stack_name;
        let valid = name.len() <= 128
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let mut out = Vec::new();
        if !valid {
            out.push(ProblemKind::InvalidName {
                what: "stack name",
                name: name.clone(),
                reason: format!(
                    "of action `{action}` is invalid: start with a letter, then use letters, digits and hyphens, at most 128 characters"
                ),
            });
        }
        if let Some(change_set) = self.mode.change_set() {
            let valid = change_set.len() <= 128
                && change_set.starts_with(|c: char| c.is_ascii_alphabetic())
                && change_set
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !valid {
                out.push(ProblemKind::InvalidName {
                    what: "change set name",
                    name: change_set.to_owned(),
                    reason: format!(
                        "of action `{action}` is invalid: start with a letter, then use letters, digits and hyphens, at most 128 characters"
                    ),
                });
            }
        }
        out
    }

    fn needs_doc(&self) -> &'static str {
        DEPLOY_DOC
    }

    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        for statement in self.statements(None) {
            stack.grant(site.role, statement);
        }
    }
}

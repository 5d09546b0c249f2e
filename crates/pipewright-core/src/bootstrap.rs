//! The bootstrap stack: what an account needs before pipewright can deploy
//! into it from another account, like `cdk bootstrap`, but a stack of the
//! team's own app, reviewed in `stacks/` like every other, and without a
//! `*` grant unless the team asks for one in writing.
//!
//! It holds two roles:
//! - the **deploy role** ([`DEFAULT_DEPLOY_ROLE`]), which `pipewright
//!   deploy` assumes from the operations account. It may use CloudFormation
//!   on the stacks the team names and nothing else, and may pass exactly one
//!   role to CloudFormation: the execution role. It cannot create a
//!   resource itself.
//! - the **execution role** ([`DEFAULT_EXECUTION_ROLE`]), which
//!   CloudFormation acts as (the change set's `RoleARN`). Its permissions
//!   are derived at synth from the stacks it manages ([`execution`]):
//!   exactly what CloudFormation needs to create, update, tag and delete
//!   each of their resources, so a workload stack that gains a resource
//!   type changes its bootstrap in the same synth. A team may add
//!   statements by hand ([`Bootstrap::execution_grant`]); administrator
//!   access only when asked for with [`Bootstrap::administrator_access`]
//!   and a reason, which lands in the role's Metadata.
//!
//! A bootstrap names the stacks it manages in its template's Metadata
//! ([`METADATA_KEY`]), so that `deploy` of a managed stack can find it and
//! refuse while the deployed bootstrap differs from the synthesized one
//! ([`crate::app::is_current`]): the new resource type would fail
//! mid-deploy otherwise.
//!
//! - the **read role** ([`DEFAULT_READ_ROLE`]), when
//!   [`Bootstrap::read_role`] names who may assume it (the operations
//!   account's scheduled drift check, issue #24): CloudFormation's
//!   Describe, Get and List calls and drift detection ([`READ_ACTIONS`])
//!   on the managed stacks and the bootstrap stack, and nothing else. It
//!   can change nothing; `deploy` never uses it.
//!
//! and the **template bucket** ([`template_bucket_name`]): where `deploy`
//! stages a template over the 51,200 bytes CloudFormation takes inline, to
//! pass it as `TemplateURL` (issue #22). It is the hardened [`Bucket`]
//! (encrypted, versioned, public access blocked, TLS only) whose objects
//! expire after [`TEMPLATE_EXPIRE_AFTER_DAYS`]: a staged template is read
//! once, when its change set is made. The deploy role may read and write it.
//!
//! The bootstrap stack itself is deployed with the account's own
//! credentials (a profile mapped with `--account-profile`), never through
//! the role it creates ([`Stack::own_credentials`]).

use crate::construct::execution::{self, METADATA_KEY};
use crate::construct::{DEFAULT_DEPLOY_ROLE, DEFAULT_EXECUTION_ROLE, Need, Stack};
use crate::error::ProblemKind;
use crate::iam::{Principal, Role, RoleArn, RoleRef, Statement};
use crate::s3::Bucket;
use crate::template::{Expr, Output};

/// The administration role StackSets uses in the administrator account
/// with self-managed permissions (the name CloudFormation looks for when a
/// stack set names none).
pub const STACK_SET_ADMINISTRATION_ROLE: &str = "AWSCloudFormationStackSetAdministrationRole";
/// The execution role StackSets assumes in each target account with
/// self-managed permissions (the name CloudFormation looks for when a stack
/// set names none).
pub const STACK_SET_EXECUTION_ROLE: &str = "AWSCloudFormationStackSetExecutionRole";
/// Granting self-managed permissions for StackSets.
pub const STACK_SET_ROLES_DOC: &str = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-prereqs-self-managed.html";
/// What StackSets does with an instance's stack through the execution
/// role ([`STACK_SET_ROLES_DOC`]).
pub const STACK_SET_INSTANCE_ACTIONS: &[&str] = &[
    "cloudformation:CreateStack",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:UpdateStack",
];

/// Days after which a staged template (and a replaced version of one)
/// expires from the template bucket: it is read once, when its change set
/// is made.
pub const TEMPLATE_EXPIRE_AFTER_DAYS: u32 = 30;

/// The template bucket of `account` in `region`, as the bootstrap stack
/// names it: `pipewright-templates-ACCOUNT-REGION` (bucket names are
/// global; the account and region make it one per bootstrap).
pub fn template_bucket_name(account: &str, region: &str) -> String {
    format!("pipewright-templates-{account}-{region}")
}

/// CloudFormation's actions in the service authorization reference: what
/// the deploy role's statements are for.
pub const DEPLOY_DOC: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html";
/// `TemplateURL` of CreateChangeSet: a template over the inline limit is
/// read from S3.
pub const TEMPLATE_URL_DOC: &str =
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html";

/// What the deploy role may do on the stacks it manages: the calls
/// `pipewright deploy`, `destroy`, `diff`, `drift` and `status` make
/// ([`DEPLOY_DOC`]).
pub const DEPLOY_ACTIONS: &[&str] = &[
    "cloudformation:DeleteChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResourceDrifts",
    "cloudformation:DescribeStacks",
    "cloudformation:DetectStackDrift",
    "cloudformation:DetectStackResourceDrift",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:GetTemplate",
    "cloudformation:ListChangeSets",
    "cloudformation:ListStackResources",
    "cloudformation:UpdateTerminationProtection",
];

/// The calls that act as a role: allowed only with the execution role as
/// `RoleARN` (condition `cloudformation:RoleArn`), so the deploy role can
/// never have CloudFormation act with the deploy role's own permissions
/// ([`DEPLOY_DOC`]).
pub const ROLE_ACTIONS: &[&str] = &[
    "cloudformation:CreateChangeSet",
    "cloudformation:DeleteStack",
];

/// What the deploy role may do on the bootstrap stack itself: read it, so
/// that `deploy --all`, `diff` and `drift` from the operations account can
/// find it unchanged or drifted. Changing it takes the account's own
/// credentials ([`DEPLOY_DOC`]).
pub const READ_ACTIONS: &[&str] = &[
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResourceDrifts",
    "cloudformation:DescribeStacks",
    "cloudformation:DetectStackDrift",
    "cloudformation:DetectStackResourceDrift",
    "cloudformation:GetTemplate",
    "cloudformation:ListChangeSets",
    "cloudformation:ListStackResources",
];

/// The read role's name: fixed, like the deploy role's, so that a drift
/// check in the operations account can name it in every workload account
/// without reading their stacks.
pub const DEFAULT_READ_ROLE: &str = "pipewright-read";

/// Who may assume the deploy role.
#[derive(Clone, Debug)]
pub enum Trust {
    /// One named role of the operations account (e.g. the CI role), trusted
    /// as [`Role::assumed_by_role`] does: the account, with the condition
    /// `ArnEquals aws:PrincipalArn` on the role's ARN.
    Role(RoleArn),
    /// Identities of the operations account that match a condition, e.g.
    /// `ArnLike aws:PrincipalArn arn:aws:iam::111111111111:role/deployers/*`
    /// or `StringEquals aws:PrincipalTag/pipewright-deployer true`.
    Account {
        /// The operations account.
        account: String,
        /// The condition operator, e.g. `ArnLike`.
        operator: String,
        /// The condition key, e.g. `aws:PrincipalArn`.
        key: String,
        /// The value.
        value: String,
    },
}

/// The bootstrap stack of one target account.
///
/// Defaults: role names [`DEFAULT_DEPLOY_ROLE`] and
/// [`DEFAULT_EXECUTION_ROLE`] (what `deploy` assumes and passes unless a
/// stack names others); the managed stacks in the bootstrap stack's own
/// region; an execution role with no permissions, which is a synth error
/// until the team grants some.
#[derive(Clone, Debug)]
pub struct Bootstrap {
    stack: String,
    account: String,
    region: Option<String>,
    trust: Trust,
    managed: Vec<String>,
    regions: Vec<String>,
    execution: Vec<Statement>,
    administrator: Option<String>,
    readers: Vec<RoleArn>,
    stack_set_execution: Option<(String, Vec<String>)>,
    stack_set_targets: Vec<String>,
}

impl Bootstrap {
    /// The bootstrap stack named `stack` for `account`, whose deploy role
    /// `trust` may assume.
    pub fn new(stack: impl Into<String>, account: impl Into<String>, trust: Trust) -> Self {
        Self {
            stack: stack.into(),
            account: account.into(),
            region: None,
            trust,
            managed: Vec::new(),
            regions: Vec::new(),
            execution: Vec::new(),
            administrator: None,
            readers: Vec::new(),
            stack_set_execution: None,
            stack_set_targets: Vec::new(),
        }
    }

    /// Adds the StackSets execution role [`STACK_SET_EXECUTION_ROLE`] to
    /// this (target) account: exactly the administration role
    /// [`STACK_SET_ADMINISTRATION_ROLE`] of `administrator` may assume it,
    /// and its policy is derived at synth from the templates of
    /// `stack_sets` (self-managed stack sets of the app), in each of their
    /// regions, like the execution role's, plus what StackSets does with
    /// the instance stacks ([`STACK_SET_INSTANCE_ACTIONS`] on
    /// `StackSet-<name>-*`). Default: no such role.
    pub fn stack_set_execution<S: Into<String>>(
        mut self,
        administrator: impl Into<String>,
        stack_sets: impl IntoIterator<Item = S>,
    ) -> Self {
        self.stack_set_execution = Some((
            administrator.into(),
            stack_sets.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Adds the StackSets administration role
    /// [`STACK_SET_ADMINISTRATION_ROLE`] to this (administrator) account:
    /// CloudFormation may assume it, and it may assume exactly the
    /// execution role [`STACK_SET_EXECUTION_ROLE`] of each of `accounts`.
    /// Default: no such role.
    pub fn stack_set_administration<S: Into<String>>(
        mut self,
        accounts: impl IntoIterator<Item = S>,
    ) -> Self {
        self.stack_set_targets
            .extend(accounts.into_iter().map(Into::into));
        self
    }

    /// Adds the read role [`DEFAULT_READ_ROLE`], which exactly `reader` (a
    /// role of the operations account, e.g. the scheduled drift check's)
    /// may assume: CloudFormation read and drift detection
    /// ([`READ_ACTIONS`]) on the managed stacks and this bootstrap stack.
    /// Call it again to admit another role of the same account (`ArnEquals`
    /// `aws:PrincipalArn` on every one). Default: no read role.
    pub fn read_role(mut self, reader: RoleArn) -> Self {
        self.readers.push(reader);
        self
    }

    /// Pins the bootstrap stack to a region. Default: the caller's.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The stacks the deploy role may create, change and delete. At least
    /// one is needed; the bootstrap stack itself is refused (the deploy
    /// role could otherwise widen its own permissions).
    pub fn manages<S: Into<String>>(mut self, stacks: impl IntoIterator<Item = S>) -> Self {
        self.managed.extend(stacks.into_iter().map(Into::into));
        self
    }

    /// The regions the managed stacks live in. Default: the bootstrap
    /// stack's own region (`${AWS::Region}`). The roles are global, so one
    /// bootstrap stack serves every region of its account.
    pub fn regions<S: Into<String>>(mut self, regions: impl IntoIterator<Item = S>) -> Self {
        self.regions.extend(regions.into_iter().map(Into::into));
        self
    }

    /// Grants the execution role `statement` beside what synth derives
    /// from the managed stacks: for what the registry does not know (a
    /// resource type without handler facts, which is otherwise a synth
    /// error) or a stack outside this app. Checked like every grant: no
    /// wildcard action, no `*` resource where a narrower one exists.
    pub fn execution_grant(mut self, statement: Statement) -> Self {
        self.execution.push(statement);
        self
    }

    /// Gives the execution role the AWS managed `AdministratorAccess`
    /// policy, with `reason` recorded in the role's Metadata
    /// (`pipewright:administrator-access`) so a reviewer sees why. Default:
    /// off. Prefer [`Bootstrap::execution_grant`].
    pub fn administrator_access(mut self, reason: impl Into<String>) -> Self {
        self.administrator = Some(reason.into());
        self
    }

    /// The stack.
    pub fn stack(self) -> Stack {
        let mut stack = Stack::new(&self.stack)
            .description(format!(
                "pipewright bootstrap of account {}: the deploy role pipewright assumes and the role CloudFormation acts as (managed by pipewright)",
                self.account
            ))
            .account(&self.account)
            .own_credentials()
            .tag("managed-by", "pipewright");
        if let Some(region) = &self.region {
            stack = stack.region(region);
        }
        let path = stack.path("DeployRole");
        if self.managed.is_empty() {
            stack.problem(&path, ProblemKind::ManagesNothing);
        }
        if self.managed.contains(&self.stack) {
            stack.problem(
                &path,
                ProblemKind::ManagesItself {
                    stack: self.stack.clone(),
                },
            );
        }
        stack.add_metadata(
            METADATA_KEY,
            Expr::map([(
                "manages",
                Expr::list(self.managed.iter().map(|n| Expr::from(n.as_str()))),
            )]),
        );

        let execution = stack.add(
            Role::new("ExecutionRole", "cloudformation.amazonaws.com")
                .name(DEFAULT_EXECUTION_ROLE)
                .description(
                    "CloudFormation acts as this role for the stacks pipewright deploys here",
                ),
        );
        let deploy_role = match &self.trust {
            Trust::Role(role) => {
                for problem in role.problems() {
                    stack.problem(&path, problem);
                }
                Role::assumed_by_role("DeployRole", role)
            }
            Trust::Account {
                account,
                operator,
                key,
                value,
            } => Role::assumed_by("DeployRole", Principal::account(account)).trust_condition(
                operator,
                key,
                value.as_str(),
            ),
        };
        let deploy = stack.add(
            deploy_role
                .name(DEFAULT_DEPLOY_ROLE)
                .description("pipewright assumes this role to deploy the stacks it manages here"),
        );

        stack.for_need(
            Need::feature(
                "pipewright deploys the managed stacks through change sets run by the execution role",
                DEPLOY_DOC,
            ),
            |stack| self.grant_deploy(stack, &deploy, &execution),
        );
        let bucket = stack.add(
            Bucket::new("TemplateBucket")
                .name(Expr::sub(template_bucket_name(
                    "${AWS::AccountId}",
                    "${AWS::Region}",
                )))
                .expire_after_days(Some(TEMPLATE_EXPIRE_AFTER_DAYS))
                .noncurrent_after_days(1),
        );
        stack.for_need(
            Need::feature(
                "pipewright stages templates over 51,200 bytes in the template bucket",
                TEMPLATE_URL_DOC,
            ),
            |stack| bucket.grant_read_write(stack, &deploy),
        );
        if self.administrator.is_none() {
            stack.derived_execution.push(execution::Derived {
                path: stack.path("ExecutionRole"),
                role: execution.resource().clone(),
                stacks: self.managed.clone(),
                by_hand: !self.execution.is_empty(),
            });
        }
        for statement in self.execution.clone() {
            stack.grant(&execution, statement);
        }
        if let Some(reason) = self.administrator.clone()
            && let Some(role) = stack.resource_mut(execution.resource())
        {
            role.properties.insert(
                "ManagedPolicyArns".into(),
                Expr::list([Expr::sub(
                    "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess",
                )]),
            );
            role.metadata
                .insert("pipewright:administrator-access".into(), Expr::from(reason));
        }

        self.add_stack_set_roles(&mut stack);
        if !self.readers.is_empty() {
            let read = self.add_read_role(&mut stack, &path);
            stack.add_output(
                "ReadRoleArn",
                Output::new(read.arn())
                    .description("The role a drift check of the operations account assumes"),
            );
        }
        stack.add_output(
            "DeployRoleArn",
            Output::new(deploy.arn()).description("The role pipewright deploy assumes"),
        );
        stack.add_output(
            "ExecutionRoleArn",
            Output::new(execution.arn()).description("The role CloudFormation acts as"),
        );
        stack.add_output(
            "TemplateBucketName",
            Output::new(bucket.name())
                .description("Where pipewright deploy stages templates over 51,200 bytes"),
        );
        stack
    }

    /// The StackSets roles asked for: the execution role of a target
    /// account (derived from its stack sets) and the administration role
    /// of the administrator account.
    fn add_stack_set_roles(&self, stack: &mut Stack) {
        if let Some((administrator, sets)) = &self.stack_set_execution {
            let admin = RoleArn::new(administrator, STACK_SET_ADMINISTRATION_ROLE);
            let role = stack.add(
                Role::assumed_by_role("StackSetExecutionRole", &admin)
                    .name(STACK_SET_EXECUTION_ROLE)
                    .description(
                        "CloudFormation StackSets acts as this role for the stack set instances of this account",
                    ),
            );
            let mut instances = Statement::allow(STACK_SET_INSTANCE_ACTIONS.iter().copied());
            for name in sets {
                instances = instances.resource(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:cloudformation:*:${{AWS::AccountId}}:stack/StackSet-{name}-*"
                )));
            }
            stack.for_need(
                Need::feature(
                    "StackSets creates, updates and deletes the instance stacks",
                    STACK_SET_ROLES_DOC,
                ),
                |stack| stack.grant(&role, instances),
            );
            stack.derived_execution.push(execution::Derived {
                path: stack.path("StackSetExecutionRole"),
                role: role.resource().clone(),
                stacks: sets.clone(),
                by_hand: false,
            });
            stack.add_output(
                "StackSetExecutionRoleArn",
                Output::new(role.arn()).description("The role StackSets acts as in this account"),
            );
        }
        if !self.stack_set_targets.is_empty() {
            let role = stack.add(
                Role::new("StackSetAdministrationRole", "cloudformation.amazonaws.com")
                    .name(STACK_SET_ADMINISTRATION_ROLE)
                    .description(
                        "CloudFormation StackSets assumes this role to reach the target accounts' execution roles",
                    ),
            );
            let mut assume = Statement::allow(["sts:AssumeRole"]);
            for account in &self.stack_set_targets {
                assume = assume.resource(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:iam::{account}:role/{STACK_SET_EXECUTION_ROLE}"
                )));
            }
            stack.for_need(
                Need::feature(
                    "StackSets reaches each target account through its execution role",
                    STACK_SET_ROLES_DOC,
                ),
                |stack| stack.grant(&role, assume),
            );
            stack.add_output(
                "StackSetAdministrationRoleArn",
                Output::new(role.arn()).description("The role StackSets assumes in this account"),
            );
        }
    }

    /// The read role, trusting exactly the readers, with [`READ_ACTIONS`]
    /// on the managed stacks and this one.
    fn add_read_role(&self, stack: &mut Stack, path: &str) -> RoleRef {
        let account = self.readers[0].account();
        for reader in &self.readers {
            for problem in reader.problems() {
                stack.problem(path, problem);
            }
            if reader.account() != account {
                stack.problem(
                    path,
                    ProblemKind::ReadersInSeveralAccounts {
                        reader: reader.name().to_owned(),
                        account: reader.account().to_owned(),
                        first: self.readers[0].name().to_owned(),
                        first_account: account.to_owned(),
                    },
                );
            }
        }
        let arns = Expr::list(self.readers.iter().map(RoleArn::arn));
        let read = stack.add(
            Role::assumed_by("ReadRole", Principal::account(account))
                .trust_condition("ArnEquals", "aws:PrincipalArn", arns)
                .name(DEFAULT_READ_ROLE)
                .description("A drift check of the operations account reads the stacks pipewright manages here"),
        );
        let regions = self.region_list();
        let mut statement = Statement::allow(READ_ACTIONS.iter().copied());
        for region in &regions {
            for name in self.managed.iter().chain([&self.stack]) {
                statement = statement.resource(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:stack/{name}/*"
                )));
            }
        }
        stack.for_need(
            Need::feature(
                "a drift check reads the managed stacks and detects their drift",
                DEPLOY_DOC,
            ),
            |stack| {
                stack.grant(&read, statement);
                stack.grant(
                    &read,
                    Statement::allow(["cloudformation:DescribeStackDriftDetectionStatus"])
                        .resource("*"),
                );
            },
        );
        // Drift detection reads each resource with the caller's
        // credentials: synth derives those reads from the managed stacks.
        stack.derived_reads.push(execution::Derived {
            path: path.to_owned(),
            role: read.resource().clone(),
            stacks: self.managed.clone(),
            by_hand: false,
        });
        read
    }

    /// The regions of the managed stacks: those named, else the bootstrap
    /// stack's own.
    fn region_list(&self) -> Vec<&str> {
        if self.regions.is_empty() {
            vec!["${AWS::Region}"]
        } else {
            self.regions.iter().map(String::as_str).collect()
        }
    }

    fn grant_deploy(&self, stack: &mut Stack, deploy: &RoleRef, execution: &RoleRef) {
        if self.managed.is_empty() {
            // A problem already; statements on no stack would only repeat it.
            return;
        }
        let regions = self.region_list();
        let mut stacks = Vec::new();
        let mut change_sets = Vec::new();
        for region in &regions {
            for name in &self.managed {
                stacks.push(Expr::sub(format!(
                    "arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:stack/{name}/*"
                )));
            }
            change_sets.push(Expr::sub(format!(
                "arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:changeSet/pipewright-*/*"
            )));
        }
        let on = |mut s: Statement, resources: &[Expr]| {
            for r in resources {
                s = s.resource(r.clone());
            }
            s
        };
        let all: Vec<Expr> = stacks.iter().chain(&change_sets).cloned().collect();
        stack.grant(
            deploy,
            on(Statement::allow(DEPLOY_ACTIONS.iter().copied()), &all),
        );
        stack.grant(
            deploy,
            // `cloudformation:RoleArn` is an ARN key: `ArnEquals`, which
            // IAM documents for ARN keys (issue #19).
            on(Statement::allow(ROLE_ACTIONS.iter().copied()), &all).condition(
                "ArnEquals",
                "cloudformation:RoleArn",
                execution.arn(),
            ),
        );
        let own: Vec<Expr> = regions
            .iter()
            .map(|region| {
                Expr::sub(format!(
                    "arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:stack/{}/*",
                    self.stack
                ))
            })
            .collect();
        stack.grant(
            deploy,
            on(Statement::allow(READ_ACTIONS.iter().copied()), &own),
        );
        stack.grant(
            deploy,
            Statement::allow(["cloudformation:DescribeStackDriftDetectionStatus"]).resource("*"),
        );
        stack.grant(
            deploy,
            Statement::allow(["iam:PassRole"])
                .resource(execution.arn())
                .condition(
                    "StringEquals",
                    "iam:PassedToService",
                    "cloudformation.amazonaws.com",
                ),
        );
    }
}

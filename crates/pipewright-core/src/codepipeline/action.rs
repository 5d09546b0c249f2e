//! One action of a stage: the fields every action has, and the
//! [`ActionKind`] trait that says what a kind of action is.
//!
//! CodePipeline actions share a shape (name, artifacts, namespace, run
//! order, an optional role) and differ in everything else. The common part
//! is the [`Action`] struct; the rest is a boxed [`ActionKind`], so the
//! pipeline validates and renders every kind through the same few trait
//! calls and a new kind never adds an arm to a match.
//!
//! Reference: [`Actions`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-codepipeline-pipeline-actiondeclaration.html),
//! [valid action providers](https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-action-types.html).

use std::fmt;

use crate::codepipeline::{Artifact, Namespace};
use crate::construct::{ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{RoleArn, RoleRef, Statement};
use crate::s3::BucketRef;
use crate::template::Expr;

/// CodePipeline's service role page: what a pipeline's role needs.
pub const SERVICE_ROLE_DOC: &str =
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/how-to-custom-role.html";
/// CodePipeline's page on actions performed with a role of another account.
pub const CROSS_ACCOUNT_DOC: &str =
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create-cross-account.html";

/// `ActionTypeId.Category`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// `Source`: produces the pipeline's first artifacts.
    Source,
    /// `Build`.
    Build,
    /// `Test`.
    Test,
    /// `Deploy`.
    Deploy,
    /// `Approval`.
    Approval,
    /// `Invoke`.
    Invoke,
}

impl Category {
    /// The name CodePipeline uses, e.g. `Source`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Source => "Source",
            Category::Build => "Build",
            Category::Test => "Test",
            Category::Deploy => "Deploy",
            Category::Approval => "Approval",
            Category::Invoke => "Invoke",
        }
    }
}

/// `ActionTypeId.Owner`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// `AWS`: an action AWS provides.
    Aws,
    /// `ThirdParty`: a partner action (the GitHub version 1 source).
    ThirdParty,
    /// `Custom`: a custom action type registered in the account.
    Custom,
}

impl Owner {
    /// The name CodePipeline uses, e.g. `AWS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::Aws => "AWS",
            Owner::ThirdParty => "ThirdParty",
            Owner::Custom => "Custom",
        }
    }
}

/// `ActionTypeId`: which action runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionTypeId {
    /// The category.
    pub category: Category,
    /// Who provides the action.
    pub owner: Owner,
    /// The provider, e.g. `CodeBuild`.
    pub provider: String,
    /// The version of the action type.
    pub version: String,
}

impl ActionTypeId {
    /// An action type of version `1` (the version of every AWS action).
    pub fn new(category: Category, owner: Owner, provider: impl Into<String>) -> Self {
        Self {
            category,
            owner,
            provider: provider.into(),
            version: "1".to_owned(),
        }
    }

    /// Sets the version. Default: `1`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    fn to_expr(&self) -> Expr {
        Expr::map([
            ("Category", Expr::from(self.category.as_str())),
            ("Owner", Expr::from(self.owner.as_str())),
            ("Provider", Expr::from(self.provider.as_str())),
            ("Version", Expr::from(self.version.as_str())),
        ])
    }
}

/// Where an action sits, handed to [`ActionKind`] when the pipeline is
/// added to its stack.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct ActionSite<'a> {
    /// The pipeline's logical ID.
    pub pipeline_id: &'a str,
    /// The pipeline's construct path, where problems are reported.
    pub path: &'a str,
    /// The stage's name.
    pub stage: &'a str,
    /// The action's name.
    pub action: &'a str,
    /// The role that performs the action: the action's own role when it
    /// has one ([`Action::role`]), else the pipeline's role. Grant what the
    /// action does to this role.
    pub role: &'a RoleRef,
    /// The pipeline's role.
    pub pipeline_role: &'a RoleRef,
    /// The pipeline's artifact bucket.
    pub bucket: &'a BucketRef,
    /// The KMS key the artifacts are encrypted with, when the pipeline has
    /// one: every role that reads or writes artifacts needs to use it.
    pub key: Option<&'a Expr>,
    /// The action's output artifacts: an action with none writes nothing
    /// to the bucket, and needs no `s3:PutObject`.
    pub outputs: &'a [String],
}

/// A resource an action kind added beside the pipeline.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum ActionResource {
    /// An `AWS::CodePipeline::Webhook`; its `Url` is
    /// [`PipelineRef::webhook_url`](crate::codepipeline::PipelineRef::webhook_url).
    Webhook(ResourceRef),
    /// Any other resource.
    Other(ResourceRef),
}

/// Cloning a boxed [`ActionKind`]. Implemented for every kind that is
/// `Clone`; never implement it by hand.
pub trait CloneActionKind {
    /// A boxed copy of this kind.
    fn clone_box(&self) -> Box<dyn ActionKind>;
}

impl<T: ActionKind + Clone + 'static> CloneActionKind for T {
    fn clone_box(&self) -> Box<dyn ActionKind> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn ActionKind> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A kind of pipeline action: what differs between a GitHub source, a
/// CodeBuild build and any other action.
///
/// Only [`ActionKind::type_id`] and [`ActionKind::configuration`] are
/// required; every other method has a default that does nothing. Derive
/// `Clone` and `Debug`, implement the trait, and pass the value to
/// [`Action::new`].
pub trait ActionKind: fmt::Debug + Send + Sync + CloneActionKind {
    /// `ActionTypeId`.
    fn type_id(&self) -> ActionTypeId;

    /// `Configuration`.
    fn configuration(&self) -> Expr;

    /// Whether this is a source action, which belongs in the first stage
    /// and needs an output artifact. Default: the category is
    /// [`Category::Source`].
    fn is_source(&self) -> bool {
        self.type_id().category == Category::Source
    }

    /// The kind's own problems, each reported at the pipeline's path
    /// (`action` is the action's name, to name it in messages). Default:
    /// none.
    fn problems(&self, action: &str) -> Vec<ProblemKind> {
        let _ = action;
        Vec::new()
    }

    /// Grants what the action needs: to `site.role` (whoever performs the
    /// action) and to any role of its own (a CodeBuild project's role reads
    /// and writes the artifact bucket, and uses `site.key`). The pipeline
    /// role's and the action role's access to the bucket and key are
    /// granted by the pipeline. Not called for an action performed by a
    /// role of another account ([`Action::cross_account_role`]): that role's
    /// permissions live in its own account. Default: nothing.
    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        let _ = (stack, site);
    }

    /// Adds the resources the action needs beside `pipeline` (the GitHub
    /// source's webhook), after the pipeline itself. Default: none.
    fn add_resources(
        &self,
        stack: &mut Stack,
        site: &ActionSite<'_>,
        pipeline: &ResourceRef,
    ) -> Vec<ActionResource> {
        let _ = (stack, site, pipeline);
        Vec::new()
    }

    /// The V2 pipeline trigger (one entry of `Triggers`) this source action
    /// starts the pipeline with; asked of first-stage actions of V2
    /// pipelines only. Default: none.
    fn trigger(&self, action: &str) -> Option<Expr> {
        let _ = action;
        None
    }

    /// The AWS page that lists what this kind's grants and reader needs
    /// are for, shown beside each of them by `pipewright list
    /// --permissions`. Default: CodePipeline's service role page.
    fn needs_doc(&self) -> &'static str {
        SERVICE_ROLE_DOC
    }

    /// What an action that reads this action's output artifacts needs, in
    /// the role that reads them ([`ActionKind::reader_role`]): a full clone
    /// through a connection needs `UseConnection` on that connection. The
    /// pipeline grants it to every reader. Default: nothing.
    fn reader_needs(&self) -> Vec<Statement> {
        Vec::new()
    }

    /// The role that reads the action's input artifacts when it is not the
    /// one performing the action: a CodeBuild project's role. Default: the
    /// performer's.
    fn reader_role(&self) -> Option<RoleRef> {
        None
    }

    /// The action's `RoleArn` when the kind performs it with a role of its
    /// own in another account; the pipeline role may then assume it, and
    /// the artifact bucket and key admit it. [`Action::role`] and
    /// [`Action::cross_account_role`] take precedence. Default: none.
    fn role_arn(&self) -> Option<RoleArn> {
        None
    }

    /// The action's `TimeoutInMinutes`, which CodePipeline accepts for
    /// manual approvals only. Default: none (the action type's own timeout).
    fn timeout_in_minutes(&self) -> Option<u32> {
        None
    }

    /// Records a plaintext environment variable, for kinds that take them
    /// (CodeBuild); the value may read pipeline variables
    /// ([`Variable`](crate::codepipeline::Variable)). Default: ignored.
    fn variable(&mut self, name: String, value: Expr) {
        let _ = (name, value);
    }

    /// The variables the action publishes under its namespace, when the
    /// kind knows them (a CodeBuild project's buildspec, a source action's
    /// documented variables); synth checks every variable a later action
    /// reads against them. Default: unknown, nothing is checked.
    fn variables(&self) -> Option<Vec<String>> {
        None
    }
}

/// One action of a stage.
#[derive(Clone, Debug)]
pub struct Action {
    name: String,
    kind: Box<dyn ActionKind>,
    inputs: Vec<String>,
    outputs: Vec<String>,
    namespace: Option<String>,
    run_order: Option<u32>,
    role: Option<RoleRef>,
    remote: Option<RoleArn>,
}

impl Action {
    /// An action called `name` of any kind, including one defined outside
    /// this crate. The constructors of this crate's kinds
    /// ([`Action::github`], [`Action::build`], ...) call this.
    pub fn new(name: impl Into<String>, kind: impl ActionKind + 'static) -> Self {
        Self {
            name: name.into(),
            kind: Box::new(kind),
            inputs: Vec::new(),
            outputs: Vec::new(),
            namespace: None,
            run_order: None,
            role: None,
            remote: None,
        }
    }

    /// Adds an input artifact, produced by an action of an earlier stage.
    pub fn input(mut self, artifact: &Artifact) -> Self {
        self.inputs.push(artifact.name().to_owned());
        self
    }

    /// Adds an output artifact, which a later action must read.
    pub fn output(mut self, artifact: &Artifact) -> Self {
        self.outputs.push(artifact.name().to_owned());
        self
    }

    /// Publishes the action's variables under `namespace`; later actions
    /// read them as [`Namespace::var`].
    pub fn namespace(mut self, namespace: &Namespace) -> Self {
        self.namespace = Some(namespace.name().to_owned());
        self
    }

    /// Sets `RunOrder` within the stage. Default: 1.
    pub fn run_order(mut self, order: u32) -> Self {
        self.run_order = Some(order);
        self
    }

    /// Performs the action with `role` (`RoleArn`) instead of the
    /// pipeline's role: the kind's grants and the artifact bucket go to
    /// `role`, and the pipeline role may assume it (`role` must trust the
    /// pipeline role). Default: the pipeline's role.
    pub fn role(mut self, role: &RoleRef) -> Self {
        self.role = Some(role.clone());
        self.remote = None;
        self
    }

    /// Performs the action with `role`, a role of another account named by
    /// a literal ARN (a value of another account's stack cannot be
    /// imported). The pipeline role may assume exactly that ARN, and the
    /// artifact bucket's and key's policies admit the role; the pipeline
    /// then needs a customer managed key ([`Pipeline::key`]), which synth
    /// checks. `role` must trust the pipeline's role, and its own account
    /// must grant it what the action does. Replaces an [`Action::role`].
    /// Default: the pipeline's role.
    ///
    /// [`Pipeline::key`]: crate::codepipeline::Pipeline::key
    pub fn cross_account_role(mut self, role: &RoleArn) -> Self {
        self.remote = Some(role.clone());
        self.role = None;
        self
    }

    /// Adds a plaintext environment variable to a CodeBuild action: any
    /// value, a pipeline variable ([`Namespace::var`]) among them.
    /// Ignored by kinds without variables (source actions).
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.kind.variable(name.into(), value.into());
        self
    }

    /// The action's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The action's kind.
    pub fn kind(&self) -> &dyn ActionKind {
        self.kind.as_ref()
    }

    /// The input artifacts.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// The output artifacts.
    pub fn outputs(&self) -> &[String] {
        &self.outputs
    }

    /// The namespace the action publishes its variables under.
    pub fn namespace_name(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// `RunOrder` within the stage (1 when unset).
    pub fn order(&self) -> u32 {
        self.run_order.unwrap_or(1)
    }

    /// The role set with [`Action::role`].
    pub(crate) fn own_role(&self) -> Option<&RoleRef> {
        self.role.as_ref()
    }

    /// The role of another account that performs the action: the one set
    /// with [`Action::cross_account_role`], else the kind's, unless an
    /// [`Action::role`] is set.
    pub fn remote_role(&self) -> Option<RoleArn> {
        if self.role.is_some() {
            return None;
        }
        self.remote.clone().or_else(|| self.kind.role_arn())
    }

    /// `RoleArn`: the action's own role, else the role of another account.
    pub(crate) fn role_arn(&self) -> Option<Expr> {
        match &self.role {
            Some(role) => Some(role.arn()),
            None => self.remote_role().map(|r| r.arn()),
        }
    }

    /// The action as a stage's `Actions` renders it.
    pub(crate) fn to_expr(&self) -> Expr {
        let artifacts = |names: &[String]| {
            Expr::list(
                names
                    .iter()
                    .map(|n| Expr::map([("Name", Expr::from(n.as_str()))])),
            )
        };
        let mut m = vec![
            ("Name", Expr::from(self.name.as_str())),
            ("ActionTypeId", self.kind.type_id().to_expr()),
            ("Configuration", self.kind.configuration()),
        ];
        if !self.inputs.is_empty() {
            m.push(("InputArtifacts", artifacts(&self.inputs)));
        }
        if !self.outputs.is_empty() {
            m.push(("OutputArtifacts", artifacts(&self.outputs)));
        }
        if let Some(ns) = &self.namespace {
            m.push(("Namespace", Expr::from(ns.as_str())));
        }
        if let Some(arn) = self.role_arn() {
            m.push(("RoleArn", arn));
        }
        if let Some(order) = self.run_order {
            m.push(("RunOrder", order.into()));
        }
        if let Some(minutes) = self.kind.timeout_in_minutes() {
            m.push(("TimeoutInMinutes", minutes.into()));
        }
        Expr::map(m)
    }
}

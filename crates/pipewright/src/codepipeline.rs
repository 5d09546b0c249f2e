//! AWS CodePipeline: pipelines, stages, actions and the GitHub webhook.
//!
//! A [`Pipeline`] is checked the way CodePipeline checks it, before any API
//! call: names, at least two stages, sources only (and all) in the first
//! stage, unique action and artifact names, every input artifact produced
//! by an earlier stage. Every problem is reported, with the stage and action.
//!
//! Its role gets exactly what its actions need: the artifact bucket, start
//! and watch the CodeBuild projects it runs, use the connection it reads.
//! The GitHub (version 1) source is supported because users have it; its
//! webhook always authenticates with HMAC, with a secret that is not the
//! OAuth token, and filters on the branch.

use crate::codebuild::ProjectRef;
use crate::construct::{Construct, ResourceRef, Stack};
use crate::iam::{Role, RoleRef, Statement};
use crate::s3::BucketRef;
use crate::template::{Expr, Resource};

/// `PipelineType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PipelineType {
    /// `V1`.
    V1,
    /// `V2` (triggers, variables, per-execution billing): the default.
    #[default]
    V2,
}

/// A GitHub (version 1, OAuth) source and its webhook.
#[derive(Clone, Debug)]
pub struct GitHubSource {
    /// The account or organization that owns the repository.
    pub owner: Expr,
    /// The repository name.
    pub repo: Expr,
    /// The branch that triggers the pipeline.
    pub branch: Expr,
    /// The OAuth token: a NoEcho parameter or a dynamic reference.
    pub oauth_token: Expr,
    /// The webhook's HMAC secret: a NoEcho parameter without a default or a
    /// `{{resolve:secretsmanager:...}}` reference, and never the OAuth token.
    pub webhook_secret: Expr,
}

/// A CodeStar / CodeConnections source.
#[derive(Clone, Debug)]
pub struct ConnectionSource {
    /// The connection ARN.
    pub connection_arn: Expr,
    /// `owner/repository`.
    pub repository: Expr,
    /// The branch; on a V2 pipeline, a push trigger on it starts the pipeline.
    pub branch: Expr,
}

/// Whether a CodeBuild action builds or tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BuildCategory {
    Build,
    Test,
}

#[derive(Clone, Debug)]
enum ActionKind {
    GitHub(GitHubSource),
    Connection(ConnectionSource),
    CodeBuild {
        project: ProjectRef,
        category: BuildCategory,
        variables: Vec<(String, String)>,
    },
}

/// One action of a stage.
#[derive(Clone, Debug)]
pub struct Action {
    name: String,
    kind: ActionKind,
    inputs: Vec<String>,
    outputs: Vec<String>,
    namespace: Option<String>,
    run_order: Option<u32>,
}

impl Action {
    fn new(name: impl Into<String>, kind: ActionKind) -> Self {
        Self {
            name: name.into(),
            kind,
            inputs: Vec::new(),
            outputs: Vec::new(),
            namespace: None,
            run_order: None,
        }
    }

    /// A GitHub (version 1) source action with its HMAC webhook.
    pub fn github(name: impl Into<String>, source: GitHubSource) -> Self {
        Self::new(name, ActionKind::GitHub(source))
    }

    /// A CodeStar / CodeConnections source action.
    pub fn connection(name: impl Into<String>, source: ConnectionSource) -> Self {
        Self::new(name, ActionKind::Connection(source))
    }

    /// A CodeBuild build action running `project`.
    pub fn build(name: impl Into<String>, project: &ProjectRef) -> Self {
        Self::new(
            name,
            ActionKind::CodeBuild {
                project: project.clone(),
                category: BuildCategory::Build,
                variables: Vec::new(),
            },
        )
    }

    /// A CodeBuild test action running `project`.
    pub fn test(name: impl Into<String>, project: &ProjectRef) -> Self {
        Self::new(
            name,
            ActionKind::CodeBuild {
                project: project.clone(),
                category: BuildCategory::Test,
                variables: Vec::new(),
            },
        )
    }

    /// Adds an input artifact.
    pub fn input(mut self, artifact: impl Into<String>) -> Self {
        self.inputs.push(artifact.into());
        self
    }

    /// Adds an output artifact.
    pub fn output(mut self, artifact: impl Into<String>) -> Self {
        self.outputs.push(artifact.into());
        self
    }

    /// Publishes the action's variables under `namespace` (`#{ns.VAR}`).
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sets `RunOrder` within the stage. Default: 1.
    pub fn run_order(mut self, order: u32) -> Self {
        self.run_order = Some(order);
        self
    }

    /// Adds a plaintext environment variable to a CodeBuild action; the
    /// value may use pipeline variables (`#{SourceVariables.CommitId}`).
    /// Ignored by source actions.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let ActionKind::CodeBuild { variables, .. } = &mut self.kind {
            variables.push((name.into(), value.into()));
        }
        self
    }

    fn is_source(&self) -> bool {
        matches!(self.kind, ActionKind::GitHub(_) | ActionKind::Connection(_))
    }

    fn type_id(&self) -> Expr {
        let (category, owner, provider) = match &self.kind {
            ActionKind::GitHub(_) => ("Source", "ThirdParty", "GitHub"),
            ActionKind::Connection(_) => ("Source", "AWS", "CodeStarSourceConnection"),
            ActionKind::CodeBuild { category, .. } => (
                match category {
                    BuildCategory::Build => "Build",
                    BuildCategory::Test => "Test",
                },
                "AWS",
                "CodeBuild",
            ),
        };
        Expr::map([
            ("Category", Expr::from(category)),
            ("Owner", Expr::from(owner)),
            ("Provider", Expr::from(provider)),
            ("Version", Expr::from("1")),
        ])
    }

    fn configuration(&self) -> Expr {
        match &self.kind {
            ActionKind::GitHub(g) => Expr::map([
                ("Owner", g.owner.clone()),
                ("Repo", g.repo.clone()),
                ("Branch", g.branch.clone()),
                ("OAuthToken", g.oauth_token.clone()),
                ("PollForSourceChanges", Expr::Bool(false)),
            ]),
            ActionKind::Connection(c) => Expr::map([
                ("ConnectionArn", c.connection_arn.clone()),
                ("FullRepositoryId", c.repository.clone()),
                ("BranchName", c.branch.clone()),
                ("OutputArtifactFormat", Expr::from("CODE_ZIP")),
            ]),
            ActionKind::CodeBuild {
                project, variables, ..
            } => {
                let mut config = vec![("ProjectName", project.name())];
                if !variables.is_empty() {
                    let vars: Vec<serde_json::Value> = variables
                        .iter()
                        .map(|(n, v)| serde_json::json!({"name": n, "value": v, "type": "PLAINTEXT"}))
                        .collect();
                    config.push((
                        "EnvironmentVariables",
                        Expr::from(serde_json::Value::Array(vars).to_string()),
                    ));
                }
                Expr::map(config)
            }
        }
    }

    fn to_expr(&self) -> Expr {
        let artifacts = |names: &[String]| {
            Expr::list(
                names
                    .iter()
                    .map(|n| Expr::map([("Name", Expr::from(n.as_str()))])),
            )
        };
        let mut m = vec![
            ("Name", Expr::from(self.name.as_str())),
            ("ActionTypeId", self.type_id()),
            ("Configuration", self.configuration()),
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
        if let Some(order) = self.run_order {
            m.push(("RunOrder", order.into()));
        }
        Expr::map(m)
    }
}

/// A stage: actions that run together.
#[derive(Clone, Debug)]
pub struct Stage {
    name: String,
    actions: Vec<Action>,
}

impl Stage {
    /// A stage called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            actions: Vec::new(),
        }
    }

    /// Adds an action.
    pub fn action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }
}

/// A pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    id: String,
    bucket: BucketRef,
    stages: Vec<Stage>,
    kind: PipelineType,
    key_arn: Option<Expr>,
}

impl Pipeline {
    /// A pipeline with logical ID `id` whose artifacts live in `bucket`.
    pub fn new(id: impl Into<String>, bucket: &BucketRef) -> Self {
        Self {
            id: id.into(),
            bucket: bucket.clone(),
            stages: Vec::new(),
            kind: PipelineType::default(),
            key_arn: None,
        }
    }

    /// Sets `PipelineType`. Default: [`PipelineType::V2`].
    pub fn pipeline_type(mut self, kind: PipelineType) -> Self {
        self.kind = kind;
        self
    }

    /// Encrypts artifacts with this KMS key (needed for cross-account
    /// actions). Default: the AWS managed key for S3.
    pub fn kms_key(mut self, key_arn: impl Into<Expr>) -> Self {
        self.key_arn = Some(key_arn.into());
        self
    }

    /// Adds a stage.
    pub fn stage(mut self, stage: Stage) -> Self {
        self.stages.push(stage);
        self
    }

    /// Every problem CodePipeline would reject, as messages.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let valid_name = |n: &str| {
            (1..=100).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c))
        };
        let valid_artifact = |n: &str| {
            (1..=100).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        };
        if self.stages.len() < 2 {
            problems.push(format!(
                "a pipeline needs at least 2 stages, this one has {}",
                self.stages.len()
            ));
        }
        let mut produced: Vec<&str> = Vec::new();
        let mut stage_names: Vec<&str> = Vec::new();
        for (i, stage) in self.stages.iter().enumerate() {
            let s = stage.name.as_str();
            if !valid_name(s) {
                problems.push(format!(
                    "stage name `{s}` is invalid: use 1 to 100 letters, digits, `.`, `@`, `_` and `-`"
                ));
            }
            if stage_names.contains(&s) {
                problems.push(format!("stage name `{s}` is used twice"));
            }
            stage_names.push(s);
            if stage.actions.is_empty() {
                problems.push(format!("stage `{s}` has no actions"));
            }
            let mut action_names: Vec<&str> = Vec::new();
            let mut outputs_here: Vec<&str> = Vec::new();
            for a in &stage.actions {
                let n = a.name.as_str();
                if !valid_name(n) {
                    problems.push(format!(
                        "stage `{s}`: action name `{n}` is invalid: use 1 to 100 letters, digits, `.`, `@`, `_` and `-`"
                    ));
                }
                if action_names.contains(&n) {
                    problems.push(format!("stage `{s}`: action name `{n}` is used twice"));
                }
                action_names.push(n);
                if i == 0 && !a.is_source() {
                    problems.push(format!(
                        "stage `{s}`: action `{n}` is not a source action: the first stage holds only source actions"
                    ));
                }
                if i > 0 && a.is_source() {
                    problems.push(format!(
                        "stage `{s}`: action `{n}` is a source action: source actions belong in the first stage"
                    ));
                }
                if a.is_source() && a.outputs.is_empty() {
                    problems.push(format!(
                        "stage `{s}`: source action `{n}` has no output artifact"
                    ));
                }
                for input in &a.inputs {
                    if !produced.contains(&input.as_str()) {
                        problems.push(format!(
                            "stage `{s}`: action `{n}` reads artifact `{input}`, which no earlier stage produces"
                        ));
                    }
                }
                for output in &a.outputs {
                    let o = output.as_str();
                    if !valid_artifact(o) {
                        problems.push(format!(
                            "stage `{s}`: artifact name `{o}` is invalid: use 1 to 100 letters, digits, `_` and `-`"
                        ));
                    }
                    if produced.contains(&o) || outputs_here.contains(&o) {
                        problems.push(format!(
                            "stage `{s}`: artifact name `{o}` is produced twice"
                        ));
                    }
                    outputs_here.push(o);
                }
            }
            produced.extend(outputs_here);
        }
        problems
    }
}

/// A pipeline added to a stack.
#[derive(Clone, Debug)]
pub struct PipelineRef {
    resource: ResourceRef,
    role: RoleRef,
    webhook: Option<ResourceRef>,
}

impl PipelineRef {
    /// The pipeline name (`!Ref`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The pipeline ARN, built with `Fn::Sub` from the name.
    pub fn arn(&self) -> Expr {
        self.resource.owned(Expr::sub(format!(
            "arn:${{AWS::Partition}}:codepipeline:${{AWS::Region}}:${{AWS::AccountId}}:${{{}}}",
            self.resource.id()
        )))
    }

    /// The pipeline's role.
    pub fn role(&self) -> &RoleRef {
        &self.role
    }

    /// The GitHub webhook URL, when the pipeline has a GitHub (version 1) source.
    pub fn webhook_url(&self) -> Option<Expr> {
        self.webhook.as_ref().map(|w| w.get_att("Url"))
    }
}

impl Construct for Pipeline {
    type Ref = PipelineRef;

    fn add_to(self, stack: &mut Stack) -> PipelineRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.report(&path, problem);
        }
        let role = stack.add(
            Role::new(format!("{}Role", self.id), "codepipeline.amazonaws.com")
                .description(format!("Service role of the {} pipeline", self.id)),
        );
        self.bucket.grant_read_write(stack, &role);
        for action in self.stages.iter().flat_map(|s| &s.actions) {
            match &action.kind {
                ActionKind::CodeBuild { project, .. } => {
                    project.grant_start(stack, &role);
                    self.bucket.grant_read_write(stack, project.role());
                }
                ActionKind::Connection(c) => stack.grant(
                    &role,
                    Statement::allow([
                        "codeconnections:UseConnection",
                        "codestar-connections:UseConnection",
                    ])
                    .resource(c.connection_arn.clone()),
                ),
                ActionKind::GitHub(_) => {}
            }
        }
        let mut store = vec![("Type", Expr::from("S3")), ("Location", self.bucket.name())];
        if let Some(key) = &self.key_arn {
            store.push((
                "EncryptionKey",
                Expr::map([("Id", key.clone()), ("Type", Expr::from("KMS"))]),
            ));
            stack.grant(
                &role,
                Statement::allow(crate::iam::KMS_USE_ACTIONS.iter().copied()).resource(key.clone()),
            );
        }
        let stages = self.stages.iter().map(|s| {
            Expr::map([
                ("Name", Expr::from(s.name.as_str())),
                ("Actions", Expr::list(s.actions.iter().map(Action::to_expr))),
            ])
        });
        let mut pipeline = Resource::new("AWS::CodePipeline::Pipeline")
            .property(
                "PipelineType",
                match self.kind {
                    PipelineType::V1 => "V1",
                    PipelineType::V2 => "V2",
                },
            )
            .property("RoleArn", role.arn())
            .property("ArtifactStore", Expr::map(store))
            .property("RestartExecutionOnUpdate", false)
            .property("Stages", Expr::list(stages));
        let first = self
            .stages
            .first()
            .map(|s| s.actions.as_slice())
            .unwrap_or_default();
        if self.kind == PipelineType::V2 {
            let triggers: Vec<Expr> = first
                .iter()
                .filter_map(|a| match &a.kind {
                    ActionKind::Connection(c) => Some(Expr::map([
                        ("ProviderType", Expr::from("CodeStarSourceConnection")),
                        (
                            "GitConfiguration",
                            Expr::map([
                                ("SourceActionName", Expr::from(a.name.as_str())),
                                (
                                    "Push",
                                    Expr::list([Expr::map([(
                                        "Branches",
                                        Expr::map([("Includes", Expr::list([c.branch.clone()]))]),
                                    )])]),
                                ),
                            ]),
                        ),
                    ])),
                    _ => None,
                })
                .collect();
            if !triggers.is_empty() {
                pipeline = pipeline.property("Triggers", Expr::List(triggers));
            }
        }
        let resource = stack.add_resource_at(path.clone(), &self.id, pipeline);

        let mut webhook = None;
        for a in first {
            if let ActionKind::GitHub(g) = &a.kind {
                let hook = Resource::new("AWS::CodePipeline::Webhook")
                    .property("Authentication", "GITHUB_HMAC")
                    .property(
                        "AuthenticationConfiguration",
                        Expr::map([("SecretToken", g.webhook_secret.clone())]),
                    )
                    .property(
                        "Filters",
                        Expr::list([Expr::map([
                            ("JsonPath", Expr::from("$.ref")),
                            ("MatchEquals", Expr::from("refs/heads/{Branch}")),
                        ])]),
                    )
                    .property("TargetPipeline", resource.reference())
                    .property("TargetAction", a.name.as_str())
                    // The literal version, as the CDK does: valid for every
                    // pipeline, and the local emulator cannot resolve
                    // `GetAtt Pipeline.Version`.
                    .property("TargetPipelineVersion", 1)
                    .property("RegisterWithThirdParty", true);
                if g.webhook_secret == g.oauth_token {
                    stack.report(
                        &path,
                        "the webhook secret is the OAuth token: give the webhook its own secret",
                    );
                }
                webhook = Some(stack.add_resource_at(
                    format!("{path}/Webhook"),
                    format!("{}Webhook", self.id),
                    hook,
                ));
            }
        }
        PipelineRef {
            resource,
            role,
            webhook,
        }
    }
}

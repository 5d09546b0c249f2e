//! `AWS::CodePipeline::Pipeline`: the pipeline, its role and its checks.
//!
//! The pipeline's role gets the artifact bucket; everything else is
//! granted by its actions' kinds (start and watch a CodeBuild project, use
//! a connection). An action with a role of its own performs it with that
//! role, which the pipeline role may assume.
//!
//! An action performed by a role of another account
//! ([`Action::cross_account_role`](crate::codepipeline::Action::cross_account_role))
//! reads and writes artifacts from that account. The artifacts must then be
//! encrypted with a customer managed key ([`Pipeline::key`]) whose policy,
//! like the bucket policy, admits exactly those roles; the AWS managed key
//! for S3 cannot be shared. A pipeline with such an action and no key, or
//! with a key given only by ARN (whose policy the pipeline cannot edit), is
//! a synth error.

use crate::codepipeline::action::{CROSS_ACCOUNT_DOC, SERVICE_ROLE_DOC};
use crate::codepipeline::artifact::{self, Variable};
use crate::codepipeline::{Action, ActionResource, ActionSite, Stage};
use crate::construct::{Construct, Need, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{Role, RoleArn, RoleRef, Statement};
use crate::kms::KeyRef;
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

/// A pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    id: String,
    bucket: Option<BucketRef>,
    stages: Vec<Stage>,
    kind: PipelineType,
    key_arn: Option<Expr>,
    key: Option<KeyRef>,
    role_name: Option<String>,
    name: Option<Expr>,
}

impl Pipeline {
    /// A pipeline with logical ID `id`. Its artifacts live in a bucket of
    /// its own, `<id>ArtifactBucket`, with every default of
    /// [`s3::Bucket`](crate::s3::Bucket) and encrypted with the pipeline's
    /// key when it has one, unless [`artifact_store`](Self::artifact_store)
    /// names a shared one.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            bucket: None,
            stages: Vec::new(),
            kind: PipelineType::default(),
            key_arn: None,
            key: None,
            role_name: None,
            name: None,
        }
    }

    /// Keeps the artifacts in `bucket`, for example one bucket shared by
    /// the pipelines of an account. Default: a bucket of the pipeline's own
    /// (see [`Pipeline::new`]).
    pub fn artifact_store(mut self, bucket: &BucketRef) -> Self {
        self.bucket = Some(bucket.clone());
        self
    }

    /// Names the pipeline (`Name`, 1 to 100 letters, digits, `.`, `@`,
    /// `_` and `-`). Renaming replaces the pipeline, and its execution
    /// history stays with the old name. Default: none, CloudFormation
    /// generates one from the stack's name.
    pub fn name(mut self, name: impl Into<Expr>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `PipelineType`. Default: [`PipelineType::V2`].
    pub fn pipeline_type(mut self, kind: PipelineType) -> Self {
        self.kind = kind;
        self
    }

    /// Encrypts artifacts with the KMS key `key_arn`, a key managed
    /// elsewhere whose policy the pipeline cannot edit: enough for actions
    /// of this account, not for a cross-account action (use
    /// [`Pipeline::key`]). Default: the AWS managed key for S3.
    pub fn kms_key(mut self, key_arn: impl Into<Expr>) -> Self {
        self.key_arn = Some(key_arn.into());
        self.key = None;
        self
    }

    /// Encrypts artifacts with `key` (`ArtifactStore.EncryptionKey`), and
    /// admits the role of every cross-account action in its key policy.
    /// Encrypt the bucket with the same key ([`crate::s3::Bucket::kms_key`]
    /// with [`KeyRef::arn`]); synth checks it when an action is
    /// cross-account. Default: the AWS managed key for S3.
    pub fn key(mut self, key: &KeyRef) -> Self {
        self.key_arn = Some(key.arn());
        self.key = Some(key.clone());
        self
    }

    /// Names the pipeline's role (`RoleName`), so that a role of another
    /// account can trust exactly it by a literal ARN
    /// ([`crate::iam::Role::assumed_by_role`] with a
    /// [`RoleArn`] of this account). A named role needs
    /// `CAPABILITY_NAMED_IAM`, and renaming replaces it. Default: none,
    /// CloudFormation generates a name.
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// Adds a stage.
    pub fn stage(mut self, stage: Stage) -> Self {
        self.stages.push(stage);
        self
    }

    /// Every problem CodePipeline would reject.
    pub fn problems(&self) -> Vec<ProblemKind> {
        let mut problems = Vec::new();
        let valid_artifact = |n: &str| {
            (1..=100).contains(&n.len())
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        };
        if let Some(name) = self.name.as_ref().and_then(Expr::as_str) {
            let valid = (1..=100).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c));
            if !valid {
                problems.push(ProblemKind::InvalidName {
                    what: "pipeline name",
                    name: name.to_owned(),
                    reason: "is invalid: use 1 to 100 letters, digits, `.`, `@`, `_` and `-`"
                        .to_owned(),
                });
            }
        }
        if self.stages.len() < 2 {
            problems.push(ProblemKind::TooFewStages {
                count: self.stages.len(),
            });
        }
        let mut produced: Vec<&str> = Vec::new();
        let mut stage_names: Vec<&str> = Vec::new();
        for (i, stage) in self.stages.iter().enumerate() {
            let s = stage.name.as_str();
            check_name("stage name", s, &mut stage_names, &mut problems);
            if stage.actions.is_empty() {
                problems.push(ProblemKind::EmptyStage {
                    stage: s.to_owned(),
                });
            }
            let mut action_names: Vec<&str> = Vec::new();
            let mut outputs_here: Vec<&str> = Vec::new();
            let mut here = Vec::new();
            for a in &stage.actions {
                let n = a.name();
                check_name("action name", n, &mut action_names, &mut here);
                if i == 0 && !a.kind().is_source() {
                    here.push(ProblemKind::NotASource {
                        action: n.to_owned(),
                    });
                }
                if i > 0 && a.kind().is_source() {
                    here.push(ProblemKind::MisplacedSource {
                        action: n.to_owned(),
                    });
                }
                if a.kind().is_source() && a.outputs().is_empty() {
                    here.push(ProblemKind::SourceWithoutOutput {
                        action: n.to_owned(),
                    });
                }
                for input in a.inputs() {
                    if !produced.contains(&input.as_str()) {
                        here.push(ProblemKind::UnproducedArtifact {
                            action: n.to_owned(),
                            artifact: input.clone(),
                        });
                    }
                }
                for output in a.outputs() {
                    let o = output.as_str();
                    if !valid_artifact(o) {
                        here.push(ProblemKind::InvalidName {
                            what: "artifact name",
                            name: o.to_owned(),
                            reason: "is invalid: use 1 to 100 letters, digits, `_` and `-`"
                                .to_owned(),
                        });
                    }
                    if produced.contains(&o) || outputs_here.contains(&o) {
                        here.push(ProblemKind::Duplicate {
                            what: "artifact name",
                            name: o.to_owned(),
                            verb: "produced",
                        });
                    }
                    outputs_here.push(o);
                }
            }
            produced.extend(outputs_here);
            problems.extend(here.into_iter().map(|problem| ProblemKind::InStage {
                stage: s.to_owned(),
                problem: Box::new(problem),
            }));
        }
        problems.extend(self.wiring_problems());
        for a in self.stages.iter().flat_map(|s| &s.actions) {
            problems.extend(a.kind().problems(a.name()));
            // CodeBuild refuses several inputs without a primary one; the
            // CodeBuild kind says which in its configuration.
            let config = a.kind().configuration();
            if a.kind().type_id().provider == "CodeBuild"
                && a.inputs().len() > 1
                && config.at("PrimarySource").is_none()
            {
                problems.push(ProblemKind::NoPrimarySource {
                    action: a.name().to_owned(),
                    inputs: a.inputs().len(),
                });
            }
        }
        problems
    }
}

impl Pipeline {
    /// What is wrong with the artifacts and variables between the actions:
    /// outputs nobody reads, and variables read from a namespace that does
    /// not exist, is published later, or does not hold them. (Inputs read
    /// before they are produced are found with the stage checks.)
    fn wiring_problems(&self) -> Vec<ProblemKind> {
        let mut problems = Vec::new();
        let actions: Vec<(usize, &Action)> = self
            .stages
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.actions.iter().map(move |a| (i, a)))
            .collect();
        for (_, a) in &actions {
            for output in a.outputs() {
                if !actions.iter().any(|(_, r)| r.inputs().contains(output)) {
                    problems.push(ProblemKind::UnusedArtifact {
                        action: a.name().to_owned(),
                        artifact: output.clone(),
                    });
                }
            }
        }
        for (stage, a) in &actions {
            let mut seen: Vec<Variable> = Vec::new();
            for v in artifact::references_in(&a.kind().configuration()) {
                if seen.contains(&v)
                    || [artifact::GLOBAL_NAMESPACE, artifact::PIPELINE_VARIABLES]
                        .contains(&v.namespace())
                {
                    continue;
                }
                seen.push(v.clone());
                let producer = actions
                    .iter()
                    .find(|(_, p)| p.namespace_name() == Some(v.namespace()));
                let Some((at, producer)) = producer else {
                    let names = actions.iter().filter_map(|(_, p)| p.namespace_name());
                    problems.push(ProblemKind::UnknownNamespace {
                        action: a.name().to_owned(),
                        variable: v.to_string(),
                        namespace: v.namespace().to_owned(),
                        suggestion: crate::suggest::closest(v.namespace(), names)
                            .map(str::to_owned),
                    });
                    continue;
                };
                if !(*at < *stage || (at == stage && producer.order() < a.order())) {
                    problems.push(ProblemKind::VariableReadTooEarly {
                        action: a.name().to_owned(),
                        variable: v.to_string(),
                        producer: producer.name().to_owned(),
                    });
                    continue;
                }
                if let Some(published) = producer.kind().variables()
                    && !published.iter().any(|p| p == v.name())
                {
                    problems.push(ProblemKind::UnpublishedVariable {
                        action: a.name().to_owned(),
                        variable: v.to_string(),
                        producer: producer.name().to_owned(),
                        published,
                        buildspec: producer.kind().type_id().provider == "CodeBuild",
                    });
                }
            }
        }
        problems
    }

    /// What a cross-account action performed by `remote` needs of the
    /// pipeline: a customer managed key the pipeline can edit, which also
    /// encrypts the bucket (a bucket of the pipeline's own always is).
    fn cross_account_problems(
        &self,
        bucket: &BucketRef,
        action: &str,
        remote: &RoleArn,
    ) -> Vec<ProblemKind> {
        let mut out = Vec::new();
        let (action, account) = (action.to_owned(), remote.account().to_owned());
        match (&self.key, &self.key_arn) {
            (None, None) => out.push(ProblemKind::CrossAccountWithoutKey { action, account }),
            (None, Some(_)) => out.push(ProblemKind::CrossAccountKeyByArn { action, account }),
            (Some(key), _) if bucket.kms_key() != Some(&key.arn()) => {
                out.push(ProblemKind::BucketWithoutPipelineKey {
                    bucket: bucket.id().to_owned(),
                })
            }
            (Some(_), _) => {}
        }
        out
    }

    /// Admits `remote` to the artifact bucket's and key's policies.
    fn admit(&self, stack: &mut Stack, bucket: &BucketRef, remote: &RoleArn) {
        bucket.grant_read_write(stack, remote);
        if let Some(key) = &self.key {
            key.grant_encrypt_decrypt(stack, remote);
        }
    }
}

/// Use of the artifact key: what every role that reads or writes
/// artifacts needs.
pub(crate) fn kms_use(key: &Expr) -> Statement {
    Statement::allow(crate::iam::KMS_USE_ACTIONS.iter().copied()).resource(key.clone())
}

/// Checks a stage or action name against CodePipeline's rule and against
/// the names already `seen` in the same scope.
fn check_name<'a>(
    what: &'static str,
    name: &'a str,
    seen: &mut Vec<&'a str>,
    problems: &mut Vec<ProblemKind>,
) {
    let valid = (1..=100).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".@_-".contains(c));
    if !valid {
        problems.push(ProblemKind::InvalidName {
            what,
            name: name.to_owned(),
            reason: "is invalid: use 1 to 100 letters, digits, `.`, `@`, `_` and `-`".to_owned(),
        });
    }
    if seen.contains(&name) {
        problems.push(ProblemKind::Duplicate {
            what,
            name: name.to_owned(),
            verb: "used",
        });
    }
    seen.push(name);
}

/// A pipeline added to a stack.
#[derive(Clone, Debug)]
pub struct PipelineRef {
    resource: ResourceRef,
    role: RoleRef,
    resources: Vec<ActionResource>,
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
        self.resources.iter().find_map(|r| match r {
            ActionResource::Webhook(w) => Some(w.get_att("Url")),
            _ => None,
        })
    }

    /// The resources the pipeline's actions added beside it, in stage and
    /// action order.
    pub fn action_resources(&self) -> &[ActionResource] {
        &self.resources
    }
}

impl Construct for Pipeline {
    type Ref = PipelineRef;

    fn add_to(self, stack: &mut Stack) -> PipelineRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let mut role = Role::new(format!("{}Role", self.id), "codepipeline.amazonaws.com")
            .description(format!("Service role of the {} pipeline", self.id));
        if let Some(name) = &self.role_name {
            role = role.name(name.as_str());
        }
        let role = stack.add(role);
        let bucket = match &self.bucket {
            Some(bucket) => bucket.clone(),
            None => {
                let mut own = crate::s3::Bucket::new(format!("{}ArtifactBucket", self.id));
                if let Some(key) = &self.key_arn {
                    own = own.kms_key(key.clone());
                }
                stack.add(own)
            }
        };
        let pid = &self.id;
        stack.for_need(
            Need::feature(
                format!(
                    "pipeline `{pid}` keeps its artifacts in bucket `{}`",
                    bucket.id()
                ),
                SERVICE_ROLE_DOC,
            ),
            |stack| bucket.grant_read_write(stack, &role),
        );
        let account = stack.env().account.clone();
        let mut cross_account = Vec::new();
        for stage in &self.stages {
            for action in &stage.actions {
                let own = action.own_role();
                let name = action.name();
                let doc = action.kind().needs_doc();
                if let Some(arn) = action.role_arn() {
                    stack.for_need(
                        Need::feature(
                            format!("action `{name}` of pipeline `{pid}` runs with its own role"),
                            CROSS_ACCOUNT_DOC,
                        ),
                        |stack| {
                            stack.grant(&role, Statement::allow(["sts:AssumeRole"]).resource(arn))
                        },
                    );
                }
                if let Some(remote) = action.remote_role() {
                    if account.as_deref() != Some(remote.account()) {
                        cross_account.extend(self.cross_account_problems(
                            &bucket,
                            action.name(),
                            &remote,
                        ));
                    }
                    stack.for_need(
                        Need::feature(
                            format!(
                                "action `{name}` of pipeline `{pid}` runs with a role of account `{}`",
                                remote.account()
                            ),
                            CROSS_ACCOUNT_DOC,
                        ),
                        |stack| self.admit(stack, &bucket, &remote),
                    );
                    continue;
                }
                if let Some(own) = own {
                    stack.for_need(
                        Need::feature(
                            format!(
                                "action `{name}` of pipeline `{pid}` reads and writes artifacts with its own role"
                            ),
                            CROSS_ACCOUNT_DOC,
                        ),
                        |stack| {
                            bucket.grant_read_write(stack, own);
                            if let Some(key) = &self.key_arn {
                                stack.grant(own, kms_use(key));
                            }
                        },
                    );
                }
                let site = ActionSite {
                    pipeline_id: &self.id,
                    path: &path,
                    stage: &stage.name,
                    action: action.name(),
                    role: own.unwrap_or(&role),
                    pipeline_role: &role,
                    bucket: &bucket,
                    key: self.key_arn.as_ref(),
                    outputs: action.outputs(),
                };
                stack.for_need(
                    Need::feature(format!("action `{name}` of pipeline `{pid}`"), doc),
                    |stack| action.kind().grant(stack, &site),
                );
            }
        }
        // What readers of an artifact need because of what produced it.
        let actions: Vec<&Action> = self.stages.iter().flat_map(|s| &s.actions).collect();
        for reader in &actions {
            if reader.remote_role().is_some() {
                continue;
            }
            let role = reader
                .kind()
                .reader_role()
                .or_else(|| reader.own_role().cloned())
                .unwrap_or_else(|| role.clone());
            for input in reader.inputs() {
                let Some(producer) = actions.iter().find(|p| p.outputs().contains(input)) else {
                    continue;
                };
                let need = Need::feature(
                    format!(
                        "action `{}` of pipeline `{pid}` reads `{}`, made by action `{}`",
                        reader.name(),
                        input.as_str(),
                        producer.name()
                    ),
                    producer.kind().needs_doc(),
                );
                stack.for_need(need, |stack| {
                    for statement in producer.kind().reader_needs() {
                        stack.grant(&role, statement);
                    }
                });
            }
        }
        // The bucket's problem is the same for every cross-account action.
        let mut seen = Vec::new();
        for problem in cross_account {
            if !seen.contains(&problem) {
                stack.problem(&path, problem.clone());
                seen.push(problem);
            }
        }
        let mut store = vec![("Type", Expr::from("S3")), ("Location", bucket.name())];
        if let Some(key) = &self.key_arn {
            store.push((
                "EncryptionKey",
                Expr::map([("Id", key.clone()), ("Type", Expr::from("KMS"))]),
            ));
            stack.for_need(
                Need::feature(
                    format!("pipeline `{pid}` encrypts its artifacts with its key"),
                    SERVICE_ROLE_DOC,
                ),
                |stack| stack.grant(&role, kms_use(key)),
            );
        }
        let mut pipeline = Resource::new("AWS::CodePipeline::Pipeline");
        if let Some(name) = &self.name {
            pipeline = pipeline.property("Name", name.clone());
        }
        pipeline = pipeline
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
            .property("Stages", Expr::list(self.stages.iter().map(Stage::to_expr)));
        if self.kind == PipelineType::V2 {
            let triggers: Vec<Expr> = self
                .stages
                .first()
                .map(|s| s.actions.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|a| a.kind().trigger(a.name()))
                .collect();
            if !triggers.is_empty() {
                pipeline = pipeline.property("Triggers", Expr::List(triggers));
            }
        }
        let resource = stack.add_resource_at(path.clone(), &self.id, pipeline);

        let mut resources = Vec::new();
        for stage in &self.stages {
            for action in &stage.actions {
                let site = ActionSite {
                    pipeline_id: &self.id,
                    path: &path,
                    stage: &stage.name,
                    action: action.name(),
                    role: action.own_role().unwrap_or(&role),
                    pipeline_role: &role,
                    bucket: &bucket,
                    key: self.key_arn.as_ref(),
                    outputs: action.outputs(),
                };
                resources.extend(action.kind().add_resources(stack, &site, &resource));
            }
        }
        PipelineRef {
            resource,
            role,
            resources,
        }
    }
}

//! Deploy: per stack, in dependency order, skip what already matches,
//! otherwise create a change set, show it, confirm, execute and follow the
//! events to a clear end state.

pub use super::preview::{MASK, ParameterChange, Preview, preview, wanted_tags};
use super::preview::{same_template, same_values};

use super::api::Target;
use super::change_set::{self, ChangeSetRequest, ChangeSetStatus, means_no_changes};
use super::client::{Cloud, Opened};
use super::error::CloudError;
use super::plan::{self, Scheduler};
use super::protection::{AllowReplace, AtRisk, at_risk};
use super::stack_events::{EventLog, StackEvent, failure_cause};
use super::staging;
use super::state::{Phase, StackStatus, remedy};
use super::ui::{Progress, Ui};
use super::values::StackInfo;
use super::watch::{follow, settle};
use crate::app::Artifact;
use crate::parameters::{Resolved, StackParameters};
use crate::template::{Template, reader};
use indexmap::IndexMap;
use std::sync::Mutex;

/// How to deploy.
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// Execute without asking.
    pub yes: bool,
    /// Create change sets and leave them for review.
    pub no_execute: bool,
    /// Create a change set even when template, parameters and tags match
    /// (to push a new `NoEcho` value, which CloudFormation never shows).
    pub force: bool,
    /// How many independent stacks run at once (at least 1).
    pub concurrency: usize,
    /// The bucket that stages templates over the inline limit; `None` for
    /// the bootstrap stack's bucket of each stack's account and region
    /// (see [`super::staging`]).
    pub template_bucket: Option<String>,
    /// Resources whose data this deploy may lose (`--allow-replace`):
    /// a change that replaces or deletes a guarded resource not allowed
    /// here or in code is refused ([`super::protection`]). Default: none.
    pub allow_replace: Vec<AllowReplace>,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            yes: false,
            no_execute: false,
            force: false,
            concurrency: 4,
            template_bucket: None,
            allow_replace: Vec::new(),
        }
    }
}

/// One stack to deploy: its synthesized artifact and checked parameters.
#[derive(Clone, Debug)]
pub struct StackPlan<'a> {
    /// The synthesized stack.
    pub artifact: &'a Artifact,
    /// Its parameters, checked against its template.
    pub parameters: StackParameters,
    /// The synthesized bootstrap stack of its account, when a bootstrap of
    /// the app manages it ([`crate::app::managing_bootstrap`]): the deploy
    /// stops before any change set while the deployed one differs.
    pub bootstrap: Option<&'a Artifact>,
}

/// How one stack's deploy ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum DeployOutcome {
    /// Template, parameters and tags already matched: no write call made.
    Unchanged,
    /// CloudFormation found nothing to change; the change set was deleted.
    NoChanges,
    /// Created.
    Created,
    /// Updated.
    Updated,
    /// `--no-execute`: the change set is left for review.
    ChangeSetLeft {
        /// Its name.
        name: String,
    },
    /// The operator declined; nothing was left behind.
    Declined,
    /// The stack is (or ended) in a failed or rolled-back state.
    Failed {
        /// Its status.
        status: StackStatus,
        /// The first resource failure and its reason.
        cause: Option<String>,
        /// What to do, for stuck states.
        remedy: Option<String>,
    },
    /// Not attempted because a stack it depends on did not deploy.
    Skipped {
        /// That stack.
        because: String,
    },
    /// A stack set: what was planned and each instance's result.
    StackSet(super::stack_set_flow::SetOutcome),
    /// An error talking to AWS.
    Error(CloudError),
}

impl DeployOutcome {
    /// Whether dependents may go on. A change set left for review counts:
    /// with `--no-execute`, dependents get their change sets too.
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            DeployOutcome::Unchanged
                | DeployOutcome::NoChanges
                | DeployOutcome::Created
                | DeployOutcome::Updated
                | DeployOutcome::ChangeSetLeft { .. }
        ) || matches!(self, DeployOutcome::StackSet(o) if o.is_ok())
    }
}

/// One stack's result.
#[derive(Debug)]
pub struct DeployReport {
    /// The stack.
    pub stack: String,
    /// How it ended.
    pub outcome: DeployOutcome,
    /// Its final status, when it exists.
    pub status: Option<StackStatus>,
    /// Its outputs.
    pub outputs: IndexMap<String, String>,
}

/// What an interrupt left: what was cleaned up and what is still changing.
#[derive(Debug, Default)]
pub struct Interrupted {
    /// Change sets deleted, as (stack, change set).
    pub deleted_change_sets: Vec<(String, String)>,
    /// Stacks created only to hold a change set, deleted again.
    pub deleted_stacks: Vec<String>,
    /// Stacks whose update was executing: CloudFormation goes on.
    pub still_changing: Vec<String>,
    /// Stacks whose stack policy was lifted for the update and restored.
    pub restored_policies: Vec<String>,
    /// Cleanup that failed, as messages.
    pub errors: Vec<String>,
}

#[derive(Clone, Debug)]
struct Pending {
    stack: String,
    name: String,
    target: Target,
    created_stack: bool,
}

/// What removing a pending change set did.
#[derive(Debug, Default)]
struct Removed {
    change_set: bool,
    stack: bool,
    errors: Vec<String>,
}

impl Pending {
    /// Deletes the change set (gone already is fine) and, when the stack was
    /// made only to hold it and is still REVIEW_IN_PROGRESS, the stack.
    async fn remove(&self) -> Removed {
        let mut out = Removed::default();
        match self.target.delete_change_set(&self.stack, &self.name).await {
            Ok(deleted) => out.change_set = deleted,
            Err(e) => out.errors.push(e.to_string()),
        }
        if self.created_stack {
            match self.target.describe(&self.stack).await {
                Ok(Some(s)) if s.status.phase() == Phase::Review => {
                    match self.target.delete_stack(&self.stack).await {
                        Ok(()) => out.stack = true,
                        Err(e) => out.errors.push(e.to_string()),
                    }
                }
                Ok(_) => {}
                Err(e) => out.errors.push(e.to_string()),
            }
        }
        out
    }
}

#[derive(Debug, Default)]
struct InFlight {
    change_sets: Vec<Pending>,
    executing: Vec<String>,
    /// Stacks whose policy is lifted for an update, with the policy to
    /// restore.
    lifted: Vec<(String, Target, String)>,
}

/// What adopting a stack's resources did.
enum Adopted {
    /// Nothing to adopt: the stack has every adopted resource.
    Nothing,
    /// Imported; the stack as it is now.
    Done(StackInfo),
    /// Stopped: declined, left for review, or failed.
    Stop(DeployReport),
}

/// Runs deploys and remembers what is in flight, so that an interrupt
/// leaves no change set behind ([`Deployer::interrupted`]).
pub struct Deployer<'a> {
    cloud: &'a Cloud,
    ui: &'a dyn Ui,
    options: DeployOptions,
    inflight: Mutex<InFlight>,
    /// The bootstraps (name, account, region) found current by
    /// [`Deployer::check_bootstrap`], so that the stacks a bootstrap
    /// manages read its template once per deploy, not once each.
    current_bootstraps: Mutex<Vec<(String, String, String)>>,
}

/// Whether a deployed stack already matches: the same template (the same
/// bytes, or the same meaning: a stack created from a template written by
/// hand and adopted with `pipewright import` reads differently but
/// changes nothing), the same parameter values (`NoEcho` and previous
/// values cannot be compared and count as equal) and the same tags.
/// Termination protection is not part of a change set and is handled
/// apart.
pub fn unchanged(
    deployed: &StackInfo,
    deployed_body: &str,
    artifact: &Artifact,
    parameters: &StackParameters,
) -> bool {
    same_template(deployed_body, artifact)
        && same_values(&deployed.parameters, &deployed.tags, artifact, parameters)
}

fn report(stack: &str, outcome: DeployOutcome, info: Option<&StackInfo>) -> DeployReport {
    DeployReport {
        stack: stack.to_owned(),
        outcome,
        status: info.map(|i| i.status.clone()),
        outputs: info.map(|i| i.outputs.clone()).unwrap_or_default(),
    }
}

impl<'a> Deployer<'a> {
    /// A deployer reporting to `ui`.
    pub fn new(cloud: &'a Cloud, ui: &'a dyn Ui, options: DeployOptions) -> Self {
        Self {
            cloud,
            ui,
            options,
            inflight: Mutex::new(InFlight::default()),
            current_bootstraps: Mutex::new(Vec::new()),
        }
    }

    /// Deploys `stacks` (in dependency order, independent ones concurrently)
    /// and reports each, in the order given. A stack whose dependency did
    /// not deploy is skipped.
    pub async fn deploy(&self, stacks: &[StackPlan<'_>]) -> Vec<DeployReport> {
        let graph: Vec<(String, Vec<String>)> = stacks
            .iter()
            .map(|p| (p.artifact.name.clone(), p.artifact.dependencies.clone()))
            .collect();
        let (mut done, skipped) = plan::run(
            Scheduler::deploy(&graph),
            self.options.concurrency,
            |name| {
                let plan = stacks.iter().find(|p| p.artifact.name == name)?;
                Some(self.deploy_one(plan))
            },
            |r: &DeployReport| r.outcome.is_ok(),
        )
        .await;
        for (name, because) in skipped {
            let skip = report(&name, DeployOutcome::Skipped { because }, None);
            done.insert(name, skip);
        }
        stacks
            .iter()
            .filter_map(|p| done.shift_remove(&p.artifact.name))
            .collect()
    }

    /// After the deploy future was dropped (Ctrl-C): deletes change sets not
    /// yet executed (and stacks created only to hold them) and names the
    /// stacks still changing.
    pub async fn interrupted(&self) -> Interrupted {
        let inflight =
            std::mem::take(&mut *self.inflight.lock().unwrap_or_else(|p| p.into_inner()));
        let mut out = Interrupted {
            still_changing: inflight.executing,
            ..Default::default()
        };
        for p in inflight.change_sets {
            let removed = p.remove().await;
            if removed.change_set {
                out.deleted_change_sets
                    .push((p.stack.clone(), p.name.clone()));
            }
            if removed.stack {
                out.deleted_stacks.push(p.stack.clone());
            }
            out.errors.extend(removed.errors);
        }
        for (stack, target, policy) in inflight.lifted {
            match target.set_stack_policy(&stack, &policy).await {
                Ok(()) => out.restored_policies.push(stack),
                Err(e) => out.errors.push(e.to_string()),
            }
        }
        out
    }

    fn inflight(&self) -> std::sync::MutexGuard<'_, InFlight> {
        self.inflight.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn deploy_one(&self, plan: &StackPlan<'_>) -> DeployReport {
        match self.try_deploy(plan).await {
            Ok(r) => r,
            Err(e) => report(&plan.artifact.name, DeployOutcome::Error(e), None),
        }
    }

    async fn try_deploy(&self, plan: &StackPlan<'_>) -> Result<DeployReport, CloudError> {
        let art = plan.artifact;
        if let Some(d) = &art.stack_set {
            return self.deploy_set(plan, d).await;
        }
        let name = art.name.as_str();
        let Opened { target, mut info } = self.cloud.open(art).await?;
        self.check_bootstrap(plan, &target).await?;
        if let Some(s) = &info
            && s.status.phase() == Phase::InProgress
        {
            info = settle(self.ui, &target, name, s).await?;
        }

        let phase = info.as_ref().map(|s| s.status.phase());
        let mut create = match phase {
            None | Some(Phase::Review) | Some(Phase::Deleted) => true,
            Some(Phase::Complete) | Some(Phase::UpdateRolledBack) => false,
            Some(Phase::CreateRolledBack) => {
                let question = format!(
                    "stack `{name}` is ROLLBACK_COMPLETE: its first create failed and it holds no resources. Delete it and create it again?"
                );
                if !self.options.yes && !self.ui.confirm(name, &question) {
                    return Ok(report(name, DeployOutcome::Declined, info.as_ref()));
                }
                let id = info.as_ref().map(|s| s.id.clone()).unwrap_or_default();
                self.ui.progress(
                    name,
                    Progress::Note("deleting the ROLLBACK_COMPLETE stack before creating it again"),
                );
                let mut log = EventLog::new();
                target.mark_history(name, &id, &mut log).await?;
                target.delete_stack(name).await?;
                let (gone, events) = follow(self.ui, &target, name, &id, &mut log).await?;
                if let Some(s) = gone.as_ref().filter(|s| s.status.phase() != Phase::Deleted) {
                    return Ok(self.failed(name, s, &events));
                }
                info = None;
                true
            }
            Some(Phase::Stuck) | Some(Phase::DeleteFailed) | Some(Phase::InProgress) => {
                let s = info.as_ref().map(|s| s.status.clone()).unwrap_or_default();
                return Ok(report(
                    name,
                    DeployOutcome::Failed {
                        remedy: remedy(name, s.as_str()),
                        cause: info.as_ref().and_then(|i| i.status_reason.clone()),
                        status: s,
                    },
                    info.as_ref(),
                ));
            }
        };
        if create
            && let Some((key, _)) = plan
                .parameters
                .values
                .iter()
                .find(|(_, v)| **v == Resolved::UsePrevious)
        {
            return Err(CloudError::NoPreviousValue {
                stack: name.to_owned(),
                key: key.clone(),
            });
        }

        if !art.adoptions.is_empty() {
            match self.adopt(plan, &target, info.as_ref(), create).await? {
                Adopted::Nothing => {}
                Adopted::Done(last) => {
                    info = Some(last);
                    create = false;
                }
                Adopted::Stop(report) => return Ok(report),
            }
        }

        let mut template = None;
        if !create && let Some(deployed) = &info {
            let body = target.template_body(name).await?;
            if !self.options.force && unchanged(deployed, &body, art, &plan.parameters) {
                self.ui.progress(name, Progress::Unchanged);
                self.protect(&target, art, deployed, None).await?;
                return Ok(report(name, DeployOutcome::Unchanged, info.as_ref()));
            }
            // A template another tool wrote may not read back: the preview
            // then compares against nothing rather than failing the deploy.
            template = reader::parse(&body).ok();
        }
        let deployed = match (&template, &info) {
            (Some(t), Some(i)) => Some((t, i)),
            _ => None,
        };
        let preview = preview(deployed, art, &plan.parameters);
        self.change(
            plan,
            &target,
            create,
            info.as_ref(),
            template.as_ref(),
            &preview,
        )
        .await
    }

    /// Deploys a stack set: plan, show the plan, confirm, carry it out
    /// (see [`super::stack_set_flow`]). No write when nothing changed.
    async fn deploy_set(
        &self,
        plan: &StackPlan<'_>,
        d: &crate::stack_set::Deployment,
    ) -> Result<DeployReport, CloudError> {
        let art = plan.artifact;
        let name = art.name.as_str();
        let target = self.cloud.target(art).await?;
        let run = super::stack_set_flow::SetDeploy {
            ui: self.ui,
            target: &target,
            art,
            deployment: d,
            parameters: &plan.parameters,
        };
        let set_plan = run.plan(self.options.force).await?;
        if set_plan.is_empty() {
            self.ui.progress(name, Progress::Unchanged);
            return Ok(report(name, DeployOutcome::Unchanged, None));
        }
        self.ui.progress(name, Progress::StackSetPlan(&set_plan));
        if self.options.no_execute {
            let outcome = super::stack_set_flow::SetOutcome {
                plan: set_plan,
                ..Default::default()
            };
            return Ok(report(name, DeployOutcome::StackSet(outcome), None));
        }
        let question = format!("deploy stack set `{name}` as shown?");
        if !self.options.yes && !self.ui.confirm(name, &question) {
            return Ok(report(name, DeployOutcome::Declined, None));
        }
        let outcome = run.execute(&set_plan).await?;
        Ok(report(name, DeployOutcome::StackSet(outcome), None))
    }

    /// Brings the resources the stack adopts and does not have yet into it
    /// with an `IMPORT` change set (which also creates a stack that does
    /// not exist), shown and confirmed like any change set. Refused,
    /// before any change, when another stack has one of them, or when
    /// CloudFormation refuses the import (most often: it does not exist).
    async fn adopt(
        &self,
        plan: &StackPlan<'_>,
        target: &Target,
        info: Option<&StackInfo>,
        create: bool,
    ) -> Result<Adopted, CloudError> {
        let art = plan.artifact;
        let name = art.name.as_str();
        let (base, have): (Template, Vec<String>) = match info {
            Some(_) if !create => {
                let template = target.deployed_template(name).await?;
                let have = template.resources.keys().map(|id| id.to_string()).collect();
                (template, have)
            }
            _ => (
                Template {
                    parameters: art.template.parameters.clone(),
                    mappings: art.template.mappings.clone(),
                    conditions: art.template.conditions.clone(),
                    ..Template::default()
                },
                Vec::new(),
            ),
        };
        let missing: Vec<crate::app::Adoption> = art
            .adoptions
            .iter()
            .filter(|a| !have.contains(&a.logical_id))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(Adopted::Nothing);
        }
        for a in &missing {
            // Every identifier value: a type identified by several
            // properties is another stack's when any of them is.
            for identifier in a.identifier.values().cloned() {
                if let Some((owner, owner_logical_id)) = target.owner_of(name, &identifier).await?
                    && owner != name
                {
                    return Err(CloudError::AdoptOwned {
                        stack: name.to_owned(),
                        claimed: Box::new(super::error::Claimed {
                            logical_id: a.logical_id.clone(),
                            resource_type: a.resource_type.clone(),
                            identifier,
                            owner,
                            owner_logical_id,
                        }),
                    });
                }
            }
        }
        // The template the stack has, plus exactly the adopted resources.
        let mut import = base;
        for a in &missing {
            if let Some((id, r)) = art.template.resources.get_key_value(a.logical_id.as_str()) {
                import.resources.insert(id.clone(), r.clone());
            }
        }
        for a in &missing {
            let Some(r) = import.resources.get(a.logical_id.as_str()) else {
                continue;
            };
            let problems = crate::app::unresolved_references(&import, r);
            if !problems.is_empty() {
                return Err(CloudError::AdoptReferences {
                    stack: name.to_owned(),
                    logical_id: a.logical_id.clone(),
                    problems,
                });
            }
        }
        let body = crate::template::json::to_string(&import);
        // Nothing else changes: an existing stack keeps its values.
        let parameters: Vec<(&str, Option<&str>)> = match info {
            Some(i) if !create => i.parameters.keys().map(|k| (k.as_str(), None)).collect(),
            _ => plan.parameters.for_api(),
        };
        let tags = wanted_tags(art, &plan.parameters);
        let template_url = staged_url(
            self.cloud,
            target,
            art,
            &body,
            self.options.template_bucket.as_deref(),
        )
        .await?;
        let cs_name = change_set::name(Some("import"), &art.hash);
        let request = ChangeSetRequest {
            stack: name,
            name: &cs_name,
            create,
            body: &body,
            template_url,
            parameters,
            capabilities: art.capabilities.iter().map(|c| c.as_str()).collect(),
            tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            description: format!(
                "pipewright import of {} into {name}",
                missing
                    .iter()
                    .map(|a| a.logical_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            imports: &missing,
        };
        self.inflight().change_sets.push(Pending {
            stack: name.to_owned(),
            name: cs_name.clone(),
            target: target.clone(),
            created_stack: create,
        });
        let result = self.import(plan, target, &request, info).await;
        let keep = matches!(&result, Ok(Adopted::Stop(r)) if matches!(r.outcome, DeployOutcome::ChangeSetLeft { .. }));
        if !keep {
            self.discard(name).await;
        }
        self.inflight().change_sets.retain(|p| p.stack != name);
        result
    }

    async fn import(
        &self,
        plan: &StackPlan<'_>,
        target: &Target,
        request: &ChangeSetRequest<'_>,
        info: Option<&StackInfo>,
    ) -> Result<Adopted, CloudError> {
        let name = plan.artifact.name.as_str();
        let (cs_id, stack_id) = target.create_change_set(request).await?;
        let state = target.wait_change_set(name, &cs_id).await?;
        if state.status != ChangeSetStatus::CreateComplete {
            return Err(CloudError::AdoptFailed {
                stack: name.to_owned(),
                resources: request
                    .imports
                    .iter()
                    .map(|a| {
                        (
                            a.logical_id.clone(),
                            a.resource_type.clone(),
                            a.identifier.values().cloned().collect::<Vec<_>>().join(","),
                        )
                    })
                    .collect(),
                reason: state
                    .reason
                    .unwrap_or_else(|| state.status.as_str().to_owned()),
                status: state.status,
            });
        }
        self.ui.progress(
            name,
            Progress::ChangeSet {
                name: request.name,
                summary: &state.summary,
                preview: &Preview::default(),
            },
        );
        if self.options.no_execute {
            return Ok(Adopted::Stop(report(
                name,
                DeployOutcome::ChangeSetLeft {
                    name: request.name.to_owned(),
                },
                info,
            )));
        }
        if !self.options.yes
            && !self.ui.confirm(
                name,
                &format!(
                    "execute import change set `{}` on stack `{name}`?",
                    request.name
                ),
            )
        {
            return Ok(Adopted::Stop(report(name, DeployOutcome::Declined, info)));
        }
        let mut log = EventLog::new();
        target.mark_history(name, &stack_id, &mut log).await?;
        self.inflight().executing.push(name.to_owned());
        if let Err(e) = target.execute_change_set(name, &cs_id).await {
            self.inflight().executing.retain(|s| s != name);
            return Err(e);
        }
        self.inflight().change_sets.retain(|p| p.stack != name);
        self.ui.progress(
            name,
            Progress::Started {
                operation: "import",
                resources: request.imports.len(),
            },
        );
        let followed = follow(self.ui, target, name, &stack_id, &mut log).await;
        self.inflight().executing.retain(|s| s != name);
        let (last, events) = followed?;
        let Some(last) = last else {
            return Err(CloudError::StackGone {
                stack: name.to_owned(),
            });
        };
        if !last.status.succeeded() {
            return Ok(Adopted::Stop(self.failed(name, &last, &events)));
        }
        Ok(Adopted::Done(last))
    }

    /// Refuses a managed stack while its account's deployed bootstrap is
    /// not the synthesized one: its execution role may lack what the
    /// template needs, and the deploy would fail halfway (issue #19). Read
    /// with the stack's own credentials, which may read the bootstrap, in
    /// the bootstrap's region (it serves the account's other regions too).
    /// A stack deployed without the execution role (the caller's own
    /// credentials or a profile, e.g. an operator in the operations
    /// account, whose bootstrap serves the infra pipeline, issue #24) does
    /// not depend on it and is not refused.
    async fn check_bootstrap(
        &self,
        plan: &StackPlan<'_>,
        target: &Target,
    ) -> Result<(), CloudError> {
        let Some(b) = plan
            .bootstrap
            .filter(|_| !plan.artifact.env.own_credentials && target.execution_role.is_some())
        else {
            return Ok(());
        };
        let reader = match &b.env.region {
            Some(region) => target.in_region(region),
            None => target.clone(),
        };
        let key = (
            b.name.clone(),
            b.env.account.clone().unwrap_or_default(),
            reader.region.clone(),
        );
        let known = || {
            self.current_bootstraps
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if known().contains(&key) {
            return Ok(());
        }
        let deployed = reader.template_body(&b.name).await.ok();
        if crate::app::is_current(b, deployed.as_deref()) {
            known().push(key);
            return Ok(());
        }
        Err(CloudError::StaleBootstrap {
            stack: plan.artifact.name.clone(),
            bootstrap: b.name.clone(),
            account: b.env.account.clone().unwrap_or_default(),
            deployed: deployed.is_some(),
        })
    }

    async fn change(
        &self,
        plan: &StackPlan<'_>,
        target: &Target,
        create: bool,
        info: Option<&StackInfo>,
        deployed: Option<&Template>,
        preview: &Preview,
    ) -> Result<DeployReport, CloudError> {
        let art = plan.artifact;
        let name = art.name.as_str();
        let cs_name = change_set::name(None, &art.hash);
        let tags = wanted_tags(art, &plan.parameters);
        let template_url = staged_url(
            self.cloud,
            target,
            art,
            &art.body,
            self.options.template_bucket.as_deref(),
        )
        .await?;
        let request = ChangeSetRequest {
            stack: name,
            name: &cs_name,
            create,
            body: &art.body,
            template_url,
            parameters: plan.parameters.for_api(),
            capabilities: art.capabilities.iter().map(|c| c.as_str()).collect(),
            tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            description: format!(
                "pipewright deploy of {name} ({})",
                &art.hash[..art.hash.len().min(12)]
            ),
            imports: &[],
        };
        // Registered before the call: an interrupt during it still cleans up.
        self.inflight().change_sets.push(Pending {
            stack: name.to_owned(),
            name: cs_name.clone(),
            target: target.clone(),
            created_stack: info.is_none(),
        });
        let result = self
            .review_and_execute(plan, target, &request, info, deployed, preview)
            .await;
        if !matches!(&result, Ok(r) if matches!(r.outcome, DeployOutcome::ChangeSetLeft { .. })) {
            self.discard(name).await;
        }
        self.inflight().change_sets.retain(|p| p.stack != name);
        result
    }

    /// Deletes a change set that was not executed (and the stack made only
    /// to hold it); a no-op when it was executed or never registered.
    async fn discard(&self, stack: &str) {
        let pending = self
            .inflight()
            .change_sets
            .iter()
            .find(|p| p.stack == stack)
            .cloned();
        if let Some(p) = pending {
            p.remove().await;
        }
    }

    async fn review_and_execute(
        &self,
        plan: &StackPlan<'_>,
        target: &Target,
        request: &ChangeSetRequest<'_>,
        info: Option<&StackInfo>,
        deployed: Option<&Template>,
        preview: &Preview,
    ) -> Result<DeployReport, CloudError> {
        let art = plan.artifact;
        let name = art.name.as_str();
        let (cs_id, stack_id) = target.create_change_set(request).await?;
        let mut state = target.wait_change_set(name, &cs_id).await?;
        mark_create_only(&mut state.summary, preview);
        if state.status != ChangeSetStatus::CreateComplete {
            let reason = state
                .reason
                .unwrap_or_else(|| state.status.as_str().to_owned());
            if means_no_changes(&reason) {
                self.ui.progress(name, Progress::Note("no changes"));
                if let Some(deployed) = info {
                    self.protect(target, art, deployed, None).await?;
                }
                return Ok(report(name, DeployOutcome::NoChanges, info));
            }
            return Err(CloudError::ChangeSetFailed {
                stack: name.to_owned(),
                status: state.status,
                reason,
            });
        }
        // A complete change set without resource changes still updates
        // parameter values, tags or outputs: it is executed like any other.
        let risk = at_risk(&state.summary, deployed, art, &self.options.allow_replace);
        let shown = Preview {
            data: risk.clone(),
            ..preview.clone()
        };
        self.ui.progress(
            name,
            Progress::ChangeSet {
                name: request.name,
                summary: &state.summary,
                preview: &shown,
            },
        );
        if self.options.no_execute {
            return Ok(report(
                name,
                DeployOutcome::ChangeSetLeft {
                    name: request.name.to_owned(),
                },
                info,
            ));
        }
        let refused: Vec<AtRisk> = risk
            .iter()
            .filter(|r| r.allowed.is_none())
            .cloned()
            .collect();
        if !refused.is_empty() {
            return Err(CloudError::DataAtRisk {
                stack: name.to_owned(),
                changes: refused,
            });
        }
        if !self.options.yes
            && !self.ui.confirm(
                name,
                &format!("execute change set `{}` on stack `{name}`?", request.name),
            )
        {
            return Ok(report(name, DeployOutcome::Declined, info));
        }

        let mut log = EventLog::new();
        target.mark_history(name, &stack_id, &mut log).await?;
        // The stack policy denies what is allowed here: lifted for exactly
        // those resources during this update, and restored after it,
        // however it ends.
        // A stack whose code guards nothing any more (the last guarded
        // resource is removed) may still have the policy that guarded it:
        // it is lifted too, and an allow-all policy stays.
        let lifted: Vec<&str> = risk.iter().map(|r| r.logical_id.as_str()).collect();
        let restore = if request.create || lifted.is_empty() {
            None
        } else {
            let during = art
                .protection
                .policy_without(&lifted)
                .unwrap_or_else(|| crate::app::ALLOW_ALL.to_owned());
            // Set back to what is deployed, which guards what a rollback
            // brings back; a successful update then gets the code's
            // policy (`protect`).
            let base = target
                .stack_policy(name)
                .await?
                .unwrap_or_else(|| crate::app::ALLOW_ALL.to_owned());
            // Recorded before the call: an interrupt during it still sets
            // the policy back.
            self.inflight()
                .lifted
                .push((name.to_owned(), target.clone(), base.clone()));
            target.set_stack_policy(name, &during).await?;
            Some(base)
        };
        self.inflight().executing.push(name.to_owned());
        if let Err(e) = target.execute_change_set(name, &cs_id).await {
            // Still pending: the caller deletes it.
            self.inflight().executing.retain(|s| s != name);
            self.restore_policy(target, name, restore.as_deref(), Some(&e))
                .await?;
            return Err(e);
        }
        self.inflight().change_sets.retain(|p| p.stack != name);
        self.ui.progress(
            name,
            Progress::Started {
                operation: if request.create { "create" } else { "update" },
                resources: art.template.resources.len(),
            },
        );
        let followed = follow(self.ui, target, name, &stack_id, &mut log).await;
        self.inflight().executing.retain(|s| s != name);
        let restored = self
            .restore_policy(target, name, restore.as_deref(), None)
            .await;
        let (last, events) = followed?;
        restored?;
        let Some(last) = last else {
            return Err(CloudError::StackGone {
                stack: name.to_owned(),
            });
        };
        if !last.status.succeeded() {
            return Ok(self.failed(name, &last, &events));
        }
        // The policy just set back is the current one: not read again.
        self.protect(target, art, &last, restore).await?;
        if let Some(note) = pending_connection_note(&state.summary) {
            self.ui.progress(name, Progress::Note(note));
        }
        let outcome = if request.create {
            DeployOutcome::Created
        } else {
            DeployOutcome::Updated
        };
        Ok(report(name, outcome, Some(&last)))
    }

    /// Turns termination protection on when the code asks for it and the
    /// stack lacks it; notes when AWS has it on and the code does not
    /// (pipewright never turns it off); and sets the code's stack policy.
    /// `current` is the stack's policy when the caller knows it (it has
    /// just set it); otherwise it is read.
    async fn protect(
        &self,
        target: &Target,
        art: &Artifact,
        deployed: &StackInfo,
        current: Option<String>,
    ) -> Result<(), CloudError> {
        let name = art.name.as_str();
        // A stack read through another account's role (the bootstrap
        // stack) is guarded by the deploy made with its own credentials.
        if target.read_only.is_some() {
            return Ok(());
        }
        let current = match current {
            Some(known) => Some(known),
            None => target.stack_policy(name).await?,
        };
        match art.protection.stack_policy() {
            Some(policy) if !same_policy(current.as_deref(), &policy) => {
                target.set_stack_policy(name, &policy).await?;
                self.ui.progress(
                    name,
                    Progress::Note(&format!(
                        "stack policy set: replacing or deleting {} is denied",
                        art.protection.guarded.join(", ")
                    )),
                );
            }
            // The code guards nothing (opted out, or the guarded resources
            // are gone): a policy left from an earlier deploy would still
            // deny their replacement, so it allows all.
            None if current
                .as_deref()
                .is_some_and(|c| !same_policy(Some(c), crate::app::ALLOW_ALL)) =>
            {
                target.set_stack_policy(name, crate::app::ALLOW_ALL).await?;
                self.ui.progress(
                    name,
                    Progress::Note(
                        "stack policy lifted: the code guards no resource of this stack",
                    ),
                );
            }
            _ => {}
        }
        if art.termination_protection && !deployed.termination_protection {
            match target.protect(name).await {
                Ok(()) => self
                    .ui
                    .progress(name, Progress::Note("termination protection turned on")),
                // An endpoint that lacks the call: said, and the deploy
                // goes on. A bare HTTP error counts only from a given
                // endpoint (moto answers the call so); from AWS it is an
                // error.
                Err(CloudError::NotSupported { .. }) => self.ui.progress(
                    name,
                    Progress::Note(
                        "termination protection is not on: the endpoint does not implement UpdateTerminationProtection",
                    ),
                ),
                Err(CloudError::Http { .. }) if target.custom_endpoint => self.ui.progress(
                    name,
                    Progress::Note(
                        "termination protection is not on: the endpoint does not implement UpdateTerminationProtection",
                    ),
                ),
                Err(e) => return Err(e),
            }
        } else if deployed.termination_protection && !art.termination_protection {
            self.ui.progress(
                name,
                Progress::Note(
                    "termination protection is on in AWS and off in code; pipewright leaves it on",
                ),
            );
        }
        Ok(())
    }

    /// Sets the stack policy back to `base` after an update that lifted
    /// it; a no-op when nothing was lifted. A failure to set it is
    /// [`CloudError::PolicyLeftLifted`], carrying the update's own error
    /// `update` when it failed too.
    async fn restore_policy(
        &self,
        target: &Target,
        name: &str,
        base: Option<&str>,
        update: Option<&CloudError>,
    ) -> Result<(), CloudError> {
        let Some(base) = base else {
            return Ok(());
        };
        match target.set_stack_policy(name, base).await {
            Ok(()) => {
                self.inflight().lifted.retain(|(s, _, _)| s != name);
                Ok(())
            }
            Err(e) => Err(CloudError::PolicyLeftLifted {
                stack: name.to_owned(),
                policy: base.to_owned(),
                source: Box::new(e),
                update: update.map(|u| Box::new(u.clone())),
            }),
        }
    }

    fn failed(&self, name: &str, last: &StackInfo, events: &[StackEvent]) -> DeployReport {
        let cause = failure_cause(events, name, last.status_reason.as_deref());
        report(
            name,
            DeployOutcome::Failed {
                status: last.status.clone(),
                cause,
                remedy: remedy(name, last.status.as_str()),
            },
            Some(last),
        )
    }
}

/// Marks as replaced every modification the change set gives no
/// replacement for (a local emulator never does) whose create-only property
/// changes, by the provider schemas: what is known in advance is said.
fn mark_create_only(summary: &mut change_set::Summary, preview: &Preview) {
    for c in &mut summary.changes {
        if c.action == change_set::Action::Modify
            && matches!(c.replacement, change_set::Replacement::Unknown(_))
            && let Some(properties) = preview.replaced.get(&c.logical_id)
        {
            c.replacement = change_set::Replacement::Yes;
            if c.properties.is_empty() {
                c.properties = properties.clone();
            }
        }
    }
}

/// Whether a deployed stack policy says what `want` says (AWS may give it
/// back formatted otherwise).
fn same_policy(current: Option<&str>, want: &str) -> bool {
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).ok();
    current.is_some_and(|c| c == want || (parse(c).is_some() && parse(c) == parse(want)))
}

/// Where `body`, a template of `art`'s stack, is staged in S3 when it is
/// over the inline limit (uploading it); `None` for one passed inline.
pub(crate) async fn staged_url(
    cloud: &Cloud,
    target: &Target,
    art: &Artifact,
    body: &str,
    bucket: Option<&str>,
) -> Result<Option<String>, CloudError> {
    if body.len() <= staging::MAX_INLINE_BODY {
        return Ok(None);
    }
    let bucket = match bucket {
        Some(name) => staging::Bucket::Named(name.to_owned()),
        None => staging::Bucket::Bootstrap {
            account: match &art.env.account {
                Some(account) => account.clone(),
                None => cloud.account().await?.to_owned(),
            },
        },
    };
    staging::stage(target, &art.name, body, &bucket)
        .await
        .map(Some)
}

/// The types of a connection to a repository host, which CloudFormation
/// creates `PENDING`: only a person in the console can complete the
/// handshake with the host.
const CONNECTION_TYPES: &[&str] = &[
    "AWS::CodeStarConnections::Connection",
    "AWS::CodeConnections::Connection",
];

/// What to tell the operator after a change set that creates a connection
/// (or replaces one): it stays `PENDING`, and nothing that uses it works,
/// until someone completes it in the console
/// (<https://docs.aws.amazon.com/dtconsole/latest/userguide/connections-update.html>).
/// A connection that already exists and stays is not mentioned again.
pub fn pending_connection_note(summary: &change_set::Summary) -> Option<&'static str> {
    summary
        .changes
        .iter()
        .any(|c| {
            CONNECTION_TYPES.contains(&c.resource_type.as_str())
                && (c.action == change_set::Action::Add
                    || matches!(
                        c.replacement,
                        change_set::Replacement::Yes | change_set::Replacement::Conditional
                    ))
        })
        .then_some(
            "a new connection stays PENDING until someone completes it: console, Developer Tools > Settings > Connections, choose the connection, Update pending connection",
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;

    #[test]
    fn a_silent_change_set_is_told_what_the_schemas_know() {
        use super::change_set::{Action, Replacement, ResourceChange, Summary};
        let change = |id: &str| ResourceChange {
            action: Action::Modify,
            logical_id: id.into(),
            resource_type: "AWS::ECR::Repository".into(),
            physical_id: None,
            replacement: Replacement::Unknown(String::new()),
            scope: vec![],
            properties: vec![],
        };
        let mut summary = Summary::new(vec![change("Renamed"), change("Rescanned")]);
        let preview = Preview {
            replaced: [("Renamed".to_owned(), vec!["RepositoryName".to_owned()])]
                .into_iter()
                .collect(),
            ..Preview::default()
        };
        mark_create_only(&mut summary, &preview);
        assert_eq!(summary.changes[0].replacement, Replacement::Yes);
        assert_eq!(summary.changes[0].properties, ["RepositoryName"]);
        assert_eq!(
            summary.changes[1].replacement,
            Replacement::Unknown(String::new()),
            "what nobody knows stays unknown"
        );
    }

    #[test]
    fn a_connection_is_announced_only_when_the_change_set_creates_or_replaces_it() {
        use super::change_set::{Action, Replacement, ResourceChange, Summary};
        let change = |action, replacement| ResourceChange {
            action,
            logical_id: "GitHubConnection".into(),
            resource_type: "AWS::CodeStarConnections::Connection".into(),
            physical_id: None,
            replacement,
            scope: Vec::new(),
            properties: Vec::new(),
        };
        let note = |c| pending_connection_note(&Summary::new(vec![c]));
        assert!(note(change(Action::Add, Replacement::No)).is_some());
        assert!(note(change(Action::Modify, Replacement::Yes)).is_some());
        assert_eq!(note(change(Action::Modify, Replacement::No)), None);
        let mut other = change(Action::Add, Replacement::No);
        other.resource_type = "AWS::S3::Bucket".into();
        assert_eq!(note(other), None);
    }
    use crate::App;
    use crate::parameters::StackParameters;

    fn artifact() -> Artifact {
        let assembly = App::new()
            .stack(crate::Stack::new("s").tag("team", "platform"))
            .synth();
        let mut assembly = assembly.unwrap();
        assembly.stacks.remove(0)
    }

    fn deployed(art: &Artifact) -> StackInfo {
        StackInfo {
            status: "UPDATE_COMPLETE".into(),
            tags: [("team".to_owned(), "platform".to_owned())]
                .into_iter()
                .collect(),
            parameters: [
                ("Token".to_owned(), "****".to_owned()),
                ("Repo".to_owned(), "app".to_owned()),
            ]
            .into_iter()
            .collect(),
            name: art.name.clone(),
            ..Default::default()
        }
    }

    fn params(repo: &str) -> StackParameters {
        StackParameters {
            values: [
                ("Token".to_owned(), Resolved::Value("new-secret".into())),
                ("Repo".to_owned(), Resolved::Value(repo.into())),
            ]
            .into_iter()
            .collect(),
            no_echo: vec!["Token".into()],
            ..Default::default()
        }
    }

    #[test]
    fn unchanged_compares_body_parameters_and_tags_and_ignores_protection() {
        let mut art = artifact();
        let info = deployed(&art);
        assert!(unchanged(&info, &art.body, &art, &params("app")));
        assert!(!unchanged(&info, "other", &art, &params("app")));
        // The same template written another way (an adopted stack's
        // hand-written YAML) changes nothing; another meaning does.
        let as_json = crate::template::json::to_string(&art.template);
        assert_ne!(as_json, art.body);
        assert!(unchanged(&info, &as_json, &art, &params("app")));
        let mut other = art.template.clone();
        other.description = Some("another description".into());
        let other = crate::template::json::to_string(&other);
        assert!(!unchanged(&info, &other, &art, &params("app")));
        assert!(!unchanged(&info, &art.body, &art, &params("other")));
        let mut retagged = info.clone();
        retagged.tags.insert("extra".into(), "x".into());
        assert!(!unchanged(&retagged, &art.body, &art, &params("app")));
        let mut previous = params("app");
        previous.values["Repo"] = Resolved::UsePrevious;
        assert!(unchanged(&info, &art.body, &art, &previous));
        art.termination_protection = true;
        assert!(
            unchanged(&info, &art.body, &art, &params("app")),
            "protection is not part of a change set"
        );
    }

    #[test]
    fn the_preview_lists_changed_values_and_masks_no_echo_ones() {
        let art = artifact();
        let mut info = deployed(&art);
        info.parameters.insert("Gone".into(), "old".into());
        let template = Template::default();
        let mut p = params("other");
        p.values
            .insert("Added".into(), Resolved::Value("new".into()));
        let changed = preview(Some((&template, &info)), &art, &p);
        assert_eq!(
            changed.parameters,
            [
                ParameterChange {
                    key: "Repo".into(),
                    old: Some("app".into()),
                    new: Some("other".into()),
                },
                ParameterChange {
                    key: "Added".into(),
                    old: None,
                    new: Some("new".into()),
                },
                ParameterChange {
                    key: "Gone".into(),
                    old: Some("old".into()),
                    new: None,
                },
            ],
            "the NoEcho `Token` cannot be compared and is left out"
        );
        assert!(
            changed.tags.is_empty(),
            "the tags match: {:?}",
            changed.tags
        );
        // Tags the deployed stack has and the code does not give go away.
        let mut tagged = info.clone();
        tagged.tags.insert("cost-center".into(), "42".into());
        assert_eq!(
            preview(Some((&template, &tagged)), &art, &p).tags,
            [ParameterChange {
                key: "cost-center".into(),
                old: Some("42".into()),
                new: None,
            }]
        );
        // A first deploy lists every value, NoEcho ones masked.
        let first = preview(None, &art, &params("app"));
        assert_eq!(
            first.parameters[0],
            ParameterChange {
                key: "Token".into(),
                old: None,
                new: Some(MASK.into()),
            }
        );
        assert!(first.iam.is_empty(), "the stack grants nothing");
        // Kept previous values are no change.
        let mut previous = params("app");
        previous.values["Repo"] = Resolved::UsePrevious;
        assert!(
            preview(Some((&template, &info)), &art, &previous)
                .parameters
                .iter()
                .all(|c| c.key == "Gone")
        );
    }

    #[test]
    fn file_tags_add_to_code_tags_without_overriding() {
        let art = artifact();
        let mut p = StackParameters::default();
        p.tags.insert("team".into(), "other".into());
        p.tags.insert("cost".into(), "ci".into());
        let tags = wanted_tags(&art, &p);
        assert_eq!(tags["team"], "platform");
        assert_eq!(tags["cost"], "ci");
    }
}

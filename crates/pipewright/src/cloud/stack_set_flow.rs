//! Deploying and destroying a stack set: read what exists, plan (see
//! [`super::stack_set`]), write only what changed, and follow each
//! operation to its end with every instance's result.
//!
//! The order of the writes: create the set; remove the instances of
//! targets that left (so an update does not reach them); update the set
//! and the instances it keeps; add the new instances. CloudFormation runs
//! one operation of a set at a time, so each is followed to its end before
//! the next starts.

use super::api::Target;
use super::error::CloudError;
use super::stack_set::{self, SetPlan, Slot};
use super::stack_set_api::SetRequest;
use super::ui::{Progress, Ui};
use super::values::{InstanceResult, StackSetOperationStatus};
use crate::app::Artifact;
use crate::parameters::StackParameters;
use crate::stack_set::Deployment;
use indexmap::IndexMap;

/// How a stack set deploy or destroy ended.
#[derive(Clone, Debug, Default)]
pub struct SetOutcome {
    /// What the deploy planned.
    pub plan: SetPlan,
    /// Whether the plan was carried out (false with `--no-execute`).
    pub executed: bool,
    /// Each account and region an operation reached, with its result, in
    /// the order the operations ran.
    pub results: Vec<InstanceResult>,
    /// The operations that did not succeed, as (operation, status).
    pub failed_operations: Vec<(String, StackSetOperationStatus)>,
}

impl SetOutcome {
    /// Whether every instance and operation succeeded.
    pub fn is_ok(&self) -> bool {
        self.failed_operations.is_empty() && stack_set::failures(&self.results).is_empty()
    }
}

/// What one deploy of a set needs, bound together.
pub(crate) struct SetDeploy<'a> {
    pub ui: &'a dyn Ui,
    pub target: &'a Target,
    pub art: &'a Artifact,
    pub deployment: &'a Deployment,
    pub parameters: &'a StackParameters,
}

impl SetDeploy<'_> {
    fn name(&self) -> &str {
        &self.art.name
    }

    /// Reads the set and its instances and plans the deploy; `force`
    /// updates the set even when it matches.
    pub async fn plan(&self, force: bool) -> Result<SetPlan, CloudError> {
        let d = self.deployment;
        let info = self.target.describe_stack_set(self.name(), d).await?;
        let instances = match &info {
            Some(_) => self.target.stack_instances(self.name(), d).await?,
            None => Vec::new(),
        };
        let unchanged = info
            .as_ref()
            .is_some_and(|i| !force && stack_set::set_unchanged(i, self.art, self.parameters));
        Ok(stack_set::plan(d, info.as_ref(), unchanged, &instances))
    }

    /// Carries out `plan`, following each operation.
    pub async fn execute(&self, plan: &SetPlan) -> Result<SetOutcome, CloudError> {
        let (name, d, target) = (self.name(), self.deployment, self.target);
        let tags = super::preview::wanted_tags(self.art, self.parameters);
        let req = SetRequest {
            body: &self.art.body,
            parameters: self.parameters.for_api(),
            tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
            capabilities: &self.art.capabilities,
            deployment: d,
        };
        let mut out = SetOutcome {
            plan: plan.clone(),
            executed: true,
            ..SetOutcome::default()
        };
        if plan.create {
            self.ui
                .progress(name, Progress::Note("creating the stack set"));
            target.create_stack_set(name, &req).await?;
        }
        for (targets, regions) in stack_set::groups(&plan.remove) {
            let retain = false;
            let id = target
                .delete_stack_instances(name, d, &targets, &regions, retain)
                .await?;
            self.follow("remove instances", &id, &mut out).await?;
        }
        if plan.update {
            // One group: name it, so the operation reports exactly those
            // instances; otherwise the update reaches every instance.
            let groups = stack_set::groups(&plan.update_instances);
            let (targets, regions) = match groups.as_slice() {
                [(t, r)] => (t.clone(), r.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            let id = target
                .update_stack_set(name, &req, &targets, &regions)
                .await?;
            self.follow("update", &id, &mut out).await?;
        }
        for (overrides, slots) in by_overrides(d, &plan.add) {
            let pairs: Vec<(&str, &str)> = overrides
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            for (targets, regions) in stack_set::groups(&slots) {
                let id = target
                    .create_stack_instances(name, d, &targets, &regions, &pairs)
                    .await?;
                self.follow("add instances", &id, &mut out).await?;
            }
        }
        Ok(out)
    }

    /// Follows operation `id` to its end, reporting each instance's result
    /// once per status it reaches.
    async fn follow(
        &self,
        operation: &str,
        id: &str,
        out: &mut SetOutcome,
    ) -> Result<(), CloudError> {
        let (name, d, target) = (self.name(), self.deployment, self.target);
        self.ui.progress(name, Progress::Note(operation));
        let mut seen: Vec<InstanceResult> = Vec::new();
        loop {
            let status = target.stack_set_operation(name, d, id).await?;
            let results = target.operation_results(name, d, id).await?;
            for r in &results {
                if !seen.contains(r) {
                    self.ui.progress(name, Progress::Instance(r));
                }
            }
            seen = results;
            if status.is_settled() {
                if status != StackSetOperationStatus::Succeeded {
                    out.failed_operations.push((operation.to_owned(), status));
                }
                out.results.extend(seen);
                return Ok(());
            }
            tokio::time::sleep(target.poll).await;
        }
    }
}

/// The additions grouped by the parameter overrides that apply to them:
/// every override whose target is the slot's and whose regions include
/// the slot's (none listed: all), later ones winning.
fn by_overrides(d: &Deployment, slots: &[Slot]) -> Vec<(IndexMap<String, String>, Vec<Slot>)> {
    let mut out: Vec<(IndexMap<String, String>, Vec<Slot>)> = Vec::new();
    for s in slots {
        let mut values = IndexMap::new();
        for o in d.overrides.iter().filter(|o| {
            o.target == s.target && (o.regions.is_empty() || o.regions.contains(&s.region))
        }) {
            values.extend(o.parameters.clone());
        }
        match out.iter_mut().find(|(v, _)| *v == values) {
            Some((_, group)) => group.push(s.clone()),
            None => out.push((values, vec![s.clone()])),
        }
    }
    out
}

/// Destroys a stack set: its instances (and their stacks), then the set.
/// A set that does not exist is already destroyed.
pub(crate) async fn destroy(
    ui: &dyn Ui,
    target: &Target,
    art: &Artifact,
    d: &Deployment,
) -> Result<Option<SetOutcome>, CloudError> {
    let name = art.name.as_str();
    if target.describe_stack_set(name, d).await?.is_none() {
        return Ok(None);
    }
    let instances = target.stack_instances(name, d).await?;
    let slots = stack_set::existing(d, &instances);
    let mut out = SetOutcome {
        plan: SetPlan {
            remove: slots.clone(),
            ..SetPlan::default()
        },
        executed: true,
        ..SetOutcome::default()
    };
    let params = StackParameters::default();
    let run = SetDeploy {
        ui,
        target,
        art,
        deployment: d,
        parameters: &params,
    };
    // Retention on account removal is about accounts leaving a unit; a
    // destroy deletes every instance's stack.
    let retain = false;
    for (targets, regions) in stack_set::groups(&slots) {
        let id = target
            .delete_stack_instances(name, d, &targets, &regions, retain)
            .await?;
        run.follow("remove instances", &id, &mut out).await?;
    }
    if out.is_ok() {
        ui.progress(name, Progress::Note("deleting the stack set"));
        target.delete_stack_set(name, d).await?;
    }
    Ok(Some(out))
}

//! Destroy: delete stacks in reverse dependency order, list what is
//! retained, succeed when a stack is already gone, never turn termination
//! protection off, and name the resources that failed to delete.

use super::api::Target;
use super::client::{Cloud, Opened};
use super::error::CloudError;
use super::plan::{self, Scheduler};
use super::stack_events::EventLog;
use super::state::{Phase, StackStatus};
use super::ui::{Progress, Ui};
use super::values::{ResourceStatus, ResourceSummary};
use super::watch::{follow, settle};
use crate::app::Artifact;
use crate::template::{Policy, Template};

/// A resource CloudFormation keeps when the stack is deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainedResource {
    /// The logical ID.
    pub logical_id: String,
    /// The type.
    pub resource_type: String,
    /// The physical ID (name or ARN), when it was created.
    pub physical_id: Option<String>,
}

/// How one stack's destroy ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum DestroyOutcome {
    /// Deleted; these resources were kept.
    Deleted {
        /// Resources with `DeletionPolicy: Retain`.
        retained: Vec<RetainedResource>,
    },
    /// The stack did not exist.
    AlreadyGone,
    /// Termination protection is on; nothing was done.
    Protected,
    /// The delete failed.
    Failed {
        /// The stack's status.
        status: StackStatus,
        /// The resources that failed, as `LogicalId (Type): reason`.
        resources: Vec<String>,
    },
    /// Not attempted because a stack that depends on it was not deleted.
    Skipped {
        /// That stack.
        because: String,
    },
    /// An error talking to AWS.
    Error(CloudError),
}

impl DestroyOutcome {
    /// Whether the stack is gone.
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            DestroyOutcome::Deleted { .. } | DestroyOutcome::AlreadyGone
        )
    }
}

/// One stack's result.
#[derive(Debug)]
pub struct DestroyReport {
    /// The stack.
    pub stack: String,
    /// How it ended.
    pub outcome: DestroyOutcome,
}

/// The resources of `template` kept on delete, with their physical IDs
/// from `resources`.
pub fn retained(template: &Template, resources: &[ResourceSummary]) -> Vec<RetainedResource> {
    template
        .resources
        .iter()
        .filter(|(_, r)| {
            matches!(
                r.deletion_policy,
                Some(Policy::Retain) | Some(Policy::RetainExceptOnCreate)
            )
        })
        .map(|(id, r)| RetainedResource {
            logical_id: id.as_str().to_owned(),
            resource_type: r.kind.clone(),
            physical_id: resources
                .iter()
                .find(|s| s.logical_id == id.as_str())
                .and_then(|s| s.physical_id.clone()),
        })
        .collect()
}

/// Destroys `stacks`, dependents first, up to `concurrency` at once.
pub async fn destroy(
    cloud: &Cloud,
    ui: &dyn Ui,
    stacks: &[&Artifact],
    concurrency: usize,
) -> Vec<DestroyReport> {
    let graph: Vec<(String, Vec<String>)> = stacks
        .iter()
        .map(|a| (a.name.clone(), a.dependencies.clone()))
        .collect();
    let scheduler = Scheduler::destroy(&graph);
    // Report in schedule order: dependents before what they depend on.
    let order: Vec<String> = scheduler.slots().keys().cloned().collect();
    let (mut done, skipped) = plan::run(
        scheduler,
        concurrency,
        |name| {
            let art = stacks.iter().find(|a| a.name == name)?;
            Some(async move {
                destroy_one(cloud, ui, art)
                    .await
                    .unwrap_or_else(DestroyOutcome::Error)
            })
        },
        DestroyOutcome::is_ok,
    )
    .await;
    for (name, because) in skipped {
        done.insert(name, DestroyOutcome::Skipped { because });
    }
    order
        .into_iter()
        .filter_map(|stack| {
            let outcome = done.shift_remove(&stack)?;
            Some(DestroyReport { stack, outcome })
        })
        .collect()
}

/// What deleting a stack would keep, read before asking: per stack, its
/// retained resources, `None` when it is not deployed, or the error that
/// kept it from being read. Up to `concurrency` stacks at once, in the
/// order given.
pub async fn retained_before(
    cloud: &Cloud,
    stacks: &[&Artifact],
    concurrency: usize,
) -> Vec<(String, Result<Option<Vec<RetainedResource>>, CloudError>)> {
    use futures_util::StreamExt;
    futures_util::stream::iter(stacks.iter().map(|art| async move {
        let kept = async {
            // A stack set's instances keep what their template retains in
            // each account; its own admin account holds no stack to read.
            if art.stack_set.is_some() {
                return Ok(None);
            }
            let Opened { target, info } = cloud.open(art).await?;
            match info {
                None => Ok(None),
                Some(_) => Ok(Some(deployed_retained(&target, art).await?.0)),
            }
        }
        .await;
        (art.name.clone(), kept)
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await
}

/// What the deployed template retains, with the stack's resources; the
/// code's template when the deployed one cannot be read (written by
/// another tool).
async fn deployed_retained(
    target: &Target,
    art: &Artifact,
) -> Result<(Vec<RetainedResource>, Vec<ResourceSummary>), CloudError> {
    let deployed = target.deployed_template(&art.name).await.ok();
    let resources = target.resources(&art.name).await?;
    let kept = retained(deployed.as_ref().unwrap_or(&art.template), &resources);
    Ok((kept, resources))
}

async fn destroy_one(
    cloud: &Cloud,
    ui: &dyn Ui,
    art: &Artifact,
) -> Result<DestroyOutcome, CloudError> {
    let name = art.name.as_str();
    if let Some(d) = &art.stack_set {
        return destroy_set(cloud, ui, art, d).await;
    }
    let Opened { target, info } = cloud.open(art).await?;
    let Some(mut info) = info else {
        return Ok(DestroyOutcome::AlreadyGone);
    };
    if info.status.phase() == Phase::InProgress {
        match settle(ui, &target, name, &info).await? {
            Some(s) => info = s,
            None => return Ok(DestroyOutcome::AlreadyGone),
        }
    }
    if info.termination_protection {
        return Ok(DestroyOutcome::Protected);
    }
    // Read again, not reused from `retained_before`: the prompt may have
    // waited while someone changed the stack, and what is reported as
    // retained or failed must be what this delete acts on.
    let (kept, resources) = deployed_retained(&target, art).await?;

    let mut log = EventLog::new();
    target.mark_history(name, &info.id, &mut log).await?;
    target.delete_stack(name).await?;
    ui.progress(
        name,
        Progress::Started {
            operation: "delete",
            resources: resources.len(),
        },
    );
    let (last, events) = follow(ui, &target, name, &info.id, &mut log).await?;
    match last {
        None => Ok(DestroyOutcome::Deleted { retained: kept }),
        Some(s) if s.status.phase() == Phase::Deleted => {
            Ok(DestroyOutcome::Deleted { retained: kept })
        }
        Some(s) => {
            let mut failed: Vec<String> = events
                .iter()
                .filter(|e| e.status == ResourceStatus::DeleteFailed && e.logical_id != name)
                .map(|e| {
                    format!(
                        "{} ({}): {}",
                        e.logical_id,
                        e.resource_type,
                        e.reason.as_deref().unwrap_or("no reason given")
                    )
                })
                .collect();
            if failed.is_empty() {
                failed = target
                    .resources(name)
                    .await?
                    .into_iter()
                    .filter(|r| r.status == ResourceStatus::DeleteFailed)
                    .map(|r| {
                        format!(
                            "{} ({}): {}",
                            r.logical_id,
                            r.resource_type,
                            r.reason.as_deref().unwrap_or("no reason given")
                        )
                    })
                    .collect();
            }
            Ok(DestroyOutcome::Failed {
                status: s.status,
                resources: failed,
            })
        }
    }
}

/// Destroys a stack set: its instances, then the set. Instances that fail
/// to delete are named by account and region, and the set is kept.
async fn destroy_set(
    cloud: &Cloud,
    ui: &dyn Ui,
    art: &Artifact,
    d: &crate::stack_set::Deployment,
) -> Result<DestroyOutcome, CloudError> {
    let target = cloud.target(art).await?;
    let Some(out) = super::stack_set_flow::destroy(ui, &target, art, d).await? else {
        return Ok(DestroyOutcome::AlreadyGone);
    };
    if out.is_ok() {
        return Ok(DestroyOutcome::Deleted {
            retained: Vec::new(),
        });
    }
    Ok(DestroyOutcome::Failed {
        status: StackStatus::DeleteFailed,
        resources: super::stack_set::failures(&out.results)
            .into_iter()
            .map(|r| {
                format!(
                    "instance {} {} ({}): {}",
                    r.account,
                    r.region,
                    r.status,
                    r.reason.as_deref().unwrap_or("no reason given")
                )
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_retained_resources_with_their_physical_ids() {
        let template = crate::template::reader::parse(
            "Resources:\n  Repo:\n    Type: AWS::ECR::Repository\n    DeletionPolicy: Retain\n  Topic:\n    Type: AWS::SNS::Topic\n",
        )
        .unwrap();
        let resources = vec![ResourceSummary {
            logical_id: "Repo".into(),
            physical_id: Some("app-images".into()),
            resource_type: "AWS::ECR::Repository".into(),
            status: "CREATE_COMPLETE".into(),
            reason: None,
        }];
        assert_eq!(
            retained(&template, &resources),
            [RetainedResource {
                logical_id: "Repo".into(),
                resource_type: "AWS::ECR::Repository".into(),
                physical_id: Some("app-images".into()),
            }]
        );
    }
}

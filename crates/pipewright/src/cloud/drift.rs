//! Drift, in three layers per stack, each reported on its own: (1) the
//! committed template against the code, (2) the deployed template against
//! the synthesized one, (3) the resources against their template
//! (CloudFormation drift detection).
//!
//! The JSON form of [`StackDrift`] is the `drift --format json` schema,
//! documented in `docs/json.md`.

pub use super::values::{
    DetectionState, DetectionStatus, DifferenceType, PropertyDrift, ResourceDrift,
    ResourceDriftStatus,
};

use super::api::Target;
use super::client::{Cloud, Opened};
use super::error::CloudError;
use super::state::{Phase, StackStatus};
use crate::app::Artifact;
use crate::diff::{TemplateDiff, diff};
use serde::Serialize;
use std::time::Duration;

/// How long a drift detection may take before pipewright gives up.
pub const DETECTION_TIMEOUT: Duration = Duration::from_secs(600);

/// Layer 1's verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CommittedStatus {
    /// Every committed file matches the code.
    #[default]
    Current,
    /// A file is stale or missing.
    Stale,
}

/// Layer 2's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TemplateStatus {
    /// The deployed template means what the code synthesizes.
    InSync,
    /// It differs (undeployed changes, or an update made elsewhere).
    Differs,
    /// The stack is not deployed.
    Missing,
    /// It could not be read.
    Error,
}

/// Layer 3's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ResourcesStatus {
    /// No resource drifted.
    InSync,
    /// A resource drifted.
    Drifted,
    /// The detection failed; partial results are kept.
    Failed,
    /// Not checked; the reason says why.
    Skipped,
    /// The detection could not be run.
    Error,
}

impl ResourcesStatus {
    /// The word for text output, e.g. `in sync`.
    pub fn words(self) -> &'static str {
        match self {
            ResourcesStatus::InSync => "in sync",
            ResourcesStatus::Drifted => "drifted",
            ResourcesStatus::Failed => "failed",
            ResourcesStatus::Skipped => "skipped",
            ResourcesStatus::Error => "error",
        }
    }
}

/// Layer 1: the committed files against the code.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Committed {
    /// Whether they match.
    pub status: CommittedStatus,
    /// The files that differ, as `path: stale|missing`.
    pub files: Vec<String>,
}

/// Layer 2: the deployed template against the synthesized one.
#[derive(Clone, Debug, Serialize)]
pub struct DeployedTemplate {
    /// Whether it matches.
    pub status: TemplateStatus,
    /// What differs.
    pub diff: Option<TemplateDiff>,
}

/// Layer 3: the resources against their template.
#[derive(Clone, Debug, Serialize)]
pub struct Resources {
    /// Whether any drifted.
    pub status: ResourcesStatus,
    /// Why it was skipped, failed or reused.
    pub reason: Option<String>,
    /// Every resource's drift, including `IN_SYNC` ones.
    pub drifts: Vec<ResourceDrift>,
    /// Logical IDs of resources CloudFormation did not check.
    pub not_checked: Vec<String>,
}

/// One stack's drift report.
#[derive(Clone, Debug, Serialize)]
pub struct StackDrift {
    /// The stack.
    pub stack: String,
    /// Whether it is deployed (`None` when that could not be read).
    pub deployed: Option<bool>,
    /// Layer 1.
    pub committed: Committed,
    /// Layer 2.
    pub template: DeployedTemplate,
    /// Layer 3.
    pub resources: Resources,
    /// For a stack set, layer 3 per instance: each account and region
    /// with the drift status stack set drift detection gave it (empty for
    /// a stack, and omitted from JSON then).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<super::values::InstanceSummary>,
    /// Checks that could not be completed.
    pub errors: Vec<String>,
}

impl StackDrift {
    /// Whether anything drifted: a stale file, a deployed template that
    /// differs, a missing stack, or a drifted resource.
    pub fn drifted(&self) -> bool {
        self.committed.status == CommittedStatus::Stale
            || matches!(
                self.template.status,
                TemplateStatus::Differs | TemplateStatus::Missing
            )
            || self.resources.status == ResourcesStatus::Drifted
            || self.resources.drifts.iter().any(|d| d.status.is_drifted())
            || self
                .instances
                .iter()
                .any(|i| i.drift_status == Some(super::values::StackDriftStatus::Drifted))
    }

    /// Whether a check could not be completed.
    pub fn incomplete(&self) -> bool {
        !self.errors.is_empty() || self.resources.status == ResourcesStatus::Failed
    }
}

/// Summarizes resource drifts: the layer status and the unchecked IDs.
pub fn summarize(drifts: &[ResourceDrift]) -> (ResourcesStatus, Vec<String>) {
    let drifted = drifts.iter().any(|d| d.status.is_drifted());
    let not_checked = drifts
        .iter()
        .filter(|d| {
            matches!(
                d.status,
                ResourceDriftStatus::NotChecked | ResourceDriftStatus::Unknown(_)
            )
        })
        .map(|d| d.logical_id.clone())
        .collect();
    (
        if drifted {
            ResourcesStatus::Drifted
        } else {
            ResourcesStatus::InSync
        },
        not_checked,
    )
}

/// Why a stack in `status` cannot be checked for resource drift; `None`
/// when it can.
pub fn uncheckable(status: &StackStatus) -> Option<String> {
    match status.phase() {
        Phase::Complete | Phase::UpdateRolledBack => None,
        _ if *status == StackStatus::UpdateRollbackFailed => None,
        Phase::InProgress => Some(format!(
            "the stack is {status}: check again when it settles"
        )),
        Phase::Review => Some("the stack has no resources yet (REVIEW_IN_PROGRESS)".into()),
        _ => Some(format!(
            "CloudFormation cannot detect drift on a stack in {status}"
        )),
    }
}

fn skipped(reason: impl Into<String>) -> Resources {
    Resources {
        status: ResourcesStatus::Skipped,
        reason: Some(reason.into()),
        drifts: Vec::new(),
        not_checked: Vec::new(),
    }
}

/// Checks one stack. `committed` is layer 1, computed by the caller from
/// the files on disk; `template_only` skips layer 3.
pub async fn check(
    cloud: &Cloud,
    art: &Artifact,
    committed: Committed,
    template_only: bool,
) -> StackDrift {
    let mut report = StackDrift {
        stack: art.name.clone(),
        deployed: None,
        committed,
        template: DeployedTemplate {
            status: TemplateStatus::Error,
            diff: None,
        },
        resources: skipped("not checked"),
        instances: Vec::new(),
        errors: Vec::new(),
    };
    if let Some(d) = &art.stack_set {
        check_set(cloud, art, d, template_only, &mut report).await;
        return report;
    }
    let (target, info) = match cloud.open(art).await {
        Ok(Opened {
            target,
            info: Some(i),
        }) => (target, i),
        Ok(Opened { info: None, .. }) => {
            report.deployed = Some(false);
            report.template.status = TemplateStatus::Missing;
            report.resources = skipped("the stack is not deployed");
            return report;
        }
        Err(e) => {
            report.errors.push(e.to_string());
            return report;
        }
    };
    report.deployed = Some(true);

    // Layer 2.
    match target.deployed_template(&art.name).await {
        Ok(deployed) => {
            let d = diff(&deployed, &art.template);
            report.template.status = if d.is_empty() {
                TemplateStatus::InSync
            } else {
                TemplateStatus::Differs
            };
            report.template.diff = Some(d);
        }
        Err(e) => report.errors.push(e.to_string()),
    }

    // Layer 3.
    report.resources = if template_only {
        skipped("--template-only")
    } else if let Some(why) = uncheckable(&info.status) {
        skipped(why)
    } else {
        match detect(&target, &art.name, info.drift_checked.as_deref()).await {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(e.to_string());
                Resources {
                    status: ResourcesStatus::Error,
                    reason: None,
                    drifts: Vec::new(),
                    not_checked: Vec::new(),
                }
            }
        }
    };
    report
}

/// Checks a stack set: its template (layer 2) and, unless
/// `template_only`, a stack set drift detection followed to its end, with
/// each instance's drift status (layer 3).
async fn check_set(
    cloud: &Cloud,
    art: &Artifact,
    d: &crate::stack_set::Deployment,
    template_only: bool,
    report: &mut StackDrift,
) {
    let result = async {
        let target = cloud.target(art).await?;
        let Some(info) = target.describe_stack_set(&art.name, d).await? else {
            report.deployed = Some(false);
            report.template.status = TemplateStatus::Missing;
            report.resources = skipped("the stack set is not deployed");
            return Ok(());
        };
        report.deployed = Some(true);
        let deployed = crate::template::reader::parse(&info.template_body).unwrap_or_default();
        let diff = diff(&deployed, &art.template);
        report.template.status = if diff.is_empty() {
            TemplateStatus::InSync
        } else {
            TemplateStatus::Differs
        };
        report.template.diff = Some(diff);
        if template_only {
            report.resources = skipped("--template-only");
            return Ok(());
        }
        let id = target.detect_stack_set_drift(&art.name, d).await?;
        let started = tokio::time::Instant::now();
        let status = loop {
            let status = target.stack_set_operation(&art.name, d, &id).await?;
            if status.is_settled() {
                break status;
            }
            if started.elapsed() > DETECTION_TIMEOUT {
                return Err(timeout(&art.name));
            }
            tokio::time::sleep(target.poll).await;
        };
        report.instances = target.stack_instances(&art.name, d).await?;
        let drifted = report
            .instances
            .iter()
            .any(|i| i.drift_status == Some(super::values::StackDriftStatus::Drifted));
        report.resources = Resources {
            status: if status != super::values::StackSetOperationStatus::Succeeded {
                ResourcesStatus::Failed
            } else if drifted {
                ResourcesStatus::Drifted
            } else {
                ResourcesStatus::InSync
            },
            reason: (status != super::values::StackSetOperationStatus::Succeeded)
                .then(|| format!("stack set drift detection ended {status}")),
            drifts: Vec::new(),
            not_checked: Vec::new(),
        };
        Ok::<(), CloudError>(())
    }
    .await;
    if let Err(e) = result {
        report.errors.push(e.to_string());
        report.resources.status = ResourcesStatus::Error;
    }
}

/// Runs (or reuses) a drift detection and reads every page of results.
async fn detect(
    target: &Target,
    stack: &str,
    checked_before: Option<&str>,
) -> Result<Resources, CloudError> {
    let mut reason = None;
    let mut failed = false;
    let started = tokio::time::Instant::now();
    match target.detect_drift(stack).await {
        Ok(id) => loop {
            let state = target.detection(stack, &id).await?;
            match state.status {
                DetectionStatus::InProgress => {}
                DetectionStatus::Failed => {
                    failed = true;
                    reason = Some(format!(
                        "drift detection failed: {}",
                        state.reason.unwrap_or_else(|| "no reason given".into())
                    ));
                    break;
                }
                _ => break,
            }
            if started.elapsed() > DETECTION_TIMEOUT {
                return Err(timeout(stack));
            }
            tokio::time::sleep(target.poll).await;
        },
        Err(CloudError::DetectionInProgress { .. }) => {
            // Another detection is running: wait for it to record its
            // result, then read that.
            reason = Some("reused a drift detection already in progress".into());
            loop {
                let info = target.describe(stack).await?;
                if info.as_ref().and_then(|i| i.drift_checked.as_deref()) != checked_before {
                    break;
                }
                if started.elapsed() > DETECTION_TIMEOUT {
                    return Err(timeout(stack));
                }
                tokio::time::sleep(target.poll).await;
            }
        }
        Err(CloudError::NotSupported { detail, .. } | CloudError::Http { detail, .. }) => {
            return Err(CloudError::DriftNotSupported {
                stack: stack.to_owned(),
                detail,
            });
        }
        Err(e) => return Err(e),
    }
    let drifts = target.resource_drifts(stack).await?;
    let (status, not_checked) = summarize(&drifts);
    Ok(Resources {
        status: if failed {
            ResourcesStatus::Failed
        } else {
            status
        },
        reason,
        drifts,
        not_checked,
    })
}

fn timeout(stack: &str) -> CloudError {
    CloudError::Timeout {
        operation: "drift detection",
        stack: stack.to_owned(),
        after: DETECTION_TIMEOUT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(id: &str, status: &str) -> ResourceDrift {
        ResourceDrift {
            logical_id: id.into(),
            physical_id: None,
            resource_type: "AWS::S3::Bucket".into(),
            status: ResourceDriftStatus::parse(status),
            reason: None,
            differences: vec![],
        }
    }

    #[test]
    fn summarizes_resource_drift() {
        assert_eq!(
            summarize(&[drift("A", "IN_SYNC"), drift("B", "NOT_CHECKED")]),
            (ResourcesStatus::InSync, vec!["B".to_owned()])
        );
        assert_eq!(
            summarize(&[drift("A", "DELETED")]).0,
            ResourcesStatus::Drifted
        );
        assert_eq!(
            summarize(&[drift("A", "MODIFIED")]).0,
            ResourcesStatus::Drifted
        );
        // A status AWS adds later is kept, listed as not checked, and is
        // not drift.
        let (status, unchecked) = summarize(&[drift("C", "PARTIALLY_CHECKED")]);
        assert_eq!(status, ResourcesStatus::InSync);
        assert_eq!(unchecked, ["C"]);
    }

    #[test]
    fn unknown_drift_statuses_read_as_unknown() {
        assert_eq!(
            ResourceDriftStatus::parse("SOMETHING_NEW"),
            ResourceDriftStatus::Unknown("SOMETHING_NEW".into())
        );
        assert_eq!(ResourceDriftStatus::parse("MODIFIED").as_str(), "MODIFIED");
        assert_eq!(
            serde_json::to_value(ResourceDriftStatus::parse("SOMETHING_NEW")).unwrap(),
            "SOMETHING_NEW"
        );
        assert_eq!(
            DetectionStatus::parse("DETECTION_PAUSED"),
            DetectionStatus::Unknown("DETECTION_PAUSED".into())
        );
        assert_eq!(
            DetectionStatus::parse("DETECTION_FAILED"),
            DetectionStatus::Failed
        );
    }

    #[test]
    fn only_settled_stacks_are_checked() {
        assert_eq!(uncheckable(&StackStatus::parse("UPDATE_COMPLETE")), None);
        assert_eq!(
            uncheckable(&StackStatus::parse("UPDATE_ROLLBACK_FAILED")),
            None
        );
        assert!(
            uncheckable(&StackStatus::parse("UPDATE_IN_PROGRESS"))
                .unwrap()
                .contains("settles")
        );
        assert!(
            uncheckable(&StackStatus::parse("REVIEW_IN_PROGRESS"))
                .unwrap()
                .contains("no resources")
        );
        assert!(uncheckable(&StackStatus::parse("ROLLBACK_COMPLETE")).is_some());
    }
}

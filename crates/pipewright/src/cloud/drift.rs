//! Drift, in three layers per stack, each reported on its own: (1) the
//! committed template against the code, (2) the deployed template against
//! the synthesized one, (3) the resources against their template
//! (CloudFormation drift detection).
//!
//! The JSON form of [`StackDrift`] is the `drift --format json` schema,
//! documented in `docs/json.md`.

use super::api::ResourceDrift;
use super::state::{Phase, classify};
use super::{Cloud, CloudError, Target};
use crate::app::Artifact;
use crate::diff::{TemplateDiff, diff};
use crate::template::reader;
use serde::Serialize;
use std::time::Duration;

/// How long a drift detection may take before pipewright gives up.
pub const DETECTION_TIMEOUT: Duration = Duration::from_secs(600);

/// Layer 1: the committed files against the code.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Committed {
    /// `current` or `stale`.
    pub status: &'static str,
    /// The files that differ, as `path: stale|missing`.
    pub files: Vec<String>,
}

/// Layer 2: the deployed template against the synthesized one.
#[derive(Clone, Debug, Serialize)]
pub struct DeployedTemplate {
    /// `in_sync`, `differs`, `missing` (not deployed) or `error`.
    pub status: &'static str,
    /// What differs.
    pub diff: Option<TemplateDiff>,
}

/// Layer 3: the resources against their template.
#[derive(Clone, Debug, Serialize)]
pub struct Resources {
    /// `in_sync`, `drifted`, `failed` (detection failed; partial results
    /// kept), `skipped` (the reason says why) or `error`.
    pub status: &'static str,
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
    /// Checks that could not be completed.
    pub errors: Vec<String>,
}

impl StackDrift {
    /// Whether anything drifted: a stale file, a deployed template that
    /// differs, a missing stack, or a drifted resource.
    pub fn drifted(&self) -> bool {
        self.committed.status == "stale"
            || matches!(self.template.status, "differs" | "missing")
            || self.resources.status == "drifted"
            || self
                .resources
                .drifts
                .iter()
                .any(|d| matches!(d.status.as_str(), "MODIFIED" | "DELETED"))
    }

    /// Whether a check could not be completed.
    pub fn incomplete(&self) -> bool {
        !self.errors.is_empty() || self.resources.status == "failed"
    }
}

/// Summarizes resource drifts: the layer status and the unchecked IDs.
pub fn summarize(drifts: &[ResourceDrift]) -> (&'static str, Vec<String>) {
    let drifted = drifts
        .iter()
        .any(|d| matches!(d.status.as_str(), "MODIFIED" | "DELETED"));
    let not_checked = drifts
        .iter()
        .filter(|d| matches!(d.status.as_str(), "NOT_CHECKED" | "UNKNOWN"))
        .map(|d| d.logical_id.clone())
        .collect();
    (if drifted { "drifted" } else { "in_sync" }, not_checked)
}

/// Why a stack in `status` cannot be checked for resource drift; `None`
/// when it can.
pub fn uncheckable(status: &str) -> Option<String> {
    match classify(status) {
        Phase::Complete | Phase::UpdateRolledBack => None,
        _ if status == "UPDATE_ROLLBACK_FAILED" => None,
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
        status: "skipped",
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
            status: "error",
            diff: None,
        },
        resources: skipped("not checked"),
        errors: Vec::new(),
    };
    let target = match cloud.target(art.env.region.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            report.errors.push(e.to_string());
            return report;
        }
    };
    if let Err(e) = cloud.check_account(art).await {
        report.errors.push(e.to_string());
        return report;
    }
    let info = match target.describe(&art.name).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            report.deployed = Some(false);
            report.template.status = "missing";
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
    match target.template_body(&art.name).await {
        Ok(body) => match reader::parse(&body) {
            Ok(deployed) => {
                let d = diff(&deployed, &art.template);
                report.template.status = if d.is_empty() { "in_sync" } else { "differs" };
                report.template.diff = Some(d);
            }
            Err(e) => report
                .errors
                .push(format!("the deployed template cannot be read: {e}")),
        },
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
                    status: "error",
                    reason: None,
                    drifts: Vec::new(),
                    not_checked: Vec::new(),
                }
            }
        }
    };
    report
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
            match state.status.as_str() {
                "DETECTION_IN_PROGRESS" => {}
                "DETECTION_FAILED" => {
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
        Err(CloudError::Api { message, .. })
            if message.to_ascii_lowercase().contains("in progress") =>
        {
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
        Err(CloudError::Api {
            code,
            message,
            stack: s,
            ..
        }) if code.as_deref().is_some_and(|c| {
            c.contains("NotImplemented")
                || c == "InvalidAction"
                || c == "UnknownOperation"
                || c.starts_with("HTTP ")
        }) || message.contains("not yet been implemented")
            || message.contains("not implemented") =>
        {
            return Err(CloudError::Api {
                operation: "DetectStackDrift",
                stack: s,
                code,
                message: format!(
                    "the endpoint rejects drift detection: {message}; pass --template-only to check the committed and deployed templates only"
                ),
            });
        }
        Err(e) => return Err(e),
    }
    let drifts = target.resource_drifts(stack).await?;
    let (status, not_checked) = summarize(&drifts);
    Ok(Resources {
        status: if failed { "failed" } else { status },
        reason,
        drifts,
        not_checked,
    })
}

fn timeout(stack: &str) -> CloudError {
    CloudError::Api {
        operation: "DescribeStackDriftDetectionStatus",
        stack: Some(stack.to_owned()),
        code: None,
        message: format!(
            "drift detection did not finish within {} s",
            DETECTION_TIMEOUT.as_secs()
        ),
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
            status: status.into(),
            reason: None,
            differences: vec![],
        }
    }

    #[test]
    fn summarizes_resource_drift() {
        assert_eq!(
            summarize(&[drift("A", "IN_SYNC"), drift("B", "NOT_CHECKED")]),
            ("in_sync", vec!["B".to_owned()])
        );
        assert_eq!(summarize(&[drift("A", "DELETED")]).0, "drifted");
        assert_eq!(summarize(&[drift("A", "MODIFIED")]).0, "drifted");
    }

    #[test]
    fn only_settled_stacks_are_checked() {
        assert_eq!(uncheckable("UPDATE_COMPLETE"), None);
        assert_eq!(uncheckable("UPDATE_ROLLBACK_FAILED"), None);
        assert!(
            uncheckable("UPDATE_IN_PROGRESS")
                .unwrap()
                .contains("settles")
        );
        assert!(
            uncheckable("REVIEW_IN_PROGRESS")
                .unwrap()
                .contains("no resources")
        );
        assert!(uncheckable("ROLLBACK_COMPLETE").is_some());
    }
}

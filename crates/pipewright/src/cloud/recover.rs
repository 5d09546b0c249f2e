//! Recover: a stack whose update failed and whose rollback failed too
//! (`UPDATE_ROLLBACK_FAILED`) accepts no change until CloudFormation
//! continues the rollback. `recover` asks it to (`ContinueUpdateRollback`),
//! skipping the resources the operator names (those that cannot roll back,
//! e.g. deleted by hand), follows the events and says the state the stack
//! ends in (issue #22). Before this, deploy could only say what to run.
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollback.html>

use super::client::{Cloud, Opened};
use super::error::CloudError;
use super::stack_events::{EventLog, failure_cause};
use super::ui::{Progress, Ui};
use super::values::StackStatus;
use super::watch::follow;
use crate::app::Artifact;

/// How a recovery ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum RecoverOutcome {
    /// The rollback finished (`UPDATE_ROLLBACK_COMPLETE`): the stack takes
    /// deploys again.
    Recovered {
        /// The resources skipped.
        skipped: Vec<String>,
    },
    /// The rollback failed again.
    Failed {
        /// Where the stack ended.
        status: StackStatus,
        /// The first resource failure and its reason.
        cause: Option<String>,
    },
    /// The stack is not deployed.
    NotDeployed,
    /// The stack is not in `UPDATE_ROLLBACK_FAILED`: nothing to continue.
    NotStuck {
        /// Its status.
        status: StackStatus,
    },
}

/// Continues the failed rollback of `art`'s stack, skipping `skip`
/// (logical IDs), and follows it until it settles.
pub async fn recover(
    cloud: &Cloud,
    ui: &dyn Ui,
    art: &Artifact,
    skip: &[String],
) -> Result<RecoverOutcome, CloudError> {
    let name = art.name.as_str();
    let Opened { target, info } = cloud.open(art).await?;
    let Some(info) = info else {
        return Ok(RecoverOutcome::NotDeployed);
    };
    if info.status != StackStatus::UpdateRollbackFailed {
        return Ok(RecoverOutcome::NotStuck {
            status: info.status,
        });
    }
    let mut log = EventLog::new();
    target.mark_history(name, &info.id, &mut log).await?;
    target.continue_update_rollback(name, skip).await?;
    ui.progress(
        name,
        Progress::Started {
            operation: "rollback",
            resources: art.template.resources.len(),
        },
    );
    let (last, events) = follow(ui, &target, name, &info.id, &mut log).await?;
    let last = last.ok_or_else(|| CloudError::StackGone {
        stack: name.to_owned(),
    })?;
    Ok(if last.status == StackStatus::UpdateRollbackComplete {
        RecoverOutcome::Recovered {
            skipped: skip.to_vec(),
        }
    } else {
        RecoverOutcome::Failed {
            cause: failure_cause(&events, name, last.status_reason.as_deref()),
            status: last.status,
        }
    })
}

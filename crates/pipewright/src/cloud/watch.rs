//! Watching a stack change: stream its events (each once, oldest first)
//! and poll its status until it settles. Deploy, destroy and recover all
//! follow a stack the same way, so this is its own module rather than one
//! flow's internals borrowed by the others.

use super::api::Target;
use super::error::CloudError;
use super::stack_events::{EventLog, StackEvent};
use super::state::Phase;
use super::ui::{Progress, Ui};
use super::values::StackInfo;

/// Tells the operator that `info`'s stack is changing and follows it until
/// it settles; `None` when it ended deleted.
pub(crate) async fn settle(
    ui: &dyn Ui,
    target: &Target,
    name: &str,
    info: &StackInfo,
) -> Result<Option<StackInfo>, CloudError> {
    ui.progress(
        name,
        Progress::Waiting {
            status: &info.status,
        },
    );
    let mut log = EventLog::new();
    target.mark_history(name, &info.id, &mut log).await?;
    let (settled, _) = follow(ui, target, name, &info.id, &mut log).await?;
    Ok(settled.filter(|s| s.status.phase() != Phase::Deleted))
}

/// Streams events and polls a stack until it settles; returns its last
/// description (`None` when it is gone) and the events seen.
pub(crate) async fn follow(
    ui: &dyn Ui,
    target: &Target,
    name: &str,
    stack_id: &str,
    log: &mut EventLog,
) -> Result<(Option<StackInfo>, Vec<StackEvent>), CloudError> {
    let mut all = Vec::new();
    loop {
        let info = target.describe(stack_id).await?;
        // Events after the status: everything up to the settled state.
        for e in target.new_events(name, stack_id, log).await? {
            ui.progress(name, Progress::Event(&e));
            all.push(e);
        }
        match info {
            Some(s) if s.status.phase() == Phase::InProgress => {}
            other => return Ok((other, all)),
        }
        tokio::time::sleep(target.poll).await;
    }
}

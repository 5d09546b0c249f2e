//! Status: each stack's state, last change, drift status and outputs.

use super::client::Cloud;
use super::error::CloudError;
use super::values::StackInfo;
use crate::app::Artifact;
use futures_util::StreamExt;
use futures_util::stream;

/// One stack's deployed state.
#[derive(Debug)]
pub struct StackStatusReport {
    /// The stack.
    pub stack: String,
    /// The deployed stack, or `None` when it is not deployed; an error when
    /// it could not be read.
    pub info: Result<Option<StackInfo>, CloudError>,
}

/// Reads the status of `stacks`, up to `concurrency` at once, in the order
/// given.
pub async fn status(
    cloud: &Cloud,
    stacks: &[&Artifact],
    concurrency: usize,
) -> Vec<StackStatusReport> {
    stream::iter(stacks.iter().map(|art| async move {
        // The same opening as every other flow: a stack of the same name
        // in another account than the one declared is an error, not a
        // status.
        let info = cloud.open(art).await.map(|opened| opened.info);
        StackStatusReport {
            stack: art.name.clone(),
            info,
        }
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await
}

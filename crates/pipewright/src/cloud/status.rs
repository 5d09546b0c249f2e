//! Status: each stack's state, last change, drift status and outputs.

use super::client::Cloud;
use super::error::CloudError;
use super::values::{InstanceSummary, StackInfo, StackSetInfo};
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
    /// The logical IDs the deployed stack policy denies replacing or
    /// deleting (`None`: no stack policy, or the stack is not deployed or
    /// could not be read).
    pub protected: Option<Vec<String>>,
    /// For a stack set that is deployed: the set and its instances (then
    /// `info` is `Ok(None)`: a set has no stack of its own).
    pub stack_set: Option<SetStatus>,
}

/// A deployed stack set's state.
#[derive(Clone, Debug)]
pub struct SetStatus {
    /// The set.
    pub info: StackSetInfo,
    /// Every instance, with its status and drift status.
    pub instances: Vec<InstanceSummary>,
}

/// Reads a stack set's state: `None` when it is not deployed.
async fn set_status(
    cloud: &Cloud,
    art: &Artifact,
    d: &crate::stack_set::Deployment,
) -> Result<Option<SetStatus>, CloudError> {
    let target = cloud.target(art).await?;
    let Some(info) = target.describe_stack_set(&art.name, d).await? else {
        return Ok(None);
    };
    let instances = target.stack_instances(&art.name, d).await?;
    Ok(Some(SetStatus { info, instances }))
}

/// The logical IDs a stack policy denies `Update:Replace` or
/// `Update:Delete` on (`LogicalResourceId/ID` resources of `Deny`
/// statements); `*` for a deny on every resource.
pub fn denied_ids(policy: &str) -> Vec<String> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(policy) else {
        return Vec::new();
    };
    let list = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for st in doc["Statement"].as_array().into_iter().flatten() {
        let actions = list(&st["Action"]);
        if st["Effect"] != "Deny"
            || !actions
                .iter()
                .any(|a| a == "Update:*" || a == "Update:Replace" || a == "Update:Delete")
        {
            continue;
        }
        for r in list(&st["Resource"]) {
            let id = r
                .strip_prefix("LogicalResourceId/")
                .unwrap_or(&r)
                .to_owned();
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}

/// Reads the status of `stacks`, up to `concurrency` at once, in the order
/// given.
pub async fn status(
    cloud: &Cloud,
    stacks: &[&Artifact],
    concurrency: usize,
) -> Vec<StackStatusReport> {
    stream::iter(stacks.iter().map(|art| async move {
        if let Some(d) = &art.stack_set {
            let (info, stack_set) = match set_status(cloud, art, d).await {
                Ok(set) => (Ok(None), set),
                Err(e) => (Err(e), None),
            };
            return StackStatusReport {
                stack: art.name.clone(),
                info,
                protected: None,
                stack_set,
            };
        }
        // The same opening as every other flow: a stack of the same name
        // in another account than the one declared is an error, not a
        // status.
        let (info, protected) = match cloud.open(art).await {
            Err(e) => (Err(e), None),
            Ok(opened) => {
                let protected = match &opened.info {
                    Some(_) => opened
                        .target
                        .stack_policy(&art.name)
                        .await
                        .ok()
                        .flatten()
                        .map(|p| denied_ids(&p)),
                    None => None,
                };
                (Ok(opened.info), protected)
            }
        };
        StackStatusReport {
            stack: art.name.clone(),
            info,
            protected,
            stack_set: None,
        }
    }))
    .buffered(concurrency.max(1))
    .collect()
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_denied_ids_are_read_from_the_policy() {
        let p = crate::app::Protection {
            guarded: vec!["Repository".into(), "Bucket".into()],
            ..Default::default()
        };
        assert_eq!(
            denied_ids(&p.stack_policy().unwrap()),
            ["Repository", "Bucket"]
        );
        assert!(denied_ids(r#"{"Statement":[{"Effect":"Allow","Action":"Update:*","Principal":"*","Resource":"*"}]}"#).is_empty());
        assert!(denied_ids("not json").is_empty());
    }
}

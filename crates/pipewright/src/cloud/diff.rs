//! Diff against the deployed stack: the deployed template (GetTemplate, read
//! back with the template reader) against the synthesized one, with
//! replacement flags from a change set that is deleted afterwards.

use super::api::Target;
use super::change_set::{self, ChangeSetRequest, ChangeSetStatus, Replacement};
use super::client::{Cloud, Opened};
use super::deploy::staged_url;
use super::error::CloudError;
use super::preview::wanted_tags;
use super::state::Phase;
use crate::app::Artifact;
use crate::diff::{ChangeKind, Replaces, TemplateDiff, diff};
use crate::parameters::StackParameters;
use crate::template::Template;
use serde::Serialize;

/// Where the replacement flags of a diff come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(tag = "source", content = "reason", rename_all = "kebab-case")]
pub enum ReplacementSource {
    /// The stack is not deployed: everything is new.
    NotDeployed,
    /// No resource is modified: nothing to ask.
    NotNeeded,
    /// A change set was created, read and deleted.
    ChangeSet,
    /// Only the template diff: the change set could not be made (the
    /// reason says why).
    TemplateOnly(String),
}

/// One stack's diff.
#[derive(Clone, Debug, Serialize)]
pub struct StackDiff {
    /// The stack.
    pub stack: String,
    /// Whether it is deployed.
    pub deployed: bool,
    /// Where replacement flags come from.
    pub replacements: ReplacementSource,
    /// What differs.
    pub diff: TemplateDiff,
}

/// Diffs one stack. `parameters` are the stack's checked parameters, or
/// `None` when they could not be resolved (then the change set keeps every
/// deployed value).
/// `template_bucket` stages a template over the inline limit, as deploy
/// does (`None`: the bootstrap stack's bucket).
pub async fn diff_stack(
    cloud: &Cloud,
    art: &Artifact,
    parameters: Option<&StackParameters>,
    template_bucket: Option<&str>,
) -> Result<StackDiff, CloudError> {
    if let Some(d) = &art.stack_set {
        return diff_set(cloud, art, d).await;
    }
    let Opened { target, info } = cloud.open(art).await?;
    let Some(info) = info else {
        return Ok(StackDiff {
            stack: art.name.clone(),
            deployed: false,
            replacements: ReplacementSource::NotDeployed,
            diff: diff(&Template::default(), &art.template),
        });
    };
    let deployed = target.deployed_template(&art.name).await?;
    let mut d = diff(&deployed, &art.template);
    let modified = d.resources.iter().any(|r| r.change == ChangeKind::Modified);
    let replacements = if !modified {
        ReplacementSource::NotNeeded
    } else if !matches!(
        info.status.phase(),
        Phase::Complete | Phase::UpdateRolledBack
    ) {
        ReplacementSource::TemplateOnly(format!(
            "the stack is {}, so no change set can be made",
            info.status
        ))
    } else {
        match replacement_flags(
            cloud,
            &target,
            art,
            parameters,
            &info.parameters,
            template_bucket,
        )
        .await
        {
            Ok(flags) => {
                set_replacements(&mut d, &flags);
                ReplacementSource::ChangeSet
            }
            Err(reason) => ReplacementSource::TemplateOnly(reason),
        }
    };
    mark_create_only(&mut d);
    Ok(StackDiff {
        stack: art.name.clone(),
        deployed: true,
        replacements,
        diff: d,
    })
}

/// Diffs a stack set: its template (DescribeStackSet) against the
/// synthesized one. A set has no change sets, so replacements come from
/// the template alone (create-only properties).
async fn diff_set(
    cloud: &Cloud,
    art: &Artifact,
    d: &crate::stack_set::Deployment,
) -> Result<StackDiff, CloudError> {
    let target = cloud.target(art).await?;
    let Some(info) = target.describe_stack_set(&art.name, d).await? else {
        return Ok(StackDiff {
            stack: art.name.clone(),
            deployed: false,
            replacements: ReplacementSource::NotDeployed,
            diff: diff(&Template::default(), &art.template),
        });
    };
    let deployed = crate::template::reader::parse(&info.template_body).unwrap_or_default();
    let mut d = diff(&deployed, &art.template);
    mark_create_only(&mut d);
    Ok(StackDiff {
        stack: art.name.clone(),
        deployed: true,
        replacements: ReplacementSource::TemplateOnly(
            "a stack set has no change sets: replacements are read from the template's create-only properties".into(),
        ),
        diff: d,
    })
}

/// Marks as replaced every modified resource no change set said anything
/// about whose create-only property changes (the provider schemas'
/// `createOnlyProperties`): known without a change set, or when it is
/// silent.
fn mark_create_only(d: &mut TemplateDiff) {
    for r in &mut d.resources {
        if r.replacement.is_none() && r.replaces_by_reference() {
            r.replacement = Some(Replaces::Yes);
        }
    }
}

/// Applies a change set's replacement flags, by logical ID: a modified
/// resource the change set does not list is not replaced; one it lists
/// without saying stays unknown (`None`).
fn set_replacements(d: &mut TemplateDiff, flags: &[(String, Option<Replaces>)]) {
    for r in &mut d.resources {
        if r.change == ChangeKind::Modified {
            r.replacement = match flags.iter().find(|(id, _)| *id == r.id) {
                Some((_, flag)) => *flag,
                None => Some(Replaces::No),
            };
        }
    }
}

/// Creates a change set, reads its replacement flags and deletes it,
/// whatever the API answers in between (an interrupt is cleaned up by
/// [`cleanup`]). An error is the reason to fall back.
async fn replacement_flags(
    cloud: &Cloud,
    target: &Target,
    art: &Artifact,
    parameters: Option<&StackParameters>,
    deployed: &indexmap::IndexMap<String, String>,
    template_bucket: Option<&str>,
) -> Result<Vec<(String, Option<Replaces>)>, String> {
    let template_url = staged_url(cloud, target, art, &art.body, template_bucket)
        .await
        .map_err(|e| e.to_string())?;
    let name = change_set::name(Some("diff"), &art.hash);
    let values: Vec<(&str, Option<&str>)> = match parameters {
        Some(p) => p.for_api(),
        // Keep every deployed value the template still declares.
        None => art
            .template
            .parameters
            .keys()
            .filter(|k| deployed.contains_key(k.as_str()))
            .map(|k| (k.as_str(), None))
            .collect(),
    };
    // The tags a deploy would set: the code's, then the parameter file's.
    let tags = match parameters {
        Some(p) => wanted_tags(art, p),
        None => art.tags.clone(),
    };
    let request = ChangeSetRequest {
        stack: &art.name,
        name: &name,
        create: false,
        body: &art.body,
        template_url,
        parameters: values,
        capabilities: art.capabilities.iter().map(|c| c.as_str()).collect(),
        tags: tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        description: format!("pipewright diff of {} (deleted after reading)", art.name),
        imports: &[],
    };
    let (id, _) = target
        .create_change_set(&request)
        .await
        .map_err(|e| e.to_string())?;
    let result = match target.wait_change_set(&art.name, &id).await {
        Err(e) => Err(e.to_string()),
        Ok(state) if state.status == ChangeSetStatus::CreateComplete => Ok(state
            .summary
            .changes
            .iter()
            .map(|c| {
                (
                    c.logical_id.clone(),
                    match c.replacement {
                        Replacement::Yes => Some(Replaces::Yes),
                        Replacement::Conditional => Some(Replaces::Conditional),
                        Replacement::No => Some(Replaces::No),
                        // Not known: left unset, never read as "no".
                        _ => None,
                    },
                )
            })
            .collect()),
        Ok(state) => Err(format!(
            "the change set failed: {}",
            state
                .reason
                .unwrap_or_else(|| state.status.as_str().to_owned())
        )),
    };
    let _ = target.delete_change_set(&art.name, &id).await;
    result
}

/// After an interrupt: deletes the diff change sets pipewright left on
/// `stacks` (named `pipewright-diff-<hash>-…` for the current code); returns
/// what was deleted, as (stack, change set).
pub async fn cleanup(cloud: &Cloud, stacks: &[&Artifact]) -> Vec<(String, String)> {
    let mut deleted = Vec::new();
    for art in stacks {
        let Ok(target) = cloud.target(art).await else {
            continue;
        };
        let prefix = format!("pipewright-diff-{}-", &art.hash[..art.hash.len().min(12)]);
        let Ok(names) = target.change_set_names(&art.name).await else {
            continue;
        };
        for name in names.into_iter().filter(|n| n.starts_with(&prefix)) {
            if target
                .delete_change_set(&art.name, &name)
                .await
                .is_ok_and(|deleted| deleted)
            {
                deleted.push((art.name.clone(), name));
            }
        }
    }
    deleted
}

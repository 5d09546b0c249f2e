//! The preview a deploy shows with its change set before the confirm: the
//! permissions, parameter values and tags that change, which a resource
//! list alone does not show. Pure: built from the deployed template and
//! description and the synthesized artifact. Shared by deploy (which shows
//! it) and diff (which sets the same tags on its change set).

use super::values::StackInfo;
use crate::app::Artifact;
use crate::diff::StatementChange;
use crate::parameters::StackParameters;
use crate::template::Template;
use indexmap::IndexMap;

/// What a deploy changes beyond resources, shown with the change set before
/// the confirm: the permissions and the parameter values, which a resource
/// list alone does not show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Preview {
    /// IAM statements added and removed, against the deployed template
    /// (every statement for a stack not deployed yet).
    pub iam: Vec<StatementChange>,
    /// Parameters whose value changes, in template order.
    pub parameters: Vec<ParameterChange>,
    /// Stack tags whose value changes, that are added, or that go away
    /// (a stack adopted with `import` may have tags its code does not
    /// give), each as a [`ParameterChange`] of the tag's key.
    pub tags: Vec<ParameterChange>,
    /// Resources a create-only property of which changes (the provider
    /// schemas' `createOnlyProperties`): replaced, whatever the change set
    /// says or does not say; each with those properties.
    pub replaced: IndexMap<String, Vec<String>>,
    /// Changes of the change set that lose data
    /// ([`super::protection::at_risk`]), allowed or not; filled in once
    /// the change set is computed.
    pub data: Vec<super::protection::AtRisk>,
}

/// One parameter whose value changes. `NoEcho` values read `****`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterChange {
    /// The parameter key.
    pub key: String,
    /// The deployed value; `None` when the stack has no such parameter.
    pub old: Option<String>,
    /// The new value; `None` when the parameter is gone from the template.
    pub new: Option<String>,
}

/// What [`Preview`] shows for `NoEcho` values.
pub const MASK: &str = "****";

/// The preview of deploying `artifact` with `parameters` over `deployed`
/// (its template and description; `None` for a first deploy). A `NoEcho`
/// parameter is listed only when it appears or goes away: CloudFormation
/// never shows its deployed value, so a change cannot be told.
pub fn preview(
    deployed: Option<(&Template, &StackInfo)>,
    artifact: &Artifact,
    parameters: &StackParameters,
) -> Preview {
    let empty = Template::default();
    let old_template = deployed.map(|(t, _)| t).unwrap_or(&empty);
    let old_values = deployed.map(|(_, i)| &i.parameters);
    let masked = |key: &str, v: &str| {
        if parameters.no_echo.iter().any(|n| n == key) {
            MASK.to_owned()
        } else {
            v.to_owned()
        }
    };
    let mut changes = Vec::new();
    let effective = parameters.effective();
    for (key, value) in &effective {
        let old = old_values.and_then(|o| o.get(*key));
        let no_echo = parameters.no_echo.iter().any(|n| n == key);
        let change = match (old, value) {
            // The previous value is kept.
            (Some(_), None) => continue,
            (Some(_), Some(_)) if no_echo => continue,
            (Some(o), Some(n)) if o == n => continue,
            (old, new) => ParameterChange {
                key: (*key).to_owned(),
                old: old.map(|o| masked(key, o)),
                new: new.map(|n| masked(key, n)),
            },
        };
        changes.push(change);
    }
    if let Some(old) = old_values {
        for (key, value) in old {
            if !effective.contains_key(key.as_str()) {
                changes.push(ParameterChange {
                    key: key.clone(),
                    old: Some(value.clone()),
                    new: None,
                });
            }
        }
    }
    let wanted = wanted_tags(artifact, parameters);
    let mut tags = Vec::new();
    let old_tags = deployed.map(|(_, i)| &i.tags);
    for (key, value) in &wanted {
        let old = old_tags.and_then(|t| t.get(key));
        if old != Some(value) {
            tags.push(ParameterChange {
                key: key.clone(),
                old: old.cloned(),
                new: Some(value.clone()),
            });
        }
    }
    for (key, value) in old_tags.into_iter().flatten() {
        if !wanted.contains_key(key) {
            tags.push(ParameterChange {
                key: key.clone(),
                old: Some(value.clone()),
                new: None,
            });
        }
    }
    let diff = crate::diff::diff(old_template, &artifact.template);
    Preview {
        replaced: diff
            .resources
            .iter()
            .map(|r| (r.id.clone(), r.replacing_properties()))
            .filter(|(_, p)| !p.is_empty())
            .collect(),
        iam: diff.iam,
        parameters: changes,
        tags,
        data: Vec::new(),
    }
}

/// The tags a stack should have: the code's, then the parameter file's.
pub fn wanted_tags(artifact: &Artifact, parameters: &StackParameters) -> IndexMap<String, String> {
    let mut tags = artifact.tags.clone();
    for (k, v) in &parameters.tags {
        tags.entry(k.clone()).or_insert_with(|| v.clone());
    }
    tags
}

/// Whether deployed parameter values and tags are what `artifact` and
/// `parameters` want (`NoEcho` and previous values cannot be compared and
/// count as equal): for a stack, and for a stack set.
pub(crate) fn same_values(
    deployed_parameters: &IndexMap<String, String>,
    deployed_tags: &IndexMap<String, String>,
    artifact: &Artifact,
    parameters: &StackParameters,
) -> bool {
    let effective = parameters.effective();
    let params_match = effective.len() == deployed_parameters.len()
        && effective.iter().all(|(k, v)| {
            let no_echo = parameters.no_echo.iter().any(|n| n == k);
            match (v, deployed_parameters.get(*k)) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(_), Some(_)) if no_echo => true,
                (Some(want), Some(have)) => want == have,
            }
        });
    let mut want_tags: Vec<(String, String)> =
        wanted_tags(artifact, parameters).into_iter().collect();
    let mut have_tags: Vec<(String, String)> = deployed_tags.clone().into_iter().collect();
    want_tags.sort();
    have_tags.sort();
    params_match && want_tags == have_tags
}

/// Whether a deployed template body is the artifact's: the same bytes, or
/// the same meaning (a template written by hand and adopted reads
/// differently but changes nothing).
pub(crate) fn same_template(deployed_body: &str, artifact: &Artifact) -> bool {
    deployed_body == artifact.body
        || crate::template::reader::parse(deployed_body)
            .is_ok_and(|t| crate::diff::diff(&t, &artifact.template).is_empty())
}

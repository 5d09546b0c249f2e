//! Stack sets, the pure part: which instances a deployment wants against
//! those that exist, whether the set itself changes, and how additions
//! group into as few operations as possible. No SDK call here: the calls
//! are in [`super::stack_set_api`] and the flows in
//! [`super::stack_set_flow`].
//!
//! An instance is named by its target and region: an account with
//! self-managed permissions, an organizational unit with service-managed
//! ones (CloudFormation resolves the unit's accounts, and adds the stack to
//! accounts that join it with auto-deployment).

use super::values::{InstanceResult, InstanceSummary, StackSetInfo};
use crate::app::Artifact;
use crate::parameters::StackParameters;
use crate::stack_set::{Deployment, PermissionModel, Targets};
use serde::Serialize;

/// One instance as deploy plans it: a target (account or OU) and a region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Slot {
    /// The account, or the organizational unit.
    pub target: String,
    /// The region.
    pub region: String,
}

/// What a deploy does to a stack set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SetPlan {
    /// Whether the set is created.
    pub create: bool,
    /// Whether the set's template, parameters, tags or auto-deployment
    /// change (an update of the set, which updates every instance).
    pub update: bool,
    /// Instances to add.
    pub add: Vec<Slot>,
    /// Instances the update reaches.
    pub update_instances: Vec<Slot>,
    /// Instances to remove.
    pub remove: Vec<Slot>,
}

impl SetPlan {
    /// Whether the deploy writes nothing.
    pub fn is_empty(&self) -> bool {
        !self.create && !self.update && self.add.is_empty() && self.remove.is_empty()
    }
}

/// The instances `d` wants, target by target, region by region.
pub fn wanted(d: &Deployment) -> Vec<Slot> {
    let mut out = Vec::new();
    for target in d.targets.ids() {
        for region in &d.regions {
            out.push(Slot {
                target: target.clone(),
                region: region.clone(),
            });
        }
    }
    out
}

/// The instances that exist, named as `d` names its targets: by account,
/// or by the unit they were deployed through. Deduplicated (a unit has
/// many accounts per region), in a stable order.
pub fn existing(d: &Deployment, instances: &[InstanceSummary]) -> Vec<Slot> {
    let mut out: Vec<Slot> = instances
        .iter()
        .map(|i| Slot {
            target: match d.targets.permission_model() {
                PermissionModel::SelfManaged => i.account.clone(),
                PermissionModel::ServiceManaged => {
                    i.organizational_unit.clone().unwrap_or_default()
                }
            },
            region: i.region.clone(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether the deployed set matches the artifact: the same template (the
/// same bytes, or the same meaning), parameter values, tags and
/// auto-deployment. Operation preferences are not kept by CloudFormation
/// and so are not compared: they apply to the next operation.
pub fn set_unchanged(info: &StackSetInfo, art: &Artifact, parameters: &StackParameters) -> bool {
    let same_template = super::preview::same_template(&info.template_body, art);
    let same_values = super::preview::same_values(&info.parameters, &info.tags, art, parameters);
    let same_auto = match &art.stack_set.as_ref().map(|d| &d.targets) {
        Some(Targets::OrganizationalUnits {
            auto_deployment,
            retain_on_account_removal,
            ..
        }) => {
            // A server that does not report it (a local emulator) is taken
            // at its word: nothing to compare.
            info.auto_deployment.is_none_or(|(on, retain)| {
                on == *auto_deployment && (!on || retain == *retain_on_account_removal)
            })
        }
        _ => true,
    };
    same_template && same_values && same_auto
}

/// Plans a deploy: the set is created when `info` is `None`, updated when
/// it differs; instances are added and removed as the targets changed.
pub fn plan(
    d: &Deployment,
    info: Option<&StackSetInfo>,
    set_unchanged: bool,
    instances: &[InstanceSummary],
) -> SetPlan {
    let want = wanted(d);
    let have = if info.is_some() {
        existing(d, instances)
    } else {
        Vec::new()
    };
    let keep: Vec<Slot> = want.iter().filter(|s| have.contains(s)).cloned().collect();
    let update = info.is_some() && !set_unchanged;
    SetPlan {
        create: info.is_none(),
        update,
        add: want.iter().filter(|s| !have.contains(s)).cloned().collect(),
        update_instances: if update { keep } else { Vec::new() },
        remove: have.into_iter().filter(|s| !want.contains(s)).collect(),
    }
}

/// Groups slots into (targets, regions) pairs whose product is exactly the
/// slots, so that one operation covers each group: targets that miss the
/// same regions go together. The API takes targets × regions per call.
pub fn groups(slots: &[Slot]) -> Vec<(Vec<String>, Vec<String>)> {
    let mut by_target: Vec<(String, Vec<String>)> = Vec::new();
    for s in slots {
        match by_target.iter_mut().find(|(t, _)| *t == s.target) {
            Some((_, regions)) => regions.push(s.region.clone()),
            None => by_target.push((s.target.clone(), vec![s.region.clone()])),
        }
    }
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (target, regions) in by_target {
        match out.iter_mut().find(|(_, r)| *r == regions) {
            Some((targets, _)) => targets.push(target),
            None => out.push((vec![target], regions)),
        }
    }
    out
}

/// The results that ended badly, for the end table and the exit code.
pub fn failures(results: &[InstanceResult]) -> Vec<&InstanceResult> {
    results.iter().filter(|r| r.status.is_failure()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::values::{InstanceResultStatus, StackInstanceStatus};
    use crate::stack_set::{CallAs, Preferences};

    fn deployment(targets: Targets, regions: &[&str]) -> Deployment {
        Deployment {
            targets,
            regions: regions.iter().map(|r| r.to_string()).collect(),
            overrides: Vec::new(),
            preferences: Preferences::default(),
            call_as: CallAs::SelfAccount,
        }
    }

    fn slot(t: &str, r: &str) -> Slot {
        Slot {
            target: t.into(),
            region: r.into(),
        }
    }

    fn instance(account: &str, region: &str, ou: Option<&str>) -> InstanceSummary {
        InstanceSummary {
            account: account.into(),
            region: region.into(),
            organizational_unit: ou.map(str::to_owned),
            status: StackInstanceStatus::Current,
            reason: None,
            drift_status: None,
        }
    }

    #[test]
    fn a_target_added_and_one_removed() {
        let d = deployment(Targets::Accounts(vec!["a".into(), "c".into()]), &["r1"]);
        let info = StackSetInfo::default();
        let have = [instance("a", "r1", None), instance("b", "r1", None)];
        let p = plan(&d, Some(&info), true, &have);
        assert!(!p.create && !p.update);
        assert_eq!(p.add, [slot("c", "r1")]);
        assert_eq!(p.remove, [slot("b", "r1")]);
        assert!(p.update_instances.is_empty());
        // Unchanged and the same targets: nothing to do.
        let same = plan(
            &d,
            Some(&info),
            true,
            &[instance("a", "r1", None), instance("c", "r1", None)],
        );
        assert!(same.is_empty());
        // A changed set updates the instances it keeps.
        let changed = plan(&d, Some(&info), false, &have);
        assert!(changed.update);
        assert_eq!(changed.update_instances, [slot("a", "r1")]);
    }

    #[test]
    fn service_managed_instances_are_named_by_their_unit() {
        let d = deployment(
            Targets::OrganizationalUnits {
                ids: vec!["ou-1".into()],
                auto_deployment: true,
                retain_on_account_removal: false,
            },
            &["r1", "r2"],
        );
        let have = [
            instance("a", "r1", Some("ou-1")),
            instance("b", "r1", Some("ou-1")),
            instance("a", "r1", Some("ou-2")),
        ];
        let p = plan(&d, Some(&StackSetInfo::default()), true, &have);
        assert_eq!(p.add, [slot("ou-1", "r2")]);
        assert_eq!(p.remove, [slot("ou-2", "r1")]);
    }

    #[test]
    fn additions_group_by_the_regions_they_miss() {
        let slots = [
            slot("a", "r1"),
            slot("a", "r2"),
            slot("b", "r1"),
            slot("b", "r2"),
            slot("c", "r2"),
        ];
        assert_eq!(
            groups(&slots),
            [
                (
                    vec!["a".to_owned(), "b".to_owned()],
                    vec!["r1".to_owned(), "r2".to_owned()]
                ),
                (vec!["c".to_owned()], vec!["r2".to_owned()]),
            ]
        );
    }

    #[test]
    fn failures_are_failed_and_cancelled_results() {
        let r = |status| InstanceResult {
            account: "a".into(),
            region: "r".into(),
            status,
            reason: None,
        };
        let results = [
            r(InstanceResultStatus::Succeeded),
            r(InstanceResultStatus::Failed),
            r(InstanceResultStatus::Cancelled),
            r(InstanceResultStatus::Unknown("NEW".into())),
        ];
        assert_eq!(failures(&results).len(), 2);
    }
}

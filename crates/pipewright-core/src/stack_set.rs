//! `StackSet`: one stack definition deployed by CloudFormation StackSets
//! into many accounts and regions.
//!
//! A stack set is a [`Stack`] (the same constructs, the same synth, one
//! template committed under `stacks/`) plus where CloudFormation deploys
//! it: a list of accounts (self-managed permissions: the administration
//! and execution roles come from the bootstrap) or organizational units
//! (service-managed permissions through AWS Organizations, which can add
//! the stack to accounts that join a unit), a list of regions, parameter
//! overrides per target, and how a rollout proceeds.
//!
//! The stack's own [`crate::construct::Env`] says where the stack set
//! itself lives: the administrator account (or a delegated administrator,
//! see [`StackSet::call_as_delegated_admin`]) and region.
//!
//! Why the rollout defaults differ from CloudFormation's: an operation
//! without preferences runs one account at a time and stops at the first
//! failed instance (`FailureToleranceCount` 0), so one broken account
//! cancels the rollout to every other one (issue #23). pipewright's
//! [`Preferences::default`] tries every instance and reports each failure
//! by account and region instead. See
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html#stackset-ops-options>.

pub use crate::construct::stack_set::{
    CallAs, Count, Deployment, Override, PermissionModel, Preferences, RegionConcurrency, Targets,
};
pub use crate::error::InvalidStackSet as Invalid;

use crate::construct::Stack;
use crate::construct::stack_set::StackSetSpec;
use crate::error::{Problem, ProblemKind};

/// A stack deployed into many accounts and regions by CloudFormation
/// StackSets. Add it to the app with `App::stack_set`.
#[derive(Clone, Debug)]
pub struct StackSet {
    pub(crate) stack: Stack,
    pub(crate) deployment: Deployment,
    /// Options set that do not apply to the chosen targets, by setter name.
    pub(crate) misplaced: Vec<&'static str>,
}

impl StackSet {
    fn new(stack: Stack, targets: Targets) -> Self {
        Self {
            stack,
            deployment: Deployment {
                targets,
                regions: Vec::new(),
                overrides: Vec::new(),
                preferences: Preferences::default(),
                call_as: CallAs::SelfAccount,
            },
            misplaced: Vec::new(),
        }
    }

    /// `stack` deployed to these 12-digit accounts, with self-managed
    /// permissions. Add regions with [`StackSet::region`].
    pub fn accounts<I, S>(stack: Stack, accounts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(
            stack,
            Targets::Accounts(accounts.into_iter().map(Into::into).collect()),
        )
    }

    /// `stack` deployed to every account of these organizational units (or
    /// roots), with service-managed permissions and auto-deployment on.
    /// Add regions with [`StackSet::region`].
    pub fn organizational_units<I, S>(stack: Stack, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(
            stack,
            Targets::OrganizationalUnits {
                ids: ids.into_iter().map(Into::into).collect(),
                auto_deployment: true,
                retain_on_account_removal: false,
            },
        )
    }

    /// The stack set's name (its stack's).
    pub fn name(&self) -> &str {
        self.stack.name()
    }

    /// Adds a region (chained). No default: at least one is required.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.deployment.regions.push(region.into());
        self
    }

    /// Whether accounts that join a unit get the stack (organizational
    /// units only; synth refuses it with accounts). Default: true.
    pub fn auto_deployment(mut self, on: bool) -> Self {
        match &mut self.deployment.targets {
            Targets::OrganizationalUnits {
                auto_deployment, ..
            } => *auto_deployment = on,
            Targets::Accounts(_) => self.misplaced.push("auto_deployment"),
        }
        self
    }

    /// Whether an account's stacks are kept when it leaves a unit
    /// (organizational units with auto-deployment only). Default: false.
    pub fn retain_on_account_removal(mut self, on: bool) -> Self {
        match &mut self.deployment.targets {
            Targets::OrganizationalUnits {
                retain_on_account_removal,
                ..
            } => *retain_on_account_removal = on,
            Targets::Accounts(_) => self.misplaced.push("retain_on_account_removal"),
        }
        self
    }

    /// Sets `parameters` for the instances of `target` (an account or OU
    /// of the stack set) in `regions` (empty: every region). Default: the
    /// stack set's own parameter values everywhere.
    pub fn override_parameters<R, K, V>(
        mut self,
        target: impl Into<String>,
        regions: R,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        R: IntoIterator,
        R::Item: Into<String>,
        K: Into<String>,
        V: Into<String>,
    {
        self.deployment.overrides.push(Override {
            target: target.into(),
            regions: regions.into_iter().map(Into::into).collect(),
            parameters: parameters
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        });
        self
    }

    /// How operations roll out. Default: [`Preferences::default`].
    pub fn preferences(mut self, preferences: Preferences) -> Self {
        self.deployment.preferences = preferences;
        self
    }

    /// Calls as a delegated administrator of the organization rather than
    /// from its management account (organizational units only). Default:
    /// off.
    pub fn call_as_delegated_admin(mut self) -> Self {
        self.deployment.call_as = CallAs::DelegatedAdmin;
        self
    }

    /// The stack and its deployment, as the app keeps them.
    pub(crate) fn into_stack(self) -> Stack {
        let mut stack = self.stack;
        stack.stack_set = Some(Box::new(StackSetSpec {
            deployment: self.deployment,
            misplaced: self.misplaced,
        }));
        stack
    }
}

/// Checks a stack set's deployment against its stack's parameters.
pub(crate) fn validate(stack: &Stack, spec: &StackSetSpec, problems: &mut Vec<Problem>) {
    let mut push = |kind: Invalid| {
        problems.push(Problem {
            path: stack.name.clone(),
            kind: ProblemKind::StackSet(kind),
        })
    };
    let name = || stack.name.clone();
    let d = &spec.deployment;
    for option in &spec.misplaced {
        push(Invalid::NotForAccounts {
            name: name(),
            option,
        });
    }
    if d.targets.ids().is_empty() {
        push(Invalid::NoTarget { name: name() });
    }
    if d.regions.is_empty() {
        push(Invalid::NoRegion { name: name() });
    }
    for (i, id) in d.targets.ids().iter().enumerate() {
        let ok = match d.targets {
            Targets::Accounts(_) => crate::construct::account_ok(id),
            Targets::OrganizationalUnits { .. } => is_ou(id),
        };
        if !ok {
            push(match d.targets {
                Targets::Accounts(_) => Invalid::Account { id: id.clone() },
                Targets::OrganizationalUnits { .. } => {
                    Invalid::OrganizationalUnit { id: id.clone() }
                }
            });
        }
        if d.targets.ids()[..i].contains(id) {
            push(Invalid::Duplicate {
                what: "target",
                value: id.clone(),
            });
        }
    }
    for (i, region) in d.regions.iter().enumerate() {
        if !crate::construct::region_ok(region) {
            push(Invalid::Region {
                region: region.clone(),
            });
        }
        if d.regions[..i].contains(region) {
            push(Invalid::Duplicate {
                what: "region",
                value: region.clone(),
            });
        }
    }
    if let Targets::OrganizationalUnits {
        auto_deployment: false,
        retain_on_account_removal: true,
        ..
    } = d.targets
    {
        push(Invalid::RetainWithoutAutoDeployment { name: name() });
    }
    if d.call_as == CallAs::DelegatedAdmin && matches!(d.targets, Targets::Accounts(_)) {
        push(Invalid::DelegatedAdminWithAccounts { name: name() });
    }
    preferences(&d.preferences, &d.regions, &mut push);
    for o in &d.overrides {
        if !d.targets.ids().contains(&o.target) {
            push(Invalid::UnknownTarget {
                target: o.target.clone(),
            });
        }
        for region in o.regions.iter().filter(|r| !d.regions.contains(r)) {
            push(Invalid::UnknownRegion {
                place: format!("override for `{}`", o.target),
                region: region.clone(),
            });
        }
        for key in o.parameters.keys() {
            if !stack.parameters.iter().any(|p| &p.id == key) {
                push(Invalid::UnknownParameter {
                    target: o.target.clone(),
                    key: key.clone(),
                });
            }
        }
    }
}

/// Checks operation preferences: the ranges CloudFormation accepts.
fn preferences(p: &Preferences, regions: &[String], push: &mut impl FnMut(Invalid)) {
    match p.max_concurrent {
        Count::Accounts(0) => push(Invalid::Range {
            setting: "max concurrent",
            value: p.max_concurrent.to_string(),
            range: "at least 1 account",
        }),
        Count::Percent(n) if n == 0 || n > 100 => push(Invalid::Range {
            setting: "max concurrent",
            value: p.max_concurrent.to_string(),
            range: "1% to 100%",
        }),
        _ => {}
    }
    if let Count::Percent(n) = p.failure_tolerance
        && n > 100
    {
        push(Invalid::Range {
            setting: "failure tolerance",
            value: p.failure_tolerance.to_string(),
            range: "0% to 100%",
        });
    }
    if let (Count::Accounts(max), Count::Accounts(tolerance)) =
        (p.max_concurrent, p.failure_tolerance)
        && max > tolerance.saturating_add(1)
    {
        push(Invalid::ConcurrencyAboveTolerance { max, tolerance });
    }
    for region in p.region_order.iter().filter(|r| !regions.contains(r)) {
        push(Invalid::UnknownRegion {
            place: "region order".into(),
            region: region.clone(),
        });
    }
}

/// `^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$`, the pattern of
/// `DeploymentTargets.OrganizationalUnitIds`.
fn is_ou(id: &str) -> bool {
    let group = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if let Some(rest) = id.strip_prefix("ou-") {
        return rest
            .split_once('-')
            .is_some_and(|(a, b)| group(a, 4) && group(b, 8));
    }
    id.strip_prefix("r-").is_some_and(|rest| group(rest, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizational_unit_ids_follow_the_api_pattern() {
        assert!(is_ou("ou-ab12-cd34ef56"));
        assert!(is_ou("r-ab12"));
        assert!(!is_ou("ou-ab1-cd34ef56"));
        assert!(!is_ou("ou-AB12-cd34ef56"));
        assert!(!is_ou("ou-ab12"));
        assert!(!is_ou("r-a"));
        assert!(!is_ou("123456789012"));
    }

    #[test]
    fn default_preferences_do_not_stop_at_the_first_failure() {
        let p = Preferences::default();
        assert_eq!(p.failure_tolerance, Count::Percent(100));
        assert_eq!(p.max_concurrent, Count::Percent(25));
    }
}

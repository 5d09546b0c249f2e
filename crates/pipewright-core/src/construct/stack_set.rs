//! Where a stack set deploys, as plain values: its targets, regions,
//! parameter overrides, operation preferences and whom the caller acts
//! as. They live beside [`super::Env`] because a stack carries them
//! (`Stack` of a stack set) through synth into the assembly; the builder
//! and the checks are in the top-level `stack_set` module, above the
//! constructs.

use indexmap::IndexMap;
use std::fmt;

/// Where and how a stack set deploys: what synth checked and hands to the
/// cloud layer (the artifact's `stack_set`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The accounts or organizational units.
    pub targets: Targets,
    /// The regions, in the order given. No default: at least one is
    /// required.
    pub regions: Vec<String>,
    /// Parameter values that differ per target. Default: none.
    pub overrides: Vec<Override>,
    /// How an operation rolls out. Default: [`Preferences::default`].
    pub preferences: Preferences,
    /// Whether the caller is the organization's management account or a
    /// delegated administrator. Default: [`CallAs::SelfAccount`].
    pub call_as: CallAs,
}

/// The accounts a stack set deploys to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Targets {
    /// These accounts, with self-managed permissions: the administrator
    /// account's administration role assumes each account's execution
    /// role.
    Accounts(Vec<String>),
    /// Every account of these organizational units (or roots), with
    /// service-managed permissions through AWS Organizations.
    OrganizationalUnits {
        /// OU IDs (`ou-xxxx-xxxxxxxx`) or root IDs (`r-xxxx`).
        ids: Vec<String>,
        /// Whether CloudFormation deploys to accounts that join a unit
        /// later. Default: true.
        auto_deployment: bool,
        /// Whether an account's stacks are kept when it leaves a unit
        /// (only with auto-deployment). Default: false (they are deleted).
        retain_on_account_removal: bool,
    },
}

impl Targets {
    /// The permission model these targets need.
    pub fn permission_model(&self) -> PermissionModel {
        match self {
            Targets::Accounts(_) => PermissionModel::SelfManaged,
            Targets::OrganizationalUnits { .. } => PermissionModel::ServiceManaged,
        }
    }

    /// The account or OU IDs.
    pub fn ids(&self) -> &[String] {
        match self {
            Targets::Accounts(ids) | Targets::OrganizationalUnits { ids, .. } => ids,
        }
    }
}

/// Who holds the permissions to deploy the instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PermissionModel {
    /// Roles the user provides (`SELF_MANAGED`).
    SelfManaged,
    /// Roles AWS Organizations provides (`SERVICE_MANAGED`).
    ServiceManaged,
}

impl PermissionModel {
    /// The CloudFormation name.
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionModel::SelfManaged => "SELF_MANAGED",
            PermissionModel::ServiceManaged => "SERVICE_MANAGED",
        }
    }
}

/// Parameter values for the instances of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// The account or OU ID, one of the stack set's targets.
    pub target: String,
    /// The regions it applies to, each one of the stack set's. Empty: all.
    pub regions: Vec<String>,
    /// Parameter key to value, each a parameter of the template.
    pub parameters: IndexMap<String, String>,
}

/// A number of accounts per region, or a percentage of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    /// A number of accounts.
    Accounts(u32),
    /// A percentage of the accounts, 0 to 100 (CloudFormation rounds
    /// down; for concurrency, to at least one).
    Percent(u8),
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Count::Accounts(n) => write!(f, "{n}"),
            Count::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// The order in which regions are deployed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionConcurrency {
    /// One region after the other, in [`Preferences::region_order`].
    Sequential,
    /// Every region at once.
    Parallel,
}

impl RegionConcurrency {
    /// The CloudFormation name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionConcurrency::Sequential => "SEQUENTIAL",
            RegionConcurrency::Parallel => "PARALLEL",
        }
    }
}

/// How a stack set operation rolls out (`StackSetOperationPreferences`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preferences {
    /// How many accounts of a region are deployed at once. Default: 25
    /// percent (at least one account).
    pub max_concurrent: Count,
    /// How many accounts of a region may fail before CloudFormation stops
    /// the operation in that region and the following ones. Default: 100
    /// percent: no failure cancels the rollout; every instance is tried
    /// and `deploy` reports each failed one and exits 4.
    pub failure_tolerance: Count,
    /// Regions one after the other or all at once. Default:
    /// [`RegionConcurrency::Parallel`].
    pub region_concurrency: RegionConcurrency,
    /// The order of the regions (sequential rollouts). Default: empty,
    /// the order of [`Deployment::regions`].
    pub region_order: Vec<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            max_concurrent: Count::Percent(25),
            failure_tolerance: Count::Percent(100),
            region_concurrency: RegionConcurrency::Parallel,
            region_order: Vec::new(),
        }
    }
}

/// Whom the caller acts as (`CallAs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CallAs {
    /// The account that owns the stack set (`SELF`). The default.
    #[default]
    SelfAccount,
    /// A delegated administrator of the organization (`DELEGATED_ADMIN`);
    /// service-managed permissions only.
    DelegatedAdmin,
}

impl CallAs {
    /// The CloudFormation name.
    pub fn as_str(self) -> &'static str {
        match self {
            CallAs::SelfAccount => "SELF",
            CallAs::DelegatedAdmin => "DELEGATED_ADMIN",
        }
    }
}

/// What a stack of the app carries when it is a stack set's.
#[derive(Clone, Debug)]
pub(crate) struct StackSetSpec {
    pub deployment: Deployment,
    pub misplaced: Vec<&'static str>,
}

//! What the CloudFormation API returns, as plain values: every status it
//! reports as an enum, and the records the flows read (a stack, a
//! resource, a drift). Pure and below every other cloud module, so the
//! SDK calls ([`super::api`]) and the flows that read these values
//! ([`super::drift`], [`super::deploy`], ...) depend on this module and
//! never on each other (issue #22: `api` and `drift` used to import each
//! other's types).
//!
//! Every status goes through one mechanism, the `statuses!` macro: the
//! API's spelling is parsed once into a variant, and a value this version
//! does not know (AWS adds some now and then) is kept as `Unknown` with
//! its spelling, never read as a known one and never a panic.

use indexmap::IndexMap;
use serde::Serialize;
use std::fmt;

/// Declares a status enum: one variant per API spelling, an
/// `Unknown(String)` arm for the rest, `parse`, `as_str`, `Display`,
/// `Serialize` (as the API spells it) and a `Default` of an empty
/// `Unknown` (the API gave no value).
macro_rules! statuses {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(
                #[doc = concat!("`", $text, "`.")]
                $(#[$vdoc])*
                $variant,
            )*
            /// A value this version does not know, as the API spelled it
            /// (empty when the API gave none).
            Unknown(String),
        }

        impl $name {
            /// Parses the API's spelling; anything else is `Unknown`.
            pub fn parse(s: &str) -> $name {
                match s {
                    $($text => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// The API's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

statuses! {
    /// A stack status, as `DescribeStacks` reports it.
    StackStatus {
        CreateInProgress = "CREATE_IN_PROGRESS",
        CreateFailed = "CREATE_FAILED",
        CreateComplete = "CREATE_COMPLETE",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackFailed = "ROLLBACK_FAILED",
        RollbackComplete = "ROLLBACK_COMPLETE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteFailed = "DELETE_FAILED",
        DeleteComplete = "DELETE_COMPLETE",
        UpdateInProgress = "UPDATE_IN_PROGRESS",
        UpdateCompleteCleanupInProgress = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        UpdateComplete = "UPDATE_COMPLETE",
        UpdateFailed = "UPDATE_FAILED",
        UpdateRollbackInProgress = "UPDATE_ROLLBACK_IN_PROGRESS",
        UpdateRollbackFailed = "UPDATE_ROLLBACK_FAILED",
        UpdateRollbackCompleteCleanupInProgress = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        UpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE",
        ReviewInProgress = "REVIEW_IN_PROGRESS",
        ImportInProgress = "IMPORT_IN_PROGRESS",
        ImportComplete = "IMPORT_COMPLETE",
        ImportRollbackInProgress = "IMPORT_ROLLBACK_IN_PROGRESS",
        ImportRollbackFailed = "IMPORT_ROLLBACK_FAILED",
        ImportRollbackComplete = "IMPORT_ROLLBACK_COMPLETE",
    }
}

statuses! {
    /// A stack's drift status from its last detection, as `DescribeStacks`
    /// reports it (`UNKNOWN` reads as `Unknown("UNKNOWN")`).
    StackDriftStatus {
        /// A resource differs from its template.
        Drifted = "DRIFTED",
        InSync = "IN_SYNC",
        /// No detection ran.
        NotChecked = "NOT_CHECKED",
    }
}

statuses! {
    /// A resource's status, as stack events and `ListStackResources`
    /// report it. Events about the stack itself carry stack statuses, so
    /// those are here too.
    ResourceStatus {
        CreateInProgress = "CREATE_IN_PROGRESS",
        CreateFailed = "CREATE_FAILED",
        CreateComplete = "CREATE_COMPLETE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteFailed = "DELETE_FAILED",
        DeleteComplete = "DELETE_COMPLETE",
        /// Kept by `DeletionPolicy: Retain`.
        DeleteSkipped = "DELETE_SKIPPED",
        UpdateInProgress = "UPDATE_IN_PROGRESS",
        UpdateFailed = "UPDATE_FAILED",
        UpdateComplete = "UPDATE_COMPLETE",
        ImportInProgress = "IMPORT_IN_PROGRESS",
        ImportFailed = "IMPORT_FAILED",
        ImportComplete = "IMPORT_COMPLETE",
        ImportRollbackInProgress = "IMPORT_ROLLBACK_IN_PROGRESS",
        ImportRollbackFailed = "IMPORT_ROLLBACK_FAILED",
        ImportRollbackComplete = "IMPORT_ROLLBACK_COMPLETE",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackFailed = "ROLLBACK_FAILED",
        RollbackComplete = "ROLLBACK_COMPLETE",
        UpdateRollbackInProgress = "UPDATE_ROLLBACK_IN_PROGRESS",
        UpdateRollbackFailed = "UPDATE_ROLLBACK_FAILED",
        UpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE",
        UpdateCompleteCleanupInProgress = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
        UpdateRollbackCompleteCleanupInProgress = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        ReviewInProgress = "REVIEW_IN_PROGRESS",
    }
}

impl ResourceStatus {
    /// Whether this is a failure (`*_FAILED`).
    pub fn is_failure(&self) -> bool {
        self.as_str().ends_with("_FAILED")
    }
}

statuses! {
    /// A change set's status, as `DescribeChangeSet` reports it.
    ChangeSetStatus {
        CreatePending = "CREATE_PENDING",
        CreateInProgress = "CREATE_IN_PROGRESS",
        /// Ready to execute.
        CreateComplete = "CREATE_COMPLETE",
        DeletePending = "DELETE_PENDING",
        DeleteInProgress = "DELETE_IN_PROGRESS",
        DeleteComplete = "DELETE_COMPLETE",
        DeleteFailed = "DELETE_FAILED",
        /// The reason says why (possibly "no changes").
        Failed = "FAILED",
    }
}

impl ChangeSetStatus {
    /// Whether CloudFormation is still computing it.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress
        )
    }
}

statuses! {
    /// What a change set does to a resource (`ChangeAction`).
    Action {
        /// Created.
        Add = "Add",
        /// Changed in place or replaced.
        Modify = "Modify",
        /// Deleted.
        Remove = "Remove",
        /// Imported.
        Import = "Import",
        /// Decided at execution time.
        Dynamic = "Dynamic",
    }
}

impl Action {
    /// The sign shown before a resource line.
    pub fn sign(&self) -> &'static str {
        match self {
            Action::Add => "+",
            Action::Modify => "~",
            Action::Remove => "-",
            Action::Import => "<",
            Action::Dynamic | Action::Unknown(_) => "?",
        }
    }
}

statuses! {
    /// Whether a modification replaces the resource, as a change set says
    /// (`Replacement`). A modification the API gives no value for is
    /// `Unknown("")`: not known, never read as "no".
    Replacement {
        /// Replaced: a new physical resource, the old one deleted.
        Yes = "True",
        /// Updated in place.
        No = "False",
        /// Replaced depending on values known only at execution.
        Conditional = "Conditional",
    }
}

statuses! {
    /// A drift detection's status, as `DescribeStackDriftDetectionStatus`
    /// reports it.
    DetectionStatus {
        InProgress = "DETECTION_IN_PROGRESS",
        Complete = "DETECTION_COMPLETE",
        /// Some resources could not be checked.
        Failed = "DETECTION_FAILED",
    }
}

statuses! {
    /// One resource's drift status, as `DescribeStackResourceDrifts`
    /// reports it (`UNKNOWN` reads as `Unknown("UNKNOWN")`).
    ResourceDriftStatus {
        InSync = "IN_SYNC",
        /// A property differs.
        Modified = "MODIFIED",
        /// The resource is gone.
        Deleted = "DELETED",
        /// The type does not support drift detection.
        NotChecked = "NOT_CHECKED",
    }
}

impl ResourceDriftStatus {
    /// Whether the resource differs from its template.
    pub fn is_drifted(&self) -> bool {
        matches!(
            self,
            ResourceDriftStatus::Modified | ResourceDriftStatus::Deleted
        )
    }
}

statuses! {
    /// How a property differs from the template (`DifferenceType`).
    DifferenceType {
        /// The resource has a value the template does not set.
        Add = "ADD",
        /// The template sets a value the resource lacks.
        Remove = "REMOVE",
        /// Both have a value; they differ.
        NotEqual = "NOT_EQUAL",
    }
}

statuses! {
    /// The error code of an API error, as the response names it.
    ErrorCode {
        /// A request CloudFormation refuses (the message says why; "does
        /// not exist" is read into [`super::error::CloudError`] variants
        /// where it matters).
        ValidationError = "ValidationError",
        AccessDenied = "AccessDenied",
        AccessDeniedException = "AccessDeniedException",
        Throttling = "Throttling",
        ThrottlingException = "ThrottlingException",
        ChangeSetNotFound = "ChangeSetNotFound",
        AlreadyExists = "AlreadyExistsException",
        InsufficientCapabilities = "InsufficientCapabilitiesException",
        LimitExceeded = "LimitExceededException",
        TokenAlreadyExists = "TokenAlreadyExistsException",
        /// An operation the endpoint does not implement.
        NotImplemented = "NotImplemented",
        /// An action the endpoint does not know.
        InvalidAction = "InvalidAction",
        /// An operation the endpoint does not know.
        UnknownOperation = "UnknownOperation",
        /// S3: the bucket does not exist.
        NoSuchBucket = "NoSuchBucket",
        /// The stack set named in the call does not exist.
        StackSetNotFound = "StackSetNotFoundException",
        /// Another operation of the stack set is running.
        OperationInProgress = "OperationInProgressException",
        /// The stack set still has instances.
        StackSetNotEmpty = "StackSetNotEmptyException",
    }
}

impl ErrorCode {
    /// Whether the API throttled the call past the retry budget.
    pub fn is_throttling(&self) -> bool {
        matches!(self, ErrorCode::Throttling | ErrorCode::ThrottlingException)
    }

    /// Whether the credentials lack a permission.
    pub fn is_access_denied(&self) -> bool {
        matches!(
            self,
            ErrorCode::AccessDenied | ErrorCode::AccessDeniedException
        )
    }

    /// Whether the endpoint does not implement the operation.
    pub fn is_not_implemented(&self) -> bool {
        matches!(
            self,
            ErrorCode::NotImplemented | ErrorCode::InvalidAction | ErrorCode::UnknownOperation
        )
    }
}

/// A deployed stack, as `DescribeStacks` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StackInfo {
    /// The stack ID (an ARN).
    pub id: String,
    /// The name.
    pub name: String,
    /// The status, e.g. `UPDATE_COMPLETE`.
    pub status: StackStatus,
    /// Why it is in that status, when CloudFormation says.
    pub status_reason: Option<String>,
    /// When it was created (RFC 3339).
    pub created: String,
    /// When it was last updated (RFC 3339).
    pub last_updated: Option<String>,
    /// Parameter values (`****` for `NoEcho` ones).
    pub parameters: IndexMap<String, String>,
    /// Outputs, by key.
    pub outputs: IndexMap<String, String>,
    /// Tags.
    pub tags: IndexMap<String, String>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
    /// The drift status from the last detection, when one ran.
    pub drift_status: Option<StackDriftStatus>,
    /// When drift was last checked (RFC 3339).
    pub drift_checked: Option<String>,
}

impl StackInfo {
    /// When the stack last changed: the last update, or the create.
    pub fn changed(&self) -> &str {
        self.last_updated.as_deref().unwrap_or(&self.created)
    }
}

/// A stack resource, as `ListStackResources` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceSummary {
    /// The logical ID.
    pub logical_id: String,
    /// The physical ID (a name or ARN), once created.
    pub physical_id: Option<String>,
    /// The type.
    pub resource_type: String,
    /// The status.
    pub status: ResourceStatus,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
}

/// A drift detection's state, as `DescribeStackDriftDetectionStatus` shows
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectionState {
    /// Where the detection is.
    pub status: DetectionStatus,
    /// Why it failed, when it did.
    pub reason: Option<String>,
}

/// One resource's drift, as `DescribeStackResourceDrifts` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceDrift {
    /// The logical ID.
    pub logical_id: String,
    /// The physical ID.
    pub physical_id: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Whether it drifted.
    pub status: ResourceDriftStatus,
    /// Why it was not checked, when CloudFormation says.
    pub reason: Option<String>,
    /// The property differences (`MODIFIED` only).
    pub differences: Vec<PropertyDrift>,
}

/// One property that differs from the template.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyDrift {
    /// The property path, e.g. `/ImageScanningConfiguration/ScanOnPush`.
    pub path: String,
    /// What the template says (parsed as JSON when it is JSON).
    pub expected: serde_json::Value,
    /// What the resource has.
    pub actual: serde_json::Value,
    /// How it differs.
    pub kind: DifferenceType,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_and_keeps_unknown_spellings() {
        assert_eq!(
            ResourceStatus::parse("DELETE_SKIPPED"),
            ResourceStatus::DeleteSkipped
        );
        assert!(ResourceStatus::parse("CREATE_FAILED").is_failure());
        assert_eq!(
            ResourceStatus::parse("EXPORT_FAILED"),
            ResourceStatus::Unknown("EXPORT_FAILED".into())
        );
        assert!(ResourceStatus::parse("EXPORT_FAILED").is_failure());
        assert_eq!(DifferenceType::parse("NOT_EQUAL").as_str(), "NOT_EQUAL");
        assert_eq!(Replacement::parse("True"), Replacement::Yes);
        assert_eq!(Replacement::parse("False"), Replacement::No);
        assert_eq!(Replacement::parse(""), Replacement::Unknown(String::new()));
        assert_eq!(Action::parse("Import").sign(), "<");
        assert_eq!(Action::parse("Move").sign(), "?");
        assert_eq!(
            serde_json::to_string(&ResourceDriftStatus::parse("UNKNOWN")).unwrap(),
            "\"UNKNOWN\""
        );
        assert!(ErrorCode::parse("ThrottlingException").is_throttling());
        assert_eq!(
            ChangeSetStatus::default(),
            ChangeSetStatus::Unknown(String::new())
        );
    }
}

statuses! {
    /// A stack set operation's status (`DescribeStackSetOperation`).
    StackSetOperationStatus {
        Queued = "QUEUED",
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        /// More instances failed than the failure tolerance allows.
        Failed = "FAILED",
        Stopping = "STOPPING",
        Stopped = "STOPPED",
    }
}

impl StackSetOperationStatus {
    /// Whether the operation has ended (anything but queued, running or
    /// stopping; an unknown status counts as ended so no wait is endless).
    pub fn is_settled(&self) -> bool {
        !matches!(
            self,
            StackSetOperationStatus::Queued
                | StackSetOperationStatus::Running
                | StackSetOperationStatus::Stopping
        )
    }
}

statuses! {
    /// The result of one account and region in a stack set operation
    /// (`ListStackSetOperationResults`).
    InstanceResultStatus {
        Pending = "PENDING",
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        /// Not attempted: the operation stopped (failure tolerance).
        Cancelled = "CANCELLED",
    }
}

impl InstanceResultStatus {
    /// Whether the instance ended badly (failed or not attempted).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            InstanceResultStatus::Failed | InstanceResultStatus::Cancelled
        )
    }
}

statuses! {
    /// A stack instance's status (`ListStackInstances`).
    StackInstanceStatus {
        /// Matches the stack set.
        Current = "CURRENT",
        /// An operation on it failed or has not reached it.
        Outdated = "OUTDATED",
        /// Its stack could not be deleted; the instance is kept.
        Inoperable = "INOPERABLE",
    }
}

/// A stack set as `DescribeStackSet` returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StackSetInfo {
    /// The name.
    pub name: String,
    /// `ACTIVE` or `DELETED`.
    pub status: String,
    /// The template body.
    #[serde(skip)]
    pub template_body: String,
    /// Parameter values.
    pub parameters: IndexMap<String, String>,
    /// Tags.
    pub tags: IndexMap<String, String>,
    /// `SELF_MANAGED` or `SERVICE_MANAGED`.
    pub permission_model: String,
    /// Auto-deployment as (enabled, retain stacks on account removal),
    /// when the set has it.
    pub auto_deployment: Option<(bool, bool)>,
}

/// One stack instance as `ListStackInstances` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceSummary {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// The organizational unit it was deployed through (service-managed).
    pub organizational_unit: Option<String>,
    /// Its status.
    pub status: StackInstanceStatus,
    /// Why, when it is not current.
    pub reason: Option<String>,
    /// Its drift status from the last stack set drift detection.
    pub drift_status: Option<StackDriftStatus>,
}

/// One account and region of a stack set operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceResult {
    /// The account.
    pub account: String,
    /// The region.
    pub region: String,
    /// How it ended.
    pub status: InstanceResultStatus,
    /// Why, as CloudFormation says (the failure's reason).
    pub reason: Option<String>,
}

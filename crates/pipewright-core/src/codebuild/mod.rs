//! AWS CodeBuild: build projects, their pull-request webhooks, and the
//! account's source credentials.
//!
//! One file per CloudFormation concept, so a new CodeBuild feature is a new
//! file rather than new arms in the project's matches:
//!
//! - [`project`]: `AWS::CodeBuild::Project`, with its own least-privilege
//!   role, logging, bounded timeouts and secret-looking variable checks;
//! - [`webhook`]: the `Triggers` of a project started by repository events
//!   (pull requests, pushes), as immutable [`FilterGroup`] values whose
//!   patterns are checked as regular expressions at synth;
//! - [`report_group`]: `AWS::CodeBuild::ReportGroup`, one per report of a
//!   project's buildspec, which the project's role may write and nothing else;
//! - [`source_credential`]: `AWS::CodeBuild::SourceCredential`, the
//!   account-wide token CodeBuild uses to reach GitHub or Bitbucket, which
//!   must never be a literal in the template.

pub mod project;
pub mod report_group;
pub mod source_credential;
pub mod webhook;

pub use project::{
    ComputeType, DEFAULT_QUEUED_TIMEOUT_MINUTES, DEFAULT_TIMEOUT_MINUTES, EnvironmentType, Project,
    ProjectRef, STANDARD_IMAGE, Source,
};
pub use report_group::{REPORT_ACTIONS, ReportGroup, ReportGroupRef, ReportType};
pub use source_credential::{AuthType, ServerType, SourceCredential, SourceCredentialRef};
pub use webhook::{EventAction, FilterGroup, FilterType};

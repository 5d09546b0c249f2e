//! `AWS::CodeBuild::ReportGroup`: where a build's test results and code
//! coverage are kept.
//!
//! A buildspec's `reports` section names a report group; when no group of
//! that name exists, CodeBuild creates `<project>-<group>` itself, which
//! needs `codebuild:CreateReportGroup` and leaves a resource no template
//! owns. A [`crate::codebuild::Project`] therefore adds one [`ReportGroup`]
//! per report of its buildspec, with exactly the name CodeBuild looks for,
//! and lets its role write exactly those groups ([`REPORT_ACTIONS`]).
//!
//! Reference: [`AWS::CodeBuild::ReportGroup`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-codebuild-reportgroup.html),
//! [report permissions](https://docs.aws.amazon.com/codebuild/latest/userguide/test-permissions.html).

use crate::buildspec::ReportFormat;
use crate::construct::{Construct, ResourceRef, Stack};
use crate::iam::{RoleRef, Statement};
use crate::template::{Expr, Resource};

/// CodeBuild's page on report permissions.
pub const REPORTS_DOC: &str =
    "https://docs.aws.amazon.com/codebuild/latest/userguide/test-permissions.html";

/// Actions a build needs to write reports into an existing group
/// ([`REPORTS_DOC`]).
pub const REPORT_ACTIONS: &[&str] = &[
    "codebuild:BatchPutCodeCoverages",
    "codebuild:BatchPutTestCases",
    "codebuild:CreateReport",
    "codebuild:UpdateReport",
];

/// `Type` of a report group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportType {
    /// `TEST`: test results (JUnit, Cucumber, NUnit, TestNG, TRX): the
    /// default.
    #[default]
    Test,
    /// `CODE_COVERAGE`: code coverage (Clover, Cobertura, JaCoCo, SimpleCov).
    CodeCoverage,
}

impl ReportType {
    /// The value CodeBuild uses, e.g. `TEST`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Test => "TEST",
            ReportType::CodeCoverage => "CODE_COVERAGE",
        }
    }

    /// The type of a report of `format`.
    pub fn of(format: ReportFormat) -> Self {
        match format {
            ReportFormat::CloverXml
            | ReportFormat::CoberturaXml
            | ReportFormat::JacocoXml
            | ReportFormat::SimpleCov => ReportType::CodeCoverage,
            _ => ReportType::Test,
        }
    }
}

/// A report group.
///
/// Defaults: type [`ReportType::Test`], reports kept in CodeBuild only
/// (`ExportConfigType: NO_EXPORT`), and `DeleteReports: true`, so deleting
/// the stack deletes the group with its reports (they are a build's
/// by-product; the build logs stay).
#[derive(Clone, Debug)]
pub struct ReportGroup {
    id: String,
    name: String,
    kind: ReportType,
}

impl ReportGroup {
    /// A report group with logical ID `id` called `name`, a `Fn::Sub`
    /// template such as `${AWS::StackName}-Build-junit`.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            kind: ReportType::default(),
        }
    }

    /// Sets `Type`. Default: [`ReportType::Test`]. Changing it replaces the
    /// group.
    pub fn kind(mut self, kind: ReportType) -> Self {
        self.kind = kind;
        self
    }
}

/// A report group added to a stack.
#[derive(Clone, Debug)]
pub struct ReportGroupRef {
    resource: ResourceRef,
    name: String,
}

impl ReportGroupRef {
    /// The group's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The group ARN, built with `Fn::Sub` from its name (no reference to
    /// the group, so a role's policy may name it without a dependency).
    pub fn arn(&self) -> Expr {
        self.resource.owned(Expr::sub(format!(
            "arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:report-group/{}",
            self.name
        )))
    }

    /// Lets `role` write reports into the group ([`REPORT_ACTIONS`]).
    pub fn grant_write(&self, stack: &mut Stack, role: &RoleRef) {
        stack.grant(
            role,
            Statement::allow(REPORT_ACTIONS.iter().copied()).resource(self.arn()),
        );
    }
}

impl Construct for ReportGroup {
    type Ref = ReportGroupRef;

    fn add_to(self, stack: &mut Stack) -> ReportGroupRef {
        let path = stack.path(&self.id);
        let group = Resource::new("AWS::CodeBuild::ReportGroup")
            .property("Name", Expr::sub(self.name.clone()))
            .property("Type", self.kind.as_str())
            .property(
                "ExportConfig",
                Expr::map([("ExportConfigType", Expr::from("NO_EXPORT"))]),
            )
            .property("DeleteReports", true);
        ReportGroupRef {
            resource: stack.add_resource_at(path, &self.id, group),
            name: self.name,
        }
    }
}

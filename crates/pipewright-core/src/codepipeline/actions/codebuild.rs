//! The CodeBuild build and test actions: run a project on the stage's input
//! artifacts. The pipeline role may start and watch exactly that project,
//! and the project's role reads and writes the artifact bucket.

use crate::codebuild::ProjectRef;
use crate::codepipeline::pipeline::kms_use;
use crate::codepipeline::{
    Action, ActionKind, ActionSite, ActionTypeId, Artifact, Category, Owner,
};
use crate::construct::Stack;
use crate::template::Expr;

/// A CodeBuild action: a build or a test running one project.
#[derive(Clone, Debug)]
pub struct CodeBuildAction {
    project: ProjectRef,
    category: Category,
    variables: Vec<(String, Expr)>,
    primary_source: Option<String>,
}

impl CodeBuildAction {
    /// A build action running `project`.
    pub fn build(project: &ProjectRef) -> Self {
        Self::new(project, Category::Build)
    }

    /// A test action running `project`.
    pub fn test(project: &ProjectRef) -> Self {
        Self::new(project, Category::Test)
    }

    fn new(project: &ProjectRef, category: Category) -> Self {
        Self {
            project: project.clone(),
            category,
            variables: Vec::new(),
            primary_source: None,
        }
    }

    /// Sets `PrimarySource`: of several input artifacts, the one whose
    /// buildspec runs and which is the build's working directory; each other
    /// input is in `$CODEBUILD_SRC_DIR_<artifact>`. An action with several
    /// inputs needs it (checked at synth). Default: none.
    pub fn primary_source(mut self, artifact: &Artifact) -> Self {
        self.primary_source = Some(artifact.name().to_owned());
        self
    }
}

impl Action {
    /// A CodeBuild build action running `project`.
    pub fn build(name: impl Into<String>, project: &ProjectRef) -> Self {
        Self::new(name, CodeBuildAction::build(project))
    }

    /// A CodeBuild test action running `project`.
    pub fn test(name: impl Into<String>, project: &ProjectRef) -> Self {
        Self::new(name, CodeBuildAction::test(project))
    }
}

impl ActionKind for CodeBuildAction {
    fn type_id(&self) -> ActionTypeId {
        ActionTypeId::new(self.category, Owner::Aws, "CodeBuild")
    }

    fn configuration(&self) -> Expr {
        let mut config = vec![("ProjectName", self.project.name())];
        if let Some(primary) = &self.primary_source {
            config.push(("PrimarySource", Expr::from(primary.as_str())));
        }
        if !self.variables.is_empty() {
            config.push((
                "EnvironmentVariables",
                environment_variables(&self.variables),
            ));
        }
        Expr::map(config)
    }

    fn needs_doc(&self) -> &'static str {
        crate::codebuild::project::ACTION_DOC
    }

    fn grant(&self, stack: &mut Stack, site: &ActionSite<'_>) {
        self.project.grant_start(stack, site.role);
        site.bucket
            .grant_codebuild(stack, self.project.role(), !site.outputs.is_empty());
        if let Some(key) = site.key {
            stack.grant(self.project.role(), kms_use(key));
        }
    }

    fn variable(&mut self, name: String, value: Expr) {
        self.variables.push((name, value));
    }

    fn variables(&self) -> Option<Vec<String>> {
        self.project.exported_variables().map(<[String]>::to_vec)
    }

    fn reader_role(&self) -> Option<crate::iam::RoleRef> {
        Some(self.project.role().clone())
    }
}

/// `EnvironmentVariables`: a JSON array in a string. Literal values are
/// JSON-escaped into it; any other value (a reference, an attribute, a
/// value of another stack) is placed between the quotes through
/// [`Expr::concat`], which synth writes as `!Sub` once it is resolved. Such
/// a value must hold no `"` or `\`, as ARNs, names and URIs never do.
fn environment_variables(variables: &[(String, Expr)]) -> Expr {
    let json = |s: &str| serde_json::Value::from(s).to_string();
    let mut parts = vec![Expr::from("[")];
    for (i, (name, value)) in variables.iter().enumerate() {
        let open = format!(
            "{}{{\"name\":{},\"value\":",
            if i == 0 { "" } else { "," },
            json(name)
        );
        match value {
            Expr::String(s) => parts.push(Expr::from(format!("{open}{}", json(s)))),
            other => {
                parts.push(Expr::from(format!("{open}\"")));
                parts.push(other.clone());
                parts.push(Expr::from("\""));
            }
        }
        parts.push(Expr::from(",\"type\":\"PLAINTEXT\"}"));
    }
    parts.push(Expr::from("]"));
    let literal = parts.iter().all(|p| matches!(p, Expr::String(_)));
    if literal {
        let text: String = parts.iter().filter_map(Expr::as_str).collect();
        Expr::String(text)
    } else {
        Expr::concat(parts)
    }
}

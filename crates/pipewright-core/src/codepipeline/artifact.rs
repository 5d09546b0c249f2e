//! What passes between a pipeline's actions: artifacts and variables, as
//! values.
//!
//! An [`Artifact`] is made once and handed to the action that produces it
//! ([`Action::output`](crate::codepipeline::Action::output)) and to every
//! action that reads it ([`Action::input`](crate::codepipeline::Action::input)),
//! so a misspelt artifact name cannot compile. The pipeline checks the
//! order at synth: an artifact read before an earlier stage produces it, or
//! produced and never read, is a problem.
//!
//! A [`Namespace`] is handed to the action that publishes variables
//! ([`Action::namespace`](crate::codepipeline::Action::namespace)); its
//! [`Namespace::var`] is the [`Variable`] a later action reads, usable
//! wherever a value is (`impl Into<Expr>`) and in text (`Display` writes
//! `#{Namespace.NAME}`). At synth the pipeline finds every `#{ns.VAR}` its
//! actions read and checks that an earlier action publishes `ns` and, where
//! the kind knows its variables (a CodeBuild buildspec's
//! `env.exported-variables`, a source action's documented variables), that
//! `VAR` is one of them.
//!
//! Reference: [variables](https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html),
//! [input and output artifacts](https://docs.aws.amazon.com/codepipeline/latest/userguide/welcome-introducing-artifacts.html).

use std::fmt;

use crate::template::Expr;

/// An artifact of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    name: String,
}

impl Artifact {
    /// The artifact `name`: 1 to 100 letters, digits, `_` and `-`, unique in
    /// its pipeline (checked at synth).
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    /// The artifact's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A file in the artifact, e.g. `stacks/app.yaml`.
    pub fn path(&self, file: impl Into<String>) -> ArtifactPath {
        ArtifactPath {
            artifact: self.name.clone(),
            file: file.into(),
        }
    }
}

/// A file in an artifact, written `Artifact::file` in a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactPath {
    artifact: String,
    file: String,
}

impl ArtifactPath {
    /// The artifact's name.
    pub fn artifact(&self) -> &str {
        &self.artifact
    }

    /// The configuration value, `Artifact::file`.
    pub fn to_config(&self) -> String {
        format!("{}::{}", self.artifact, self.file)
    }
}

/// The namespace an action publishes its variables under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    name: String,
}

impl Namespace {
    /// The namespace `name`, unique in its pipeline.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The variable `name` of this namespace, `#{Namespace.name}`.
    pub fn var(&self, name: impl Into<String>) -> Variable {
        Variable {
            namespace: self.name.clone(),
            name: name.into(),
        }
    }
}

/// `#{codepipeline.PipelineExecutionId}`: the ID of the running execution,
/// a variable every action may read.
pub fn execution_id() -> Variable {
    Namespace::new(GLOBAL_NAMESPACE).var("PipelineExecutionId")
}

/// The namespace CodePipeline itself publishes (`PipelineExecutionId`).
pub const GLOBAL_NAMESPACE: &str = "codepipeline";
/// The namespace of a V2 pipeline's own variables (`#{variables.NAME}`).
pub const PIPELINE_VARIABLES: &str = "variables";

/// A variable an action publishes, read by a later action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    namespace: String,
    name: String,
}

impl Variable {
    /// The namespace that publishes it.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The variable's name in its namespace.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{{{}.{}}}", self.namespace, self.name)
    }
}

impl From<Variable> for Expr {
    fn from(v: Variable) -> Expr {
        Expr::String(v.to_string())
    }
}

impl From<&Variable> for Expr {
    fn from(v: &Variable) -> Expr {
        Expr::String(v.to_string())
    }
}

/// Every variable `#{namespace.name}` that `text` reads, in order.
pub fn references(text: &str) -> Vec<Variable> {
    variable_references(text)
        .into_iter()
        .map(|(namespace, name)| Variable {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
        .collect()
}

/// The `(namespace, name)` of every `#{Namespace.NAME}` in `text`, in
/// order. CodePipeline substitutes them in any configuration string,
/// including the JSON text of a CodeBuild action's `EnvironmentVariables`,
/// so the text is scanned as it is. A namespace is letters, digits and
/// `@ - _` (CodePipeline's pattern for `Namespace`); the name is everything
/// up to `}`. Text that is not a complete reference is skipped, and an
/// unfinished one does not swallow the next.
///
/// Written by hand: the syntax is one delimiter pair, and a regex crate
/// would be the only dependency of the core for it.
pub fn variable_references(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("#{") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        if let Some((namespace, name)) = inner.split_once('.')
            && !namespace.is_empty()
            && !name.is_empty()
            && namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '-' | '_'))
            && !name.contains("#{")
        {
            found.push((namespace, name));
            rest = &rest[end + 1..];
        }
    }
    found
}

/// Every variable read anywhere in `value`: in its strings and `Fn::Sub`
/// templates.
pub fn references_in(value: &Expr) -> Vec<Variable> {
    let mut out = Vec::new();
    value.walk(&mut |e| match e {
        Expr::String(s) => out.extend(references(s)),
        Expr::Sub { template, .. } => out.extend(references(template)),
        _ => {}
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_writes_and_reads_back() {
        let v = Namespace::new("BuildVariables").var("IMAGE_TAG");
        assert_eq!(v.to_string(), "#{BuildVariables.IMAGE_TAG}");
        let text = format!("image {v} of #{{SourceVariables.CommitId}}, not #{{x}} or #{{a b.c}}");
        let refs = references(&text);
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0], v);
        assert_eq!(
            (refs[1].namespace(), refs[1].name()),
            ("SourceVariables", "CommitId")
        );
        assert!(references("#{unterminated.x").is_empty());
    }

    #[test]
    fn finds_references_in_plain_text_and_json() {
        let json = r##"[{"name":"TAG","value":"#{Build.IMAGE_TAG}","type":"PLAINTEXT"},{"name":"N","value":"#{codepipeline.PipelineExecutionId}"}]"##;
        assert_eq!(
            variable_references(json),
            [
                ("Build", "IMAGE_TAG"),
                ("codepipeline", "PipelineExecutionId")
            ]
        );
    }

    #[test]
    fn skips_what_is_not_a_reference() {
        assert!(variable_references("# a comment {not} #{NoDot} #{.x} #{x.}").is_empty());
        assert!(variable_references("#{Build.TAG").is_empty());
        assert!(variable_references("#{bad space.X}").is_empty());
        // An unfinished reference does not swallow the next one.
        assert_eq!(
            variable_references("#{oops #{Build.TAG}"),
            [("Build", "TAG")]
        );
    }

    #[test]
    fn references_are_found_inside_subs() {
        let e = Expr::list([
            Expr::sub("${AWS::Region}/#{A.B}"),
            Expr::map([("k", Expr::from("#{C.D}"))]),
        ]);
        let names: Vec<String> = references_in(&e).iter().map(|v| v.to_string()).collect();
        assert_eq!(names, ["#{A.B}", "#{C.D}"]);
    }
}

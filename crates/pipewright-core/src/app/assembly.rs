//! The assembly: what synth produces, per stack, for writing and deploying.

use crate::construct::{Env, File};
use crate::template::Template;
use indexmap::IndexMap;

/// The template file format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// YAML with short-form intrinsics (the default).
    #[default]
    Yaml,
    /// JSON with long-form intrinsics.
    Json,
}

impl Format {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

pub use crate::construct::grant::{BuildCall, Permissions, RoleGrant, Unread};
pub use crate::facts::Capability;

/// One synthesized stack.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The stack name.
    pub name: String,
    /// Where it deploys.
    pub env: Env,
    /// Stack tags.
    pub tags: IndexMap<String, String>,
    /// Whether termination protection is on: as the code sets it
    /// ([`crate::Stack::termination_protection`]), else on for a stack
    /// that holds data and did not opt out.
    pub termination_protection: bool,
    /// What guards the stack's data: the resources deploy refuses to
    /// replace or delete and the stack policy denies it on, those the code
    /// allows, or why the stack opted out.
    pub protection: super::Protection,
    /// Existing resources the stack adopts with a resource import before
    /// its first update that has them ([`crate::Stack::adopt`]).
    pub adoptions: Vec<super::Adoption>,
    /// The template model.
    pub template: Template,
    /// The rendered template.
    pub body: String,
    /// The format of `body`.
    pub format: Format,
    /// Files beside the template (buildspecs).
    pub files: Vec<File>,
    /// Stacks whose exports this stack imports, deployed first.
    pub dependencies: Vec<String>,
    /// The capabilities the template needs, computed from its resources.
    pub capabilities: Vec<Capability>,
    /// A SHA-256 of the body and the files, hex.
    pub hash: String,
    /// Where CloudFormation StackSets deploys the template, when the stack
    /// is a stack set's (`App::stack_set`); `None` for a stack.
    pub stack_set: Option<crate::construct::stack_set::Deployment>,
}

impl Artifact {
    /// Where the template is written, relative to the output directory.
    pub fn template_path(&self) -> String {
        format!("stacks/{}.{}", self.name, self.format.extension())
    }
}

/// Everything synth produced, stacks in dependency order (a stack comes
/// after the stacks it depends on; otherwise in the order they were added).
#[derive(Clone, Debug)]
pub struct Assembly {
    /// The stacks.
    pub stacks: Vec<Artifact>,
}

impl Assembly {
    /// The stack called `name`.
    pub fn get(&self, name: &str) -> Option<&Artifact> {
        self.stacks.iter().find(|s| s.name == name)
    }

    /// Every file synth writes, as (path relative to the output directory,
    /// contents), in a stable order.
    pub fn files(&self) -> Vec<(String, &str)> {
        let mut files = Vec::new();
        for s in &self.stacks {
            files.push((s.template_path(), s.body.as_str()));
            for f in &s.files {
                files.push((f.path.clone(), f.contents.as_str()));
            }
        }
        files
    }
}

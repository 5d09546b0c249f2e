//! The app: stacks, synthesis into an assembly, and the files synth writes.

mod assembly;
pub mod files;
mod stack;
mod synth;
mod validate;

pub use assembly::{Artifact, Assembly, Capability, Format};
pub use stack::{Construct, Env, File, ResourceRef, Stack};

/// An app: every stack this repository deploys.
#[derive(Clone, Debug, Default)]
pub struct App {
    stacks: Vec<Stack>,
}

impl App {
    /// An empty app.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a stack (chained).
    pub fn stack(mut self, stack: Stack) -> Self {
        self.stacks.push(stack);
        self
    }

    /// Adds a stack.
    pub fn add(&mut self, stack: Stack) {
        self.stacks.push(stack);
    }

    /// The stacks, in the order they were added.
    pub fn stacks(&self) -> &[Stack] {
        &self.stacks
    }

    /// Validates every stack and synthesizes YAML templates.
    pub fn synth(&self) -> Result<Assembly, crate::Error> {
        self.synth_as(Format::Yaml)
    }

    /// Validates every stack and synthesizes templates in `format`. Every
    /// problem in every stack is reported at once, with its construct path.
    pub fn synth_as(&self, format: Format) -> Result<Assembly, crate::Error> {
        synth::synth(&self.stacks, format)
    }
}

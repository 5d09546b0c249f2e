//! The app: stacks, synthesis into an assembly, and the files synth writes.
//! It sits above the constructs: it takes finished [`Stack`]s from the
//! construct core and never builds resources itself.

mod assembly;
pub mod files;
mod synth;
mod validate;

pub use crate::construct::{Construct, Env, File, ResourceRef, Stack};
pub use assembly::{Artifact, Assembly, Capability, Format};

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

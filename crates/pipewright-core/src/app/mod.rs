//! The app: stacks, synthesis into an assembly or one artifact at a time,
//! and the files synth writes. It sits above the constructs: it takes
//! finished [`Stack`]s from the construct core and never builds resources
//! itself.

mod assembly;
mod bootstraps;
mod execution;
pub mod files;
mod protection;
mod synth;
mod validate;

pub use crate::construct::{Construct, Env, File, ResourceRef, Stack};
pub use assembly::{
    Artifact, Assembly, BuildCall, Capability, Format, Permissions, RoleGrant, Unread,
};
pub use bootstraps::{is_current, managing_bootstrap};
pub use protection::{ALLOW_ALL, Adoption, Protection};
use std::borrow::Cow;
pub use validate::{stack_name_ok, unresolved_references};

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

    /// Adds a stack set (chained): its stack is synthesized like any other
    /// and listed among [`App::stacks`]; deploy hands it to CloudFormation
    /// StackSets.
    pub fn stack_set(mut self, set: crate::stack_set::StackSet) -> Self {
        self.stacks.push(set.into_stack());
        self
    }

    /// Adds a stack set.
    pub fn add_stack_set(&mut self, set: crate::stack_set::StackSet) {
        self.stacks.push(set.into_stack());
    }

    /// The stacks, in the order they were added.
    pub fn stacks(&self) -> &[Stack] {
        &self.stacks
    }

    /// What each stack grants to roles and what its builds run, by stack
    /// name: for review (`pipewright list --permissions`). Read from the
    /// stacks as built, so synth does none of this work.
    ///
    /// A bootstrap's execution role is granted what its managed stacks
    /// need only at synth, from their rendered resources: those statements
    /// are derived here on a copy of the stacks.
    pub fn permissions(&self) -> Vec<(&str, Permissions)> {
        let mut out: Vec<(&str, Permissions)> = self
            .stacks
            .iter()
            .map(|s| (s.name(), crate::construct::render::permissions(s)))
            .collect();
        if self
            .stacks
            .iter()
            .any(|s| !s.derived_execution.is_empty() || !s.derived_reads.is_empty())
        {
            let mut copy = self.stacks.clone();
            for (i, grants) in execution::derived_grants(&mut copy) {
                out[i]
                    .1
                    .grants
                    .extend(crate::construct::render::role_grants(&grants));
            }
        }
        out
    }

    /// Validates every stack and synthesizes YAML templates.
    pub fn synth(&self) -> Result<Assembly, crate::Error> {
        self.synth_as(Format::Yaml)
    }

    /// Validates every stack and synthesizes templates in `format`. Every
    /// problem in every stack is reported at once, with its construct path.
    ///
    /// The assembly keeps every template and body, which `deploy`, `diff`
    /// and `drift` need; to write files, [`App::synth_each`] holds one
    /// stack's at a time.
    pub fn synth_as(&self, format: Format) -> Result<Assembly, crate::Error> {
        let mut stacks = Vec::with_capacity(self.stacks.len());
        synth::synth(
            self.stacks.iter().map(Cow::Borrowed),
            format,
            &mut |artifact| {
                stacks.push(artifact);
                Ok(())
            },
        )?;
        Ok(Assembly { stacks })
    }

    /// Validates every stack and synthesizes templates in `format`, handing
    /// each stack's artifact to `sink` as soon as it is rendered, in
    /// dependency order; what the sink drops is freed before the next stack
    /// is rendered. The app is consumed, so its stacks are moved into synth
    /// rather than copied.
    ///
    /// Once synth finds a problem it stops calling `sink`, checks the rest,
    /// and returns every problem: a sink that writes must therefore stage
    /// what it gets and publish it only when this returns `Ok`, as
    /// [`files::Tree`] does. An error returned by `sink` ends synth with
    /// that error.
    pub fn synth_each(
        self,
        format: Format,
        mut sink: impl FnMut(Artifact) -> Result<(), crate::Error>,
    ) -> Result<(), crate::Error> {
        synth::synth(self.stacks.into_iter().map(Cow::Owned), format, &mut sink)
    }
}

//! A picture of an app: its stacks grouped by account and region with the
//! dependencies between them, and each pipeline's stages and actions, the
//! artifacts and variables that pass from action to action, and the
//! projects, repositories, topics and stacks the actions touch (issue #19).
//!
//! The picture is read from the synthesized [`Assembly`], not from the
//! constructs: the templates are what CloudFormation builds, so the diagram
//! shows that, whichever construct, raw resource or imported template
//! produced a pipeline. A reference is followed to the resource it names
//! (`!Ref Build` is the CodeBuild project `Build`), across stacks through
//! the export an `!ImportValue` reads; a variable is drawn from the action
//! whose namespace produces it to every action whose configuration reads
//! `#{Namespace.NAME}`.
//!
//! [`Graph`] is a plain model in the templates' order, built once and
//! rendered by [`Graph::render`] as Mermaid (which GitHub renders inside
//! markdown) or as Graphviz dot. Node IDs are positional (`p1s2a1` is the
//! first action of the second stage of the first pipeline), so they are
//! valid in both languages whatever the app's names are, and the same app
//! draws the same text; names appear only in labels, escaped for each
//! language.
//!
//! [`Assembly`]: crate::app::Assembly

mod dot;
mod ids;
mod mermaid;
mod model;

pub use model::{
    Action, Edge, Environment, Flow, Graph, Node, Pipeline, StackNode, Stage, Touched, TouchedKind,
};

/// The diagram language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// A Mermaid flowchart (the default): GitHub, GitLab and many editors
    /// render a ```` ```mermaid ```` block of it inside markdown.
    #[default]
    Mermaid,
    /// A Graphviz digraph, for `dot -Tsvg`.
    Dot,
}

impl Graph {
    /// The diagram as text in `format`, ending with a newline.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Mermaid => mermaid::render(self),
            Format::Dot => dot::render(self),
        }
    }
}

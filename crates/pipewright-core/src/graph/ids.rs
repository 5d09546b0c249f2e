//! The IDs both diagram languages give nodes and stages, and the order of
//! stages: shared by the renderers, apart from the module that calls them.

use super::model::{Node, Pipeline};

/// The positional ID of a node of pipeline `p` (zero-based): `p1s2a1`,
/// `p1r3`. Letters and digits only, never a keyword of either language.
pub(super) fn node_id(p: usize, node: Node) -> String {
    match node {
        Node::Action(s, a) => format!("p{}s{}a{}", p + 1, s + 1, a + 1),
        Node::Resource(r) => format!("p{}r{}", p + 1, r + 1),
    }
}

/// The ID of stage `s` of pipeline `p` (zero-based).
pub(super) fn stage_id(p: usize, s: usize) -> String {
    format!("p{}s{}", p + 1, s + 1)
}

/// The edges that keep stages in order, left to right: from the first
/// action of each stage to the first action of the next, drawn invisibly.
pub(super) fn stage_order(pipeline: &Pipeline) -> Vec<(Node, Node)> {
    let firsts: Vec<Node> = pipeline
        .stages
        .iter()
        .enumerate()
        .filter(|(_, stage)| !stage.actions.is_empty())
        .map(|(s, _)| Node::Action(s, 0))
        .collect();
    firsts.windows(2).map(|w| (w[0], w[1])).collect()
}

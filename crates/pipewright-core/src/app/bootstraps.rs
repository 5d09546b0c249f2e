//! Which bootstrap manages a stack, and whether the deployed one is the
//! synthesized one: pure functions over artifacts, so that `deploy` can
//! refuse a managed stack before any change set while its account's
//! bootstrap is stale (issue #19), and the rule is tested without a cloud.

use super::Artifact;
use crate::construct::execution::METADATA_KEY;
use crate::template::{Expr, reader};

/// The bootstrap artifact among `stacks` that manages `stack`, read from
/// each bootstrap template's `pipewright:bootstrap` Metadata.
pub fn managing_bootstrap<'a>(stacks: &'a [Artifact], stack: &str) -> Option<&'a Artifact> {
    stacks.iter().find(|a| {
        a.name != stack
            && a.template
                .metadata
                .get(METADATA_KEY)
                .and_then(|m| m.at("manages"))
                .and_then(Expr::as_list)
                .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(stack)))
    })
}

/// Whether the deployed template of `synthesized`'s stack (the body
/// `GetTemplate` returns; `None` when the stack does not exist) is the
/// synthesized one: the same text, or no difference by meaning, as `diff`
/// compares.
pub fn is_current(synthesized: &Artifact, deployed: Option<&str>) -> bool {
    deployed.is_some_and(|body| {
        body == synthesized.body
            || reader::parse(body)
                .is_ok_and(|t| crate::diff::diff(&t, &synthesized.template).is_empty())
    })
}

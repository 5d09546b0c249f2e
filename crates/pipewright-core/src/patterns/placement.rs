//! Where a pattern's stack goes and how it is tagged: the settings every
//! single-stack pattern shares.

use crate::construct::Stack;

/// A stack's account, region and tags. Defaults: the deploying
/// credentials' account and region, no tags.
#[derive(Clone, Debug, Default)]
pub(super) struct Placement {
    pub(super) account: Option<String>,
    pub(super) region: Option<String>,
    pub(super) tags: Vec<(String, String)>,
}

impl Placement {
    /// A new stack `name` with `description`, placed and tagged.
    pub(super) fn stack(&self, name: &str, description: String) -> Stack {
        let mut stack = Stack::new(name).description(description);
        if let Some(account) = &self.account {
            stack = stack.account(account);
        }
        if let Some(region) = &self.region {
            stack = stack.region(region);
        }
        for (key, value) in &self.tags {
            stack = stack.tag(key, value);
        }
        stack
    }
}

//! A pipeline stage: a named group of actions that run together (ordered
//! within the stage by their `RunOrder`).

use crate::codepipeline::Action;
use crate::template::Expr;

/// A stage: actions that run together.
#[derive(Clone, Debug)]
pub struct Stage {
    pub(crate) name: String,
    pub(crate) actions: Vec<Action>,
}

impl Stage {
    /// A stage called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            actions: Vec::new(),
        }
    }

    /// Adds an action.
    pub fn action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    /// The stage's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stage's actions, in the order they were added.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The stage as `Stages` renders it.
    pub(crate) fn to_expr(&self) -> Expr {
        Expr::map([
            ("Name", Expr::from(self.name.as_str())),
            (
                "Actions",
                Expr::list(self.actions.iter().map(Action::to_expr)),
            ),
        ])
    }
}

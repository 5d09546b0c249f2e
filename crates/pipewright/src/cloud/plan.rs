//! Plan ordering: which stacks may start now, given their dependencies and
//! what has finished; a failure skips everything that depends on it. Pure.

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use indexmap::IndexMap;
use std::future::Future;

/// Where one stack is in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Slot {
    /// Not started.
    Waiting,
    /// Started, not finished.
    Running,
    /// Finished successfully.
    Done,
    /// Finished unsuccessfully.
    Failed,
    /// Not attempted because `because` (a stack it waits for) failed.
    Skipped {
        /// The failed stack, directly or through others.
        because: String,
    },
}

/// Schedules stacks so that each starts only after the stacks it waits for
/// are done.
#[derive(Clone, Debug)]
pub struct Scheduler {
    waits_for: IndexMap<String, Vec<String>>,
    slots: IndexMap<String, Slot>,
}

impl Scheduler {
    /// A schedule for deploying: each stack waits for its dependencies.
    /// `stacks` are (name, dependencies); dependencies outside `stacks` are
    /// taken as already deployed.
    pub fn deploy(stacks: &[(String, Vec<String>)]) -> Self {
        let names: Vec<&String> = stacks.iter().map(|(n, _)| n).collect();
        let waits_for = stacks
            .iter()
            .map(|(n, deps)| {
                let deps = deps.iter().filter(|d| names.contains(d)).cloned().collect();
                (n.clone(), deps)
            })
            .collect();
        Self::new(waits_for)
    }

    /// A schedule for destroying: each stack waits for the stacks that
    /// depend on it (reverse dependency order).
    pub fn destroy(stacks: &[(String, Vec<String>)]) -> Self {
        let mut waits_for: IndexMap<String, Vec<String>> = stacks
            .iter()
            .map(|(n, _)| (n.clone(), Vec::new()))
            .collect();
        for (name, deps) in stacks {
            for d in deps {
                if let Some(w) = waits_for.get_mut(d) {
                    w.push(name.clone());
                }
            }
        }
        // Later stacks first when nothing orders them: the reverse of deploy.
        waits_for.reverse();
        Self::new(waits_for)
    }

    fn new(waits_for: IndexMap<String, Vec<String>>) -> Self {
        let slots = waits_for
            .keys()
            .map(|n| (n.clone(), Slot::Waiting))
            .collect();
        Self { waits_for, slots }
    }

    /// The next stack that may start, marked running; `None` when none may
    /// start now.
    pub fn start_next(&mut self) -> Option<String> {
        let ready = self.slots.iter().find_map(|(name, slot)| {
            (*slot == Slot::Waiting
                && self.waits_for[name]
                    .iter()
                    .all(|d| self.slots[d] == Slot::Done))
            .then(|| name.clone())
        })?;
        self.slots[&ready] = Slot::Running;
        Some(ready)
    }

    /// Records that `name` finished; a failure skips every stack that waits
    /// for it, directly or not.
    pub fn finish(&mut self, name: &str, ok: bool) {
        if ok {
            self.slots[name] = Slot::Done;
            return;
        }
        self.slots[name] = Slot::Failed;
        let mut blocked = vec![name.to_owned()];
        while let Some(failed) = blocked.pop() {
            let dependents: Vec<String> = self
                .waits_for
                .iter()
                .filter(|(n, w)| w.contains(&failed) && self.slots[*n] == Slot::Waiting)
                .map(|(n, _)| n.clone())
                .collect();
            for d in dependents {
                self.slots[&d] = Slot::Skipped {
                    because: name.to_owned(),
                };
                blocked.push(d);
            }
        }
    }

    /// Whether every stack has finished or been skipped.
    pub fn is_finished(&self) -> bool {
        self.slots
            .values()
            .all(|s| !matches!(s, Slot::Waiting | Slot::Running))
    }

    /// Every stack and where it is, in schedule order.
    pub fn slots(&self) -> &IndexMap<String, Slot> {
        &self.slots
    }
}

/// Runs a schedule: starts each stack when it may (at most `concurrency`
/// at once) with `start` (`None` for a name it does not know, counted as a
/// failure), and records `ok(result)` as its success. Returns
/// the results by stack, and the stacks skipped with the stack that made
/// them skip.
pub(crate) async fn run<R, Fut>(
    mut scheduler: Scheduler,
    concurrency: usize,
    start: impl Fn(&str) -> Option<Fut>,
    ok: impl Fn(&R) -> bool,
) -> (IndexMap<String, R>, Vec<(String, String)>)
where
    Fut: Future<Output = R>,
{
    let mut running = FuturesUnordered::new();
    let mut done = IndexMap::new();
    loop {
        while running.len() < concurrency.max(1) {
            let Some(name) = scheduler.start_next() else {
                break;
            };
            match start(&name) {
                Some(task) => running.push(async move { (name, task.await) }),
                None => scheduler.finish(&name, false),
            }
        }
        let Some((name, result)) = running.next().await else {
            break;
        };
        scheduler.finish(&name, ok(&result));
        done.insert(name, result);
    }
    let skipped = scheduler
        .slots()
        .iter()
        .filter_map(|(name, slot)| match slot {
            Slot::Skipped { because } => Some((name.clone(), because.clone())),
            _ => None,
        })
        .collect();
    (done, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stacks(spec: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        spec.iter()
            .map(|(n, d)| (n.to_string(), d.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn drain(s: &mut Scheduler) -> Vec<String> {
        std::iter::from_fn(|| s.start_next()).collect()
    }

    #[test]
    fn deploys_dependencies_first_and_independent_stacks_together() {
        let mut s = Scheduler::deploy(&stacks(&[
            ("store", &[]),
            ("other", &[]),
            ("pipe", &["store"]),
            ("hook", &["pipe", "outside"]),
        ]));
        assert_eq!(drain(&mut s), ["store", "other"]);
        s.finish("store", true);
        assert_eq!(drain(&mut s), ["pipe"]);
        s.finish("pipe", true);
        s.finish("other", true);
        assert_eq!(drain(&mut s), ["hook"]);
        assert!(!s.is_finished());
        s.finish("hook", true);
        assert!(s.is_finished());
    }

    #[test]
    fn a_failure_skips_its_dependents_transitively() {
        let mut s = Scheduler::deploy(&stacks(&[
            ("store", &[]),
            ("other", &[]),
            ("pipe", &["store"]),
            ("hook", &["pipe"]),
        ]));
        assert_eq!(drain(&mut s), ["store", "other"]);
        s.finish("store", false);
        s.finish("other", true);
        assert_eq!(s.start_next(), None);
        assert!(s.is_finished());
        let skipped = Slot::Skipped {
            because: "store".into(),
        };
        assert_eq!(s.slots()["pipe"], skipped);
        assert_eq!(s.slots()["hook"], skipped);
        assert_eq!(s.slots()["other"], Slot::Done);
    }

    #[test]
    fn destroys_dependents_first() {
        let mut s = Scheduler::destroy(&stacks(&[
            ("store", &[]),
            ("pipe", &["store"]),
            ("other", &[]),
        ]));
        assert_eq!(drain(&mut s), ["other", "pipe"]);
        s.finish("pipe", true);
        assert_eq!(drain(&mut s), ["store"]);
        let mut s = Scheduler::destroy(&stacks(&[("store", &[]), ("pipe", &["store"])]));
        assert_eq!(drain(&mut s), ["pipe"]);
        s.finish("pipe", false);
        assert_eq!(
            s.slots()["store"],
            Slot::Skipped {
                because: "pipe".into()
            }
        );
    }
}

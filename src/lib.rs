//! This repository's own app: the stacks pipewright deploys for us, one file
//! per pipeline family. `pipewright synth` writes them to `stacks/`.
//!
//! It is a crate of its own that depends on the `pipewright` library, the
//! shape a platform team's infra repository has: editing a stack recompiles
//! this small crate only.

pub mod accounts;
pub mod alerts;
pub mod artifact_store;
pub mod build_once_push_many;
pub mod dockerhub;
pub mod eks_cicd;
pub mod image_pipeline;
pub mod infra;
pub mod make_pipeline;

use pipewright::App;

/// Every stack of this repository.
pub fn app() -> App {
    let mut app = App::new()
        .stack(artifact_store::stack())
        .stack(image_pipeline::webhook())
        .stack(image_pipeline::connection());
    for stack in build_once_push_many::stacks() {
        // A stack of a workload account is deployed through its bootstrap.
        let stack = match stack.env().account.as_deref() {
            Some(build_once_push_many::PRODUCTION) => {
                stack.depends_on(accounts::bootstrap_name("production"))
            }
            _ => stack,
        };
        app.add(stack);
    }
    app.add(dockerhub::stack());
    app.add(make_pipeline::stack());
    for stack in eks_cicd::stacks() {
        app.add(stack);
    }
    app.add(infra::stack(&app, &infra::CONFIG));
    app.add_stack_set(alerts::stack_set());
    // Last: each account's bootstrap (the operations account's too)
    // manages the stacks above that live there; synth derives its
    // execution role from their templates.
    for (name, account) in eks_cicd::WORKLOADS {
        let bootstrap = accounts::bootstrap(&app, name, account);
        app.add(bootstrap);
    }
    app.add(accounts::operations_bootstrap(&app));
    app
}

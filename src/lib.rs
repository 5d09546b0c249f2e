//! This repository's own app: the stacks pipewright deploys for us, one file
//! per pipeline family. `pipewright synth` writes them to `stacks/`.
//!
//! It is a crate of its own that depends on the `pipewright` library, the
//! shape a platform team's infra repository has: editing a stack recompiles
//! this small crate only.

pub mod accounts;
pub mod artifact_store;
pub mod build_once_push_many;
pub mod dockerhub;
pub mod eks_cicd;
pub mod github;
pub mod image_pipeline;
pub mod infra;
pub mod make_pipeline;

use pipewright::App;

/// Every stack of this repository.
pub fn app() -> App {
    let mut app = App::new()
        .stack(artifact_store::stack())
        .stack(image_pipeline::webhook())
        .stack(image_pipeline::connection())
        .stack(build_once_push_many::pipeline(
            &build_once_push_many::CONFIG,
        ))
        .stack(build_once_push_many::production(
            &build_once_push_many::CONFIG,
        ))
        .stack(dockerhub::stack(&dockerhub::CONFIG))
        .stack(make_pipeline::stack(&make_pipeline::CONFIG));
    let config = eks_cicd::CONFIG;
    for stack in eks_cicd::stacks(&config) {
        app.add(stack);
    }
    app.add(infra::stack(&app, &infra::CONFIG));
    // Last: each account's bootstrap (the operations account's too)
    // manages the stacks above that live there; synth derives its
    // execution role from their templates.
    for cluster in config.clusters {
        let bootstrap = accounts::bootstrap(&app, cluster.name, cluster.account);
        app.add(bootstrap);
    }
    app.add(accounts::operations_bootstrap(&app));
    app
}

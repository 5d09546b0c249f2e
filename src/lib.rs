//! This repository's own app: the stacks pipewright deploys for us, one file
//! per pipeline family. `pipewright synth` writes them to `stacks/`.
//!
//! It is a crate of its own that depends on the `pipewright` library, the
//! shape a platform team's infra repository has: editing a stack recompiles
//! this small crate only.

pub mod artifact_store;
pub mod image_pipeline;

use pipewright::App;

/// Every stack of this repository.
pub fn app() -> App {
    App::new()
        .stack(artifact_store::stack())
        .stack(image_pipeline::webhook())
        .stack(image_pipeline::connection())
}

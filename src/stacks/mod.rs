//! This repository's own app: the stacks pipewright deploys for us, one file
//! per pipeline family. `pipewright synth` writes them to `stacks/`.

pub mod artifact_store;
pub mod image_pipeline;

use crate::App;

/// Every stack of this repository.
pub fn app() -> App {
    App::new()
        .stack(artifact_store::stack())
        .stack(image_pipeline::webhook())
        .stack(image_pipeline::connection())
}

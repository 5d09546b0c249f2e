//! This repository's own app: the stacks pipewright deploys for us, one file
//! per pipeline family. `pipewright synth` writes them to `stacks/`.

pub mod artifact_store;

use crate::App;

/// Every stack of this repository.
pub fn app() -> App {
    App::new().stack(artifact_store::stack())
}

//! The integration tests: one binary, one module per subject.
#![allow(clippy::unwrap_used)]

mod cli;
mod cloud_mocks;
mod color;
mod deploy;
mod diff_drift;
mod errors;
mod generate;
mod image_pipeline;
mod lint;
mod moto;
mod new_app;
mod roundtrip;
mod s3;
mod stack_events;
mod support;
mod synth;
mod yaml11;

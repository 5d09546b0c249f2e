//! The integration tests: one binary, one module per subject.
#![allow(clippy::unwrap_used)]

mod accounts;
mod bootstrap;
mod circleci;
mod cli;
mod cloud_cli;
mod cloud_mocks;
mod color;
mod constructs;
mod create_only;
mod cross_account;
mod deploy;
mod diff_drift;
mod eks_cicd;
mod errors;
mod generate;
mod grants;
mod graph;
mod iam_reference;
mod image_pipeline;
mod import;
mod layers;
mod lint;
mod moto;
mod new_app;
mod patterns;
mod reader;
mod roundtrip;
mod s3;
mod stack_events;
mod staging;
mod support;
mod synth;
mod tls;
mod wiring;
mod yaml11;

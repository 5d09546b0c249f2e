//! Patterns: whole systems built from the constructs, each with a typed
//! configuration whose every field has a documented default, so that an
//! app that uses one reads as configuration.

pub mod drift;
pub mod infra;

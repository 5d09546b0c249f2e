#![doc = include_str!("../README.md")]

// Everything but the command line and the cloud layer is in
// `pipewright-core`, which compiles while the AWS SDK does; its modules
// appear here under the same paths (`pipewright::template`, ...).
#[doc(inline)]
pub use pipewright_core::*;

pub mod cli;
#[cfg(feature = "cloud")]
pub mod cloud;

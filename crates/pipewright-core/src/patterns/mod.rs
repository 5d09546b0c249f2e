//! Patterns: whole systems of stacks packaged as typed configuration, for
//! a team that wants a known design rather than its parts.

pub mod eks;

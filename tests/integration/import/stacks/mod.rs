//! What `pipewright import` wrote for each template of `../templates`.

pub mod conditions;
pub mod policies;
pub mod rules;
pub mod transform;
pub mod tutorial;

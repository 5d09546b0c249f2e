//! The CloudFormation model, independent of any AWS service: templates,
//! typed values, the YAML and JSON emitters and the reader that parses them
//! back.

pub mod expr;
pub mod json;
mod logical_id;
mod model;
pub mod reader;
pub mod rust;
pub mod yaml;

pub use expr::{DynamicRef, DynamicService, Expr, Number, Pseudo, sub_references};
pub use logical_id::{InvalidLogicalId, LogicalId, MAX_LEN as LOGICAL_ID_MAX_LEN, pascal_case};
pub use model::{
    FORMAT_VERSION, Mapping, Output, Parameter, ParameterType, Policy, Resource, Template, mapping,
};

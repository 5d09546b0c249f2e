//! IAM: policy documents and statements (`policy`, plain values the
//! construct core builds on), and the role construct (`role`, built on the
//! core), and the group construct (`group`, people who share permissions,
//! such as approvers). The split keeps the layers pointing one way: the core validates
//! and renders grants with `policy` alone, and `role` is a construct like
//! any other.

pub mod group;
pub mod policy;
pub mod role;

pub use group::{Group, GroupRef};
pub use policy::{
    Effect, KMS_USE_ACTIONS, POLICY_VERSION, PolicyDocument, Principal, Statement, UNSCOPED_ACTIONS,
};
pub use role::{Grantee, NARROWING_TRUST_KEYS, Role, RoleArn, RoleRef};

//! The IAM group construct: people who share permissions, such as the
//! approvers of a manual approval. Like a role, a group's permissions are
//! never written here: constructs grant statements to it through the stack
//! ([`Stack::grant`]), and synth renders them into its inline policy.
//! SECURITY.md keeps policies on roles and groups, never on users; who is
//! in the group is managed outside the template (an identity provider, or
//! `aws iam add-user-to-group`).

use crate::construct::{Construct, ResourceRef, Stack};
use crate::template::{Expr, Resource};

/// An IAM group.
///
/// Defaults: no name (CloudFormation generates one), no members, no
/// permissions until something grants them.
#[derive(Clone, Debug)]
pub struct Group {
    id: String,
    name: Option<Expr>,
}

impl Group {
    /// A group with logical ID `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
        }
    }

    /// Sets `GroupName`. Default: none, CloudFormation generates one. A
    /// named group needs `CAPABILITY_NAMED_IAM`, and renaming replaces it.
    pub fn name(mut self, name: impl Into<Expr>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// A group added to a stack.
#[derive(Clone, Debug)]
pub struct GroupRef {
    resource: ResourceRef,
}

impl GroupRef {
    /// The group's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The group name (`!Ref Group`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The group ARN (`!GetAtt Group.Arn`).
    pub fn arn(&self) -> Expr {
        self.resource.get_att("Arn")
    }

    /// The underlying resource.
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
}

impl AsRef<ResourceRef> for GroupRef {
    fn as_ref(&self) -> &ResourceRef {
        &self.resource
    }
}

impl Construct for Group {
    type Ref = GroupRef;

    fn add_to(self, stack: &mut Stack) -> GroupRef {
        let path = stack.path(&self.id);
        let mut group = Resource::new("AWS::IAM::Group");
        if let Some(name) = &self.name {
            group = group.property("GroupName", name.clone());
        }
        GroupRef {
            resource: stack.add_resource_at(path, &self.id, group),
        }
    }
}

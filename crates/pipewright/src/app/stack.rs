//! `Stack`: the unit that is synthesized to one template and deployed as
//! one CloudFormation stack.
//!
//! A stack collects parameters, conditions, mappings, resources and outputs
//! as constructs add them, each with the construct path it came from. Nothing
//! is validated on the way in: synth checks everything at once and reports
//! every problem with its path, so a user fixes them in one pass.

use crate::error::{Problem, ProblemKind};
use crate::iam::{PolicyDocument, RoleRef, Statement};
use crate::template::{Expr, Mapping, Output, Parameter, Resource};
use indexmap::IndexMap;
use std::fmt;

/// Where a stack is deployed. `None` means "whatever the caller's AWS
/// configuration says at deploy time".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    /// The 12-digit AWS account ID.
    pub account: Option<String>,
    /// The region, e.g. `eu-west-1`.
    pub region: Option<String>,
}

impl fmt::Display for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let account = self.account.as_deref().unwrap_or("default account");
        let region = self.region.as_deref().unwrap_or("default region");
        match (&self.account, &self.region) {
            (Some(_), _) => write!(f, "account {account}, {region}"),
            (None, _) => write!(f, "{account}, {region}"),
        }
    }
}

/// An item of a stack section, with the construct path that added it.
#[derive(Clone, Debug)]
pub(crate) struct Item<T> {
    pub path: String,
    pub id: String,
    pub value: T,
}

/// A file that belongs to a stack (a buildspec), relative to the output
/// directory, e.g. `buildspecs/image-pipeline/build.yml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// The path relative to the output directory.
    pub path: String,
    /// The contents.
    pub contents: String,
}

/// Something that adds resources to a stack and hands back a reference to
/// them: `let bucket = stack.add(s3::Bucket::new("Artifacts"));`.
pub trait Construct {
    /// What the construct hands back: typed references such as `arn()`.
    type Ref;
    /// Adds the construct's resources to `stack`.
    fn add_to(self, stack: &mut Stack) -> Self::Ref;
}

/// A reference to a resource of a stack, returned by [`Stack::add_resource`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    stack: String,
    id: String,
}

impl ResourceRef {
    /// The resource's logical ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The stack the resource belongs to.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// `!Ref` to the resource (its physical ID: a name, an ARN or an ID,
    /// depending on the type).
    pub fn reference(&self) -> Expr {
        self.owned(Expr::Ref(self.id.clone()))
    }

    /// `!GetAtt` of one of the resource's attributes.
    pub fn get_att(&self, attribute: &str) -> Expr {
        self.owned(Expr::get_att(&self.id, attribute))
    }

    /// Wraps a value that only makes sense inside this resource's stack.
    pub fn owned(&self, value: Expr) -> Expr {
        Expr::Owned {
            stack: self.stack.clone(),
            value: Box::new(value),
        }
    }
}

/// A stack under construction.
#[derive(Clone, Debug)]
pub struct Stack {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) env: Env,
    pub(crate) tags: IndexMap<String, String>,
    pub(crate) termination_protection: bool,
    pub(crate) metadata: IndexMap<String, Expr>,
    pub(crate) parameters: Vec<Item<Parameter>>,
    pub(crate) mappings: Vec<Item<Mapping>>,
    pub(crate) conditions: Vec<Item<Expr>>,
    pub(crate) resources: Vec<Item<Resource>>,
    pub(crate) outputs: Vec<Item<Output>>,
    pub(crate) files: Vec<File>,
    pub(crate) problems: Vec<Problem>,
    /// Statements granted to each role (by logical ID), rendered into the
    /// role's inline policy.
    pub(crate) grants: IndexMap<String, Vec<Statement>>,
}

impl Stack {
    /// A new, empty stack. The name is the CloudFormation stack name and the
    /// file name under `stacks/`; it is checked at synth.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            env: Env::default(),
            tags: IndexMap::new(),
            termination_protection: false,
            metadata: IndexMap::new(),
            parameters: Vec::new(),
            mappings: Vec::new(),
            conditions: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            files: Vec::new(),
            problems: Vec::new(),
            grants: IndexMap::new(),
        }
    }

    /// The stack's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the template's `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Pins the stack to an account: deploy refuses to run with credentials
    /// of another account.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.env.account = Some(account.into());
        self
    }

    /// Pins the stack to a region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.env.region = Some(region.into());
        self
    }

    /// Adds a stack tag, applied by CloudFormation to every resource that
    /// supports tags.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Turns termination protection on or off (default: off). pipewright
    /// never turns it off by itself.
    pub fn termination_protection(mut self, on: bool) -> Self {
        self.termination_protection = on;
        self
    }

    /// The stack's environment.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The construct path of an item with logical ID `id` in this stack.
    pub fn path(&self, id: &str) -> String {
        format!("{}/{}", self.name, id)
    }

    /// Adds a template-level metadata entry.
    pub fn add_metadata(&mut self, key: impl Into<String>, value: Expr) {
        self.metadata.insert(key.into(), value);
    }

    /// Adds a parameter and returns `!Ref` to it.
    pub fn add_parameter(&mut self, id: impl Into<String>, parameter: Parameter) -> Expr {
        let id = id.into();
        let path = self.path(&id);
        self.parameters.push(Item {
            path,
            id: id.clone(),
            value: parameter,
        });
        Expr::Owned {
            stack: self.name.clone(),
            value: Box::new(Expr::Ref(id)),
        }
    }

    /// Adds a condition and returns its name, for [`Expr::if_`] and
    /// [`Resource::condition`].
    pub fn add_condition(&mut self, id: impl Into<String>, condition: Expr) -> String {
        let id = id.into();
        let path = self.path(&id);
        self.conditions.push(Item {
            path,
            id: id.clone(),
            value: condition,
        });
        id
    }

    /// Adds a mapping and returns its name, for [`Expr::find_in_map`].
    pub fn add_mapping(&mut self, id: impl Into<String>, mapping: Mapping) -> String {
        let id = id.into();
        let path = self.path(&id);
        self.mappings.push(Item {
            path,
            id: id.clone(),
            value: mapping,
        });
        id
    }

    /// Adds a resource of any type: the escape hatch for what no construct
    /// models. Constructs call [`Stack::add_resource_at`] with their path.
    pub fn add_resource(&mut self, id: impl Into<String>, resource: Resource) -> ResourceRef {
        let id = id.into();
        let path = self.path(&id);
        self.add_resource_at(path, id, resource)
    }

    /// Adds a resource with an explicit construct path.
    pub fn add_resource_at(
        &mut self,
        path: String,
        id: impl Into<String>,
        resource: Resource,
    ) -> ResourceRef {
        let id = id.into();
        self.resources.push(Item {
            path,
            id: id.clone(),
            value: resource,
        });
        ResourceRef {
            stack: self.name.clone(),
            id,
        }
    }

    /// Adds a raw resource whose properties are JSON, e.g. copied from the
    /// CloudFormation documentation. Intrinsics in long form
    /// (`{"Ref": "X"}`) become typed values.
    pub fn add_raw_resource(
        &mut self,
        id: impl Into<String>,
        kind: impl Into<String>,
        properties: serde_json::Value,
    ) -> ResourceRef {
        let id = id.into();
        let path = self.path(&id);
        let mut resource = Resource::new(kind);
        match crate::template::reader::expr_from_json(&properties) {
            Ok(Expr::Map(map)) => resource.properties = map,
            Ok(_) => self.report(&path, "raw resource properties must be a JSON object"),
            Err(e) => self.report(&path, format!("raw resource properties: {e}")),
        }
        self.add_resource_at(path, id, resource)
    }

    /// The resource behind a reference, to change what a construct made.
    pub fn resource_mut(&mut self, r: &ResourceRef) -> Option<&mut Resource> {
        if r.stack != self.name {
            return None;
        }
        self.resources
            .iter_mut()
            .find(|item| item.id == r.id)
            .map(|item| &mut item.value)
    }

    /// Overrides one property of a resource by dotted path
    /// (`BucketEncryption.ServerSideEncryptionConfiguration.0.BucketKeyEnabled`),
    /// whatever construct made it. A path that does not fit is reported at synth.
    pub fn override_property(&mut self, r: &ResourceRef, path: &str, value: impl Into<Expr>) {
        let where_ = self.path(&r.id);
        let result = match self.resource_mut(r) {
            Some(resource) => resource.set_path(path, value.into()),
            None => Err(format!("no resource `{}` in stack `{}`", r.id, self.name)),
        };
        if let Err(message) = result {
            self.report(&where_, format!("cannot override `{path}`: {message}"));
        }
    }

    /// Adds an output.
    pub fn add_output(&mut self, id: impl Into<String>, output: Output) {
        let id = id.into();
        let path = self.path(&id);
        self.outputs.push(Item {
            path,
            id,
            value: output,
        });
    }

    /// Adds a file (a buildspec) written beside the template at synth.
    pub fn add_file(&mut self, path: impl Into<String>, contents: impl Into<String>) {
        self.files.push(File {
            path: path.into(),
            contents: contents.into(),
        });
    }

    /// Records a problem found while building, reported at synth with all
    /// the others.
    pub fn report(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_owned(),
            kind: ProblemKind::Construct(message.into()),
        });
    }

    /// Grants `statement` to `role`. Grants to one role are merged and sorted
    /// into one inline policy. A wildcard action (`*`, `s3:*`) or an action
    /// on `Resource: "*"` that supports narrower resources is a synth error;
    /// [`Stack::grant_unrestricted`] is the explicit escape.
    pub fn grant(&mut self, role: &RoleRef, statement: Statement) {
        let path = self.path(role.id());
        let wildcards = statement.wildcard_actions().join("`, `");
        if !wildcards.is_empty() {
            self.report(
                &path,
                format!("grants wildcard action `{wildcards}`: list the actions the role needs, or use `grant_unrestricted` with a reason"),
            );
            return;
        }
        let unscoped = statement.unscoped_actions().join("`, `");
        if !unscoped.is_empty() {
            self.report(
                &path,
                format!("grants `{unscoped}` on every resource: name the resources' ARNs"),
            );
            return;
        }
        self.add_grant(role, statement);
    }

    /// Grants a statement that [`Stack::grant`] would refuse (a wildcard
    /// action or resource), recording `reason` in the role's metadata and
    /// scanner suppressions so a reviewer sees why.
    pub fn grant_unrestricted(&mut self, role: &RoleRef, statement: Statement, reason: &str) {
        if let Some(r) = self.resource_mut(role.resource()) {
            let reasons = r
                .metadata
                .entry("pipewright:unrestricted".to_owned())
                .or_insert_with(|| Expr::List(Vec::new()));
            if let Expr::List(list) = reasons {
                list.push(Expr::from(reason));
            }
        }
        self.add_grant(role, statement);
    }

    fn add_grant(&mut self, role: &RoleRef, statement: Statement) {
        self.grants
            .entry(role.id().to_owned())
            .or_default()
            .push(statement);
    }

    /// Writes each role's grants, merged and sorted, into its inline policy.
    /// Synth calls this once, so granting stays cheap however many grants
    /// a role gets.
    pub(crate) fn render_grants(&mut self) {
        let grants = std::mem::take(&mut self.grants);
        for (role, statements) in &grants {
            let policy = Expr::list([Expr::map([
                ("PolicyName", Expr::from("grants")),
                (
                    "PolicyDocument",
                    PolicyDocument::merged(statements).to_expr(),
                ),
            ])]);
            match self.resources.iter_mut().find(|item| &item.id == role) {
                Some(item) => {
                    item.value.properties.insert("Policies".to_owned(), policy);
                }
                None => {
                    let path = self.path(role);
                    self.report(
                        &path,
                        format!("no role `{role}` in stack `{}` to grant to", self.name),
                    );
                }
            }
        }
        self.grants = grants;
    }

    /// Adds a construct and returns its references.
    pub fn add<C: Construct>(&mut self, construct: C) -> C::Ref {
        construct.add_to(self)
    }
}

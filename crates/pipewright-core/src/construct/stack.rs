//! `Stack`: the unit that is synthesized to one template and deployed as
//! one CloudFormation stack.
//!
//! A stack collects parameters, conditions, mappings, resources and outputs
//! as constructs add them, each with the construct path it came from. Nothing
//! is validated on the way in: synth checks everything at once and reports
//! every problem with its path, so a user fixes them in one pass.

use super::grant::{Grant, GrantTarget, Need, Override, ResourcePolicy};
use super::{Construct, Env, File, ResourceRef};
use crate::error::{Problem, ProblemKind};
use crate::iam::policy::Statement;
use crate::template::{Expr, Mapping, Output, Parameter, Resource, Template};
use indexmap::IndexMap;

/// An item of a stack section, with the construct path that added it.
#[derive(Clone, Debug)]
pub(crate) struct Item<T> {
    pub path: String,
    pub id: String,
    pub value: T,
}

/// A stack under construction.
#[derive(Clone, Debug)]
pub struct Stack {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) env: Env,
    pub(crate) tags: IndexMap<String, String>,
    pub(crate) termination_protection: Option<bool>,
    /// Logical IDs that may be replaced or deleted, with their reasons.
    pub(crate) allow_replace: IndexMap<String, String>,
    /// Why the stack opted out of protecting its data.
    pub(crate) unprotected: Option<String>,
    /// Resources adopted with a resource import, as (path, logical ID).
    pub(crate) adopted: Vec<(String, String)>,
    pub(crate) metadata: IndexMap<String, Expr>,
    pub(crate) parameters: Vec<Item<Parameter>>,
    pub(crate) mappings: Vec<Item<Mapping>>,
    pub(crate) conditions: Vec<Item<Expr>>,
    pub(crate) resources: Vec<Item<Resource>>,
    pub(crate) outputs: Vec<Item<Output>>,
    pub(crate) files: Vec<File>,
    pub(crate) problems: Vec<Problem>,
    /// Grants, in the order they were made; validated and rendered at synth
    /// (see [`super::grant`]).
    pub(crate) grants: Vec<Grant>,
    /// The needs of the constructs being added, innermost last: a grant is
    /// recorded with the innermost (see [`Stack::for_need`]).
    pub(crate) needs: Vec<super::grant::Need>,
    /// AWS CLI calls of the stack's builds, checked against the grants of
    /// the whole app at synth (see [`super::grant::check_calls`]).
    pub(crate) calls: Vec<super::grant::RoleCall>,
    /// Per project, the programs its build runs that pipewright cannot
    /// read into ([`crate::buildspec::unread_programs`]).
    pub(crate) unread: Vec<super::grant::Unread>,
    /// Property overrides, applied at synth after grants are rendered, so
    /// an explicit override always wins.
    pub(crate) overrides: Vec<Override>,
    /// Stacks deployed before this one, beside those whose values it uses.
    pub(crate) depends_on: Vec<String>,
    /// What the model does not type, written as given (see
    /// [`Stack::add_verbatim`]).
    pub(crate) verbatim: IndexMap<String, Expr>,
    /// A bootstrap's execution roles (CloudFormation's, and StackSets'
    /// when asked for), whose policies synth derives from the stacks they
    /// manage (see [`super::execution`]).
    pub(crate) derived_execution: Vec<super::execution::Derived>,
    /// Roles of this stack that read other stacks' resources (drift
    /// detection reads each with the caller's credentials), whose read
    /// permissions synth derives from those stacks.
    pub(crate) derived_reads: Vec<super::execution::Derived>,
    /// Where StackSets deploys the stack, when it is a stack set's (see
    /// [`super::stack_set`]).
    pub(crate) stack_set: Option<Box<super::stack_set::StackSetSpec>>,
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
            termination_protection: None,
            allow_replace: IndexMap::new(),
            unprotected: None,
            adopted: Vec::new(),
            metadata: IndexMap::new(),
            parameters: Vec::new(),
            mappings: Vec::new(),
            conditions: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            files: Vec::new(),
            problems: Vec::new(),
            grants: Vec::new(),
            needs: Vec::new(),
            calls: Vec::new(),
            unread: Vec::new(),
            overrides: Vec::new(),
            depends_on: Vec::new(),
            verbatim: IndexMap::new(),
            derived_execution: Vec::new(),
            derived_reads: Vec::new(),
            stack_set: None,
        }
    }

    /// A stack that synthesizes `template` as it is, under the same
    /// logical IDs: the stack the source `pipewright import` writes
    /// builds (see [`crate::template::rust`]), without the source. The
    /// template's format version is not kept; synth writes the only one
    /// there is.
    pub fn from_template(name: impl Into<String>, template: Template) -> Self {
        let mut stack = Stack::new(name);
        stack.description = template.description;
        for (key, value) in template.metadata {
            stack.add_metadata(key, value);
        }
        for (id, parameter) in template.parameters {
            stack.add_parameter(id.as_str(), parameter);
        }
        for (id, mapping) in template.mappings {
            stack.add_mapping(id.as_str(), mapping);
        }
        for (id, condition) in template.conditions {
            stack.add_condition(id.as_str(), condition);
        }
        for (id, resource) in template.resources {
            stack.add_resource(id.as_str(), resource);
        }
        for (id, output) in template.outputs {
            stack.add_output(id.as_str(), output);
        }
        stack.verbatim = template.verbatim;
        stack
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

    /// Reaches the stack's account by assuming `role` (a role name in the
    /// stack's account, or an ARN) instead of the bootstrap's deploy role
    /// (see [`Env::deploy_role`]).
    pub fn deploy_role(mut self, role: impl Into<String>) -> Self {
        self.env.deploy_role = Some(role.into());
        self
    }

    /// Has CloudFormation act as `role` (a role name in the stack's
    /// account, or an ARN): the change set's `RoleARN` (see
    /// [`Env::execution_role`]).
    pub fn execution_role(mut self, role: impl Into<String>) -> Self {
        self.env.execution_role = Some(role.into());
        self
    }

    /// Deploys the stack with the caller's own or a mapped profile's
    /// credentials only, never through a deploy role (see
    /// [`Env::own_credentials`]): for a stack that creates the deploy role.
    pub fn own_credentials(mut self) -> Self {
        self.env.own_credentials = true;
        self
    }

    /// Deploys stack `name` before this one (and destroys it after), for
    /// an order no value between them shows: a workload stack after the
    /// bootstrap stack that creates its deploy role. Values used across
    /// stacks record their dependency by themselves.
    pub fn depends_on(mut self, name: impl Into<String>) -> Self {
        self.depends_on.push(name.into());
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

    /// Turns termination protection on or off. Default: on for a stack
    /// that holds data (a stateful resource type, or a resource retained
    /// with `DeletionPolicy: Retain`) and did not opt out with
    /// [`Stack::unprotected`]; off otherwise. Turning it off on a stack
    /// that holds data is a synth error: opt out with a reason instead.
    /// pipewright never turns it off in AWS by itself.
    pub fn termination_protection(mut self, on: bool) -> Self {
        self.termination_protection = Some(on);
        self
    }

    /// Allows deploy to replace or delete the resource with logical ID
    /// `id`, which holds data, for `reason`: deploy then executes a change
    /// that loses it, and lifts the stack policy for `id` during that
    /// update. The reason is written to the template's Metadata
    /// (`pipewright:allow-replace`), where the reviewer sees it; remove the
    /// call once the change is deployed. Default: nothing allowed; the
    /// command allows one deploy with `--allow-replace ID`.
    pub fn allow_replace(mut self, id: impl Into<String>, reason: impl Into<String>) -> Self {
        self.allow_replace.insert(id.into(), reason.into());
        self
    }

    /// Opts the stack out of every guard of its data, for `reason`
    /// (written to the template's Metadata as `pipewright:unprotected`):
    /// no stack policy, termination protection off unless
    /// [`Stack::termination_protection`] turns it on, and deploy replaces
    /// or deletes data without `--allow-replace`. Default: a stack that
    /// holds data is guarded.
    pub fn unprotected(mut self, reason: impl Into<String>) -> Self {
        self.unprotected = Some(reason.into());
        self
    }

    /// Adopts an existing resource instead of creating it: deploy brings
    /// it into the stack with a CloudFormation resource import (an
    /// `IMPORT` change set) before the update that needs it, identified by
    /// its type's identifier property (a repository's `RepositoryName`, a
    /// bucket's `BucketName`; see [`crate::facts::import_identifier`]),
    /// which must be a literal. Synth gives it `DeletionPolicy` and
    /// `UpdateReplacePolicy: Retain`, as an import requires. Constructs
    /// call it from their own `adopt()`. Default: resources are created.
    pub fn adopt(&mut self, resource: &impl AsRef<ResourceRef>) {
        let r = resource.as_ref();
        if r.stack != self.name {
            let path = self.path(&r.id);
            self.report(
                &path,
                format!(
                    "resource `{}` belongs to stack `{}`: adopt it there",
                    r.id, r.stack
                ),
            );
            return;
        }
        self.adopted.push((self.path(&r.id), r.id.clone()));
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

    /// Adds what the template model does not type, written as given:
    /// a section such as `Transform` (a name or a list of names) or
    /// `Rules`, or, under a typed section's name, entries its fields
    /// cannot hold (`Resources` → `Fn::ForEach::Name` loops). This is how a
    /// stack imported from an existing template (`pipewright import`)
    /// keeps all of it; see [`Template::verbatim`](crate::template::Template::verbatim).
    /// A template with a `Transform` or such entries names resources the
    /// transform makes, so synth does not check its references.
    pub fn add_verbatim(&mut self, section: impl Into<String>, value: Expr) {
        self.verbatim.insert(section.into(), value);
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
            Ok(_) => self.problem(
                &path,
                ProblemKind::RawProperties {
                    reason: "must be a JSON object".to_owned(),
                },
            ),
            Err(e) => self.problem(
                &path,
                ProblemKind::RawProperties {
                    reason: format!("are invalid: {e}"),
                },
            ),
        }
        self.add_resource_at(path, id, resource)
    }

    /// The resource behind a reference, to change what a construct made.
    /// Changes made here come before grants are rendered; to replace what
    /// rendering writes (a role's `Policies`), use
    /// [`Stack::override_property`].
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
    /// whatever construct made it. Overrides are applied at synth, after
    /// grants are rendered, so an override of `Policies` replaces the
    /// rendered inline policy. A path that does not fit is reported at synth.
    pub fn override_property(&mut self, r: &ResourceRef, path: &str, value: impl Into<Expr>) {
        self.overrides.push(Override {
            path: self.path(&r.id),
            target: r.clone(),
            property: path.to_owned(),
            value: value.into(),
        });
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

    /// Whether the stack is a stack set's ([`crate::stack_set::StackSet`]):
    /// CloudFormation StackSets deploys it, not a bootstrap's deploy role.
    pub fn is_stack_set(&self) -> bool {
        self.stack_set.is_some()
    }

    /// Records a problem that a construct outside this library found in its
    /// own configuration, reported at synth with all the others. `message`
    /// follows the library's grammar: the subject first, then what to do.
    pub fn report(&mut self, path: &str, message: impl Into<String>) {
        self.problem(
            path,
            ProblemKind::Custom {
                message: message.into(),
            },
        );
    }

    /// Records a problem found while building, reported at synth with all
    /// the others.
    pub fn problem(&mut self, path: &str, kind: ProblemKind) {
        self.problems.push(Problem {
            path: path.to_owned(),
            kind,
        });
    }

    /// Grants identity `statement` to `principal` (a role; SECURITY.md keeps
    /// policies off users). Grants to one principal are merged and sorted into one inline policy named
    /// `grants`. At synth, a wildcard action (`*`, `s3:*`), an action on
    /// `Resource: "*"` that supports narrower resources, or `iam:PassRole`
    /// on `*` is an error; [`Stack::grant_unrestricted`] is the explicit
    /// escape for the first two.
    pub fn grant(&mut self, principal: &impl AsRef<ResourceRef>, statement: Statement) {
        self.push_grant(
            GrantTarget::Identity(principal.as_ref().clone()),
            statement,
            None,
        );
    }

    /// Grants a statement that [`Stack::grant`] would refuse (a wildcard
    /// action or resource), recording `reason` in the principal's metadata
    /// (`pipewright:unrestricted`) so a reviewer sees why.
    pub fn grant_unrestricted(
        &mut self,
        principal: &impl AsRef<ResourceRef>,
        statement: Statement,
        reason: &str,
    ) {
        self.push_grant(
            GrantTarget::Identity(principal.as_ref().clone()),
            statement,
            Some(reason.to_owned()),
        );
    }

    /// Adds `statement` to a resource policy (a bucket policy, a repository
    /// policy, a key policy, a topic policy). Statements of one policy are
    /// merged and sorted. At synth, an `Allow` without a principal or to
    /// every principal (`*`) is an error, and so are the checks of
    /// [`Stack::grant`].
    pub fn grant_resource(&mut self, policy: &ResourcePolicy, statement: Statement) {
        self.push_grant(GrantTarget::Resource(policy.clone()), statement, None);
    }

    /// Runs `build` with `need` as the reason of every grant it makes,
    /// including those of the `grant_*` methods it calls: how a construct
    /// declares what its features need. `pipewright list --permissions`
    /// shows the need beside each statement; a grant made outside any need
    /// is shown as granted by hand.
    pub fn for_need<T>(&mut self, need: Need, build: impl FnOnce(&mut Stack) -> T) -> T {
        self.needs.push(need);
        let out = build(self);
        self.needs.pop();
        out
    }

    fn push_grant(&mut self, target: GrantTarget, statement: Statement, reason: Option<String>) {
        let path = self.path(target.resource().id());
        let need = self.needs.last().cloned().unwrap_or(Need::Hand);
        self.grants.push(Grant {
            path,
            target,
            statement,
            need,
            unrestricted: reason,
        });
    }

    /// Every grant made so far, in order.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Adds a construct and returns its references.
    pub fn add<C: Construct>(&mut self, construct: C) -> C::Ref {
        construct.add_to(self)
    }
}

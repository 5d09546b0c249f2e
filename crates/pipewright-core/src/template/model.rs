//! The template and its sections: parameters, mappings, conditions,
//! resources and outputs.
//!
//! Every section is an ordered map, so the order in which a stack adds
//! things is the order a reviewer reads them in, and synthesizing twice gives
//! the same bytes.
//!
//! A template read back from CloudFormation may hold what pipewright never
//! writes (a `Transform`, `Rules`, `CreationPolicy`, an empty section): the
//! model keeps that verbatim (`Template::verbatim`, `Resource::attributes`,
//! `Expr::Function`) rather than refusing the template, so `diff` and
//! `drift` work on any deployed stack (issue #14).

use super::expr::Expr;
use super::logical_id::LogicalId;
use indexmap::IndexMap;

/// The only template format version CloudFormation has.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// A CloudFormation template.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    /// `AWSTemplateFormatVersion`; emitted as `2010-09-09` when `None`.
    pub format_version: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// Template-level `Metadata`.
    pub metadata: IndexMap<String, Expr>,
    /// `Parameters`.
    pub parameters: IndexMap<LogicalId, Parameter>,
    /// `Mappings`: map name → top-level key → second-level key → value.
    pub mappings: IndexMap<LogicalId, Mapping>,
    /// `Conditions`: name → condition expression.
    pub conditions: IndexMap<LogicalId, Expr>,
    /// `Resources`.
    pub resources: IndexMap<LogicalId, Resource>,
    /// `Outputs`.
    pub outputs: IndexMap<LogicalId, Output>,
    /// What the model does not type, kept as written so it is emitted
    /// unchanged and compared by meaning: sections it does not type
    /// (`Transform`, `Rules`, any other) under their name, and under a typed
    /// section's name either the whole section when it is present but empty
    /// (`Outputs: {}`) or the entries the typed fields cannot hold
    /// (`Fn::ForEach::Name` loops, a resource whose `Type` is not a string).
    /// A template read from somewhere else needs this; one pipewright
    /// synthesizes leaves it empty. Default: empty.
    pub verbatim: IndexMap<String, Expr>,
}

/// A mapping: top-level key → second-level key → value.
pub type Mapping = IndexMap<String, IndexMap<String, Expr>>;

/// A template parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// `Type`.
    pub kind: ParameterType,
    /// `Description`.
    pub description: Option<String>,
    /// `Default`. A `NoEcho` parameter must not have one (its value would be
    /// in the template for anyone to read).
    pub default: Option<String>,
    /// `NoEcho`: CloudFormation masks the value in API responses, and
    /// pipewright never prints it.
    pub no_echo: bool,
    /// `AllowedValues`.
    pub allowed_values: Vec<String>,
    /// `AllowedPattern`: a Java regular expression the whole value must match.
    pub allowed_pattern: Option<String>,
    /// `MinLength`.
    pub min_length: Option<u32>,
    /// `MaxLength`.
    pub max_length: Option<u32>,
    /// `MinValue` (Number parameters).
    pub min_value: Option<f64>,
    /// `MaxValue` (Number parameters).
    pub max_value: Option<f64>,
    /// `ConstraintDescription`: shown when a constraint fails.
    pub constraint_description: Option<String>,
}

impl Parameter {
    /// A parameter of the given type with no constraints.
    pub fn new(kind: ParameterType) -> Self {
        Self {
            kind,
            description: None,
            default: None,
            no_echo: false,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            min_length: None,
            max_length: None,
            min_value: None,
            max_value: None,
            constraint_description: None,
        }
    }

    /// A `String` parameter.
    pub fn string() -> Self {
        Self::new(ParameterType::String)
    }

    /// Sets `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets `Default`.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Sets `NoEcho: true`.
    pub fn no_echo(mut self) -> Self {
        self.no_echo = true;
        self
    }

    /// Sets `AllowedValues`.
    pub fn allowed_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `AllowedPattern`.
    pub fn allowed_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.allowed_pattern = Some(pattern.into());
        self
    }

    /// Sets `MinLength` and `MaxLength`.
    pub fn length(mut self, min: u32, max: u32) -> Self {
        self.min_length = Some(min);
        self.max_length = Some(max);
        self
    }

    /// Sets `ConstraintDescription`.
    pub fn constraint_description(mut self, text: impl Into<String>) -> Self {
        self.constraint_description = Some(text.into());
        self
    }

    /// Sets `MinLength`.
    pub fn min_length(mut self, min: u32) -> Self {
        self.min_length = Some(min);
        self
    }

    /// Sets `MaxLength`.
    pub fn max_length(mut self, max: u32) -> Self {
        self.max_length = Some(max);
        self
    }

    /// Sets `MinValue` (Number parameters).
    pub fn min_value(mut self, min: f64) -> Self {
        self.min_value = Some(min);
        self
    }

    /// Sets `MaxValue` (Number parameters).
    pub fn max_value(mut self, max: f64) -> Self {
        self.max_value = Some(max);
        self
    }
}

/// A parameter `Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParameterType {
    /// `String`.
    String,
    /// `Number`.
    Number,
    /// `List<Number>`.
    NumberList,
    /// `CommaDelimitedList`.
    CommaDelimitedList,
    /// An SSM parameter type, e.g. `AWS::SSM::Parameter::Value<String>`: the
    /// parameter's value names a Systems Manager parameter.
    Ssm(String),
    /// An AWS-specific type, e.g. `AWS::EC2::VPC::Id` or `List<AWS::EC2::Subnet::Id>`.
    Aws(String),
}

impl ParameterType {
    /// The type as written in a template.
    pub fn as_str(&self) -> &str {
        match self {
            ParameterType::String => "String",
            ParameterType::Number => "Number",
            ParameterType::NumberList => "List<Number>",
            ParameterType::CommaDelimitedList => "CommaDelimitedList",
            ParameterType::Ssm(s) | ParameterType::Aws(s) => s,
        }
    }

    /// Parses a type as written in a template.
    pub fn parse(s: &str) -> Option<ParameterType> {
        Some(match s {
            "String" => ParameterType::String,
            "Number" => ParameterType::Number,
            "List<Number>" => ParameterType::NumberList,
            "CommaDelimitedList" => ParameterType::CommaDelimitedList,
            s if s.starts_with("AWS::SSM::Parameter::") => ParameterType::Ssm(s.to_owned()),
            s if s.starts_with("AWS::") || s.starts_with("List<AWS::") => {
                ParameterType::Aws(s.to_owned())
            }
            _ => return None,
        })
    }
}

/// A resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// `Type`, e.g. `AWS::S3::Bucket`.
    pub kind: String,
    /// `Properties`, in the order they were set.
    pub properties: IndexMap<String, Expr>,
    /// `DependsOn`: logical IDs of resources created first.
    pub depends_on: Vec<String>,
    /// `Condition`: the resource exists only when this condition is true.
    pub condition: Option<String>,
    /// `DeletionPolicy`.
    pub deletion_policy: Option<Policy>,
    /// `UpdateReplacePolicy`.
    pub update_replace_policy: Option<Policy>,
    /// `Metadata`, e.g. scanner suppressions with their reasons.
    pub metadata: IndexMap<String, Expr>,
    /// Attributes the model does not type (`CreationPolicy`,
    /// `UpdatePolicy`, `Version`, any other), and typed ones it cannot hold
    /// as typed (`Properties: {}`, a `DeletionPolicy` chosen by `Fn::If`),
    /// as written, in order; the emitters write them after the typed ones.
    /// Default: empty.
    pub attributes: IndexMap<String, Expr>,
}

impl Resource {
    /// A resource of type `kind` with no properties.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            properties: IndexMap::new(),
            depends_on: Vec::new(),
            condition: None,
            deletion_policy: None,
            update_replace_policy: None,
            metadata: IndexMap::new(),
            attributes: IndexMap::new(),
        }
    }

    /// Sets a property (chained).
    pub fn property(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    /// Sets `DeletionPolicy` and `UpdateReplacePolicy` to `Retain`: the
    /// resource outlives its stack and a replacement keeps the old one.
    pub fn retain(mut self) -> Self {
        self.deletion_policy = Some(Policy::Retain);
        self.update_replace_policy = Some(Policy::Retain);
        self
    }

    /// Adds logical IDs to `DependsOn` (chained).
    pub fn depends_on<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.depends_on.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Sets `Condition`: the resource exists only when condition `name` is
    /// true (chained).
    pub fn condition(mut self, name: impl Into<String>) -> Self {
        self.condition = Some(name.into());
        self
    }

    /// Sets `DeletionPolicy` (chained).
    pub fn deletion_policy(mut self, policy: Policy) -> Self {
        self.deletion_policy = Some(policy);
        self
    }

    /// Sets `UpdateReplacePolicy` (chained).
    pub fn update_replace_policy(mut self, policy: Policy) -> Self {
        self.update_replace_policy = Some(policy);
        self
    }

    /// Sets a `Metadata` entry (chained).
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets an attribute the model does not type, written as given after
    /// the typed ones: `CreationPolicy`, `UpdatePolicy`, or a typed one in
    /// a shape the fields cannot hold (chained). See
    /// [`Resource::attributes`].
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Sets the value at a dotted path below `Properties`, creating maps on
    /// the way; a numeric part indexes an existing list. This is the escape
    /// hatch for a property a construct does not model.
    pub fn set_path(&mut self, path: &str, value: Expr) -> Result<(), String> {
        let mut parts = path.split('.');
        let first = parts.next().filter(|p| !p.is_empty());
        let Some(first) = first else {
            return Err("the path is empty".to_owned());
        };
        let rest: Vec<&str> = parts.collect();
        if rest.is_empty() {
            self.properties.insert(first.to_owned(), value);
            return Ok(());
        }
        let mut here = self
            .properties
            .entry(first.to_owned())
            .or_insert_with(|| Expr::Map(IndexMap::new()));
        let mut walked = first.to_owned();
        for (i, part) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            here = match here {
                Expr::Map(map) => {
                    if last {
                        map.insert((*part).to_owned(), value);
                        return Ok(());
                    }
                    map.entry((*part).to_owned())
                        .or_insert_with(|| Expr::Map(IndexMap::new()))
                }
                Expr::List(list) => {
                    let index = part
                        .parse::<usize>()
                        .ok()
                        .filter(|i| *i < list.len())
                        .ok_or_else(|| {
                            format!(
                                "`{walked}` is a list of {} items: `{part}` is not an index in it",
                                list.len()
                            )
                        })?;
                    if last {
                        list[index] = value;
                        return Ok(());
                    }
                    &mut list[index]
                }
                _ => return Err(format!("`{walked}` is not a map or a list")),
            };
            walked.push('.');
            walked.push_str(part);
        }
        unreachable!("the loop returns on the last part")
    }
}

/// A `DeletionPolicy` or `UpdateReplacePolicy` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Policy {
    /// `Delete`.
    Delete,
    /// `Retain`.
    Retain,
    /// `RetainExceptOnCreate` (DeletionPolicy only).
    RetainExceptOnCreate,
    /// `Snapshot`.
    Snapshot,
}

impl Policy {
    /// The policy as written in a template.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Delete => "Delete",
            Policy::Retain => "Retain",
            Policy::RetainExceptOnCreate => "RetainExceptOnCreate",
            Policy::Snapshot => "Snapshot",
        }
    }

    /// Parses a policy as written in a template.
    pub fn parse(s: &str) -> Option<Policy> {
        Some(match s {
            "Delete" => Policy::Delete,
            "Retain" => Policy::Retain,
            "RetainExceptOnCreate" => Policy::RetainExceptOnCreate,
            "Snapshot" => Policy::Snapshot,
            _ => return None,
        })
    }
}

/// A template output.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// `Description`.
    pub description: Option<String>,
    /// `Value`.
    pub value: Expr,
    /// `Export.Name`: other stacks in the same account and region read the
    /// value with `Fn::ImportValue`.
    pub export: Option<Expr>,
    /// `Condition`.
    pub condition: Option<String>,
}

impl Output {
    /// An output with a value.
    pub fn new(value: impl Into<Expr>) -> Self {
        Self {
            description: None,
            value: value.into(),
            export: None,
            condition: None,
        }
    }

    /// Sets `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Exports the value under `name`.
    pub fn export(mut self, name: impl Into<Expr>) -> Self {
        self.export = Some(name.into());
        self
    }

    /// Sets `Condition`: the output exists only when condition `name` is
    /// true.
    pub fn condition(mut self, name: impl Into<String>) -> Self {
        self.condition = Some(name.into());
        self
    }
}

/// A mapping from its entries: top-level key → (second-level key, value)
/// pairs, in order.
pub fn mapping<K, L, V>(entries: impl IntoIterator<Item = (K, V)>) -> Mapping
where
    K: Into<String>,
    L: Into<String>,
    V: IntoIterator<Item = (L, Expr)>,
{
    entries
        .into_iter()
        .map(|(top, second)| {
            let second = second.into_iter().map(|(k, v)| (k.into(), v)).collect();
            (top.into(), second)
        })
        .collect()
}

impl Template {
    /// The names in `Transform`: one name, or each name of a list (e.g.
    /// `AWS::Serverless-2016-10-31`, `AWS::LanguageExtensions`).
    pub fn transforms(&self) -> Vec<&str> {
        match self.verbatim.get("Transform") {
            Some(Expr::String(name)) => vec![name.as_str()],
            Some(Expr::List(names)) => names.iter().filter_map(Expr::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Every value in the template (metadata, conditions, mappings, resource
    /// properties and metadata, outputs, and what is kept verbatim), for
    /// checks that walk them all.
    pub fn values(&self) -> impl Iterator<Item = &Expr> {
        self.metadata
            .values()
            .chain(self.conditions.values())
            .chain(
                self.mappings
                    .values()
                    .flat_map(|m| m.values().flat_map(|second| second.values())),
            )
            .chain(
                self.resources
                    .values()
                    .flat_map(|r| r.properties.values().chain(r.metadata.values())),
            )
            .chain(
                self.outputs
                    .values()
                    .flat_map(|o| std::iter::once(&o.value).chain(o.export.iter())),
            )
            .chain(self.resources.values().flat_map(|r| r.attributes.values()))
            .chain(self.verbatim.values())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_creates_maps_and_indexes_lists() {
        let mut r = Resource::new("AWS::S3::Bucket").property(
            "Rules",
            Expr::list([Expr::map([("Status", Expr::from("Enabled"))])]),
        );
        r.set_path("VersioningConfiguration.Status", "Enabled".into())
            .unwrap();
        r.set_path("Rules.0.Status", "Disabled".into()).unwrap();
        assert_eq!(
            r.properties["VersioningConfiguration"].at("Status"),
            Some(&Expr::from("Enabled"))
        );
        assert_eq!(
            r.properties["Rules"].at("0.Status"),
            Some(&Expr::from("Disabled"))
        );
        assert_eq!(
            r.set_path("Rules.3.Status", Expr::Null).unwrap_err(),
            "`Rules` is a list of 1 items: `3` is not an index in it"
        );
        assert_eq!(
            r.set_path("Rules.0.Status.X", Expr::Null).unwrap_err(),
            "`Rules.0.Status` is not a map or a list"
        );
    }
}

//! `Expr`: a typed CloudFormation value.
//!
//! Every property value, output value, condition and metadata entry is an
//! `Expr`: a literal (string, number, boolean, list, map), an intrinsic
//! function, a pseudo parameter or a dynamic reference. Constructs hand out
//! `Expr`s (`bucket.arn()`), never strings the user assembles, so a reference
//! to something that does not exist is caught at synth.

use indexmap::IndexMap;
use std::fmt;

/// A number literal, kept exactly as written (integer or float).
pub type Number = serde_json::Number;

/// A CloudFormation value.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// `null`.
    Null,
    /// A boolean literal.
    Bool(bool),
    /// A number literal.
    Number(Number),
    /// A string literal.
    String(String),
    /// A list.
    List(Vec<Expr>),
    /// A map with keys in the order they were inserted.
    Map(IndexMap<String, Expr>),
    /// `Ref` to a parameter or resource (`!Ref Name`).
    Ref(String),
    /// A pseudo parameter (`!Ref AWS::Region`).
    Pseudo(Pseudo),
    /// `Fn::GetAtt` (`!GetAtt Resource.Attribute`); the attribute may contain dots.
    GetAtt {
        /// The logical ID of the resource.
        resource: String,
        /// The attribute name, e.g. `Arn` or `Endpoint.Address`.
        attribute: String,
    },
    /// `Fn::Sub`, with an optional map of variables.
    Sub {
        /// The template string with `${Name}` placeholders.
        template: String,
        /// Variables available to the template, besides parameters, resources
        /// and pseudo parameters.
        vars: IndexMap<String, Expr>,
    },
    /// `Fn::Join`: `values` is a list, or an expression that yields one.
    Join {
        /// The delimiter placed between values.
        delimiter: String,
        /// The values to join.
        values: Box<Expr>,
    },
    /// `Fn::Select`.
    Select {
        /// The zero-based index.
        index: Box<Expr>,
        /// The list to select from.
        list: Box<Expr>,
    },
    /// `Fn::Split`.
    Split {
        /// The delimiter to split on.
        delimiter: String,
        /// The string to split.
        source: Box<Expr>,
    },
    /// `Fn::If`.
    If {
        /// The name of a condition in the template.
        condition: String,
        /// The value when the condition is true.
        then: Box<Expr>,
        /// The value when the condition is false.
        otherwise: Box<Expr>,
    },
    /// `Fn::Equals` (conditions only).
    Equals(Box<Expr>, Box<Expr>),
    /// `Fn::And` (conditions only).
    And(Vec<Expr>),
    /// `Fn::Or` (conditions only).
    Or(Vec<Expr>),
    /// `Fn::Not` (conditions only).
    Not(Box<Expr>),
    /// `Condition`: a reference to another condition (conditions only).
    Condition(String),
    /// `Fn::FindInMap`.
    FindInMap {
        /// The mapping's logical ID.
        map: String,
        /// The top-level key.
        top: Box<Expr>,
        /// The second-level key.
        second: Box<Expr>,
    },
    /// `Fn::ImportValue`: a value exported by another stack.
    ImportValue(Box<Expr>),
    /// `Fn::Base64`.
    Base64(Box<Expr>),
    /// `Fn::GetAZs`.
    GetAzs(Box<Expr>),
    /// `Fn::Cidr`.
    Cidr {
        /// The CIDR block to divide.
        block: Box<Expr>,
        /// How many CIDRs to generate.
        count: Box<Expr>,
        /// The number of subnet bits per CIDR.
        bits: Box<Expr>,
    },
    /// A dynamic reference resolved by CloudFormation at deploy time
    /// (`{{resolve:secretsmanager:...}}`), so secrets never enter the template.
    Dynamic(DynamicRef),
    /// An intrinsic function the model does not type, kept as written:
    /// `Fn::ForEach::Name`, `Fn::Length`, `Fn::ToJsonString`,
    /// `Fn::Transform`, the rule functions (`Fn::Contains`,
    /// `Fn::EachMemberEquals`, `Fn::EachMemberIn`, `Fn::RefAll`,
    /// `Fn::ValueOf`, `Fn::ValueOfAll`), or a typed one in a shape the model
    /// does not hold (`Fn::FindInMap` with a default value). Emitted in long
    /// form, `{name: arg}`.
    Function {
        /// The function's name as written, e.g. `Fn::Length`.
        name: String,
        /// Its argument.
        arg: Box<Expr>,
    },
    /// A string made of parts ([`Expr::concat`]). Synth writes it as
    /// `Fn::Sub` once every part is resolved ([`concat_to_sub`]); an
    /// emitter given one before synth writes `Fn::Join` with no delimiter,
    /// which means the same.
    Concat(Vec<Expr>),
    /// A value that belongs to stack `stack` (a resource attribute or a
    /// parameter). Constructs return these; synth turns them into the value
    /// itself inside that stack, and into an export plus `Fn::ImportValue`
    /// in another stack. Never emitted.
    Owned {
        /// The name of the stack that owns the value.
        stack: String,
        /// The value inside that stack.
        value: Box<Expr>,
    },
}

/// CloudFormation's pseudo parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pseudo {
    /// `AWS::AccountId`.
    AccountId,
    /// `AWS::NotificationARNs`.
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is assigned to.
    NoValue,
    /// `AWS::Partition`.
    Partition,
    /// `AWS::Region`.
    Region,
    /// `AWS::StackId`.
    StackId,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::URLSuffix`.
    UrlSuffix,
}

impl Pseudo {
    /// Every pseudo parameter.
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];

    /// The name used in `Ref` and `${}`, e.g. `AWS::Region`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    /// The pseudo parameter called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The service a dynamic reference reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DynamicService {
    /// `ssm`: a plain Systems Manager parameter.
    Ssm,
    /// `ssm-secure`: a SecureString parameter (only some properties accept it).
    SsmSecure,
    /// `secretsmanager`: a Secrets Manager secret.
    SecretsManager,
}

impl DynamicService {
    /// The service name inside `{{resolve:...}}`.
    pub fn name(self) -> &'static str {
        match self {
            DynamicService::Ssm => "ssm",
            DynamicService::SsmSecure => "ssm-secure",
            DynamicService::SecretsManager => "secretsmanager",
        }
    }
}

/// A dynamic reference: `{{resolve:<service>:<reference>}}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DynamicRef {
    /// Where the value comes from.
    pub service: DynamicService,
    /// Everything after the service name, e.g. `my-secret:SecretString:token`.
    pub reference: String,
}

impl DynamicRef {
    /// Parses a string that is exactly one dynamic reference.
    pub fn parse(s: &str) -> Option<DynamicRef> {
        let inner = s.strip_prefix("{{resolve:")?.strip_suffix("}}")?;
        if inner.contains("{{") || inner.contains("}}") {
            return None;
        }
        let (service, reference) = inner.split_once(':')?;
        let service = match service {
            "ssm" => DynamicService::Ssm,
            "ssm-secure" => DynamicService::SsmSecure,
            "secretsmanager" => DynamicService::SecretsManager,
            _ => return None,
        };
        if reference.is_empty() {
            return None;
        }
        Some(DynamicRef {
            service,
            reference: reference.to_owned(),
        })
    }
}

impl fmt::Display for DynamicRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{{{resolve:{}:{}}}}}",
            self.service.name(),
            self.reference
        )
    }
}

impl Expr {
    /// A string literal.
    pub fn string(s: impl Into<String>) -> Expr {
        Expr::String(s.into())
    }

    /// `!Ref name`. Prefer the typed references constructs return.
    pub fn reference(name: impl Into<String>) -> Expr {
        Expr::Ref(name.into())
    }

    /// `!GetAtt resource.attribute`.
    pub fn get_att(resource: impl Into<String>, attribute: impl Into<String>) -> Expr {
        Expr::GetAtt {
            resource: resource.into(),
            attribute: attribute.into(),
        }
    }

    /// `!Sub template` without variables.
    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub {
            template: template.into(),
            vars: IndexMap::new(),
        }
    }

    /// `!Sub [template, {vars}]`.
    pub fn sub_with<K: Into<String>>(
        template: impl Into<String>,
        vars: impl IntoIterator<Item = (K, Expr)>,
    ) -> Expr {
        Expr::Sub {
            template: template.into(),
            vars: vars.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// `!Join [delimiter, [values]]`.
    pub fn join(delimiter: impl Into<String>, values: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::Join {
            delimiter: delimiter.into(),
            values: Box::new(Expr::List(values.into_iter().collect())),
        }
    }

    /// `!Select [index, list]`.
    pub fn select(index: u32, list: Expr) -> Expr {
        Expr::Select {
            index: Box::new(Expr::Number(index.into())),
            list: Box::new(list),
        }
    }

    /// `!Split [delimiter, source]`.
    pub fn split(delimiter: impl Into<String>, source: Expr) -> Expr {
        Expr::Split {
            delimiter: delimiter.into(),
            source: Box::new(source),
        }
    }

    /// `!If [condition, then, otherwise]`.
    pub fn if_(condition: impl Into<String>, then: Expr, otherwise: Expr) -> Expr {
        Expr::If {
            condition: condition.into(),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        }
    }

    /// `!Equals [a, b]`.
    pub fn equals(a: Expr, b: Expr) -> Expr {
        Expr::Equals(Box::new(a), Box::new(b))
    }

    /// `!FindInMap [map, top, second]`.
    pub fn find_in_map(map: impl Into<String>, top: Expr, second: Expr) -> Expr {
        Expr::FindInMap {
            map: map.into(),
            top: Box::new(top),
            second: Box::new(second),
        }
    }

    /// `!ImportValue name`.
    pub fn import_value(name: Expr) -> Expr {
        Expr::ImportValue(Box::new(name))
    }

    /// `!Base64 value`.
    pub fn base64(value: Expr) -> Expr {
        Expr::Base64(Box::new(value))
    }

    /// A pseudo parameter.
    pub fn pseudo(p: Pseudo) -> Expr {
        Expr::Pseudo(p)
    }

    /// `{{resolve:ssm:name}}`: a Systems Manager parameter, resolved at deploy.
    pub fn ssm_parameter(name: impl Into<String>) -> Expr {
        Expr::Dynamic(DynamicRef {
            service: DynamicService::Ssm,
            reference: name.into(),
        })
    }

    /// `{{resolve:secretsmanager:secret:SecretString:key}}`: one JSON key of
    /// a Secrets Manager secret, resolved at deploy; `key` empty means the
    /// whole secret string.
    pub fn secret(secret: impl Into<String>, key: &str) -> Expr {
        let mut reference = secret.into();
        if !key.is_empty() {
            reference.push_str(":SecretString:");
            reference.push_str(key);
        }
        Expr::Dynamic(DynamicRef {
            service: DynamicService::SecretsManager,
            reference,
        })
    }

    /// A string made of `parts` in order: literal text and any values
    /// (parameters, resource attributes, pseudo parameters), without
    /// writing their names as text. Written as `!Sub` with `${Name}`,
    /// `${Resource.Attribute}` and `${AWS::Region}` placeholders, as people
    /// write it; literal `${` is escaped, and a value a `Sub` cannot name
    /// (an import, a condition) goes in its variable map. Synth writes the
    /// `Sub` once every part is resolved ([`concat_to_sub`]), so a value of
    /// another stack is imported like any other.
    ///
    /// ```
    /// # use pipewright_core::template::{Expr, Pseudo};
    /// let owner = Expr::reference("GithubAccount");
    /// let e = Expr::concat([owner, "/app-".into(), Expr::pseudo(Pseudo::Region)]);
    /// let Expr::Concat(parts) = e else { unreachable!() };
    /// assert_eq!(
    ///     pipewright_core::template::expr::concat_to_sub(&parts),
    ///     Expr::sub("${GithubAccount}/app-${AWS::Region}")
    /// );
    /// ```
    pub fn concat(parts: impl IntoIterator<Item = Expr>) -> Expr {
        let mut flat = Vec::new();
        for part in parts {
            match part {
                Expr::Concat(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        Expr::Concat(flat)
    }

    /// A map literal from pairs, in order.
    pub fn map<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Expr)>) -> Expr {
        Expr::Map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A list literal.
    pub fn list(items: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::List(items.into_iter().collect())
    }

    /// The string, when this is a string literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }

    /// The map, when this is a map literal.
    pub fn as_map(&self) -> Option<&IndexMap<String, Expr>> {
        match self {
            Expr::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list, when this is a list literal.
    pub fn as_list(&self) -> Option<&[Expr]> {
        match self {
            Expr::List(l) => Some(l),
            _ => None,
        }
    }

    /// Looks up a value by a dotted path of map keys and list indexes,
    /// e.g. `VersioningConfiguration.Status` or `Statement.0.Effect`.
    pub fn at(&self, path: &str) -> Option<&Expr> {
        let mut here = self;
        for part in path.split('.') {
            here = match here {
                Expr::Map(m) => m.get(part)?,
                Expr::List(l) => l.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(here)
    }

    /// Calls `f` on this value and every value inside it, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Null
            | Expr::Bool(_)
            | Expr::Number(_)
            | Expr::String(_)
            | Expr::Ref(_)
            | Expr::Pseudo(_)
            | Expr::GetAtt { .. }
            | Expr::Condition(_)
            | Expr::Dynamic(_) => {}
            Expr::List(items) | Expr::And(items) | Expr::Or(items) | Expr::Concat(items) => {
                items.iter().for_each(|e| e.walk(f))
            }
            Expr::Map(map) | Expr::Sub { vars: map, .. } => map.values().for_each(|e| e.walk(f)),
            Expr::Join { values: a, .. }
            | Expr::Split { source: a, .. }
            | Expr::Not(a)
            | Expr::ImportValue(a)
            | Expr::Base64(a)
            | Expr::GetAzs(a)
            | Expr::Function { arg: a, .. }
            | Expr::Owned { value: a, .. } => a.walk(f),
            Expr::Select { index: a, list: b }
            | Expr::If {
                then: a,
                otherwise: b,
                ..
            }
            | Expr::Equals(a, b)
            | Expr::FindInMap {
                top: a, second: b, ..
            } => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Cidr { block, count, bits } => {
                block.walk(f);
                count.walk(f);
                bits.walk(f);
            }
        }
    }

    /// Rewrites this value bottom-up: `f` sees each value after its children
    /// were rewritten, and may replace it.
    pub fn rewrite(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        match self {
            Expr::Null
            | Expr::Bool(_)
            | Expr::Number(_)
            | Expr::String(_)
            | Expr::Ref(_)
            | Expr::Pseudo(_)
            | Expr::GetAtt { .. }
            | Expr::Condition(_)
            | Expr::Dynamic(_) => {}
            Expr::List(items) | Expr::And(items) | Expr::Or(items) | Expr::Concat(items) => {
                items.iter_mut().for_each(|e| e.rewrite(f))
            }
            Expr::Map(map) | Expr::Sub { vars: map, .. } => {
                map.values_mut().for_each(|e| e.rewrite(f))
            }
            Expr::Join { values: a, .. }
            | Expr::Split { source: a, .. }
            | Expr::Not(a)
            | Expr::ImportValue(a)
            | Expr::Base64(a)
            | Expr::GetAzs(a)
            | Expr::Function { arg: a, .. }
            | Expr::Owned { value: a, .. } => a.rewrite(f),
            Expr::Select { index: a, list: b }
            | Expr::If {
                then: a,
                otherwise: b,
                ..
            }
            | Expr::Equals(a, b)
            | Expr::FindInMap {
                top: a, second: b, ..
            } => {
                a.rewrite(f);
                b.rewrite(f);
            }
            Expr::Cidr { block, count, bits } => {
                block.rewrite(f);
                count.rewrite(f);
                bits.rewrite(f);
            }
        }
        f(self);
    }
}

/// `!condition` is `Fn::Not [condition]`.
impl std::ops::Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::String(s.to_owned())
    }
}

impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::String(s)
    }
}

impl From<&String> for Expr {
    fn from(s: &String) -> Self {
        Expr::String(s.clone())
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::Bool(b)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Expr {
            fn from(n: $t) -> Self {
                Expr::Number(n.into())
            }
        }
    )*};
}
number_from!(i32, i64, u8, u16, u32, u64, usize);

/// A float literal; `null` for NaN and the infinities, which no template
/// can hold.
impl From<f64> for Expr {
    fn from(n: f64) -> Self {
        Number::from_f64(n).map_or(Expr::Null, Expr::Number)
    }
}

impl From<Pseudo> for Expr {
    fn from(p: Pseudo) -> Self {
        Expr::Pseudo(p)
    }
}

impl<T: Into<Expr>> From<Vec<T>> for Expr {
    fn from(items: Vec<T>) -> Self {
        Expr::List(items.into_iter().map(Into::into).collect())
    }
}

/// The parts of an [`Expr::Concat`] as one `Fn::Sub`: literal text with
/// `${` escaped, `${Name}` for a reference, `${Resource.Attribute}` for an
/// attribute, `${AWS::Region}` for a pseudo parameter, the template of a
/// `Sub` without variables inline, and any other value through the
/// function's variable map (`${Part1}`). All-literal parts make a string.
pub fn concat_to_sub(parts: &[Expr]) -> Expr {
    use std::fmt::Write;
    if parts.iter().all(|p| matches!(p, Expr::String(_))) {
        return Expr::String(parts.iter().filter_map(Expr::as_str).collect());
    }
    // A variable's key must not be a name the template already uses.
    let taken = |key: &str| {
        parts.iter().any(|p| match p {
            Expr::Ref(name) => name == key,
            Expr::GetAtt { resource, .. } => resource == key,
            Expr::Sub { template, .. } => sub_references(template).contains(&key),
            _ => false,
        })
    };
    let mut template = String::new();
    let mut vars = IndexMap::new();
    let mut n = 0;
    for part in parts {
        // Writing to a String cannot fail.
        let _ = match part {
            Expr::String(s) => write!(template, "{}", s.replace("${", "${!")),
            Expr::Ref(name) => write!(template, "${{{name}}}"),
            Expr::Pseudo(p) => write!(template, "${{{}}}", p.name()),
            Expr::GetAtt {
                resource,
                attribute,
            } => write!(template, "${{{resource}.{attribute}}}"),
            Expr::Sub {
                template: t,
                vars: v,
            } if v.is_empty() => write!(template, "{t}"),
            other => {
                let key = loop {
                    n += 1;
                    let key = format!("Part{n}");
                    if !taken(&key) {
                        break key;
                    }
                };
                let written = write!(template, "${{{key}}}");
                vars.insert(key, other.clone());
                written
            }
        };
    }
    Expr::Sub { template, vars }
}

/// Names referenced by a `Fn::Sub` template string: `${Name}` and
/// `${Resource.Attribute}` placeholders, without `${!Literal}` escapes.
pub fn sub_references(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].trim();
        if !name.starts_with('!') && !name.is_empty() {
            names.push(name);
        }
        rest = &after[end + 1..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_reference_round_trips() {
        let d = DynamicRef::parse("{{resolve:secretsmanager:gh:SecretString:token}}").unwrap();
        assert_eq!(d.service, DynamicService::SecretsManager);
        assert_eq!(d.reference, "gh:SecretString:token");
        assert_eq!(
            d.to_string(),
            "{{resolve:secretsmanager:gh:SecretString:token}}"
        );
        assert!(DynamicRef::parse("{{resolve:vault:x}}").is_none());
        assert!(DynamicRef::parse("x {{resolve:ssm:x}}").is_none());
    }

    #[test]
    fn sub_references_skip_literals() {
        assert_eq!(
            sub_references("arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}/${Role.Arn}"),
            vec!["AWS::Partition", "Bucket", "Role.Arn"]
        );
    }

    #[test]
    fn concat_writes_a_sub_as_people_do() {
        let parts = [
            Expr::reference("Owner"),
            "/${x}".into(),
            Expr::get_att("Repo", "Arn"),
            Expr::sub("-${AWS::Region}"),
        ];
        assert_eq!(
            concat_to_sub(&parts),
            Expr::sub("${Owner}/${!x}${Repo.Arn}-${AWS::Region}")
        );
        assert_eq!(
            concat_to_sub(&["a".into(), "${b}".into()]),
            Expr::from("a${b}")
        );
        let import = Expr::import_value(Expr::from("other:Name"));
        assert_eq!(
            concat_to_sub(&[Expr::reference("A"), import.clone()]),
            Expr::sub_with("${A}${Part1}", [("Part1", import)])
        );
        // A literal `${!` stays as written; a key never shadows a name used.
        assert_eq!(concat_to_sub(&["${!x}".into()]), Expr::from("${!x}"));
        let import = Expr::import_value(Expr::from("other:Name"));
        assert_eq!(
            concat_to_sub(&[Expr::reference("Part1"), import.clone()]),
            Expr::sub_with("${Part1}${Part2}", [("Part2", import)])
        );
        let nested = Expr::concat([Expr::concat(["a".into()]), "b".into()]);
        assert_eq!(nested, Expr::Concat(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn at_follows_maps_and_lists() {
        let e = Expr::map([("A", Expr::list([Expr::map([("B", Expr::from(1))])]))]);
        assert_eq!(e.at("A.0.B"), Some(&Expr::from(1)));
        assert_eq!(e.at("A.1"), None);
    }
}

//! The reader: parses a YAML (short or long form) or JSON template back into
//! the model, so a deployed template (GetTemplate) and a synthesized one
//! compare by meaning, not by text.
//!
//! YAML goes through `yaml_serde` and its short-form tags are rewritten to
//! their long form; from there YAML and JSON share one converter.
//!
//! `diff` and `drift` read templates someone else may have written, so the
//! reader takes every template CloudFormation takes (issue #14): what the
//! model does not type (a `Transform` or `Rules` section, `CreationPolicy`,
//! `UpdatePolicy`, `Fn::ForEach`, `Fn::Length`, the rule functions, a
//! section or `Properties` that is present but empty) is kept verbatim in
//! `Template::verbatim`, `Resource::attributes` or `Expr::Function`, so the
//! emitters write it back unchanged and a diff compares it by meaning.
//! Errors are left for what CloudFormation refuses too: a resource without
//! a `Type`, an output without a `Value`, an unknown short-form tag.

use super::expr::{DynamicRef, Expr, Number, Pseudo};
use super::logical_id::LogicalId;
use super::model::{Mapping, Output, Parameter, ParameterType, Policy, Resource, Template};
use indexmap::IndexMap;
use serde_json::Value;
use std::fmt;

/// Why a template could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ReadError {
    /// Where in the template, as dotted keys (`Resources.Bucket.Properties`);
    /// empty for a syntax error.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

type Result<T> = std::result::Result<T, ReadError>;

fn err<T>(path: &str, message: impl Into<String>) -> Result<T> {
    Err(ReadError {
        path: path.to_owned(),
        message: message.into(),
    })
}

/// Parses a template body, JSON when it starts with `{`, YAML otherwise.
pub fn parse(body: &str) -> Result<Template> {
    if body.trim_start().starts_with('{') {
        parse_json(body)
    } else {
        parse_yaml(body)
    }
}

/// Parses a JSON template.
pub fn parse_json(body: &str) -> Result<Template> {
    let value: Value =
        serde_json::from_str(body).or_else(|e| err("", format!("invalid JSON: {e}")))?;
    template(&value)
}

/// Parses a YAML template (short-form tags or long form).
pub fn parse_yaml(body: &str) -> Result<Template> {
    use serde::de::DeserializeSeed;
    let seed = Yaml11 {
        body,
        resolve: false,
    };
    let value = seed
        .deserialize(yaml_serde::Deserializer::from_str(body))
        .or_else(|e| err("", format!("invalid YAML: {e}")))?;
    template(&from_yaml(&value, "")?)
}

/// Reads YAML into a `yaml_serde::Value` as YAML 1.1 reads plain scalars.
///
/// CloudFormation reads YAML 1.1, where an unquoted `Yes`, `off` or
/// `0644` is a boolean or a number, while `yaml_serde` reads YAML 1.2, where
/// they are strings (issue #14: `!Equals [!Ref Enabled, Yes]` compares with
/// `true`). Whether a string was quoted is not in the value `yaml_serde`
/// hands over, but a plain or quoted scalar without escapes is borrowed from
/// the body: a quote just before it says it was quoted. A string that is not
/// borrowed (a block scalar, a quoted one with escapes, a plain one over
/// several lines) is never one of these words.
///
/// `resolve` is false for mapping keys and for the scalar right under a
/// short-form tag, which YAML 1.1 readers keep as text.
#[derive(Clone, Copy)]
struct Yaml11<'a> {
    body: &'a str,
    resolve: bool,
}

impl<'a> Yaml11<'a> {
    fn with(self, resolve: bool) -> Self {
        Self { resolve, ..self }
    }

    /// Whether `s`, borrowed from the body, was written without quotes.
    fn plain(self, s: &str) -> bool {
        let start = (s.as_ptr() as usize).checked_sub(self.body.as_ptr() as usize);
        match start {
            Some(start) if start <= self.body.len() => !matches!(
                self.body.as_bytes().get(start.wrapping_sub(1)),
                Some(b'\'' | b'"')
            ),
            _ => false,
        }
    }
}

/// The YAML 1.1 value of a plain scalar that YAML 1.2 reads as a string:
/// the booleans `yes`, `no`, `on`, `off`, octal (`0644`), integers with
/// `_` and base-60 integers (`1:30`), as PyYAML's resolver reads them.
fn yaml11_scalar(s: &str) -> Option<yaml_serde::Value> {
    use yaml_serde::Value as Y;
    match s {
        "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Some(Y::Bool(true)),
        "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Some(Y::Bool(false)),
        _ => {}
    }
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = digits.replace('_', "");
    let value = if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        i64::from_str_radix(&digits, 8).ok()?
    } else if digits.contains(':') && !digits.starts_with('0') {
        let mut total: i64 = 0;
        for (i, part) in digits.split(':').enumerate() {
            let n: i64 = part.parse().ok()?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) || (i > 0 && n > 59) {
                return None;
            }
            total = total.checked_mul(60)?.checked_add(n)?;
        }
        total
    } else if s.contains('_') && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(Y::Number(if negative { -value } else { value }.into()))
}

impl<'de> serde::de::DeserializeSeed<'de> for Yaml11<'_> {
    type Value = yaml_serde::Value;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Yaml11<'_> {
    type Value = yaml_serde::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::Null)
    }

    fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::Number(n.into()))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Self::Value, E> {
        if self.resolve
            && self.plain(s)
            && let Some(v) = yaml11_scalar(s)
        {
            return Ok(v);
        }
        Ok(yaml_serde::Value::String(s.to_owned()))
    }

    fn visit_str<E>(self, s: &str) -> std::result::Result<Self::Value, E> {
        Ok(yaml_serde::Value::String(s.to_owned()))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.with(true))? {
            items.push(item);
        }
        Ok(yaml_serde::Value::Sequence(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut out = yaml_serde::Mapping::new();
        while let Some((k, v)) = map.next_entry_seed(self.with(false), self.with(true))? {
            out.insert(k, v);
        }
        Ok(yaml_serde::Value::Mapping(out))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(
        self,
        data: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        use serde::de::VariantAccess;
        let (tag, contents) = data.variant::<String>()?;
        let value = contents.newtype_variant_seed(self.with(false))?;
        Ok(yaml_serde::Value::Tagged(Box::new(
            yaml_serde::value::TaggedValue {
                tag: yaml_serde::value::Tag::new(tag),
                value,
            },
        )))
    }
}

/// Converts a JSON value with long-form intrinsics into an [`Expr`]
/// (`{"Ref": "X"}` becomes `Expr::Ref`).
pub fn expr_from_json(value: &Value) -> Result<Expr> {
    expr(value, "", false)
}

/// Converts YAML to JSON, turning `!Tag value` into `{"Fn::Tag": value}`.
fn from_yaml(v: &yaml_serde::Value, path: &str) -> Result<Value> {
    use yaml_serde::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => Value::Number(yaml_number(n, path)?),
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| from_yaml(item, &join(path, &i.to_string())))
                .collect::<Result<_>>()?,
        ),
        Y::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    // `! "Ref"`: the non-specific tag, a plain string.
                    Y::Tagged(t) if t.tag == yaml_serde::value::Tag::new("!") => match &t.value {
                        Y::String(s) => s.clone(),
                        _ => return err(path, "a mapping key must be a string"),
                    },
                    _ => return err(path, "a mapping key must be a string"),
                };
                let value = from_yaml(v, &join(path, &key))?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let inner = match from_yaml(&t.value, path)? {
                // `!GetAZs` with no value is the empty string, as a YAML
                // 1.1 reader (and CloudFormation) reads an empty tagged scalar.
                Value::Null => Value::String(String::new()),
                inner => inner,
            };
            let (name, arg) = match tag {
                // The non-specific tag `!`: the value itself.
                "" => return Ok(inner),
                "Ref" | "Condition" => (tag.to_owned(), inner),
                "GetAtt" => match inner {
                    Value::String(s) => match s.split_once('.') {
                        Some((r, a)) => ("Fn::GetAtt".to_owned(), serde_json::json!([r, a])),
                        None => {
                            return err(path, format!("`!GetAtt {s}` needs `Resource.Attribute`"));
                        }
                    },
                    other => ("Fn::GetAtt".to_owned(), other),
                },
                "Base64" | "Cidr" | "FindInMap" | "GetAZs" | "ImportValue" | "Join" | "Select"
                | "Split" | "Sub" | "If" | "Equals" | "And" | "Or" | "Not" | "Transform"
                | "Length" | "ToJsonString" | "Contains" | "EachMemberEquals" | "EachMemberIn"
                | "RefAll" | "ValueOf" | "ValueOfAll" => (format!("Fn::{tag}"), inner),
                other => return err(path, format!("unsupported tag `!{other}`")),
            };
            let mut m = serde_json::Map::new();
            m.insert(name, arg);
            Value::Object(m)
        }
    })
}

fn yaml_number(n: &yaml_serde::Number, path: &str) -> Result<Number> {
    if let Some(i) = n.as_i64() {
        Ok(i.into())
    } else if let Some(u) = n.as_u64() {
        Ok(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| err(path, format!("`{n}` is not a finite number")), Ok)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a serde_json::Map<String, Value>> {
    v.as_object()
        .map_or_else(|| err(path, "expected a mapping"), Ok)
}

fn string(v: &Value, path: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => err(path, "expected a string"),
    }
}

fn template(v: &Value) -> Result<Template> {
    let mut t = Template::default();
    for (section, value) in object(v, "")? {
        let path = section.as_str();
        match path {
            "AWSTemplateFormatVersion" => {
                t.format_version = Some(string(value, path)?);
                continue;
            }
            "Description" => {
                t.description = Some(string(value, path)?);
                continue;
            }
            _ => {}
        }
        // A typed section that is present but empty (or null) is kept as
        // written; so is a section the model does not type.
        let typed = matches!(
            path,
            "Metadata" | "Parameters" | "Mappings" | "Conditions" | "Resources" | "Outputs"
        );
        let entries = match value {
            Value::Object(entries) if typed && !entries.is_empty() => entries,
            // The emitters always write `Resources`, `{}` when empty.
            Value::Object(entries) if path == "Resources" => entries,
            _ => {
                t.verbatim
                    .insert(section.clone(), expr(value, path, false)?);
                continue;
            }
        };
        let mut kept = IndexMap::new();
        for (k, entry) in entries {
            let here = join(path, k);
            if path == "Metadata" {
                t.metadata.insert(k.clone(), expr(entry, &here, false)?);
                continue;
            }
            // An entry the typed section cannot hold: a key that is not a
            // logical ID (`Fn::ForEach::Name`), or a resource whose `Type`
            // is not a name (a module reference).
            let Ok(key) = LogicalId::new(k.as_str()) else {
                kept.insert(k.clone(), expr(entry, &here, path == "Conditions")?);
                continue;
            };
            match path {
                "Parameters" => {
                    t.parameters.insert(key, parameter(entry, &here)?);
                }
                "Mappings" => {
                    t.mappings.insert(key, mapping(entry, &here)?);
                }
                "Conditions" => {
                    t.conditions.insert(key, expr(entry, &here, true)?);
                }
                "Resources" if entry.get("Type").is_some_and(|k| !k.is_string()) => {
                    kept.insert(k.clone(), expr(entry, &here, false)?);
                }
                "Resources" => {
                    t.resources.insert(key, resource(entry, &here)?);
                }
                _ => {
                    t.outputs.insert(key, output(entry, &here)?);
                }
            }
        }
        if !kept.is_empty() {
            t.verbatim.insert(section.clone(), Expr::Map(kept));
        }
    }
    Ok(t)
}

fn parameter(v: &Value, path: &str) -> Result<Parameter> {
    let m = object(v, path)?;
    let Some(kind) = m.get("Type") else {
        return err(path, "a parameter needs a `Type`");
    };
    let kind_path = join(path, "Type");
    let kind_name = string(kind, &kind_path)?;
    let Some(kind) = ParameterType::parse(&kind_name) else {
        return err(&kind_path, format!("unknown parameter type `{kind_name}`"));
    };
    let mut p = Parameter::new(kind);
    for (k, v) in m {
        let here = join(path, k);
        match k.as_str() {
            "Type" => {}
            "Description" => p.description = Some(string(v, &here)?),
            "Default" => p.default = Some(string(v, &here)?),
            "NoEcho" => p.no_echo = boolean(v, &here)?,
            "AllowedValues" => {
                let Some(items) = v.as_array() else {
                    return err(&here, "expected a list");
                };
                p.allowed_values = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| string(item, &join(&here, &i.to_string())))
                    .collect::<Result<_>>()?;
            }
            "AllowedPattern" => p.allowed_pattern = Some(string(v, &here)?),
            "MinLength" => p.min_length = Some(whole(v, &here)?),
            "MaxLength" => p.max_length = Some(whole(v, &here)?),
            "MinValue" => p.min_value = Some(float(v, &here)?),
            "MaxValue" => p.max_value = Some(float(v, &here)?),
            "ConstraintDescription" => p.constraint_description = Some(string(v, &here)?),
            other => return err(&here, format!("unknown parameter attribute `{other}`")),
        }
    }
    Ok(p)
}

fn boolean(v: &Value, path: &str) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => err(path, "expected true or false"),
    }
}

fn whole(v: &Value, path: &str) -> Result<u32> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
        .map_or_else(|| err(path, "expected a whole number"), Ok)
}

fn float(v: &Value, path: &str) -> Result<f64> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    };
    n.map_or_else(|| err(path, "expected a number"), Ok)
}

fn mapping(v: &Value, path: &str) -> Result<Mapping> {
    let mut out = Mapping::new();
    for (top, second) in object(v, path)? {
        let here = join(path, top);
        out.insert(top.clone(), expr_map(second, &here, false)?);
    }
    Ok(out)
}

fn resource(v: &Value, path: &str) -> Result<Resource> {
    let m = object(v, path)?;
    let Some(kind) = m.get("Type") else {
        return err(path, "a resource needs a `Type`");
    };
    let mut r = Resource::new(string(kind, &join(path, "Type"))?);
    for (k, v) in m {
        let here = join(path, k);
        match k.as_str() {
            "Type" => {}
            "Properties" | "Metadata" => match expr(v, &here, false)? {
                // A map with entries; anything else (empty, null, or a
                // macro call such as `Fn::Transform`) is kept as written.
                Expr::Map(m) if !m.is_empty() => {
                    if k == "Properties" {
                        r.properties = m;
                    } else {
                        r.metadata = m;
                    }
                }
                kept => {
                    r.attributes.insert(k.clone(), kept);
                }
            },
            "Condition" => r.condition = Some(string(v, &here)?),
            "DependsOn" => {
                r.depends_on = match v {
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, d)| string(d, &join(&here, &i.to_string())))
                        .collect::<Result<_>>()?,
                    other => vec![string(other, &here)?],
                }
            }
            "DeletionPolicy" if policy(v).is_some() => r.deletion_policy = policy(v),
            "UpdateReplacePolicy" if policy(v).is_some() => r.update_replace_policy = policy(v),
            // `CreationPolicy`, `UpdatePolicy`, a policy chosen by an
            // intrinsic, an empty `Properties`, and any other attribute.
            _ => {
                r.attributes.insert(k.clone(), expr(v, &here, false)?);
            }
        }
    }
    Ok(r)
}

/// A policy written as its name; `None` for anything else (an intrinsic
/// that chooses one), which is kept verbatim.
fn policy(v: &Value) -> Option<Policy> {
    v.as_str().and_then(Policy::parse)
}

fn output(v: &Value, path: &str) -> Result<Output> {
    let m = object(v, path)?;
    let Some(value) = m.get("Value") else {
        return err(path, "an output needs a `Value`");
    };
    let mut o = Output::new(expr(value, &join(path, "Value"), false)?);
    for (k, v) in m {
        let here = join(path, k);
        match k.as_str() {
            "Value" => {}
            "Description" => o.description = Some(string(v, &here)?),
            "Condition" => o.condition = Some(string(v, &here)?),
            "Export" => {
                let export = object(v, &here)?;
                let Some(name) = export.get("Name") else {
                    return err(&here, "an export needs a `Name`");
                };
                o.export = Some(expr(name, &join(&here, "Name"), false)?);
            }
            other => return err(&here, format!("unknown output attribute `{other}`")),
        }
    }
    Ok(o)
}

fn expr_map(v: &Value, path: &str, cond: bool) -> Result<IndexMap<String, Expr>> {
    object(v, path)?
        .iter()
        .map(|(k, v)| Ok((k.clone(), expr(v, &join(path, k), cond)?)))
        .collect()
}

fn args<'a>(v: &'a Value, path: &str, name: &str, n: usize) -> Result<&'a [Value]> {
    match v.as_array() {
        Some(items) if items.len() == n => Ok(items),
        _ => err(path, format!("`{name}` takes a list of {n} values")),
    }
}

fn boxed(v: &Value, path: &str, cond: bool) -> Result<Box<Expr>> {
    Ok(Box::new(expr(v, path, cond)?))
}

/// Converts one value; `cond` is true inside the Conditions section, the one
/// place where `{"Condition": "Name"}` is a reference and not a map.
fn expr(v: &Value, path: &str, cond: bool) -> Result<Expr> {
    Ok(match v {
        Value::Null => Expr::Null,
        Value::Bool(b) => Expr::Bool(*b),
        Value::Number(n) => Expr::Number(n.clone()),
        Value::String(s) => match DynamicRef::parse(s) {
            Some(d) => Expr::Dynamic(d),
            None => Expr::String(s.clone()),
        },
        Value::Array(items) => Expr::List(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| expr(item, &join(path, &i.to_string()), cond))
                .collect::<Result<_>>()?,
        ),
        Value::Object(m) => {
            if m.len() == 1 {
                let (k, arg) = m.iter().next().unwrap_or_else(|| unreachable!());
                let here = join(path, k);
                if k == "Ref" || k.starts_with("Fn::") || (cond && k == "Condition") {
                    // A function the model does not type, or a typed one in
                    // a shape it does not hold, is kept as written; an
                    // error inside its argument still surfaces here.
                    return intrinsic(k, arg, &here, cond).or_else(|_| {
                        Ok(Expr::Function {
                            name: k.clone(),
                            arg: boxed(arg, &here, cond)?,
                        })
                    });
                }
            }
            Expr::Map(
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), expr(v, &join(path, k), cond)?)))
                    .collect::<Result<_>>()?,
            )
        }
    })
}

fn intrinsic(name: &str, arg: &Value, path: &str, cond: bool) -> Result<Expr> {
    Ok(match name {
        "Ref" => {
            let target = string(arg, path)?;
            match Pseudo::from_name(&target) {
                Some(p) => Expr::Pseudo(p),
                None => Expr::Ref(target),
            }
        }
        "Condition" => Expr::Condition(string(arg, path)?),
        "Fn::GetAtt" => match arg {
            Value::String(s) => match s.split_once('.') {
                Some((r, a)) => Expr::get_att(r, a),
                None => return err(path, "`Fn::GetAtt` needs `Resource.Attribute`"),
            },
            _ => {
                let a = args(arg, path, name, 2)?;
                Expr::get_att(string(&a[0], path)?, string(&a[1], path)?)
            }
        },
        "Fn::Sub" => match arg {
            Value::String(s) => Expr::sub(s.clone()),
            _ => {
                let a = args(arg, path, name, 2)?;
                Expr::Sub {
                    template: string(&a[0], path)?,
                    vars: expr_map(&a[1], &join(path, "1"), cond)?,
                }
            }
        },
        "Fn::Join" => {
            let a = args(arg, path, name, 2)?;
            Expr::Join {
                delimiter: string(&a[0], path)?,
                values: boxed(&a[1], path, cond)?,
            }
        }
        "Fn::Select" => {
            let a = args(arg, path, name, 2)?;
            Expr::Select {
                index: boxed(&a[0], path, cond)?,
                list: boxed(&a[1], path, cond)?,
            }
        }
        "Fn::Split" => {
            let a = args(arg, path, name, 2)?;
            Expr::Split {
                delimiter: string(&a[0], path)?,
                source: boxed(&a[1], path, cond)?,
            }
        }
        "Fn::If" => {
            let a = args(arg, path, name, 3)?;
            Expr::If {
                condition: string(&a[0], path)?,
                then: boxed(&a[1], path, cond)?,
                otherwise: boxed(&a[2], path, cond)?,
            }
        }
        "Fn::Equals" => {
            let a = args(arg, path, name, 2)?;
            Expr::Equals(boxed(&a[0], path, cond)?, boxed(&a[1], path, cond)?)
        }
        "Fn::And" | "Fn::Or" => {
            let Some(items) = arg.as_array() else {
                return err(path, format!("`{name}` takes a list"));
            };
            let items = items
                .iter()
                .map(|i| expr(i, path, cond))
                .collect::<Result<_>>()?;
            if name == "Fn::And" {
                Expr::And(items)
            } else {
                Expr::Or(items)
            }
        }
        "Fn::Not" => Expr::Not(boxed(&args(arg, path, name, 1)?[0], path, cond)?),
        "Fn::FindInMap" => {
            let a = args(arg, path, name, 3)?;
            Expr::FindInMap {
                map: string(&a[0], path)?,
                top: boxed(&a[1], path, cond)?,
                second: boxed(&a[2], path, cond)?,
            }
        }
        "Fn::ImportValue" => Expr::ImportValue(boxed(arg, path, cond)?),
        "Fn::Base64" => Expr::Base64(boxed(arg, path, cond)?),
        "Fn::GetAZs" => Expr::GetAzs(boxed(arg, path, cond)?),
        "Fn::Cidr" => {
            let a = args(arg, path, name, 3)?;
            Expr::Cidr {
                block: boxed(&a[0], path, cond)?,
                count: boxed(&a[1], path, cond)?,
                bits: boxed(&a[2], path, cond)?,
            }
        }
        other => return err(path, format!("unsupported intrinsic function `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_forms_alike() {
        let short = "Resources:\n  R:\n    Type: X\n    Properties:\n      A: !GetAtt B.Arn\n      C: !GetAtt [B, Endpoint.Address]\n      D: !Ref AWS::Region\n      E: !Sub ['${X}', {X: !Ref P}]\n";
        let long = r#"{"Resources": {"R": {"Type": "X", "Properties": {
            "A": {"Fn::GetAtt": ["B", "Arn"]},
            "C": {"Fn::GetAtt": ["B", "Endpoint.Address"]},
            "D": {"Ref": "AWS::Region"},
            "E": {"Fn::Sub": ["${X}", {"X": {"Ref": "P"}}]}}}}}"#;
        let a = parse(short).unwrap();
        let b = parse(long).unwrap();
        assert_eq!(a, b);
        let props = &a.resources["R"].properties;
        assert_eq!(props["A"], Expr::get_att("B", "Arn"));
        assert_eq!(props["C"], Expr::get_att("B", "Endpoint.Address"));
        assert_eq!(props["D"], Expr::Pseudo(Pseudo::Region));
    }

    #[test]
    fn errors_name_the_place() {
        assert_eq!(
            parse("Resources:\n  R:\n    Properties: {}\n")
                .unwrap_err()
                .to_string(),
            "at `Resources.R`: a resource needs a `Type`"
        );
        assert_eq!(
            parse("Resources:\n  R:\n    Type: X\n    Properties:\n      A: !Foo x\n")
                .unwrap_err()
                .to_string(),
            "at `Resources.R.Properties.A`: unsupported tag `!Foo`"
        );
        assert_eq!(
            parse("Outputs:\n  O:\n    Description: x\n")
                .unwrap_err()
                .to_string(),
            "at `Outputs.O`: an output needs a `Value`"
        );
    }
}

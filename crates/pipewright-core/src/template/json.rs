//! The JSON emitter: the long form of every intrinsic
//! (`{"Fn::GetAtt": ["Role", "Arn"]}`), sections in canonical order
//! (the order of the template anatomy page, with sections the model does
//! not type after the others),
//! two-space indentation.

use super::expr::Expr;
use super::model::{FORMAT_VERSION, Output, Parameter, Resource, Template};
use indexmap::IndexMap;
use serde_json::{Map, Value, json};

/// Renders a template as pretty JSON with a trailing newline.
pub fn to_string(template: &Template) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(template))
        .unwrap_or_else(|_| unreachable!("a serde_json::Value always serializes"));
    s.push('\n');
    s
}

/// The template as a JSON value (long-form intrinsics).
pub fn to_value(template: &Template) -> Value {
    let mut m = Map::new();
    let version = template.format_version.as_deref().unwrap_or(FORMAT_VERSION);
    m.insert("AWSTemplateFormatVersion".into(), version.into());
    if let Some(d) = &template.description {
        m.insert("Description".into(), d.as_str().into());
    }
    let metadata = template
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), expr(v)))
        .collect();
    section(&mut m, template, "Metadata", metadata, false);
    let params = template
        .parameters
        .iter()
        .map(|(id, p)| (id.to_string(), parameter(p)))
        .collect();
    section(&mut m, template, "Parameters", params, false);
    section(&mut m, template, "Rules", Map::new(), false);
    let maps = template
        .mappings
        .iter()
        .map(|(id, mapping)| {
            let top = mapping.iter().map(|(k, v)| (k.clone(), map(v))).collect();
            (id.to_string(), Value::Object(top))
        })
        .collect();
    section(&mut m, template, "Mappings", maps, false);
    let conds = template
        .conditions
        .iter()
        .map(|(id, c)| (id.to_string(), expr(c)))
        .collect();
    section(&mut m, template, "Conditions", conds, false);
    section(&mut m, template, "Transform", Map::new(), false);
    let resources = template
        .resources
        .iter()
        .map(|(id, r)| (id.to_string(), resource(r)))
        .collect();
    section(&mut m, template, "Resources", resources, true);
    let outputs = template
        .outputs
        .iter()
        .map(|(id, o)| (id.to_string(), output(o)))
        .collect();
    section(&mut m, template, "Outputs", outputs, false);
    for (name, value) in &template.verbatim {
        if !m.contains_key(name) {
            m.insert(name.clone(), expr(value));
        }
    }
    Value::Object(m)
}

/// Adds section `name`: its typed entries, then the entries
/// `template.verbatim` keeps under that name; a section kept whole (present
/// but empty, or not typed) as written. Written when it has entries, was
/// kept, or is `always` written.
fn section(
    m: &mut Map<String, Value>,
    template: &Template,
    name: &str,
    mut entries: Map<String, Value>,
    always: bool,
) {
    match template.verbatim.get(name) {
        Some(Expr::Map(kept)) => entries.extend(kept.iter().map(|(k, v)| (k.clone(), expr(v)))),
        Some(kept) if entries.is_empty() => {
            m.insert(name.to_owned(), expr(kept));
            return;
        }
        Some(_) => {}
        None if entries.is_empty() && !always => return,
        None => {}
    }
    m.insert(name.to_owned(), Value::Object(entries));
}

fn parameter(p: &Parameter) -> Value {
    let mut m = Map::new();
    m.insert("Type".into(), p.kind.as_str().into());
    if let Some(d) = &p.description {
        m.insert("Description".into(), d.as_str().into());
    }
    if let Some(d) = &p.default {
        m.insert("Default".into(), d.as_str().into());
    }
    if p.no_echo {
        m.insert("NoEcho".into(), true.into());
    }
    if !p.allowed_values.is_empty() {
        m.insert("AllowedValues".into(), p.allowed_values.clone().into());
    }
    if let Some(v) = &p.allowed_pattern {
        m.insert("AllowedPattern".into(), v.as_str().into());
    }
    if let Some(v) = p.min_length {
        m.insert("MinLength".into(), v.into());
    }
    if let Some(v) = p.max_length {
        m.insert("MaxLength".into(), v.into());
    }
    if let Some(v) = p.min_value {
        m.insert("MinValue".into(), v.into());
    }
    if let Some(v) = p.max_value {
        m.insert("MaxValue".into(), v.into());
    }
    if let Some(v) = &p.constraint_description {
        m.insert("ConstraintDescription".into(), v.as_str().into());
    }
    Value::Object(m)
}

fn resource(r: &Resource) -> Value {
    let mut m = Map::new();
    m.insert("Type".into(), r.kind.as_str().into());
    if let Some(c) = &r.condition {
        m.insert("Condition".into(), c.as_str().into());
    }
    match r.depends_on.as_slice() {
        [] => {}
        [one] => {
            m.insert("DependsOn".into(), one.as_str().into());
        }
        many => {
            m.insert("DependsOn".into(), many.to_vec().into());
        }
    }
    if let Some(p) = r.deletion_policy {
        m.insert("DeletionPolicy".into(), p.as_str().into());
    }
    if let Some(p) = r.update_replace_policy {
        m.insert("UpdateReplacePolicy".into(), p.as_str().into());
    }
    if !r.metadata.is_empty() {
        m.insert("Metadata".into(), map(&r.metadata));
    }
    if !r.properties.is_empty() {
        m.insert("Properties".into(), map(&r.properties));
    }
    for (name, value) in &r.attributes {
        m.insert(name.clone(), expr(value));
    }
    Value::Object(m)
}

fn output(o: &Output) -> Value {
    let mut m = Map::new();
    if let Some(d) = &o.description {
        m.insert("Description".into(), d.as_str().into());
    }
    if let Some(c) = &o.condition {
        m.insert("Condition".into(), c.as_str().into());
    }
    m.insert("Value".into(), expr(&o.value));
    if let Some(e) = &o.export {
        m.insert("Export".into(), json!({ "Name": expr(e) }));
    }
    Value::Object(m)
}

fn map(m: &IndexMap<String, Expr>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), expr(v))).collect())
}

fn func(name: &str, arg: Value) -> Value {
    let mut m = Map::new();
    m.insert(name.to_owned(), arg);
    Value::Object(m)
}

/// One value in long form.
pub fn expr(e: &Expr) -> Value {
    match e {
        Expr::Null => Value::Null,
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Number(n) => Value::Number(n.clone()),
        Expr::String(s) => Value::String(s.clone()),
        Expr::Dynamic(d) => Value::String(d.to_string()),
        Expr::List(items) => Value::Array(items.iter().map(expr).collect()),
        Expr::Map(m) => map(m),
        Expr::Ref(name) => func("Ref", name.as_str().into()),
        Expr::Pseudo(p) => func("Ref", p.name().into()),
        Expr::GetAtt {
            resource,
            attribute,
        } => func("Fn::GetAtt", json!([resource, attribute])),
        Expr::Sub { template, vars } if vars.is_empty() => {
            func("Fn::Sub", template.as_str().into())
        }
        Expr::Sub { template, vars } => func("Fn::Sub", json!([template, map(vars)])),
        Expr::Join { delimiter, values } => func("Fn::Join", json!([delimiter, expr(values)])),
        Expr::Concat(parts) => expr(&crate::template::expr::concat_to_sub(parts)),
        Expr::Select { index, list } => func("Fn::Select", json!([expr(index), expr(list)])),
        Expr::Split { delimiter, source } => func("Fn::Split", json!([delimiter, expr(source)])),
        Expr::If {
            condition,
            then,
            otherwise,
        } => func("Fn::If", json!([condition, expr(then), expr(otherwise)])),
        Expr::Equals(a, b) => func("Fn::Equals", json!([expr(a), expr(b)])),
        Expr::And(items) => func("Fn::And", items.iter().map(expr).collect()),
        Expr::Or(items) => func("Fn::Or", items.iter().map(expr).collect()),
        Expr::Not(a) => func("Fn::Not", json!([expr(a)])),
        Expr::Condition(name) => func("Condition", name.as_str().into()),
        Expr::FindInMap { map, top, second } => {
            func("Fn::FindInMap", json!([map, expr(top), expr(second)]))
        }
        Expr::ImportValue(a) => func("Fn::ImportValue", expr(a)),
        Expr::Base64(a) => func("Fn::Base64", expr(a)),
        Expr::GetAzs(a) => func("Fn::GetAZs", expr(a)),
        Expr::Cidr { block, count, bits } => {
            func("Fn::Cidr", json!([expr(block), expr(count), expr(bits)]))
        }
        Expr::Function { name, arg } => func(name, expr(arg)),
        Expr::Owned { value, .. } => expr(value),
    }
}

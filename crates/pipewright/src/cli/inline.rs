//! A template value as one line, as a reader of templates writes it
//! (`!Ref X`, `!GetAtt X.Arn`, `!Sub '...'`): for `diff`, the deploy
//! preview and `list --permissions`.

use serde_json::Value;

/// `v` as one line: the common intrinsics in short form, anything else as
/// JSON; `(none)` for no value.
pub(super) fn value(v: &Option<Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(v) => short(v).unwrap_or_else(|| match v {
            Value::String(s) => format!("{s:?}"),
            v => v.to_string(),
        }),
    }
}

/// The common intrinsics as a template's reader writes them in YAML
/// (`!Ref X`, `!GetAtt X.Arn`, `!Sub '...'`, `!ImportValue ...`), so a
/// diff line reads like the template; `None` for anything else, which is
/// shown as JSON.
fn short(v: &Value) -> Option<String> {
    let Value::Object(m) = v else {
        return None;
    };
    let (key, arg) = m.iter().next().filter(|_| m.len() == 1)?;
    match (key.as_str(), arg) {
        ("Ref", Value::String(name)) => Some(format!("!Ref {name}")),
        ("Fn::GetAtt", Value::Array(parts)) => {
            let parts: Option<Vec<&str>> = parts.iter().map(Value::as_str).collect();
            Some(format!("!GetAtt {}", parts?.join(".")))
        }
        ("Fn::GetAtt", Value::String(path)) => Some(format!("!GetAtt {path}")),
        ("Fn::Sub", Value::String(text)) => Some(format!("!Sub {text:?}")),
        ("Fn::ImportValue", inner) => Some(format!("!ImportValue {}", value(&Some(inner.clone())))),
        _ => None,
    }
}

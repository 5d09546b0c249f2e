//! Stack parameters: the files people write (`parameters/<stack>.json`),
//! `--parameter` overrides, values from the environment, and the check of
//! all of them against the template before any API call.
//!
//! Three file forms are read, so existing files work unchanged:
//!
//! - the AWS CLI array `[{"ParameterKey": "K", "ParameterValue": "V"}]`
//!   (also `"UsePreviousValue": true`);
//! - a plain object `{"K": "V"}`;
//! - the CodePipeline template configuration
//!   `{"Parameters": {"K": "V"}, "Tags": {"T": "V"}}`.
//!
//! In every form a value written as `${env:NAME}` is read from the
//! environment variable `NAME` at deploy time, so secrets are never
//! committed; `$${env:NAME}` is the literal text `${env:NAME}`. In the
//! object forms, `{"UsePreviousValue": true}` keeps the deployed value.
//!
//! Values of `NoEcho` parameters never appear in an error, a `Debug` string
//! or anything else this module returns for display.

use crate::suggest;
use crate::template::{Parameter, ParameterType, Template};
use indexmap::IndexMap;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// The directory of parameter files, relative to the project root.
pub const PARAMETERS_DIR: &str = "parameters";

/// Where a parameter file for `stack` lives below `root`.
pub fn file_path(root: &Path, stack: &str) -> PathBuf {
    root.join(PARAMETERS_DIR).join(format!("{stack}.json"))
}

/// How a value is given.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Spec {
    /// A literal value.
    Value(String),
    /// Read from this environment variable.
    Env(String),
    /// Keep the value the deployed stack has.
    UsePrevious,
}

impl fmt::Debug for Spec {
    // Literal values may be secrets: never show them in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spec::Value(_) => f.write_str("Value(..)"),
            Spec::Env(name) => write!(f, "Env({name:?})"),
            Spec::UsePrevious => f.write_str("UsePrevious"),
        }
    }
}

/// Where a value came from, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A parameter file.
    File(PathBuf),
    /// A `--parameter` flag.
    Flag,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(p) => write!(f, "{}", p.display()),
            Origin::Flag => f.write_str("--parameter"),
        }
    }
}

/// One parameter file, parsed but not yet checked against a template.
#[derive(Clone, Debug, Default)]
pub struct ParameterFile {
    /// The file, as given.
    pub path: PathBuf,
    /// The values, in file order.
    pub values: IndexMap<String, Spec>,
    /// Stack tags (template-configuration form only).
    pub tags: IndexMap<String, String>,
}

/// A parameter problem: the file (or flag) and key it is about, and what is
/// wrong. It never contains a `NoEcho` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterProblem {
    /// The file or `--parameter`.
    pub origin: String,
    /// The parameter key, when the problem is about one.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParameterProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "{}: `{k}`: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl ParameterFile {
    /// Reads `path`; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<Self>, ParameterProblem> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ParameterProblem {
                origin: path.display().to_string(),
                key: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }

    /// Parses the text of a parameter file in any of the three forms.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ParameterProblem> {
        let origin = path.display().to_string();
        let problem = |key: Option<&str>, message: String| ParameterProblem {
            origin: origin.clone(),
            key: key.map(str::to_owned),
            message,
        };
        let json: Value = serde_json::from_str(text)
            .map_err(|e| problem(None, format!("not valid JSON: {e}")))?;
        let mut file = ParameterFile {
            path: path.to_owned(),
            ..Default::default()
        };
        match json {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let (key, spec) = array_entry(item)
                        .map_err(|m| problem(None, format!("entry {}: {m}", i + 1)))?;
                    if file.values.contains_key(&key) {
                        return Err(problem(Some(&key), "is given twice".into()));
                    }
                    file.values.insert(key, spec);
                }
            }
            Value::Object(map) if is_template_configuration(&map) => {
                for (section, value) in &map {
                    let Value::Object(entries) = value else {
                        unreachable!("checked by is_template_configuration")
                    };
                    match section.as_str() {
                        "Parameters" => {
                            for (key, value) in entries {
                                let spec =
                                    object_value(value).map_err(|m| problem(Some(key), m))?;
                                file.values.insert(key.clone(), spec);
                            }
                        }
                        "Tags" => {
                            for (key, value) in entries {
                                let Value::String(v) = value else {
                                    return Err(problem(
                                        None,
                                        format!("tag `{key}` must be a string"),
                                    ));
                                };
                                file.tags.insert(key.clone(), v.clone());
                            }
                        }
                        _ => {
                            return Err(problem(
                                None,
                                format!(
                                    "`{section}` is not supported; a stack policy belongs in the code"
                                ),
                            ));
                        }
                    }
                }
            }
            Value::Object(map) => {
                for (key, value) in &map {
                    let spec = object_value(value).map_err(|m| problem(Some(key), m))?;
                    file.values.insert(key.clone(), spec);
                }
            }
            _ => {
                return Err(problem(
                    None,
                    "expected an array of {\"ParameterKey\", \"ParameterValue\"} entries or an object"
                        .into(),
                ));
            }
        }
        Ok(file)
    }
}

/// The template-configuration form: only `Parameters`, `Tags` and
/// `StackPolicy` keys, each an object.
fn is_template_configuration(map: &serde_json::Map<String, Value>) -> bool {
    !map.is_empty()
        && map.iter().all(|(k, v)| {
            matches!(k.as_str(), "Parameters" | "Tags" | "StackPolicy") && v.is_object()
        })
}

fn array_entry(item: &Value) -> Result<(String, Spec), String> {
    let Value::Object(map) = item else {
        return Err("expected an object with `ParameterKey`".into());
    };
    let mut key = None;
    let mut value = None;
    let mut previous = false;
    for (field, v) in map {
        match field.as_str() {
            "ParameterKey" => key = Some(v.as_str().ok_or("`ParameterKey` must be a string")?),
            "ParameterValue" => value = Some(scalar(v)?),
            "UsePreviousValue" => {
                previous = v
                    .as_bool()
                    .ok_or("`UsePreviousValue` must be true or false")?
            }
            // Written by `describe-stacks`; harmless to read back.
            "ResolvedValue" => {}
            other => {
                return Err(format!(
                    "unknown field `{other}` (expected `ParameterKey`, `ParameterValue`, `UsePreviousValue`)"
                ));
            }
        }
    }
    let key = key.ok_or("missing `ParameterKey`")?.to_owned();
    let spec = match (value, previous) {
        (Some(_), true) => {
            return Err(format!(
                "`{key}` has both `ParameterValue` and `UsePreviousValue`"
            ));
        }
        (Some(v), false) => spec_of(v),
        (None, true) => Spec::UsePrevious,
        (None, false) => return Err(format!("`{key}` has no `ParameterValue`")),
    };
    Ok((key, spec))
}

fn object_value(value: &Value) -> Result<Spec, String> {
    if let Value::Object(map) = value {
        return match map.get("UsePreviousValue") {
            Some(Value::Bool(true)) if map.len() == 1 => Ok(Spec::UsePrevious),
            _ => Err("an object value must be {\"UsePreviousValue\": true}".into()),
        };
    }
    scalar(value).map(spec_of)
}

/// A JSON value as a parameter string: strings as they are, numbers and
/// booleans as written, a list of scalars comma-joined (list parameters).
fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::Array(_) | Value::Object(_) | Value::Null => {
                    Err("a list value holds only strings and numbers".to_owned())
                }
                other => scalar(other),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| parts.join(",")),
        Value::Null | Value::Object(_) => Err("a value must be a string".into()),
    }
}

fn spec_of(text: String) -> Spec {
    if let Some(rest) = text.strip_prefix("$${env:") {
        return Spec::Value(format!("${{env:{rest}"));
    }
    match text
        .strip_prefix("${env:")
        .and_then(|rest| rest.strip_suffix('}'))
    {
        Some(name) if !name.is_empty() => Spec::Env(name.to_owned()),
        _ => Spec::Value(text),
    }
}

/// A `--parameter [STACK:]KEY=VALUE` flag.
#[derive(Clone, PartialEq, Eq)]
pub struct Override {
    /// The stack it is for; every stack that declares the key when `None`.
    pub stack: Option<String>,
    /// The parameter key.
    pub key: String,
    /// The value (`${env:NAME}` works here too).
    pub value: Spec,
}

impl fmt::Debug for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Override")
            .field("stack", &self.stack)
            .field("key", &self.key)
            .field("value", &self.value)
            .finish()
    }
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let Some((target, value)) = s.split_once('=') else {
            return Err("expected KEY=VALUE or STACK:KEY=VALUE".into());
        };
        // Stack names cannot hold `:`, so a `:` before the `=` splits the
        // stack from the key; one after it belongs to the value.
        let (stack, key) = match target.split_once(':') {
            Some((stack, key)) => (Some(stack.to_owned()), key),
            None => (None, target),
        };
        if key.is_empty() || stack.as_deref() == Some("") {
            return Err("expected KEY=VALUE or STACK:KEY=VALUE".into());
        }
        Ok(Override {
            stack,
            key: key.to_owned(),
            value: spec_of(value.to_owned()),
        })
    }
}

/// A parameter value ready for the API.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolved {
    /// Send this value.
    Value(String),
    /// Send `UsePreviousValue`.
    UsePrevious,
}

impl fmt::Debug for Resolved {
    // The value may be a secret: never show it in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resolved::Value(_) => f.write_str("Value(..)"),
            Resolved::UsePrevious => f.write_str("UsePrevious"),
        }
    }
}

/// The checked parameters of one stack: what is sent to CloudFormation.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StackParameters {
    /// The values given, by key, in template order. Parameters left to
    /// their default are absent.
    pub values: IndexMap<String, Resolved>,
    /// Keys of `NoEcho` parameters: never print their values.
    pub no_echo: Vec<String>,
    /// Defaults of the parameters not given, by key.
    pub defaults: IndexMap<String, String>,
    /// Tags from a template-configuration file.
    pub tags: IndexMap<String, String>,
}

impl fmt::Debug for StackParameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in &self.values {
            map.entry(k, &self.display(k, v));
        }
        map.finish()
    }
}

impl StackParameters {
    /// How a value is shown: `****` for `NoEcho` parameters.
    pub fn display(&self, key: &str, value: &Resolved) -> String {
        match value {
            Resolved::UsePrevious => "(previous value)".into(),
            Resolved::Value(_) if self.no_echo.iter().any(|k| k == key) => "****".into(),
            Resolved::Value(v) => v.clone(),
        }
    }

    /// The values as the API takes them: (key, value), `None` for
    /// `UsePreviousValue`.
    pub fn for_api(&self) -> Vec<(&str, Option<&str>)> {
        self.values
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str(),
                    match v {
                        Resolved::Value(v) => Some(v.as_str()),
                        Resolved::UsePrevious => None,
                    },
                )
            })
            .collect()
    }

    /// Whether any value asks for the deployed one.
    pub fn uses_previous(&self) -> bool {
        self.values.values().any(|v| *v == Resolved::UsePrevious)
    }

    /// The effective value of every parameter, given or default: what the
    /// deployed stack shows when it matches. `None` for `UsePreviousValue`.
    pub fn effective(&self) -> IndexMap<&str, Option<&str>> {
        let mut all = IndexMap::new();
        for (k, v) in &self.values {
            all.insert(
                k.as_str(),
                match v {
                    Resolved::Value(v) => Some(v.as_str()),
                    Resolved::UsePrevious => None,
                },
            );
        }
        for (k, v) in &self.defaults {
            all.insert(k.as_str(), Some(v.as_str()));
        }
        all
    }
}

/// Checks the values for one stack against its template and resolves
/// environment references; every problem is returned, each naming the file
/// or flag and the key.
///
/// `file` is the stack's parameter file, if any (`expected` is where it would
/// be, for the message about a missing value); `overrides` are the flags
/// that apply to this stack; `env` reads an environment variable.
pub fn resolve(
    template: &Template,
    expected: &Path,
    file: Option<&ParameterFile>,
    overrides: &[Override],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<StackParameters, Vec<ParameterProblem>> {
    let mut problems = Vec::new();
    let mut given: IndexMap<&str, (&Spec, Origin)> = IndexMap::new();
    if let Some(file) = file {
        for (k, spec) in &file.values {
            given.insert(k, (spec, Origin::File(file.path.clone())));
        }
    }
    for o in overrides {
        given.insert(&o.key, (&o.value, Origin::Flag));
    }
    let declared: Vec<&str> = template.parameters.keys().map(|k| k.as_str()).collect();
    for (key, (_, origin)) in &given {
        if !declared.contains(key) {
            let message = match suggest::closest(key, declared.iter().copied()) {
                Some(s) => format!("the template has no such parameter; did you mean `{s}`?"),
                None if declared.is_empty() => "the template has no parameters".into(),
                None => format!(
                    "the template has no such parameter (it has {})",
                    declared
                        .iter()
                        .map(|d| format!("`{d}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            problems.push(ParameterProblem {
                origin: origin.to_string(),
                key: Some((*key).to_owned()),
                message,
            });
        }
    }

    let mut out = StackParameters {
        tags: file.map(|f| f.tags.clone()).unwrap_or_default(),
        ..Default::default()
    };
    for (id, param) in &template.parameters {
        let key = id.as_str();
        if param.no_echo {
            out.no_echo.push(key.to_owned());
        }
        let Some((spec, origin)) = given.get(key) else {
            match &param.default {
                Some(d) => {
                    out.defaults.insert(key.to_owned(), d.clone());
                }
                None => problems.push(ParameterProblem {
                    origin: expected.display().to_string(),
                    key: Some(key.to_owned()),
                    message: format!(
                        "required parameter has no value; add it to the file or pass --parameter {key}=VALUE{}",
                        if param.no_echo {
                            " (it is NoEcho: write \"${env:VARIABLE}\" to read it from the environment)"
                        } else {
                            ""
                        }
                    ),
                }),
            }
            continue;
        };
        let value = match spec {
            Spec::UsePrevious => {
                out.values.insert(key.to_owned(), Resolved::UsePrevious);
                continue;
            }
            Spec::Value(v) => v.clone(),
            Spec::Env(name) => match env(name) {
                Some(v) => v,
                None => {
                    problems.push(ParameterProblem {
                        origin: origin.to_string(),
                        key: Some(key.to_owned()),
                        message: format!("environment variable `{name}` is not set"),
                    });
                    continue;
                }
            },
        };
        for message in check(param, &value) {
            problems.push(ParameterProblem {
                origin: origin.to_string(),
                key: Some(key.to_owned()),
                message,
            });
        }
        out.values.insert(key.to_owned(), Resolved::Value(value));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The constraint violations of `value`, described without the value when
/// the parameter is `NoEcho`.
pub fn check(param: &Parameter, value: &str) -> Vec<String> {
    let shown = if param.no_echo {
        "the value".to_owned()
    } else {
        format!("value `{value}`")
    };
    let because = param
        .constraint_description
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let mut out = Vec::new();
    // List parameters are checked item by item, as CloudFormation does.
    let items: Vec<&str> = match param.kind {
        ParameterType::CommaDelimitedList | ParameterType::NumberList => {
            value.split(',').map(str::trim).collect()
        }
        _ => vec![value],
    };
    if !param.allowed_values.is_empty()
        && !items
            .iter()
            .all(|i| param.allowed_values.iter().any(|a| a == i))
    {
        out.push(format!(
            "{shown} is not one of the AllowedValues: {}",
            param.allowed_values.join(", ")
        ));
    }
    let length = value.chars().count();
    let is_string = param.kind == ParameterType::String;
    if let Some(min) = param.min_length
        && is_string
        && length < min as usize
    {
        out.push(format!(
            "{shown} is shorter than MinLength {min} ({length} characters){because}"
        ));
    }
    if let Some(max) = param.max_length
        && is_string
        && length > max as usize
    {
        out.push(format!(
            "{shown} is longer than MaxLength {max} ({length} characters){because}"
        ));
    }
    if let Some(pattern) = &param.allowed_pattern
        && param.kind == ParameterType::String
        // CloudFormation's patterns are Java regular expressions matched
        // against the whole value. A pattern the `regex` crate cannot
        // compile (look-around, back-references) is left to CloudFormation.
        && let Ok(re) = regex::Regex::new(&format!("^(?:{pattern})$"))
        && !re.is_match(value)
    {
        out.push(format!(
            "{shown} does not match AllowedPattern `{pattern}`{because}"
        ));
    }
    if param.kind == ParameterType::Number {
        match value.trim().parse::<f64>() {
            Err(_) => out.push(format!("{shown} is not a number")),
            Ok(n) => {
                if let Some(min) = param.min_value
                    && n < min
                {
                    out.push(format!("{shown} is less than MinValue {min}{because}"));
                }
                if let Some(max) = param.max_value
                    && n > max
                {
                    out.push(format!("{shown} is greater than MaxValue {max}{because}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{LogicalId, Parameter};

    fn template() -> Template {
        let mut t = Template::default();
        let mut p = |id: &str, param: Parameter| {
            t.parameters.insert(LogicalId::new(id).unwrap(), param);
        };
        p(
            "Repo",
            Parameter::string()
                .allowed_pattern("[a-z0-9-]+")
                .constraint_description("lowercase"),
        );
        p("Branch", Parameter::string().default_value("main"));
        p("Token", Parameter::string().no_echo().length(4, 8));
        p(
            "Size",
            Parameter {
                min_value: Some(1.0),
                max_value: Some(4.0),
                ..Parameter::new(ParameterType::Number).default_value("1")
            },
        );
        p(
            "Mode",
            Parameter::string()
                .default_value("fast")
                .allowed_values(["fast", "slow"]),
        );
        t
    }

    fn parse(text: &str) -> ParameterFile {
        ParameterFile::parse(Path::new("parameters/s.json"), text).unwrap()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn problems(file: &ParameterFile, overrides: &[Override]) -> Vec<String> {
        resolve(
            &template(),
            Path::new("parameters/s.json"),
            Some(file),
            overrides,
            &|n| (n == "TOKEN").then(|| "s3cr3t-too-long".to_owned()),
        )
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect()
    }

    #[test]
    fn reads_the_three_forms_alike() {
        let array = parse(
            r#"[{"ParameterKey":"Repo","ParameterValue":"app"},
                {"ParameterKey":"Token","UsePreviousValue":true},
                {"ParameterKey":"Size","ParameterValue":"2"}]"#,
        );
        let object = parse(r#"{"Repo":"app","Token":{"UsePreviousValue":true},"Size":2}"#);
        let config = parse(
            r#"{"Parameters":{"Repo":"app","Token":{"UsePreviousValue":true},"Size":"2"},
                "Tags":{"team":"platform"}}"#,
        );
        assert_eq!(array.values, object.values);
        assert_eq!(array.values, config.values);
        assert_eq!(config.tags["team"], "platform");
        let resolved = resolve(&template(), Path::new("x"), Some(&config), &[], &no_env).unwrap();
        assert_eq!(resolved.values["Repo"], Resolved::Value("app".into()));
        assert_eq!(resolved.values["Token"], Resolved::UsePrevious);
        assert_eq!(resolved.defaults["Branch"], "main");
        assert_eq!(resolved.tags["team"], "platform");
        assert!(resolved.uses_previous());
    }

    #[test]
    fn env_references_and_escapes() {
        assert_eq!(spec_of("${env:TOKEN}".into()), Spec::Env("TOKEN".into()));
        assert_eq!(
            spec_of("$${env:TOKEN}".into()),
            Spec::Value("${env:TOKEN}".into())
        );
        assert_eq!(spec_of("${env:}".into()), Spec::Value("${env:}".into()));
        let file = parse(r#"{"Repo":"app","Token":"${env:TOKEN}"}"#);
        let resolved = resolve(&template(), Path::new("x"), Some(&file), &[], &|n| {
            (n == "TOKEN").then(|| "abcde".to_owned())
        })
        .unwrap();
        assert_eq!(resolved.values["Token"], Resolved::Value("abcde".into()));
        assert_eq!(resolved.display("Token", &resolved.values["Token"]), "****");
        assert!(!format!("{resolved:?}").contains("abcde"));
        let unset = resolve(&template(), Path::new("x"), Some(&file), &[], &no_env).unwrap_err();
        assert_eq!(
            unset[0].to_string(),
            "parameters/s.json: `Token`: environment variable `TOKEN` is not set"
        );
    }

    #[test]
    fn every_problem_names_file_and_key_and_hides_no_echo_values() {
        let file = parse(
            r#"{"Repo":"App_1","Tokn":"x","Token":"${env:TOKEN}","Size":"9","Mode":"medium"}"#,
        );
        let flag: Override = "Branch=dev".parse().unwrap();
        assert_eq!(
            problems(&file, &[flag]),
            [
                "parameters/s.json: `Tokn`: the template has no such parameter; did you mean `Token`?",
                "parameters/s.json: `Repo`: value `App_1` does not match AllowedPattern `[a-z0-9-]+` (lowercase)",
                "parameters/s.json: `Token`: the value is longer than MaxLength 8 (15 characters)",
                "parameters/s.json: `Size`: value `9` is greater than MaxValue 4",
                "parameters/s.json: `Mode`: value `medium` is not one of the AllowedValues: fast, slow",
            ]
        );
        let missing = parse(r#"{"Repo":"app"}"#);
        let p = problems(&missing, &[]);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("parameters/s.json: `Token`: required parameter has no value"),
            "{p:?}"
        );
        assert!(p[0].contains("${env:VARIABLE}"), "{p:?}");
    }

    #[test]
    fn flags_override_files_and_name_themselves() {
        let file = parse(r#"{"Repo":"app","Token":"abcd"}"#);
        let flags: Vec<Override> = vec!["Repo=other".parse().unwrap(), "Nope=1".parse().unwrap()];
        let p = problems(&file, &flags);
        assert_eq!(
            p,
            [
                "--parameter: `Nope`: the template has no such parameter (it has `Repo`, `Branch`, `Token`, `Size`, `Mode`)"
            ]
        );
        let ok = resolve(
            &template(),
            Path::new("x"),
            Some(&file),
            &flags[..1],
            &no_env,
        )
        .unwrap();
        assert_eq!(ok.values["Repo"], Resolved::Value("other".into()));
    }

    #[test]
    fn list_values_are_checked_item_by_item() {
        let list = Parameter::new(ParameterType::CommaDelimitedList).allowed_values(["a", "b"]);
        assert!(check(&list, "a,b").is_empty());
        assert_eq!(check(&list, "a,c").len(), 1);
    }

    #[test]
    fn parses_flags() {
        let o: Override = "image-pipeline:Url=https://x:1".parse().unwrap();
        assert_eq!(o.stack.as_deref(), Some("image-pipeline"));
        assert_eq!(o.key, "Url");
        assert_eq!(o.value, Spec::Value("https://x:1".into()));
        let o: Override = "K=a:b=c".parse().unwrap();
        assert_eq!((o.stack, o.key.as_str()), (None, "K"));
        assert_eq!(o.value, Spec::Value("a:b=c".into()));
        for bad in ["K", "=v", ":K=v", "s:=v"] {
            assert!(bad.parse::<Override>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_malformed_files_with_the_reason() {
        let err = |text: &str| {
            ParameterFile::parse(Path::new("p.json"), text)
                .unwrap_err()
                .to_string()
        };
        assert!(err("{").starts_with("p.json: not valid JSON"));
        assert_eq!(
            err(
                r#"[{"ParameterKey":"A","ParameterValue":"1"},{"ParameterKey":"A","ParameterValue":"2"}]"#
            ),
            "p.json: `A`: is given twice"
        );
        assert_eq!(
            err(r#"[{"ParameterKey":"A","Value":"1"}]"#),
            "p.json: entry 1: unknown field `Value` (expected `ParameterKey`, `ParameterValue`, `UsePreviousValue`)"
        );
        assert_eq!(
            err(r#"[{"ParameterKey":"A"}]"#),
            "p.json: entry 1: `A` has no `ParameterValue`"
        );
        assert_eq!(
            err(r#"{"A":null}"#),
            "p.json: `A`: a value must be a string"
        );
        assert_eq!(
            err(r#"{"Parameters":{},"StackPolicy":{}}"#),
            "p.json: `StackPolicy` is not supported; a stack policy belongs in the code"
        );
        assert_eq!(
            err("3"),
            "p.json: expected an array of {\"ParameterKey\", \"ParameterValue\"} entries or an object"
        );
    }
}

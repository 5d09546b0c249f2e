//! Template diff by meaning: two templates (one synthesized, one read back
//! from CloudFormation in any form, YAML short or long form or JSON) are
//! compared through the model's JSON form, section by section, resource by
//! resource and property by property. IAM statements are compared on their
//! own so that permission changes stand out. Pure: no AWS calls.
//!
//! The JSON form of [`TemplateDiff`] is the `diff --format json` schema,
//! documented in `docs/json.md`.

use crate::template::{Template, json};
use serde::Serialize;
use serde_json::{Map, Value};

/// What happened to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ChangeKind {
    /// Only in the new template.
    Added,
    /// In both, different.
    Modified,
    /// Only in the old template.
    Removed,
}

impl ChangeKind {
    /// `+`, `~` or `-`.
    pub fn sign(self) -> &'static str {
        match self {
            ChangeKind::Added => "+",
            ChangeKind::Modified => "~",
            ChangeKind::Removed => "-",
        }
    }
}

/// Whether a modification replaces the resource, as a change set says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Replaces {
    /// Updated in place.
    No,
    /// Replaced.
    Yes,
    /// Replaced depending on values known at execution.
    Conditional,
}

/// One changed value at a path such as `Properties.Tags[0].Value`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyChange {
    /// Where, from the resource (or item) root.
    pub path: String,
    /// The deployed value; `None` when added.
    pub old: Option<Value>,
    /// The new value; `None` when removed.
    pub new: Option<Value>,
}

/// One resource that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceDiff {
    /// The logical ID.
    pub id: String,
    /// The resource type (the new one when both exist).
    #[serde(rename = "type")]
    pub resource_type: String,
    /// What happened.
    pub change: ChangeKind,
    /// For modifications, what a change set said; `None` when unknown.
    pub replacement: Option<Replaces>,
    /// The resource holds data (repository, bucket, table, log group, key).
    pub stateful: bool,
    /// `DeletionPolicy: Retain` (or `RetainExceptOnCreate`) in either version.
    pub retain: bool,
    /// The changed values (modifications only).
    pub properties: Vec<PropertyChange>,
}

impl ResourceDiff {
    /// Whether the change deserves a warning: replacing or removing a
    /// stateful or retained resource.
    pub fn is_dangerous(&self) -> bool {
        (self.stateful || self.retain)
            && (self.change == ChangeKind::Removed
                || matches!(
                    self.replacement,
                    Some(Replaces::Yes | Replaces::Conditional)
                )
                || (self.replacement.is_none() && self.replaces_by_reference()))
    }

    /// Whether a changed property is create-only, so that its update
    /// replaces the resource (the provider schemas' `createOnlyProperties`,
    /// see [`crate::facts::replaces`]): what a reviewer is told when no
    /// change set says it for sure (none exists yet, or it says nothing).
    pub fn replaces_by_reference(&self) -> bool {
        !self.replacing_properties().is_empty()
    }

    /// The changed create-only properties (see
    /// [`ResourceDiff::replaces_by_reference`]), as paths below
    /// `Properties` such as `RepositoryName`, each once.
    pub fn replacing_properties(&self) -> Vec<String> {
        if self.change != ChangeKind::Modified {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for c in &self.properties {
            let name = c.path.strip_prefix("Properties.").unwrap_or_default();
            // `A.B[0].C` -> `A/B/C`: list positions are not in schemas.
            let path: Vec<&str> = name
                .split('.')
                .map(|part| part.split('[').next().unwrap_or_default())
                .filter(|part| !part.is_empty())
                .collect();
            let path = path.join("/");
            if !path.is_empty()
                && crate::facts::replaces(&self.resource_type, &path)
                && !out.contains(&path)
            {
                out.push(path);
            }
        }
        out
    }
}

/// A parameter, output, condition or mapping that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemDiff {
    /// The logical ID.
    pub id: String,
    /// What happened.
    pub change: ChangeKind,
    /// The changed values below the item.
    pub properties: Vec<PropertyChange>,
}

/// An IAM statement added or removed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatementChange {
    /// The resource that holds the policy (a role, bucket policy, ...).
    pub resource: String,
    /// Added or removed.
    pub change: ChangeKind,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// The principal, for resource policies and trust policies;
    /// `NotPrincipal` is wrapped in `{"Not": ...}`.
    pub principal: Option<Value>,
    /// The actions, sorted; `NotAction` entries start with `!`.
    pub actions: Vec<String>,
    /// The resources, sorted; `NotResource` entries start with `!` (or are
    /// wrapped in `{"Not": ...}`).
    pub resources: Vec<Value>,
    /// The condition, when there is one.
    pub condition: Option<Value>,
    /// Whether the change grants more: an added Allow or a removed Deny.
    pub broadening: bool,
}

/// Everything that differs between two templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TemplateDiff {
    /// Resources, sorted by logical ID.
    pub resources: Vec<ResourceDiff>,
    /// Parameters.
    pub parameters: Vec<ItemDiff>,
    /// Outputs.
    pub outputs: Vec<ItemDiff>,
    /// Conditions.
    pub conditions: Vec<ItemDiff>,
    /// Mappings.
    pub mappings: Vec<ItemDiff>,
    /// IAM statements added or removed.
    pub iam: Vec<StatementChange>,
    /// Top-level changes (`Description`, `Metadata`, ...).
    pub other: Vec<PropertyChange>,
}

impl TemplateDiff {
    /// Whether the templates mean the same.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.parameters.is_empty()
            && self.outputs.is_empty()
            && self.conditions.is_empty()
            && self.mappings.is_empty()
            && self.iam.is_empty()
            && self.other.is_empty()
    }

    /// Applies replacement flags from a change set, by logical ID.
    pub fn set_replacements(&mut self, flags: &[(String, Replaces)]) {
        for r in &mut self.resources {
            if r.change == ChangeKind::Modified {
                r.replacement = Some(
                    flags
                        .iter()
                        .find(|(id, _)| *id == r.id)
                        .map(|(_, f)| *f)
                        .unwrap_or(Replaces::No),
                );
            }
        }
    }
}

/// Compares `old` (deployed) with `new` (synthesized). Defaults of `NoEcho`
/// parameters are shown as `****`.
pub fn diff(old: &Template, new: &Template) -> TemplateDiff {
    let old_v = json::to_value(old);
    let new_v = json::to_value(new);
    let section = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let mut out = TemplateDiff::default();

    let (old_r, new_r) = (section(&old_v, "Resources"), section(&new_v, "Resources"));
    let mut ids: Vec<&String> = old_r.keys().chain(new_r.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let (o, n) = (old_r.get(id), new_r.get(id));
        let kind = |v: Option<&Value>| {
            v.and_then(|v| v.get("Type"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let resource_type = kind(n).or_else(|| kind(o)).unwrap_or_default();
        let retained = |v: Option<&Value>| {
            v.and_then(|v| v.get("DeletionPolicy"))
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with("Retain"))
        };
        let change = match (o, n) {
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            (Some(a), Some(b)) if a != b => ChangeKind::Modified,
            _ => continue,
        };
        let mut properties = Vec::new();
        if let (Some(a), Some(b)) = (o, n) {
            values(a, b, "", &mut properties);
        }
        out.resources.push(ResourceDiff {
            id: id.clone(),
            stateful: crate::facts::is_stateful(&resource_type),
            resource_type,
            change,
            replacement: None,
            retain: retained(o) || retained(n),
            properties,
        });
    }

    let no_echo: Vec<String> = old
        .parameters
        .iter()
        .chain(new.parameters.iter())
        .filter(|(_, p)| p.no_echo)
        .map(|(id, _)| id.as_str().to_owned())
        .collect();
    out.parameters = items(
        &section(&old_v, "Parameters"),
        &section(&new_v, "Parameters"),
    );
    for p in &mut out.parameters {
        if no_echo.contains(&p.id) {
            for c in &mut p.properties {
                if c.path == "Default" {
                    c.old = c.old.as_ref().map(|_| Value::from("****"));
                    c.new = c.new.as_ref().map(|_| Value::from("****"));
                }
            }
        }
    }
    out.outputs = items(&section(&old_v, "Outputs"), &section(&new_v, "Outputs"));
    out.conditions = items(
        &section(&old_v, "Conditions"),
        &section(&new_v, "Conditions"),
    );
    out.mappings = items(&section(&old_v, "Mappings"), &section(&new_v, "Mappings"));
    out.iam = iam_changes(&old_r, &new_r);

    let mut top = Vec::new();
    let strip = |v: &Value| {
        let mut m = v.as_object().cloned().unwrap_or_default();
        for k in [
            "Resources",
            "Parameters",
            "Outputs",
            "Conditions",
            "Mappings",
        ] {
            m.remove(k);
        }
        Value::Object(m)
    };
    values(&strip(&old_v), &strip(&new_v), "", &mut top);
    out.other = top;
    out
}

fn items(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<ItemDiff> {
    let mut ids: Vec<&String> = old.keys().chain(new.keys()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            let (o, n) = (old.get(id), new.get(id));
            let change = match (o, n) {
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(a), Some(b)) if a != b => ChangeKind::Modified,
                _ => return None,
            };
            let mut properties = Vec::new();
            if let (Some(a), Some(b)) = (o, n) {
                values(a, b, "", &mut properties);
            }
            Some(ItemDiff {
                id: id.clone(),
                change,
                properties,
            })
        })
        .collect()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Collects the differences between two values: objects key by key, lists
/// of equal length item by item, anything else whole.
fn values(old: &Value, new: &Value, path: &str, out: &mut Vec<PropertyChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = join(path, k);
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => values(x, y, &p, out),
                    (x, y) => out.push(PropertyChange {
                        path: p,
                        old: x.cloned(),
                        new: y.cloned(),
                    }),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                values(x, y, &format!("{path}[{i}]"), out);
            }
        }
        _ => out.push(PropertyChange {
            path: path.to_owned(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}

/// Every IAM statement in the resources, with the resource that holds it.
fn statements(resources: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (id, r) in resources {
        let props = r.get("Properties").cloned().unwrap_or(Value::Null);
        let kind = r.get("Type").and_then(Value::as_str).unwrap_or_default();
        let mut docs: Vec<&Value> = Vec::new();
        for key in crate::facts::policy_properties(kind) {
            match (*key, props.get(*key)) {
                ("Policies", Some(Value::Array(policies))) => {
                    docs.extend(policies.iter().filter_map(|p| p.get("PolicyDocument")))
                }
                (_, Some(d)) => docs.push(d),
                (_, None) => {}
            }
        }
        for doc in docs {
            match doc.get("Statement") {
                Some(Value::Array(list)) => {
                    out.extend(list.iter().map(|s| (id.clone(), s.clone())))
                }
                Some(s @ Value::Object(_)) => out.push((id.clone(), s.clone())),
                _ => {}
            }
        }
    }
    out
}

fn sorted_list(v: Option<&Value>) -> Vec<Value> {
    let mut list = match v {
        Some(Value::Array(a)) => a.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    list.sort_by_key(|v| v.to_string());
    list
}

fn iam_changes(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<StatementChange> {
    let (old_s, new_s) = (statements(old), statements(new));
    let describe = |(resource, s): &(String, Value), change: ChangeKind| {
        let effect = s
            .get("Effect")
            .and_then(Value::as_str)
            .unwrap_or("Allow")
            .to_owned();
        // `NotAction` / `NotResource` / `NotPrincipal` invert a statement:
        // their entries are marked `!` so that switching to them is a change.
        let negated = |plain: &str, not: &str| match s.get(plain) {
            Some(v) => (Some(v), ""),
            None => (s.get(not), "!"),
        };
        let (action, bang) = negated("Action", "NotAction");
        let actions = sorted_list(action)
            .into_iter()
            .map(|a| {
                let a = a
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| a.to_string());
                format!("{bang}{a}")
            })
            .collect();
        let (targets, not_resource) = negated("Resource", "NotResource");
        let resources = sorted_list(targets)
            .into_iter()
            .map(|r| match (not_resource, r) {
                ("!", Value::String(s)) => Value::from(format!("!{s}")),
                ("!", other) => serde_json::json!({"Not": other}),
                (_, other) => other,
            })
            .collect();
        let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(serde_json::json!({"Not": p})),
            (None, None) => None,
        };
        StatementChange {
            resource: resource.clone(),
            change,
            broadening: (effect == "Allow") == (change == ChangeKind::Added),
            effect,
            principal,
            actions,
            resources,
            condition: s.get("Condition").cloned(),
        }
    };
    let key = |c: &StatementChange| {
        serde_json::json!([
            c.resource,
            c.effect,
            c.principal,
            c.actions,
            c.resources,
            c.condition
        ])
        .to_string()
    };
    let old_c: Vec<StatementChange> = old_s
        .iter()
        .map(|s| describe(s, ChangeKind::Removed))
        .collect();
    let new_c: Vec<StatementChange> = new_s
        .iter()
        .map(|s| describe(s, ChangeKind::Added))
        .collect();
    let old_keys: Vec<String> = old_c.iter().map(key).collect();
    let new_keys: Vec<String> = new_c.iter().map(key).collect();
    let mut out: Vec<StatementChange> = old_c
        .into_iter()
        .filter(|c| !new_keys.contains(&key(c)))
        .chain(new_c.into_iter().filter(|c| !old_keys.contains(&key(c))))
        .collect();
    out.sort_by(|a, b| (&a.resource, a.change, key(a)).cmp(&(&b.resource, b.change, key(b))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::reader;

    const OLD: &str = r#"
Parameters:
  Token:
    Type: String
    NoEcho: true
Resources:
  Repo:
    Type: AWS::ECR::Repository
    DeletionPolicy: Retain
    Properties:
      RepositoryName: !Ref Name
      ImageTagMutability: IMMUTABLE
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: codebuild.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [ecr:PutImage, ecr:BatchGetImage]
                Resource: !GetAtt Repo.Arn
  Old:
    Type: AWS::SNS::Topic
Outputs:
  Uri:
    Value: !GetAtt Repo.RepositoryUri
"#;

    #[test]
    fn the_same_template_in_any_form_has_no_differences() {
        let yaml = reader::parse(OLD).unwrap();
        let json = reader::parse(&json::to_string(&yaml)).unwrap();
        let long = reader::parse(&OLD.replace("!Ref Name", "{\"Ref\": \"Name\"}")).unwrap();
        assert!(diff(&yaml, &json).is_empty());
        assert!(diff(&yaml, &long).is_empty());
    }

    #[test]
    fn reports_resources_properties_items_and_iam() {
        let old = reader::parse(OLD).unwrap();
        let new = reader::parse(
            &OLD.replace(
                "ImageTagMutability: IMMUTABLE",
                "ImageTagMutability: MUTABLE",
            )
            .replace(
                "[ecr:PutImage, ecr:BatchGetImage]",
                "[ecr:BatchGetImage, ecr:PutImage, ecr:DeleteRepository]",
            )
            .replace(
                "  Old:\n    Type: AWS::SNS::Topic\n",
                "  New:\n    Type: AWS::SNS::Topic\n",
            )
            .replace(
                "Value: !GetAtt Repo.RepositoryUri",
                "Value: !GetAtt Repo.Arn",
            ),
        )
        .unwrap();
        let mut d = diff(&old, &new);
        let summary: Vec<(String, ChangeKind)> = d
            .resources
            .iter()
            .map(|r| (r.id.clone(), r.change))
            .collect();
        assert_eq!(
            summary,
            [
                ("New".into(), ChangeKind::Added),
                ("Old".into(), ChangeKind::Removed),
                ("Repo".into(), ChangeKind::Modified),
                ("Role".into(), ChangeKind::Modified),
            ]
        );
        let repo = &d.resources[2];
        assert!(repo.stateful && repo.retain);
        assert_eq!(
            repo.properties,
            [PropertyChange {
                path: "Properties.ImageTagMutability".into(),
                old: Some("IMMUTABLE".into()),
                new: Some("MUTABLE".into()),
            }]
        );
        assert_eq!(d.outputs[0].properties[0].path, "Value.Fn::GetAtt[1]");
        // The reordered action list counts as one statement removed and
        // one added; the added Allow broadens.
        assert_eq!(d.iam.len(), 2);
        assert_eq!(d.iam[0].change, ChangeKind::Added);
        assert!(d.iam[0].broadening);
        assert_eq!(
            d.iam[0].actions,
            ["ecr:BatchGetImage", "ecr:DeleteRepository", "ecr:PutImage"]
        );
        assert_eq!(d.iam[1].change, ChangeKind::Removed);
        assert!(!d.iam[1].broadening);
        d.set_replacements(&[("Repo".into(), Replaces::Yes)]);
        assert!(d.resources[2].is_dangerous());
        assert_eq!(d.resources[3].replacement, Some(Replaces::No));
    }

    #[test]
    fn reordering_actions_alone_is_no_iam_change() {
        let old = reader::parse(OLD).unwrap();
        let new = reader::parse(&OLD.replace(
            "[ecr:PutImage, ecr:BatchGetImage]",
            "[ecr:BatchGetImage, ecr:PutImage]",
        ))
        .unwrap();
        let d = diff(&old, &new);
        assert!(d.iam.is_empty(), "{:?}", d.iam);
        assert_eq!(d.resources.len(), 1, "the property itself still changed");
    }

    #[test]
    fn switching_to_not_action_is_a_broadening_change() {
        let old = reader::parse(OLD).unwrap();
        let new = reader::parse(&OLD.replace(
            "Action: [ecr:PutImage, ecr:BatchGetImage]",
            "NotAction: [ecr:PutImage, ecr:BatchGetImage]",
        ))
        .unwrap();
        let d = diff(&old, &new);
        assert_eq!(d.iam.len(), 2, "{:?}", d.iam);
        assert_eq!(d.iam[0].actions, ["!ecr:BatchGetImage", "!ecr:PutImage"]);
        assert!(d.iam[0].broadening);
    }

    #[test]
    fn everything_is_new_against_an_empty_template() {
        let new = reader::parse(OLD).unwrap();
        let d = diff(&Template::default(), &new);
        assert!(d.resources.iter().all(|r| r.change == ChangeKind::Added));
        assert_eq!(d.parameters[0].id, "Token");
        assert!(d.iam.iter().all(|s| s.change == ChangeKind::Added));
    }

    #[test]
    fn replacing_properties_are_flagged_until_a_change_set_says_otherwise() {
        let mut r = ResourceDiff {
            id: "Repo".into(),
            resource_type: "AWS::ECR::Repository".into(),
            change: ChangeKind::Modified,
            replacement: None,
            stateful: true,
            retain: false,
            properties: vec![PropertyChange {
                path: "Properties.RepositoryName".into(),
                old: Some("a".into()),
                new: Some("b".into()),
            }],
        };
        assert!(r.replaces_by_reference());
        assert!(r.is_dangerous());
        r.replacement = Some(Replaces::No);
        assert!(!r.is_dangerous());
        r.replacement = None;
        r.properties[0].path = "Properties.ImageScanningConfiguration.ScanOnPush".into();
        assert!(!r.replaces_by_reference());
        assert!(!r.is_dangerous());
    }
}

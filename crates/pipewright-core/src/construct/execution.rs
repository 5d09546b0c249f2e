//! The execution role's policy, derived from the stacks a bootstrap
//! manages (issue #19, part 4): in the construct core, below the
//! bootstrap construct that asks for it and the app pass that renders it.
//!
//! Written by hand, each pipeline family's execution grants drifted from
//! what its stacks hold, and adding a resource type to a workload stack
//! meant remembering a second file. Now synth reads the resources of each
//! managed stack and grants, per resource, the actions CloudFormation's
//! handlers of its type need to create, read, update (tags included) and
//! delete it ([`crate::facts::iam::handlers`]), each on the ARNs it takes:
//! the resource's own ARN where its name is a literal property, the type's
//! ARN with `*` for the name otherwise, the other resource types the action
//! takes (the KMS key ECR encrypts with, the role a project is handed) with
//! `*` names, and `*` only for actions that take no resource. A type the
//! registry has no handlers for is named in the result, never guessed at.

use crate::construct::ResourceRef;
use crate::facts::iam::{self, ARNS, Action};
use crate::iam::policy::Statement;
use crate::template::{Expr, Resource};

/// The template Metadata key under which a bootstrap lists the stacks it
/// manages: `pipewright:bootstrap: {manages: [...]}`; `deploy` finds a
/// stack's bootstrap by it ([`crate::app::managing_bootstrap`]).
pub const METADATA_KEY: &str = "pipewright:bootstrap";

/// A role whose policy synth derives from stacks of the app (a bootstrap's
/// execution role from what it manages; a read role from what it reads),
/// and the stacks it is derived from.
#[derive(Clone, Debug)]
pub(crate) struct Derived {
    /// The construct path of the role, for problems.
    pub path: String,
    /// The role.
    pub role: ResourceRef,
    /// The managed stacks, by name; a name not in the app adds nothing.
    pub stacks: Vec<String>,
    /// Whether the team granted statements by hand, which then cover the
    /// types the registry does not know.
    pub by_hand: bool,
}

/// What CloudFormation needs to manage `resources` (of one stack, in
/// `region`; `None` for the bootstrap's own region): one statement per
/// action, to be merged by resources; and the types the registry has no
/// handlers for.
pub fn statements<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
    region: Option<&str>,
) -> (Vec<Statement>, Vec<String>) {
    statements_of(resources, region, iam::Handlers::actions)
}

/// What reading `resources` takes (their types' read handlers): what drift
/// detection needs of the caller for each resource it checks, since
/// CloudFormation reads them with the caller's credentials. Types the
/// registry has no handlers for are returned as by [`statements`].
pub fn read_statements<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
    region: Option<&str>,
) -> (Vec<Statement>, Vec<String>) {
    statements_of(resources, region, |h| {
        h.read.iter().map(String::as_str).collect()
    })
}

fn statements_of<'a>(
    resources: impl IntoIterator<Item = &'a Resource>,
    region: Option<&str>,
    actions: impl Fn(&'static iam::Handlers) -> Vec<&'static str>,
) -> (Vec<Statement>, Vec<String>) {
    let mut out = Vec::new();
    let mut unknown = Vec::new();
    for r in resources {
        let Some(handlers) = iam::handlers(&r.kind) else {
            if !unknown.contains(&r.kind) {
                unknown.push(r.kind.clone());
            }
            continue;
        };
        for name in actions(handlers) {
            // The data script keeps only actions the reference defines.
            let Some(action) = iam::action(name) else {
                continue;
            };
            let mut s = Statement::allow([action.name]);
            for arn in arns(&action, r, region) {
                s = s.resource(arn);
            }
            if let Some(via) = via_service(action.name, &r.kind, region) {
                s = s.condition("StringEquals", "kms:ViaService", via);
            }
            out.push(s);
        }
    }
    (out, unknown)
}

/// For a KMS action that another service's handlers need (ECR creates a
/// grant on the key it encrypts a repository with), the condition that it
/// is made through that service: `kms:ViaService` is
/// `<service>.<region>.<URL suffix>`
/// (<https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service>).
fn via_service(action: &str, kind: &str, region: Option<&str>) -> Option<Expr> {
    let service = kind.split("::").nth(1)?.to_ascii_lowercase();
    if !action.starts_with("kms:") || service == "kms" {
        return None;
    }
    let region = region.unwrap_or("${AWS::Region}");
    Some(Expr::sub(format!("{service}.{region}.${{AWS::URLSuffix}}")))
}

/// The ARNs `action` needs on, to manage `r`.
fn arns(action: &Action, r: &Resource, region: Option<&str>) -> Vec<Expr> {
    if action.resources.is_empty() {
        return vec![Expr::from("*")];
    }
    let service = action.name.split_once(':').map_or("", |(s, _)| s);
    let own: Vec<Expr> = ARNS
        .iter()
        .filter(|row| row.kind == r.kind && row.service == service)
        .filter_map(|row| {
            let (_, pattern) = action.resources.iter().find(|(t, _)| t == row.resource)?;
            Some(fill(pattern, row.names, r, region))
        })
        .collect();
    if !own.is_empty() {
        return own;
    }
    action
        .resources
        .iter()
        .map(|(_, pattern)| fill(pattern, &[], r, region))
        .collect()
}

/// An ARN from an IAM ARN pattern: partition, region and account as
/// pseudo parameters, each variable in `names` from its literal property
/// of `r`, every other variable `*` (a run of them one `*`).
fn fill(pattern: &str, names: &[(&str, &str)], r: &Resource, region: Option<&str>) -> Expr {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        let var = &after[..end];
        let value = match var {
            "Partition" => "${AWS::Partition}".to_owned(),
            "Region" => region.unwrap_or("${AWS::Region}").to_owned(),
            "Account" => "${AWS::AccountId}".to_owned(),
            _ => name(var, names, r).unwrap_or_else(|| "*".to_owned()),
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Expr::sub(collapse(&out))
}

/// The value of ARN variable `var` from `r`'s literal properties.
fn name(var: &str, names: &[(&str, &str)], r: &Resource) -> Option<String> {
    let (_, property) = names.iter().find(|(v, _)| *v == var)?;
    let value = r.properties.get(*property)?.as_str()?;
    if value.contains("${") {
        return None;
    }
    Some(match var {
        // `Path` (default `/`) is part of an IAM name's ARN.
        v if v.ends_with("NameWithPath") => match r.properties.get("Path") {
            None => value.to_owned(),
            Some(Expr::String(path)) => format!("{}{value}", path.trim_start_matches('/')),
            Some(_) => return None,
        },
        "ParameterNameWithoutLeadingSlash" => value.trim_start_matches('/').to_owned(),
        // `AliasName` is `alias/<name>`, and the ARN pattern already says
        // `alias/${Alias}`.
        "Alias" => value.strip_prefix("alias/").unwrap_or(value).to_owned(),
        _ => value.to_owned(),
    })
}

/// `a/*/*/*` → `a/*`: a `*` already spans `/` and `:` in an IAM ARN.
fn collapse(arn: &str) -> String {
    let mut out = arn.to_owned();
    while out.ends_with("/*/*") || out.ends_with(":*/*") || out.ends_with("/*:*") {
        out.truncate(out.len() - 2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::PolicyDocument;

    fn resources(statements: &[Statement]) -> Vec<(Vec<String>, String)> {
        PolicyDocument::merged(statements)
            .statements
            .iter()
            .map(|s| {
                let on = s
                    .resources()
                    .iter()
                    .map(|r| match r {
                        Expr::Sub { template, .. } => template.clone(),
                        other => other.as_str().unwrap_or("?").to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                (s.actions().to_vec(), on)
            })
            .collect()
    }

    #[test]
    fn a_named_role_is_managed_on_its_own_arn() {
        let role = Resource::new("AWS::IAM::Role").property("RoleName", "staging-deploy");
        let (statements, unknown) = statements([&role], None);
        assert!(unknown.is_empty());
        let merged = resources(&statements);
        assert_eq!(merged.len(), 1, "{merged:#?}");
        assert_eq!(
            merged[0].1,
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/staging-deploy"
        );
        assert!(merged[0].0.contains(&"iam:CreateRole".to_owned()));
        assert!(merged[0].0.contains(&"iam:TagRole".to_owned()));
        assert!(merged[0].0.contains(&"iam:DeleteRole".to_owned()));
    }

    #[test]
    fn an_access_entry_is_managed_under_its_cluster_and_a_type_without_handlers_is_named() {
        let entry = Resource::new("AWS::EKS::AccessEntry").property("ClusterName", "staging");
        let odd = Resource::new("AWS::Made::Up");
        let (statements, unknown) = statements([&entry, &odd], Some("us-east-1"));
        assert_eq!(unknown, ["AWS::Made::Up"]);
        let merged = resources(&statements);
        assert!(
            merged.iter().all(|(_, on)| on.contains(":eks:us-east-1:")),
            "{merged:#?}"
        );
        assert!(
            merged
                .iter()
                .any(|(a, on)| a.contains(&"eks:CreateAccessEntry".to_owned())
                    && on.ends_with(":cluster/staging")),
            "{merged:#?}"
        );
        assert!(
            merged
                .iter()
                .any(|(_, on)| on.ends_with(":access-entry/staging/*")),
            "{merged:#?}"
        );
    }
}

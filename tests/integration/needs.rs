//! Needs and grants, both ways, for every role and group of the committed
//! templates (issue #19):
//!
//! - every statement of a committed policy is explained: some grant of the
//!   app made it for that principal, with the need of a construct's
//!   feature, or by hand, and the hand grants are exactly those listed
//!   here with their reason;
//! - every need is granted: what the committed templates show each
//!   principal needs (its builds' logs and variables, each pipeline
//!   action's documented permissions, each AWS CLI call of a build) is
//!   allowed by the committed policies of that principal.
//!
//! The needs of the second half are computed from the templates
//! themselves, by the documented rules, not from the grants: a construct
//! that forgot a need fails here even when its grants and its template
//! agree.

use indexmap::{IndexMap, IndexSet};
use pipewright::construct::Need;
use pipewright::template::{json, reader};
use serde_json::Value;

use crate::support::repo;

/// A principal: `<stack>/<logical ID>`.
type Principal = String;

/// The grants made by hand in this repository's app, with why (each what
/// a build does through a program pipewright cannot read, see `pipewright
/// list --permissions`, "not read"): none, since the systems became
/// patterns whose constructs declare their needs. A hand grant added to
/// `src/` must be listed here.
const HAND: &[(&str, &[&str], &str)] = &[];

/// Every committed template, as JSON, by stack name.
fn committed() -> IndexMap<String, Value> {
    let mut out = IndexMap::new();
    let mut paths: Vec<_> = std::fs::read_dir(repo().join("stacks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let body = std::fs::read_to_string(&path).unwrap();
        let template = reader::parse(&body).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        out.insert(name, json::to_value(&template));
    }
    out
}

/// The logical ID a `!GetAtt X.Arn`, `!Ref X` or `!ImportValue s:X`
/// names, with its stack.
fn named(value: &Value, stack: &str) -> Option<Principal> {
    if let Some(att) = value.get("Fn::GetAtt") {
        return Some(format!("{stack}/{}", att[0].as_str()?));
    }
    if let Some(r) = value.get("Ref") {
        return Some(format!("{stack}/{}", r.as_str()?));
    }
    let export = value.get("Fn::ImportValue")?.as_str()?;
    let (owner, id) = export.split_once(':')?;
    Some(format!("{owner}/{id}"))
}

/// Every action each principal's committed identity policies allow:
/// inline `Policies` of roles and groups, and `AWS::IAM::Policy`
/// resources attached to a role of another stack by its exported name.
fn allowed(templates: &IndexMap<String, Value>) -> IndexMap<Principal, IndexSet<String>> {
    let mut out: IndexMap<Principal, IndexSet<String>> = IndexMap::new();
    let mut add = |principal: Principal, document: &Value| {
        let actions = out.entry(principal).or_default();
        for statement in document["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Allow", "{statement}");
            match &statement["Action"] {
                Value::Array(list) => {
                    actions.extend(list.iter().map(|a| a.as_str().unwrap().to_owned()))
                }
                Value::String(one) => {
                    actions.insert(one.clone());
                }
                other => panic!("{other}"),
            }
        }
    };
    for (stack, t) in templates {
        for (id, r) in t["Resources"].as_object().unwrap() {
            match r["Type"].as_str().unwrap() {
                "AWS::IAM::Role" | "AWS::IAM::Group" => {
                    for policy in r["Properties"]["Policies"].as_array().into_iter().flatten() {
                        add(format!("{stack}/{id}"), &policy["PolicyDocument"]);
                    }
                }
                "AWS::IAM::Policy" => {
                    for role in r["Properties"]["Roles"].as_array().unwrap() {
                        let principal = named(role, stack).expect("a role by name");
                        add(principal, &r["Properties"]["PolicyDocument"]);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Whether `granted` (actions with `*`/`?` patterns) allows `action`.
fn allows(granted: &IndexSet<String>, action: &str) -> bool {
    granted.iter().any(|pattern| {
        let re = format!(
            "(?i)^{}$",
            regex::escape(pattern)
                .replace("\\*", ".*")
                .replace("\\?", ".")
        );
        regex::Regex::new(&re).unwrap().is_match(action)
    })
}

#[test]
fn every_committed_statement_is_explained_by_a_need_or_a_listed_hand_grant() {
    let app = pipewright_app::app();
    let mut grants: IndexMap<Principal, Vec<(String, Need)>> = IndexMap::new();
    for (_, permissions) in app.permissions() {
        for g in &permissions.grants {
            let principal = format!("{}/{}", g.role_stack, g.role);
            for action in g.statement.actions() {
                grants
                    .entry(principal.clone())
                    .or_default()
                    .push((action.clone(), g.need.clone()));
            }
        }
    }
    let templates = committed();
    let mut unexplained = Vec::new();
    let mut by_hand: IndexMap<Principal, IndexSet<String>> = IndexMap::new();
    for (principal, actions) in allowed(&templates) {
        let made = grants.get(&principal).cloned().unwrap_or_default();
        for action in actions {
            let needs: Vec<&Need> = made
                .iter()
                .filter(|(a, _)| *a == action)
                .map(|(_, n)| n)
                .collect();
            if needs.is_empty() {
                unexplained.push(format!("{principal}: {action}"));
            } else if needs.iter().all(|n| **n == Need::Hand) {
                by_hand.entry(principal.clone()).or_default().insert(action);
            }
        }
    }
    assert_eq!(
        unexplained,
        Vec::<String>::new(),
        "statements no grant made"
    );
    let listed: IndexMap<Principal, IndexSet<String>> = HAND
        .iter()
        .map(|(p, actions, _)| {
            (
                (*p).to_owned(),
                actions.iter().map(|a| (*a).to_owned()).collect(),
            )
        })
        .collect();
    let sorted = |m: IndexMap<Principal, IndexSet<String>>| {
        let mut v: Vec<(Principal, Vec<String>)> = m
            .into_iter()
            .map(|(p, a)| {
                let mut a: Vec<String> = a.into_iter().collect();
                a.sort();
                (p, a)
            })
            .collect();
        v.sort();
        v
    };
    let (found, expected) = (sorted(by_hand), sorted(listed));
    assert_eq!(
        found, expected,
        "the hand grants of the app are exactly the listed ones"
    );
    // Every need names what needs it and links AWS's page.
    for (principal, made) in &grants {
        for (action, need) in made {
            if let Need::Feature { what, doc } = need {
                assert!(!what.is_empty(), "{principal}: {action}");
                assert!(
                    doc.starts_with("https://docs.aws.amazon.com/"),
                    "{principal}: {action}: {doc}"
                );
            }
        }
    }
}

/// What the committed templates show each principal needs, by the
/// documented rules of each resource and pipeline action, with the reason.
fn needs(templates: &IndexMap<String, Value>) -> Vec<(Principal, &'static str, String)> {
    let mut out = Vec::new();
    // Projects by principal, to find their roles from a pipeline action.
    let mut project_roles: IndexMap<Principal, Principal> = IndexMap::new();
    for (stack, t) in templates {
        for (id, r) in t["Resources"].as_object().unwrap() {
            if r["Type"] != "AWS::CodeBuild::Project" {
                continue;
            }
            let p = &r["Properties"];
            let role = named(&p["ServiceRole"], stack).unwrap();
            project_roles.insert(format!("{stack}/{id}"), role.clone());
            for action in [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ] {
                out.push((role.clone(), action, format!("{stack}/{id} logs")));
            }
            for v in p["Environment"]["EnvironmentVariables"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let action = match v["Type"].as_str() {
                    Some("PARAMETER_STORE") => "ssm:GetParameters",
                    Some("SECRETS_MANAGER") => "secretsmanager:GetSecretValue",
                    _ => continue,
                };
                out.push((role.clone(), action, format!("{stack}/{id} {}", v["Name"])));
            }
            // The buildspec's own `env.parameter-store` / `secrets-manager`.
            let spec = p["Source"]["BuildSpec"].as_str().unwrap_or_default();
            for (key, action) in [
                ("  parameter-store:", "ssm:GetParameters"),
                ("  secrets-manager:", "secretsmanager:GetSecretValue"),
            ] {
                if spec.lines().any(|l| l == key) {
                    out.push((role.clone(), action, format!("{stack}/{id} buildspec")));
                }
            }
        }
    }
    for (stack, t) in templates {
        for (id, r) in t["Resources"].as_object().unwrap() {
            if r["Type"] != "AWS::CodePipeline::Pipeline" {
                continue;
            }
            let p = &r["Properties"];
            let pipeline_role = named(&p["RoleArn"], stack).unwrap();
            for action in ["s3:GetObject", "s3:PutObject"] {
                out.push((
                    pipeline_role.clone(),
                    action,
                    format!("{stack}/{id} artifacts"),
                ));
            }
            let stages = p["Stages"].as_array().unwrap();
            let actions: Vec<&Value> = stages
                .iter()
                .flat_map(|s| s["Actions"].as_array().unwrap())
                .collect();
            for a in &actions {
                let name = format!("{stack}/{id}/{}", a["Name"].as_str().unwrap());
                // An action with a role of this stack performs it with
                // that role; a role of another account is that account's.
                let actor = match a.get("RoleArn") {
                    None => pipeline_role.clone(),
                    Some(arn) if arn.get("Fn::GetAtt").is_some() => named(arn, stack).unwrap(),
                    Some(_) => continue,
                };
                let config = &a["Configuration"];
                let outputs = a["OutputArtifacts"].as_array().map_or(0, Vec::len);
                match a["ActionTypeId"]["Provider"].as_str().unwrap() {
                    "CodeBuild" => {
                        for action in ["codebuild:StartBuild", "codebuild:BatchGetBuilds"] {
                            out.push((actor.clone(), action, name.clone()));
                        }
                        let project = named(&config["ProjectName"], stack).unwrap();
                        let role = project_roles[&project].clone();
                        out.push((role.clone(), "s3:GetObject", name.clone()));
                        if outputs > 0 {
                            out.push((role, "s3:PutObject", name.clone()));
                        }
                    }
                    "CodeStarSourceConnection" => {
                        out.push((actor.clone(), "codeconnections:UseConnection", name.clone()));
                        out.push((actor.clone(), "s3:PutObjectAcl", name.clone()));
                        if config["OutputArtifactFormat"] == "CODEBUILD_CLONE_REF" {
                            // Whoever reads the reference clones through
                            // the connection.
                            let artifact = &a["OutputArtifacts"][0]["Name"];
                            for reader in &actions {
                                let reads = reader["InputArtifacts"]
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .any(|i| i["Name"] == *artifact);
                                if reads && reader["ActionTypeId"]["Provider"] == "CodeBuild" {
                                    let project =
                                        named(&reader["Configuration"]["ProjectName"], stack)
                                            .unwrap();
                                    out.push((
                                        project_roles[&project].clone(),
                                        "codeconnections:UseConnection",
                                        format!("{name} clone"),
                                    ));
                                }
                            }
                        }
                    }
                    "Manual" if config.get("NotificationArn").is_some() => {
                        out.push((actor.clone(), "sns:Publish", name.clone()));
                    }
                    "CloudFormation" => {
                        let mode = config["ActionMode"].as_str().unwrap();
                        let needed: &[&str] = match mode {
                            "CHANGE_SET_REPLACE" => &[
                                "cloudformation:CreateChangeSet",
                                "cloudformation:DescribeChangeSet",
                            ],
                            "CHANGE_SET_EXECUTE" => &["cloudformation:ExecuteChangeSet"],
                            _ => &["cloudformation:CreateStack", "cloudformation:UpdateStack"],
                        };
                        for action in needed {
                            out.push((actor.clone(), action, name.clone()));
                        }
                        if config.get("RoleArn").is_some() && mode != "CHANGE_SET_EXECUTE" {
                            out.push((actor.clone(), "iam:PassRole", name.clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

#[test]
fn every_need_of_the_committed_templates_and_their_builds_is_granted() {
    let templates = committed();
    let allowed = allowed(&templates);
    let none = IndexSet::new();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (principal, action, why) in needs(&templates) {
        checked += 1;
        if !allows(allowed.get(&principal).unwrap_or(&none), action) {
            missing.push(format!("{principal} needs {action} for {why}"));
        }
    }
    // What each build runs with the AWS CLI, read from its buildspec.
    for (stack, permissions) in pipewright_app::app().permissions() {
        for call in &permissions.calls {
            checked += 1;
            let principal = format!("{stack}/{}", call.role);
            if !allows(allowed.get(&principal).unwrap_or(&none), &call.call.action) {
                missing.push(format!(
                    "{principal} needs {} for `{}` of {}",
                    call.call.action, call.call.command, call.project
                ));
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new());
    // The rules above cover every role of the app's pipelines and builds.
    assert!(checked >= 100, "{checked} needs checked");
}

/// The rules of the test above can fail: a pipeline role without
/// `StartBuild` and `BatchGetBuilds` on its project is found.
#[test]
fn a_missing_need_is_found() {
    let mut templates = committed();
    let t = templates.get_mut("image-pipeline").unwrap();
    let role = &mut t["Resources"]["PipelineRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let statements = role.as_array_mut().unwrap();
    statements.retain(|s| !s.to_string().contains("codebuild:StartBuild"));
    // (`BatchGetBuilds` is granted in the same statement.)
    let allowed = allowed(&templates);
    let missing: Vec<_> = needs(&templates)
        .into_iter()
        .filter(|(p, a, _)| !allows(&allowed[p], a))
        .map(|(p, a, why)| format!("{p} needs {a} for {why}"))
        .collect();
    assert_eq!(
        missing,
        [
            "image-pipeline/PipelineRole needs codebuild:StartBuild for image-pipeline/Pipeline/Build",
            "image-pipeline/PipelineRole needs codebuild:BatchGetBuilds for image-pipeline/Pipeline/Build",
        ]
    );
}

/// A grant inside `Stack::for_need` carries the innermost need, including
/// those of the `grant_*` methods it calls; outside any need it is a hand
/// grant.
#[test]
fn grants_carry_the_innermost_need_or_are_by_hand() {
    use pipewright::iam::{Role, Statement};
    use pipewright::{Stack, ecr};
    let mut stack = Stack::new("needs");
    let role = stack.add(Role::new("Role", "codebuild.amazonaws.com"));
    let repo = stack.add(ecr::Repository::new("Repo"));
    let outer = Need::feature("outer", "https://docs.aws.amazon.com/outer.html");
    let inner = Need::feature("inner", ecr::PULL_DOC);
    stack.for_need(outer.clone(), |stack| {
        stack.grant(
            &role,
            Statement::allow(["sts:GetCallerIdentity"]).resource("*"),
        );
        stack.for_need(inner.clone(), |stack| repo.grant_pull(stack, &role));
        stack.grant(&role, Statement::allow(["sts:TagSession"]).resource("*"));
    });
    repo.grant_push(&mut stack, &role);
    let needs: Vec<(String, Need)> = stack
        .grants()
        .iter()
        .map(|g| (g.statement().actions()[0].clone(), g.need().clone()))
        .collect();
    assert_eq!(
        needs,
        [
            ("sts:GetCallerIdentity".to_owned(), outer.clone()),
            ("ecr:BatchCheckLayerAvailability".to_owned(), inner.clone()),
            ("ecr:GetAuthorizationToken".to_owned(), inner),
            ("sts:TagSession".to_owned(), outer),
            ("ecr:BatchCheckLayerAvailability".to_owned(), Need::Hand),
            ("ecr:GetAuthorizationToken".to_owned(), Need::Hand),
        ]
    );
}

//! Checks synth runs on every stack and template: names, references,
//! CloudFormation's limits, and rules such as "a NoEcho parameter has no
//! Default". Each check adds problems; none stops at the first.

use crate::construct::Stack;
use crate::error::{Problem, ProblemKind};
use crate::suggest;
use crate::template::{Expr, Pseudo, Template, sub_references};

/// The largest template CloudFormation accepts at all: through
/// `TemplateURL`, an object in S3
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>).
pub const MAX_BODY_BYTES: usize = 1_048_576;
/// Resources per template.
pub const MAX_RESOURCES: usize = 500;
/// Parameters per template.
pub const MAX_PARAMETERS: usize = 200;
/// Outputs per template.
pub const MAX_OUTPUTS: usize = 200;
/// Mappings per template.
pub const MAX_MAPPINGS: usize = 200;

/// Whether CloudFormation takes `name` as a stack name: a letter, then
/// letters, digits and dashes, 128 at most.
pub fn stack_name_ok(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks the stack's own settings: name, account, region, and the problems
/// its constructs reported.
pub(super) fn stack(s: &Stack, problems: &mut Vec<Problem>) {
    if !stack_name_ok(&s.name) {
        problems.push(Problem {
            path: s.name.clone(),
            kind: ProblemKind::StackName {
                name: s.name.clone(),
            },
        });
    }
    if let Some(a) = &s.env.account
        && !crate::construct::account_ok(a)
    {
        problems.push(Problem {
            path: s.name.clone(),
            kind: ProblemKind::Environment {
                what: "account",
                value: a.clone(),
                expected: "an AWS account ID is 12 digits",
            },
        });
    }
    if let Some(r) = &s.env.region
        && !crate::construct::region_ok(r)
    {
        problems.push(Problem {
            path: s.name.clone(),
            kind: ProblemKind::Environment {
                what: "region",
                value: r.clone(),
                expected: "a region looks like `eu-west-1`",
            },
        });
    }
    roles(s, problems);
    if let Some(spec) = &s.stack_set {
        crate::stack_set::validate(s, spec, problems);
    }
    problems.extend(s.problems.iter().cloned());
}

/// Checks how deploy reaches the stack: a deploy or execution role needs
/// the stack's account, is a role name or a role ARN in that account, and a
/// stack deployed with its own credentials has no deploy role.
fn roles(s: &Stack, problems: &mut Vec<Problem>) {
    let mut environment = |what: &'static str, value: &str, expected: &'static str| {
        problems.push(Problem {
            path: s.name.clone(),
            kind: ProblemKind::Environment {
                what,
                value: value.to_owned(),
                expected,
            },
        });
    };
    for (what, role) in [
        ("deploy role", &s.env.deploy_role),
        ("execution role", &s.env.execution_role),
    ] {
        let Some(role) = role else { continue };
        let Some(account) = &s.env.account else {
            environment(
                what,
                role,
                "a role is in an account: declare the stack's account with `Stack::account`",
            );
            continue;
        };
        match role.strip_prefix("arn:") {
            Some(rest) => {
                let fields: Vec<&str> = rest.splitn(5, ':').collect();
                let ok = fields.len() == 5
                    && fields[0].starts_with("aws")
                    && fields[1] == "iam"
                    && fields[3] == account.as_str()
                    && fields[4].strip_prefix("role/").is_some_and(role_name_ok);
                if !ok {
                    environment(
                        what,
                        role,
                        "a role ARN is `arn:aws:iam::ACCOUNT:role/NAME` in the stack's own account",
                    );
                }
            }
            None if !role_name_ok(role) => environment(
                what,
                role,
                "a role name is 1-64 letters, digits and `+=,.@_-`",
            ),
            None => {}
        }
    }
    if s.env.own_credentials
        && let Some(role) = &s.env.deploy_role
    {
        environment(
            "deploy role",
            role,
            "a stack deployed with its own credentials is reached through no role: drop one of the two",
        );
    }
}

/// Whether `name` is a valid IAM role name, optionally after a path
/// (`team/ci/deploy`).
fn role_name_ok(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    (1..=64).contains(&last.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

/// The construct paths of a template's items, in template order.
#[derive(Default)]
pub(super) struct Paths {
    pub parameters: Vec<String>,
    pub resources: Vec<String>,
    pub conditions: Vec<String>,
    pub outputs: Vec<String>,
}

/// Checks a built template: references, limits, NoEcho defaults. `paths`
/// are the construct paths of the template's items; `s` still holds the
/// items refused for their ID, whose references are checked too.
pub(super) fn template(t: &Template, paths: &Paths, s: &Stack, problems: &mut Vec<Problem>) {
    let limits = [
        ("resources", t.resources.len(), MAX_RESOURCES),
        ("parameters", t.parameters.len(), MAX_PARAMETERS),
        ("outputs", t.outputs.len(), MAX_OUTPUTS),
        ("mappings", t.mappings.len(), MAX_MAPPINGS),
    ];
    for (what, count, max) in limits {
        if count > max {
            problems.push(Problem {
                path: s.name.clone(),
                kind: ProblemKind::Limit { what, count, max },
            });
        }
    }
    let parameters = t.parameters.iter().zip(&paths.parameters);
    for ((id, p), path) in parameters {
        if p.no_echo && p.default.is_some() {
            problems.push(Problem {
                path: path.clone(),
                kind: ProblemKind::NoEchoDefault {
                    parameter: id.to_string(),
                },
            });
        }
    }

    // Every statement as IAM means it: actions that exist, on resources
    // they take, with conditions that fit their keys.
    for (id, kind) in
        crate::facts::iam::check_template(t, &crate::facts::policy_properties).problems
    {
        let path = t.resources.get_index_of(id.as_str());
        let path = path.and_then(|i| paths.resources.get(i)).unwrap_or(&s.name);
        problems.push(Problem {
            path: path.clone(),
            kind,
        });
    }

    // A transform (SAM, `AWS::LanguageExtensions`) or a resource kept
    // verbatim (a `Fn::ForEach` loop, a module) makes resources the
    // template does not list: references to them cannot be checked.
    if !t.transforms().is_empty() || t.verbatim.contains_key("Resources") {
        return;
    }
    let refs = Refs { t };
    let resources = t.resources.values().zip(&paths.resources);
    let refused = s.resources.iter().map(|i| (&i.value, &i.path));
    for (r, path) in resources.chain(refused) {
        let mut found = Vec::new();
        for v in r.properties.values().chain(r.metadata.values()) {
            refs.check(v, &mut found);
        }
        for d in &r.depends_on {
            if !t.resources.contains_key(d.as_str()) {
                found.push(refs.dangling("DependsOn", d, "a resource", Names::Resources));
            }
        }
        if let Some(c) = &r.condition {
            refs.condition("Condition", c, &mut found);
        }
        report(path, found, problems);
    }
    let outputs = t.outputs.values().zip(&paths.outputs);
    let refused = s.outputs.iter().map(|i| (&i.value, &i.path));
    for (o, path) in outputs.chain(refused) {
        let mut found = Vec::new();
        refs.check(&o.value, &mut found);
        if let Some(e) = &o.export {
            refs.check(e, &mut found);
        }
        if let Some(c) = &o.condition {
            refs.condition("Condition", c, &mut found);
        }
        report(path, found, problems);
    }
    let conditions = t.conditions.values().zip(&paths.conditions);
    let refused = s.conditions.iter().map(|i| (&i.value, &i.path));
    for (c, path) in conditions.chain(refused) {
        let mut found = Vec::new();
        refs.check(c, &mut found);
        report(path, found, problems);
    }
}

/// The references of `resource` that `t` cannot resolve (`Ref`,
/// `Fn::GetAtt`, `Fn::Sub` names and `DependsOn` of a resource or parameter
/// `t` lacks), as problems: what a resource import must not leave, since
/// an IMPORT change set takes only the resources it imports.
pub fn unresolved_references(
    t: &Template,
    resource: &crate::template::Resource,
) -> Vec<ProblemKind> {
    let refs = Refs { t };
    let mut found = Vec::new();
    for v in resource.properties.values() {
        refs.check(v, &mut found);
    }
    for d in &resource.depends_on {
        if !t.resources.contains_key(d.as_str()) {
            found.push(refs.dangling("DependsOn", d, "a resource", Names::Resources));
        }
    }
    found.dedup();
    found
}

fn report(path: &str, found: Vec<ProblemKind>, problems: &mut Vec<Problem>) {
    for kind in found {
        let problem = Problem {
            path: path.to_owned(),
            kind,
        };
        // The same missing name used twice in one item is one problem.
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    }
}

#[derive(Clone, Copy)]
enum Names {
    Referable,
    Resources,
    Conditions,
    Mappings,
}

struct Refs<'a> {
    t: &'a Template,
}

impl Refs<'_> {
    fn names(&self, which: Names) -> Vec<&str> {
        match which {
            Names::Referable => self
                .t
                .parameters
                .keys()
                .chain(self.t.resources.keys())
                .map(|k| k.as_str())
                .collect(),
            Names::Resources => self.t.resources.keys().map(|k| k.as_str()).collect(),
            Names::Conditions => self.t.conditions.keys().map(|k| k.as_str()).collect(),
            Names::Mappings => self.t.mappings.keys().map(|k| k.as_str()).collect(),
        }
    }

    fn dangling(
        &self,
        function: &'static str,
        target: &str,
        expected: &'static str,
        names: Names,
    ) -> ProblemKind {
        ProblemKind::Dangling {
            function,
            target: target.to_owned(),
            expected,
            suggestion: suggest::closest(target, self.names(names)).map(str::to_owned),
        }
    }

    /// Whether `name` is one of the resources a module resource (type
    /// `...::MODULE`) expands to: their logical IDs start with the
    /// module's.
    fn in_module(&self, name: &str) -> bool {
        self.t
            .resources
            .iter()
            .any(|(id, r)| r.kind.ends_with("::MODULE") && name.starts_with(id.as_str()))
    }

    fn referable(&self, function: &'static str, name: &str, found: &mut Vec<ProblemKind>) {
        if self.in_module(name) {
            return;
        }
        if name.starts_with("AWS::") {
            if Pseudo::from_name(name).is_none() {
                found.push(ProblemKind::UnknownPseudo {
                    name: name.to_owned(),
                    suggestion: suggest::closest(name, Pseudo::ALL.iter().map(|p| p.name()))
                        .map(str::to_owned),
                });
            }
        } else if !self.t.parameters.contains_key(name) && !self.t.resources.contains_key(name) {
            found.push(self.dangling(function, name, "a parameter or resource", Names::Referable));
        }
    }

    fn resource(&self, function: &'static str, name: &str, found: &mut Vec<ProblemKind>) {
        if !self.t.resources.contains_key(name) && !self.in_module(name) {
            found.push(self.dangling(function, name, "a resource", Names::Resources));
        }
    }

    fn condition(&self, function: &'static str, name: &str, found: &mut Vec<ProblemKind>) {
        if !self.t.conditions.contains_key(name) {
            found.push(self.dangling(function, name, "a condition", Names::Conditions));
        }
    }

    fn check(&self, e: &Expr, found: &mut Vec<ProblemKind>) {
        e.walk(&mut |e| match e {
            Expr::Ref(name) => self.referable("Ref", name, found),
            Expr::GetAtt { resource, .. } => self.resource("Fn::GetAtt", resource, found),
            Expr::Sub { template, vars } => {
                for name in sub_references(template) {
                    if vars.contains_key(name) {
                        continue;
                    }
                    match name.split_once('.') {
                        Some((resource, _)) if !name.starts_with("AWS::") => {
                            self.resource("Fn::Sub", resource, found)
                        }
                        _ => self.referable("Fn::Sub", name, found),
                    }
                }
            }
            Expr::If { condition, .. } => self.condition("Fn::If", condition, found),
            Expr::Condition(name) => self.condition("Condition", name, found),
            Expr::FindInMap { map, .. } if !self.t.mappings.contains_key(map.as_str()) => {
                found.push(self.dangling("Fn::FindInMap", map, "a mapping", Names::Mappings))
            }
            _ => {}
        });
    }
}

/// The repository hosts whose webhooks need the account's source
/// credential, as `Source.Type` names them; the credential's `ServerType`
/// names them the same way.
const CREDENTIAL_HOSTS: &[&str] = &["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"];

/// Checks that every CodeBuild project started by a GitHub or Bitbucket
/// webhook can reach its repository: CodeBuild creates the webhook with the
/// source credential of the project's account and region for that host
/// (one per host, account-wide), unless the project's source names its own
/// connection (`Source.Auth` of type `CODECONNECTIONS`). The stack that
/// provides the credential becomes a dependency of the project's stack, so
/// `deploy` creates it first (in the same stack, the project `DependsOn`
/// it); a project with no such stack in its account and region is a
/// problem, since deployed alone its webhook fails. Two credentials for one
/// host in one account and region are a problem too: the second replaces
/// the first.
///
/// Reference: [source credentials](https://docs.aws.amazon.com/codebuild/latest/userguide/access-tokens.html).
pub(super) fn source_credentials(
    stacks: &mut [Stack],
    deps: &mut [indexmap::IndexSet<usize>],
    problems: &mut Vec<Problem>,
) {
    let providers = credential_providers(stacks, problems);
    let env = |s: &Stack| (s.env.account.clone(), s.env.region.clone());
    for i in 0..stacks.len() {
        let mut first: Vec<(usize, String)> = Vec::new();
        for (r, item) in stacks[i].resources.iter().enumerate() {
            let Some(server) = webhook_host(&item.value) else {
                continue;
            };
            let found = providers
                .iter()
                .find(|(p, kind, _)| kind == server && env(&stacks[*p]) == env(&stacks[i]));
            match found {
                None => problems.push(Problem {
                    path: item.path.clone(),
                    kind: ProblemKind::MissingSourceCredential {
                        project: item.id.clone(),
                        stack: stacks[i].name.clone(),
                        server: server.to_owned(),
                        env: where_(&stacks[i]),
                    },
                }),
                Some((p, _, _)) if *p != i => {
                    deps[i].insert(*p);
                }
                Some((_, _, id)) => first.push((r, id.clone())),
            }
        }
        for (r, id) in first {
            let depends_on = &mut stacks[i].resources[r].value.depends_on;
            if !depends_on.contains(&id) {
                depends_on.push(id);
            }
        }
    }
}

/// Every source credential of the app: (its stack's index, its host, its
/// logical ID); a second one for a host, account and region is a problem.
fn credential_providers(
    stacks: &[Stack],
    problems: &mut Vec<Problem>,
) -> Vec<(usize, String, String)> {
    let mut providers: Vec<(usize, String, String)> = Vec::new();
    for (i, s) in stacks.iter().enumerate() {
        for item in &s.resources {
            let r = &item.value;
            let Some(server) = r
                .properties
                .get("ServerType")
                .and_then(Expr::as_str)
                .filter(|_| r.kind == "AWS::CodeBuild::SourceCredential")
            else {
                continue;
            };
            let same = |(p, kind, _): &&(usize, String, String)| {
                kind == server
                    && (&stacks[*p].env.account, &stacks[*p].env.region)
                        == (&s.env.account, &s.env.region)
            };
            if let Some((p, _, id)) = providers.iter().find(same) {
                problems.push(Problem {
                    path: item.path.clone(),
                    kind: ProblemKind::DuplicateSourceCredential {
                        first: format!("{}/{id}", stacks[*p].name),
                        second: format!("{}/{}", s.name, item.id),
                        server: server.to_owned(),
                        env: where_(s),
                    },
                });
                continue;
            }
            providers.push((i, server.to_owned(), item.id.clone()));
        }
    }
    providers
}

/// The repository host whose source credential a project needs: its
/// `Source.Type` when the project is started by a webhook of a host that
/// needs one and names no connection of its own.
fn webhook_host(r: &crate::template::Resource) -> Option<&str> {
    if r.kind != "AWS::CodeBuild::Project" {
        return None;
    }
    let webhook = r
        .properties
        .get("Triggers")
        .and_then(|t| t.at("Webhook"))
        .is_some_and(|w| *w == Expr::Bool(true));
    let source = r.properties.get("Source")?;
    let connection = source
        .at("Auth")
        .and_then(|a| a.at("Type"))
        .and_then(Expr::as_str)
        == Some("CODECONNECTIONS");
    let server = source.at("Type").and_then(Expr::as_str)?;
    (webhook && !connection && CREDENTIAL_HOSTS.contains(&server)).then_some(server)
}

/// Where a stack lives, for a message: `account 111111111111, region
/// us-east-1`, or the deploying credentials' where it names none.
fn where_(s: &Stack) -> String {
    match (&s.env.account, &s.env.region) {
        (Some(a), Some(r)) => format!("account {a}, region {r}"),
        (Some(a), None) => format!("account {a}, the deploying region"),
        (None, Some(r)) => format!("the deploying account, region {r}"),
        (None, None) => "the deploying account and region".to_owned(),
    }
}

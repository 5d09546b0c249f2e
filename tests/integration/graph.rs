//! `pipewright graph`: the picture of a focused app (raw resources, so it
//! does not move with the constructs) snapshotted in both languages, each
//! read back by a real parser (pydot; Mermaid's own, under Node.js) and
//! the Mermaid also by the statement shapes the renderer may write; the
//! command line; the README's diagram.

use crate::support::transcript::{Run, assert_transcript};
use crate::support::{repo, text, tool};
use pipewright::graph::{Flow, Format, Graph, Node, TouchedKind};
use pipewright::template::{Expr, Output, Resource};
use pipewright::{App, Stack};
use regex::Regex;

/// Two stacks in one account and region (the pipeline imports the
/// project), one in another; names with quotes, brackets and `#`.
fn app() -> App {
    let mut ci = Stack::new("ci").account("111111111111").region("eu-west-1");
    let repo = ci.add_resource("Repo", Resource::new("AWS::ECR::Repository"));
    let project = ci.add_resource(
        "Image",
        Resource::new("AWS::CodeBuild::Project").property(
            "Environment",
            Expr::map([(
                "EnvironmentVariables",
                Expr::list([Expr::map([
                    ("Name", Expr::from("REPOSITORY_URI")),
                    ("Value", repo.get_att("RepositoryUri")),
                ])]),
            )]),
        ),
    );
    ci.add_output("ImageProject", Output::new(project.reference()));

    let mut cd = Stack::new("cd").account("111111111111").region("eu-west-1");
    let topic = cd.add_resource("Approvals", Resource::new("AWS::SNS::Topic"));
    let stages = Expr::list([
        stage(
            "Source",
            [
                action("Source", "Source", "CodeStarSourceConnection")
                    .config([
                        ("FullRepositoryId", Expr::from("acme/web")),
                        ("BranchName", Expr::from("release/\"1.0\"")),
                    ])
                    .outputs(["SourceOutput"])
                    .namespace("SourceVariables"),
                action("Base", "Source", "ECR")
                    .config([
                        ("RepositoryName", Expr::from("base-images")),
                        ("ImageTag", Expr::from("latest")),
                    ])
                    .outputs(["BaseImage"]),
            ],
        ),
        stage(
            "Build",
            [action("Image", "Build", "CodeBuild")
                .config([
                    ("ProjectName", project.reference()),
                    (
                        "EnvironmentVariables",
                        Expr::from(
                            r##"[{"name":"COMMIT","value":"#{SourceVariables.CommitId}","type":"PLAINTEXT"}]"##,
                        ),
                    ),
                ])
                .inputs(["SourceOutput", "BaseImage"])
                .outputs(["BuildOutput"])
                .namespace("Build")],
        ),
        stage(
            "Approve [prod]",
            [action("Approve", "Approval", "Manual").config([
                ("NotificationArn", topic.reference()),
                (
                    "CustomData",
                    Expr::from("Deploy #{Build.IMAGE_TAG} of #{SourceVariables.CommitId}?"),
                ),
            ])],
        ),
        stage(
            "Deploy",
            [action("Deploy \"prod\" #1", "Deploy", "CloudFormation")
                .config([
                    ("StackName", Expr::from("web-production")),
                    (
                        "ParameterOverrides",
                        Expr::sub(
                            r##"{"Tag": "#{Build.IMAGE_TAG}", "Region": "${AWS::Region}"}"##,
                        ),
                    ),
                ])
                .inputs(["BuildOutput"])],
        ),
    ]);
    cd.add_resource(
        "Pipeline",
        Resource::new("AWS::CodePipeline::Pipeline")
            .property("Name", "web <release> & more")
            .property("Stages", stages),
    );

    let prod = Stack::new("web-production")
        .account("222222222222")
        .region("eu-west-1");
    App::new().stack(ci).stack(cd).stack(prod)
}

/// A pipeline action as the template writes it.
struct ActionDoc(Vec<(&'static str, Expr)>);

fn action(name: &str, category: &str, provider: &str) -> ActionDoc {
    let owner = if provider == "GitHub" {
        "ThirdParty"
    } else {
        "AWS"
    };
    ActionDoc(vec![
        ("Name", Expr::from(name)),
        (
            "ActionTypeId",
            Expr::map([
                ("Category", Expr::from(category)),
                ("Owner", Expr::from(owner)),
                ("Provider", Expr::from(provider)),
                ("Version", Expr::from("1")),
            ]),
        ),
    ])
}

impl ActionDoc {
    fn config<const N: usize>(mut self, pairs: [(&str, Expr); N]) -> Self {
        self.0.push(("Configuration", Expr::map(pairs)));
        self
    }

    fn artifacts(names: &[&str]) -> Expr {
        Expr::list(names.iter().map(|n| Expr::map([("Name", Expr::from(*n))])))
    }

    fn inputs<const N: usize>(mut self, names: [&str; N]) -> Self {
        self.0.push(("InputArtifacts", Self::artifacts(&names)));
        self
    }

    fn outputs<const N: usize>(mut self, names: [&str; N]) -> Self {
        self.0.push(("OutputArtifacts", Self::artifacts(&names)));
        self
    }

    fn namespace(mut self, namespace: &str) -> Self {
        self.0.push(("Namespace", Expr::from(namespace)));
        self
    }
}

fn stage<const N: usize>(name: &str, actions: [ActionDoc; N]) -> Expr {
    Expr::map([
        ("Name", Expr::from(name)),
        (
            "Actions",
            Expr::list(actions.into_iter().map(|a| Expr::map(a.0))),
        ),
    ])
}

fn graph() -> Graph {
    let assembly = app().synth().unwrap();
    let names: Vec<String> = assembly.stacks.iter().map(|s| s.name.clone()).collect();
    Graph::new(&assembly, &names)
}

#[test]
fn the_model_follows_references_artifacts_and_variables() {
    let graph = graph();
    assert_eq!(graph.stacks[1].dependencies, ["ci"]);
    let p = &graph.pipelines[0];
    assert_eq!(p.title(), "cd: web <release> & more");
    let names: Vec<(TouchedKind, &str, Option<&str>)> = p
        .resources
        .iter()
        .map(|r| (r.kind, r.name.as_str(), r.stack.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            (TouchedKind::SourceRepository, "acme/web", None),
            (TouchedKind::ImageRepository, "base-images", None),
            (TouchedKind::Project, "Image", Some("ci")),
            (TouchedKind::ImageRepository, "Repo", Some("ci")),
            (TouchedKind::Topic, "Approvals", None),
            (TouchedKind::Stack, "web-production", None),
        ]
    );
    let vars = |from: Node, to: Node| {
        p.edges.iter().find_map(|e| match &e.flow {
            Flow::Variables(v) if e.from == from && e.to == to => Some(v.clone()),
            _ => None,
        })
    };
    // Inside the JSON of EnvironmentVariables, in CustomData, in a !Sub.
    assert_eq!(
        vars(Node::Action(0, 0), Node::Action(1, 0)).unwrap(),
        ["CommitId"]
    );
    assert_eq!(
        vars(Node::Action(1, 0), Node::Action(2, 0)).unwrap(),
        ["IMAGE_TAG"]
    );
    assert_eq!(
        vars(Node::Action(0, 0), Node::Action(2, 0)).unwrap(),
        ["CommitId"]
    );
    assert_eq!(
        vars(Node::Action(1, 0), Node::Action(3, 0)).unwrap(),
        ["IMAGE_TAG"]
    );
    let artifacts: Vec<(Node, Node, &str)> = p
        .edges
        .iter()
        .filter_map(|e| match &e.flow {
            Flow::Artifact(a) => Some((e.from, e.to, a.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        artifacts,
        [
            (Node::Action(0, 0), Node::Action(1, 0), "SourceOutput"),
            (Node::Action(0, 1), Node::Action(1, 0), "BaseImage"),
            (Node::Action(1, 0), Node::Action(3, 0), "BuildOutput"),
        ]
    );
}

#[test]
fn mermaid_snapshot() {
    let text = graph().render(Format::Mermaid);
    check_mermaid(&text);
    insta::assert_snapshot!(text);
}

#[test]
fn dot_snapshot() {
    let text = graph().render(Format::Dot);
    check_dot(&text, 10);
    insta::assert_snapshot!(text);
}

#[test]
fn only_the_named_stacks_are_drawn() {
    let assembly = app().synth().unwrap();
    let graph = Graph::new(&assembly, &["cd".to_owned()]);
    assert_eq!(graph.stacks.len(), 1);
    assert!(graph.stacks[0].dependencies.is_empty(), "ci is not drawn");
    // The project is still read from the stack that exports it.
    assert!(
        graph.pipelines[0]
            .resources
            .iter()
            .any(|r| r.name == "Repo")
    );
    assert!(
        Graph::new(&assembly, &["ci".to_owned()])
            .pipelines
            .is_empty()
    );
}

#[test]
fn the_app_draws_as_mermaid_and_dot() {
    let ran = Run::new(&["graph"]).dir(&repo()).output();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(ran.stderr, "");
    check_mermaid(&ran.stdout);
    let pipelines = ran.stdout.matches("CodeBuild project").count();
    assert!(pipelines >= 6, "{}", ran.stdout);

    let ran = Run::new(&[
        "graph",
        "--format",
        "dot",
        "eks-common",
        "app-*",
        "build-once-pipeline",
    ])
    .dir(&repo())
    .output();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.starts_with("digraph pipewright {\n"));
    assert!(ran.stdout.contains("label=\"app-cd: StagingPipeline\""));
    assert!(!ran.stdout.contains("make-pipeline"));
    check_dot(&ran.stdout, 20);
}

#[test]
fn graph_unknown_stack() {
    let ran = Run::new(&["graph", "make-pipline"]).dir(&repo()).output();
    assert_transcript!(ran);
}

#[test]
fn the_readme_diagram_is_the_commands_output() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split_once("```mermaid\n")
        .and_then(|(_, rest)| rest.split_once("```\n"))
        .map(|(block, _)| block)
        .expect("README.md has a ```mermaid block");
    let ran = Run::new(&["graph", "build-once-pipeline"])
        .dir(&repo())
        .output();
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(
        block, ran.stdout,
        "README.md's diagram is stale: paste `cargo run -- graph build-once-pipeline`"
    );
}

#[test]
#[should_panic(expected = "does not parse")]
fn mermaid_itself_catches_an_open_subgraph() {
    mermaid_parse("flowchart LR\n  subgraph x [\"a\"]\n  a[\"b\"]\n");
}

#[test]
#[should_panic(expected = "not a statement the renderer writes")]
fn the_mermaid_check_catches_a_leaked_quote() {
    check_mermaid("flowchart LR\n  p1s1a1[\"say \"hi\"\"]\n");
}

#[test]
#[should_panic(expected = "does not parse")]
fn the_dot_check_catches_a_leaked_quote() {
    check_dot("digraph g {\n  a [label=\"say \"hi\"\"];\n}\n", 1);
}

/// Every line is a statement the renderer writes (so a label that leaks a
/// quote, bracket or newline breaks the shape), subgraphs balance, and
/// every edge joins declared nodes.
fn check_mermaid(text: &str) {
    let label = r#""[^"\n]*""#;
    let id = r"[a-z][a-z0-9]*";
    let shapes = [
        format!(r"\[{label}\]"),
        format!(r"\(\[{label}\]\)"),
        format!(r"\[\({label}\)\]"),
        format!(r"\[/{label}/\]"),
        format!(r"\{{\{{{label}\}}\}}"),
        format!(r"\[\[{label}\]\]"),
    ]
    .join("|");
    let node = Regex::new(&format!(r"^ *({id})(?:{shapes})$")).unwrap();
    let subgraph = Regex::new(&format!(r"^ *subgraph ({id}) \[{label}\]$")).unwrap();
    let edge = Regex::new(&format!(
        r"^ *({id}) (?:-->|-->\|{label}\||-\.->\|{label}\||~~~) ({id})$"
    ))
    .unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut declared = std::collections::BTreeSet::new();
    let (mut depth, mut counts) = (0, [0, 0, 0]);
    for line in lines {
        if let Some(c) = subgraph.captures(line) {
            assert!(declared.insert(c[1].to_owned()), "{line}");
            depth += 1;
            counts[1] += 1;
        } else if line.trim() == "end" {
            depth -= 1;
            assert!(depth >= 0, "unbalanced `end`");
        } else if let Some(c) = node.captures(line) {
            assert!(declared.insert(c[1].to_owned()), "declared twice: {line}");
            counts[0] += 1;
        } else if let Some(c) = edge.captures(line) {
            for n in [&c[1], &c[2]] {
                assert!(declared.contains(n), "undeclared node in: {line}");
            }
            counts[2] += 1;
        } else {
            panic!("not a statement the renderer writes: {line:?}\n{text}");
        }
    }
    assert_eq!(depth, 0, "unbalanced subgraphs");
    assert_eq!(
        mermaid_parse(text),
        counts,
        "Mermaid reads what was written"
    );
}

/// Mermaid's own parser (`tests/mermaid`, installed by scripts/test): the
/// nodes, subgraphs and edges it reads from `text`.
fn mermaid_parse(text: &str) -> [usize; 3] {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.mmd");
    std::fs::write(&file, text).unwrap();
    let script = repo().join("tests/mermaid/check.mjs");
    let out = tool("node", &[script.to_str().unwrap(), file.to_str().unwrap()]);
    let (stdout, stderr) = self::text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}\n{text}");
    ["node ", "subgraph ", "edge "]
        .map(|kind| stdout.lines().filter(|l| l.starts_with(kind)).count())
}

/// Graphviz's grammar, through pydot (pinned in tests/requirements.txt):
/// the text parses, as one digraph with at least `nodes` nodes, with only
/// the attributes the renderer writes (`support/dot_check.py`).
fn check_dot(dot: &str, nodes: usize) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.dot");
    std::fs::write(&file, dot).unwrap();
    let script = repo().join("tests/integration/support/dot_check.py");
    let out = tool(
        "python3",
        &[script.to_str().unwrap(), file.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}\n{dot}");
    let (kind, count) = stdout.trim().split_once(' ').unwrap();
    assert_eq!(kind, "digraph");
    assert!(count.parse::<usize>().unwrap() >= nodes, "{stdout}");
}

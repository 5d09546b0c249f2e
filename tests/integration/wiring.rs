//! Typed wiring between a pipeline's actions: artifacts and variables are
//! values, and synth checks the order and what each action publishes.

use pipewright::buildspec::{BuildSpec, DockerBuild};
use pipewright::codebuild::{Project, ProjectRef};
use pipewright::codepipeline::{
    Action, Artifact, ConnectionSource, ManualApproval, Namespace, Pipeline, Stage,
};
use pipewright::template::{Expr, Parameter};
use pipewright::{App, Error, Stack, ecr, s3};
use serde_json::Value;

fn problems(stack: Stack) -> Vec<String> {
    match App::new().stack(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

fn source(code: &Artifact) -> Action {
    Action::connection(
        "Source",
        ConnectionSource {
            connection_arn: Expr::sub(
                "arn:${AWS::Partition}:codeconnections:${AWS::Region}:${AWS::AccountId}:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab",
            ),
            repository: "octo/app".into(),
            branch: "main".into(),
        },
    )
    .output(code)
}

/// A stack with a build that exports `IMAGE_TAG`, and a pipeline made by
/// `stages` from the source artifact and the build's project.
fn stack(stages: impl FnOnce(Pipeline, &Artifact, &ProjectRef) -> Pipeline) -> Stack {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let project = s.add(Project::new(
        "Build",
        BuildSpec::new().exported(["IMAGE_TAG"]).build(["make"]),
    ));
    let code = Artifact::new("Code");
    let pipeline = Pipeline::new("Pipeline")
        .artifact_store(&bucket)
        .stage(Stage::new("Source").action(source(&code)));
    s.add(stages(pipeline, &code, &project));
    s
}

#[test]
fn a_variable_the_build_does_not_export_is_an_error() {
    let s = stack(|p, code, build| {
        let built = Namespace::new("Built");
        p.stage(
            Stage::new("Build").action(Action::build("Build", build).input(code).namespace(&built)),
        )
        .stage(
            Stage::new("Test").action(
                Action::test("Test", build)
                    .input(code)
                    .variable("TAG", built.var("IMAGE_TAG"))
                    .variable("URI", built.var("IMAGE_URI")),
            ),
        )
    });
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: action `Test` reads `#{Built.IMAGE_URI}`, which action `Build` does not publish (it publishes `IMAGE_TAG`): add it to the buildspec's `env.exported-variables` (`BuildSpec::exported`)"
        ]
    );
}

#[test]
fn a_source_variable_that_does_not_exist_is_an_error() {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let project = s.add(Project::new("Build", BuildSpec::new().build(["make"])));
    let code = Artifact::new("Code");
    let commit = Namespace::new("SourceVariables");
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(Stage::new("Source").action(source(&code).namespace(&commit)))
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &project)
                        .input(&code)
                        .variable("COMMIT", commit.var("CommitId"))
                        .variable("SHA", commit.var("CommitSha")),
                ),
            ),
    );
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: action `Build` reads `#{SourceVariables.CommitSha}`, which action `Source` does not publish (it publishes `AuthorDate`, `BranchName`, `CommitId`, `CommitMessage`, `ConnectionArn`, `FullRepositoryName`): read one of the variables it publishes"
        ]
    );
}

#[test]
fn a_variable_of_no_namespace_or_read_too_early_is_an_error() {
    let s = stack(|p, code, build| {
        let built = Namespace::new("Built");
        p.stage(
            Stage::new("Build")
                .action(
                    Action::test("Check", build)
                        .input(code)
                        .variable("TAG", built.var("IMAGE_TAG")),
                )
                .action(Action::build("Build", build).input(code).namespace(&built)),
        )
        .stage(Stage::new("Approve").action(Action::approval(
            "Approve",
            ManualApproval::new().message(format!(
                "release {} ({})?",
                Namespace::new("Bulit").var("IMAGE_TAG"),
                pipewright::codepipeline::artifact::execution_id()
            )),
        )))
    });
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: action `Check` reads `#{Built.IMAGE_TAG}` before action `Build` publishes it: move `Check` to a later stage, or after `Build` in its stage with `Action::run_order`",
            "app/Pipeline: action `Approve` reads `#{Bulit.IMAGE_TAG}`, but no action of the pipeline publishes namespace `Bulit` (did you mean `Built`?)",
            "app/Pipeline: approval action `Approve` names no approvers: add an `iam::Group` with `ManualApproval::approvers`, so that someone may approve it and nobody else",
        ]
    );
}

#[test]
fn an_artifact_read_before_it_is_produced_or_never_read_is_an_error() {
    let s = stack(|p, code, build| {
        let image = Artifact::new("Image");
        let unused = Artifact::new("Report");
        p.stage(
            Stage::new("Build")
                .action(Action::build("Build", build).input(code).output(&unused))
                .action(Action::test("Test", build).input(&image)),
        )
        .stage(Stage::new("Push").action(Action::build("Push", build).input(code).output(&image)))
    });
    assert_eq!(
        problems(s),
        [
            "app/Pipeline: stage `Build`: action `Test` reads artifact `Image`, which no earlier stage produces",
            "app/Pipeline: action `Build` produces artifact `Report`, which no later action reads: read it with `Action::input` or remove the output",
        ]
    );
}

#[test]
fn typed_values_in_action_variables_become_a_sub() {
    let mut s = Stack::new("app");
    let bucket = s.add(s3::Bucket::new("Artifacts"));
    let repo = s.add(ecr::Repository::new("Repository").name("octo/app"));
    let owner = s.add_parameter("Owner", Parameter::string());
    let project = s.add(Project::docker("Build", &repo, DockerBuild::new()));
    let code = Artifact::new("Code");
    let built = Namespace::new("Built");
    s.add(
        Pipeline::new("Pipeline")
            .artifact_store(&bucket)
            .stage(Stage::new("Source").action(source(&code)))
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &project)
                        .input(&code)
                        .namespace(&built)
                        .variable("OWNER", Expr::concat([owner, "/${literal}".into()]))
                        .variable("REPOSITORY", repo.uri())
                        .variable("RUN", pipewright::codepipeline::artifact::execution_id()),
                ),
            )
            .stage(
                Stage::new("Use").action(
                    Action::test("Use", &project)
                        .input(&code)
                        .variable("TAG", built.var("IMAGE_TAG")),
                ),
            ),
    );
    let assembly = App::new().stack(s).synth().expect("synth");
    let template = pipewright::template::json::to_value(&assembly.stacks[0].template);
    let config = &template["Resources"]["Pipeline"]["Properties"]["Stages"][1]["Actions"][0]["Configuration"]
        ["EnvironmentVariables"];
    assert_eq!(
        config["Fn::Sub"],
        r##"[{"name":"OWNER","value":"${Owner}/${!literal}","type":"PLAINTEXT"},{"name":"REPOSITORY","value":"${Repository.RepositoryUri}","type":"PLAINTEXT"},{"name":"RUN","value":"#{codepipeline.PipelineExecutionId}","type":"PLAINTEXT"}]"##
    );
    // The docker project is wired to its repository: the URI, privileged
    // mode, and push on exactly that repository.
    let build = &template["Resources"]["Build"]["Properties"];
    assert_eq!(build["Environment"]["PrivilegedMode"], true);
    assert_eq!(
        build["Environment"]["EnvironmentVariables"][0],
        serde_json::json!({"Name": "REPOSITORY_URI", "Type": "PLAINTEXT", "Value": {"Fn::GetAtt": ["Repository", "RepositoryUri"]}})
    );
    let statements = template["Resources"]["BuildRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .as_array()
        .unwrap()
        .clone();
    assert!(statements.iter().any(|s| {
        s["Action"]
            .as_array()
            .is_some_and(|a| a.contains(&Value::from("ecr:PutImage")))
            && s["Resource"] == serde_json::json!([{"Fn::GetAtt": ["Repository", "Arn"]}])
    }));
}

#[test]
fn a_buildspec_command_its_role_may_not_run_is_an_error() {
    let mut s = Stack::new("app");
    let repo = s.add(ecr::Repository::new("Repository").name("octo/app"));
    let spec = BuildSpec::new()
        .pre_build([pipewright::buildspec::steps::ecr_login_for(
            "REPOSITORY_URI",
        )])
        .post_build([pipewright::buildspec::steps::unless_image_exists(
            "REPOSITORY_URI",
            "IMAGE_TAG",
            r#"docker push "$REPOSITORY_URI:$IMAGE_TAG""#,
        )]);
    let project = s.add(
        Project::new("Build", spec)
            .privileged()
            .variable("REPOSITORY_URI", repo.uri()),
    );
    // Log in is granted with push; `describe-images` is not.
    repo.grant_push(&mut s, project.role());
    assert_eq!(
        problems(s),
        [
            r#"app/Build: project `Build` runs `aws ecr describe-images` in `post_build`, but its role `BuildRole` is not allowed `ecr:DescribeImages`: grant it with `stack.grant(project.role(), Statement::allow(["ecr:DescribeImages"]).resource(...))` on exactly the resources the command uses"#
        ]
    );
}

#[test]
fn a_grant_made_in_another_stack_allows_the_command() {
    let mut ci = Stack::new("ci");
    let project = ci.add(Project::new(
        "Build",
        BuildSpec::new().build(["aws sts get-caller-identity"]),
    ));
    let mut cd = Stack::new("cd");
    cd.grant(
        project.role(),
        pipewright::iam::Statement::allow(["sts:GetCallerIdentity"]).resource("*"),
    );
    // Allowed by cd's grant; without it, synth reports the call (the test
    // above).
    App::new()
        .stack(ci)
        .stack(cd)
        .synth()
        .expect("the call is allowed by a grant of another stack");
}

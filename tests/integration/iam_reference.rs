//! Policies that IAM accepts as meant (issue #19, part 3): every action
//! pipewright writes exists in IAM's service authorization reference, its
//! resource fits one of the action's resource types, and condition
//! operators fit their keys. Synth checks each template it makes; these
//! tests check the committed ones and prove the check can fail.

use super::support::repo;
use pipewright::facts::iam::check_template;
use pipewright::iam::{Role, Statement};
use pipewright::template::{Expr, reader};
use pipewright::{App, Error, Stack, codestar};

fn problems(stack: Stack) -> Vec<String> {
    match App::new().stack(stack).synth() {
        Err(Error::Synth(p)) => p.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("synth succeeded"),
    }
}

/// Every statement of every committed template: the actions exist, each
/// fits a resource of its statement (resources pipewright cannot read, such
/// as a parameter's value, are accepted), and condition operators fit.
#[test]
fn every_committed_statement_is_one_iam_accepts_as_meant() {
    let mut checked = 0;
    let mut actions = 0;
    for entry in std::fs::read_dir(repo().join("stacks")).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read_to_string(&path).unwrap();
        let template = reader::parse(&body).unwrap();
        let findings = check_template(&template, &pipewright::facts::policy_properties);
        assert_eq!(findings.problems, [], "{}", path.display());
        assert!(findings.uncovered.is_empty(), "{:?}", findings.uncovered);
        assert!(
            findings.unknown_keys.is_empty(),
            "{:?}",
            findings.unknown_keys
        );
        checked += findings.statements;
        actions += findings.actions;
    }
    assert!(
        checked > 100 && actions > 300,
        "{checked} statements, {actions} actions"
    );
}

/// The oracle: the check finds each kind of fault in a template read from
/// text, as it would in a committed one.
#[test]
fn the_check_finds_each_kind_of_fault() {
    let body = r#"
Resources:
  Connection:
    Type: AWS::CodeStarConnections::Connection
    Properties:
      ConnectionName: github
  Worker:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: codebuild.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: grants
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [ecr:PutImages]
                Resource: [!Sub 'arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/app']
              - Effect: Allow
                Action: [codeconnections:UseConnection, codestar-connections:UseConnection]
                Resource: [!Ref Connection]
              - Effect: Allow
                Action: [iam:PassRole]
                Resource: [!GetAtt Worker.Arn]
                Condition:
                  StringEquals:
                    aws:SourceArn: arn:aws:codebuild:us-east-1:111111111111:project/app
"#;
    let findings = check_template(
        &reader::parse(body).unwrap(),
        &pipewright::facts::policy_properties,
    );
    let messages: Vec<String> = findings
        .problems
        .iter()
        .map(|(id, p)| format!("{id}: {p}"))
        .collect();
    assert_eq!(
        messages,
        [
            "Worker: action `ecr:PutImages` does not exist in IAM (did you mean `ecr:PutImage`?)",
            "Worker: action `codeconnections:UseConnection` cannot apply to `!Ref Connection`: it takes `Connection` (`arn:${Partition}:codeconnections:${Region}:${Account}:connection/${ConnectionId}`)",
            "Worker: condition key `aws:SourceArn` is an ARN, which `StringEquals` does not compare as one: use `ArnEquals` or `ArnLike`",
        ]
    );
    assert_eq!(findings.statements, 4);
}

#[test]
fn an_unknown_iam_action_is_a_synth_problem() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(
        &role,
        Statement::allow(["ecr:BatchGetImages"]).resource(Expr::sub(
            "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/app",
        )),
    );
    assert_eq!(
        problems(s),
        [
            "app/Worker: action `ecr:BatchGetImages` does not exist in IAM (did you mean `ecr:BatchGetImage`?)"
        ]
    );
}

#[test]
fn an_arn_key_compared_with_string_equals_is_a_synth_problem() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    s.grant(
        &role,
        Statement::allow(["cloudformation:CreateChangeSet"])
            .resource(Expr::sub(
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/app/*",
            ))
            .condition(
                "StringEquals",
                "cloudformation:RoleArn",
                "arn:aws:iam::111111111111:role/exec",
            ),
    );
    assert_eq!(
        problems(s),
        [
            "app/Worker: condition key `cloudformation:RoleArn` is an ARN, which `StringEquals` does not compare as one: use `ArnEquals` or `ArnLike`"
        ]
    );
}

/// Before the fix, `ConnectionRef::grant_use` granted
/// `codeconnections:UseConnection` on the connection's own ARN, whose
/// service is `codestar-connections`: a grant that never matches.
#[test]
fn a_connection_of_the_stack_is_used_in_its_own_prefix() {
    let mut s = Stack::new("app");
    let role = s.add(Role::new("Worker", "codebuild.amazonaws.com"));
    let connection = s.add(codestar::Connection::new("Connection", "github"));
    connection.grant_use(&mut s, &role);
    let mut wrong = Stack::new("app");
    let role = wrong.add(Role::new("Worker", "codebuild.amazonaws.com"));
    let connection = wrong.add(codestar::Connection::new("Connection", "github"));
    wrong.grant(
        &role,
        Statement::allow(["codeconnections:UseConnection"]).resource(connection.arn()),
    );
    assert!(App::new().stack(s).synth().is_ok());
    assert_eq!(
        problems(wrong),
        [
            "app/Worker: action `codeconnections:UseConnection` cannot apply to `!Ref Connection`: it takes `Connection` (`arn:${Partition}:codeconnections:${Region}:${Account}:connection/${ConnectionId}`)"
        ]
    );
}

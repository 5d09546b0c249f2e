//! What pipewright can read of a buildspec's commands: the AWS CLI calls
//! (`aws <service> <operation>`) and the IAM action each one needs, so that
//! synth can check them against the role that runs the build.
//!
//! A command is read only where it is plain: `aws` in command position
//! (the start of a command, after `|`, `&&`, `||`, `;`, `$(`, `then`, `do`,
//! `else`), followed by a service and an operation in lowercase words.
//! Services whose CLI commands are customizations spanning several API
//! calls (`aws s3 cp`, `aws cloudformation deploy`) are not read, nor are
//! make targets and scripts. Reading stops after `aws sts assume-role`:
//! what follows runs with the assumed role's credentials, whose
//! permissions live with that role.
//!
//! Reference: [AWS CLI command reference](https://docs.aws.amazon.com/cli/latest/reference/),
//! [service authorization reference](https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).

use super::{BuildSpec, PhaseName};

/// One AWS CLI call of a buildspec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsCall {
    /// The phase that runs it.
    pub phase: PhaseName,
    /// `aws <service> <operation>`, as written.
    pub command: String,
    /// The IAM action it needs, e.g. `ecr:DescribeImages`.
    pub action: String,
}

/// CLI commands whose IAM action is not their operation's name in
/// PascalCase: customizations that call another API.
const CUSTOM: &[(&str, &str, &str)] = &[
    (
        "codeartifact",
        "login",
        "codeartifact:GetAuthorizationToken",
    ),
    ("ecr", "get-login-password", "ecr:GetAuthorizationToken"),
    (
        "ecr-public",
        "get-login-password",
        "ecr-public:GetAuthorizationToken",
    ),
    ("eks", "update-kubeconfig", "eks:DescribeCluster"),
];

/// CLI services read, with the IAM service prefix of their operations.
/// Not listed (not read): `s3` (`cp`, `sync` are several calls), and the
/// operations of `cloudformation` that are customizations, below.
const SERVICES: &[(&str, &str)] = &[
    ("cloudformation", "cloudformation"),
    ("codeartifact", "codeartifact"),
    ("codebuild", "codebuild"),
    ("codepipeline", "codepipeline"),
    ("ecr", "ecr"),
    ("ecr-public", "ecr-public"),
    ("eks", "eks"),
    ("kms", "kms"),
    ("lambda", "lambda"),
    ("logs", "logs"),
    ("s3api", "s3"),
    ("secretsmanager", "secretsmanager"),
    ("sns", "sns"),
    ("ssm", "ssm"),
    ("sts", "sts"),
];

/// `cloudformation` commands that are customizations of several calls.
const NOT_READ: &[(&str, &str)] = &[("cloudformation", "deploy"), ("cloudformation", "package")];

/// The IAM action `aws <service> <operation>` needs, when pipewright can
/// tell.
pub fn action_of(service: &str, operation: &str) -> Option<String> {
    if let Some((_, _, action)) = CUSTOM
        .iter()
        .find(|(s, o, _)| *s == service && *o == operation)
    {
        return Some((*action).to_owned());
    }
    if NOT_READ.contains(&(service, operation)) {
        return None;
    }
    let (_, prefix) = SERVICES.iter().find(|(s, _)| *s == service)?;
    let pascal: String = operation
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    Some(format!("{prefix}:{pascal}"))
}

/// Every AWS CLI call of `spec` that pipewright can read, in the order the
/// build runs them, up to and including an `aws sts assume-role`.
pub fn aws_calls(spec: &BuildSpec) -> Vec<AwsCall> {
    let mut out = Vec::new();
    for phase in PhaseName::ALL {
        let commands = spec
            .phase_commands(phase)
            .iter()
            .chain(spec.finally_commands(phase));
        for command in commands {
            for (service, operation) in calls_in(command) {
                let Some(action) = action_of(service, operation) else {
                    continue;
                };
                let assumes = action == "sts:AssumeRole";
                out.push(AwsCall {
                    phase,
                    command: format!("aws {service} {operation}"),
                    action,
                });
                if assumes {
                    return out;
                }
            }
        }
    }
    out
}

/// The programs `spec` runs that pipewright cannot read into (make
/// targets, scripts, `docker`, `kubectl`, ...): the first word of each
/// command and of each part after `|`, `&&`, `||` and `;`, without shell
/// builtins and keywords and without the `aws` calls it reads. Sorted, each
/// once. What they need must be granted by hand.
pub fn unread_programs(spec: &BuildSpec) -> Vec<String> {
    const SHELL: &[&str] = &[
        "[", "!", "case", "cd", "do", "done", "echo", "elif", "else", "esac", "exit", "export",
        "fi", "for", "if", "printf", "read", "set", "test", "then", "true", "false", "unset",
        "while", "{", "}",
    ];
    let mut out: Vec<String> = Vec::new();
    for phase in PhaseName::ALL {
        let commands = spec
            .phase_commands(phase)
            .iter()
            .chain(spec.finally_commands(phase));
        for command in commands {
            let read = calls_in(command)
                .into_iter()
                .filter(|(s, o)| action_of(s, o).is_some())
                .count();
            let mut aws_seen = 0;
            for part in command.split(['|', ';', '&', '\n', '(']) {
                let mut words = part.split_whitespace().skip_while(|w| {
                    w.contains('=') && !w.starts_with('=')
                        || *w == "then"
                        || *w == "do"
                        || *w == "else"
                });
                let Some(first) = words.next() else { continue };
                let program = first.trim_matches(['"', '\'', '`', '$', ')']);
                if program.is_empty() || SHELL.contains(&program) || program.starts_with('-') {
                    continue;
                }
                if program == "aws" {
                    aws_seen += 1;
                    if aws_seen <= read {
                        continue;
                    }
                }
                if !out.iter().any(|p| p == program) {
                    out.push(program.to_owned());
                }
            }
        }
    }
    out.sort();
    out
}

/// `(service, operation)` of every `aws` call in command position in
/// `command`. Written by hand: a shell parser crate would read far more
/// than this needs, and this errs on the side of reading nothing.
fn calls_in(command: &str) -> Vec<(&str, &str)> {
    const AFTER: &[&str] = &["|", "||", "&&", ";", "then", "do", "else", "if", "!"];
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let tokens: Vec<&str> = command.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, raw) in tokens.iter().enumerate() {
        // `VAR="$(aws ...`: the value of an assignment.
        let token = match raw.split_once('=') {
            Some((name, value))
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                value
            }
            _ => raw,
        };
        let token = token.trim_start_matches(['"', '\'']);
        let (opened, token) = match token.strip_prefix("$(") {
            Some(rest) => (true, rest),
            None => (
                token.starts_with('(') || token.starts_with('`'),
                token.trim_start_matches(['(', '`']),
            ),
        };
        if token != "aws" {
            continue;
        }
        let command_position = opened || i == 0 || AFTER.contains(&tokens[i - 1]);
        if !command_position {
            continue;
        }
        if let (Some(service), Some(operation)) = (
            tokens.get(i + 1).map(|t| trim_end(t)),
            tokens.get(i + 2).map(|t| trim_end(t)),
        ) && word(service)
            && word(operation)
        {
            out.push((service, operation));
        }
    }
    out
}

/// A word without the closing quote, parenthesis or `;` written after it.
fn trim_end(token: &str) -> &str {
    token.trim_end_matches([')', '"', '\'', ';', '`'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_read_in_command_position_only() {
        assert_eq!(
            calls_in(
                r#"aws ecr get-login-password --region "$R" | docker login --password-stdin x"#
            ),
            [("ecr", "get-login-password")]
        );
        assert_eq!(
            calls_in(r#"CREDENTIALS="$(aws sts assume-role --role-arn "$A")""#),
            [("sts", "assume-role")]
        );
        assert_eq!(
            calls_in("X=$(aws sts get-caller-identity)"),
            [("sts", "get-caller-identity")]
        );
        assert_eq!(
            calls_in("if aws ecr describe-images --x y; then\n  echo aws is here\nfi"),
            [("ecr", "describe-images")]
        );
        assert!(calls_in("echo aws ecr describe-images").is_empty());
        assert!(calls_in("aws $SERVICE list").is_empty());
    }

    #[test]
    fn actions_follow_the_cli_with_its_customizations() {
        assert_eq!(
            action_of("ecr", "describe-images").as_deref(),
            Some("ecr:DescribeImages")
        );
        assert_eq!(
            action_of("s3api", "put-object").as_deref(),
            Some("s3:PutObject")
        );
        assert_eq!(
            action_of("ecr", "get-login-password").as_deref(),
            Some("ecr:GetAuthorizationToken")
        );
        assert_eq!(
            action_of("eks", "update-kubeconfig").as_deref(),
            Some("eks:DescribeCluster")
        );
        assert_eq!(action_of("s3", "cp"), None);
        assert_eq!(action_of("cloudformation", "deploy"), None);
        assert_eq!(action_of("made-up", "thing"), None);
    }

    #[test]
    fn unread_programs_are_the_commands_pipewright_cannot_see_into() {
        let spec = BuildSpec::new()
            .pre_build([
                r#"aws ecr get-login-password --region "$R" | docker login --password-stdin x"#,
            ])
            .build([
                "make build",
                r#"TAG="$(git rev-parse HEAD)""#,
                "if [ -n \"$X\" ]; then\n  ./deploy.sh && kubectl apply -f x\nfi",
                "aws s3 cp a b",
            ]);
        assert_eq!(
            unread_programs(&spec),
            ["./deploy.sh", "aws", "docker", "git", "kubectl", "make"]
        );
    }

    #[test]
    fn reading_stops_after_assuming_a_role() {
        let spec = BuildSpec::new()
            .pre_build([r#"aws ecr get-login-password | docker login --password-stdin x"#])
            .build([
                r#"C="$(aws sts assume-role --role-arn "$R")""#,
                "aws eks update-kubeconfig --name c",
            ]);
        let actions: Vec<String> = aws_calls(&spec).into_iter().map(|c| c.action).collect();
        assert_eq!(actions, ["ecr:GetAuthorizationToken", "sts:AssumeRole"]);
    }
}

//! The commands the recipes are made of, public for buildspecs written by
//! hand: each is one shell command (or `if` block) for a phase's
//! `commands`, with every expansion quoted.

use super::shell::{self, Registry, indent, sh_word, when_succeeding};

/// Logs in to the ECR registry `host` of `region`, the password on stdin
/// (never in argv). Both arguments are shell text meant for double quotes,
/// e.g. `$AWS_DEFAULT_REGION` and `${REPOSITORY_URI%%/*}`; the role needs
/// `ecr:GetAuthorizationToken`.
pub fn ecr_login(region: &str, host: &str) -> String {
    shell::ecr_login(region, host)
}

/// Logs in to the ECR registry of the repository whose URI is in the
/// environment variable `uri_var` (e.g. `REPOSITORY_URI`), in the build's
/// region.
pub fn ecr_login_for(uri_var: &str) -> String {
    ecr_login("$AWS_DEFAULT_REGION", &Registry::new(uri_var).host)
}

/// Sets the shell variable `var` to the short commit: the first 7
/// characters of the commit CodeBuild resolved.
pub fn short_commit(var: &str) -> String {
    format!(r#"{var}="$(printf '%s' "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)""#)
}

/// Runs `body` only when the image `tag_var` (a variable holding the tag)
/// is not yet in the repository whose URI is in `uri_var`: a re-run of the
/// same commit into an `IMMUTABLE` repository then skips the push and says
/// so in the build log instead of failing. The repository is asked in its
/// own registry and region (both read from the URI's host), so the check
/// holds for a repository of another account or region. The role needs
/// `ecr:DescribeImages` on that repository only
/// ([`crate::ecr::RepositoryRef::grant_describe_images`]).
pub fn unless_image_exists(uri_var: &str, tag_var: &str, body: &str) -> String {
    let repository = Registry::new(uri_var);
    let tag = Registry::new(tag_var).value;
    let host = &repository.host;
    format!(
        "if aws ecr describe-images --registry-id \"$(printf '%s' \"{host}\" | cut -d . -f 1)\" --region \"$(printf '%s' \"{host}\" | cut -d . -f 4)\" --repository-name \"{}\" --image-ids \"imageTag={tag}\" > /dev/null 2>&1; then\n  echo \"the image {tag} is already in {}, not pushing it again\"\nelse\n{}\nfi",
        repository.path,
        repository.value,
        indent(body),
    )
}

/// Runs the make target `target` (quoted when it needs to be).
pub fn make_target(target: &str) -> String {
    format!("make {}", sh_word(target))
}

/// `body` only when every command before it succeeded.
pub fn when_build_succeeds(body: &str) -> String {
    when_succeeding(body)
}

/// Runs `command` with its stdout in `output` and its stderr in
/// `output.log`, keeps its exit status in `STATUS`, and when the status is
/// one of `codes` publishes a summary (the status, then the start of
/// `output` and the end of the log, within SNS's 256 KB) to the topic whose
/// ARN is in the environment variable `topic_var`, with `subject`. The
/// last command then fails the build unless the status was 0, so the
/// build's own state says what the command said. The role needs
/// `sns:Publish` on the topic (and its key).
pub fn publish_on_exit(
    command: &str,
    output: &str,
    codes: &[i32],
    topic_var: &str,
    subject: &str,
) -> Vec<String> {
    let out = sh_word(output);
    let log = sh_word(&format!("{output}.log"));
    let message = sh_word(&format!("{output}.message"));
    let when: Vec<String> = codes
        .iter()
        .map(|c| format!(r#"[ "$STATUS" -eq {c} ]"#))
        .collect();
    vec![
        format!("STATUS=0; {command} > {out} 2> {log} || STATUS=$?"),
        format!(
            r#"if {}; then {{ printf '%s exited %s\n\n' {} "$STATUS"; head -c 200000 {out}; printf '\n'; tail -c 40000 {log}; }} > {message} && aws sns publish --topic-arn "${}" --subject {} --message "file://{}"; fi"#,
            when.join(" || "),
            sh_word(command),
            topic_var,
            sh_word(subject),
            message.trim_matches('\''),
        ),
        r#"test "$STATUS" -eq 0"#.to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_quote_every_expansion() {
        assert_eq!(
            ecr_login_for("REPOSITORY_URI"),
            r#"aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}""#
        );
        assert_eq!(
            short_commit("TAG"),
            r#"TAG="$(printf '%s' "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)""#
        );
        assert_eq!(
            unless_image_exists("REPOSITORY_URI", "IMAGE_TAG", "docker push x"),
            "if aws ecr describe-images --registry-id \"$(printf '%s' \"${REPOSITORY_URI%%/*}\" | cut -d . -f 1)\" --region \"$(printf '%s' \"${REPOSITORY_URI%%/*}\" | cut -d . -f 4)\" --repository-name \"${REPOSITORY_URI#*/}\" --image-ids \"imageTag=$IMAGE_TAG\" > /dev/null 2>&1; then\n  echo \"the image $IMAGE_TAG is already in $REPOSITORY_URI, not pushing it again\"\nelse\n  docker push x\nfi"
        );
    }
}

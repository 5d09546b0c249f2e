//! Pipeline variable references, `#{Namespace.NAME}`, in action
//! configurations.
//!
//! CodePipeline substitutes them in any configuration string, including
//! the JSON text of a CodeBuild action's `EnvironmentVariables`, so the
//! text is scanned as it is rather than parsed.
//! <https://docs.aws.amazon.com/codepipeline/latest/userguide/reference-variables.html>

/// The `(namespace, name)` of every `#{Namespace.NAME}` in `text`, in
/// order. A namespace is letters, digits and `@ - _` (CodePipeline's
/// pattern for `Namespace`); the name is everything up to `}`. Text that
/// is not a complete reference is skipped.
pub fn variable_references(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("#{") {
        rest = &rest[start + 2..];
        let Some(end) = rest.find('}') else { break };
        let inner = &rest[..end];
        if let Some((namespace, name)) = inner.split_once('.')
            && !namespace.is_empty()
            && !name.is_empty()
            && namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '-' | '_'))
            && !name.contains("#{")
        {
            found.push((namespace, name));
            rest = &rest[end + 1..];
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::variable_references;

    #[test]
    fn finds_references_in_plain_text_and_json() {
        assert_eq!(
            variable_references("Push #{BuildVariables.IMAGE_TAG} of #{SourceVariables.CommitId}?"),
            [
                ("BuildVariables", "IMAGE_TAG"),
                ("SourceVariables", "CommitId")
            ]
        );
        let json = r##"[{"name":"TAG","value":"#{Build.IMAGE_TAG}","type":"PLAINTEXT"},{"name":"N","value":"#{codepipeline.PipelineExecutionId}"}]"##;
        assert_eq!(
            variable_references(json),
            [
                ("Build", "IMAGE_TAG"),
                ("codepipeline", "PipelineExecutionId")
            ]
        );
    }

    #[test]
    fn skips_what_is_not_a_reference() {
        assert!(variable_references("# a comment {not} #{NoDot} #{.x} #{x.}").is_empty());
        assert!(variable_references("#{Build.TAG").is_empty());
        assert!(variable_references("#{bad space.X}").is_empty());
        // An unfinished reference does not swallow the next one.
        assert_eq!(
            variable_references("#{oops #{Build.TAG}"),
            [("Build", "TAG")]
        );
    }
}

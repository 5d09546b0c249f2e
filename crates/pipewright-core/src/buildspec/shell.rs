//! Shell quoting: every value that reaches a buildspec command is a word
//! the shell cannot misread. Written by hand: the rules are POSIX `sh`'s
//! few, and the crates that quote do so for `bash` or for argv, not for
//! text placed inside double quotes.

/// `body` run only when every command before it succeeded; each line of
/// `body` is indented under the `if`.
pub(super) fn when_succeeding(body: &str) -> String {
    format!(
        "if [ \"$CODEBUILD_BUILD_SUCCEEDING\" = \"1\" ]; then\n{}\nfi",
        indent(body)
    )
}

/// Each line of `body` indented by two spaces, for a block of an `if`.
pub(super) fn indent(body: &str) -> String {
    body.lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An extra registry, read from an environment variable.
pub(super) struct Registry {
    /// The variable's name, as it is.
    pub(super) name: String,
    /// Shell text for the variable's value, meant for double quotes.
    pub(super) value: String,
    /// Shell text for the registry host (the value up to the first `/`),
    /// meant for double quotes.
    pub(super) host: String,
    /// Shell text for the value after the host (a repository's name),
    /// meant for double quotes.
    pub(super) path: String,
}

impl Registry {
    pub(super) fn new(name: &str) -> Self {
        let (value, host, path) = if shell_name(name) {
            (
                format!("${name}"),
                format!("${{{name}%%/*}}"),
                format!("${{{name}#*/}}"),
            )
        } else {
            // Not a name `$` can expand: read it without letting the shell
            // parse it.
            let quoted = sh_word(name);
            (
                format!("$(printenv {quoted})"),
                format!("$(printenv {quoted} | cut -d / -f 1)"),
                format!("$(printenv {quoted} | cut -d / -f 2-)"),
            )
        };
        Self {
            name: name.to_owned(),
            value,
            host,
            path,
        }
    }

    /// Logs in when the registry is an ECR registry
    /// (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]`), in its own region.
    pub(super) fn login(&self) -> String {
        let host = &self.host;
        let region = format!(r#"$(printf '%s' "{host}" | cut -d . -f 4)"#);
        format!(
            "case \"{host}\" in\n  \
             *.dkr.ecr.*.amazonaws.com | *.dkr.ecr.*.amazonaws.com.cn)\n    \
             {} ;;\n  \
             *) echo {} ;;\nesac",
            ecr_login(&region, host),
            sh_word(&format!(
                "not an ECR registry, not logging in: {}; log in to it in pre_build",
                self.name
            )),
        )
    }
}

/// Whether `s` is a name the shell expands with `$s`.
pub(super) fn shell_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Characters no shell treats specially, in or out of double quotes.
pub(super) fn shell_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c))
}

/// `s` as one shell word: as is when it is [`shell_safe`], single-quoted
/// otherwise.
pub(super) fn sh_word(s: &str) -> String {
    if shell_safe(s) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `"<repository>:<tag>"` as one shell word; `repository` is shell text
/// meant for double quotes, `tag` a literal.
pub(super) fn image_ref(repository: &str, tag: &str) -> String {
    if shell_safe(tag) {
        format!(r#""{repository}:{tag}""#)
    } else {
        format!(r#""{repository}:"{}"#, sh_word(tag))
    }
}

/// Logs in to the ECR registry `host` of `region`, the password on stdin;
/// both are shell text meant for double quotes ([`super::steps::ecr_login`]).
pub(super) fn ecr_login(region: &str, host: &str) -> String {
    format!(
        r#"aws ecr get-login-password --region "{region}" | docker login --username AWS --password-stdin "{host}""#
    )
}

//! Running pipewright itself in CodeBuild (issue #24): install Rust when
//! the image lacks it, build the infra repository's app once with its
//! cargo registry, toolchain and target directory kept in the project's S3
//! cache (so a warm build does not compile the SDK again), reach other
//! accounts through named profiles, and run one of the README's commands.

use super::BuildSpec;
use super::shell::sh_word;

/// The paths kept between builds (`cache.paths`): cargo's registry and git
/// checkouts, the toolchain, and the target directory.
pub const CARGO_CACHE_PATHS: &[&str] = &[
    "/root/.cargo/bin/**/*",
    "/root/.cargo/registry/**/*",
    "/root/.cargo/git/db/**/*",
    "/root/.rustup/**/*",
    "target/**/*",
];

/// Where the build writes the AWS profiles of
/// [`BuildSpec::account_profiles`] (`AWS_CONFIG_FILE`).
pub const AWS_CONFIG_FILE: &str = "/tmp/pipewright-aws-config";

/// `pipewright <args>` as the README runs it: `cargo run --release --
/// <args>`, e.g. `pipewright("drift --all --format json")`.
pub fn pipewright(args: &str) -> String {
    format!("cargo run --release -- {args}")
}

/// The profile name [`BuildSpec::account_profiles`] gives `account`.
pub fn profile_name(account: &str) -> String {
    format!("pipewright-{account}")
}

impl BuildSpec {
    /// Installs Rust (minimal profile) when the cache holds no toolchain,
    /// builds the app in release with the lock file (`pre_build`), and
    /// keeps [`CARGO_CACHE_PATHS`] between builds: the project needs an S3
    /// cache (`Project::s3_cache`).
    pub fn cargo_release(self) -> Self {
        self.shell("bash")
            .install([
                "command -v cargo > /dev/null || [ -x /root/.cargo/bin/cargo ] || curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal",
                r#"export PATH="/root/.cargo/bin:$PATH""#,
            ])
            .pre_build(["cargo build --release --locked"])
            .cache_paths(CARGO_CACHE_PATHS.iter().copied())
    }

    /// Reaches each of `accounts` through the role named `role` there,
    /// assumed with the build's own credentials: writes one profile per
    /// account ([`profile_name`], `credential_source = EcsContainer`, the
    /// credentials CodeBuild gives the build) to [`AWS_CONFIG_FILE`] and
    /// maps the accounts to them with `PIPEWRIGHT_ACCOUNT_PROFILES`, which
    /// pipewright reads like `--account-profile`. The project's role needs
    /// `sts:AssumeRole` on exactly those roles.
    pub fn account_profiles(self, role: &str, accounts: &[&str]) -> Self {
        if accounts.is_empty() {
            return self;
        }
        let mut lines = Vec::new();
        for account in accounts {
            lines.push(sh_word(&format!("[profile {}]", profile_name(account))));
            lines.push(sh_word(&format!(
                "role_arn = arn:aws:iam::{account}:role/{role}"
            )));
            lines.push(sh_word("credential_source = EcsContainer"));
        }
        let mapping: Vec<String> = accounts
            .iter()
            .map(|a| format!("{a}={}", profile_name(a)))
            .collect();
        self.variable("AWS_CONFIG_FILE", AWS_CONFIG_FILE)
            .variable("PIPEWRIGHT_ACCOUNT_PROFILES", mapping.join(","))
            .pre_build([format!(
                r#"printf '%s\n' {} > "$AWS_CONFIG_FILE""#,
                lines.join(" ")
            )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_name_each_account_and_its_role() {
        let spec = BuildSpec::new().account_profiles("pipewright-read", &["222222222222"]);
        assert_eq!(
            spec.phase_commands(super::super::PhaseName::PreBuild),
            [
                r#"printf '%s\n' '[profile pipewright-222222222222]' 'role_arn = arn:aws:iam::222222222222:role/pipewright-read' 'credential_source = EcsContainer' > "$AWS_CONFIG_FILE""#
            ]
        );
        assert_eq!(
            spec.variables()["PIPEWRIGHT_ACCOUNT_PROFILES"],
            "222222222222=pipewright-222222222222"
        );
    }
}

//! CodeBuild buildspecs (version 0.2), typed.
//!
//! A buildspec is YAML that CodeBuild reads at build time, long after synth:
//! a misspelled key (`prebuild`, `exported_variables`) or a section in the
//! wrong place is silently ignored, and the build does something else than
//! what was reviewed. Here a buildspec is a [`BuildSpec`] value, so every key
//! is spelled once, in this file, and written in the order of the
//! [buildspec reference](https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html)
//! (`version`, `env`, `phases`, `artifacts`, `reports`, `cache`), through the
//! same emitter as templates: multi-line commands become block literals and
//! every string a YAML reader could misread is quoted.
//!
//! Plain `env.variables` end up in the project's configuration and in build
//! logs, so a variable whose name looks like a secret
//! ([`secret_looking`]) is listed by [`BuildSpec::plaintext_secrets`]; the
//! CodeBuild project construct turns that list into synth errors, and the
//! fix is [`BuildSpec::secret`] or [`BuildSpec::parameter`].
//!
//! [`docker_build_push`] is the recipe for the most common build: build an
//! image once, tag it with the commit, push it to ECR (and other registries)
//! only when the build succeeded, and hand the image URI to later pipeline
//! actions. Its commands are POSIX `sh` (CodeBuild's default shell), quote
//! every expansion, and pass registry passwords on stdin, never in argv.
//!
//! - this file: the buildspec model and its YAML;
//! - `recipes`: whole buildspecs for common builds;
//! - [`steps`]: the commands recipes are made of (ECR login, short commit,
//!   "does this tag exist"), public for buildspecs written by hand;
//! - `shell`: quoting, so that no input reaches the shell unquoted.

pub mod calls;
pub mod cargo;
mod recipes;
mod shell;
pub mod steps;

pub use calls::{AwsCall, aws_calls, unread_programs};

pub use recipes::{
    DOCKER_HUB, DockerBuild, DockerHub, IMAGE_ARCHIVE, LOCAL_IMAGE, Tag, build_tags,
    docker_build_push, docker_build_save, docker_load_push, docker_load_push_tags,
    dockerhub_build_push, make,
};

use crate::error::ProblemKind;
use crate::iam::policy::Statement;
use crate::template::Expr;
use crate::template::yaml::expr_to_string;
use indexmap::IndexMap;

/// The buildspec version every [`BuildSpec`] declares. Version 0.2 runs all
/// commands of a build in one shell, so a variable set in `pre_build` is
/// still set in `post_build`.
pub const VERSION: f64 = 0.2;

/// The file [`docker_build_push`] writes for the ECS deploy action when
/// [`DockerBuild::image_definitions`] is set.
pub const IMAGE_DEFINITIONS_FILE: &str = "imagedefinitions.json";

/// One of the four build phases, in the order CodeBuild runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhaseName {
    /// `install`: install tools and select runtimes.
    Install,
    /// `pre_build`: log in, fetch dependencies, compute tags.
    PreBuild,
    /// `build`: build and test.
    Build,
    /// `post_build`: publish; runs even when `build` failed.
    PostBuild,
}

impl PhaseName {
    /// Every phase, in the order CodeBuild runs them.
    pub const ALL: [PhaseName; 4] = [
        PhaseName::Install,
        PhaseName::PreBuild,
        PhaseName::Build,
        PhaseName::PostBuild,
    ];

    /// The key under `phases`, e.g. `pre_build`.
    pub fn key(self) -> &'static str {
        match self {
            PhaseName::Install => "install",
            PhaseName::PreBuild => "pre_build",
            PhaseName::Build => "build",
            PhaseName::PostBuild => "post_build",
        }
    }

    fn index(self) -> usize {
        match self {
            PhaseName::Install => 0,
            PhaseName::PreBuild => 1,
            PhaseName::Build => 2,
            PhaseName::PostBuild => 3,
        }
    }
}

/// What CodeBuild does when a command of a phase fails (`on-failure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OnFailure {
    /// `ABORT`: stop the build (CodeBuild's default).
    Abort,
    /// `CONTINUE`: go on with the next phase.
    Continue,
}

impl OnFailure {
    /// The value written in the buildspec, e.g. `ABORT`.
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Abort => "ABORT",
            OnFailure::Continue => "CONTINUE",
        }
    }
}

/// The format of a report's files (`file-format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportFormat {
    /// `JUNITXML`: JUnit XML test results (CodeBuild's default).
    #[default]
    JunitXml,
    /// `CUCUMBERJSON`: Cucumber JSON test results.
    CucumberJson,
    /// `NUNITXML`: NUnit XML test results.
    NunitXml,
    /// `NUNIT3XML`: NUnit 3 XML test results.
    Nunit3Xml,
    /// `TESTNGXML`: TestNG XML test results.
    TestNgXml,
    /// `VISUALSTUDIOTRX`: Visual Studio TRX test results.
    VisualStudioTrx,
    /// `CLOVERXML`: Clover XML code coverage.
    CloverXml,
    /// `COBERTURAXML`: Cobertura XML code coverage.
    CoberturaXml,
    /// `JACOCOXML`: JaCoCo XML code coverage.
    JacocoXml,
    /// `SIMPLECOV`: SimpleCov JSON code coverage.
    SimpleCov,
}

impl ReportFormat {
    /// The value written in the buildspec, e.g. `JUNITXML`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::JunitXml => "JUNITXML",
            ReportFormat::CucumberJson => "CUCUMBERJSON",
            ReportFormat::NunitXml => "NUNITXML",
            ReportFormat::Nunit3Xml => "NUNIT3XML",
            ReportFormat::TestNgXml => "TESTNGXML",
            ReportFormat::VisualStudioTrx => "VISUALSTUDIOTRX",
            ReportFormat::CloverXml => "CLOVERXML",
            ReportFormat::CoberturaXml => "COBERTURAXML",
            ReportFormat::JacocoXml => "JACOCOXML",
            ReportFormat::SimpleCov => "SIMPLECOV",
        }
    }
}

/// One report group's files: test results or code coverage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    files: Vec<String>,
    base_directory: Option<String>,
    discard_paths: bool,
    file_format: ReportFormat,
}

impl Report {
    /// A report of the files matching `files` (globs such as `**/*.xml`),
    /// in JUnit XML.
    pub fn new<S: Into<String>>(files: impl IntoIterator<Item = S>) -> Self {
        Self {
            files: files.into_iter().map(Into::into).collect(),
            base_directory: None,
            discard_paths: false,
            file_format: ReportFormat::default(),
        }
    }

    /// Sets `base-directory`, the directory `files` are relative to.
    /// Default: none, the source directory.
    pub fn base_directory(mut self, dir: impl Into<String>) -> Self {
        self.base_directory = Some(dir.into());
        self
    }

    /// Sets `discard-paths`: whether the files are flattened into one
    /// directory. Default: `false` (omitted).
    pub fn discard_paths(mut self, discard: bool) -> Self {
        self.discard_paths = discard;
        self
    }

    /// Sets `file-format`. Default: [`ReportFormat::JunitXml`], written
    /// explicitly so a reviewer does not need to know CodeBuild's default.
    pub fn file_format(mut self, format: ReportFormat) -> Self {
        self.file_format = format;
        self
    }

    /// The format of the report's files.
    pub fn format(&self) -> ReportFormat {
        self.file_format
    }

    fn to_expr(&self) -> Expr {
        let mut m = IndexMap::new();
        m.insert("files".to_owned(), strings(&self.files));
        if let Some(dir) = &self.base_directory {
            m.insert("base-directory".to_owned(), Expr::from(dir));
        }
        if self.discard_paths {
            m.insert("discard-paths".to_owned(), yes());
        }
        m.insert("file-format".to_owned(), self.file_format.as_str().into());
        Expr::Map(m)
    }
}

/// One phase's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Phase {
    on_failure: Option<OnFailure>,
    runtime_versions: IndexMap<String, String>,
    commands: Vec<String>,
    finally: Vec<String>,
}

impl Phase {
    /// The phase as a map, or `None` when it has nothing to run.
    fn to_expr(&self) -> Option<Expr> {
        if self.commands.is_empty() && self.runtime_versions.is_empty() {
            return None;
        }
        let mut m = IndexMap::new();
        if let Some(f) = self.on_failure {
            m.insert("on-failure".to_owned(), f.as_str().into());
        }
        if !self.runtime_versions.is_empty() {
            m.insert(
                "runtime-versions".to_owned(),
                string_map(&self.runtime_versions),
            );
        }
        if !self.commands.is_empty() {
            m.insert("commands".to_owned(), strings(&self.commands));
        }
        if !self.finally.is_empty() {
            m.insert("finally".to_owned(), strings(&self.finally));
        }
        Some(Expr::Map(m))
    }
}

/// A CodeBuild buildspec, version 0.2.
///
/// Every setter appends or overwrites and returns the buildspec, so a
/// buildspec reads top to bottom like the YAML it becomes:
///
/// ```
/// // In an app: `pipewright::buildspec::BuildSpec`, re-exported.
/// use pipewright_core::buildspec::BuildSpec;
///
/// let spec = BuildSpec::new()
///     .variable("IMAGE_REPO_NAME", "app")
///     .secret("DOCKERHUB_PASSWORD", "dockerhub:password")
///     .runtime("python", "3.12")
///     .build(["make test"])
///     .artifact_files(["dist/**/*"]);
/// assert!(spec.to_yaml().starts_with("version: 0.2\n"));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildSpec {
    shell: Option<String>,
    variables: IndexMap<String, String>,
    parameter_store: IndexMap<String, String>,
    exported_variables: Vec<String>,
    secrets_manager: IndexMap<String, String>,
    phases: [Phase; 4],
    artifact_files: Vec<String>,
    artifact_name: Option<String>,
    discard_paths: bool,
    base_directory: Option<String>,
    reports: IndexMap<String, Report>,
    cache_paths: Vec<String>,
    problems: Vec<ProblemKind>,
}

impl BuildSpec {
    /// An empty buildspec: only `version: 0.2`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `env.shell`, e.g. `bash`. Default: none, CodeBuild's default
    /// (`sh` on Linux).
    pub fn shell(mut self, shell: impl Into<String>) -> Self {
        self.shell = Some(shell.into());
        self
    }

    /// Sets the plain environment variable `name` (`env.variables`),
    /// replacing an earlier value. The value is visible in the project and
    /// in logs: a secret-looking `name` is listed by
    /// [`BuildSpec::plaintext_secrets`].
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Sets the environment variable `name` from the Systems Manager
    /// parameter `parameter` (`env.parameter-store`), read at build time.
    pub fn parameter(mut self, name: impl Into<String>, parameter: impl Into<String>) -> Self {
        self.parameter_store.insert(name.into(), parameter.into());
        self
    }

    /// Sets the environment variable `name` from Secrets Manager
    /// (`env.secrets-manager`), read at build time; `reference` is
    /// `secret-id[:json-key[:version-stage[:version-id]]]`, e.g.
    /// `dockerhub:password`.
    pub fn secret(mut self, name: impl Into<String>, reference: impl Into<String>) -> Self {
        self.secrets_manager.insert(name.into(), reference.into());
        self
    }

    /// Adds variables whose values at the end of the build are exported
    /// (`env.exported-variables`), so later pipeline actions read them
    /// through the action's namespace. Names already listed are skipped.
    pub fn exported<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        for name in names {
            let name = name.into();
            if !self.exported_variables.contains(&name) {
                self.exported_variables.push(name);
            }
        }
        self
    }

    /// Appends commands to the `install` phase.
    pub fn install<S: Into<String>>(self, commands: impl IntoIterator<Item = S>) -> Self {
        self.commands(PhaseName::Install, commands)
    }

    /// Appends commands to the `pre_build` phase.
    pub fn pre_build<S: Into<String>>(self, commands: impl IntoIterator<Item = S>) -> Self {
        self.commands(PhaseName::PreBuild, commands)
    }

    /// Appends commands to the `build` phase.
    pub fn build<S: Into<String>>(self, commands: impl IntoIterator<Item = S>) -> Self {
        self.commands(PhaseName::Build, commands)
    }

    /// Appends commands to the `post_build` phase. It runs even when the
    /// `build` phase failed: guard publishing with
    /// `[ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ]`.
    pub fn post_build<S: Into<String>>(self, commands: impl IntoIterator<Item = S>) -> Self {
        self.commands(PhaseName::PostBuild, commands)
    }

    /// Appends commands to `phase`. A phase without commands (and, for
    /// `install`, without runtime versions) is omitted.
    pub fn commands<S: Into<String>>(
        mut self,
        phase: PhaseName,
        commands: impl IntoIterator<Item = S>,
    ) -> Self {
        self.phases[phase.index()]
            .commands
            .extend(commands.into_iter().map(Into::into));
        self
    }

    /// Appends commands to `phase`'s `finally` block, which runs after the
    /// phase's commands whether they succeeded or not. Default: none.
    pub fn finally<S: Into<String>>(
        mut self,
        phase: PhaseName,
        commands: impl IntoIterator<Item = S>,
    ) -> Self {
        self.phases[phase.index()]
            .finally
            .extend(commands.into_iter().map(Into::into));
        self
    }

    /// Sets `phase`'s `on-failure`. Default: none, CodeBuild's default
    /// ([`OnFailure::Abort`]).
    pub fn on_failure(mut self, phase: PhaseName, on_failure: OnFailure) -> Self {
        self.phases[phase.index()].on_failure = Some(on_failure);
        self
    }

    /// Selects a runtime in the `install` phase (`runtime-versions`), e.g.
    /// `.runtime("python", "3.12")`, replacing an earlier version of the
    /// same runtime. Default: none, the image's default runtimes.
    pub fn runtime(mut self, runtime: impl Into<String>, version: impl Into<String>) -> Self {
        self.phases[PhaseName::Install.index()]
            .runtime_versions
            .insert(runtime.into(), version.into());
        self
    }

    /// Adds files (globs such as `dist/**/*`) to the build's output artifact
    /// (`artifacts.files`). Files already listed are skipped. Default: none,
    /// and then no `artifacts` section.
    pub fn artifact_files<S: Into<String>>(mut self, files: impl IntoIterator<Item = S>) -> Self {
        for file in files {
            let file = file.into();
            if !self.artifact_files.contains(&file) {
                self.artifact_files.push(file);
            }
        }
        self
    }

    /// Sets `artifacts.name`. Default: none, the project's artifact name.
    /// Only written when there are artifact files.
    pub fn artifact_name(mut self, name: impl Into<String>) -> Self {
        self.artifact_name = Some(name.into());
        self
    }

    /// Sets `artifacts.base-directory`, the directory artifact files are
    /// relative to. Default: none, the source directory. Only written when
    /// there are artifact files.
    pub fn artifact_base_directory(mut self, dir: impl Into<String>) -> Self {
        self.base_directory = Some(dir.into());
        self
    }

    /// Sets `artifacts.discard-paths`: whether artifact files are flattened
    /// into one directory. Default: `false` (omitted).
    pub fn discard_paths(mut self, discard: bool) -> Self {
        self.discard_paths = discard;
        self
    }

    /// Adds (or replaces) the report for report group `group`
    /// (`reports.<group>`). Default: no reports.
    pub fn report(mut self, group: impl Into<String>, report: Report) -> Self {
        self.reports.insert(group.into(), report);
        self
    }

    /// Adds paths kept between builds (`cache.paths`), e.g.
    /// `/root/.cache/pip/**/*`; the project must have a cache configured.
    /// Paths already listed are skipped. Default: none.
    pub fn cache_paths<S: Into<String>>(mut self, paths: impl IntoIterator<Item = S>) -> Self {
        for path in paths {
            let path = path.into();
            if !self.cache_paths.contains(&path) {
                self.cache_paths.push(path);
            }
        }
        self
    }

    /// The reports (`reports`), by report group name, in order.
    pub fn reports(&self) -> &IndexMap<String, Report> {
        &self.reports
    }

    /// Problems a recipe found in its options (a credential where a secret's
    /// name belongs); a CodeBuild project reports them at synth with its
    /// path. Default: none.
    pub fn problems(&self) -> &[ProblemKind] {
        &self.problems
    }

    /// Records a problem found by a recipe, reported by the project that
    /// runs the buildspec.
    pub fn problem(mut self, problem: ProblemKind) -> Self {
        self.problems.push(problem);
        self
    }

    /// The plain environment variables (`env.variables`), in order.
    pub fn variables(&self) -> &IndexMap<String, String> {
        &self.variables
    }

    /// The exported variables (`env.exported-variables`), in order.
    pub fn exported_variables(&self) -> &[String] {
        &self.exported_variables
    }

    /// The commands of `phase`, in order.
    pub fn phase_commands(&self, phase: PhaseName) -> &[String] {
        &self.phases[phase.index()].commands
    }

    /// The `finally` commands of `phase`, in order.
    pub fn finally_commands(&self, phase: PhaseName) -> &[String] {
        &self.phases[phase.index()].finally
    }

    /// The artifact files (`artifacts.files`), in order.
    pub fn artifacts(&self) -> &[String] {
        &self.artifact_files
    }

    /// The names of plain variables (`env.variables`) that look like
    /// secrets ([`secret_looking`]), in order. Their values would sit in
    /// the project's configuration and logs in plain text; read them with
    /// [`BuildSpec::secret`] or [`BuildSpec::parameter`] instead.
    pub fn plaintext_secrets(&self) -> Vec<String> {
        self.variables
            .keys()
            .filter(|name| secret_looking(name))
            .cloned()
            .collect()
    }

    /// The statements a build's role needs to read this buildspec's
    /// `parameter-store` entries (`ssm:GetParameters` on each parameter) and
    /// `secrets-manager` entries (`secretsmanager:GetSecretValue` on each
    /// secret), exactly those and nothing else. A CodeBuild project grants
    /// them to its role. SecureString parameters and secrets encrypted with
    /// the AWS managed keys need no KMS grant; with a customer key, grant
    /// `kms:Decrypt` on it too.
    pub fn read_grants(&self) -> Vec<Statement> {
        let mut out = Vec::new();
        for parameter in self.parameter_store.values() {
            out.push(Statement::allow(["ssm:GetParameters"]).resource(parameter_arn(parameter)));
        }
        for reference in self.secrets_manager.values() {
            out.push(
                Statement::allow(["secretsmanager:GetSecretValue"]).resource(secret_arn(reference)),
            );
        }
        out
    }

    /// The buildspec as a value: `version: 0.2` (a number) first, then
    /// `env`, `phases`, `artifacts`, `reports` and `cache`, each omitted
    /// when empty.
    pub fn to_expr(&self) -> Expr {
        let mut root = IndexMap::new();
        root.insert("version".to_owned(), version());
        if let Some(env) = self.env() {
            root.insert("env".to_owned(), env);
        }
        let phases: IndexMap<String, Expr> = PhaseName::ALL
            .into_iter()
            .filter_map(|p| Some((p.key().to_owned(), self.phases[p.index()].to_expr()?)))
            .collect();
        if !phases.is_empty() {
            root.insert("phases".to_owned(), Expr::Map(phases));
        }
        if !self.artifact_files.is_empty() {
            let mut a = IndexMap::new();
            a.insert("files".to_owned(), strings(&self.artifact_files));
            if let Some(name) = &self.artifact_name {
                a.insert("name".to_owned(), Expr::from(name));
            }
            if self.discard_paths {
                a.insert("discard-paths".to_owned(), yes());
            }
            if let Some(dir) = &self.base_directory {
                a.insert("base-directory".to_owned(), Expr::from(dir));
            }
            root.insert("artifacts".to_owned(), Expr::Map(a));
        }
        if !self.reports.is_empty() {
            let reports = self
                .reports
                .iter()
                .map(|(group, r)| (group.clone(), r.to_expr()));
            root.insert("reports".to_owned(), Expr::map(reports));
        }
        if !self.cache_paths.is_empty() {
            root.insert(
                "cache".to_owned(),
                Expr::map([("paths", strings(&self.cache_paths))]),
            );
        }
        Expr::Map(root)
    }

    /// The buildspec as YAML, e.g. for the project's `Source.BuildSpec` or a
    /// `buildspec.yml` file.
    pub fn to_yaml(&self) -> String {
        expr_to_string(&self.to_expr())
    }

    /// The `env` section, or `None` when it would be empty. Keys in the
    /// reference's order.
    fn env(&self) -> Option<Expr> {
        let mut m = IndexMap::new();
        if let Some(shell) = &self.shell {
            m.insert("shell".to_owned(), Expr::from(shell));
        }
        if !self.variables.is_empty() {
            m.insert("variables".to_owned(), string_map(&self.variables));
        }
        if !self.parameter_store.is_empty() {
            m.insert(
                "parameter-store".to_owned(),
                string_map(&self.parameter_store),
            );
        }
        if !self.exported_variables.is_empty() {
            m.insert(
                "exported-variables".to_owned(),
                strings(&self.exported_variables),
            );
        }
        if !self.secrets_manager.is_empty() {
            m.insert(
                "secrets-manager".to_owned(),
                string_map(&self.secrets_manager),
            );
        }
        (!m.is_empty()).then_some(Expr::Map(m))
    }
}

/// The ARN of the Systems Manager parameter `name` (`/app/token` or
/// `app-token`, or an ARN as it is), in the stack's account and region.
pub fn parameter_arn(name: &str) -> Expr {
    if name.starts_with("arn:") {
        return Expr::from(name);
    }
    let name = name.trim_start_matches('/');
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{name}"
    ))
}

/// The ARN pattern of the secret of a Secrets Manager reference
/// (`name[:json-key[:version-stage[:version-id]]]`, or an ARN with the same
/// suffixes). Secrets Manager appends six random characters to a secret's
/// name, hence `-??????`.
pub fn secret_arn(reference: &str) -> Expr {
    if reference.starts_with("arn:") {
        let arn: Vec<&str> = reference.splitn(8, ':').take(7).collect();
        return Expr::from(arn.join(":"));
    }
    let name = reference.split(':').next().unwrap_or(reference);
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{name}-??????"
    ))
}

/// `version: 0.2` as a number, as the reference writes it.
fn version() -> Expr {
    match serde_json::Number::from_f64(VERSION) {
        Some(n) => Expr::Number(n),
        // `from_f64` refuses only NaN and the infinities; `VERSION` is a
        // finite constant, so this arm never runs.
        None => unreachable!("the buildspec version is a finite number"),
    }
}

/// `yes`, as the reference writes `discard-paths`: a string, which every
/// YAML reader (1.1 or 1.2) and CodeBuild's own parser take the same way.
fn yes() -> Expr {
    Expr::from("yes")
}

fn strings(items: &[String]) -> Expr {
    Expr::list(items.iter().map(Expr::from))
}

fn string_map(map: &IndexMap<String, String>) -> Expr {
    Expr::map(map.iter().map(|(k, v)| (k.clone(), Expr::from(v))))
}

/// Words that mark a variable name as holding a secret wherever they appear
/// in it (compared in lowercase).
const SECRET_WORDS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "apikey",
    "api_key",
    "private_key",
    "privatekey",
];

/// Parts of a name (split on anything but letters and digits) that mark it
/// as a secret on their own: `DB_PASS`, `SMTP_PWD`.
const SECRET_PARTS: &[&str] = &["pass", "pwd"];

/// Last parts that end in `key` and name a credential: `SSHKEY`,
/// `LICENSEKEY`. Other words ending in `key` (`MONKEY`, `TURKEY`) do not.
const SECRET_KEY_WORDS: &[&str] = &[
    "accesskey",
    "sshkey",
    "signingkey",
    "encryptionkey",
    "licensekey",
    "masterkey",
    "deploykey",
    "sessionkey",
];

/// Whether a variable name looks like it holds a secret, compared
/// case-insensitively: it contains `token`, `password`, `passwd`, `secret`,
/// `apikey`, `api_key` or `private_key`; or one of its parts (split on `_`,
/// `-` and `.`) is `pass` or `pwd`; or its last part is `key` or `keys` or a
/// credential word ending in `key` (`sshkey`, `accesskey`, ...).
///
/// So `AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`, `NPM_TOKEN`,
/// `DOCKERHUB_PASSWORD`, `SIGNING_KEY` and `DB_PASS` look like secrets, and
/// `IMAGE_REPO_NAME`, `AWS_ACCOUNT_ID`, `REPOSITORY_URI`, `IMAGE_TAG`,
/// `KEYCLOAK_URL`, `MONKEY` and `KMS_KEY_ARN` (an ARN is no secret) do not.
pub fn secret_looking(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if SECRET_WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let parts: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.iter().any(|p| SECRET_PARTS.contains(p)) {
        return true;
    }
    match parts.last() {
        Some(&last) => last == "key" || last == "keys" || SECRET_KEY_WORDS.contains(&last),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_commands(spec: &BuildSpec) -> Vec<String> {
        PhaseName::ALL
            .into_iter()
            .flat_map(|p| {
                let mut c = spec.phase_commands(p).to_vec();
                c.extend(spec.finally_commands(p).iter().cloned());
                c
            })
            .collect()
    }

    #[test]
    fn small_buildspec_exact_yaml() {
        let spec = BuildSpec::new()
            .cache_paths(["/root/.cache/pip/**/*"])
            .report("unit", Report::new(["reports/junit.xml"]))
            .artifact_files(["dist/**/*"])
            .post_build(["echo done"])
            .build(["make test", "echo one\necho two"])
            .on_failure(PhaseName::Build, OnFailure::Continue)
            .finally(PhaseName::Build, ["rm -rf tmp"])
            .runtime("python", "3.12")
            .secret("DOCKERHUB_PASSWORD", "dockerhub:password")
            .exported(["IMAGE_URI"])
            .parameter("DB_HOST", "/app/db/host")
            .variable("FEATURE", "yes")
            .shell("bash");
        assert_eq!(
            spec.to_yaml(),
            "version: 0.2\n\
             env:\n  \
               shell: bash\n  \
               variables:\n    FEATURE: 'yes'\n  \
               parameter-store:\n    DB_HOST: /app/db/host\n  \
               exported-variables:\n    - IMAGE_URI\n  \
               secrets-manager:\n    DOCKERHUB_PASSWORD: dockerhub:password\n\
             phases:\n  \
               install:\n    runtime-versions:\n      python: '3.12'\n  \
               build:\n    \
                 on-failure: CONTINUE\n    \
                 commands:\n      - make test\n      - |-\n        echo one\n        echo two\n    \
                 finally:\n      - rm -rf tmp\n  \
               post_build:\n    commands:\n      - echo done\n\
             artifacts:\n  files:\n    - dist/**/*\n\
             reports:\n  unit:\n    files:\n      - reports/junit.xml\n    file-format: JUNITXML\n\
             cache:\n  paths:\n    - /root/.cache/pip/**/*\n"
        );
    }

    #[test]
    fn empty_sections_and_phases_are_omitted() {
        assert_eq!(BuildSpec::new().to_yaml(), "version: 0.2\n");
        let spec = BuildSpec::new()
            .finally(PhaseName::PreBuild, ["echo never"])
            .on_failure(PhaseName::Install, OnFailure::Abort)
            .artifact_name("out")
            .build(["make"]);
        assert_eq!(
            spec.to_yaml(),
            "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"
        );
    }

    #[test]
    fn yaml_reads_back_with_version_as_number() {
        let spec = docker_build_push(DockerBuild::default().image_definitions("app"))
            .variable("K", "v")
            .report(
                "coverage",
                Report::new(["coverage.xml"])
                    .file_format(ReportFormat::CoberturaXml)
                    .discard_paths(true),
            );
        let yaml = spec.to_yaml();
        let value: yaml_serde::Value = match yaml_serde::from_str(&yaml) {
            Ok(v) => v,
            Err(e) => panic!("buildspec is not valid YAML: {e}\n{yaml}"),
        };
        let version = value.get("version").and_then(yaml_serde::Value::as_f64);
        assert_eq!(version, Some(0.2));
        let post = value
            .get("phases")
            .and_then(|p| p.get("post_build"))
            .and_then(|p| p.get("commands"))
            .and_then(|c| c.get(0))
            .and_then(yaml_serde::Value::as_str);
        assert_eq!(
            post,
            Some(spec.phase_commands(PhaseName::PostBuild)[0].as_str())
        );
    }

    #[test]
    fn docker_recipe_logs_in_on_stdin_and_pushes_on_success() {
        let spec = docker_build_push(DockerBuild::default().extra_registry("MIRROR_URI"));
        let commands = all_commands(&spec);
        let logins: Vec<&String> = commands
            .iter()
            .filter(|c| c.contains("docker login"))
            .collect();
        assert_eq!(logins.len(), 2, "{commands:#?}");
        for c in &commands {
            assert!(!c.contains("--password "), "{c}");
            assert!(!c.contains(" -p "), "{c}");
            if c.contains("docker login") {
                assert!(c.contains("--password-stdin"), "{c}");
                assert!(c.contains("get-login-password"), "{c}");
            }
        }
        let pre = spec.phase_commands(PhaseName::PreBuild).join("\n");
        assert!(pre.contains(r#"--password-stdin "${REPOSITORY_URI%%/*}""#));
        assert!(pre.contains(r#""$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7"#));
        assert!(pre.contains(r#"IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG""#));
        assert_eq!(
            spec.phase_commands(PhaseName::Build),
            [
                r#"docker build --file Dockerfile --tag "$IMAGE_URI" --tag "$REPOSITORY_URI:latest" ."#
            ]
        );
        let post = spec.phase_commands(PhaseName::PostBuild);
        assert_eq!(post.len(), 1);
        assert!(post[0].starts_with(r#"if [ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ]; then"#));
        for push in [
            r#"docker push "$IMAGE_URI""#,
            r#"docker push "$REPOSITORY_URI:latest""#,
            r#"docker tag "$IMAGE_URI" "$MIRROR_URI:$IMAGE_TAG""#,
            r#"docker push "$MIRROR_URI:$IMAGE_TAG""#,
            r#"docker push "$MIRROR_URI:latest""#,
        ] {
            assert!(post[0].contains(push), "{push} missing from {}", post[0]);
        }
        assert_eq!(spec.exported_variables(), ["IMAGE_URI", "IMAGE_TAG"]);
        assert!(spec.artifacts().is_empty());
        assert!(!spec.to_yaml().contains(IMAGE_DEFINITIONS_FILE));
    }

    #[test]
    fn docker_recipe_writes_image_definitions_only_when_asked() {
        let spec = docker_build_push(DockerBuild::default().image_definitions("app"));
        assert_eq!(spec.artifacts(), [IMAGE_DEFINITIONS_FILE]);
        let post = spec.phase_commands(PhaseName::PostBuild);
        assert_eq!(post.len(), 2);
        assert_eq!(
            post[1],
            "if [ \"$CODEBUILD_BUILD_SUCCEEDING\" = \"1\" ]; then\n  \
             printf '[{\"name\":\"app\",\"imageUri\":\"%s\"}]' \"$IMAGE_URI\" > imagedefinitions.json\n\
             fi"
        );
    }

    #[test]
    fn docker_recipe_quotes_odd_inputs() {
        let spec = docker_build_push(
            DockerBuild::new()
                .no_moving_tag()
                .dockerfile("docker/My App.Dockerfile")
                .context("it's here")
                .image_definitions("a\"b%c\\d"),
        );
        assert_eq!(
            spec.phase_commands(PhaseName::Build),
            [r#"docker build --file 'docker/My App.Dockerfile' --tag "$IMAGE_URI" 'it'\''s here'"#]
        );
        let post = spec.phase_commands(PhaseName::PostBuild);
        assert!(!post[0].contains("latest"));
        assert!(
            post[1].contains(r#"printf '[{"name":"a\\"b%%c\\\\d","imageUri":"%s"}]' "$IMAGE_URI""#),
            "{}",
            post[1]
        );
        let tagged = docker_build_push(DockerBuild::new().moving_tag("a b"));
        assert!(
            tagged.phase_commands(PhaseName::Build)[0]
                .contains(r#"--tag "$REPOSITORY_URI:"'a b' ."#)
        );
        let odd = docker_build_push(DockerBuild::new().extra_registry("A $B"));
        let post = odd.phase_commands(PhaseName::PostBuild).join("\n");
        assert!(
            post.contains(r#""$(printenv 'A $B'):$IMAGE_TAG""#),
            "{post}"
        );
    }

    #[test]
    fn secret_looking_names() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "DOCKERHUB_PASSWORD",
            "db_passwd",
            "STRIPE_API_KEY",
            "ApiKey",
            "SSH_PRIVATE_KEY",
            "SIGNING_KEY",
            "KEY",
            "DEPLOY_KEYS",
            "GIT_SSHKEY",
            "DB_PASS",
            "client-secret",
        ] {
            assert!(secret_looking(name), "{name} looks like a secret");
        }
        for name in [
            "IMAGE_REPO_NAME",
            "AWS_ACCOUNT_ID",
            "REPOSITORY_URI",
            "IMAGE_TAG",
            "KEYCLOAK_URL",
            "MONKEY",
            "KMS_KEY_ARN",
            "AWS_DEFAULT_REGION",
            "COMPASS_URL",
            "",
        ] {
            assert!(!secret_looking(name), "{name} does not look like a secret");
        }
    }

    #[test]
    fn plaintext_secrets_lists_plain_variables_only() {
        let spec = BuildSpec::new()
            .variable("IMAGE_REPO_NAME", "app")
            .variable("NPM_TOKEN", "abc")
            .secret("GITHUB_TOKEN", "github:token")
            .parameter("DB_PASSWORD", "/app/db/password")
            .variable("AWS_SECRET_ACCESS_KEY", "x");
        assert_eq!(
            spec.plaintext_secrets(),
            ["NPM_TOKEN", "AWS_SECRET_ACCESS_KEY"]
        );
    }
}

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

/// Options of the [`docker_build_push`] recipe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerBuild {
    moving_tag: Option<String>,
    image_definitions: Option<String>,
    dockerfile: String,
    context: String,
    extra_registries: Vec<String>,
}

impl Default for DockerBuild {
    fn default() -> Self {
        Self {
            moving_tag: Some("latest".to_owned()),
            image_definitions: None,
            dockerfile: "Dockerfile".to_owned(),
            context: ".".to_owned(),
            extra_registries: Vec::new(),
        }
    }
}

impl DockerBuild {
    /// The defaults: moving tag `latest`, no `imagedefinitions.json`,
    /// `Dockerfile` in context `.`, no extra registries.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also tags and pushes the image as `tag`, which moves to every new
    /// build. Default: `latest`.
    pub fn moving_tag(mut self, tag: impl Into<String>) -> Self {
        self.moving_tag = Some(tag.into());
        self
    }

    /// Pushes only the commit tag: no moving tag. Default: `latest` is
    /// pushed.
    pub fn no_moving_tag(mut self) -> Self {
        self.moving_tag = None;
        self
    }

    /// Writes `imagedefinitions.json` for an ECS deploy action, naming
    /// `container` (the container name in the task definition), and lists
    /// it in the artifacts. Default: not written.
    pub fn image_definitions(mut self, container: impl Into<String>) -> Self {
        self.image_definitions = Some(container.into());
        self
    }

    /// Sets the Dockerfile's path. Default: `Dockerfile`.
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Sets the build context directory. Default: `.`, the source directory.
    pub fn context(mut self, dir: impl Into<String>) -> Self {
        self.context = dir.into();
        self
    }

    /// Also pushes the image to the repository whose URI is in the
    /// environment variable `env_var` (a variable NAME, e.g.
    /// `MIRROR_REPOSITORY_URI`, that the project sets): build once, push to
    /// many. An ECR repository is logged in to with the project's role; for
    /// any other registry, add your own login to `pre_build`. Default: none.
    pub fn extra_registry(mut self, env_var: impl Into<String>) -> Self {
        self.extra_registries.push(env_var.into());
        self
    }
}

/// A buildspec that builds a Docker image once and pushes it to ECR.
///
/// The project must set `REPOSITORY_URI` to the ECR repository's URI (and
/// each [`DockerBuild::extra_registry`] variable); CodeBuild sets
/// `AWS_DEFAULT_REGION`, `CODEBUILD_RESOLVED_SOURCE_VERSION` and
/// `CODEBUILD_BUILD_SUCCEEDING`. The project needs privileged mode.
///
/// - `pre_build` logs in to ECR with the password on stdin, and sets
///   `IMAGE_TAG` to the first 7 characters of the commit and `IMAGE_URI` to
///   `$REPOSITORY_URI:$IMAGE_TAG`.
/// - `build` builds the image, tagged `IMAGE_URI` and the moving tag.
/// - `post_build` pushes every tag, and writes `imagedefinitions.json` when
///   asked, only when the build succeeded.
/// - `IMAGE_URI` and `IMAGE_TAG` are exported for later pipeline actions.
pub fn docker_build_push(options: DockerBuild) -> BuildSpec {
    let registries: Vec<Registry> = options
        .extra_registries
        .iter()
        .map(|v| Registry::new(v))
        .collect();

    let mut pre_build = vec![ecr_login("$AWS_DEFAULT_REGION", "${REPOSITORY_URI%%/*}")];
    pre_build.extend(registries.iter().map(Registry::login));
    pre_build.push(
        r#"IMAGE_TAG="$(printf '%s' "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)""#
            .to_owned(),
    );
    pre_build.push(r#"IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG""#.to_owned());

    let mut build = format!(
        r#"docker build --file {} --tag "$IMAGE_URI""#,
        sh_word(&options.dockerfile)
    );
    if let Some(tag) = &options.moving_tag {
        build.push_str(" --tag ");
        build.push_str(&image_ref("$REPOSITORY_URI", tag));
    }
    build.push(' ');
    build.push_str(&sh_word(&options.context));

    let mut pushes = vec![r#"docker push "$IMAGE_URI""#.to_owned()];
    if let Some(tag) = &options.moving_tag {
        pushes.push(format!("docker push {}", image_ref("$REPOSITORY_URI", tag)));
    }
    for r in &registries {
        let mut targets = vec![format!(r#""{}:$IMAGE_TAG""#, r.value)];
        if let Some(tag) = &options.moving_tag {
            targets.push(image_ref(&r.value, tag));
        }
        for target in targets {
            pushes.push(format!(r#"docker tag "$IMAGE_URI" {target}"#));
            pushes.push(format!("docker push {target}"));
        }
    }
    let mut post_build = vec![when_succeeding(&pushes.join(" &&\n  "))];

    let mut spec = BuildSpec::new();
    if let Some(container) = &options.image_definitions {
        // The JSON is fixed at synth; only the URI is filled in by printf.
        // The container name is JSON-escaped, then escaped for printf's
        // format (`%` and `\`), then quoted for the shell.
        let name = serde_json::Value::String(container.clone())
            .to_string()
            .replace('\\', r"\\")
            .replace('%', "%%");
        let format = format!(r#"[{{"name":{name},"imageUri":"%s"}}]"#);
        post_build.push(when_succeeding(&format!(
            r#"printf {} "$IMAGE_URI" > {IMAGE_DEFINITIONS_FILE}"#,
            sh_word(&format)
        )));
        spec = spec.artifact_files([IMAGE_DEFINITIONS_FILE]);
    }

    spec.exported(["IMAGE_URI", "IMAGE_TAG"])
        .pre_build(pre_build)
        .build([build])
        .post_build(post_build)
}

/// The file the build-once recipes hand the image over in: the output of
/// `docker save`, gzipped, in the build's output artifact.
pub const IMAGE_ARCHIVE: &str = "image.tar.gz";

/// The name the build-once recipes give the image inside the build
/// (`pipewright-image:$IMAGE_TAG`); it never leaves the build host except
/// inside [`IMAGE_ARCHIVE`].
pub const LOCAL_IMAGE: &str = "pipewright-image";

/// The short commit: `IMAGE_TAG` set to the first 7 characters of the
/// commit CodeBuild resolved.
fn short_commit() -> String {
    r#"IMAGE_TAG="$(printf '%s' "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)""#.to_owned()
}

impl BuildSpec {
    /// Saves the image `pipewright-image:$IMAGE_TAG` ([`LOCAL_IMAGE`]) at
    /// the end of the `build` phase with `docker save | gzip` into
    /// [`IMAGE_ARCHIVE`], and lists the archive in the artifacts: the
    /// hand-off from a build to later actions that load it. Runs under
    /// `bash` with `pipefail`, so a failed `docker save` fails the build.
    pub fn save_image(self) -> Self {
        self.shell("bash")
            .build([format!(
                r#"set -o pipefail && docker save "{LOCAL_IMAGE}:$IMAGE_TAG" | gzip > {IMAGE_ARCHIVE}"#
            )])
            .artifact_files([IMAGE_ARCHIVE])
    }

    /// Loads the image a [`BuildSpec::save_image`] build saved, from
    /// [`IMAGE_ARCHIVE`] in the input artifact, at the end of `pre_build`
    /// (`gunzip | docker load`, under `bash` with `pipefail`). The action
    /// must set `IMAGE_TAG` (e.g. `#{BuildVariables.IMAGE_TAG}`).
    pub fn load_image(self) -> Self {
        self.shell("bash").pre_build([format!(
            "set -o pipefail && gunzip -c {IMAGE_ARCHIVE} | docker load"
        )])
    }

    /// Runs the rest of the build with temporary credentials of the role
    /// whose ARN is in the environment variable `role_arn_var`: `pre_build`
    /// assumes it (`aws sts assume-role`, one hour) and exports its session
    /// credentials, never printing them. The project's role needs
    /// `sts:AssumeRole` on exactly that role, and the role must trust it;
    /// no long-lived key is involved.
    pub fn assume_role(self, role_arn_var: &str) -> Self {
        let arn = Registry::new(role_arn_var).value;
        self.shell("bash").pre_build([
            format!(
                r#"CREDENTIALS="$(aws sts assume-role --role-arn "{arn}" --role-session-name "codebuild-$CODEBUILD_BUILD_NUMBER" --duration-seconds 3600 --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)""#
            ),
            r#"read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "$CREDENTIALS" && export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN && unset CREDENTIALS"#.to_owned(),
        ])
    }
}

/// Build once: a buildspec that builds the Docker image, tags it
/// `pipewright-image:$IMAGE_TAG` with `IMAGE_TAG` the short commit, saves
/// it into [`IMAGE_ARCHIVE`] ([`BuildSpec::save_image`]) and exports
/// `IMAGE_TAG`. It pushes nowhere and needs no registry permission; each
/// registry gets its own [`docker_load_push`] action. Uses the
/// Dockerfile and context of `options` (its moving tag, image definitions
/// and extra registries do not apply). The project needs privileged mode.
pub fn docker_build_save(options: DockerBuild) -> BuildSpec {
    BuildSpec::new()
        .exported(["IMAGE_TAG"])
        .pre_build([short_commit()])
        .build([format!(
            r#"docker build --file {} --tag "{LOCAL_IMAGE}:$IMAGE_TAG" {}"#,
            sh_word(&options.dockerfile),
            sh_word(&options.context)
        )])
        .save_image()
}

/// Push to one registry: a buildspec that loads the image a
/// [`docker_build_save`] build saved ([`BuildSpec::load_image`]), logs in
/// to the ECR registry of the repository URI in the environment variable
/// `target_var` (in that registry's region, the password on stdin),
/// tags the image `<uri>:$IMAGE_TAG` and pushes it only when everything
/// before succeeded. The action sets `IMAGE_TAG`; the project sets
/// `target_var` and needs privileged mode, and its role push permission on
/// that one repository.
///
/// With `role_arn_var`, the build first assumes the role whose ARN is in
/// that variable ([`BuildSpec::assume_role`]), so that the login and the
/// push run with that role's temporary credentials: a push into another
/// account's registry as a role of that account.
pub fn docker_load_push(target_var: &str, role_arn_var: Option<&str>) -> BuildSpec {
    let target = Registry::new(target_var);
    let image = format!(r#""{}:$IMAGE_TAG""#, target.value);
    let spec = match role_arn_var {
        Some(var) => BuildSpec::new().assume_role(var),
        None => BuildSpec::new(),
    };
    spec.load_image()
        .pre_build([target.login()])
        .build([format!(r#"docker tag "{LOCAL_IMAGE}:$IMAGE_TAG" {image}"#)])
        .post_build([when_succeeding(&format!("docker push {image}"))])
}

/// The Docker Hub registry's host, for `docker login`.
pub const DOCKER_HUB: &str = "docker.io";

/// Options of the [`dockerhub_build_push`] recipe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerHub {
    repository: String,
    secret: String,
    username_key: String,
    token_key: String,
    moving_tag: Option<String>,
}

impl DockerHub {
    /// Pushes to the Docker Hub repository `repository` (`owner/name`),
    /// logging in with the credentials in the Secrets Manager secret
    /// `secret` (its name, not its value). Defaults: the username under the
    /// JSON key `username`, the access token under `token`, no moving tag.
    pub fn new(repository: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            repository: repository.into(),
            secret: secret.into(),
            username_key: "username".to_owned(),
            token_key: "token".to_owned(),
            moving_tag: None,
        }
    }

    /// Sets the JSON keys of the username and the token in the secret.
    /// Default: `username` and `token`.
    pub fn keys(mut self, username: impl Into<String>, token: impl Into<String>) -> Self {
        self.username_key = username.into();
        self.token_key = token.into();
        self
    }

    /// Also pushes `tag` (e.g. `latest`), which moves to every new build.
    /// Default: only the commit tag.
    pub fn moving_tag(mut self, tag: impl Into<String>) -> Self {
        self.moving_tag = Some(tag.into());
        self
    }

    /// What is wrong: a secret "name" that is a credential (a Docker Hub
    /// token starts with `dckr_`; a secret name has only letters, digits
    /// and `/_+=.@-`).
    fn problems(&self) -> Vec<ProblemKind> {
        let name_like = !self.secret.is_empty()
            && self.secret.len() <= 512
            && self
                .secret
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
        let token_like = ["dckr_pat_", "dckr_oat_", "dckr_"]
            .iter()
            .any(|p| self.secret.starts_with(p));
        if name_like && !token_like {
            return Vec::new();
        }
        let shown: String = self.secret.chars().take(5).collect();
        vec![ProblemKind::SecretAsPlaintext {
            what: "Docker Hub secret",
            shown: format!("{shown}…"),
        }]
    }
}

/// A buildspec that builds a Docker image and pushes it to Docker Hub.
///
/// - `env.secrets-manager` reads `DOCKERHUB_USERNAME` and `DOCKERHUB_TOKEN`
///   from the secret at build time (the project's role may read exactly
///   that secret, `...:secret:<name>-??????`); `DOCKERHUB_REPOSITORY` is a
///   plain variable.
/// - `pre_build` logs in with the token on stdin, never in argv, and sets
///   `IMAGE_TAG` to the short commit.
/// - `build` builds `$DOCKERHUB_REPOSITORY:$IMAGE_TAG` (and the moving tag).
/// - `post_build` pushes only when the build succeeded, then logs out.
///
/// A secret given as a credential instead of a name is a synth error of the
/// project that runs the buildspec. The project needs privileged mode.
pub fn dockerhub_build_push(options: DockerHub) -> BuildSpec {
    let mut spec = BuildSpec::new();
    for problem in options.problems() {
        spec = spec.problem(problem);
    }
    let reference = |key: &str| format!("{}:{key}", options.secret);
    let mut tags = vec![r#""$DOCKERHUB_REPOSITORY:$IMAGE_TAG""#.to_owned()];
    if let Some(tag) = &options.moving_tag {
        tags.push(image_ref("$DOCKERHUB_REPOSITORY", tag));
    }
    let build = format!(
        "docker build {} .",
        tags.iter()
            .map(|t| format!("--tag {t}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let pushes: Vec<String> = tags.iter().map(|t| format!("docker push {t}")).collect();
    spec.variable("DOCKERHUB_REPOSITORY", options.repository.as_str())
        .secret("DOCKERHUB_USERNAME", reference(&options.username_key))
        .secret("DOCKERHUB_TOKEN", reference(&options.token_key))
        .exported(["IMAGE_TAG"])
        .pre_build([
            format!(
                r#"printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin {DOCKER_HUB}"#
            ),
            short_commit(),
        ])
        .build([build])
        .post_build([
            when_succeeding(&pushes.join(" &&\n  ")),
            format!("docker logout {DOCKER_HUB}"),
        ])
}

/// A buildspec that runs `make <target>` for each of `targets`, in order,
/// in the `build` phase: the repository's Makefile is the build's
/// interface (`make build`, `make test`, `make deploy`). Add variables,
/// reports and hand-offs with the [`BuildSpec`] setters.
pub fn make<S: AsRef<str>>(targets: impl IntoIterator<Item = S>) -> BuildSpec {
    BuildSpec::new().build(
        targets
            .into_iter()
            .map(|t| format!("make {}", sh_word(t.as_ref())))
            .collect::<Vec<_>>(),
    )
}

/// `BUILD_NUMBER` set to CodeBuild's build number and `IMAGE_TAG` to the
/// short commit, the tags the make recipes publish; add them with
/// `.pre_build(build_tags())` and export them with
/// `.exported(["IMAGE_TAG", "BUILD_NUMBER"])`.
pub fn build_tags() -> Vec<String> {
    vec![
        short_commit(),
        r#"BUILD_NUMBER="$CODEBUILD_BUILD_NUMBER""#.to_owned(),
    ]
}

/// `body` run only when every command before it succeeded.
fn when_succeeding(body: &str) -> String {
    format!("if [ \"$CODEBUILD_BUILD_SUCCEEDING\" = \"1\" ]; then\n  {body}\nfi")
}

/// Logs in to the ECR registry `host` of `region`, the password on stdin.
/// Both arguments are already shell text meant for double quotes.
fn ecr_login(region: &str, host: &str) -> String {
    format!(
        r#"aws ecr get-login-password --region "{region}" | docker login --username AWS --password-stdin "{host}""#
    )
}

/// An extra registry, read from an environment variable.
struct Registry {
    /// The variable's name, as it is.
    name: String,
    /// Shell text for the variable's value, meant for double quotes.
    value: String,
    /// Shell text for the registry host (the value up to the first `/`),
    /// meant for double quotes.
    host: String,
}

impl Registry {
    fn new(name: &str) -> Self {
        let (value, host) = if shell_name(name) {
            (format!("${name}"), format!("${{{name}%%/*}}"))
        } else {
            // Not a name `$` can expand: read it without letting the shell
            // parse it.
            let quoted = sh_word(name);
            (
                format!("$(printenv {quoted})"),
                format!("$(printenv {quoted} | cut -d / -f 1)"),
            )
        };
        Self {
            name: name.to_owned(),
            value,
            host,
        }
    }

    /// Logs in when the registry is an ECR registry
    /// (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]`), in its own region.
    fn login(&self) -> String {
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
fn shell_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Characters no shell treats specially, in or out of double quotes.
fn shell_safe(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c))
}

/// `s` as one shell word: as is when it is [`shell_safe`], single-quoted
/// otherwise.
fn sh_word(s: &str) -> String {
    if shell_safe(s) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `"<repository>:<tag>"` as one shell word; `repository` is shell text
/// meant for double quotes, `tag` a literal.
fn image_ref(repository: &str, tag: &str) -> String {
    if shell_safe(tag) {
        format!(r#""{repository}:{tag}""#)
    } else {
        format!(r#""{repository}:"{}"#, sh_word(tag))
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

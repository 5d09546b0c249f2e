//! `AWS::CodeBuild::Project`: a build project.
//!
//! A [`Project`] gets its own role with exactly the permissions it needs
//! (its log group, the variables it reads, the report groups of its
//! buildspec, what others grant it), CloudWatch
//! logging, bounded timeouts, a current managed image, privileged mode only
//! when asked (for Docker builds), and refuses plaintext variables that look
//! like secrets.
//!
//! The project is named `<stack>-<logical ID>` and its ARN is built with
//! `Fn::Sub` from `!Ref`: the role's policy can then name the log group
//! without referencing the project (no cycle), and the local CloudFormation
//! emulator the tests deploy to cannot resolve `GetAtt` on this type.

use crate::buildspec::{self, BuildSpec};
use crate::codebuild::report_group::{ReportGroup, ReportType};
use crate::codebuild::webhook::FilterGroup;
use crate::construct::{Construct, Need, ResourceRef, Stack};
use crate::ecr::RepositoryRef;
use crate::error::ProblemKind;
use crate::iam::{Role, RoleRef, Statement};
use crate::s3::BucketRef;
use crate::template::{Expr, Resource};

/// The default build image: a current CodeBuild standard image.
pub const STANDARD_IMAGE: &str = "aws/codebuild/standard:7.0";
/// CodeBuild's service role page: the logs, artifact bucket, parameter and
/// secret permissions a build needs.
pub const SERVICE_ROLE_DOC: &str =
    "https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html";
/// What a pipeline's CodeBuild action needs of the project.
pub const ACTION_DOC: &str =
    "https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html";
/// CodeBuild's page on sources fetched through a connection.
pub const CONNECTION_SOURCE_DOC: &str =
    "https://docs.aws.amazon.com/codebuild/latest/userguide/connections-github-app.html";
/// CodeBuild's build caching page: an S3 cache is read and written with
/// the project's role.
pub const CACHE_DOC: &str =
    "https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching.html";
/// Minutes a build may run by default.
pub const DEFAULT_TIMEOUT_MINUTES: u32 = 60;
/// Minutes a build may wait in the queue by default.
pub const DEFAULT_QUEUED_TIMEOUT_MINUTES: u32 = 120;

/// `Environment.ComputeType`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ComputeType {
    /// `BUILD_GENERAL1_SMALL` (3 GB, 2 vCPUs): the default.
    #[default]
    Small,
    /// `BUILD_GENERAL1_MEDIUM` (7 GB, 4 vCPUs).
    Medium,
    /// `BUILD_GENERAL1_LARGE` (15 GB, 8 vCPUs).
    Large,
}

impl ComputeType {
    /// The name CodeBuild uses, e.g. `BUILD_GENERAL1_SMALL`.
    pub fn as_str(self) -> &'static str {
        match self {
            ComputeType::Small => "BUILD_GENERAL1_SMALL",
            ComputeType::Medium => "BUILD_GENERAL1_MEDIUM",
            ComputeType::Large => "BUILD_GENERAL1_LARGE",
        }
    }
}

/// `Environment.Type`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EnvironmentType {
    /// `LINUX_CONTAINER`: the default.
    #[default]
    LinuxContainer,
    /// `ARM_CONTAINER`.
    ArmContainer,
}

impl EnvironmentType {
    fn as_str(self) -> &'static str {
        match self {
            EnvironmentType::LinuxContainer => "LINUX_CONTAINER",
            EnvironmentType::ArmContainer => "ARM_CONTAINER",
        }
    }
}

/// Where the project's source comes from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Source {
    /// The pipeline's input artifact (`CODEPIPELINE`): the default.
    #[default]
    CodePipeline,
    /// A GitHub repository URL (`GITHUB`), for builds started by webhooks.
    GitHub {
        /// The clone URL, e.g. `https://github.com/owner/repo.git`.
        location: Expr,
    },
    /// A Bitbucket repository URL (`BITBUCKET`), for builds started by
    /// webhooks.
    Bitbucket {
        /// The clone URL, e.g. `https://bitbucket.org/owner/repo.git`.
        location: Expr,
    },
}

impl Source {
    /// `Source.Type`, e.g. `GITHUB`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::CodePipeline => "CODEPIPELINE",
            Source::GitHub { .. } => "GITHUB",
            Source::Bitbucket { .. } => "BITBUCKET",
        }
    }

    /// The repository URL, for a repository source.
    fn location(&self) -> Option<&Expr> {
        match self {
            Source::CodePipeline => None,
            Source::GitHub { location } | Source::Bitbucket { location } => Some(location),
        }
    }
}

/// An environment variable of the project.
#[derive(Clone, Debug, PartialEq)]
enum Variable {
    Plaintext(String, Expr),
    ParameterStore(String, String),
    SecretsManager(String, String),
}

/// A CodeBuild project.
#[derive(Clone, Debug)]
pub struct Project {
    id: String,
    spec: BuildSpec,
    spec_copy: Option<String>,
    spec_in_source: Option<String>,
    description: Option<String>,
    compute: Expr,
    environment: EnvironmentType,
    image: String,
    privileged: bool,
    variables: Vec<Variable>,
    source: Source,
    timeout: u32,
    queued_timeout: u32,
    key_arn: Option<Expr>,
    webhook: Option<Vec<FilterGroup>>,
    role_name: Option<String>,
    secondary: Vec<(String, Source)>,
    role_tags: Vec<(String, String)>,
    pushes: Vec<RepositoryRef>,
    managed_policies: Vec<Expr>,
    layer_cache: bool,
    connection: Option<Expr>,
    cache: Option<(BucketRef, String)>,
}

impl Project {
    /// A project with logical ID `id` that runs `spec` (inlined in the
    /// template as `Source.BuildSpec`).
    pub fn new(id: impl Into<String>, spec: BuildSpec) -> Self {
        Self {
            id: id.into(),
            spec,
            spec_copy: None,
            spec_in_source: None,
            description: None,
            compute: Expr::from(ComputeType::default().as_str()),
            environment: EnvironmentType::default(),
            image: STANDARD_IMAGE.to_owned(),
            privileged: false,
            variables: Vec::new(),
            source: Source::default(),
            timeout: DEFAULT_TIMEOUT_MINUTES,
            queued_timeout: DEFAULT_QUEUED_TIMEOUT_MINUTES,
            key_arn: None,
            webhook: None,
            role_name: None,
            secondary: Vec::new(),
            role_tags: Vec::new(),
            pushes: Vec::new(),
            managed_policies: Vec::new(),
            layer_cache: false,
            connection: None,
            cache: None,
        }
    }

    /// Keeps the buildspec's `cache.paths` between builds in `bucket` under
    /// `prefix` (`Cache` of type `S3`, location `<bucket>/<prefix>`), and
    /// lets the role read and write it. Default: no cache.
    pub fn s3_cache(mut self, bucket: &BucketRef, prefix: impl Into<String>) -> Self {
        self.cache = Some((bucket.clone(), prefix.into()));
        self
    }

    /// Also writes the buildspec to `buildspecs/<path>` at synth, for
    /// application repositories that keep their buildspec beside their code.
    pub fn buildspec_copy(mut self, path: impl Into<String>) -> Self {
        self.spec_copy = Some(path.into());
        self
    }

    /// The build reads its buildspec from its source at `path` (relative
    /// to the source's root, e.g. `pipeline/buildspec.yml`), as a
    /// repository that keeps its buildspec beside its code does:
    /// `Source.BuildSpec` is the path, not the buildspec. The typed
    /// buildspec stays the project's description of what the build does:
    /// synth checks its commands against the role as for an inlined one,
    /// and writes it to `buildspecs/<stack>/<path>` (or to the path given to
    /// [`buildspec_copy`](Self::buildspec_copy)) as the starting copy for
    /// the repository. Default: the buildspec is inlined in the template.
    pub fn buildspec_from_source(mut self, path: impl Into<String>) -> Self {
        self.spec_in_source = Some(path.into());
        self
    }

    /// Sets `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Names the project's role (`RoleName`), so that a role of another
    /// account can trust exactly it by a literal ARN
    /// ([`crate::iam::Role::assumed_by_role`]). A named role needs
    /// `CAPABILITY_NAMED_IAM`, and renaming replaces it. Default: none,
    /// CloudFormation generates a name.
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// Sets the compute type. Default: [`ComputeType::Small`].
    pub fn compute(mut self, compute: ComputeType) -> Self {
        self.compute = Expr::from(compute.as_str());
        self
    }

    /// Sets the compute type from an expression resolved at deploy, such
    /// as `Fn::FindInMap` on a table of compute types per branch; the
    /// value must be a `ComputeType` name (`BUILD_GENERAL1_SMALL`, ...).
    /// Default: [`ComputeType::Small`].
    pub fn compute_from(mut self, compute: impl Into<Expr>) -> Self {
        self.compute = compute.into();
        self
    }

    /// Keeps Docker layers on the build host between builds (`Cache` of
    /// type `LOCAL`, mode `LOCAL_DOCKER_LAYER_CACHE`): CodeBuild's
    /// counterpart of CircleCI's `docker_layer_caching`. The cache is best
    /// effort: a build on a fresh host starts cold. Default: no cache.
    pub fn docker_layer_cache(mut self) -> Self {
        self.layer_cache = true;
        self
    }

    /// Reaches the repository source through the CodeConnections
    /// connection `connection_arn` (`Source.Auth` of type
    /// `CODECONNECTIONS`) instead of the account's source credential; the
    /// role may use exactly that connection. Default: the account's source
    /// credential for the repository host, which synth requires some stack
    /// of the project's account and region to provide.
    pub fn source_connection(mut self, connection_arn: impl Into<Expr>) -> Self {
        self.connection = Some(connection_arn.into());
        self
    }

    /// Sets the environment type. Default: [`EnvironmentType::LinuxContainer`].
    pub fn environment(mut self, environment: EnvironmentType) -> Self {
        self.environment = environment;
        self
    }

    /// Sets the build image. Default: [`STANDARD_IMAGE`].
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.image = image.into();
        self
    }

    /// A privileged project that builds a Docker image and pushes it to
    /// `repository` with [`docker_build_push`](buildspec::docker_build_push):
    /// the recipe wired to the repository. It sets `REPOSITORY_URI` to the
    /// repository's URI and privileged mode, and its role may pull and
    /// push exactly that repository ([`Project::pushes_to`]).
    pub fn docker(
        id: impl Into<String>,
        repository: &RepositoryRef,
        options: buildspec::DockerBuild,
    ) -> Self {
        Self::new(id, buildspec::docker_build_push(options))
            .privileged()
            .variable("REPOSITORY_URI", repository.uri())
            .pushes_to(repository)
    }

    /// The build pushes images to `repository`: its role may log in, pull,
    /// push and read image metadata (to skip a tag already pushed) of
    /// exactly that repository (`ecr:GetAuthorizationToken` on `*`, which
    /// has no resource-level permission). Default: no repository.
    pub fn pushes_to(mut self, repository: &RepositoryRef) -> Self {
        self.pushes.push(repository.clone());
        self
    }

    /// Runs the build in privileged mode, which Docker builds need (the
    /// build can then control the host's Docker daemon). Default: off.
    pub fn privileged(mut self) -> Self {
        self.privileged = true;
        self
    }

    /// Adds a plaintext environment variable. A name that looks like a
    /// secret (token, password, secret, key) is a synth error: use
    /// [`Project::secret_variable`] or [`Project::parameter_variable`].
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.variables
            .push(Variable::Plaintext(name.into(), value.into()));
        self
    }

    /// Adds a variable read from a Systems Manager parameter at build time;
    /// the role may read exactly that parameter.
    pub fn parameter_variable(
        mut self,
        name: impl Into<String>,
        parameter: impl Into<String>,
    ) -> Self {
        self.variables
            .push(Variable::ParameterStore(name.into(), parameter.into()));
        self
    }

    /// Adds a variable read from Secrets Manager at build time
    /// (`secret-id[:json-key]`); the role may read exactly that secret.
    pub fn secret_variable(mut self, name: impl Into<String>, secret: impl Into<String>) -> Self {
        self.variables
            .push(Variable::SecretsManager(name.into(), secret.into()));
        self
    }

    /// Sets the source. Default: [`Source::CodePipeline`].
    pub fn source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// Adds a secondary source (`SecondarySources`) with `SourceIdentifier`
    /// `identifier` (1 to 128 letters, digits and `_`, checked at synth):
    /// the build finds it in `$CODEBUILD_SRC_DIR_<identifier>`. In a
    /// pipeline, CodePipeline passes the action's other input artifacts
    /// instead, under their artifact names: name the artifact like the
    /// identifier and one buildspec serves both. Default: none.
    pub fn secondary_source(mut self, identifier: impl Into<String>, source: Source) -> Self {
        self.secondary.push((identifier.into(), source));
        self
    }

    /// Tags the project's role: builds then run as a principal with that
    /// tag, which another account's trust policy can require
    /// (`aws:PrincipalTag/<key>`). Default: no tags.
    pub fn role_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.role_tags.push((key.into(), value.into()));
        self
    }

    /// Attaches the managed policy `policy_arn` to the project's role
    /// ([`Role::managed_policy`]): permissions a team keeps outside the
    /// app. Default: none.
    pub fn managed_policy(mut self, policy_arn: impl Into<Expr>) -> Self {
        self.managed_policies.push(policy_arn.into());
        self
    }

    /// Sets `TimeoutInMinutes` (5 to 2160). Default: [`DEFAULT_TIMEOUT_MINUTES`].
    pub fn timeout_minutes(mut self, minutes: u32) -> Self {
        self.timeout = minutes;
        self
    }

    /// Sets `QueuedTimeoutInMinutes` (5 to 480). Default:
    /// [`DEFAULT_QUEUED_TIMEOUT_MINUTES`].
    pub fn queued_timeout_minutes(mut self, minutes: u32) -> Self {
        self.queued_timeout = minutes;
        self
    }

    /// Encrypts build output with this KMS key (`EncryptionKey`), and lets
    /// the role use it. Default: the AWS managed key for S3.
    pub fn kms_key(mut self, key_arn: impl Into<Expr>) -> Self {
        self.key_arn = Some(key_arn.into());
        self
    }

    /// Starts a build on repository events (`Triggers` with `Webhook: true`
    /// and `BuildType: BUILD`): CodeBuild starts one when every filter of
    /// any one of `groups` matches. Needs a repository [`Source`] (not
    /// [`Source::CodePipeline`]) and at least one group: a webhook without
    /// one builds every push and every pull request, forks' included, with
    /// the project's role, so it is a synth error. Each group is checked at
    /// synth (exactly one `EVENT` filter, every pattern a valid regular
    /// expression).
    /// Default: no webhook (builds start only from a pipeline or the API).
    pub fn webhook(mut self, groups: Vec<FilterGroup>) -> Self {
        self.webhook = Some(groups);
        self
    }

    fn problems(&self) -> Vec<ProblemKind> {
        let mut problems = Vec::new();
        for v in &self.variables {
            if let Variable::Plaintext(name, _) = v
                && buildspec::secret_looking(name)
            {
                problems.push(ProblemKind::PlaintextSecret {
                    place: "plaintext",
                    variable: name.clone(),
                    fix: "use `secret_variable` (Secrets Manager) or `parameter_variable` (Parameter Store)",
                });
            }
        }
        problems.extend(self.spec.problems().iter().cloned());
        if self.layer_cache && self.cache.is_some() {
            problems.push(ProblemKind::Conflicting {
                first: "docker_layer_cache",
                second: "s3_cache",
                reason: "a project has one `Cache`, local or in S3; keep one",
            });
        }
        if let Some(path) = &self.spec_in_source {
            let outside = path.is_empty()
                || path.starts_with('/')
                || path.ends_with('/')
                || path.split('/').any(|part| part.is_empty() || part == "..");
            if outside {
                problems.push(ProblemKind::InvalidName {
                    what: "buildspec path",
                    name: path.clone(),
                    reason: "is not a file inside the source: use a relative path such as `pipeline/buildspec.yml`".to_owned(),
                });
            }
        }
        for name in self.spec.plaintext_secrets() {
            problems.push(ProblemKind::PlaintextSecret {
                place: "buildspec",
                variable: name,
                fix: "put it under `secrets-manager` or `parameter-store`",
            });
        }
        if !(5..=2160).contains(&self.timeout) {
            problems.push(ProblemKind::OutOfRange {
                setting: "timeout",
                value: self.timeout.into(),
                unit: "minutes",
                min: 5,
                max: 2160,
            });
        }
        if !(5..=480).contains(&self.queued_timeout) {
            problems.push(ProblemKind::OutOfRange {
                setting: "queued timeout",
                value: self.queued_timeout.into(),
                unit: "minutes",
                min: 5,
                max: 480,
            });
        }
        for (identifier, _) in &self.secondary {
            let valid = (1..=128).contains(&identifier.len())
                && identifier
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                problems.push(ProblemKind::InvalidName {
                    what: "source identifier",
                    name: identifier.clone(),
                    reason: "is invalid: use 1 to 128 letters, digits and `_`".to_owned(),
                });
            }
            if self
                .secondary
                .iter()
                .filter(|(i, _)| i == identifier)
                .count()
                > 1
            {
                problems.push(ProblemKind::Duplicate {
                    what: "source identifier",
                    name: identifier.clone(),
                    verb: "used",
                });
            }
        }
        if self.connection.is_some() && self.source == Source::CodePipeline {
            problems.push(ProblemKind::WebhookWithoutRepository);
        }
        if let Some(groups) = &self.webhook {
            if self.source == Source::CodePipeline {
                problems.push(ProblemKind::WebhookWithoutRepository);
            }
            if groups.is_empty() {
                problems.push(ProblemKind::WebhookWithoutFilters);
            }
            for (i, group) in groups.iter().enumerate() {
                for problem in group.problems() {
                    problems.push(ProblemKind::FilterGroup {
                        group: i + 1,
                        reason: problem,
                    });
                }
            }
        }
        problems
    }
}

/// A project added to a stack.
#[derive(Clone, Debug)]
pub struct ProjectRef {
    resource: ResourceRef,
    role: RoleRef,
    exports: Option<Vec<String>>,
}

impl ProjectRef {
    /// The project's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The project name (`!Ref`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The project ARN, built with `Fn::Sub` from the name.
    pub fn arn(&self) -> Expr {
        self.resource.owned(Expr::sub(format!(
            "arn:${{AWS::Partition}}:codebuild:${{AWS::Region}}:${{AWS::AccountId}}:project/${{{}}}",
            self.resource.id()
        )))
    }

    /// The variables its buildspec exports (`env.exported-variables`),
    /// which a pipeline action running it publishes; `None` when the
    /// buildspec is not known at synth.
    pub fn exported_variables(&self) -> Option<&[String]> {
        self.exports.as_deref()
    }

    /// The project's role, to grant it more.
    pub fn role(&self) -> &RoleRef {
        &self.role
    }

    /// Lets `role` start and watch builds of this project (what a pipeline
    /// action needs).
    pub fn grant_start(&self, stack: &mut Stack, role: &RoleRef) {
        stack.grant(
            role,
            Statement::allow(["codebuild:BatchGetBuilds", "codebuild:StartBuild"])
                .resource(self.arn()),
        );
    }
}

impl Construct for Project {
    type Ref = ProjectRef;

    /// In phases: the role; what the build needs (its logs, the
    /// repositories it pushes to, its buildspec's calls, parameters,
    /// secrets and reports); the environment; the source; the resource
    /// and the buildspec's copy.
    fn add_to(self, stack: &mut Stack) -> ProjectRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let role = self.add_role(stack);
        let project_name = format!("${{AWS::StackName}}-{}", self.id);
        self.grant_needs(stack, &role, &path, &project_name);
        let environment = self.environment_expr(stack, &role);
        let spec = self.spec.to_yaml();
        let (source, artifacts, secondary) = self.sources(stack, &role, &spec);
        let mut project =
            Resource::new("AWS::CodeBuild::Project").property("Name", Expr::sub(project_name));
        if let Some(d) = &self.description {
            project = project.property("Description", d.as_str());
        }
        project = project
            .property("ServiceRole", role.arn())
            .property("Source", source);
        if !secondary.is_empty() {
            project = project.property("SecondarySources", Expr::List(secondary));
        }
        project = project
            .property("Artifacts", artifacts)
            .property("Environment", environment)
            .property(
                "LogsConfig",
                Expr::map([(
                    "CloudWatchLogs",
                    Expr::map([("Status", Expr::from("ENABLED"))]),
                )]),
            )
            .property("TimeoutInMinutes", self.timeout)
            .property("QueuedTimeoutInMinutes", self.queued_timeout);
        if self.layer_cache {
            project = project.property(
                "Cache",
                Expr::map([
                    ("Type", Expr::from("LOCAL")),
                    (
                        "Modes",
                        Expr::list([Expr::from("LOCAL_DOCKER_LAYER_CACHE")]),
                    ),
                ]),
            );
        }
        if let Some(key) = &self.key_arn {
            project = project.property("EncryptionKey", key.clone());
        }
        if let Some((bucket, prefix)) = &self.cache {
            project = project.property(
                "Cache",
                Expr::map([
                    ("Type", Expr::from("S3")),
                    (
                        "Location",
                        Expr::join("/", [bucket.name(), Expr::from(prefix.as_str())]),
                    ),
                ]),
            );
        }
        if let Some(groups) = &self.webhook {
            let mut triggers = vec![
                ("Webhook", Expr::Bool(true)),
                ("BuildType", Expr::from("BUILD")),
            ];
            if !groups.is_empty() {
                triggers.push((
                    "FilterGroups",
                    Expr::list(groups.iter().map(FilterGroup::to_expr)),
                ));
            }
            project = project.property("Triggers", Expr::map(triggers));
        }
        let copy = match (&self.spec_copy, &self.spec_in_source) {
            (Some(copy), _) => Some(copy.clone()),
            (None, Some(path)) => Some(format!("{}/{path}", stack.name())),
            (None, None) => None,
        };
        if let Some(copy) = copy {
            stack.add_file(format!("buildspecs/{copy}"), spec);
        }
        let resource = stack.add_resource_at(path, &self.id, project);
        ProjectRef {
            resource,
            role,
            exports: Some(self.spec.exported_variables().to_vec()),
        }
    }
}

impl Project {
    /// The project's service role.
    fn add_role(&self, stack: &mut Stack) -> RoleRef {
        let mut role = Role::new(format!("{}Role", self.id), "codebuild.amazonaws.com")
            .description(format!("Service role of the {} CodeBuild project", self.id));
        if let Some(name) = &self.role_name {
            role = role.name(name.as_str());
        }
        for (key, value) in &self.role_tags {
            role = role.tag(key.as_str(), value.as_str());
        }
        for policy in &self.managed_policies {
            role = role.managed_policy(policy.clone());
        }
        stack.add(role)
    }

    /// Grants `role` what the build needs, each with its need, and records
    /// its buildspec's AWS CLI calls (checked at synth) and the programs
    /// pipewright cannot read.
    fn grant_needs(&self, stack: &mut Stack, role: &RoleRef, path: &str, project_name: &str) {
        let id = &self.id;
        let log_group = format!(
            "arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/codebuild/{project_name}"
        );
        stack.for_need(
            Need::feature(format!("build logs of project `{id}`"), SERVICE_ROLE_DOC),
            |stack| {
                stack.grant(
                    role,
                    Statement::allow([
                        "logs:CreateLogGroup",
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                    ])
                    .resource(Expr::sub(log_group.clone()))
                    .resource(Expr::sub(format!("{log_group}:*"))),
                )
            },
        );
        for repository in &self.pushes {
            stack.for_need(
                Need::feature(
                    format!("project `{id}` pushes to repository `{}`", repository.id()),
                    crate::ecr::PUSH_DOC,
                ),
                |stack| {
                    repository.grant_pull_push(stack, role);
                    // A re-run skips a tag that exists (`aws ecr describe-images`).
                    repository.grant_describe_images(stack, role);
                },
            );
        }
        if let Some((bucket, _)) = &self.cache {
            stack.for_need(
                Need::feature(
                    format!("project `{id}` keeps its cache in bucket `{}`", bucket.id()),
                    CACHE_DOC,
                ),
                |stack| bucket.grant_codebuild(stack, role, true),
            );
        }
        for call in buildspec::aws_calls(&self.spec) {
            stack.calls.push(crate::construct::grant::RoleCall {
                path: path.to_owned(),
                project: id.clone(),
                role: role.as_ref().clone(),
                call,
            });
        }
        let unread = buildspec::unread_programs(&self.spec);
        if !unread.is_empty() {
            stack.unread.push(crate::construct::grant::Unread {
                project: id.clone(),
                role: role.as_ref().id().to_owned(),
                programs: unread,
            });
        }
        stack.for_need(
            Need::feature(
                format!("the buildspec of project `{id}` reads parameters and secrets"),
                SERVICE_ROLE_DOC,
            ),
            |stack| {
                for statement in self.spec.read_grants() {
                    stack.grant(role, statement);
                }
            },
        );
        for (group, report) in self.spec.reports() {
            let reports = stack.add(
                ReportGroup::new(
                    format!("{id}{}Reports", camel(group)),
                    format!("${{AWS::StackName}}-{id}-{group}"),
                )
                .kind(ReportType::of(report.format())),
            );
            stack.for_need(
                Need::feature(
                    format!("project `{id}` writes the reports `{group}`"),
                    crate::codebuild::report_group::REPORTS_DOC,
                ),
                |stack| reports.grant_write(stack, role),
            );
        }
        if let Some(key) = &self.key_arn {
            stack.for_need(
                Need::feature(
                    format!("project `{id}` encrypts its artifacts with its key"),
                    SERVICE_ROLE_DOC,
                ),
                |stack| {
                    stack.grant(
                        role,
                        Statement::allow(crate::iam::KMS_USE_ACTIONS.iter().copied())
                            .resource(key.clone()),
                    )
                },
            );
        }
    }

    /// `Environment`, granting `role` the parameters and secrets its
    /// variables read.
    fn environment_expr(&self, stack: &mut Stack, role: &RoleRef) -> Expr {
        let id = &self.id;
        let mut env_vars = Vec::new();
        for v in &self.variables {
            let (name, kind, value) = match v {
                Variable::Plaintext(n, value) => (n, "PLAINTEXT", value.clone()),
                Variable::ParameterStore(n, parameter) => {
                    stack.for_need(
                        Need::feature(
                            format!("variable `{n}` of project `{id}` from Parameter Store"),
                            SERVICE_ROLE_DOC,
                        ),
                        |stack| {
                            stack.grant(
                                role,
                                Statement::allow(["ssm:GetParameters"])
                                    .resource(buildspec::parameter_arn(parameter)),
                            )
                        },
                    );
                    (n, "PARAMETER_STORE", Expr::from(parameter.as_str()))
                }
                Variable::SecretsManager(n, secret) => {
                    stack.for_need(
                        Need::feature(
                            format!("variable `{n}` of project `{id}` from Secrets Manager"),
                            SERVICE_ROLE_DOC,
                        ),
                        |stack| {
                            stack.grant(
                                role,
                                Statement::allow(["secretsmanager:GetSecretValue"])
                                    .resource(buildspec::secret_arn(secret)),
                            )
                        },
                    );
                    (n, "SECRETS_MANAGER", Expr::from(secret.as_str()))
                }
            };
            env_vars.push(Expr::map([
                ("Name", Expr::from(name.as_str())),
                ("Type", Expr::from(kind)),
                ("Value", value),
            ]));
        }
        let mut environment = vec![
            ("Type", Expr::from(self.environment.as_str())),
            ("ComputeType", self.compute.clone()),
            ("Image", Expr::from(self.image.as_str())),
            ("ImagePullCredentialsType", Expr::from("CODEBUILD")),
            ("PrivilegedMode", Expr::Bool(self.privileged)),
        ];
        if !env_vars.is_empty() {
            environment.push(("EnvironmentVariables", Expr::List(env_vars)));
        }
        Expr::map(environment)
    }

    /// `Source` (with the buildspec `spec`, or its path in the source),
    /// `Artifacts` and `SecondarySources`; a source fetched through a
    /// connection grants `role` its use.
    fn sources(&self, stack: &mut Stack, role: &RoleRef, spec: &str) -> (Expr, Expr, Vec<Expr>) {
        let buildspec = match &self.spec_in_source {
            Some(path) => Expr::from(path.as_str()),
            None => Expr::from(spec),
        };
        let (source, artifacts) = match self.source.location() {
            None => (
                Expr::map([
                    ("Type", Expr::from("CODEPIPELINE")),
                    ("BuildSpec", buildspec),
                ]),
                Expr::map([("Type", Expr::from("CODEPIPELINE"))]),
            ),
            Some(location) => {
                let mut source = vec![
                    ("Type", Expr::from(self.source.kind())),
                    ("Location", location.clone()),
                    ("ReportBuildStatus", Expr::Bool(true)),
                    ("BuildSpec", buildspec),
                ];
                if let Some(connection) = &self.connection {
                    source.push((
                        "Auth",
                        Expr::map([
                            ("Type", Expr::from("CODECONNECTIONS")),
                            ("Resource", connection.clone()),
                        ]),
                    ));
                    // CodeBuild fetches the source with the connection's
                    // token: `GetConnectionToken` besides `UseConnection`.
                    let mut actions = crate::codestar::use_actions(connection);
                    actions.extend(actions.clone().iter().map(|a| {
                        if a.starts_with("codeconnections") {
                            "codeconnections:GetConnectionToken"
                        } else {
                            "codestar-connections:GetConnectionToken"
                        }
                    }));
                    stack.for_need(
                        Need::feature(
                            format!(
                                "project `{}` fetches its source through a connection",
                                self.id
                            ),
                            CONNECTION_SOURCE_DOC,
                        ),
                        |stack| {
                            stack
                                .grant(role, Statement::allow(actions).resource(connection.clone()))
                        },
                    );
                }
                (
                    Expr::map(source),
                    Expr::map([("Type", Expr::from("NO_ARTIFACTS"))]),
                )
            }
        };
        let secondary = self
            .secondary
            .iter()
            .map(|(identifier, source)| {
                let mut m = vec![("Type", Expr::from(source.kind()))];
                if let Some(location) = source.location() {
                    m.push(("Location", location.clone()));
                }
                m.push(("SourceIdentifier", Expr::from(identifier.as_str())));
                Expr::map(m)
            })
            .collect();
        (source, artifacts, secondary)
    }
}

/// `junit-results` as `JunitResults`: a report group's name as part of a
/// logical ID.
fn camel(name: &str) -> String {
    let out = crate::template::pascal_case(name);
    if out.is_empty() {
        "Report".to_owned()
    } else {
        out
    }
}

//! Recipes: whole buildspecs for the common builds (build and push to
//! ECR, build once and push to many, Docker Hub, make targets).

use super::shell::{Registry, image_ref, sh_word, when_succeeding};
use super::steps::{ecr_login, short_commit, unless_image_exists};
use super::{BuildSpec, IMAGE_DEFINITIONS_FILE};
use crate::error::ProblemKind;

/// Options of the [`docker_build_push`] recipe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerBuild {
    moving_tag: Option<String>,
    image_definitions: Option<String>,
    dockerfile: String,
    context: String,
    extra_registries: Vec<String>,
    build_command: Option<String>,
}

impl Default for DockerBuild {
    fn default() -> Self {
        Self {
            moving_tag: Some("latest".to_owned()),
            image_definitions: None,
            dockerfile: "Dockerfile".to_owned(),
            context: ".".to_owned(),
            extra_registries: Vec::new(),
            build_command: None,
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

    /// Builds the image with `command` instead of `docker build` (e.g.
    /// `cd app && make docker_build`): the command must build the image
    /// named by `$IMAGE`, which the recipe sets to `$IMAGE_URI`; the
    /// Dockerfile and context are then the command's business. Default:
    /// `docker build` of the Dockerfile in the context.
    pub fn build_command(mut self, command: impl Into<String>) -> Self {
        self.build_command = Some(command.into());
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
///   asked, only when the build succeeded; when the commit's tag is
///   already in the repository (a re-run), it skips the pushes and says so
///   ([`unless_image_exists`]: the role needs `ecr:DescribeImages`).
/// - `IMAGE_URI` and `IMAGE_TAG` are exported for later pipeline actions.
pub fn docker_build_push(options: DockerBuild) -> BuildSpec {
    let registries: Vec<Registry> = options
        .extra_registries
        .iter()
        .map(|v| Registry::new(v))
        .collect();

    let mut pre_build = vec![ecr_login("$AWS_DEFAULT_REGION", "${REPOSITORY_URI%%/*}")];
    pre_build.extend(registries.iter().map(Registry::login));
    pre_build.push(short_commit("IMAGE_TAG"));
    pre_build.push(r#"IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG""#.to_owned());

    let mut tags = vec![r#""$IMAGE_URI""#.to_owned()];
    if let Some(tag) = &options.moving_tag {
        tags.push(image_ref("$REPOSITORY_URI", tag));
    }
    if options.build_command.is_some() {
        pre_build.push(r#"export IMAGE="$IMAGE_URI""#.to_owned());
    }
    let build = build_image(
        &options.dockerfile,
        &options.context,
        options.build_command.as_deref(),
        &tags,
    );

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
    let mut post_build = vec![when_succeeding(&unless_image_exists(
        "REPOSITORY_URI",
        "IMAGE_TAG",
        &pushes.join(" &&\n"),
    ))];

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
        .build(build)
        .post_build(post_build)
}

/// The `build` commands that make the image tagged with each of `tags`
/// (shell words): `docker build` of `dockerfile` in `context`, or
/// `command`, which builds the first tag as `$IMAGE`, and a `docker tag`
/// for each other one.
fn build_image(
    dockerfile: &str,
    context: &str,
    command: Option<&str>,
    tags: &[String],
) -> Vec<String> {
    match command {
        None => vec![format!(
            "docker build --file {} {} {}",
            sh_word(dockerfile),
            tags.iter()
                .map(|t| format!("--tag {t}"))
                .collect::<Vec<_>>()
                .join(" "),
            sh_word(context)
        )],
        Some(command) => {
            let mut build = vec![command.to_owned()];
            build.extend(
                tags.iter()
                    .skip(1)
                    .map(|t| format!(r#"docker tag "$IMAGE" {t}"#)),
            );
            build
        }
    }
}

/// The file the build-once recipes hand the image over in: the output of
/// `docker save`, gzipped, in the build's output artifact.
pub const IMAGE_ARCHIVE: &str = "image.tar.gz";

/// The name the build-once recipes give the image inside the build
/// (`pipewright-image:$IMAGE_TAG`); it never leaves the build host except
/// inside [`IMAGE_ARCHIVE`].
pub const LOCAL_IMAGE: &str = "pipewright-image";

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
/// `IMAGE_TAG`, `COMMIT_ID` (the full commit) and `BUILD_NUMBER` (the
/// build's number), what the [`Tag`]s of the pushes are made of. It
/// pushes nowhere and needs no registry permission; each registry gets
/// its own [`docker_load_push`] action. Uses the Dockerfile and context of
/// `options` (its moving tag, image definitions and extra registries do
/// not apply). The project needs privileged mode.
pub fn docker_build_save(options: DockerBuild) -> BuildSpec {
    BuildSpec::new()
        .exported(["IMAGE_TAG", "COMMIT_ID", "BUILD_NUMBER"])
        .pre_build([
            short_commit("IMAGE_TAG"),
            r#"COMMIT_ID="$CODEBUILD_RESOLVED_SOURCE_VERSION""#.to_owned(),
            r#"BUILD_NUMBER="$CODEBUILD_BUILD_NUMBER""#.to_owned(),
        ])
        .build([format!(
            r#"docker build --file {} --tag "{LOCAL_IMAGE}:$IMAGE_TAG" {}"#,
            sh_word(&options.dockerfile),
            sh_word(&options.context)
        )])
        .save_image()
}

/// A tag an image is pushed with, made of what the build exported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// The first 7 characters of the commit (`$IMAGE_TAG`).
    Commit,
    /// `git-commit-<full commit>` (`git-commit-$COMMIT_ID`), CircleCI's
    /// convention for images of a commit.
    GitCommit,
    /// CodeBuild's number of the build that made the image
    /// (`$BUILD_NUMBER`).
    BuildNumber,
    /// A tag that moves to every new image, such as `latest`; its
    /// repository must exclude it from tag immutability
    /// ([`crate::ecr::Repository::moving_tag`]).
    Moving(String),
}

impl Tag {
    /// The tag as shell text meant for double quotes.
    fn shell(&self) -> String {
        match self {
            Tag::Commit => "$IMAGE_TAG".to_owned(),
            Tag::GitCommit => "git-commit-$COMMIT_ID".to_owned(),
            Tag::BuildNumber => "$BUILD_NUMBER".to_owned(),
            Tag::Moving(tag) => tag.clone(),
        }
    }

    /// The variable the tag is made of, which the push action must set;
    /// `None` for a moving tag.
    pub fn variable(&self) -> Option<&'static str> {
        match self {
            Tag::Commit => Some("IMAGE_TAG"),
            Tag::GitCommit => Some("COMMIT_ID"),
            Tag::BuildNumber => Some("BUILD_NUMBER"),
            Tag::Moving(_) => None,
        }
    }

    /// The moving tag's name, when it is one.
    pub fn moving(&self) -> Option<&str> {
        match self {
            Tag::Moving(tag) => Some(tag),
            _ => None,
        }
    }
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
    docker_load_push_tags(target_var, role_arn_var, &[Tag::Commit])
}

/// [`docker_load_push`] with the tags `tags`, in order: the image is
/// tagged `<uri>:<tag>` for each and every tag is pushed. When the first
/// tag that is not [`Tag::Moving`] is already in the repository (a re-run
/// of the same commit into an immutable repository), nothing is pushed and
/// the build log says so ([`unless_image_exists`]): the role that pushes
/// (the project's, or the assumed one) needs `ecr:DescribeImages` on the
/// repository. The action sets `IMAGE_TAG` and each tag's
/// [`Tag::variable`]. No tag is a problem of the project.
pub fn docker_load_push_tags(
    target_var: &str,
    role_arn_var: Option<&str>,
    tags: &[Tag],
) -> BuildSpec {
    let target = Registry::new(target_var);
    let spec = match role_arn_var {
        Some(var) => BuildSpec::new().assume_role(var),
        None => BuildSpec::new(),
    };
    let mut spec = spec.load_image().pre_build([target.login()]);
    if tags.is_empty() {
        spec = spec.problem(ProblemKind::NoPushTag);
    }
    let images: Vec<String> = tags
        .iter()
        .map(|t| format!(r#""{}:{}""#, target.value, t.shell()))
        .collect();
    let retag: Vec<String> = images
        .iter()
        .map(|image| format!(r#"docker tag "{LOCAL_IMAGE}:$IMAGE_TAG" {image}"#))
        .collect();
    let pushes = images
        .iter()
        .map(|image| format!("docker push {image}"))
        .collect::<Vec<_>>()
        .join(" &&\n");
    let push = match tags.iter().find(|t| t.moving().is_none()) {
        Some(first) => {
            spec = spec.pre_build([format!(r#"PUSH_TAG="{}""#, first.shell())]);
            unless_image_exists(target_var, "PUSH_TAG", &pushes)
        }
        None => pushes,
    };
    spec.build(retag).post_build([when_succeeding(&push)])
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
    build_command: Option<String>,
    dockerfile: String,
    context: String,
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
            build_command: None,
            dockerfile: "Dockerfile".to_owned(),
            context: ".".to_owned(),
        }
    }

    /// Builds the image with `command` instead of `docker build` (e.g.
    /// `cd app && make docker_build`): the command must build the image
    /// named by `$IMAGE`, which the recipe sets to
    /// `$DOCKERHUB_REPOSITORY:$IMAGE_TAG`. Default: `docker build` of the
    /// Dockerfile in the context.
    pub fn build_command(mut self, command: impl Into<String>) -> Self {
        self.build_command = Some(command.into());
        self
    }

    /// Sets the Dockerfile's path for `docker build`. Default: `Dockerfile`.
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Sets the build context directory for `docker build`. Default: `.`.
    pub fn context(mut self, dir: impl Into<String>) -> Self {
        self.context = dir.into();
        self
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

    /// The Docker Hub repository, `owner/name`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// Adds Docker Hub's credentials and login to `spec`: `env.secrets-manager`
    /// reads `DOCKERHUB_USERNAME` and `DOCKERHUB_TOKEN` from the secret at
    /// build time (the project's role may read exactly that secret),
    /// `DOCKERHUB_REPOSITORY` is a plain variable, and `pre_build` logs in
    /// with the token on stdin, never in argv. A secret given as a
    /// credential instead of a name is a problem of the project.
    pub fn credentials(&self, spec: BuildSpec) -> BuildSpec {
        let mut spec = spec;
        for problem in self.problems() {
            spec = spec.problem(problem);
        }
        let reference = |key: &str| format!("{}:{key}", self.secret);
        spec.variable("DOCKERHUB_REPOSITORY", self.repository.as_str())
            .secret("DOCKERHUB_USERNAME", reference(&self.username_key))
            .secret("DOCKERHUB_TOKEN", reference(&self.token_key))
            .pre_build([format!(
                r#"printf '%s' "$DOCKERHUB_TOKEN" | docker login --username "$DOCKERHUB_USERNAME" --password-stdin {DOCKER_HUB}"#
            )])
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
    let mut tags = vec![r#""$DOCKERHUB_REPOSITORY:$IMAGE_TAG""#.to_owned()];
    if let Some(tag) = &options.moving_tag {
        tags.push(image_ref("$DOCKERHUB_REPOSITORY", tag));
    }
    let build = build_image(
        &options.dockerfile,
        &options.context,
        options.build_command.as_deref(),
        &tags,
    );
    let pushes: Vec<String> = tags.iter().map(|t| format!("docker push {t}")).collect();
    options
        .credentials(BuildSpec::new())
        .exported(["IMAGE_TAG"])
        .pre_build([
            short_commit("IMAGE_TAG"),
            r#"export IMAGE="$DOCKERHUB_REPOSITORY:$IMAGE_TAG""#.to_owned(),
        ])
        .build(build)
        .post_build([
            when_succeeding(&pushes.join(" &&\n")),
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
            .map(|t| super::steps::make_target(t.as_ref()))
            .collect::<Vec<_>>(),
    )
}

/// `BUILD_NUMBER` set to CodeBuild's build number and `IMAGE_TAG` to the
/// short commit, the tags the make recipes publish; add them with
/// `.pre_build(build_tags())` and export them with
/// `.exported(["IMAGE_TAG", "BUILD_NUMBER"])`.
pub fn build_tags() -> Vec<String> {
    vec![
        short_commit("IMAGE_TAG"),
        r#"BUILD_NUMBER="$CODEBUILD_BUILD_NUMBER""#.to_owned(),
    ]
}

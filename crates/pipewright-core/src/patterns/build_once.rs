//! Build once, push to many registries: one build makes the image, and
//! each registry gets the very same image, some only after an approval.
//!
//! The pipeline stack, in the operations account and region: Source →
//! Build → `PushNonProd` → `ApproveProd` → `PushProd` (the last two only
//! when a target waits for the approval). `Build` runs the pre-build
//! commands (e.g. `make bin_linux/my_app`), builds the image once and hands
//! it over as a gzipped `docker save` archive, exporting `IMAGE_TAG` (the
//! short commit), `COMMIT_ID` and `BUILD_NUMBER` under the namespace
//! `BuildVariables`; it has no registry permission. Each target gets a push
//! action and a project of its own that loads the archive and pushes the
//! target's tags ([`Tag`]): its role may push to that one repository only,
//! and a push of a commit already in the repository is skipped and said
//! (re-runs into immutable repositories succeed).
//!
//! A target in the operations account and region has its repository in the
//! pipeline stack. Any other target has a stack of its own
//! (`<name>-<target>`) in its account and region holding the repository;
//! when its account is another one, also a push role that trusts exactly
//! the target's push project role (named `<name>-push-<target>-builder`),
//! which the build assumes: the push runs with temporary credentials of
//! that account, never with long-lived keys.
//!
//! The approval waits for an approver: a member of an IAM group, or whoever
//! assumes an approver role that only principals matching an ARN pattern
//! may assume (the roles of an IAM Identity Center permission set, which a
//! stack cannot attach a policy to). An encrypted topic tells them (and
//! the configured addresses) what is waiting.

use super::placement::Placement;
use crate::buildspec::{DockerBuild, Tag, docker_build_save, docker_load_push_tags};
use crate::codebuild::{Project, ProjectRef};
use crate::codepipeline::{Action, Artifact, ManualApproval, Namespace, Pipeline, Stage};
use crate::construct::{Need, Stack};
use crate::error::ProblemKind;
use crate::iam::{Group, Role, RoleArn, Statement};
use crate::template::{Expr, Output};
use crate::{ecr, kms, sns};

/// One registry the image is pushed to.
#[derive(Clone, Debug)]
pub struct Target {
    name: String,
    repository: String,
    account: String,
    region: String,
    tags: Vec<Tag>,
    approved: bool,
}

impl Target {
    /// The target `name` (letters and digits: the push action and project
    /// are `Push<name>`, its stack `<pipeline name>-<name in lowercase>`):
    /// the ECR repository `repository` of `account` in `region`. Defaults:
    /// pushed with the commit tag ([`Tag::Commit`]), before the approval.
    pub fn new(
        name: impl Into<String>,
        repository: impl Into<String>,
        account: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            repository: repository.into(),
            account: account.into(),
            region: region.into(),
            tags: vec![Tag::Commit],
            approved: false,
        }
    }

    /// Pushes with `tags`, in order (e.g. `[Tag::GitCommit, Tag::Moving("latest")]`);
    /// a moving tag is excluded from the repository's immutability (one per
    /// repository). Default: `[Tag::Commit]`.
    pub fn tags(mut self, tags: impl IntoIterator<Item = Tag>) -> Self {
        self.tags = tags.into_iter().collect();
        self
    }

    /// Pushes only after the approval (`PushProd`). Default: before it
    /// (`PushNonProd`).
    pub fn after_approval(mut self) -> Self {
        self.approved = true;
        self
    }

    fn slug(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// Who may approve the pushes that wait for an approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Approvers {
    /// The members of the IAM group named so, created in the pipeline stack.
    Group(String),
    /// Whoever assumes the role named `name`, created in the pipeline
    /// stack, which only principals of the operations account whose ARN
    /// matches `pattern` may assume, e.g.
    /// `arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_ReleaseApprovers_*`.
    Role {
        /// The role's name.
        name: String,
        /// The ARN pattern of who may assume it (`ArnLike`).
        pattern: String,
    },
}

/// The configuration of a build-once pipeline.
#[derive(Clone, Debug)]
pub struct BuildOnce {
    name: String,
    account: String,
    region: String,
    source: String,
    branch: String,
    dockerfile: String,
    context: String,
    pre_build: Vec<String>,
    targets: Vec<Target>,
    approvers: Approvers,
    emails: Vec<String>,
    approval_timeout: Option<u32>,
    tags: Vec<(String, String)>,
}

impl BuildOnce {
    /// The pipeline `name` (its stack is `<name>-pipeline`) in the
    /// operations `account` and `region`, building the GitHub repository
    /// `source` (`owner/name`) through the connection given as the
    /// `ConnectionArn` parameter. Defaults: branch `main`, `Dockerfile` in
    /// context `.`, no pre-build command, no target (a synth error of the
    /// pipeline: add one with [`BuildOnce::target`]), approvers the IAM
    /// group `<name>-approvers`, no e-mail address, CodePipeline's approval
    /// timeout (7 days), no stack tags.
    pub fn new(
        name: impl Into<String>,
        account: impl Into<String>,
        region: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            approvers: Approvers::Group(format!("{name}-approvers")),
            name,
            account: account.into(),
            region: region.into(),
            source: source.into(),
            branch: "main".to_owned(),
            dockerfile: "Dockerfile".to_owned(),
            context: ".".to_owned(),
            pre_build: Vec::new(),
            targets: Vec::new(),
            emails: Vec::new(),
            approval_timeout: None,
            tags: Vec::new(),
        }
    }

    /// Sets the branch whose pushes start the pipeline. Default: `main`.
    pub fn branch(mut self, branch: impl Into<String>) -> Self {
        self.branch = branch.into();
        self
    }

    /// Sets the Dockerfile's path. Default: `Dockerfile`.
    pub fn dockerfile(mut self, path: impl Into<String>) -> Self {
        self.dockerfile = path.into();
        self
    }

    /// Sets the build context directory. Default: `.`.
    pub fn context(mut self, dir: impl Into<String>) -> Self {
        self.context = dir.into();
        self
    }

    /// Runs `commands` before the image is built (e.g.
    /// `make bin_linux/my_app`, the binary the Dockerfile copies).
    /// Default: none.
    pub fn pre_build<S: Into<String>>(mut self, commands: impl IntoIterator<Item = S>) -> Self {
        self.pre_build.extend(commands.into_iter().map(Into::into));
        self
    }

    /// Adds a registry the image is pushed to. Default: none.
    pub fn target(mut self, target: Target) -> Self {
        self.targets.push(target);
        self
    }

    /// Sets who may approve. Default: the IAM group `<name>-approvers`.
    pub fn approvers(mut self, approvers: Approvers) -> Self {
        self.approvers = approvers;
        self
    }

    /// Also notifies `address` when an approval waits (it confirms the
    /// subscription by mail). Default: no address.
    pub fn email(mut self, address: impl Into<String>) -> Self {
        self.emails.push(address.into());
        self
    }

    /// Rejects a waiting approval after `minutes`. Default: CodePipeline's
    /// 7 days.
    pub fn approval_timeout_minutes(mut self, minutes: u32) -> Self {
        self.approval_timeout = Some(minutes);
        self
    }

    /// Tags every stack. Default: no tags.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// The pipeline stack's name, `<name>-pipeline`.
    pub fn pipeline_stack(&self) -> String {
        format!("{}-pipeline", self.name)
    }

    /// The name of `target`'s stack, `<name>-<target in lowercase>`.
    pub fn target_stack(&self, target: &Target) -> String {
        format!("{}-{}", self.name, target.slug())
    }

    /// The role of `target`'s push project, named so that the push role of
    /// another account can trust exactly it.
    pub fn builder(&self, target: &Target) -> RoleArn {
        RoleArn::new(
            self.account.as_str(),
            format!("{}-push-{}-builder", self.name, target.slug()),
        )
    }

    /// The push role of `target` in its own account, which the build
    /// assumes to push there.
    pub fn pusher(&self, target: &Target) -> RoleArn {
        RoleArn::new(
            target.account.as_str(),
            format!("{}-push-{}", self.name, target.slug()),
        )
    }

    fn local(&self, target: &Target) -> bool {
        target.account == self.account && target.region == self.region
    }

    fn remote_account(&self, target: &Target) -> bool {
        target.account != self.account
    }

    /// Every stack: the pipeline stack, then one per target outside the
    /// operations account and region.
    pub fn stacks(&self) -> Vec<Stack> {
        let mut stacks = vec![self.pipeline()];
        for target in self.targets.iter().filter(|t| !self.local(t)) {
            stacks.push(self.target_stack_of(target));
        }
        stacks
    }

    fn new_stack(&self, name: String, description: &str, account: &str, region: &str) -> Stack {
        Placement {
            account: Some(account.to_owned()),
            region: Some(region.to_owned()),
            tags: self.tags.clone(),
        }
        .stack(&name, format!("{description} (managed by pipewright)"))
    }

    fn check_targets(&self, stack: &mut Stack) {
        let path = stack.path("Pipeline");
        if self.targets.is_empty() {
            stack.problem(&path, ProblemKind::NoPushTarget);
        }
        for (i, a) in self.targets.iter().enumerate() {
            for b in &self.targets[i + 1..] {
                if (&a.repository, &a.account, &a.region) == (&b.repository, &b.account, &b.region)
                {
                    stack.problem(
                        &path,
                        ProblemKind::DuplicatePushTarget {
                            first: a.name.clone(),
                            second: b.name.clone(),
                            repository: format!("{}/{}/{}", a.account, a.region, a.repository),
                        },
                    );
                }
            }
            if a.tags.is_empty() {
                stack.problem(
                    &stack.path(&format!("Push{}", a.name)),
                    ProblemKind::NoPushTag,
                );
            }
        }
    }

    /// The pipeline stack.
    fn pipeline(&self) -> Stack {
        let mut stack = self.new_stack(
            self.pipeline_stack(),
            "Builds an image once and pushes it to several registries, some after an approval",
            &self.account,
            &self.region,
        );
        self.check_targets(&mut stack);
        let build = stack.add(self.build_project());

        let image = Artifact::new("BuildOutput");
        let built = Namespace::new("BuildVariables");
        let commit = Namespace::new("SourceVariables");
        let mut before = Stage::new("PushNonProd");
        let mut after = Stage::new("PushProd");
        for target in &self.targets {
            let project = self.push_project(&mut stack, target);
            let action = push_action(target, &project, &image, &built);
            if target.approved {
                after = after.action(action);
            } else {
                before = before.action(action);
            }
        }

        let code = Artifact::new("SourceOutput");
        let source =
            super::source::connection_source(&mut stack, &self.source, &self.branch, &code)
                .namespace(&commit);
        let mut pipeline = Pipeline::new("Pipeline")
            .stage(Stage::new("Source").action(source))
            .stage(
                Stage::new("Build").action(
                    Action::build("Build", &build)
                        .input(&code)
                        .output(&image)
                        .namespace(&built),
                ),
            );
        if self.targets.iter().any(|t| !t.approved) {
            pipeline = pipeline.stage(before);
        }
        let waiting = self.targets.iter().any(|t| t.approved);
        let topic = waiting.then(|| self.approval_topic(&mut stack));
        if let Some(topic) = &topic {
            let approval = self.approval(&mut stack, topic, &built, &commit);
            pipeline = pipeline
                .stage(Stage::new("ApproveProd").action(Action::approval("ApproveProd", approval)))
                .stage(after);
        }
        let pipeline = stack.add(pipeline);
        stack.add_output(
            "PipelineName",
            Output::new(pipeline.name()).description("Name of the pipeline"),
        );
        if let Some(topic) = topic {
            stack.add_output(
                "ApprovalTopicArn",
                Output::new(topic.arn())
                    .description("Topic notified when a push waits for approval"),
            );
        }
        stack
    }

    /// The project that builds the image once, after the pre-build
    /// commands, and saves it into its output artifact.
    fn build_project(&self) -> Project {
        let spec = docker_build_save(
            DockerBuild::new()
                .dockerfile(self.dockerfile.as_str())
                .context(self.context.as_str()),
        )
        .pre_build(self.pre_build.clone());
        Project::new("Build", spec)
            .buildspec_copy(format!("{}/build.yml", self.pipeline_stack()))
            .description("Builds the image once and saves it into the output artifact")
            .privileged()
    }

    /// The encrypted topic approvers are notified on.
    fn approval_topic(&self, stack: &mut Stack) -> sns::TopicRef {
        let key = stack.add(
            kms::Key::new(
                "NotificationKey",
                format!("pipewright/{}-approvals", self.name),
            )
            .description(format!(
                "Encrypts the approval notifications of the {} pipeline",
                self.name
            )),
        );
        let mut topic = sns::Topic::new("ApprovalTopic", &key).display_name("Release approvals");
        for email in &self.emails {
            topic = topic.email(email.as_str());
        }
        stack.add(topic)
    }

    /// The approval, with its approvers.
    fn approval(
        &self,
        stack: &mut Stack,
        topic: &sns::TopicRef,
        built: &Namespace,
        commit: &Namespace,
    ) -> ManualApproval {
        let waiting: Vec<&str> = self
            .targets
            .iter()
            .filter(|t| t.approved)
            .map(|t| t.name.as_str())
            .collect();
        let mut approval = ManualApproval::new()
            .topic(topic)
            .message(Expr::from(format!(
                "Push image {} of commit {} to {}?",
                built.var("IMAGE_TAG"),
                commit.var("CommitId"),
                waiting.join(", ")
            )))
            .external_link(Expr::from(format!(
                "https://github.com/{}/commit/{}",
                self.source,
                commit.var("CommitId")
            )));
        if let Some(minutes) = self.approval_timeout {
            approval = approval.timeout_minutes(minutes);
        }
        match &self.approvers {
            Approvers::Group(name) => {
                let group = stack.add(Group::new("Approvers").name(name.as_str()));
                approval.approvers(&group)
            }
            Approvers::Role { name, pattern } => {
                let role = stack.add(
                    Role::assumed_by_arn_pattern("Approvers", &self.account, pattern)
                        .name(name.as_str())
                        .description("Approves the pushes that wait for an approval"),
                );
                approval.approver_role(&role)
            }
        }
    }

    /// The project that pushes the image to `target`, with its own role.
    fn push_project(&self, stack: &mut Stack, target: &Target) -> ProjectRef {
        let id = format!("Push{}", target.name);
        let remote = self.remote_account(target);
        let spec = docker_load_push_tags(
            "TARGET_URI",
            remote.then_some("PUSH_ROLE_ARN"),
            &target.tags,
        );
        let mut project = Project::new(&id, spec)
            .buildspec_copy(format!(
                "{}/push-{}.yml",
                self.pipeline_stack(),
                target.slug()
            ))
            .description(format!(
                "Loads the image and pushes it to {} in account {}, {}",
                target.repository, target.account, target.region
            ))
            .privileged()
            .variable(
                "TARGET_URI",
                ecr::repository_uri(&target.account, &target.region, &target.repository),
            );
        if remote {
            project = project
                .role_name(self.builder(target).name())
                .variable("PUSH_ROLE_ARN", self.pusher(target).arn());
        }
        let project = stack.add(project);
        let name = &target.name;
        if remote {
            stack.for_need(
                Need::feature(
                    format!(
                        "the {name} push assumes the push role of account {}",
                        target.account
                    ),
                    ASSUME_ROLE_DOC,
                ),
                |stack| {
                    stack.grant(
                        project.role(),
                        Statement::allow(["sts:AssumeRole"]).resource(self.pusher(target).arn()),
                    )
                },
            );
        } else if self.local(target) {
            let repo = stack.add(repository(target, &format!("{name}Repository")));
            stack.for_need(push_need(name), |stack| {
                repo.grant_push(stack, project.role());
                repo.grant_describe_images(stack, project.role());
            });
        } else {
            // The operations account, another region: the repository is a
            // literal ARN of the target's stack.
            let arn = Expr::sub(format!(
                "arn:${{AWS::Partition}}:ecr:{}:{}:repository/{}",
                target.region, target.account, target.repository
            ));
            let actions: Vec<&str> = ecr::PUSH_ACTIONS
                .iter()
                .copied()
                .chain(["ecr:DescribeImages"])
                .collect();
            stack.for_need(push_need(name), |stack| {
                stack.grant(project.role(), Statement::allow(actions).resource(arn));
                stack.grant(
                    project.role(),
                    Statement::allow(["ecr:GetAuthorizationToken"]).resource("*"),
                );
            });
        }
        project
    }

    /// The stack of a target outside the operations account and region:
    /// its repository, and in another account the push role, the only
    /// principal the repository admits besides the account's own.
    fn target_stack_of(&self, target: &Target) -> Stack {
        let mut stack = self.new_stack(
            self.target_stack(target),
            &format!("The {} registry of the {} pipeline", target.name, self.name),
            &target.account,
            &target.region,
        );
        let repo = stack.add(repository(target, "Repository"));
        if self.remote_account(target) {
            let pusher = self.pusher(target);
            let role = stack.add(
                Role::assumed_by_role("PushRole", &self.builder(target))
                    .name(pusher.name())
                    .description(format!(
                        "Pushes the {} pipeline's image to the {} registry",
                        self.name, target.name
                    )),
            );
            repo.allow_push(&mut stack, &pusher);
            stack.for_need(push_need(&target.name), |stack| {
                repo.grant_push(stack, &role);
                repo.grant_describe_images(stack, &role);
            });
        }
        stack.add_output(
            "RepositoryUri",
            Output::new(repo.uri()).description(format!("URI of the {} repository", target.name)),
        );
        stack
    }
}

/// The repository of `target`, with its moving tag.
fn repository(target: &Target, id: &str) -> ecr::Repository {
    let mut repo = ecr::Repository::new(id).name(target.repository.as_str());
    if let Some(tag) = target.tags.iter().find_map(Tag::moving) {
        repo = repo.moving_tag(tag);
    }
    repo
}

/// The action that runs `project`, pushing the tags the build exported.
fn push_action(
    target: &Target,
    project: &ProjectRef,
    image: &Artifact,
    built: &Namespace,
) -> Action {
    let mut action = Action::build(format!("Push{}", target.name), project)
        .input(image)
        .variable("IMAGE_TAG", built.var("IMAGE_TAG"));
    for tag in &target.tags {
        if let Some(var) = tag.variable().filter(|v| *v != "IMAGE_TAG") {
            action = action.variable(var, built.var(var));
        }
    }
    action
}

/// IAM's page on the permissions to assume a role.
const ASSUME_ROLE_DOC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html";

/// What the push to target `name` needs: push its image, after checking
/// whether the tag is there (a re-run skips it).
fn push_need(name: &str) -> Need {
    Need::feature(
        format!("the {name} push loads the image and pushes it unless its tag exists"),
        ecr::PUSH_DOC,
    )
}

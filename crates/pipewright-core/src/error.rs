//! The library's errors. Messages follow one grammar: lowercase, the subject
//! first, names in backticks, and a hint where there is an obvious fix.

use crate::template::InvalidLogicalId;
use std::fmt;
use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Synth found problems in the app; every one is listed.
    #[error("synth found {} {}", .0.len(), if .0.len() == 1 { "problem" } else { "problems" })]
    Synth(Vec<Problem>),
    /// A file could not be read or written.
    #[error("cannot {action} `{}`", path.display())]
    Io {
        /// What was being done: `read`, `write`, `remove`, `list`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A short suggestion of what to do, when there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Synth(problems) => problems.iter().find_map(|p| p.kind.hint()),
            Error::Io { .. } => None,
        }
    }
}

/// One problem found at synth, with the construct path where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The construct path, e.g. `artifact-store/ArtifactBucket`.
    pub path: String,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// What a [`Problem`] is.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A logical ID is invalid.
    #[error(transparent)]
    LogicalId(#[from] InvalidLogicalId),
    /// A stack set's targets, regions or preferences are invalid.
    #[error(transparent)]
    StackSet(#[from] InvalidStackSet),
    /// A stack name is invalid.
    #[error(
        "stack name `{name}` is invalid: start with a letter, then use letters, digits and hyphens, at most 128 characters"
    )]
    StackName {
        /// The rejected name.
        name: String,
    },
    /// Two stacks have the same name.
    #[error("stack `{name}` is defined twice")]
    DuplicateStack {
        /// The name.
        name: String,
    },
    /// Two items share a logical ID in one namespace.
    #[error("logical ID `{id}` is used by more than one {namespace}")]
    DuplicateId {
        /// `resource or parameter`, `output`, `condition` or `mapping`.
        namespace: &'static str,
        /// The ID.
        id: String,
    },
    /// A reference names something that does not exist.
    #[error("{function} names `{target}`, which is not {expected} in this stack{}", did_you_mean(.suggestion))]
    Dangling {
        /// `Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn`, `Condition`, `Fn::If`, `Fn::FindInMap`.
        function: &'static str,
        /// The missing name.
        target: String,
        /// What the name should be: `a parameter or resource`, `a resource`, ...
        expected: &'static str,
        /// A close existing name.
        suggestion: Option<String>,
    },
    /// A pseudo parameter that does not exist.
    #[error("`{name}` is not a pseudo parameter{}", did_you_mean(.suggestion))]
    UnknownPseudo {
        /// The name.
        name: String,
        /// A close pseudo parameter.
        suggestion: Option<String>,
    },
    /// A value of a stack that is not in the app.
    #[error("uses a value of stack `{stack}`, which is not in the app")]
    UnknownStack {
        /// The missing stack.
        stack: String,
    },
    /// A reference across accounts or regions.
    #[error(
        "stack `{consumer}` ({consumer_env}) uses a value of stack `{producer}` ({producer_env}): references across accounts or regions cannot be imported"
    )]
    CrossEnvironment {
        /// The stack that uses the value.
        consumer: String,
        /// Its environment.
        consumer_env: String,
        /// The stack that owns the value.
        producer: String,
        /// Its environment.
        producer_env: String,
    },
    /// A value that cannot be exported to another stack.
    #[error("stack `{consumer}` uses {what} of stack `{producer}`, which cannot be exported")]
    NotExportable {
        /// The stack that uses the value.
        consumer: String,
        /// The stack that owns it.
        producer: String,
        /// What the value is.
        what: String,
    },
    /// Stacks that depend on each other.
    #[error("stacks depend on each other in a cycle: {}", cycle.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" → "))]
    Cycle {
        /// The stacks of the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// A count over a CloudFormation limit.
    #[error("the template has {count} {what}: CloudFormation allows at most {max}")]
    Limit {
        /// `resources`, `parameters`, `outputs`, `mappings`.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A template body over CloudFormation's size limit.
    #[error(
        "the template body is {bytes} bytes: CloudFormation accepts at most {max} bytes, even through S3"
    )]
    BodySize {
        /// The body's size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A NoEcho parameter with a default.
    #[error(
        "parameter `{parameter}` is NoEcho but has a Default, which anyone can read in the template"
    )]
    NoEchoDefault {
        /// The parameter.
        parameter: String,
    },
    /// An invalid account or region.
    #[error("{what} `{value}` is invalid: {expected}")]
    Environment {
        /// `account` or `region`.
        what: &'static str,
        /// The rejected value.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// A grant of a wildcard action (`*`, `s3:*`).
    #[error("grants wildcard action `{}`: list the actions the role needs, or use `grant_unrestricted` with a reason", .actions.join("`, `"))]
    WildcardAction {
        /// The wildcard actions.
        actions: Vec<String>,
    },
    /// A grant on `Resource: "*"` of actions that support narrower resources.
    #[error("grants `{}` on every resource: name the resources' ARNs", .actions.join("`, `"))]
    UnscopedAction {
        /// The actions.
        actions: Vec<String>,
    },
    /// `iam:PassRole` on every resource, which lets the holder hand any role
    /// to a service; refused even by `grant_unrestricted`.
    #[error("grants `iam:PassRole` on every resource: name the ARNs of the roles it may pass")]
    PassRoleOnEveryResource,
    /// An action that IAM's service authorization reference does not
    /// define: IAM accepts the policy, and the statement grants nothing.
    #[error("action `{action}` does not exist in IAM{}", did_you_mean(.suggestion))]
    UnknownAction {
        /// The action as written.
        action: String,
        /// The closest action that exists, when one is close.
        suggestion: Option<String>,
    },
    /// An action none of whose resource types fits a resource of its
    /// statement (e.g. `codeconnections:UseConnection` on a
    /// `codestar-connections` ARN): it is granted on nothing.
    #[error(
        "action `{action}` cannot apply to {}: it takes {}",
        quoted(.resources),
        if .takes.is_empty() { "only `*`".to_owned() } else { .takes.join(" or ") }
    )]
    ActionOnWrongResource {
        /// The action.
        action: String,
        /// The statement's resources, as written.
        resources: Vec<String>,
        /// The resource types the action takes, each with its ARN pattern.
        takes: Vec<String>,
    },
    /// A condition operator that does not compare its key's type, e.g.
    /// `StringEquals` on an ARN key.
    #[error(
        "condition key `{key}` is {key_type}, which `{operator}` does not compare as one: use {}",
        quoted(.operators)
    )]
    ConditionOperator {
        /// The operator as written.
        operator: String,
        /// The condition key.
        key: String,
        /// The key's type, e.g. `an ARN`.
        key_type: &'static str,
        /// The operators that fit.
        operators: Vec<String>,
    },
    /// A condition operator IAM does not define.
    #[error("condition operator `{operator}` does not exist{}", did_you_mean(.suggestion))]
    UnknownConditionOperator {
        /// The operator as written.
        operator: String,
        /// The closest operator that exists, when one is close.
        suggestion: Option<String>,
    },
    /// A resource type of a bootstrap's managed stack for which the
    /// registry does not know what CloudFormation needs.
    #[error(
        "managed stack `{stack}` holds `{kind}`, and pipewright does not know what CloudFormation needs to manage it: grant that with `Bootstrap::execution_grant`, or add the type to `scripts/iam_data.py`"
    )]
    UnknownManagedType {
        /// The managed stack.
        stack: String,
        /// The resource type.
        kind: String,
    },
    /// A resource-policy statement without a principal.
    #[error("a resource policy statement for `{}` names no principal: add one with `Statement::principal`", .actions.join("`, `"))]
    PolicyWithoutPrincipal {
        /// The statement's actions.
        actions: Vec<String>,
    },
    /// A resource-policy statement that allows every principal.
    #[error("allows `{}` to every principal (`*`): name the accounts, roles or services that need it", .actions.join("`, `"))]
    AllowsEveryone {
        /// The statement's actions.
        actions: Vec<String>,
    },
    /// A grant to a resource that is not in the stack.
    #[error("no {what} `{id}` in stack `{stack}` to grant to")]
    NoGrantTarget {
        /// `role` or `resource`.
        what: &'static str,
        /// The logical ID granted to.
        id: String,
        /// The stack.
        stack: String,
    },
    /// A role trusted by an account or role ARN with no condition.
    #[error(
        "trusts an account or role without a condition on who calls: add `trust_condition` on `aws:PrincipalArn`, `aws:PrincipalTag/...` or `sts:ExternalId`"
    )]
    UnconditionedTrust,
    /// A role that every principal may assume.
    #[error("trusts every principal (`*`): name the service, account or role that assumes it")]
    TrustsEveryone,
    /// Granted statements that cannot be merged into what a construct or
    /// `resource_mut` already wrote.
    #[error(
        "cannot add granted statements to `{property}`: it is neither a list of policies nor a policy document with a list of statements; build it from grants, or replace it with `override_property`"
    )]
    UnrenderablePolicy {
        /// The property, e.g. `Policies`.
        property: String,
    },
    /// A property override whose path does not fit the resource.
    #[error("cannot override `{property}`: {reason}")]
    Override {
        /// The dotted property path.
        property: String,
        /// Why it does not fit.
        reason: String,
    },
    /// Raw resource properties that are not a JSON object of properties.
    #[error("raw resource properties {reason}")]
    RawProperties {
        /// What is wrong.
        reason: String,
    },
    /// A secret-looking variable given as plain text.
    #[error("{place} variable `{variable}` looks like a secret: {fix}")]
    PlaintextSecret {
        /// `plaintext` (a project variable) or `buildspec`.
        place: &'static str,
        /// The variable's name.
        variable: String,
        /// Where the value belongs instead.
        fix: &'static str,
    },
    /// A numeric setting outside its range.
    #[error("{setting} of {value} {unit} is outside {min} to {max}")]
    OutOfRange {
        /// The setting, e.g. `timeout`.
        setting: &'static str,
        /// The value given.
        value: u64,
        /// The unit, e.g. `minutes`.
        unit: &'static str,
        /// The smallest accepted value.
        min: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// A name a construct rejects.
    #[error("{what} `{name}` {reason}")]
    InvalidName {
        /// What is named, e.g. `ECR repository name`.
        what: &'static str,
        /// The rejected name.
        name: String,
        /// What is wrong and what to use, e.g. `is invalid: use ...`.
        reason: String,
    },
    /// A problem inside one stage of a pipeline.
    #[error("stage `{stage}`: {problem}")]
    InStage {
        /// The stage's name.
        stage: String,
        /// What is wrong there.
        problem: Box<ProblemKind>,
    },
    /// A pipeline with fewer than two stages.
    #[error("a pipeline needs at least 2 stages, this one has {count}")]
    TooFewStages {
        /// How many it has.
        count: usize,
    },
    /// A name used twice where it must be unique.
    #[error("{what} `{name}` is {verb} twice")]
    Duplicate {
        /// What is named, e.g. `stage name`.
        what: &'static str,
        /// The name.
        name: String,
        /// `used` or `produced`.
        verb: &'static str,
    },
    /// A stage without actions.
    #[error("stage `{stage}` has no actions")]
    EmptyStage {
        /// The stage's name.
        stage: String,
    },
    /// A role given an AWS managed administrator policy.
    #[error(
        "attaches the AWS managed policy `{policy}`, which administers the account: attach a policy that grants what the role needs"
    )]
    AdminManagedPolicy {
        /// The policy's name, e.g. `AdministratorAccess`.
        policy: String,
    },
    /// An application of the EKS pattern without a stage.
    #[error("application `{application}` has no stage: add one with `Application::stage`")]
    NoStage {
        /// The application's repository.
        application: String,
    },
    /// A stage of the EKS pattern without a deployment.
    #[error(
        "stage `{stage}` of application `{application}` deploys nowhere: add a deployment with `Stage::deploy`"
    )]
    NoDeployment {
        /// The application's repository.
        application: String,
        /// The stage's name.
        stage: String,
    },
    /// A non-source action in the first stage.
    #[error("action `{action}` is not a source action: the first stage holds only source actions")]
    NotASource {
        /// The action's name.
        action: String,
    },
    /// A source action after the first stage.
    #[error("action `{action}` is a source action: source actions belong in the first stage")]
    MisplacedSource {
        /// The action's name.
        action: String,
    },
    /// A source action that produces nothing.
    #[error("source action `{action}` has no output artifact")]
    SourceWithoutOutput {
        /// The action's name.
        action: String,
    },
    /// An action input that no earlier stage produces.
    #[error("action `{action}` reads artifact `{artifact}`, which no earlier stage produces")]
    UnproducedArtifact {
        /// The action's name.
        action: String,
        /// The artifact.
        artifact: String,
    },
    /// A buildspec command whose role is not allowed its IAM action.
    #[error(
        "project `{project}` runs `{command}` in `{phase}`, but its role `{role}` is not allowed `{action}`: grant it with `stack.grant(project.role(), Statement::allow([\"{action}\"]).resource(...))` on exactly the resources the command uses"
    )]
    CallNotAllowed {
        /// The project's logical ID.
        project: String,
        /// `aws <service> <operation>`.
        command: String,
        /// The buildspec phase, e.g. `pre_build`.
        phase: &'static str,
        /// The role's logical ID.
        role: String,
        /// The IAM action the command needs.
        action: String,
    },
    /// An output artifact that no later action reads.
    #[error(
        "action `{action}` produces artifact `{artifact}`, which no later action reads: read it with `Action::input` or remove the output"
    )]
    UnusedArtifact {
        /// The action's name.
        action: String,
        /// The artifact.
        artifact: String,
    },
    /// A variable of a namespace no action of the pipeline publishes.
    #[error(
        "action `{action}` reads `{variable}`, but no action of the pipeline publishes namespace `{namespace}`{}",
        did_you_mean(.suggestion)
    )]
    UnknownNamespace {
        /// The reading action.
        action: String,
        /// The variable, `#{Namespace.NAME}`.
        variable: String,
        /// Its namespace.
        namespace: String,
        /// The closest namespace that exists.
        suggestion: Option<String>,
    },
    /// A variable read by an action that runs before its publisher.
    #[error(
        "action `{action}` reads `{variable}` before action `{producer}` publishes it: move `{action}` to a later stage, or after `{producer}` in its stage with `Action::run_order`"
    )]
    VariableReadTooEarly {
        /// The reading action.
        action: String,
        /// The variable, `#{Namespace.NAME}`.
        variable: String,
        /// The action that publishes the namespace.
        producer: String,
    },
    /// A variable its namespace's action does not publish.
    #[error(
        "action `{action}` reads `{variable}`, which action `{producer}` does not publish{}: {}",
        published_list(.published),
        if *.buildspec { "add it to the buildspec's `env.exported-variables` (`BuildSpec::exported`)" } else { "read one of the variables it publishes" }
    )]
    UnpublishedVariable {
        /// The reading action.
        action: String,
        /// The variable, `#{Namespace.NAME}`.
        variable: String,
        /// The action that publishes the namespace.
        producer: String,
        /// What it publishes.
        published: Vec<String>,
        /// Whether the producer's variables come from a buildspec.
        buildspec: bool,
    },
    /// A cross-account action in a pipeline without a customer managed key.
    #[error(
        "action `{action}` runs in account `{account}`, but the pipeline has no artifact key: another account cannot decrypt artifacts encrypted with the AWS managed key; create a `kms::Key` and pass it to `Pipeline::key` (a bucket of the pipeline's own is encrypted with it; a shared one needs `Bucket::kms_key`)"
    )]
    CrossAccountWithoutKey {
        /// The action's name.
        action: String,
        /// The account of the action's role.
        account: String,
    },
    /// A cross-account action in a pipeline whose key is given by ARN only.
    #[error(
        "action `{action}` runs in account `{account}`, but the artifact key is given by ARN, so the pipeline cannot admit the action's role in its key policy: pass the `kms::KeyRef` to `Pipeline::key`"
    )]
    CrossAccountKeyByArn {
        /// The action's name.
        action: String,
        /// The account of the action's role.
        account: String,
    },
    /// A pipeline with cross-account actions whose bucket does not encrypt
    /// with the pipeline's key.
    #[error(
        "artifact bucket `{bucket}` is not encrypted with the pipeline's key, which cross-account actions need: pass `key.arn()` to `Bucket::kms_key`"
    )]
    BucketWithoutPipelineKey {
        /// The bucket's logical ID.
        bucket: String,
    },
    /// A GitHub source whose webhook secret is its OAuth token.
    #[error("the webhook secret is the OAuth token: give the webhook its own secret")]
    SharedWebhookSecret,
    /// A CodeBuild webhook on a project without a repository source.
    #[error(
        "a webhook needs a repository source: set `.source(Source::GitHub {{ .. }})`, or let the pipeline start the project"
    )]
    WebhookWithoutRepository,
    /// A CodeBuild webhook without filter groups.
    #[error(
        "a webhook without filter groups builds every push and pull request, forks' included: add a `FilterGroup` naming the events and branches to build"
    )]
    WebhookWithoutFilters,
    /// A CodeBuild webhook filter group CodeBuild would reject.
    #[error("webhook filter group {group}: {reason}")]
    FilterGroup {
        /// The group's position, from 1.
        group: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A token that is not a secret reference.
    #[error(
        "{what}: pass a `{{{{resolve:secretsmanager:...}}}}` reference (`Expr::secret`) or `!Ref` to a NoEcho parameter, so the token never enters the template"
    )]
    NotASecret {
        /// What the token is instead, e.g. `token is a literal`.
        what: String,
    },
    /// A manual approval action that names no approvers.
    #[error(
        "approval action `{action}` names no approvers: add an `iam::Group` with `ManualApproval::approvers`, so that someone may approve it and nobody else"
    )]
    ApprovalWithoutApprovers {
        /// The action's name.
        action: String,
    },
    /// A manual approval whose timeout CodePipeline refuses.
    #[error(
        "approval action `{action}` times out after {minutes} minutes: CodePipeline accepts 5 to 86400 minutes (60 days)"
    )]
    ApprovalTimeout {
        /// The action's name.
        action: String,
        /// The timeout given.
        minutes: u32,
    },
    /// A manual approval whose approver group is not in the pipeline's stack.
    #[error(
        "approval action `{action}` names approver group `{group}`, which is not in stack `{stack}`: add the `iam::Group` to that stack{}",
        choices(.groups)
    )]
    UnknownApprover {
        /// The action's name.
        action: String,
        /// The group's logical ID.
        group: String,
        /// The pipeline's stack.
        stack: String,
        /// The groups the stack has.
        groups: Vec<String>,
    },
    /// Two push targets of one image that name the same repository.
    #[error(
        "push targets `{first}` and `{second}` both push to repository `{repository}`: give each target its own repository, or remove one"
    )]
    DuplicatePushTarget {
        /// The first target's name.
        first: String,
        /// The second target's name.
        second: String,
        /// The repository both name.
        repository: String,
    },
    /// A credential given where the name of a Secrets Manager secret belongs.
    #[error(
        "{what} `{shown}` looks like the credential itself, not the name of a Secrets Manager secret: store it in Secrets Manager and pass the secret's name"
    )]
    SecretAsPlaintext {
        /// What was expected, e.g. `Docker Hub secret`.
        what: &'static str,
        /// The first characters of the value, the rest masked.
        shown: String,
    },
    /// An EKS access entry that grants too much or names an invalid
    /// namespace.
    #[error("access entry {reason}")]
    AccessEntry {
        /// What is wrong and what to do.
        reason: String,
    },
    /// A CodeBuild action with several input artifacts and no primary
    /// source.
    #[error(
        "action `{action}` has {inputs} input artifacts and no primary source: name the one whose buildspec runs with `primary_source`"
    )]
    NoPrimarySource {
        /// The action's name.
        action: String,
        /// How many inputs it has.
        inputs: usize,
    },
    /// A resource to adopt whose type pipewright cannot import.
    #[error(
        "resource `{id}` ({resource_type}) cannot be adopted: pipewright knows no import identifier for the type"
    )]
    NotImportable {
        /// Its logical ID.
        id: String,
        /// Its type.
        resource_type: String,
    },
    /// A resource to adopt without the literal identifier that finds the
    /// existing one.
    #[error(
        "resource `{id}` is adopted and needs a literal `{property}` to find the existing resource: set it to the existing resource's name"
    )]
    AdoptIdentifier {
        /// Its logical ID.
        id: String,
        /// The identifier property.
        property: String,
    },
    /// An allowance or opt-out of the data guards without a reason.
    #[error("{what} needs a reason: say why, for the reviewer")]
    NoReason {
        /// What lacks one, e.g. `allow_replace` of `Repository`.
        what: String,
    },
    /// A stack that holds data and turns termination protection off
    /// without opting out.
    #[error(
        "stack `{stack}` holds data ({}) and turns termination protection off: opt out with `Stack::unprotected(reason)` instead",
        ticked(.guarded)
    )]
    UnguardedData {
        /// The stack.
        stack: String,
        /// The resources that hold data.
        guarded: Vec<String>,
    },
    /// A build-once pipeline with no push target.
    #[error("pushes the image nowhere: add a registry with `BuildOnce::target`")]
    NoPushTarget,
    /// A push that names no tag.
    #[error("pushes no tag: push at least one, e.g. `Tag::Commit`")]
    NoPushTag,
    /// A CodeBuild project started by a repository webhook, with no source
    /// credential for that host in its account and region.
    #[error(
        "project `{project}` of stack `{stack}` is started by a {server} webhook, but no stack in {env} provides a {server} source credential: add a `codebuild::SourceCredential` for {server} to a stack of {env}, or give the project a connection with `Project::source_connection`"
    )]
    MissingSourceCredential {
        /// The project's logical ID.
        project: String,
        /// The project's stack.
        stack: String,
        /// The repository host (`GITHUB`, `GITHUB_ENTERPRISE`, `BITBUCKET`).
        server: String,
        /// The account and region, e.g. `account 111111111111, us-east-1`.
        env: String,
    },
    /// Two source credentials for one host in one account and region.
    #[error(
        "`{second}` is a second {server} source credential in {env}, after `{first}`: CodeBuild keeps one per host, so one would replace the other; keep one and let every project of {env} use it"
    )]
    DuplicateSourceCredential {
        /// The first credential, `stack/logical ID`.
        first: String,
        /// The second credential, `stack/logical ID`.
        second: String,
        /// The repository host.
        server: String,
        /// The account and region.
        env: String,
    },
    /// A role trusted by an ARN pattern that is not narrow.
    #[error(
        "role `{role}` trusts `{pattern}`, which is not a pattern of role ARNs of its account: name the roles, e.g. `arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Approvers_*`"
    )]
    ApproverPattern {
        /// The role's logical ID.
        role: String,
        /// The pattern given.
        pattern: String,
    },
    /// A bootstrap whose deploy role manages no stack.
    #[error("the deploy role manages no stack: name them with `Bootstrap::manages`")]
    ManagesNothing,
    /// A bootstrap that would manage its own stack.
    #[error(
        "the deploy role may not manage its own bootstrap stack `{stack}`: deploy it with the account's own credentials (`--account-profile`)"
    )]
    ManagesItself {
        /// The bootstrap stack.
        stack: String,
    },
    /// Readers of a bootstrap's read role in several accounts.
    #[error(
        "the read role's readers are in one account: `{reader}` is in {account}, `{first}` in {first_account}"
    )]
    ReadersInSeveralAccounts {
        /// The reader of another account.
        reader: String,
        /// Its account.
        account: String,
        /// The first reader.
        first: String,
        /// The first reader's account.
        first_account: String,
    },
    /// A derived execution role with nothing to derive.
    #[error(
        "the execution role has no permissions: the managed stacks hold no resources; grant what they need with `Bootstrap::execution_grant`, or `administrator_access` with a reason"
    )]
    EmptyExecutionRole,
    /// Two settings of one construct that cannot both hold.
    #[error("`{first}` and `{second}` cannot both be set: {reason}")]
    Conflicting {
        /// The first setting.
        first: &'static str,
        /// The second setting.
        second: &'static str,
        /// Why, and what to do.
        reason: &'static str,
    },
    /// A problem a construct outside this library found in its own
    /// configuration ([`crate::Stack::report`]). pipewright's own constructs
    /// use the structured kinds above.
    #[error("{message}")]
    Custom {
        /// The message: the subject first, then what to do.
        message: String,
    },
}

impl ProblemKind {
    /// A short suggestion of what to do.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            ProblemKind::CrossEnvironment { .. } => "give the resource a fixed name in the producing stack and pass that literal name to the other stack".into(),
            ProblemKind::Cycle { .. } => "move the shared resources into a stack that both use".into(),
            ProblemKind::BodySize { .. } | ProblemKind::Limit { .. } => {
                "split the stack into smaller stacks".into()
            }
            ProblemKind::NoEchoDefault { .. } => {
                "remove the Default and pass the value at deploy time (from the environment or a secret)".into()
            }
            _ => return None,
        })
    }
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn published_list(names: &[String]) -> String {
    if names.is_empty() {
        " (it publishes none)".to_owned()
    } else {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        format!(" (it publishes {})", names.join(", "))
    }
}

/// `a`, `b`, `c`: each in backticks.
fn ticked(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a`, `a` or `b`, `a`, `b` or `c`: each in backticks.
fn quoted(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn choices(groups: &[String]) -> String {
    if groups.is_empty() {
        String::new()
    } else {
        format!(
            " (it has {})",
            groups
                .iter()
                .map(|g| format!("`{g}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// What is wrong with a stack set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidStackSet {
    /// No region.
    #[error("stack set `{name}` has no region: add one with `.region(..)`")]
    NoRegion {
        /// The stack set.
        name: String,
    },
    /// No account or unit.
    #[error("stack set `{name}` has no target: list at least one account or organizational unit")]
    NoTarget {
        /// The stack set.
        name: String,
    },
    /// An account ID that is not 12 digits.
    #[error("stack set target `{id}` is not a 12-digit account ID")]
    Account {
        /// The ID.
        id: String,
    },
    /// An OU or root ID of the wrong shape.
    #[error(
        "stack set target `{id}` is not an organizational unit ID (`ou-` then two groups of lowercase letters and digits, such as `ou-ab12-cd34ef56`) or a root ID (`r-ab12`)"
    )]
    OrganizationalUnit {
        /// The ID.
        id: String,
    },
    /// A region name of the wrong shape.
    #[error("stack set region `{region}` is not a region name such as `eu-west-1`")]
    Region {
        /// The name.
        region: String,
    },
    /// A target or region listed twice.
    #[error("stack set {what} `{value}` is listed twice")]
    Duplicate {
        /// `target` or `region`.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// An option of organizational units set on a list of accounts.
    #[error(
        "stack set `{name}` sets `{option}`, which applies to organizational units (service-managed permissions), not to a list of accounts"
    )]
    NotForAccounts {
        /// The stack set.
        name: String,
        /// The setter.
        option: &'static str,
    },
    /// Retaining stacks without auto-deployment.
    #[error(
        "stack set `{name}` retains stacks on account removal without auto-deployment: CloudFormation only retains them when auto-deployment is on"
    )]
    RetainWithoutAutoDeployment {
        /// The stack set.
        name: String,
    },
    /// A percentage above 100, or a concurrency of 0.
    #[error("stack set {setting} `{value}` is out of range: use {range}")]
    Range {
        /// `max concurrent` or `failure tolerance`.
        setting: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        range: &'static str,
    },
    /// A concurrency CloudFormation refuses against the tolerance.
    #[error(
        "stack set max concurrent count {max} is more than one above its failure tolerance count {tolerance}: raise the tolerance to at least {} or lower the concurrency",
        .max - 1
    )]
    ConcurrencyAboveTolerance {
        /// The max concurrent count.
        max: u32,
        /// The failure tolerance count.
        tolerance: u32,
    },
    /// A region of the order or an override that is not the set's.
    #[error("stack set {place} names region `{region}`, which is not one of its regions")]
    UnknownRegion {
        /// `region order` or `override for <target>`.
        place: String,
        /// The region.
        region: String,
    },
    /// An override for a target that is not the set's.
    #[error("stack set override names `{target}`, which is not one of its targets")]
    UnknownTarget {
        /// The account or OU.
        target: String,
    },
    /// An override of a parameter the template does not declare.
    #[error("stack set override for `{target}` sets `{key}`, which the template does not declare")]
    UnknownParameter {
        /// The account or OU.
        target: String,
        /// The parameter key.
        key: String,
    },
    /// Delegated administration with self-managed permissions.
    #[error(
        "stack set `{name}` calls as a delegated administrator, which needs organizational units (service-managed permissions)"
    )]
    DelegatedAdminWithAccounts {
        /// The stack set.
        name: String,
    },
}

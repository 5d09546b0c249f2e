//! The command line: parses arguments, runs a command against an [`App`],
//! prints through the [`Printer`] and maps every outcome to an [`Exit`].
//!
//! This is the only layer that prints; the library below returns values and
//! errors.

mod completions;
#[cfg(feature = "cloud")]
mod deploy;
#[cfg(feature = "cloud")]
mod destroy;
#[cfg(feature = "cloud")]
mod diff;
#[cfg(feature = "cloud")]
mod drift;
mod exit;
mod graph;
mod import;
mod inline;
mod list;
#[cfg(feature = "cloud")]
mod prepare;
mod printer;
#[cfg(feature = "cloud")]
mod recover;
mod select;
#[cfg(feature = "cloud")]
mod status;
mod synth;
#[cfg(feature = "cloud")]
mod ui;

pub use exit::Exit;
pub use printer::{ColorChoice, Printer, Stream, StreamColors};

use crate::App;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// Describe AWS CI/CD pipelines in Rust; synthesize, deploy, diff and
/// drift-check their CloudFormation stacks.
#[derive(Debug, Parser)]
#[command(name = "pipewright", version, after_help = exit::help())]
pub struct Cli {
    /// When to use colors.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print only errors and data.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more detail.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// AWS region (default: AWS_REGION or the profile's region). A stack
    /// that declares its region in code always goes there.
    #[cfg(feature = "cloud")]
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,
    /// AWS named profile (default: AWS_PROFILE).
    #[cfg(feature = "cloud")]
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    /// Reach ACCOUNT with the credentials of profile NAME instead of
    /// assuming its deploy role: `--account-profile 222222222222=staging`,
    /// repeated for each account. Without it, a stack in another account
    /// than the caller's is reached by assuming the role the account's
    /// bootstrap stack created (or the one its code names).
    #[cfg(feature = "cloud")]
    #[arg(
        long,
        global = true,
        value_name = "ACCOUNT=NAME",
        env = "PIPEWRIGHT_ACCOUNT_PROFILES",
        value_delimiter = ',',
        value_parser = crate::cloud::accounts::parse_account_profile
    )]
    account_profile: Vec<(String, String)>,
    /// Reach every stack's account, the caller's own included, through the
    /// deploy role of its bootstrap stack, so that change sets run as the
    /// bootstrap's execution role: how the infra pipeline's deploy build
    /// deploys the operations account's stacks.
    #[cfg(feature = "cloud")]
    #[arg(long, global = true, env = "PIPEWRIGHT_THROUGH_BOOTSTRAP")]
    through_bootstrap: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the stacks with their environment and dependencies.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// List each role instead: every statement granted to it, in any
        /// stack, the AWS CLI calls its builds make
        /// (each checked against the role at synth), and the programs they
        /// run that pipewright cannot read into, whose needs are granted by
        /// hand.
        #[arg(long)]
        permissions: bool,
    },
    /// Synthesize templates into stacks/ and buildspecs/.
    ///
    /// Validates every stack first and writes nothing when anything is
    /// wrong. Files of stacks that no longer exist are removed (when no
    /// stack is named).
    #[command(after_help = exit::help())]
    Synth {
        /// Stacks to synthesize: names or globs such as `image-*`. Default: all.
        stacks: Vec<String>,
        /// Write nothing; exit 3 when a file is stale, missing or extra.
        #[arg(long)]
        check: bool,
        /// Template format.
        #[arg(long, value_enum, default_value_t = TemplateFormat::Yaml)]
        format: TemplateFormat,
        /// Directory that holds stacks/ and buildspecs/.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
    /// Deploy stacks through change sets: preview, confirm, follow.
    ///
    /// Refuses a stack whose committed template differs from the code, and
    /// checks every parameter before any API call. A stack whose deployed
    /// template, parameters and tags already match is skipped without a
    /// write call. Dependencies deploy first; independent stacks run
    /// concurrently. Parameters come from parameters/<stack>.json (AWS CLI
    /// array, plain object, or {"Parameters": {}, "Tags": {}}); a value
    /// written "${env:NAME}" is read from the environment.
    #[cfg(feature = "cloud")]
    #[command(after_help = exit::help())]
    Deploy {
        /// Stacks to deploy: names or globs such as `image-*`.
        #[arg(required_unless_present = "all")]
        stacks: Vec<String>,
        /// Deploy every stack.
        #[arg(long, conflicts_with = "stacks")]
        all: bool,
        /// Execute change sets without asking (required without a terminal).
        #[arg(short, long)]
        yes: bool,
        /// Create the change sets and leave them for review.
        #[arg(long, conflicts_with = "yes")]
        no_execute: bool,
        /// Create a change set even when nothing seems to differ (to push a
        /// new NoEcho value, which CloudFormation never shows back).
        #[arg(long)]
        force: bool,
        /// How many independent stacks to deploy at once.
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        concurrency: u16,
        /// The S3 bucket that stages templates over the 51,200 bytes
        /// CloudFormation takes inline, in the stack's account and region.
        /// Default: the bucket of that account's bootstrap stack
        /// (pipewright-templates-ACCOUNT-REGION).
        #[arg(long, value_name = "BUCKET")]
        template_bucket: Option<String>,
        /// Set a parameter: KEY=VALUE for every stack that declares KEY, or
        /// STACK:KEY=VALUE for one. VALUE may be "${env:NAME}".
        #[arg(long = "parameter", short = 'p', value_name = "[STACK:]KEY=VALUE")]
        parameters: Vec<String>,
        /// Allow this deploy to replace or delete the resource with logical
        /// ID ID, which holds data (a stateful type, or retained): ID for
        /// every selected stack that has it, STACK:ID for one. Repeatable.
        /// Default: such a change is refused (exit 5), unless the code
        /// allows it with Stack::allow_replace.
        #[arg(long = "allow-replace", value_name = "[STACK:]ID")]
        allow_replace: Vec<String>,
        /// Output format for the results and outputs on stdout.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Continue the failed rollback of a stack in UPDATE_ROLLBACK_FAILED.
    ///
    /// CloudFormation continues rolling the last update back
    /// (ContinueUpdateRollback), skipping the resources named with --skip
    /// (those that cannot roll back, e.g. changed or deleted by hand); the
    /// events are shown until the stack settles. Exit 0 when it ends in
    /// UPDATE_ROLLBACK_COMPLETE (deploy works again), 4 when the rollback
    /// fails again.
    #[cfg(feature = "cloud")]
    #[command(after_help = exit::help())]
    Recover {
        /// The stack.
        stack: String,
        /// A resource (logical ID) to skip, left as it is and marked
        /// rolled back; repeatable.
        #[arg(long = "skip", value_name = "ID")]
        skip: Vec<String>,
    },
    /// Delete stacks, dependents first; retained resources are listed.
    ///
    /// A stack that does not exist counts as deleted. Termination
    /// protection is never turned off.
    #[cfg(feature = "cloud")]
    #[command(after_help = exit::help())]
    Destroy {
        /// Stacks to delete: names or globs.
        #[arg(required_unless_present = "all")]
        stacks: Vec<String>,
        /// Delete every stack of the app.
        #[arg(long, conflicts_with = "stacks")]
        all: bool,
        /// Delete without asking (required without a terminal).
        #[arg(short, long)]
        yes: bool,
        /// How many independent stacks to delete at once.
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        concurrency: u16,
    },
    /// Show what a deploy would change, resource by resource and property
    /// by property.
    ///
    /// Compares the synthesized template with the deployed one by meaning
    /// (YAML short or long form and JSON alike). When a resource is modified,
    /// a change set (deleted afterwards) tells which modifications replace
    /// it; without one the diff says so. IAM statements added and removed
    /// are listed apart, broadening ones marked. A stack not deployed diffs
    /// as all new.
    #[cfg(feature = "cloud")]
    #[command(after_help = exit::help())]
    Diff {
        /// Stacks to compare: names or globs. Default: all.
        stacks: Vec<String>,
        /// Output format: text, JSON (schema in docs/json.md), or markdown
        /// for a pull-request comment.
        #[arg(long, value_enum, default_value_t = diff::DiffFormat::Text)]
        format: diff::DiffFormat,
        /// Exit 3 when there are differences.
        #[arg(long)]
        exit_code: bool,
        /// The S3 bucket that stages templates over the 51,200 bytes
        /// CloudFormation takes inline, in the stack's account and region.
        /// Default: the bucket of that account's bootstrap stack
        /// (pipewright-templates-ACCOUNT-REGION).
        #[arg(long, value_name = "BUCKET")]
        template_bucket: Option<String>,
    },
    /// Check whether the running stacks still match the code.
    ///
    /// Three layers per stack: (1) the committed template against the code,
    /// (2) the deployed template against the synthesized one, (3) the
    /// resources against their template (CloudFormation drift detection).
    /// Exit 0 when nothing drifted, 3 when anything did, 1 when a check
    /// could not be completed.
    #[cfg(feature = "cloud")]
    #[command(after_help = exit::help())]
    Drift {
        /// Stacks to check: names or globs. Default: all.
        stacks: Vec<String>,
        /// Check every stack (the default when none is named).
        #[arg(long, conflicts_with = "stacks")]
        all: bool,
        /// Skip layer 3 (for endpoints without drift detection).
        #[arg(long)]
        template_only: bool,
        /// How many stacks to check at once.
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        concurrency: u16,
        /// Output format (JSON schema in docs/json.md).
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Adopt a stack created from a template by other means (the AWS CLI,
    /// the console): write Rust source that synthesizes the same template.
    ///
    /// Writes SRC/<stack>.rs (dashes become underscores), declares it in
    /// SRC/lib.rs and adds the stack to the app, and copies a parameters
    /// file next to the template (TEMPLATE's name + .parameters.json or
    /// -parameters.json, or parameters.json) to parameters/<stack>.json.
    /// Every resource becomes a raw resource with its logical ID, so a
    /// deploy replaces nothing; `diff` then shows no change. Nothing that
    /// exists is replaced without --force.
    #[command(after_help = exit::help())]
    Import {
        /// The template the stack was created from (YAML or JSON).
        template: PathBuf,
        /// The stack's name in CloudFormation.
        #[arg(long, value_name = "NAME")]
        stack: String,
        /// Print the source to stdout and write nothing.
        #[arg(long)]
        stdout: bool,
        /// The parameters file (AWS CLI array, plain object, or
        /// {"Parameters": {}, "Tags": {}}). Default: one next to the template.
        #[arg(long, value_name = "FILE")]
        parameters: Option<PathBuf>,
        /// Pin the stack to this account in the source.
        #[arg(long, value_name = "ACCOUNT")]
        account: Option<String>,
        /// Pin the stack to this region in the source.
        #[arg(long, value_name = "REGION")]
        stack_region: Option<String>,
        /// The app crate's source directory.
        #[arg(long, value_name = "DIR", default_value = "src")]
        src: PathBuf,
        /// Replace the module or parameters file when it exists.
        #[arg(long)]
        force: bool,
    },
    /// Draw the stacks and their pipelines as a diagram.
    ///
    /// Stacks are grouped by account and region, with an arrow from a
    /// stack to the stacks that import its exports. Each pipeline shows its
    /// stages and actions, the artifacts (solid, labelled) and variables
    /// (dashed) passed between actions, and the projects, repositories,
    /// topics and stacks its actions touch. Mermaid renders inside a
    /// ```mermaid block in GitHub markdown; pipe dot to `dot -Tsvg`.
    #[command(after_help = exit::help())]
    Graph {
        /// Stacks to draw: names or globs. Default: all.
        stacks: Vec<String>,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = graph::GraphFormat::Mermaid)]
        format: graph::GraphFormat,
    },
    /// Print a shell completion script to stdout.
    ///
    /// For example: `pipewright completions bash >
    /// ~/.local/share/bash-completion/completions/pipewright`, or
    /// `pipewright completions zsh > ~/.zfunc/_pipewright`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Show each stack's deployed status, last change, drift status and
    /// outputs.
    #[cfg(feature = "cloud")]
    Status {
        /// Stacks to show: names or globs. Default: all.
        stacks: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum TemplateFormat {
    Yaml,
    Json,
}

/// Runs the CLI on the process arguments; for `main`.
pub fn main(app: App) -> ExitCode {
    run(app, std::env::args_os()).into()
}

/// Runs the CLI on `args` (the first is the program name).
pub fn run(app: App, args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> Exit {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Exit::Success
                }
                _ => Exit::Usage,
            };
        }
    };
    let printer = Printer::new(cli.color, cli.quiet, cli.verbose);
    #[cfg(feature = "cloud")]
    let connect = connect(&cli);
    let result = match cli.command {
        Command::List {
            format,
            permissions: false,
        } => list::run(&app, &printer, format == ListFormat::Json),
        Command::List {
            format,
            permissions: true,
        } => list::permissions(&app, &printer, format == ListFormat::Json),
        Command::Completions { shell } => {
            completions::run(&printer, shell, <Cli as clap::CommandFactory>::command())
        }
        Command::Graph { stacks, format } => graph::run(&app, &printer, &stacks, format),
        Command::Import {
            template,
            stack,
            stdout,
            parameters,
            account,
            stack_region,
            src,
            force,
        } => import::run(
            &app,
            &printer,
            import::Args {
                template: &template,
                stack: &stack,
                stdout,
                parameters: parameters.as_deref(),
                account: account.as_deref(),
                region: stack_region.as_deref(),
                src: &src,
                root: std::path::Path::new(""),
                force,
            },
        ),
        Command::Synth {
            stacks,
            check,
            format,
            out,
        } => {
            let format = match format {
                TemplateFormat::Yaml => crate::app::Format::Yaml,
                TemplateFormat::Json => crate::app::Format::Json,
            };
            synth::run(app, &printer, &stacks, check, format, &out)
        }
        #[cfg(feature = "cloud")]
        Command::Deploy {
            stacks,
            all,
            yes,
            no_execute,
            force,
            concurrency,
            template_bucket,
            parameters,
            allow_replace,
            format,
        } => deploy::run(
            &app,
            &printer,
            deploy::Args {
                stacks: &stacks,
                all,
                options: crate::cloud::DeployOptions {
                    yes,
                    no_execute,
                    force,
                    concurrency: concurrency.into(),
                    template_bucket,
                    allow_replace: Vec::new(),
                },
                overrides: &parameters,
                allow_replace: &allow_replace,
                json: format == ListFormat::Json,
                connect: connect.clone(),
            },
        ),
        #[cfg(feature = "cloud")]
        Command::Destroy {
            stacks,
            all,
            yes,
            concurrency,
        } => destroy::run(
            &app,
            &printer,
            &stacks,
            all,
            yes,
            concurrency.into(),
            connect.clone(),
        ),
        #[cfg(feature = "cloud")]
        Command::Diff {
            stacks,
            format,
            exit_code,
            template_bucket,
        } => diff::run(
            &app,
            &printer,
            diff::Args {
                stacks: &stacks,
                format,
                exit_code,
                template_bucket: template_bucket.as_deref(),
            },
            connect.clone(),
        ),
        #[cfg(feature = "cloud")]
        Command::Drift {
            stacks,
            all: _,
            template_only,
            concurrency,
            format,
        } => drift::run(
            &app,
            &printer,
            &stacks,
            format == ListFormat::Json,
            template_only,
            concurrency.into(),
            connect.clone(),
        ),
        #[cfg(feature = "cloud")]
        Command::Recover { stack, skip } => {
            recover::run(&app, &printer, &stack, &skip, connect.clone())
        }
        #[cfg(feature = "cloud")]
        Command::Status { stacks, format } => status::run(
            &app,
            &printer,
            &stacks,
            format == ListFormat::Json,
            connect.clone(),
        ),
    };
    match result {
        Ok(exit) => exit,
        Err(e) => report(&printer, &e),
    }
}

#[cfg(feature = "cloud")]
fn connect(cli: &Cli) -> crate::cloud::Connect {
    crate::cloud::Connect {
        region: cli.region.clone(),
        profile: cli.profile.clone(),
        account_profiles: cli.account_profile.clone(),
        profile_credentials_only: false,
        through_bootstrap: cli.through_bootstrap,
    }
}

/// Prints an error with its details, causes and hint; returns its exit code.
fn report(printer: &Printer, e: &anyhow::Error) -> Exit {
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The reader of our stdout went away (`| head`): not an error.
        return Exit::Success;
    }
    let mut details = Vec::new();
    let mut hint = None;
    let mut exit = Exit::Failure;
    if let Some(lib) = e.downcast_ref::<crate::Error>() {
        if let crate::Error::Synth(problems) = lib {
            details = problems.iter().map(ToString::to_string).collect();
        }
        hint = lib.hint();
    }
    if let Some(i) = e.downcast_ref::<import::ImportError>() {
        hint = i.hint.clone();
        exit = i.exit;
    }
    if let Some(sel) = e.downcast_ref::<select::SelectError>() {
        hint = sel.hint();
        exit = Exit::Usage;
    }
    #[cfg(feature = "cloud")]
    {
        if let Some(u) = e.downcast_ref::<prepare::UsageError>() {
            hint = u.hint.clone();
            exit = Exit::Usage;
        }
        if let Some(r) = e.downcast_ref::<prepare::Refusal>() {
            details = r.details();
            hint = Some(r.hint());
        }
        if let Some(c) = e.downcast_ref::<crate::cloud::CloudError>() {
            hint = c.hint();
        }
    }
    let causes: Vec<String> = e.chain().skip(1).map(ToString::to_string).collect();
    printer.error(&e.to_string(), &details, &causes, hint.as_deref());
    exit
}

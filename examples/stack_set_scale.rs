//! One stack in 100 accounts × 2 regions, deployed two ways against a
//! local `moto_server`, in the same run: as one stack set (CloudFormation
//! StackSets runs the rollout) and as 200 separate stacks (`deploy --all`:
//! a change set per stack, 8 at once). For each, the wall time and the API
//! calls per account-region of the first deploy and of a no-op redeploy
//! (issue #23).
//!
//! ```sh
//! python3 tests/integration/support/moto_server.py -H 127.0.0.1 -p 5123 &
//! AWS_ENDPOINT_URL=http://127.0.0.1:5123 cargo run --release --example stack_set_scale
//! ```
//!
//! The 200 stacks live in the caller's account, in the two regions (moto
//! serves every account, but reaching 100 accounts would add a role
//! assumption per account to the stacks' side only). Calls are counted by
//! an SDK interceptor on every request the CloudFormation client sends;
//! status is polled every 100 ms. moto runs a stack set operation to its
//! end at once, so the stack set's wall time is mostly moto creating the
//! 200 instance stacks; on AWS the rollout's duration is set by the
//! operation preferences.

use aws_sdk_cloudformation::config::{Credentials, Region, SharedCredentialsProvider};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use pipewright::app::Assembly;
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::{Cloud, Progress, Ui};
use pipewright::parameters::StackParameters;
use pipewright::stack_set::StackSet;
use pipewright::template::Resource;
use pipewright::{App, Stack};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const ACCOUNTS: usize = 100;
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Counts the requests a client sends.
#[derive(Clone, Debug, Default)]
struct Counter(Arc<AtomicUsize>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "Counter"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

struct Quiet;

impl Ui for Quiet {
    fn progress(&self, _: &str, _: Progress<'_>) {}
    fn confirm(&self, _: &str, _: &str) -> bool {
        true
    }
}

fn stack(name: &str) -> Stack {
    let mut s = Stack::new(name);
    s.add_resource(
        "Marker",
        Resource::new("AWS::SSM::Parameter")
            .property("Name", format!("/pipewright/{name}").as_str())
            .property("Type", "String")
            .property("Value", "v1"),
    );
    s
}

fn stack_set() -> App {
    let accounts: Vec<String> = (0..ACCOUNTS)
        .map(|i| format!("{:012}", 100_000_000_000 + i))
        .collect();
    let mut set = StackSet::accounts(stack("roles"), accounts);
    for r in REGIONS {
        set = set.region(r);
    }
    App::new().stack_set(set)
}

fn stacks() -> App {
    let mut app = App::new();
    for i in 0..ACCOUNTS {
        for r in REGIONS {
            app.add(stack(&format!("roles-{i}-{r}")).region(r));
        }
    }
    app
}

fn cloud(endpoint: &str, counter: &Counter) -> Cloud {
    let credentials =
        SharedCredentialsProvider::new(Credentials::new("testing", "testing", None, None, "bench"));
    let cfn = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version_latest()
            .http_client(pipewright::cloud::client::https_client())
            .endpoint_url(endpoint)
            .region(Region::new(REGIONS[0]))
            .credentials_provider(credentials.clone())
            .interceptor(counter.clone())
            .build(),
    );
    Cloud::from_clients(cfn, None)
        .with_endpoint(endpoint)
        .with_credentials(credentials)
        .with_poll_interval(Duration::from_millis(100))
}

/// Deploys every stack of `assembly`; (seconds, calls, failures).
async fn deploy(cloud: &Cloud, counter: &Counter, assembly: &Assembly) -> (f64, usize, usize) {
    let plans: Vec<StackPlan<'_>> = assembly
        .stacks
        .iter()
        .map(|artifact| StackPlan {
            artifact,
            parameters: StackParameters::default(),
            bootstrap: None,
        })
        .collect();
    let options = DeployOptions {
        yes: true,
        concurrency: 8,
        ..DeployOptions::default()
    };
    let before = counter.0.load(Ordering::Relaxed);
    let start = Instant::now();
    let reports = Deployer::new(cloud, &Quiet, options).deploy(&plans).await;
    let seconds = start.elapsed().as_secs_f64();
    let failed: Vec<&DeployOutcome> = reports
        .iter()
        .map(|r| &r.outcome)
        .filter(|o| !o.is_ok())
        .collect();
    if let Some(first) = failed.first() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("a deploy failed: {first:?}");
        }
    }
    let failed = failed.len();
    (seconds, counter.0.load(Ordering::Relaxed) - before, failed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.is_empty())
    else {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("error: set AWS_ENDPOINT_URL to a running moto_server (see the module docs)");
        }
        return ExitCode::from(2);
    };
    let instances = (ACCOUNTS * REGIONS.len()) as f64;
    let mut rows = Vec::new();
    for (label, app) in [("one stack set", stack_set()), ("200 stacks", stacks())] {
        let assembly = match app.synth() {
            Ok(a) => a,
            Err(e) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("error: {e}");
                }
                return ExitCode::FAILURE;
            }
        };
        let counter = Counter::default();
        let cloud = cloud(&endpoint, &counter);
        for run in ["first deploy", "no-op redeploy"] {
            let (seconds, calls, failed) = deploy(&cloud, &counter, &assembly).await;
            rows.push(format!(
                "| {label} | {run} | {seconds:.1} s | {calls} | {:.2} | {failed} |",
                calls as f64 / instances
            ));
        }
    }
    #[allow(clippy::print_stdout)]
    {
        println!("| how | run | wall time | API calls | calls per account-region | failed |");
        println!("|---|---|---|---|---|---|");
        for r in rows {
            println!("{r}");
        }
    }
    ExitCode::SUCCESS
}

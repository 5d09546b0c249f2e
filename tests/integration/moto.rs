//! The CloudFormation API the deploy tests talk to: one `moto_server` per
//! test binary on a free loopback port, reset before each test. Tests that
//! use it hold a [`Session`], which serializes them (a reset would wipe a
//! neighbour's stacks).

use super::support::{copy_tree, repo, text};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The value the tests give the GitHub token: it must never be printed.
pub const TOKEN: &str = "ghp_testtoken_NEVER_PRINTED_1234";
/// The webhook secret the tests give: it must never be printed.
pub const WEBHOOK_SECRET: &str = "whsec_NEVER_PRINTED_0123456789";

struct Server {
    port: u16,
    // Holds the wrapper's stdin: when the test binary exits, the pipe
    // closes and the wrapper stops moto.
    _child: Child,
}

static SERVER: OnceLock<Server> = OnceLock::new();
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A free port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

fn start() -> Server {
    let port = free_port();
    // `read` returns when our end of stdin closes (the test binary exited,
    // however it exited); then moto is stopped.
    let child = Command::new("sh")
        .args([
            "-c",
            "python3 \"$1\" -H 127.0.0.1 -p \"$0\" >/dev/null 2>&1 & moto=$!; read _; kill $moto",
        ])
        .arg(port.to_string())
        .arg(repo().join("tests/integration/support/moto_server.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sh");
    let deadline = Instant::now() + Duration::from_secs(60);
    while request(port, "GET", "/moto-api/").is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not start on port {port}: run ./scripts/test, which installs moto[server] into .venv"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        port,
        _child: child,
    }
}

/// One HTTP/1.1 request without a body; the status line. The harness
/// needs only moto's reset call, which no client crate is worth adding for.
fn request(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    Ok(response.lines().next().unwrap_or_default().to_owned())
}

/// A test's exclusive use of the reset server.
pub struct Session {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// A project directory: committed stacks/, buildspecs/, parameters/.
    pub dir: tempfile::TempDir,
    _guard: MutexGuard<'static, ()>,
}

/// Takes the server for one test, reset to empty.
pub fn session() -> Session {
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let server = SERVER.get_or_init(start);
    let status = request(server.port, "POST", "/moto-api/reset").expect("reset moto");
    assert!(status.contains(" 200"), "moto reset answered {status}");
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["stacks", "buildspecs", "parameters"] {
        copy_tree(&repo().join(sub), &dir.path().join(sub));
    }
    Session {
        endpoint: format!("http://127.0.0.1:{}", server.port),
        dir,
        _guard: guard,
    }
}

/// The workload accounts of the app (`src/eks_cicd.rs`) and the profiles
/// the tests reach them with, as `PIPEWRIGHT_ACCOUNT_PROFILES` takes them.
pub const ACCOUNT_PROFILES: &str = "222222222222=staging,333333333333=production";

/// The account the tests run as: the operations account of the app
/// (`src/accounts.rs`).
pub const OPERATIONS: &str = "111111111111";

/// An AWS config file: the default profile is a role in the operations
/// account, and the profiles `staging` and `production` roles in the app's
/// workload accounts, each assumed with the static keys of profile `base`
/// (in [`CREDENTIALS`]). moto gives credentials of the role's account from
/// `sts:AssumeRole`, as AWS does.
const PROFILES: &str = "[default]\nrole_arn = arn:aws:iam::111111111111:role/operator\nsource_profile = base\n\n\
[profile staging]\nrole_arn = arn:aws:iam::222222222222:role/admin\nsource_profile = base\n\n\
[profile production]\nrole_arn = arn:aws:iam::333333333333:role/admin\nsource_profile = base\n";

/// The static keys the profiles start from.
const CREDENTIALS: &str = "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n";

/// Points a command at `endpoint` with dummy credentials, isolated from
/// the user's AWS configuration. The caller is a role in the operations
/// account; the app's workload accounts are reached through the profiles
/// of [`PROFILES`] (written to `home`), so `deploy --all` can create their
/// bootstrap stacks. A test of the deploy roles removes
/// `PIPEWRIGHT_ACCOUNT_PROFILES`.
pub fn aws_env(c: &mut Command, endpoint: &str, home: &Path) {
    let config = home.join("aws-config");
    let credentials = home.join("aws-credentials");
    if !config.exists() {
        std::fs::write(&config, PROFILES).expect("write the AWS config file");
        std::fs::write(&credentials, CREDENTIALS).expect("write the AWS credentials file");
    }
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
    ] {
        c.env_remove(var);
    }
    c.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", config)
        .env("AWS_SHARED_CREDENTIALS_FILE", credentials)
        .env("PIPEWRIGHT_ACCOUNT_PROFILES", ACCOUNT_PROFILES)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
}

impl Session {
    /// `pipewright ARGS` in the project directory, against the server,
    /// with stdin closed (not a terminal).
    pub fn run(&self, args: &[&str]) -> Output {
        let mut c = super::support::pipewright(self.dir.path());
        aws_env(&mut c, &self.endpoint, self.dir.path());
        c.args(args).stdin(Stdio::null());
        let out = c.output().expect("run pipewright");
        let (stdout, stderr) = text(&out);
        for secret in [TOKEN, WEBHOOK_SECRET] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "a NoEcho value was printed by `pipewright {}`:\n{stdout}\n{stderr}",
                args.join(" ")
            );
        }
        out
    }

    /// `pipewright ARGS` as [`Session::run`] does, but with no profile
    /// mapped to any account: what CI in the operations account runs, which
    /// reaches the workload accounts through their deploy roles.
    pub fn run_as_operations(&self, args: &[&str]) -> Output {
        let mut c = super::support::pipewright(self.dir.path());
        aws_env(&mut c, &self.endpoint, self.dir.path());
        c.env_remove("PIPEWRIGHT_ACCOUNT_PROFILES");
        c.args(args).stdin(Stdio::null());
        c.output().expect("run pipewright")
    }

    /// What the AWS API holds, through boto3 (`tests/integration/support/aws_state.py`).
    pub fn state(&self) -> serde_json::Value {
        self.state_of(None)
    }

    /// What the AWS API holds in `account` (the caller's when `None`).
    pub fn state_of(&self, account: Option<&str>) -> serde_json::Value {
        self.state_in(account, None)
    }

    /// What the AWS API holds in `account` (the caller's when `None`) and
    /// `region` (the session's when `None`).
    pub fn state_in(&self, account: Option<&str>, region: Option<&str>) -> serde_json::Value {
        let mut c = Command::new("python3");
        aws_env(&mut c, &self.endpoint, self.dir.path());
        let out = c
            .arg(repo().join("tests/integration/support/aws_state.py"))
            .args(account)
            .args(region)
            .output()
            .expect("run python3: run ./scripts/test, which installs boto3 into .venv");
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "aws_state.py failed:\n{stderr}");
        serde_json::from_str(&stdout).expect("aws_state.py prints JSON")
    }
}

impl Session {
    /// Updates `stack` behind pipewright's back with `template` (every
    /// parameter kept), through boto3 (`tests/integration/support/aws_update.py`).
    pub fn update_out_of_band(&self, stack: &str, template: &str) {
        let path = self.dir.path().join("out-of-band.yaml");
        std::fs::write(&path, template).expect("write template");
        let mut c = Command::new("python3");
        aws_env(&mut c, &self.endpoint, self.dir.path());
        let out = c
            .arg(repo().join("tests/integration/support/aws_update.py"))
            .arg(stack)
            .arg(&path)
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "aws_update.py failed:\n{}",
            text(&out).1
        );
    }
}

//! The HTTPS client: rustls on ring (see `cloud::https_client`) performs a
//! real TLS handshake and verifies the server's certificate against the
//! system's roots. A self-signed server on loopback must be refused with a
//! certificate error, never reached and never a panic (rustls panics when
//! no crypto provider is installed).

use super::support::repo;
use super::support::transcript::Run;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn https_verifies_the_server_certificate() {
    let python = repo().join(".venv/bin/python3");
    let mut child = Command::new(&python)
        .arg(repo().join("tests/integration/support/tls_server.py"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}): run ./scripts/test", python.display()));
    let mut port = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let _server = Server(child);
    let endpoint = format!("https://127.0.0.1:{}", port.trim());
    let ran = Run::new(&["status", "artifact-store"])
        .dir(&repo())
        .aws(&endpoint)
        .output();
    assert_eq!(ran.code, Some(1), "{}", ran.transcript());
    assert!(
        ran.stderr
            .contains("TLS handshake failed: invalid peer certificate"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
}

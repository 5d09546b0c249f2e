//! Color is decided per stream: a terminal on stderr must not paint what
//! goes to a file on stdout (`pipewright diff > file`), and the other way
//! round. The binary runs under a pseudo-terminal made by `script`
//! (util-linux), with one stream redirected to a file.

use super::moto::{aws_env, session};
use super::support::text;
use std::process::Stdio;

const ESC: &str = "\x1b[";

/// Runs `command` (a `sh` command line; `$PW` is the binary) under a
/// pseudo-terminal in the session's directory; returns what reached the
/// terminal.
fn under_pty(s: &super::moto::Session, command: &str) -> String {
    let mut c = std::process::Command::new("script");
    aws_env(&mut c, &s.endpoint, s.dir.path());
    c.current_dir(s.dir.path())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .env("SHELL", "/bin/sh")
        .env("PW", env!("CARGO_BIN_EXE_pipewright"))
        .args(["--quiet", "--return", "--command", command, "/dev/null"])
        .stdin(Stdio::null());
    let out = c
        .output()
        .expect("run `script` (util-linux): install util-linux");
    let (stdout, stderr) = text(&out);
    assert!(
        out.status.code().is_some(),
        "script was killed:\n{stdout}{stderr}"
    );
    stdout
}

#[test]
fn a_terminal_on_stderr_does_not_paint_stdout_redirected_to_a_file() {
    let s = session();
    // The diff of a stack that is not deployed is all additions, painted
    // green on a terminal; the misspelled stack is an error on stderr,
    // painted red on a terminal.
    let terminal = under_pty(
        &s,
        "\"$PW\" diff artifact-store > stdout.txt; \"$PW\" diff artifact-stor",
    );
    let file = std::fs::read_to_string(s.dir.path().join("stdout.txt")).unwrap();
    assert!(
        file.contains("+ ArtifactBucket AWS::S3::Bucket"),
        "the diff reached the file:\n{file}\nterminal:\n{terminal}"
    );
    assert!(
        !file.contains(ESC),
        "stdout is a file, yet painted:\n{file:?}"
    );
    assert!(
        terminal.contains(ESC) && terminal.contains("unknown stack"),
        "stderr is a terminal, so its error is painted:\n{terminal:?}"
    );
}

#[test]
fn a_terminal_on_stdout_does_not_paint_stderr_redirected_to_a_file() {
    let s = session();
    let terminal = under_pty(
        &s,
        "\"$PW\" diff artifact-store 2>/dev/null; \"$PW\" diff artifact-stor 2> stderr.txt",
    );
    let file = std::fs::read_to_string(s.dir.path().join("stderr.txt")).unwrap();
    assert!(file.contains("error: unknown stack"), "{file}");
    assert!(
        !file.contains(ESC),
        "stderr is a file, yet painted:\n{file:?}"
    );
    assert!(
        terminal.contains(ESC) && terminal.contains("ArtifactBucket"),
        "stdout is a terminal, so the diff is painted:\n{terminal:?}"
    );
}

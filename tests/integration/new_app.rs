//! The path a new team takes, from outside the library: a crate
//! `acme-infra` that depends on pipewright (without the `cloud` feature),
//! whose `src/lib.rs` and `src/main.rs` are the snippets of the README's
//! "Start your own infra repository" section, read from README.md so the
//! README cannot rot. `cargo run -- synth` in it must write the stack.

use crate::support::repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The first ```` ```rust ```` block after `marker` in `section`.
pub fn rust_block_after(section: &str, marker: &str) -> String {
    let (_, after) = section
        .split_once(marker)
        .unwrap_or_else(|| panic!("the README section names {marker}"));
    let (_, block) = after
        .split_once("```rust")
        .unwrap_or_else(|| panic!("a rust block follows {marker} in the README"));
    let (_, block) = block.split_once('\n').expect("the fence line ends");
    let (code, _) = block.split_once("\n```").expect("the rust block is closed");
    format!("{code}\n")
}

/// The README's "Start your own infra repository" section.
fn readme_section() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let (_, rest) = readme
        .split_once("## Start your own infra repository\n")
        .expect("README.md has a `Start your own infra repository` section");
    rest.split("\n## ").next().unwrap_or(rest).to_owned()
}

/// Writes the README's infra crate into `krate` as package `package`: its
/// `src/lib.rs` and `src/main.rs` are the README's snippets, and it
/// depends on this repository's pipewright, with the `cloud` feature when
/// `cloud` (to deploy) and without it otherwise (to synthesize only). Each
/// test names its own package: the crates share a target directory, and
/// two tests building one package name would overwrite each other's
/// binary.
pub fn write_infra_crate(krate: &Path, package: &str, cloud: bool) {
    let section = readme_section();
    let lib = rust_block_after(&section, "`src/lib.rs`");
    let main = rust_block_after(&section, "`src/main.rs`");
    write_crate(krate, package, cloud, &lib, &main);
}

/// The README's `src/main.rs` of an infra crate.
pub fn readme_main() -> String {
    rust_block_after(&readme_section(), "`src/main.rs`")
}

/// Writes the infra crate `package` with `lib` and `main` as its
/// `src/lib.rs` and `src/main.rs` into `krate` (see [`write_infra_crate`]);
/// `main` names the library `acme_infra`, renamed after `package`. Each
/// test that runs its crate's binary names the crate on its own, since the
/// crates share a target directory.
pub fn write_crate(krate: &Path, package: &str, cloud: bool, lib: &str, main: &str) {
    assert!(lib.contains("pub fn app() -> App"), "{lib}");
    assert!(main.contains("fn main()"), "{main}");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    let library = repo().join("crates/pipewright");
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\npipewright = {{ path = {:?}, default-features = {cloud} }}\n\n\
             # Its own workspace, wherever the temporary directory is.\n[workspace]\n",
            library.to_str().unwrap()
        ),
    )
    .unwrap();
    // The repository's lock file: the same dependency versions, all in the
    // local registry cache, so `--offline` resolves.
    std::fs::copy(repo().join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::write(krate.join("src/lib.rs"), lib).unwrap();
    let main = main.replace("acme_infra", &package.replace('-', "_"));
    std::fs::write(krate.join("src/main.rs"), main).unwrap();
}

/// `cargo ARGS` in the infra crate, with a target directory shared by the
/// tests that build one (kept between runs, so only the first builds the
/// dependencies).
pub fn cargo(krate: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo")
}

/// Where the infra crates are built.
pub fn target_dir() -> PathBuf {
    repo().join("target/new-app")
}

#[test]
fn the_readme_snippets_make_an_infra_crate_that_synthesizes() {
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("acme-infra");
    write_infra_crate(&krate, "acme-infra", false);
    let out = cargo(&krate, &["run", "--offline", "--quiet", "--", "synth"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "cargo run -- synth:\n{stderr}");
    let template = std::fs::read_to_string(krate.join("stacks/artifact-store.yaml"))
        .unwrap_or_else(|e| panic!("stacks/artifact-store.yaml was written ({e}):\n{stderr}"));
    assert!(template.contains("Type: AWS::S3::Bucket"), "{template}");
    assert!(
        stderr.contains("synthesized 1 stack"),
        "synth reports what it wrote:\n{stderr}"
    );
}

//! A YAML 1.1 reader (PyYAML, which CloudFormation's parsing rules follow)
//! reads every emitted template to the same data the JSON emitter writes.

use crate::generate;
use crate::support::{pipewright, repo, text, tool};
use pipewright::template::{json, yaml};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

#[test]
fn pyyaml_reads_yaml_as_the_json_says() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = dir.path();

    // The app's own templates, synthesized in both formats.
    for format in ["yaml", "json"] {
        let out_dir = tempfile::tempdir().unwrap();
        let out = pipewright(out_dir.path())
            .args(["synth", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
        for entry in std::fs::read_dir(out_dir.path().join("stacks")).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("app-{}", path.file_name().unwrap().to_string_lossy());
            std::fs::copy(&path, pairs.join(name)).unwrap();
        }
    }

    // Random templates (a fixed seed, so a failure reproduces).
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = generate::template();
    for i in 0..300 {
        let t = strategy.new_tree(&mut runner).unwrap().current();
        std::fs::write(pairs.join(format!("random{i}.yaml")), yaml::to_string(&t)).unwrap();
        std::fs::write(pairs.join(format!("random{i}.json")), json::to_string(&t)).unwrap();
    }

    let script = repo().join("tests/integration/support/yaml11_check.py");
    let out = tool(
        "python3",
        &[script.to_str().unwrap(), pairs.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let app_stacks = pipewright_app::app().stacks().len();
    assert_eq!(
        stdout,
        format!("checked {} pairs, 0 differ\n", 300 + app_stacks)
    );
}

#[test]
fn the_checker_catches_a_misread() {
    // Unquoted `yes` is a boolean to YAML 1.1: the checker must say so.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), "A: yes\n").unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"A\": \"yes\"}\n").unwrap();
    let script = repo().join("tests/integration/support/yaml11_check.py");
    let out = tool(
        "python3",
        &[script.to_str().unwrap(), dir.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("differs: bad.yaml"));
}

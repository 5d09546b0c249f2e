//! Replacement known in advance (issue #22): the provider schemas'
//! `createOnlyProperties`, checked into `crates/pipewright-core/data` with
//! their source and version, cover every type pipewright's constructs emit
//! and every type of an imported template, and mark a change to such a
//! property as a replacement.

use super::support::repo;
use pipewright::diff::{ChangeKind, diff};
use pipewright::facts::{create_only, replaces};
use pipewright::template::{Resource, reader};
use std::collections::BTreeSet;

#[test]
fn the_data_names_its_source_and_version() {
    let data = std::fs::read_to_string(
        repo().join("crates/pipewright-core/data/create_only_properties.tsv"),
    )
    .unwrap();
    let first = data.lines().next().unwrap();
    assert_eq!(
        first,
        "# createOnlyProperties of every resource type: source cfn-lint 1.58.0"
    );
    let pinned = std::fs::read_to_string(repo().join("tests/requirements.txt")).unwrap();
    assert!(
        pinned.contains("cfn-lint==1.58.0"),
        "the data follows the pin"
    );
}

#[test]
fn create_only_properties_replace_and_others_do_not() {
    assert_eq!(
        create_only("AWS::ECR::Repository"),
        Some(&["EncryptionConfiguration", "RepositoryName"][..])
    );
    assert!(replaces("AWS::ECR::Repository", "RepositoryName"));
    assert!(replaces(
        "AWS::ECR::Repository",
        "EncryptionConfiguration/KmsKey"
    ));
    assert!(!replaces(
        "AWS::ECR::Repository",
        "ImageScanningConfiguration/ScanOnPush"
    ));
    assert!(replaces("AWS::S3::Bucket", "BucketName"));
    assert!(!replaces(
        "AWS::S3::Bucket",
        "VersioningConfiguration/Status"
    ));
    assert!(replaces("AWS::IAM::Role", "RoleName"));
    assert!(!replaces("AWS::IAM::Role", "Policies"));
    assert_eq!(create_only("AWS::Made::Up"), None);
}

fn types(template: &pipewright::template::Template) -> BTreeSet<String> {
    template
        .resources
        .values()
        .map(|r| r.kind.clone())
        .filter(|t| !t.starts_with("Custom::") && !t.contains("::Serverless::"))
        .collect()
}

#[test]
fn every_type_the_app_and_the_imported_templates_use_is_covered() {
    let mut all = BTreeSet::new();
    for file in std::fs::read_dir(repo().join("stacks")).unwrap() {
        let body = std::fs::read_to_string(file.unwrap().path()).unwrap();
        all.extend(types(&reader::parse(&body).unwrap()));
    }
    for file in std::fs::read_dir(repo().join("tests/integration/import/templates")).unwrap() {
        // Parameter files sit beside the templates.
        let body = std::fs::read_to_string(file.unwrap().path()).unwrap();
        if let Ok(template) = reader::parse(&body) {
            all.extend(types(&template));
        }
    }
    assert!(all.contains("AWS::CodePipeline::Pipeline"), "{all:?}");
    let missing: Vec<&String> = all.iter().filter(|t| create_only(t).is_none()).collect();
    assert!(
        missing.is_empty(),
        "no createOnlyProperties for {missing:?}"
    );
}

#[test]
fn a_renamed_repository_is_replaced_without_a_change_set() {
    let repository =
        |name: &str| Resource::new("AWS::ECR::Repository").property("RepositoryName", name);
    let mut old = pipewright::template::Template::default();
    old.resources.insert(
        pipewright::template::LogicalId::new("Repository").unwrap(),
        repository("acme/app-old"),
    );
    let mut new = old.clone();
    new.resources.insert(
        pipewright::template::LogicalId::new("Repository").unwrap(),
        repository("acme/app"),
    );
    let d = diff(&old, &new);
    assert_eq!(d.resources[0].change, ChangeKind::Modified);
    assert!(d.resources[0].replaces_by_reference());
}

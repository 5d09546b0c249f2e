//! The artifact bucket meets every S3 item of SECURITY.md.

use pipewright::template::{Expr, Policy};

fn template() -> pipewright::template::Template {
    pipewright_app::app()
        .synth()
        .unwrap()
        .get("artifact-store")
        .unwrap()
        .template
        .clone()
}

#[test]
fn artifact_bucket_is_hardened() {
    let t = template();
    let bucket = &t.resources["ArtifactBucket"];
    assert_eq!(bucket.kind, "AWS::S3::Bucket");
    let p = |path: &str| Expr::Map(bucket.properties.clone()).at(path).cloned();
    // Default encryption.
    assert_eq!(
        p(
            "BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm"
        ),
        Some("AES256".into())
    );
    // All four public access blocks, explicitly.
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            p(&format!("PublicAccessBlockConfiguration.{flag}")),
            Some(Expr::Bool(true))
        );
    }
    // Ownership enforced, never an ACL.
    assert_eq!(
        p("OwnershipControls.Rules.0.ObjectOwnership"),
        Some("BucketOwnerEnforced".into())
    );
    assert!(!bucket.properties.contains_key("AccessControl"));
    // Versioning.
    assert_eq!(p("VersioningConfiguration.Status"), Some("Enabled".into()));
    // Retained on delete and replace.
    assert_eq!(bucket.deletion_policy, Some(Policy::Retain));
    assert_eq!(bucket.update_replace_policy, Some(Policy::Retain));
    // Lifecycle expiry of old artifacts and noncurrent versions.
    assert_eq!(
        p("LifecycleConfiguration.Rules.0.Status"),
        Some("Enabled".into())
    );
    assert_eq!(
        p("LifecycleConfiguration.Rules.0.ExpirationInDays"),
        Some(180.into())
    );
    assert_eq!(
        p("LifecycleConfiguration.Rules.0.NoncurrentVersionExpiration.NoncurrentDays"),
        Some(30.into())
    );
    // No log bucket: the suppression carries its reason.
    let meta = Expr::Map(bucket.metadata.clone());
    assert_eq!(meta.at("checkov.skip.0.id"), Some(&"CKV_AWS_18".into()));
    assert!(
        meta.at("checkov.skip.0.comment")
            .and_then(Expr::as_str)
            .is_some_and(|r| r.contains("no log bucket"))
    );
    assert_eq!(
        meta.at("cfn_nag.rules_to_suppress.0.id"),
        Some(&"W35".into())
    );
}

#[test]
fn bucket_policy_denies_insecure_transport_on_bucket_and_objects() {
    let t = template();
    let policy = &t.resources["ArtifactBucketPolicy"];
    assert_eq!(policy.kind, "AWS::S3::BucketPolicy");
    assert_eq!(
        policy.properties["Bucket"],
        Expr::reference("ArtifactBucket")
    );
    let doc = &policy.properties["PolicyDocument"];
    let statements = doc.at("Statement").and_then(Expr::as_list).unwrap();
    assert_eq!(statements.len(), 1);
    let s = &statements[0];
    assert_eq!(s.at("Effect"), Some(&"Deny".into()));
    assert_eq!(s.at("Principal"), Some(&"*".into()));
    assert_eq!(s.at("Action"), Some(&Expr::list(["s3:*".into()])));
    assert_eq!(
        s.at("Resource"),
        Some(&Expr::list([
            Expr::get_att("ArtifactBucket", "Arn"),
            Expr::sub("${ArtifactBucket.Arn}/*"),
        ]))
    );
    assert_eq!(
        s.at("Condition.Bool.aws:SecureTransport"),
        Some(&"false".into())
    );
}

#[test]
fn kms_key_and_log_bucket_change_the_defaults() {
    let mut stack = pipewright::Stack::new("keyed");
    stack.add(
        pipewright::s3::Bucket::new("B")
            .kms_key("arn:aws:kms:eu-west-1:111111111111:key/abc")
            .access_logs("logs-bucket", "artifacts/"),
    );
    let a = pipewright::App::new().stack(stack).synth().unwrap();
    let b = &a.stacks[0].template.resources["B"];
    let rule = b.properties["BucketEncryption"]
        .at("ServerSideEncryptionConfiguration.0")
        .unwrap();
    assert_eq!(
        rule.at("ServerSideEncryptionByDefault.SSEAlgorithm"),
        Some(&"aws:kms".into())
    );
    assert_eq!(rule.at("BucketKeyEnabled"), Some(&Expr::Bool(true)));
    assert_eq!(
        b.properties["LoggingConfiguration"].at("DestinationBucketName"),
        Some(&"logs-bucket".into())
    );
    assert!(
        b.metadata.is_empty(),
        "no suppression is needed: {:?}",
        b.metadata
    );
}

//! Templates over the 51,200 bytes CloudFormation takes inline go through
//! an S3 staging bucket (issue #22), against `moto_server`, which serves
//! S3 and reads `TemplateURL` from it: the template lands under its own
//! hash, the stack is created from it, a second deploy changes nothing,
//! and without a bucket deploy refuses with what to do.

use super::moto::session;
use aws_sdk_cloudformation::config::{Credentials, Region, SharedCredentialsProvider};
use pipewright::cloud::client::https_client;
use pipewright::cloud::deploy::{DeployOptions, DeployOutcome, Deployer, StackPlan};
use pipewright::cloud::staging;
use pipewright::cloud::{Cloud, CloudError, Progress, Ui};
use pipewright::parameters::StackParameters;
use pipewright::template::Resource;
use pipewright::{App, Stack};
use std::time::Duration;

struct Quiet;

impl Ui for Quiet {
    fn progress(&self, _: &str, _: Progress<'_>) {}
    fn confirm(&self, _: &str, _: &str) -> bool {
        false
    }
}

/// A stack of SSM parameters whose template is about 60 KB.
fn large() -> App {
    let mut s = Stack::new("large");
    for i in 0..15 {
        s.add_resource(
            format!("Setting{i}"),
            Resource::new("AWS::SSM::Parameter")
                .property("Type", "String")
                .property("Value", format!("{i}-{}", "v".repeat(4000)).as_str()),
        );
    }
    App::new().stack(s)
}

pub(super) fn credentials() -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new("testing", "testing", None, None, "test"))
}

pub(super) fn cloud(endpoint: &str) -> Cloud {
    let cfn = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version_latest()
            .http_client(https_client())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version_latest()
            .http_client(https_client())
            .endpoint_url(endpoint)
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    );
    Cloud::from_clients(cfn, Some(sts))
        .with_endpoint(endpoint)
        .with_credentials(credentials())
        .with_poll_interval(Duration::from_millis(100))
}

fn s3(endpoint: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .http_client(https_client())
            .endpoint_url(endpoint)
            .force_path_style(true)
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    )
}

fn options(bucket: Option<&str>) -> DeployOptions {
    DeployOptions {
        yes: true,
        template_bucket: bucket.map(str::to_owned),
        ..DeployOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_template_is_staged_in_s3_and_deployed_from_there() {
    let s = session();
    let assembly = large().synth().unwrap();
    let art = &assembly.stacks[0];
    assert!(
        art.body.len() > staging::MAX_INLINE_BODY,
        "{}",
        art.body.len()
    );
    let plans = [StackPlan {
        artifact: art,
        parameters: StackParameters::default(),
        bootstrap: None,
    }];
    let cloud = cloud(&s.endpoint);

    // No bucket: refused before anything is created, saying what to do.
    let reports = Deployer::new(&cloud, &Quiet, options(None))
        .deploy(&plans)
        .await;
    match &reports[0].outcome {
        DeployOutcome::Error(e @ CloudError::NoTemplateBucket { .. }) => {
            assert_eq!(
                e.to_string(),
                format!(
                    "stack `large`'s template is {} bytes, over the 51,200 CloudFormation takes inline, and its staging bucket `pipewright-templates-123456789012-us-east-1` does not exist in us-east-1",
                    art.body.len()
                )
            );
            assert_eq!(
                e.hint().unwrap(),
                "deploy the bootstrap stack of account 123456789012 in us-east-1 (it creates the bucket), or pass --template-bucket NAME with a bucket of that account and region"
            );
        }
        other => panic!("{other:?}"),
    }
    let stacks = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::Config::builder()
            .behavior_version_latest()
            .http_client(https_client())
            .endpoint_url(&s.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .build(),
    );
    let listed = stacks.list_stacks().send().await.unwrap();
    assert!(
        listed
            .stack_summaries()
            .iter()
            .all(|st| st.stack_status().map(|x| x.as_str()) == Some("DELETE_COMPLETE")),
        "nothing is left behind: {listed:?}"
    );

    // A bucket named on the command line.
    let s3 = s3(&s.endpoint);
    s3.create_bucket().bucket("staging").send().await.unwrap();
    let reports = Deployer::new(&cloud, &Quiet, options(Some("staging")))
        .deploy(&plans)
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Created),
        "{reports:?}"
    );
    let key = staging::key("large", &art.body);
    let object = s3
        .get_object()
        .bucket("staging")
        .key(&key)
        .send()
        .await
        .unwrap();
    let staged = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(
        staged.as_ref(),
        art.body.as_bytes(),
        "staged under its hash"
    );
    let template = stacks
        .get_template()
        .stack_name("large")
        .send()
        .await
        .unwrap();
    assert_eq!(template.template_body(), Some(art.body.as_str()));

    // Deployed again: the same template, nothing to do.
    let reports = Deployer::new(&cloud, &Quiet, options(Some("staging")))
        .deploy(&plans)
        .await;
    assert!(
        matches!(reports[0].outcome, DeployOutcome::Unchanged),
        "{reports:?}"
    );
}

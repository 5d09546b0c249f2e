//! `artifact-store`: the hardened S3 bucket pipelines keep their artifacts in.

use pipewright::Stack;
use pipewright::s3;
use pipewright::template::Output;

/// The `artifact-store` stack.
pub fn stack() -> Stack {
    let mut stack = Stack::new("artifact-store")
        .description("Artifact bucket shared by pipewright pipelines (managed by pipewright)")
        .tag("project", "pipewright");
    let bucket = stack.add(s3::Bucket::new("ArtifactBucket"));
    stack.add_output(
        "ArtifactBucketName",
        Output::new(bucket.name()).description("Name of the artifact bucket"),
    );
    stack.add_output(
        "ArtifactBucketArn",
        Output::new(bucket.arn()).description("ARN of the artifact bucket"),
    );
    stack
}

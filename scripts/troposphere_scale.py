"""Builds the image-pipeline stack (stacks/image-pipeline.yaml) N times with
troposphere and writes N YAML files, timing itself as examples/synth_scale.rs
does: from before the first stack is built to after the last file is written.
It is the other side of the comparison in issue #10:

    python3 -m venv /tmp/tropo && /tmp/tropo/bin/pip install troposphere==4.11.0
    /tmp/tropo/bin/python scripts/troposphere_scale.py --stacks 50 --out /tmp/tropo-out
    cargo run --release --example synth_scale -- --stacks 50 --out /tmp/scale

The resources, properties and outputs are those of the committed template;
troposphere writes them in its own order (keys sorted) and style.
"""

import os
import sys
import time

from troposphere import (
    GetAtt, Output, Parameter, Ref, Sub, Template, AccountId,
)
from troposphere import codebuild, codepipeline, ecr, iam, s3

LIFECYCLE = """{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Expire untagged images after 14 days",
      "selection": {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14
      },
      "action": {
        "type": "expire"
      }
    },
    {
      "rulePriority": 2,
      "description": "Keep the newest 200 images",
      "selection": {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 200
      },
      "action": {
        "type": "expire"
      }
    }
  ]
}
"""

BUILDSPEC = """version: 0.2
env:
  exported-variables:
    - IMAGE_URI
    - IMAGE_TAG
phases:
  pre_build:
    commands:
      - aws ecr get-login-password --region "$AWS_DEFAULT_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"
      - IMAGE_TAG="$(printf '%s' "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)"
      - IMAGE_URI="$REPOSITORY_URI:$IMAGE_TAG"
  build:
    commands:
      - docker build --file Dockerfile --tag "$IMAGE_URI" --tag "$REPOSITORY_URI:latest" .
  post_build:
    commands:
      - |-
        if [ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ]; then
          docker push "$IMAGE_URI" &&
          docker push "$REPOSITORY_URI:latest"
        fi
      - |-
        if [ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ]; then
          printf '[{"name":"app","imageUri":"%s"}]' "$IMAGE_URI" > imagedefinitions.json
        fi
artifacts:
  files:
    - imagedefinitions.json
"""

LOG_GROUP = (
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:"
    "log-group:/aws/codebuild/${AWS::StackName}-Build"
)


def assume(service):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": ["sts:AssumeRole"],
            }
        ],
    }


def allow(actions, resources):
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def stack():
    t = Template()
    t.set_version("2010-09-09")
    t.set_description(
        "Builds a Docker image from a GitHub repository and pushes it to ECR "
        "(managed by pipewright)"
    )
    account = t.add_parameter(Parameter(
        "GithubAccount", Type="String",
        Description="GitHub user or organization that owns the repository",
        AllowedPattern="^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$",
        ConstraintDescription="a GitHub account name: letters, digits and hyphens",
    ))
    repo_name = t.add_parameter(Parameter(
        "GithubRepository", Type="String",
        Description="GitHub repository to build; also the name of the ECR repository",
        AllowedPattern="^[a-z0-9]+(?:[._-][a-z0-9]+)*$",
        MinLength=2, MaxLength=100,
        ConstraintDescription="lowercase letters, digits, and single . _ - between "
        "them (ECR names are lowercase)",
    ))
    branch = t.add_parameter(Parameter(
        "GithubBranch", Type="String",
        Description="Branch whose pushes start the pipeline",
        Default="main", MinLength=1, MaxLength=255,
    ))
    token = t.add_parameter(Parameter(
        "GithubAuthToken", Type="String",
        Description="GitHub OAuth token (scopes repo and admin:repo_hook); pass it "
        "from the environment at deploy",
        NoEcho=True,
    ))
    secret = t.add_parameter(Parameter(
        "GithubWebhookSecret", Type="String",
        Description="Secret GitHub signs webhook deliveries with (HMAC); not the OAuth token",
        NoEcho=True, MinLength=20, MaxLength=128,
    ))

    bucket = t.add_resource(s3.Bucket(
        "ArtifactBucket",
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        Metadata={
            "checkov": {"skip": [
                {"id": "CKV_AWS_18", "comment": "no log bucket is configured for this "
                 "artifact bucket; CloudTrail records its API calls"},
                {"id": "CKV_AWS_145", "comment": "no pipeline KMS key: artifacts are "
                 "encrypted with SSE-S3 (AES-256)"},
            ]},
            "cfn_nag": {"rules_to_suppress": [
                {"id": "W35", "reason": "no log bucket is configured for this artifact "
                 "bucket; CloudTrail records its API calls"},
            ]},
        },
        BucketEncryption=s3.BucketEncryption(ServerSideEncryptionConfiguration=[
            s3.ServerSideEncryptionRule(
                ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                    SSEAlgorithm="AES256"))
        ]),
        PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True,
            IgnorePublicAcls=True, RestrictPublicBuckets=True),
        OwnershipControls=s3.OwnershipControls(Rules=[
            s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        LifecycleConfiguration=s3.LifecycleConfiguration(Rules=[
            s3.LifecycleRule(
                Id="ExpireOldArtifacts", Status="Enabled", ExpirationInDays=180,
                NoncurrentVersionExpiration=s3.NoncurrentVersionExpiration(
                    NoncurrentDays=30),
                AbortIncompleteMultipartUpload=s3.AbortIncompleteMultipartUpload(
                    DaysAfterInitiation=7),
            )
        ]),
    ))
    t.add_resource(s3.BucketPolicy(
        "ArtifactBucketPolicy",
        Bucket=Ref(bucket),
        PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                "Action": ["s3:*"],
                "Resource": [GetAtt(bucket, "Arn"), Sub("${ArtifactBucket.Arn}/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }],
        },
    ))
    repo = t.add_resource(ecr.Repository(
        "Repository",
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        RepositoryName=Ref(repo_name),
        ImageScanningConfiguration=ecr.ImageScanningConfiguration(ScanOnPush=True),
        ImageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        ImageTagMutabilityExclusionFilters=[ecr.ImageTagMutabilityExclusionFilter(
            ImageTagMutabilityExclusionFilterType="WILDCARD",
            ImageTagMutabilityExclusionFilterValue="latest")],
        EncryptionConfiguration=ecr.EncryptionConfiguration(EncryptionType="AES256"),
        LifecyclePolicy=ecr.LifecyclePolicy(LifecyclePolicyText=LIFECYCLE),
    ))
    build_role = t.add_resource(iam.Role(
        "BuildRole",
        Description="Service role of the Build CodeBuild project",
        AssumeRolePolicyDocument=assume("codebuild.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="grants", PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                allow(["ecr:GetAuthorizationToken"], ["*"]),
                allow(["s3:GetBucketLocation", "s3:GetBucketVersioning"],
                      [GetAtt(bucket, "Arn")]),
                allow(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                       "ecr:CompleteLayerUpload", "ecr:GetDownloadUrlForLayer",
                       "ecr:InitiateLayerUpload", "ecr:PutImage",
                       "ecr:UploadLayerPart"], [GetAtt(repo, "Arn")]),
                allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                      [Sub("${ArtifactBucket.Arn}/*")]),
                allow(["logs:CreateLogGroup", "logs:CreateLogStream",
                       "logs:PutLogEvents"], [Sub(LOG_GROUP), Sub(LOG_GROUP + ":*")]),
            ],
        })],
    ))
    build = t.add_resource(codebuild.Project(
        "Build",
        Name=Sub("${AWS::StackName}-Build"),
        Description="Builds the Docker image and pushes it to ECR",
        ServiceRole=GetAtt(build_role, "Arn"),
        Source=codebuild.Source(Type="CODEPIPELINE", BuildSpec=BUILDSPEC),
        Artifacts=codebuild.Artifacts(Type="CODEPIPELINE"),
        Environment=codebuild.Environment(
            Type="LINUX_CONTAINER", ComputeType="BUILD_GENERAL1_SMALL",
            Image="aws/codebuild/standard:7.0", ImagePullCredentialsType="CODEBUILD",
            PrivilegedMode=True,
            EnvironmentVariables=[
                codebuild.EnvironmentVariable(Name="IMAGE_REPO_NAME", Type="PLAINTEXT",
                                              Value=Ref(repo)),
                codebuild.EnvironmentVariable(Name="AWS_ACCOUNT_ID", Type="PLAINTEXT",
                                              Value=Ref(AccountId)),
                codebuild.EnvironmentVariable(Name="REPOSITORY_URI", Type="PLAINTEXT",
                                              Value=GetAtt(repo, "RepositoryUri")),
            ],
        ),
        LogsConfig=codebuild.LogsConfig(
            CloudWatchLogs=codebuild.CloudWatchLogs(Status="ENABLED")),
        TimeoutInMinutes=60,
        QueuedTimeoutInMinutes=120,
    ))
    pipeline_role = t.add_resource(iam.Role(
        "PipelineRole",
        Description="Service role of the Pipeline pipeline",
        AssumeRolePolicyDocument=assume("codepipeline.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="grants", PolicyDocument={
            "Version": "2012-10-17",
            "Statement": [
                allow(["s3:GetBucketLocation", "s3:GetBucketVersioning"],
                      [GetAtt(bucket, "Arn")]),
                allow(["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                      [Sub("${ArtifactBucket.Arn}/*")]),
                allow(["codebuild:BatchGetBuilds", "codebuild:StartBuild"],
                      [Sub("arn:${AWS::Partition}:codebuild:${AWS::Region}:"
                           "${AWS::AccountId}:project/${Build}")]),
            ],
        })],
    ))
    pipeline = t.add_resource(codepipeline.Pipeline(
        "Pipeline",
        PipelineType="V2",
        RoleArn=GetAtt(pipeline_role, "Arn"),
        ArtifactStore=codepipeline.ArtifactStore(Type="S3", Location=Ref(bucket)),
        RestartExecutionOnUpdate=False,
        Stages=[
            codepipeline.Stages(Name="Source", Actions=[codepipeline.Actions(
                Name="Source",
                ActionTypeId=codepipeline.ActionTypeId(
                    Category="Source", Owner="ThirdParty", Provider="GitHub",
                    Version="1"),
                Configuration={
                    "Owner": Ref(account), "Repo": Ref(repo_name),
                    "Branch": Ref(branch), "OAuthToken": Ref(token),
                    "PollForSourceChanges": False,
                },
                OutputArtifacts=[codepipeline.OutputArtifacts(Name="SourceOutput")],
            )]),
            codepipeline.Stages(Name="Build", Actions=[codepipeline.Actions(
                Name="Build",
                ActionTypeId=codepipeline.ActionTypeId(
                    Category="Build", Owner="AWS", Provider="CodeBuild", Version="1"),
                Configuration={"ProjectName": Ref(build)},
                InputArtifacts=[codepipeline.InputArtifacts(Name="SourceOutput")],
                OutputArtifacts=[codepipeline.OutputArtifacts(Name="BuildOutput")],
                Namespace="BuildVariables",
            )]),
        ],
    ))
    webhook = t.add_resource(codepipeline.Webhook(
        "PipelineWebhook",
        Authentication="GITHUB_HMAC",
        AuthenticationConfiguration=codepipeline.WebhookAuthConfiguration(
            SecretToken=Ref(secret)),
        Filters=[codepipeline.WebhookFilterRule(
            JsonPath="$.ref", MatchEquals="refs/heads/{Branch}")],
        TargetPipeline=Ref(pipeline),
        TargetAction="Source",
        TargetPipelineVersion=1,
        RegisterWithThirdParty=True,
    ))
    t.add_output(Output("RepositoryUri",
                        Description="URI of the ECR repository the pipeline pushes to",
                        Value=GetAtt(repo, "RepositoryUri")))
    t.add_output(Output("PipelineName", Description="Name of the pipeline",
                        Value=Ref(pipeline)))
    t.add_output(Output("WebhookUrl", Description="URL GitHub delivers push events to",
                        Value=GetAtt(webhook, "Url")))
    return t


def main():
    n = int(sys.argv[sys.argv.index("--stacks") + 1])
    out = sys.argv[sys.argv.index("--out") + 1]
    os.makedirs(os.path.join(out, "stacks"), exist_ok=True)
    start = time.perf_counter()
    for i in range(1, n + 1):
        body = stack().to_yaml()
        with open(os.path.join(out, "stacks", f"image-pipeline-{i}.yaml"), "w") as f:
            f.write(body)
    elapsed = time.perf_counter() - start
    print(f"troposphere: {n} stacks in {elapsed * 1000:.1f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()

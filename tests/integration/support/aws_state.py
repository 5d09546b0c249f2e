"""Prints, as JSON, what the AWS API at AWS_ENDPOINT_URL holds: stacks with
their status, parameters and tags (and the role CloudFormation acts as, when
one was passed); change sets per stack; ECR repositories; S3 buckets. The
deploy tests compare it with what pipewright said it did.

With an account ID as argument, it looks in that account, with credentials
of a role assumed there (moto gives credentials of the role's account); with
a region after it, in that region instead of AWS_REGION's."""

import json
import os
import sys

import boto3


def main():
    region = sys.argv[2] if len(sys.argv) > 2 else os.environ["AWS_REGION"]
    kw = {"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": region}
    if len(sys.argv) > 1:
        sts = boto3.client("sts", **kw)
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{sys.argv[1]}:role/inspector", RoleSessionName="aws-state")[
            "Credentials"
        ]
        kw.update(
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
    cfn = boto3.client("cloudformation", **kw)
    stacks = {}
    change_sets = {}
    for page in cfn.get_paginator("describe_stacks").paginate():
        for s in page["Stacks"]:
            name = s["StackName"]
            stacks[name] = {
                "status": s["StackStatus"],
                "parameters": {p["ParameterKey"]: p.get("ParameterValue") for p in s.get("Parameters", [])},
                "tags": {t["Key"]: t["Value"] for t in s.get("Tags", [])},
            }
            if s.get("RoleARN"):
                stacks[name]["role"] = s["RoleARN"]
            sets = cfn.list_change_sets(StackName=s["StackId"]).get("Summaries", [])
            change_sets[name] = [
                {"name": c["ChangeSetName"], "status": c.get("Status"), "execution": c.get("ExecutionStatus")}
                for c in sets
            ]
    ecr = boto3.client("ecr", **kw)
    repositories = sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"])
    s3 = boto3.client("s3", **kw)
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    print(json.dumps({"stacks": stacks, "change_sets": change_sets, "repositories": repositories, "buckets": buckets}))


if __name__ == "__main__":
    main()

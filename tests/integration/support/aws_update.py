"""Updates a stack out of band, as someone outside pipewright would: the
template from a file, every parameter kept (UsePreviousValue). Usage:
aws_update.py STACK TEMPLATE_FILE"""

import os
import sys

import boto3


def main():
    stack, path = sys.argv[1], sys.argv[2]
    cfn = boto3.client("cloudformation", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
    current = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    with open(path) as f:
        body = f.read()
    cfn.update_stack(
        StackName=stack,
        TemplateBody=body,
        Parameters=[{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True} for p in current.get("Parameters", [])],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )


if __name__ == "__main__":
    main()

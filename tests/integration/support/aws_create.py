"""Creates a stack as a team does before pipewright: `aws cloudformation
create-stack --template-body file://TEMPLATE --parameters file://PARAMETERS`
(the AWS CLI array form), through boto3, and waits until it is created.
Usage: aws_create.py STACK TEMPLATE_FILE PARAMETERS_FILE"""

import json
import os
import sys

import boto3


def main():
    stack, template, parameters = sys.argv[1], sys.argv[2], sys.argv[3]
    cfn = boto3.client("cloudformation", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
    with open(template) as f:
        body = f.read()
    with open(parameters) as f:
        values = json.load(f)
    cfn.create_stack(
        StackName=stack,
        TemplateBody=body,
        Parameters=values,
        Capabilities=["CAPABILITY_IAM"],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 120})


if __name__ == "__main__":
    main()

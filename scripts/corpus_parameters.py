"""Writes parameters/<stack>.json for each stacks/<stack>.yaml: a value for
every parameter without a default, one the template allows (the first of
AllowedValues, else a value of the parameter's type within its length and
number bounds), so that a corpus template can be deployed on moto as it is.
A parameter of type `AWS::SSM::Parameter::Value<...>` names a parameter in
Systems Manager, which CloudFormation reads at deploy: those names go to
SSM_FILE with a value, for the caller to create first.

Usage: corpus_parameters.py STACKS_DIR PARAMETERS_DIR SSM_FILE"""

import json
import os
import re
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


Loader.add_multi_constructor("!", _tag)

TYPED = {
    "AWS::EC2::VPC::Id": "vpc-0123456789abcdef0",
    "AWS::EC2::Subnet::Id": "subnet-0123456789abcdef0",
    "AWS::EC2::SecurityGroup::Id": "sg-0123456789abcdef0",
    "AWS::EC2::KeyPair::KeyName": "corpus",
    "AWS::EC2::Image::Id": "ami-0123456789abcdef0",
    "AWS::EC2::AvailabilityZone::Name": "us-east-1a",
    "AWS::Route53::HostedZone::Id": "Z0123456789ABC",
}


def value(p):
    allowed = p.get("AllowedValues")
    if allowed:
        return str(allowed[0])
    kind = p.get("Type", "String")
    if kind.startswith("List<"):
        inner = kind[5:-1]
        return ",".join([TYPED.get(inner, "a"), TYPED.get(inner, "b")])
    if kind in TYPED:
        return TYPED[kind]
    if kind == "Number":
        return str(p.get("MinValue", 1))
    if kind == "CommaDelimitedList":
        return "a,b"
    pattern = p.get("AllowedPattern")
    length = max(int(p.get("MinLength", 1)), 1)
    for candidate in ["corpus", "a" * length, "10.0.0.0/16", "0.0.0.0/0", "1", "corpus.example.com",
                      "arn:aws:iam::123456789012:role/corpus", "user@example.com", "Corpus1"]:
        if len(candidate) < length or len(candidate) > int(p.get("MaxLength", 4096)):
            continue
        if pattern is None or re.fullmatch(pattern, candidate):
            return candidate
    return "a" * length


def main():
    stacks, out, ssm_file = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    ssm = {}
    for name in sorted(os.listdir(stacks)):
        if not name.endswith((".yaml", ".json")):
            continue
        with open(os.path.join(stacks, name)) as f:
            template = yaml.load(f, Loader=Loader)
        declared = template.get("Parameters") or {}
        params = {k: value(p) for k, p in declared.items() if "Default" not in p}
        for key, p in declared.items():
            kind = p.get("Type", "")
            if kind.startswith("AWS::SSM::Parameter::Value<"):
                inner = kind[len("AWS::SSM::Parameter::Value<"):-1]
                ssm_name = params.get(key, p.get("Default"))
                params[key] = ssm_name
                ssm[str(ssm_name)] = TYPED.get(inner, "corpus")
        with open(os.path.join(out, name.rsplit(".", 1)[0] + ".json"), "w") as f:
            json.dump(params, f, indent=2)
            f.write("\n")
    with open(ssm_file, "w") as f:
        json.dump(ssm, f, indent=2)


if __name__ == "__main__":
    main()

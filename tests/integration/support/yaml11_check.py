"""Reads YAML templates with a YAML 1.1 reader (PyYAML's SafeLoader, the
resolver rules CloudFormation follows) and checks each one loads to exactly
the data of its JSON twin.

Usage: yaml11_check.py DIR
DIR holds pairs NAME.yaml and NAME.json. Exits 1 naming every pair that
differs, 0 when all agree.
"""

import json
import pathlib
import sys

import yaml


class CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form tags."""


def _construct(tag, node, loader):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    name = tag if tag in ("Ref", "Condition") else "Fn::" + tag
    return {name: value}


def _multi(loader, suffix, node):
    return _construct(suffix, node, loader)


CfnLoader.add_multi_constructor("!", _multi)


def first_difference(a, b, path="$"):
    """The path and the two values where a and b first differ."""
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        if list(a) != list(b):
            return path + " (keys)", list(a), list(b)
        for k in a:
            found = first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return path + " (length)", len(a), len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else (path, a, b)


def main():
    root = pathlib.Path(sys.argv[1])
    failures = []
    pairs = sorted(root.glob("*.yaml"))
    for path in pairs:
        with open(path, encoding="utf-8") as f:
            from_yaml = yaml.load(f, Loader=CfnLoader)
        with open(path.with_suffix(".json"), encoding="utf-8") as f:
            from_json = json.load(f)
        if from_yaml != from_json:
            failures.append(path.name)
            print(f"differs: {path.name}", file=sys.stderr)
            where, y, j = first_difference(from_yaml, from_json) or ("?", None, None)
            print(f"  at {where}: yaml {y!r}, json {j!r}", file=sys.stderr)
    print(f"checked {len(pairs)} pairs, {len(failures)} differ")
    sys.exit(1 if failures or not pairs else 0)


main()

"""Compares templates read and re-emitted by pipewright (examples/corpus.rs)
with the originals, by meaning, and the emitted YAML with the emitted JSON.

Usage: corpus_check.py CORPUS OUT

A template is preserved when the original, read with a YAML 1.1 reader
(PyYAML's SafeLoader with CloudFormation's short-form tags) or as JSON,
equals the emitted JSON after the equivalences CloudFormation itself makes:
parameter attribute values as strings (`MinValue` and `MaxValue` as
numbers), a single `DependsOn` as a one-item list, unquoted dates as text,
and `Fn::GetAtt` as a dotted string or a list. Separately, the emitted YAML read with the same
reader must equal the emitted JSON. Prints the counts and, for each template
that differs, the first place it differs.
"""

import datetime
import json
import pathlib
import sys

import yaml


class CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form tags."""


def _multi(loader, tag, node):
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


CfnLoader.add_multi_constructor("!", _multi)


def text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return v


def normalize(v):
    """Dates as text, and `Fn::GetAtt: A.B.C` as `[A, B.C]`, recursively."""
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        if len(v) == 1 and isinstance(v.get("Fn::GetAtt"), str) and "." in v["Fn::GetAtt"]:
            resource, _, attribute = v["Fn::GetAtt"].partition(".")
            return {"Fn::GetAtt": [resource, attribute]}
        return {k: normalize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def canonical(t):
    """The equivalences CloudFormation makes, applied to a template."""
    t = normalize(t)
    if not isinstance(t, dict):
        return t
    params = t.get("Parameters")
    if isinstance(params, dict):
        for p in params.values():
            if isinstance(p, dict):
                for k in ("Default", "MinLength", "MaxLength", "NoEcho"):
                    if k in p and not isinstance(p[k], (dict, list)):
                        p[k] = text(p[k])
                for k in ("MinValue", "MaxValue"):
                    if k in p:
                        try:
                            p[k] = float(p[k])
                        except (TypeError, ValueError):
                            pass
                if isinstance(p.get("AllowedValues"), list):
                    p["AllowedValues"] = [text(x) for x in p["AllowedValues"]]
    resources = t.get("Resources")
    if isinstance(resources, dict):
        for r in resources.values():
            if isinstance(r, dict) and isinstance(r.get("DependsOn"), str):
                r["DependsOn"] = [r["DependsOn"]]
    if t.get("AWSTemplateFormatVersion") is None:
        t["AWSTemplateFormatVersion"] = "2010-09-09"
    if isinstance(t.get("AWSTemplateFormatVersion"), (datetime.date, str)):
        t["AWSTemplateFormatVersion"] = str(t["AWSTemplateFormatVersion"])
    return t


def unordered(v):
    """Key order does not change a template's meaning."""
    if isinstance(v, dict):
        return {k: unordered(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [unordered(x) for x in v]
    return v


def first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        if set(a) != set(b):
            return path + " (keys)", sorted(set(a) - set(b)), sorted(set(b) - set(a))
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


def load(path):
    body = path.read_text(encoding="utf-8")
    try:
        return json.loads(body)
    except ValueError:
        return yaml.load(body, Loader=CfnLoader)


def main():
    corpus, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    emitted = sorted(out.rglob("*.json"))
    preserved, lost, yaml_differs = 0, [], []
    for e in emitted:
        rel = e.relative_to(out)
        original = corpus / str(rel)[: -len(".json")]
        from_json = json.loads(e.read_text(encoding="utf-8"))
        from_yaml = yaml.load(e.with_suffix(".yaml").read_text(encoding="utf-8"), Loader=CfnLoader)
        if from_yaml != from_json:
            yaml_differs.append(str(rel))
        a = unordered(canonical(load(original)))
        b = unordered(canonical(from_json))
        if a == b:
            preserved += 1
        else:
            lost.append((str(rel)[: -len(".json")], first_difference(a, b)))
    print(f"{len(emitted)} read: {preserved} preserved, {len(lost)} changed; "
          f"emitted YAML (YAML 1.1) differs from emitted JSON in {len(yaml_differs)}")
    for name, diff in lost:
        print(f"changed: {name}: {diff}")
    for name in yaml_differs:
        print(f"yaml differs: {name}")


main()

"""Writes crates/pipewright-core/data/create_only_properties.tsv: for every
resource type of the CloudFormation resource provider schemas that cfn-lint
bundles (us-east-1), the properties whose change replaces the resource
(`createOnlyProperties`, as paths below `Properties`: `RepositoryName`,
`EncryptionConfiguration/KmsKey`).

The schemas are AWS's (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html);
cfn-lint is pinned in tests/requirements.txt, so the data changes only when
that pin does. The file's header records cfn-lint's version and the
schemas' date.

Usage: .venv/bin/python3 scripts/create_only_properties.py [OUT]"""

import json
import os
import sys

import cfnlint
from cfnlint.version import __version__


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "crates/pipewright-core/data/create_only_properties.tsv")
    schemas = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")
    with open(os.path.join(schemas, "version.json")) as f:
        date = json.load(f)["schema_date"]
    with open(os.path.join(schemas, "providers", "us-east-1.json")) as f:
        providers = json.load(f)
    lines = []
    for type_name in sorted(providers):
        path = os.path.join(schemas, "resources", providers[type_name] + ".json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            schema = json.load(f)
        props = sorted({p[len("/properties/"):] for p in schema.get("createOnlyProperties", [])
                        if p.startswith("/properties/")})
        # A path below one already listed adds nothing: a change below a
        # create-only property changes that property.
        kept = [p for p in props if not any(p.startswith(q + "/") for q in props if q != p)]
        lines.append(type_name + "\t" + " ".join(kept))
    with open(out, "w") as f:
        f.write(f"# createOnlyProperties of every resource type: source cfn-lint {__version__}\n")
        f.write(f"# (cfnlint/data/schemas, us-east-1 provider schemas of {date}),\n")
        f.write("# written by scripts/create_only_properties.py; do not edit.\n")
        f.write("# type<TAB>property paths below Properties, space-separated\n")
        for line in lines:
            f.write(line + "\n")
    print(f"{len(lines)} types -> {out}")


if __name__ == "__main__":
    main()

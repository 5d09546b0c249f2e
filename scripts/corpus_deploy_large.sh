#!/usr/bin/env bash
# The corpus templates over the 51,200 bytes CloudFormation takes inline
# (issue #22), imported with `pipewright import` into one app and deployed
# on moto_server through an S3 staging bucket (`--template-bucket`).
#
#   scripts/corpus_deploy_large.sh ../shared/corpus /tmp/corpus-large
#
# Needs .venv (scripts/test installs it). Parameters without a default get
# a value the template allows (scripts/corpus_parameters.py). Prints one line
# per template and a count; WORK/deploy.log has the whole deploy.
set -euo pipefail
corpus=$(cd "$1" && pwd)
work=$2
root=$(cd "$(dirname "$0")/.." && pwd)
python="$root/.venv/bin/python3"
rm -rf "$work"
mkdir -p "$work/crate/src" "$work/app/parameters"
work=$(cd "$work" && pwd)

cargo build --quiet --manifest-path "$root/Cargo.toml"
pipewright="$root/target/debug/pipewright"

mods=""
stacks=""
n=0
while IFS= read -r -d '' file; do
    size=$(wc -c <"$file")
    [ "$size" -gt 51200 ] || continue
    n=$((n + 1))
    module=$(printf 'large%02d' "$n")
    name=$(printf 'large-%02d' "$n")
    if "$pipewright" import --stdout --stack "$name" "$file" >"$work/crate/src/$module.rs" 2>"$work/$module.err" &&
        grep -q 'does not synthesize' "$work/$module.err"; then
        # Imported, but synth refuses its source (an IAM action that does
        # not exist, a condition that compares an ARN as a string): left
        # out of the app, which would not synthesize, and counted apart.
        rm "$work/crate/src/$module.rs"
        printf '%s\t%s\t%s bytes\n' "$name" "${file#"$corpus"/}" "$size" >>"$work/imported.tsv"
        printf '%s\t%s\t%s\n' "$name" "${file#"$corpus"/}" "$(grep -v '^warning' "$work/$module.err" | tr -s ' ' | paste -sd ';')" >>"$work/unsynthesizable.tsv"
    elif [ -s "$work/crate/src/$module.rs" ]; then
        mods+="mod $module;"$'\n'
        stacks+="        .stack($module::stack())"$'\n'
        printf '%s\t%s\t%s bytes\n' "$name" "${file#"$corpus"/}" "$size" >>"$work/imported.tsv"
    else
        rm "$work/crate/src/$module.rs"
        printf '%s\t%s\t%s\n' "$name" "${file#"$corpus"/}" "$(grep '^error' "$work/$module.err" | head -1)" >>"$work/refused.tsv"
    fi
done < <(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) -print0 | sort -z)

cat >"$work/crate/src/main.rs" <<RUST
//! The corpus templates over 51,200 bytes, imported, as one app.
#![allow(missing_docs)]
${mods}
fn main() -> std::process::ExitCode {
    pipewright::cli::main(
        pipewright::App::new()
${stacks}    )
}
RUST
cat >"$work/crate/Cargo.toml" <<TOML
[package]
name = "corpus-large"
version = "0.1.0"
edition = "2024"

[dependencies]
pipewright = { path = "$root/crates/pipewright" }

[workspace]
TOML
cp "$root/Cargo.lock" "$work/crate/Cargo.lock"
CARGO_TARGET_DIR="$root/target" cargo build --offline --quiet --manifest-path "$work/crate/Cargo.toml"
app="$root/target/debug/corpus-large"

cd "$work/app"
"$app" synth >/dev/null
"$python" "$root/scripts/corpus_parameters.py" stacks parameters "$work/ssm.json"

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$python" "$root/tests/integration/support/moto_server.py" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 </dev/null &
moto=$!
trap 'kill $moto' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
for _ in $(seq 50); do
    "$python" -c 'import boto3; boto3.client("s3").create_bucket(Bucket="staging")' 2>/dev/null && break
    sleep 0.2
done
# What the templates expect to exist: the SSM parameters their parameters
# name, and a bucket named as the parameter values are.
"$python" - "$work/ssm.json" <<'PY'
import json, sys, boto3
ssm = boto3.client("ssm")
for name, value in json.load(open(sys.argv[1])).items():
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
boto3.client("s3").create_bucket(Bucket="corpus")
PY
# A VPC, subnet and security group that exist, in place of the made-up IDs
# scripts/corpus_parameters.py gives parameters of those types (moto checks
# that an instance's subnet exists, as EC2 does).
"$python" - parameters <<'PY'
import json, os, sys, boto3
ec2 = boto3.client("ec2")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
group = ec2.create_security_group(GroupName="corpus", Description="corpus", VpcId=vpc)["GroupId"]
real = {"vpc-0123456789abcdef0": vpc, "subnet-0123456789abcdef0": subnet, "sg-0123456789abcdef0": group}
for f in os.listdir(sys.argv[1]):
    path = os.path.join(sys.argv[1], f)
    values = json.load(open(path))
    for k, v in values.items():
        if isinstance(v, str):
            values[k] = ",".join(real.get(x, x) for x in v.split(","))
    json.dump(values, open(path, "w"), indent=2)
PY
# The exports the templates import from stacks outside the corpus, each
# from one stack made for them, named as the templates' parameter values
# make them.
"$app" synth --format json --out "$work/json" >/dev/null
"$python" - "$work/json/stacks" parameters <<'PY'
import json, os, re, sys, boto3
stacks, params = sys.argv[1], sys.argv[2]
names = set()
def walk(v, values):
    if isinstance(v, dict):
        if set(v) == {"Fn::ImportValue"}:
            arg = v["Fn::ImportValue"]
            if isinstance(arg, dict) and set(arg) == {"Fn::Sub"} and isinstance(arg["Fn::Sub"], str):
                arg = re.sub(r"\$\{([^}!.]+)\}", lambda m: values.get(m.group(1), m.group(0)), arg["Fn::Sub"])
            if isinstance(arg, str) and "${" not in arg:
                names.add(arg)
        for x in v.values():
            walk(x, values)
    elif isinstance(v, list):
        for x in v:
            walk(x, values)
for f in sorted(os.listdir(stacks)):
    t = json.load(open(os.path.join(stacks, f)))
    values = {k: str(p.get("Default", "")) for k, p in t.get("Parameters", {}).items()}
    pf = os.path.join(params, f.rsplit(".", 1)[0] + ".json")
    if os.path.exists(pf):
        values.update({k: str(v) for k, v in json.load(open(pf)).items()})
    walk(t.get("Resources", {}), values)
if names:
    outputs = {f"Export{i}": {"Value": "corpus", "Export": {"Name": n}} for i, n in enumerate(sorted(names))}
    template = {"Resources": {"Placeholder": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "corpus-exports", "Type": "String", "Value": "corpus"}}}, "Outputs": outputs}
    boto3.client("cloudformation").create_stack(StackName="corpus-exports", TemplateBody=json.dumps(template))
    print(f"{len(names)} exports the templates import: {', '.join(sorted(names))}")
PY

set +e
"$app" deploy --all --yes --concurrency 2 --template-bucket staging >"$work/deploy.out" 2>"$work/deploy.log"
status=$?
set -e
deployed=$(grep -c ': created CREATE_COMPLETE' "$work/deploy.log" || true)
staged=$(grep -c . "$work/imported.tsv" || true)
grep -E '^large-[0-9]+: (created|error|failed)|^error' "$work/deploy.log" | sort | uniq || true
"$python" -c '
import boto3
s3 = boto3.client("s3")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="staging").get("Contents", [])]
print(f"{len(keys)} templates staged in s3://staging")
'
echo "$n corpus templates over 51,200 bytes: $(wc -l <"$work/imported.tsv" 2>/dev/null || echo 0) imported, $(wc -l <"$work/unsynthesizable.tsv" 2>/dev/null || echo 0) of them left out because synth refuses their source (unsynthesizable.tsv), $deployed deployed on moto (deploy exit $status)"

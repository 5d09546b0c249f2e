#!/usr/bin/env bash
# `pipewright import` over every template below a directory (issue #14):
# imports each one, compiles all the generated modules into one crate,
# synthesizes each stack and writes the result where scripts/corpus_check.py
# compares it with the original by meaning.
#
#   scripts/corpus_import.sh ../shared/corpus /tmp/corpus-import
#   .venv/bin/python3 scripts/corpus_check.py ../shared/corpus /tmp/corpus-import/out
#
# WORK/refused.tsv lists the templates import refused, WORK/out/refused.tsv
# those whose imported stack does not synthesize, each with its message.
set -euo pipefail
corpus=$(cd "$1" && pwd)
work=$2
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$work/crate/src" "$work/out"
mkdir -p "$work/crate/src" "$work/out"
work=$(cd "$work" && pwd)

cargo build --quiet --manifest-path "$root/Cargo.toml"
pipewright="$root/target/debug/pipewright"

: >"$work/refused.tsv"
lib="$work/crate/src/lib.rs"
{
    echo "//! Every corpus template, imported."
    echo "#![allow(missing_docs)]"
} >"$lib"
table=""
n=0
imported=0
while IFS= read -r -d '' file; do
    n=$((n + 1))
    rel=${file#"$corpus"/}
    module=$(printf 'c%03d' "$n")
    if "$pipewright" import --stdout --stack "s$module" "$file" \
        >"$work/crate/src/$module.rs" 2>"$work/stderr"; then
        imported=$((imported + 1))
        echo "pub mod $module;" >>"$lib"
        table+="    (\"$rel\", $module::stack),"$'\n'
    else
        rm "$work/crate/src/$module.rs"
        printf '%s\t%s\n' "$rel" "$(grep '^error' "$work/stderr" | tr '\t' ' ')" >>"$work/refused.tsv"
    fi
done < <(find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template' \) -print0 | sort -z)
{
    echo "pub const STACKS: &[(&str, fn() -> pipewright::Stack)] = &["
    printf '%s' "$table"
    echo "];"
} >>"$lib"

cat >"$work/crate/src/main.rs" <<'RUST'
//! Synthesizes every imported stack alone and writes its template, as
//! JSON and YAML, under OUT/<template's path>.
use pipewright::template::{json, reader};
use pipewright::App;

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).expect("OUT"));
    let (mut synthesized, mut refused) = (0, Vec::new());
    for (rel, stack) in corpus_import::STACKS {
        match App::new().stack(stack()).synth() {
            Ok(assembly) => {
                let artifact = &assembly.stacks[0];
                let template = reader::parse(&artifact.body).expect("the body reads back");
                let target = out.join(rel);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(format!("{}.json", target.display()), json::to_string(&template)).unwrap();
                std::fs::write(format!("{}.yaml", target.display()), &artifact.body).unwrap();
                synthesized += 1;
            }
            Err(pipewright::Error::Synth(problems)) => {
                let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
                refused.push(format!("{rel}\t{}", all.join("; ").replace(['\t', '\n'], " ")));
            }
            Err(e) => refused.push(format!("{rel}\t{}", e.to_string().replace(['\t', '\n'], " "))),
        }
    }
    std::fs::write(out.join("refused.tsv"), refused.join("\n") + "\n").unwrap();
    println!("{} imported stacks: {synthesized} synthesized, {} refused by synth", STACKS_LEN(), refused.len());
}

#[allow(non_snake_case)]
fn STACKS_LEN() -> usize {
    corpus_import::STACKS.len()
}
RUST
cat >"$work/crate/Cargo.toml" <<TOML
[package]
name = "corpus-import"
version = "0.1.0"
edition = "2024"

[dependencies]
pipewright = { path = "$root/crates/pipewright", default-features = false }

[workspace]
TOML
cp "$root/Cargo.lock" "$work/crate/Cargo.lock"
echo "$n templates: $imported imported, $(wc -l <"$work/refused.tsv") refused by import"
CARGO_TARGET_DIR="$root/target/new-app" cargo run --offline --quiet \
    --manifest-path "$work/crate/Cargo.toml" -- "$work/out"

//! `pipewright import TEMPLATE --stack NAME`: adopt a stack someone else
//! created (with the AWS CLI, the console, another tool). Writes the Rust
//! source of a stack that synthesizes the same template
//! ([`crate::template::rust`]) into the app's source directory, adds it to
//! the app in `lib.rs`, and copies the parameters file next to the template
//! to `parameters/NAME.json`; or prints the source with `--stdout`.
//!
//! Every destination is checked before anything is written, and nothing
//! that exists is replaced without `--force`: a refused import leaves the
//! repository as it was.

use super::{Exit, Printer};
use crate::App;
use crate::parameters::{self, ParameterFile, Spec};
use crate::template::{Template, reader, rust};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `import` was asked to do.
pub(super) struct Args<'a> {
    pub template: &'a Path,
    pub stack: &'a str,
    pub stdout: bool,
    pub parameters: Option<&'a Path>,
    pub account: Option<&'a str>,
    pub region: Option<&'a str>,
    pub src: &'a Path,
    pub root: &'a Path,
    pub force: bool,
}

/// An import refused before anything was written: what is wrong, the fix,
/// and the exit code (usage for a bad argument, failure otherwise).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(super) struct ImportError {
    pub message: String,
    pub hint: Option<String>,
    pub exit: Exit,
}

fn refuse(message: impl Into<String>, hint: Option<String>) -> anyhow::Error {
    ImportError {
        message: message.into(),
        hint,
        exit: Exit::Failure,
    }
    .into()
}

fn usage(message: impl Into<String>, hint: Option<String>) -> anyhow::Error {
    ImportError {
        message: message.into(),
        hint,
        exit: Exit::Usage,
    }
    .into()
}

pub(super) fn run(app: &App, printer: &Printer, args: Args<'_>) -> anyhow::Result<Exit> {
    if !crate::app::stack_name_ok(args.stack) {
        return Err(usage(
            format!("`{}` is not a CloudFormation stack name", args.stack),
            Some(
                "a stack name starts with a letter and holds letters, digits and dashes, up to 128"
                    .to_owned(),
            ),
        ));
    }
    if app.stacks().iter().any(|s| s.name() == args.stack) {
        return Err(usage(
            format!("the app already has a stack `{}`", args.stack),
            Some("import under the name the stack has in CloudFormation, once".to_owned()),
        ));
    }
    let body = std::fs::read_to_string(args.template).map_err(|e| {
        refuse(
            format!("cannot read {}: {e}", args.template.display()),
            None,
        )
    })?;
    let template = reader::parse(&body).map_err(|e| {
        refuse(
            format!(
                "{} is not a template pipewright can read: {e}",
                args.template.display()
            ),
            Some("import takes a CloudFormation template in YAML or JSON".to_owned()),
        )
    })?;

    if template.resources.is_empty() && !template.verbatim.contains_key("Resources") {
        return Err(refuse(
            format!(
                "{} has no resources: it is not a stack's template",
                args.template.display()
            ),
            Some("a CloudFormation template declares at least one resource".to_owned()),
        ));
    }
    let origin = args.template.file_name().map_or_else(
        || args.template.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let options = rust::Options {
        stack: args.stack.to_owned(),
        origin,
        account: args.account.map(str::to_owned),
        region: args.region.map(str::to_owned),
    };
    let generated = rust::to_source(&template, &options);
    let (source, formatted) = match rustfmt(&generated) {
        Some(s) => (s, true),
        None => (generated, false),
    };

    // What synth will say of the imported stack, before anything is
    // written: the same stack the source builds.
    let mut check = crate::Stack::from_template(args.stack, template.clone());
    if let Some(a) = args.account {
        check = check.account(a);
    }
    if let Some(r) = args.region {
        check = check.region(r);
    }
    let problems = match App::new().stack(check).synth() {
        Ok(_) => Vec::new(),
        Err(crate::Error::Synth(problems)) => problems,
        Err(e) => return Err(e.into()),
    };

    let parameters = parameters_file(&args, &template)?;
    let warn = |text: &str| {
        printer.status(&format!(
            "{} {text}",
            printer.paint(super::printer::style::CHANGE, "warning:")
        ));
    };

    if !problems.is_empty() {
        warn(&format!(
            "the imported stack does not synthesize until {} fixed in its source:",
            if problems.len() == 1 {
                "this problem is"
            } else {
                "these problems are"
            },
        ));
        for p in &problems {
            printer.status(&format!("  {p}"));
        }
    }

    if args.stdout {
        printer.data_bytes(source.as_bytes())?;
        if let Some(p) = &parameters {
            printer.status(&format!(
                "parameters in {} (not copied with --stdout)",
                p.path.display()
            ));
        }
        return Ok(Exit::Success);
    }

    // Every destination first: a refusal leaves everything as it was.
    let module = module_name(args.stack);
    let module_path = args.src.join(format!("{module}.rs"));
    let lib_path = args.src.join("lib.rs");
    if module_path.exists() && !args.force {
        return Err(refuse(
            format!("{} exists", module_path.display()),
            Some("pass --force to replace it, or --stdout to print the source".to_owned()),
        ));
    }
    let lib = match std::fs::read_to_string(&lib_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(refuse(
                format!("cannot read {}: {e}", lib_path.display()),
                None,
            ));
        }
    };
    // Imported again (with --force): the app has the module already.
    let declared = lib.as_deref().is_some_and(|text| {
        text.lines().any(|l| {
            let l = l.trim();
            l == format!("pub mod {module};") || l == format!("mod {module};")
        })
    });
    let edited = lib.as_deref().filter(|_| !declared).map(|text| {
        let was_formatted = formatted && rustfmt(text).as_deref() == Some(text);
        add_to_app(text, &module).map(|new| {
            if was_formatted {
                rustfmt(&new).unwrap_or(new)
            } else {
                new
            }
        })
    });
    let parameters_dest = parameters::file_path(args.root, args.stack);
    if let Some(p) = &parameters
        && !args.force
        && let Ok(existing) = std::fs::read_to_string(&parameters_dest)
        && existing != p.text
    {
        return Err(refuse(
            format!(
                "{} exists and differs from {}",
                parameters_dest.display(),
                p.path.display()
            ),
            Some("pass --force to replace it".to_owned()),
        ));
    }

    write(&module_path, &source)?;
    printer.status(&format!(
        "wrote {} ({} resources, {} parameters, {} outputs)",
        module_path.display(),
        template.resources.len(),
        template.parameters.len(),
        template.outputs.len()
    ));
    if let Some(p) = &parameters {
        write(&parameters_dest, &p.text)?;
        printer.status(&format!(
            "copied {} to {}",
            p.path.display(),
            parameters_dest.display()
        ));
        for (key, name) in &p.secrets {
            printer.status(&format!(
                "`{key}` is NoEcho: {} reads \"${{env:{name}}}\", not the value; set {name} when you deploy",
                parameters_dest.display()
            ));
        }
    }
    let line = format!("app.add({module}::stack());");
    match edited {
        _ if declared => printer.status(&format!(
            "{} declares `{module}` already: the app is left as it is",
            lib_path.display()
        )),
        Some(Ok(text)) => {
            write(&lib_path, &text)?;
            printer.status(&format!(
                "added `pub mod {module};` and the stack to the app in {}",
                lib_path.display()
            ));
        }
        Some(Err(AppNotFound)) => warn(&format!(
            "{}: the app's builder was not found: add `pub mod {module};` and the stack ({line}) yourself",
            lib_path.display()
        )),
        None => warn(&format!(
            "{} does not exist: declare `pub mod {module};` in the app's crate and add the stack ({line})",
            lib_path.display()
        )),
    }
    if !formatted {
        warn("rustfmt was not found: run `cargo fmt`");
    }
    printer.status(&format!(
        "next: `cargo run -- synth {0}`, then `cargo run -- diff {0}` shows no change",
        args.stack
    ));
    Ok(Exit::Success)
}

/// Writes `path`, creating its directory; an error names the file.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The module a stack's source goes in: `image-pipeline` →
/// `image_pipeline`; a Rust keyword gets a `_stack` suffix.
fn module_name(stack: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
        "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
        "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
        "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
        "use", "virtual", "where", "while", "yield",
    ];
    let name = stack.to_ascii_lowercase().replace('-', "_");
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_stack")
    } else {
        name
    }
}

/// `source` as rustfmt formats it (with the configuration of the current
/// directory, as `cargo fmt` would); `None` when rustfmt is not there or
/// refuses it.
fn rustfmt(source: &str) -> Option<String> {
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(program)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // Written from a thread: rustfmt may fill its stdout before it has
    // read all of its stdin.
    let mut stdin = child.stdin.take()?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// The parameters file taken along, checked against the template.
struct Parameters {
    path: PathBuf,
    /// What is written to `parameters/<stack>.json`: the file as it is, or,
    /// when it holds a literal `NoEcho` value, the same values with each
    /// such one replaced by `"${env:NAME}"`.
    text: String,
    /// The `NoEcho` parameters whose literal value was replaced, as (key,
    /// environment variable).
    secrets: Vec<(String, String)>,
}

/// The names a parameters file next to `template` may have, in the order
/// they are tried.
fn candidates(template: &Path) -> Vec<PathBuf> {
    let dir = template.parent().unwrap_or(Path::new(""));
    let stem = template
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    vec![
        dir.join(format!("{stem}.parameters.json")),
        dir.join(format!("{stem}-parameters.json")),
        dir.join("parameters.json"),
    ]
}

/// The parameters file given with `--parameters`, or the first one found
/// next to the template; parsed in any of its three forms and checked
/// against the template's parameters. A key the template does not declare
/// stops the import (deploy would refuse it). A literal value of a `NoEcho`
/// parameter is never written (issue #22): the copy reads `"${env:NAME}"`
/// in its place, and the value is never printed.
fn parameters_file(args: &Args<'_>, template: &Template) -> anyhow::Result<Option<Parameters>> {
    let path = match args.parameters {
        Some(p) => p.to_path_buf(),
        None => match candidates(args.template).into_iter().find(|p| p.is_file()) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| refuse(format!("cannot read {}: {e}", path.display()), None))?;
    let file = ParameterFile::parse(&path, &text).map_err(|p| {
        refuse(
            p.to_string(),
            Some(
                "a parameters file is an AWS CLI array, a plain object, or {\"Parameters\": {}, \"Tags\": {}}"
                    .to_owned(),
            ),
        )
    })?;
    let mut secrets = Vec::new();
    for (key, spec) in &file.values {
        let Some(p) = template.parameters.get(key.as_str()) else {
            let known: Vec<&str> = template.parameters.keys().map(|k| k.as_str()).collect();
            return Err(refuse(
                format!(
                    "{}: `{key}` is not a parameter of {}",
                    path.display(),
                    args.template.display()
                ),
                Some(match crate::suggest::closest(key, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the template declares {}", known.join(", ")),
                }),
            ));
        };
        if p.no_echo && matches!(spec, Spec::Value(_)) {
            secrets.push((key.clone(), env_name(key)));
        }
    }
    let text = if secrets.is_empty() {
        text
    } else {
        without_secrets(&text, &secrets).ok_or_else(|| {
            refuse(
                format!(
                    "cannot rewrite {} without its NoEcho values",
                    path.display()
                ),
                None,
            )
        })?
    };
    Ok(Some(Parameters {
        path,
        text,
        secrets,
    }))
}

/// A parameters file's `text` (any of its three forms) with the value of
/// each of `secrets` (key, variable) replaced by `"${env:VARIABLE}"`;
/// `None` when the text is not JSON of a known form.
fn without_secrets(text: &str, secrets: &[(String, String)]) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    let reference = |name: &str| serde_json::Value::from(format!("${{env:{name}}}"));
    let replace_in = |map: &mut serde_json::Map<String, serde_json::Value>| {
        for (key, name) in secrets {
            if let Some(v) = map.get_mut(key) {
                *v = reference(name);
            }
        }
    };
    match &mut value {
        serde_json::Value::Array(items) => {
            for item in items {
                let key = item.get("ParameterKey")?.as_str()?.to_owned();
                if let Some((_, name)) = secrets.iter().find(|(k, _)| *k == key) {
                    item.as_object_mut()?
                        .insert("ParameterValue".into(), reference(name));
                }
            }
        }
        serde_json::Value::Object(map) => match map.get_mut("Parameters") {
            Some(serde_json::Value::Object(inner)) => replace_in(inner),
            _ => replace_in(map),
        },
        _ => return None,
    }
    serde_json::to_string_pretty(&value).ok().map(|t| t + "\n")
}

/// An environment variable name for a parameter: `GitHubToken` →
/// `GITHUB_TOKEN`.
fn env_name(key: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = key.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
        let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
        if i > 0 && c.is_ascii_uppercase() && (prev_lower || next_lower) && !out.ends_with('_') {
            out.push('_');
        }
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    out
}

/// The app's builder was not found in `lib.rs`.
#[derive(Debug, PartialEq, Eq)]
struct AppNotFound;

/// `lib` with `pub mod module;` declared and the module's stack added to
/// the app, for the two shapes an app function has: statements that end
/// in `app` (`app.add(module::stack());` goes before it) or a chain from
/// `App::new()` (`.stack(module::stack())` goes at its end).
fn add_to_app(lib: &str, module: &str) -> Result<String, AppNotFound> {
    let mut lines: Vec<String> = lib.lines().map(str::to_owned).collect();
    let start = lines
        .iter()
        .position(|l| {
            let t = l.trim_start();
            t.contains("fn app()") && t.contains("-> App") && t.ends_with('{')
        })
        .ok_or(AppNotFound)?;
    let indent = lines[start].len() - lines[start].trim_start().len();
    let end = (start + 1..lines.len())
        .find(|&i| lines[i].len() - lines[i].trim_start().len() == indent && lines[i].trim() == "}")
        .ok_or(AppNotFound)?;
    let last = (start + 1..end)
        .rev()
        .find(|&i| !lines[i].trim().is_empty())
        .ok_or(AppNotFound)?;
    let tail = lines[last].trim().to_owned();
    let body_indent = " ".repeat(indent + 4);
    if tail == "app" {
        let binding = (start + 1..last)
            .find(|&i| {
                let t = lines[i].trim_start();
                t.starts_with("let mut app ") || t.starts_with("let app ")
            })
            .ok_or(AppNotFound)?;
        if lines[binding].trim_start().starts_with("let app ") {
            lines[binding] = lines[binding].replacen("let app ", "let mut app ", 1);
        }
        lines.insert(last, format!("{body_indent}app.add({module}::stack());"));
    } else if !tail.ends_with(';')
        && (start + 1..=last).any(|i| lines[i].trim_start().starts_with("App::new()"))
    {
        lines[last].push_str(&format!(".stack({module}::stack())"));
    } else {
        return Err(AppNotFound);
    }
    declare(&mut lines, module);
    let mut out = lines.join("\n");
    if lib.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Adds `pub mod module;`: in alphabetical place among the first group of
/// `mod` lines (the order rustfmt keeps), or else before the first item
/// after the crate's doc comment and attributes.
fn declare(lines: &mut Vec<String>, module: &str) {
    let decl = format!("pub mod {module};");
    let name_of = |l: &str| {
        l.strip_prefix("pub mod ")
            .or_else(|| l.strip_prefix("mod "))
            .and_then(|r| r.strip_suffix(';'))
            .map(str::to_owned)
    };
    if let Some(first) = lines.iter().position(|l| name_of(l).is_some()) {
        let mut at = first;
        while at < lines.len() {
            match name_of(&lines[at]) {
                Some(name) if name.as_str() < module => at += 1,
                _ => break,
            }
        }
        lines.insert(at, decl);
        return;
    }
    let at = lines
        .iter()
        .position(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with("//!") || t.starts_with("#!["))
        })
        .unwrap_or(lines.len());
    lines.insert(at, String::new());
    lines.insert(at, decl);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_no_echo_value_becomes_a_reference_in_every_form() {
        let secrets = [("Token".to_owned(), "TOKEN".to_owned())];
        let array = r#"[{"ParameterKey": "Token", "ParameterValue": "s3cr3t"}, {"ParameterKey": "Env", "ParameterValue": "prod"}]"#;
        let out = without_secrets(array, &secrets).unwrap();
        assert!(
            out.contains(r#""ParameterValue": "${env:TOKEN}""#) && !out.contains("s3cr3t"),
            "{out}"
        );
        assert!(out.contains(r#""ParameterValue": "prod""#), "{out}");
        let object = r#"{"Token": "s3cr3t", "Env": "prod"}"#;
        assert_eq!(
            without_secrets(object, &secrets).unwrap(),
            "{\n  \"Token\": \"${env:TOKEN}\",\n  \"Env\": \"prod\"\n}\n"
        );
        let config = r#"{"Parameters": {"Token": "s3cr3t"}, "Tags": {"Token": "kept"}}"#;
        let out = without_secrets(config, &secrets).unwrap();
        assert!(
            out.contains(r#""Token": "${env:TOKEN}""#) && out.contains(r#""Token": "kept""#),
            "{out}"
        );
        assert_eq!(without_secrets("not json", &secrets), None);
    }

    #[test]
    fn an_app_that_ends_in_app_gets_a_statement_and_a_sorted_mod() {
        let lib = "//! Docs.\n\npub mod alpha;\npub mod zulu;\n\nuse pipewright::App;\n\npub fn app() -> App {\n    let mut app = App::new().stack(alpha::stack());\n    app.add(zulu::stack());\n    app\n}\n";
        assert_eq!(
            add_to_app(lib, "image_pipeline").unwrap(),
            "//! Docs.\n\npub mod alpha;\npub mod image_pipeline;\npub mod zulu;\n\nuse pipewright::App;\n\npub fn app() -> App {\n    let mut app = App::new().stack(alpha::stack());\n    app.add(zulu::stack());\n    app.add(image_pipeline::stack());\n    app\n}\n"
        );
    }

    #[test]
    fn a_chain_gets_one_more_stack_and_a_binding_becomes_mutable() {
        let lib = "use pipewright::{App, Stack, s3};\n\npub fn app() -> App {\n    let mut store = Stack::new(\"artifact-store\");\n    store.add(s3::Bucket::new(\"ArtifactBucket\"));\n    App::new().stack(store)\n}\n";
        assert_eq!(
            add_to_app(lib, "web").unwrap(),
            "pub mod web;\n\nuse pipewright::{App, Stack, s3};\n\npub fn app() -> App {\n    let mut store = Stack::new(\"artifact-store\");\n    store.add(s3::Bucket::new(\"ArtifactBucket\"));\n    App::new().stack(store).stack(web::stack())\n}\n"
        );
        let lib = "pub fn app() -> App {\n    let app = App::new();\n    app\n}\n";
        assert_eq!(
            add_to_app(lib, "web").unwrap(),
            "pub mod web;\n\npub fn app() -> App {\n    let mut app = App::new();\n    app.add(web::stack());\n    app\n}\n"
        );
    }

    #[test]
    fn an_app_of_another_shape_is_left_alone() {
        assert_eq!(add_to_app("fn main() {}\n", "web"), Err(AppNotFound));
        let lib = "pub fn app() -> App {\n    build()\n}\n";
        assert_eq!(add_to_app(lib, "web"), Err(AppNotFound));
    }

    #[test]
    fn module_and_variable_names() {
        assert_eq!(module_name("image-pipeline"), "image_pipeline");
        assert_eq!(module_name("Type"), "type_stack");
        assert_eq!(env_name("GitHubToken"), "GIT_HUB_TOKEN");
        assert_eq!(env_name("DBPassword"), "DB_PASSWORD");
        assert_eq!(env_name("token"), "TOKEN");
    }
}

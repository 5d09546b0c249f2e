//! A template as Rust source: the stack definition `pipewright import`
//! writes for a stack someone else created, which synthesizes the same
//! template by meaning.
//!
//! Parameters, mappings, conditions and outputs become the stack's own
//! calls (`add_parameter`, ...); every resource becomes a raw
//! [`Resource`] with its logical ID, its properties as typed
//! expressions (`Expr::sub`, `Expr::get_att`, ...) and its attributes;
//! what the model does not type (`Transform`, `Rules`, `Fn::ForEach`
//! loops) goes through [`Stack::add_verbatim`](crate::Stack::add_verbatim).
//! No construct is guessed: which raw resources become an
//! `ecr::Repository` or a `codebuild::Project` is for the team to decide,
//! one at a time, with `pipewright diff` showing what each change does.
//!
//! It stays in the core, beside the model it walks, rather than next to
//! the `import` command in the CLI crate: `Expr`, `Pseudo` and
//! `DynamicService` are `#[non_exhaustive]`, so across crates its matches
//! would need a catch-all arm and a new variant would no longer fail to
//! compile here until the generator learns it.
//!
//! The source is laid out the way rustfmt lays out calls and chains (100
//! columns, one chained call per line once a chain is broken); the CLI
//! still runs it through rustfmt, which has the last word.

use super::expr::{DynamicService, Expr, Pseudo};
use super::model::{Parameter, ParameterType, Policy, Resource, Template};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// What the generated source says about where it came from and where
/// the stack lives.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The CloudFormation stack name.
    pub stack: String,
    /// The template file it was imported from, for the header comment.
    pub origin: String,
    /// The stack's account, when given: `Stack::account`.
    pub account: Option<String>,
    /// The stack's region, when given: `Stack::region`.
    pub region: Option<String>,
}

/// The Rust source of a module whose `stack()` builds a stack that
/// synthesizes `template`.
pub fn to_source(template: &Template, options: &Options) -> String {
    let mut g = Generator::default();
    let mut body: Vec<String> = Vec::new();

    let mut head = Chain::new(Code::call("Stack::new", [Code::str(&options.stack)]));
    if let Some(d) = &template.description {
        head.call("description", [Code::str(d)]);
    }
    if let Some(a) = &options.account {
        head.call("account", [Code::str(a)]);
    }
    if let Some(r) = &options.region {
        head.call("region", [Code::str(r)]);
    }
    g.uses.insert("Stack");

    let section = |title: &str, statements: Vec<Code>, body: &mut Vec<String>| {
        if statements.is_empty() {
            return;
        }
        body.push(String::new());
        body.push(format!("    // {title}"));
        for s in statements {
            body.push(format!("    {};", s.render(4, 1)));
        }
    };

    let statements: Vec<Code> = template
        .metadata
        .iter()
        .map(|(k, v)| {
            let v = g.expr(v, false);
            g.stack_call("add_metadata", Code::str(k), v)
        })
        .collect();
    section("Metadata", statements, &mut body);
    let statements: Vec<Code> = template
        .verbatim
        .iter()
        .filter(|(name, _)| !is_typed_section(name))
        .map(|(name, value)| {
            let v = g.expr(value, false);
            g.stack_call("add_verbatim", Code::str(name), v)
        })
        .collect();
    section(
        "What the model does not type, kept as written",
        statements,
        &mut body,
    );
    let statements: Vec<Code> = template
        .parameters
        .iter()
        .map(|(id, p)| {
            let p = g.parameter(p);
            g.stack_call("add_parameter", Code::str(id.as_str()), p)
        })
        .collect();
    section("Parameters", statements, &mut body);
    let statements: Vec<Code> = template
        .mappings
        .iter()
        .map(|(id, m)| {
            g.uses.insert("mapping");
            let entries = m
                .iter()
                .map(|(top, second)| {
                    let pairs = second
                        .iter()
                        .map(|(k, v)| Code::Tuple(vec![Code::str(k), g.expr(v, false)]))
                        .collect();
                    Code::Tuple(vec![Code::str(top), Code::Vec(pairs)])
                })
                .collect();
            let m = Code::call("mapping", [Code::Array(entries)]);
            g.stack_call("add_mapping", Code::str(id.as_str()), m)
        })
        .collect();
    section("Mappings", statements, &mut body);
    let statements: Vec<Code> = template
        .conditions
        .iter()
        .map(|(id, c)| {
            let c = g.expr(c, false);
            g.stack_call("add_condition", Code::str(id.as_str()), c)
        })
        .collect();
    section("Conditions", statements, &mut body);
    let statements: Vec<Code> = template
        .resources
        .iter()
        .map(|(id, r)| {
            let r = g.resource(r);
            g.stack_call("add_resource", Code::str(id.as_str()), r)
        })
        .collect();
    section("Resources", statements, &mut body);
    let statements: Vec<Code> = template
        .outputs
        .iter()
        .map(|(id, o)| {
            g.uses.insert("Output");
            let mut chain = Chain::new(Code::call("Output::new", [g.expr(&o.value, true)]));
            if let Some(d) = &o.description {
                chain.call("description", [Code::str(d)]);
            }
            if let Some(e) = &o.export {
                let e = g.expr(e, true);
                chain.call("export", [e]);
            }
            if let Some(c) = &o.condition {
                chain.call("condition", [Code::str(c)]);
            }
            g.stack_call("add_output", Code::str(id.as_str()), chain.into())
        })
        .collect();
    section("Outputs", statements, &mut body);
    // Entries of typed sections that the typed fields cannot hold
    // (`Fn::ForEach` loops, a section present but empty), after the typed
    // entries, where the emitters write them.
    let statements: Vec<Code> = template
        .verbatim
        .iter()
        .filter(|(name, _)| is_typed_section(name))
        .map(|(name, value)| {
            let v = g.expr(value, false);
            g.stack_call("add_verbatim", Code::str(name), v)
        })
        .collect();
    section(
        "Entries the typed sections cannot hold, kept as written",
        statements,
        &mut body,
    );

    let mut out = String::new();
    header(&mut out, options);
    out.push('\n');
    let (root, template_items): (Vec<&str>, Vec<&str>) =
        g.uses.iter().partition(|u| **u == "Stack");
    for u in root {
        let _ = writeln!(out, "use pipewright::{u};");
    }
    match template_items.as_slice() {
        [] => {}
        [one] => {
            let _ = writeln!(out, "use pipewright::template::{one};");
        }
        many => {
            let list = many.join(", ");
            let line = format!("use pipewright::template::{{{list}}};");
            if line.len() <= MAX_WIDTH {
                let _ = writeln!(out, "{line}");
            } else {
                out.push_str("use pipewright::template::{\n");
                let mut row = String::from("   ");
                for item in many {
                    if row.len() + item.len() + 2 > MAX_WIDTH {
                        let _ = writeln!(out, "{row}");
                        row = String::from("   ");
                    }
                    let _ = write!(row, " {item},");
                }
                let _ = writeln!(out, "{row}");
                out.push_str("};\n");
            }
        }
    }
    out.push('\n');
    let _ = writeln!(out, "/// The `{}` stack.", options.stack);
    out.push_str("pub fn stack() -> Stack {\n");
    let binding = if body.is_empty() { "let" } else { "let mut" };
    let head: Code = head.into();
    let _ = writeln!(out, "    {binding} stack = {};", head.render(4, 1));
    for line in body {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("    stack\n}\n");
    out
}

/// A typed section's name: its entries the typed fields cannot hold come
/// after the typed ones.
fn is_typed_section(name: &str) -> bool {
    matches!(
        name,
        "Metadata" | "Parameters" | "Mappings" | "Conditions" | "Resources" | "Outputs"
    )
}

fn header(out: &mut String, options: &Options) {
    let _ = writeln!(
        out,
        "//! The `{}` stack, imported by `pipewright import` from `{}`.",
        options.stack, options.origin
    );
    out.push_str(
        "//!\n\
         //! It synthesizes the template it was imported from, by meaning: the same\n\
         //! parameters, mappings, conditions, resources and outputs under the same\n\
         //! logical IDs, so deploying it over the stack created from that template\n\
         //! changes nothing. Every resource is a raw resource: no construct was\n\
         //! guessed. Replacing them with pipewright's constructs (`s3::Bucket`,\n\
         //! `ecr::Repository`, `codebuild::Project`, ...) is the team's next step,\n\
         //! one resource at a time, with `pipewright diff` showing what each change\n\
         //! does.\n",
    );
}

/// Lines are broken past this column, as rustfmt's default `max_width`.
const MAX_WIDTH: usize = 100;

#[derive(Default)]
struct Generator {
    /// Names the source uses, for its `use` lines.
    uses: BTreeSet<&'static str>,
}

impl Generator {
    fn stack_call(&mut self, method: &str, id: Code, value: Code) -> Code {
        let mut chain = Chain::new(Code::Atom("stack".to_owned()));
        chain.call(method, [id, value]);
        chain.into()
    }

    fn parameter(&mut self, p: &Parameter) -> Code {
        self.uses.insert("Parameter");
        let base = match &p.kind {
            ParameterType::String => Code::call("Parameter::string", []),
            kind => {
                self.uses.insert("ParameterType");
                let kind = match kind {
                    ParameterType::Number => Code::atom("ParameterType::Number"),
                    ParameterType::NumberList => Code::atom("ParameterType::NumberList"),
                    ParameterType::CommaDelimitedList => {
                        Code::atom("ParameterType::CommaDelimitedList")
                    }
                    ParameterType::Ssm(name) => {
                        Code::call("ParameterType::Ssm", [Code::string_into(name)])
                    }
                    other => Code::call("ParameterType::Aws", [Code::string_into(other.as_str())]),
                };
                Code::call("Parameter::new", [kind])
            }
        };
        let mut chain = Chain::new(base);
        if let Some(d) = &p.description {
            chain.call("description", [Code::str(d)]);
        }
        if let Some(d) = &p.default {
            chain.call("default_value", [Code::str(d)]);
        }
        if p.no_echo {
            chain.call("no_echo", []);
        }
        if !p.allowed_values.is_empty() {
            let values = p.allowed_values.iter().map(|v| Code::str(v)).collect();
            chain.call("allowed_values", [Code::Array(values)]);
        }
        if let Some(v) = &p.allowed_pattern {
            chain.call("allowed_pattern", [Code::str(v)]);
        }
        if let Some(n) = p.min_length {
            chain.call("min_length", [Code::Atom(n.to_string())]);
        }
        if let Some(n) = p.max_length {
            chain.call("max_length", [Code::Atom(n.to_string())]);
        }
        if let Some(n) = p.min_value {
            chain.call("min_value", [Code::Atom(format!("{n:?}"))]);
        }
        if let Some(n) = p.max_value {
            chain.call("max_value", [Code::Atom(format!("{n:?}"))]);
        }
        if let Some(v) = &p.constraint_description {
            chain.call("constraint_description", [Code::str(v)]);
        }
        chain.into()
    }

    fn resource(&mut self, r: &Resource) -> Code {
        self.uses.insert("Resource");
        let mut chain = Chain::new(Code::call("Resource::new", [Code::str(&r.kind)]));
        for (name, value) in &r.properties {
            let v = self.expr(value, true);
            chain.call("property", [Code::str(name), v]);
        }
        if !r.depends_on.is_empty() {
            let ids = r.depends_on.iter().map(|d| Code::str(d)).collect();
            chain.call("depends_on", [Code::Array(ids)]);
        }
        if let Some(c) = &r.condition {
            chain.call("condition", [Code::str(c)]);
        }
        if let Some(p) = r.deletion_policy {
            chain.call("deletion_policy", [self.policy(p)]);
        }
        if let Some(p) = r.update_replace_policy {
            chain.call("update_replace_policy", [self.policy(p)]);
        }
        for (k, v) in &r.metadata {
            let v = self.expr(v, true);
            chain.call("metadata", [Code::str(k), v]);
        }
        for (k, v) in &r.attributes {
            let v = self.expr(v, true);
            chain.call("attribute", [Code::str(k), v]);
        }
        chain.into()
    }

    fn policy(&mut self, p: Policy) -> Code {
        self.uses.insert("Policy");
        Code::Atom(format!("Policy::{}", p.as_str()))
    }

    /// The code of `e`; `into` when the position takes `impl Into<Expr>`,
    /// so a literal needs no `Expr::from`.
    fn expr(&mut self, e: &Expr, into: bool) -> Code {
        // A literal is written bare or with `.into()`, a pseudo parameter
        // where `impl Into<Expr>` is taken as `Pseudo::Name`: neither
        // names `Expr`.
        let literal = matches!(e, Expr::Bool(_) | Expr::Number(_) | Expr::String(_));
        if !(literal || into && matches!(e, Expr::Pseudo(_))) {
            self.uses.insert("Expr");
        }
        // Where an `Expr` is wanted, a literal converts with `.into()`: the
        // array or tuple it is in gives the type.
        let literal = |code: Code| {
            if into {
                code
            } else {
                let flat = code.flat();
                if flat.starts_with('-') {
                    // `-1.into()` would negate the converted value.
                    Code::Atom(format!("({flat}).into()"))
                } else {
                    Code::Atom(format!("{flat}.into()"))
                }
            }
        };
        match e {
            Expr::Null => Code::atom("Expr::Null"),
            Expr::Bool(b) => literal(Code::Atom(b.to_string())),
            Expr::Number(n) => {
                if let Some(i) = n.as_i64() {
                    if i32::try_from(i).is_ok() {
                        literal(Code::Atom(i.to_string()))
                    } else {
                        literal(Code::Atom(format!("{i}_i64")))
                    }
                } else if let Some(u) = n.as_u64() {
                    literal(Code::Atom(format!("{u}_u64")))
                } else {
                    let f = n.as_f64().unwrap_or_default();
                    literal(Code::Atom(format!("{f:?}")))
                }
            }
            Expr::String(s) => literal(Code::str(s)),
            Expr::List(items) if items.is_empty() => Code::atom("Expr::List(Vec::new())"),
            Expr::List(items) => {
                let items = items.iter().map(|i| self.expr(i, false)).collect();
                Code::call("Expr::list", [Code::Array(items)])
            }
            Expr::Map(map) if map.is_empty() => Code::atom("Expr::Map(Default::default())"),
            Expr::Map(map) => {
                let pairs = self.pairs(map);
                Code::call("Expr::map", [Code::Array(pairs)])
            }
            Expr::Ref(name) => Code::call("Expr::reference", [Code::str(name)]),
            Expr::Pseudo(p) => {
                self.uses.insert("Pseudo");
                let code = Code::Atom(format!("Pseudo::{}", pseudo_variant(*p)));
                if into {
                    code
                } else {
                    Code::call("Expr::pseudo", [code])
                }
            }
            Expr::GetAtt {
                resource,
                attribute,
            } => Code::call("Expr::get_att", [Code::str(resource), Code::str(attribute)]),
            Expr::Sub { template, vars } if vars.is_empty() => {
                Code::call("Expr::sub", [Code::str(template)])
            }
            Expr::Sub { template, vars } => {
                let pairs = self.pairs(vars);
                Code::call("Expr::sub_with", [Code::str(template), Code::Array(pairs)])
            }
            Expr::Concat(parts) => {
                let parts = parts.iter().map(|p| self.expr(p, false)).collect();
                Code::call("Expr::concat", [Code::Array(parts)])
            }
            Expr::Join { delimiter, values } => match values.as_ref() {
                Expr::List(items) => {
                    let items = items.iter().map(|i| self.expr(i, false)).collect();
                    Code::call("Expr::join", [Code::str(delimiter), Code::Array(items)])
                }
                other => variant(
                    "Expr::Join",
                    [
                        ("delimiter", Code::string_into(delimiter)),
                        ("values", self.boxed(other)),
                    ],
                ),
            },
            Expr::Select { index, list } => match index.as_ref() {
                Expr::Number(n) if n.as_u64().is_some_and(|i| u32::try_from(i).is_ok()) => {
                    let list = self.expr(list, false);
                    Code::call("Expr::select", [Code::Atom(n.to_string()), list])
                }
                _ => variant(
                    "Expr::Select",
                    [("index", self.boxed(index)), ("list", self.boxed(list))],
                ),
            },
            Expr::Split { delimiter, source } => {
                let source = self.expr(source, false);
                Code::call("Expr::split", [Code::str(delimiter), source])
            }
            Expr::If {
                condition,
                then,
                otherwise,
            } => {
                let then = self.expr(then, false);
                let otherwise = self.expr(otherwise, false);
                Code::call("Expr::if_", [Code::str(condition), then, otherwise])
            }
            Expr::Equals(a, b) => {
                let a = self.expr(a, false);
                let b = self.expr(b, false);
                Code::call("Expr::equals", [a, b])
            }
            Expr::And(items) | Expr::Or(items) => {
                let name = if matches!(e, Expr::And(_)) {
                    "Expr::And"
                } else {
                    "Expr::Or"
                };
                let items = items.iter().map(|i| self.expr(i, false)).collect();
                Code::call(name, [Code::Vec(items)])
            }
            Expr::Not(a) => Code::call("Expr::Not", [self.boxed(a)]),
            Expr::Condition(name) => Code::call("Expr::Condition", [Code::string_into(name)]),
            Expr::FindInMap { map, top, second } => {
                let top = self.expr(top, false);
                let second = self.expr(second, false);
                Code::call("Expr::find_in_map", [Code::str(map), top, second])
            }
            Expr::ImportValue(a) => {
                let a = self.expr(a, false);
                Code::call("Expr::import_value", [a])
            }
            Expr::Base64(a) => {
                let a = self.expr(a, false);
                Code::call("Expr::base64", [a])
            }
            Expr::GetAzs(a) => Code::call("Expr::GetAzs", [self.boxed(a)]),
            Expr::Cidr { block, count, bits } => variant(
                "Expr::Cidr",
                [
                    ("block", self.boxed(block)),
                    ("count", self.boxed(count)),
                    ("bits", self.boxed(bits)),
                ],
            ),
            Expr::Dynamic(d) => {
                self.uses.insert("DynamicRef");
                self.uses.insert("DynamicService");
                let service = match d.service {
                    DynamicService::Ssm => "Ssm",
                    DynamicService::SsmSecure => "SsmSecure",
                    DynamicService::SecretsManager => "SecretsManager",
                };
                let reference = variant(
                    "DynamicRef",
                    [
                        ("service", Code::Atom(format!("DynamicService::{service}"))),
                        ("reference", Code::string_into(&d.reference)),
                    ],
                );
                Code::call("Expr::Dynamic", [reference])
            }
            Expr::Function { name, arg } => variant(
                "Expr::Function",
                [("name", Code::string_into(name)), ("arg", self.boxed(arg))],
            ),
            // Synth resolves owned values before anything is emitted; a
            // template read from text never holds one.
            Expr::Owned { value, .. } => self.expr(value, into),
        }
    }

    fn pairs(&mut self, map: &indexmap::IndexMap<String, Expr>) -> Vec<Code> {
        map.iter()
            .map(|(k, v)| Code::Tuple(vec![Code::str(k), self.expr(v, false)]))
            .collect()
    }

    fn boxed(&mut self, e: &Expr) -> Code {
        let e = self.expr(e, false);
        Code::call("Box::new", [e])
    }
}

/// `Name { field: value, ... }`.
fn variant<const N: usize>(name: &str, fields: [(&str, Code); N]) -> Code {
    Code::Struct {
        name: name.to_owned(),
        fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    }
}

fn pseudo_variant(p: Pseudo) -> &'static str {
    match p {
        Pseudo::AccountId => "AccountId",
        Pseudo::NotificationArns => "NotificationArns",
        Pseudo::NoValue => "NoValue",
        Pseudo::Partition => "Partition",
        Pseudo::Region => "Region",
        Pseudo::StackId => "StackId",
        Pseudo::StackName => "StackName",
        Pseudo::UrlSuffix => "UrlSuffix",
    }
}

/// A Rust expression, laid out at render time: flat when it fits,
/// broken the way rustfmt breaks it otherwise. Written by hand because
/// the alternatives (a quasi-quoting crate plus prettyplease) would add
/// two dependencies and still not lay out builder chains as rustfmt does.
#[derive(Clone, Debug)]
enum Code {
    /// A token sequence that is never broken.
    Atom(String),
    /// `callee(args)`.
    Call { callee: String, args: Vec<Code> },
    /// `[items]`.
    Array(Vec<Code>),
    /// `vec![items]`.
    Vec(Vec<Code>),
    /// `(items)`.
    Tuple(Vec<Code>),
    /// `Name { field: value }`.
    Struct {
        name: String,
        fields: Vec<(String, Code)>,
    },
    /// `base.call(args).call(args)`.
    Chain {
        base: Box<Code>,
        calls: Vec<(String, Vec<Code>)>,
    },
}

/// A chain under construction.
struct Chain {
    base: Code,
    calls: Vec<(String, Vec<Code>)>,
}

impl Chain {
    fn new(base: Code) -> Self {
        Self {
            base,
            calls: Vec::new(),
        }
    }

    fn call<const N: usize>(&mut self, method: &str, args: [Code; N]) {
        self.calls.push((method.to_owned(), args.into()));
    }
}

impl From<Chain> for Code {
    fn from(c: Chain) -> Code {
        if c.calls.is_empty() {
            c.base
        } else {
            Code::Chain {
                base: Box::new(c.base),
                calls: c.calls,
            }
        }
    }
}

impl Code {
    fn atom(s: &str) -> Code {
        Code::Atom(s.to_owned())
    }

    fn call<const N: usize>(callee: &str, args: [Code; N]) -> Code {
        Code::Call {
            callee: callee.to_owned(),
            args: args.into(),
        }
    }

    /// A string literal.
    fn str(s: &str) -> Code {
        Code::Atom(string_literal(s))
    }

    /// A string literal for a `String` field: `"...".into()`.
    fn string_into(s: &str) -> Code {
        Code::Atom(format!("{}.into()", string_literal(s)))
    }

    /// The code on one line (an atom may still hold line breaks: a raw
    /// string).
    fn flat(&self) -> String {
        match self {
            Code::Atom(s) => s.clone(),
            Code::Call { callee, args } => format!("{callee}({})", list_flat(args)),
            Code::Array(items) => format!("[{}]", list_flat(items)),
            Code::Vec(items) => format!("vec![{}]", list_flat(items)),
            Code::Tuple(items) => format!("({})", list_flat(items)),
            Code::Struct { name, fields } => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.flat()))
                    .collect();
                format!("{name} {{ {} }}", fields.join(", "))
            }
            Code::Chain { base, calls } => {
                let mut s = base.flat();
                for (m, args) in calls {
                    let _ = write!(s, ".{m}({})", list_flat(args));
                }
                s
            }
        }
    }

    /// The code starting at column `indent` (where its line is indented),
    /// with `tail` columns after it on its last line (`,` or `;`).
    fn render(&self, indent: usize, tail: usize) -> String {
        let flat = self.flat();
        if !flat.contains('\n') && indent + flat.len() + tail <= MAX_WIDTH {
            return flat;
        }
        let inner = indent + 4;
        let pad = " ".repeat(inner);
        let end = " ".repeat(indent);
        match self {
            Code::Atom(s) => s.clone(),
            Code::Call { callee, args } => {
                format!("{callee}({})", broken_list(args, indent, callee.len() + 1))
            }
            Code::Array(items) => format!("[{}]", broken_list(items, indent, 1)),
            Code::Vec(items) => format!("vec![{}]", broken_list(items, indent, 5)),
            Code::Tuple(items) => format!("({})", broken_list(items, indent, 1)),
            Code::Struct { name, fields } => {
                let mut s = format!("{name} {{\n");
                for (k, v) in fields {
                    let _ = writeln!(s, "{pad}{k}: {},", v.render(inner + k.len() + 2, 1));
                }
                s.push_str(&end);
                s.push('}');
                s
            }
            Code::Chain { base, calls } => {
                let mut s = base.render(indent, 0);
                for (m, args) in calls {
                    let call = Code::Call {
                        callee: format!(".{m}"),
                        args: args.clone(),
                    };
                    let _ = write!(s, "\n{pad}{}", call.render(inner, 0));
                }
                s
            }
        }
    }
}

fn list_flat(items: &[Code]) -> String {
    items.iter().map(Code::flat).collect::<Vec<_>>().join(", ")
}

/// The inside of a broken list opened at `indent` + `open` columns: a
/// single item that breaks by itself stays on the opening line (`f([` ...
/// `])`), as rustfmt does; otherwise one item per line.
fn broken_list(items: &[Code], indent: usize, open: usize) -> String {
    if items.is_empty() {
        return String::new();
    }
    if let [only] = items
        && matches!(
            only,
            Code::Array(_) | Code::Vec(_) | Code::Call { .. } | Code::Struct { .. }
        )
    {
        let rendered = only.render(indent, 1);
        let first = rendered.lines().next().unwrap_or_default();
        if indent + open + first.len() <= MAX_WIDTH {
            return rendered;
        }
    }
    let inner = indent + 4;
    let pad = " ".repeat(inner);
    let mut s = String::from("\n");
    for item in items {
        let _ = writeln!(s, "{pad}{},", item.render(inner, 1));
    }
    s.push_str(&" ".repeat(indent));
    s
}

/// A Rust string literal for `s`: a raw string when it spans lines (a
/// buildspec, a script), so it reads as it will be written; escaped
/// otherwise.
fn string_literal(s: &str) -> String {
    let raw_ok = s.contains('\n') && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if !raw_ok {
        return format!("{s:?}");
    }
    let mut hashes = 1;
    while s.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{s}\"{h}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_are_raw_only_across_lines() {
        assert_eq!(string_literal("a\"b"), "\"a\\\"b\"");
        assert_eq!(string_literal("a\nb"), "r#\"a\nb\"#");
        assert_eq!(string_literal("say \"#hi\"\n"), "r##\"say \"#hi\"\n\"##");
        assert_eq!(string_literal("a\r\nb"), "\"a\\r\\nb\"");
    }

    #[test]
    fn a_long_call_breaks_one_argument_per_line() {
        let long = "x".repeat(60);
        let code = Code::call("f", [Code::str(&long), Code::str(&long)]);
        assert_eq!(
            code.render(4, 1),
            format!("f(\n        \"{long}\",\n        \"{long}\",\n    )")
        );
        let short = Code::call("f", [Code::str("a")]);
        assert_eq!(short.render(4, 1), "f(\"a\")");
    }
}

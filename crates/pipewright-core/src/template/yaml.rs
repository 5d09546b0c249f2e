//! The YAML emitter: templates as a careful person writes them.
//!
//! Written by hand because no YAML serializer emits CloudFormation's
//! short-form tags (`!Ref X`, `!GetAtt X.Arn`, `!Sub '...'`) or lets us
//! control quoting: CloudFormation reads YAML 1.1, where `yes`, `on`, `0123`,
//! `12:30` and `2024-01-01` are not strings, while general serializers quote
//! for YAML 1.2. Here every string that a YAML 1.1 or 1.2 reader would take
//! as anything else is quoted, multi-line strings are block literals, short
//! lists of simple values inside intrinsics are written inline
//! (`!If [Cond, a, b]`), and everything else is block style, one value per
//! line, so a one-line change in code is a one-line change in the diff.

use super::expr::Expr;
use super::model::{FORMAT_VERSION, Output, Parameter, Resource, Template};
use indexmap::IndexMap;
use std::borrow::Cow;

/// Renders a template as YAML.
pub fn to_string(template: &Template) -> String {
    let mut w = Writer {
        out: String::with_capacity(8 * 1024),
    };
    let version = template.format_version.as_deref().unwrap_or(FORMAT_VERSION);
    w.key("AWSTemplateFormatVersion");
    w.str_value(version, 0);
    // A blank line before each section after the first.
    if let Some(d) = &template.description {
        w.out.push('\n');
        w.key("Description");
        w.str_value(d, 0);
    }
    // Sections in the order of the template anatomy page
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html);
    // `kept_whole` writes a section the model holds only in `verbatim`.
    if !w.kept_whole(template, "Metadata", template.metadata.is_empty()) {
        w.out.push('\n');
        w.key("Metadata");
        w.map_value(&template.metadata, 0);
        w.kept_entries(template, "Metadata");
    }
    if !w.kept_whole(template, "Parameters", template.parameters.is_empty()) {
        w.out.push_str("\nParameters:\n");
        for (id, p) in &template.parameters {
            w.indent(2);
            w.key(id.as_str());
            w.out.push('\n');
            w.parameter(p, 4);
        }
        w.kept_entries(template, "Parameters");
    }
    w.kept_whole(template, "Rules", true);
    if !w.kept_whole(template, "Mappings", template.mappings.is_empty()) {
        w.out.push_str("\nMappings:\n");
        for (id, m) in &template.mappings {
            w.indent(2);
            w.key(id.as_str());
            if m.is_empty() {
                w.out.push_str(" {}\n");
                continue;
            }
            w.out.push('\n');
            for (k, second) in m {
                w.indent(4);
                w.key(k);
                w.map_value(second, 4);
            }
        }
        w.kept_entries(template, "Mappings");
    }
    if !w.kept_whole(template, "Conditions", template.conditions.is_empty()) {
        w.out.push_str("\nConditions:\n");
        for (id, c) in &template.conditions {
            w.indent(2);
            w.key(id.as_str());
            w.expr(c, 2, false);
        }
        w.kept_entries(template, "Conditions");
    }
    w.kept_whole(template, "Transform", true);
    let no_resources = template.resources.is_empty();
    if no_resources && !template.verbatim.contains_key("Resources") {
        w.out.push_str("\nResources: {}\n");
    } else if !w.kept_whole(template, "Resources", no_resources) {
        w.out.push_str("\nResources:");
        for (id, r) in &template.resources {
            // Ends the `Resources:` line, or is the blank line between two
            // resources: each reads as its own block.
            w.out.push('\n');
            w.indent(2);
            w.key(id.as_str());
            w.out.push('\n');
            w.resource(r, 4);
        }
        w.kept_entries(template, "Resources");
    }
    if !w.kept_whole(template, "Outputs", template.outputs.is_empty()) {
        w.out.push_str("\nOutputs:\n");
        for (id, o) in &template.outputs {
            w.indent(2);
            w.key(id.as_str());
            w.out.push('\n');
            w.output(o, 4);
        }
        w.kept_entries(template, "Outputs");
    }
    for (name, value) in &template.verbatim {
        if !TYPED_AND_PLACED.contains(&name.as_str()) {
            w.out.push('\n');
            w.key(name);
            w.expr(value, 0, false);
        }
    }
    w.out
}

/// Sections written in their place by [`to_string`]; any other section kept
/// verbatim follows them.
const TYPED_AND_PLACED: [&str; 10] = [
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
];

/// Renders one value as a YAML document (used for buildspecs and tests).
pub fn expr_to_string(expr: &Expr) -> String {
    let mut w = Writer::default();
    let mut e = expr;
    while let Expr::Owned { value, .. } = e {
        e = value;
    }
    match e {
        Expr::Map(map) if !map.is_empty() => w.entries_expr(map, 0, false),
        Expr::List(items) if !items.is_empty() => w.items_expr(items, 0, false),
        other => w.expr(other, 0, true),
    }
    w.out
}

/// Formats a float so that YAML 1.1 (which needs a dot, and a sign on the
/// exponent) and YAML 1.2 both read it as a float.
pub(crate) fn float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.1}");
    }
    yaml11_number(&v.to_string())
}

fn yaml11_number(s: &str) -> String {
    let Some((mantissa, exponent)) = s.split_once(['e', 'E']) else {
        return s.to_owned();
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.to_owned()
    } else {
        format!("{mantissa}.0")
    };
    let exponent = if exponent.starts_with(['+', '-']) {
        exponent.to_owned()
    } else {
        format!("+{exponent}")
    };
    format!("{mantissa}e{exponent}")
}

/// The YAML tree the writer prints. It borrows the template's strings, so
/// building it allocates only the tree itself and the few strings that are
/// formatted (numbers, `GetAtt` paths).
enum Node<'a> {
    /// A string, quoted as needed.
    Str(Cow<'a, str>),
    /// A number, boolean or null, printed as is.
    Plain(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
    /// A short-form intrinsic: `!Tag value`.
    Tagged(&'static str, Box<Node<'a>>),
}

impl<'a> Node<'a> {
    fn str(s: &'a str) -> Node<'a> {
        Node::Str(Cow::Borrowed(s))
    }

    fn plain(s: impl Into<Cow<'a, str>>) -> Node<'a> {
        Node::Plain(s.into())
    }
}

fn expr_map(map: &IndexMap<String, Expr>) -> Node<'_> {
    Node::Map(
        map.iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), node(v)))
            .collect(),
    )
}

fn tagged<'a>(tag: &'static str, args: Vec<Node<'a>>) -> Node<'a> {
    Node::Tagged(tag, Box::new(Node::Seq(args)))
}

/// A single-argument short form. YAML allows one tag per node, so when the
/// argument is itself a short form, the function is written in long form
/// over the short argument (`Fn::ImportValue: !Sub ...`), as
/// CloudFormation's docs say it must be: a tag over a long-form mapping
/// (`!ImportValue` over `Fn::Sub: ...`) is not read by every reader
/// (moto_server takes the mapping's raw nodes as the import's name).
/// A number, boolean or null argument would be read as a string under a
/// tag, so then the whole function is written in long form.
fn tagged_one<'a>(tag: &'static str, arg: Node<'a>) -> Node<'a> {
    match arg {
        Node::Tagged(..) | Node::Plain(_) => long_form(tag, arg),
        other => Node::Tagged(tag, Box::new(other)),
    }
}

/// `{Fn::Tag: value}`; the dotted `GetAtt` string becomes its list form.
fn long_form<'a>(tag: &'static str, value: Node<'a>) -> Node<'a> {
    let value = match (tag, value) {
        ("GetAtt", Node::Str(s)) => match s.split_once('.') {
            Some((resource, attribute)) => Node::Seq(vec![
                Node::Str(Cow::Owned(resource.to_owned())),
                Node::Str(Cow::Owned(attribute.to_owned())),
            ]),
            None => Node::Str(s),
        },
        (_, value) => value,
    };
    Node::Map(vec![(Cow::Borrowed(long_name(tag)), value)])
}

fn long_name(tag: &'static str) -> &'static str {
    match tag {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "ImportValue" => "Fn::ImportValue",
        "Base64" => "Fn::Base64",
        "GetAZs" => "Fn::GetAZs",
        "GetAtt" => "Fn::GetAtt",
        "Sub" => "Fn::Sub",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "If" => "Fn::If",
        "Equals" => "Fn::Equals",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Not" => "Fn::Not",
        "FindInMap" => "Fn::FindInMap",
        "Cidr" => "Fn::Cidr",
        other => other,
    }
}

fn node(e: &Expr) -> Node<'_> {
    match e {
        Expr::Null => Node::plain("null"),
        Expr::Bool(b) => Node::plain(if *b { "true" } else { "false" }),
        Expr::Number(n) => Node::plain(yaml11_number(&n.to_string())),
        Expr::String(s) => Node::str(s),
        Expr::Dynamic(d) => Node::Str(Cow::Owned(d.to_string())),
        Expr::List(items) => Node::Seq(items.iter().map(node).collect()),
        Expr::Map(map) => expr_map(map),
        Expr::Ref(name) => Node::Tagged("Ref", Box::new(Node::str(name))),
        Expr::Pseudo(p) => Node::Tagged("Ref", Box::new(Node::str(p.name()))),
        Expr::GetAtt {
            resource,
            attribute,
        } => Node::Tagged(
            "GetAtt",
            Box::new(Node::Str(Cow::Owned(format!("{resource}.{attribute}")))),
        ),
        Expr::Sub { template, vars } if vars.is_empty() => {
            Node::Tagged("Sub", Box::new(Node::str(template)))
        }
        Expr::Sub { template, vars } => tagged("Sub", vec![Node::str(template), expr_map(vars)]),
        Expr::Join { delimiter, values } => {
            tagged("Join", vec![Node::str(delimiter), node(values)])
        }
        // Synth writes a concatenation as `!Sub`; one met before synth is
        // the same string as a `!Join` without delimiter.
        Expr::Concat(parts) => tagged(
            "Join",
            vec![Node::str(""), Node::Seq(parts.iter().map(node).collect())],
        ),
        Expr::Select { index, list } => tagged("Select", vec![node(index), node(list)]),
        Expr::Split { delimiter, source } => {
            tagged("Split", vec![Node::str(delimiter), node(source)])
        }
        Expr::If {
            condition,
            then,
            otherwise,
        } => tagged(
            "If",
            vec![Node::str(condition), node(then), node(otherwise)],
        ),
        Expr::Equals(a, b) => tagged("Equals", vec![node(a), node(b)]),
        Expr::And(items) => tagged("And", items.iter().map(node).collect()),
        Expr::Or(items) => tagged("Or", items.iter().map(node).collect()),
        Expr::Not(a) => tagged("Not", vec![node(a)]),
        Expr::Condition(name) => Node::Tagged("Condition", Box::new(Node::str(name))),
        Expr::FindInMap { map, top, second } => {
            tagged("FindInMap", vec![Node::str(map), node(top), node(second)])
        }
        Expr::ImportValue(a) => tagged_one("ImportValue", node(a)),
        Expr::Base64(a) => tagged_one("Base64", node(a)),
        Expr::GetAzs(a) => tagged_one("GetAZs", node(a)),
        Expr::Cidr { block, count, bits } => {
            tagged("Cidr", vec![node(block), node(count), node(bits)])
        }
        Expr::Function { name, arg } => Node::Map(vec![(Cow::Borrowed(name.as_str()), node(arg))]),
        Expr::Owned { value, .. } => node(value),
    }
}

/// The widest inline list, in characters, before block style is used.
const FLOW_WIDTH: usize = 64;

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn indent(&mut self, n: usize) {
        const SPACES: &str = "                                ";
        let mut left = n;
        while left > 0 {
            let step = left.min(SPACES.len());
            self.out.push_str(&SPACES[..step]);
            left -= step;
        }
    }

    fn key(&mut self, key: &str) {
        self.out.push_str(&quote(key, false));
        self.out.push(':');
    }

    /// Writes `node` after `key:` (`after_dash == false`) or after `- `;
    /// `col` is the column of that key or dash.
    fn after(&mut self, node: &Node, col: usize, after_dash: bool) {
        let sep = if after_dash { "" } else { " " };
        match node {
            Node::Plain(s) => {
                self.out.push_str(sep);
                self.out.push_str(s);
                self.out.push('\n');
            }
            Node::Str(s) => {
                self.out.push_str(sep);
                self.string(s, col);
            }
            Node::Map(entries) if entries.is_empty() => {
                self.out.push_str(sep);
                self.out.push_str("{}\n");
            }
            Node::Seq(items) if items.is_empty() => {
                self.out.push_str(sep);
                self.out.push_str("[]\n");
            }
            Node::Map(entries) => {
                if after_dash {
                    self.entries(entries, col + 2, true);
                } else {
                    self.out.push('\n');
                    self.entries(entries, col + 2, false);
                }
            }
            Node::Seq(items) => {
                if after_dash {
                    self.items(items, col + 2, true);
                } else {
                    self.out.push('\n');
                    self.items(items, col + 2, false);
                }
            }
            Node::Tagged(tag, value) => {
                self.out.push_str(sep);
                self.out.push('!');
                self.out.push_str(tag);
                match value.as_ref() {
                    Node::Str(s) => {
                        self.out.push(' ');
                        self.string(s, col);
                    }
                    Node::Plain(s) => {
                        self.out.push(' ');
                        self.out.push_str(s);
                        self.out.push('\n');
                    }
                    other => {
                        if let Some(flow) = flow(other, 0).filter(|f| f.len() <= FLOW_WIDTH) {
                            self.out.push(' ');
                            self.out.push_str(&flow);
                            self.out.push('\n');
                        } else {
                            self.after(other, col, false);
                        }
                    }
                }
            }
        }
    }

    /// ` value` after a key: a string scalar and the line end.
    fn str_value(&mut self, s: &str, col: usize) {
        self.out.push(' ');
        self.string(s, col);
    }

    /// `key: value` on its own line at `col`, for a string value.
    fn str_entry(&mut self, col: usize, key: &str, s: &str) {
        self.indent(col);
        self.key(key);
        self.str_value(s, col);
    }

    /// `key: value` on its own line at `col`, for a number or boolean.
    fn plain_entry(&mut self, col: usize, key: &str, plain: &str) {
        self.indent(col);
        self.key(key);
        self.out.push(' ');
        self.out.push_str(plain);
        self.out.push('\n');
    }

    /// A map of values after a key at `col`: `{}` when empty, else one
    /// entry a line below it.
    fn map_value(&mut self, map: &IndexMap<String, Expr>, col: usize) {
        if map.is_empty() {
            self.out.push_str(" {}\n");
        } else {
            self.out.push('\n');
            self.entries_expr(map, col + 2, false);
        }
    }

    /// When the typed section `name` is empty (`typed_empty`) and
    /// `template.verbatim` keeps it, writes it as kept. Returns true when
    /// the typed section is empty, so there is nothing more to write.
    fn kept_whole(&mut self, template: &Template, name: &str, typed_empty: bool) -> bool {
        if !typed_empty {
            return false;
        }
        if let Some(kept) = template.verbatim.get(name) {
            self.out.push('\n');
            self.key(name);
            self.expr(kept, 0, false);
        }
        true
    }

    /// After a typed section's entries, the entries `template.verbatim`
    /// keeps under its name.
    fn kept_entries(&mut self, template: &Template, name: &str) {
        if let Some(Expr::Map(kept)) = template.verbatim.get(name)
            && !kept.is_empty()
        {
            self.entries_expr(kept, 2, false);
        }
    }

    /// A parameter's settings, one a line at `col`.
    fn parameter(&mut self, p: &Parameter, col: usize) {
        self.str_entry(col, "Type", p.kind.as_str());
        if let Some(d) = &p.description {
            self.str_entry(col, "Description", d);
        }
        if let Some(d) = &p.default {
            self.str_entry(col, "Default", d);
        }
        if p.no_echo {
            self.plain_entry(col, "NoEcho", "true");
        }
        if !p.allowed_values.is_empty() {
            self.indent(col);
            self.key("AllowedValues");
            self.out.push('\n');
            for v in &p.allowed_values {
                self.indent(col + 2);
                self.out.push_str("- ");
                self.string(v, col + 2);
            }
        }
        if let Some(v) = &p.allowed_pattern {
            self.str_entry(col, "AllowedPattern", v);
        }
        if let Some(v) = p.min_length {
            self.plain_entry(col, "MinLength", &v.to_string());
        }
        if let Some(v) = p.max_length {
            self.plain_entry(col, "MaxLength", &v.to_string());
        }
        if let Some(v) = p.min_value {
            self.plain_entry(col, "MinValue", &float(v));
        }
        if let Some(v) = p.max_value {
            self.plain_entry(col, "MaxValue", &float(v));
        }
        if let Some(v) = &p.constraint_description {
            self.str_entry(col, "ConstraintDescription", v);
        }
    }

    /// A resource's attributes and properties, one a line at `col`.
    fn resource(&mut self, r: &Resource, col: usize) {
        self.str_entry(col, "Type", &r.kind);
        if let Some(c) = &r.condition {
            self.str_entry(col, "Condition", c);
        }
        match r.depends_on.as_slice() {
            [] => {}
            [one] => self.str_entry(col, "DependsOn", one),
            many => {
                self.indent(col);
                self.key("DependsOn");
                self.out.push('\n');
                for d in many {
                    self.indent(col + 2);
                    self.out.push_str("- ");
                    self.string(d, col + 2);
                }
            }
        }
        if let Some(p) = r.deletion_policy {
            self.str_entry(col, "DeletionPolicy", p.as_str());
        }
        if let Some(p) = r.update_replace_policy {
            self.str_entry(col, "UpdateReplacePolicy", p.as_str());
        }
        if !r.metadata.is_empty() {
            self.indent(col);
            self.key("Metadata");
            self.map_value(&r.metadata, col);
        }
        if !r.properties.is_empty() {
            self.indent(col);
            self.key("Properties");
            self.map_value(&r.properties, col);
        }
        for (name, value) in &r.attributes {
            self.indent(col);
            self.key(name);
            self.expr(value, col, false);
        }
    }

    /// An output's settings, one a line at `col`.
    fn output(&mut self, o: &Output, col: usize) {
        if let Some(d) = &o.description {
            self.str_entry(col, "Description", d);
        }
        if let Some(c) = &o.condition {
            self.str_entry(col, "Condition", c);
        }
        self.indent(col);
        self.key("Value");
        self.expr(&o.value, col, false);
        if let Some(e) = &o.export {
            self.indent(col);
            self.key("Export");
            self.out.push('\n');
            self.indent(col + 2);
            self.key("Name");
            self.expr(e, col + 2, false);
        }
    }

    /// Writes `e` after `key:` (`after_dash == false`) or after `- `; `col`
    /// is the column of that key or dash. Values are written straight from
    /// the template; only the arguments of intrinsics with several, whose
    /// form (inline or block, short or long) depends on all of them, go
    /// through a [`Node`] tree first.
    fn expr(&mut self, e: &Expr, col: usize, after_dash: bool) {
        let sep = if after_dash { "" } else { " " };
        let tag = match e {
            Expr::Owned { value, .. } => return self.expr(value, col, after_dash),
            Expr::Concat(parts) => {
                let sub = crate::template::expr::concat_to_sub(parts);
                return self.expr(&sub, col, after_dash);
            }
            Expr::Null => return self.plain(sep, "null"),
            Expr::Bool(b) => return self.plain(sep, if *b { "true" } else { "false" }),
            Expr::Number(n) => return self.plain(sep, &yaml11_number(&n.to_string())),
            Expr::String(s) => {
                self.out.push_str(sep);
                return self.string(s, col);
            }
            Expr::Dynamic(d) => {
                self.out.push_str(sep);
                return self.string(&d.to_string(), col);
            }
            Expr::List(items) if items.is_empty() => return self.plain(sep, "[]"),
            Expr::Map(map) if map.is_empty() => return self.plain(sep, "{}"),
            Expr::List(items) => {
                if !after_dash {
                    self.out.push('\n');
                }
                return self.items_expr(items, col + 2, after_dash);
            }
            Expr::Map(map) => {
                if !after_dash {
                    self.out.push('\n');
                }
                return self.entries_expr(map, col + 2, after_dash);
            }
            Expr::Ref(name) => ("!Ref ", name.as_str()),
            Expr::Pseudo(p) => ("!Ref ", p.name()),
            Expr::Condition(name) => ("!Condition ", name.as_str()),
            Expr::Sub { template, vars } if vars.is_empty() => ("!Sub ", template.as_str()),
            Expr::GetAtt {
                resource,
                attribute,
            } => {
                self.out.push_str(sep);
                self.out.push_str("!GetAtt ");
                return self.string(&format!("{resource}.{attribute}"), col);
            }
            other => return self.after(&node(other), col, after_dash),
        };
        self.out.push_str(sep);
        self.out.push_str(tag.0);
        self.string(tag.1, col);
    }

    /// A number, boolean, null or empty collection, and the line end.
    fn plain(&mut self, sep: &str, text: &str) {
        self.out.push_str(sep);
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn entries_expr(&mut self, map: &IndexMap<String, Expr>, col: usize, first_inline: bool) {
        for (i, (k, v)) in map.iter().enumerate() {
            if i > 0 || !first_inline {
                self.indent(col);
            }
            self.key(k);
            self.expr(v, col, false);
        }
    }

    fn items_expr(&mut self, items: &[Expr], col: usize, first_inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !first_inline {
                self.indent(col);
            }
            self.out.push_str("- ");
            self.expr(item, col, true);
        }
    }

    fn entries(&mut self, entries: &[(Cow<'_, str>, Node<'_>)], col: usize, first_inline: bool) {
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 || !first_inline {
                self.indent(col);
            }
            self.key(k);
            self.after(v, col, false);
        }
    }

    fn items(&mut self, items: &[Node], col: usize, first_inline: bool) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !first_inline {
                self.indent(col);
            }
            self.out.push_str("- ");
            self.after(item, col, true);
        }
    }

    /// Writes a string scalar and the line end; a multi-line string becomes
    /// a block literal indented below `col`.
    fn string(&mut self, s: &str, col: usize) {
        if literal_ok(s) {
            self.out.push('|');
            // An explicit indentation indicator when the first line with
            // content starts with a space, which would otherwise be read as
            // indentation.
            if s.trim_start_matches('\n').starts_with(' ') {
                self.out.push('2');
            }
            if !s.ends_with('\n') {
                self.out.push('-');
            }
            self.out.push('\n');
            for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
                if !line.is_empty() {
                    self.indent(col + 2);
                    self.out.push_str(line);
                }
                self.out.push('\n');
            }
        } else {
            self.out.push_str(&quote(s, false));
            self.out.push('\n');
        }
    }
}

/// The inline form of a list, when every value in it is simple: scalars
/// without `:` or flow indicators, and short forms of them.
fn flow(node: &Node, depth: usize) -> Option<String> {
    match node {
        Node::Plain(s) => Some(s.to_string()),
        Node::Str(s) => {
            if s.contains([':', ',', '[', ']', '{', '}', '#', '\n']) {
                None
            } else {
                Some(quote(s, true).into_owned())
            }
        }
        Node::Seq(items) if depth < 2 => {
            let parts: Option<Vec<String>> = items.iter().map(|i| flow(i, depth + 1)).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        Node::Tagged(tag, value) if matches!(value.as_ref(), Node::Str(_) | Node::Plain(_)) => {
            Some(format!("!{tag} {}", flow(value, depth)?))
        }
        _ => None,
    }
}

/// Whether a string is written as a block literal: it spans lines and has
/// nothing a literal cannot carry.
fn literal_ok(s: &str) -> bool {
    // More than one trailing newline would need keep chomping (`|+`), whose
    // value would then swallow the blank line the emitter puts after it.
    s.contains('\n')
        && !s.ends_with("\n\n")
        && s.trim_end_matches('\n').contains(|c: char| c != '\n')
        && s.chars().all(|c| c == '\n' || c == '\t' || printable(c))
        && !s.trim_end_matches('\n').split('\n').any(|line| {
            // Lines of only blanks and trailing blanks do not survive editors
            // and are ambiguous in literals; such strings are double-quoted.
            line.ends_with([' ', '\t']) || line.starts_with('\t')
        })
}

/// Characters YAML lets appear unescaped (and that are not line breaks: NEL,
/// LS and PS are line breaks in YAML 1.1).
fn printable(c: char) -> bool {
    matches!(c,
        '\x20'..='\x7e'
        | '\u{a0}'..='\u{2027}'
        | '\u{202a}'..='\u{d7ff}'
        | '\u{e000}'..='\u{fefe}'
        | '\u{ff00}'..='\u{fffd}'
        | '\u{10000}'..='\u{10ffff}')
}

/// Returns `s` as a YAML scalar: plain when every YAML 1.1 and 1.2 reader
/// reads it back as this same string, single-quoted when it needs quoting,
/// double-quoted when it has characters that need escapes.
pub(crate) fn quote(s: &str, in_flow: bool) -> Cow<'_, str> {
    // Most strings are printable ASCII: a byte scan answers for them
    // without decoding characters (a tenth of synth's time went here).
    let printable_ascii = s.bytes().all(|b| (0x20..0x7f).contains(&b));
    if !printable_ascii && !s.chars().all(printable) {
        return Cow::Owned(double_quoted(s));
    }
    if plain_ok(s, in_flow) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("'{}'", s.replace('\'', "''")))
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Words that YAML 1.1 or 1.2 resolve to booleans or null (compared
/// case-insensitively, which also covers the spellings no reader resolves).
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "=", "<<",
];

/// The longest word in [`RESERVED`]: longer strings skip the comparison.
const RESERVED_MAX_LEN: usize = 5;

fn plain_ok(s: &str, in_flow: bool) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if s.len() <= RESERVED_MAX_LEN && RESERVED.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return false;
    }
    // Indicators that start something other than a plain scalar. Every
    // byte compared here and below is ASCII, which in UTF-8 is never part
    // of a longer character, so bytes answer for characters.
    if matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) {
        return false;
    }
    // Numbers, dates, times, sexagesimals, `.inf`, `.nan`: anything that
    // starts like a number is quoted, whatever follows.
    if first.is_ascii_digit() || first == b'.' || first == b'+' {
        return false;
    }
    // Digits with underscores (`_0`, `_1_000`): a YAML 1.1 reader that
    // drops a number's underscores reads them as a number.
    if first == b'_'
        && bytes.iter().any(u8::is_ascii_digit)
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b"_.".contains(b))
    {
        return false;
    }
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) || last == b':' {
        return false;
    }
    // One pass for `: `, ` #` and tabs, and in flow style for the flow
    // indicators (PyYAML, like other YAML 1.1 readers, also ends a flow
    // scalar at `?`): a tenth of synth's time went to searching for each
    // of them in turn.
    let mut previous = 0;
    for &b in bytes {
        match b {
            b'\t' => return false,
            b' ' if previous == b':' => return false,
            b'#' if previous == b' ' => return false,
            b',' | b'[' | b']' | b'{' | b'}' | b':' | b'?' if in_flow => return false,
            _ => {}
        }
        previous = b;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_fit_their_length_bound() {
        assert!(RESERVED.iter().all(|w| w.len() <= RESERVED_MAX_LEN));
        assert!(RESERVED.iter().any(|w| w.len() == RESERVED_MAX_LEN));
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "~",
            "null",
            "true",
            "0123",
            "1e3",
            "0x1F",
            "12:30",
            "2024-01-01",
            "!x",
            "&a",
            "*a",
            "@a",
            "`a",
            "%a",
            "-a",
            "?a",
            ":a",
            "#a",
            "{a",
            "[a",
            "a: b",
            "a #b",
            "",
            " a",
            "a ",
            "1_000",
            "_0",
            "_1_000",
            ".5",
            "+1",
            ".inf",
            "<<",
            "=",
            "a:",
        ] {
            assert!(quote(s, false).starts_with('\''), "{s:?} must be quoted");
        }
        for s in [
            "a",
            "Enabled",
            "aws/codebuild/standard:7.0",
            "a-b",
            "a#b",
            "AWS::Region",
        ] {
            assert_eq!(quote(s, false), s, "{s:?} can be plain");
        }
        assert_eq!(quote("it's", false), "it's");
        assert_eq!(quote("'a'", false), "'''a'''");
        assert_eq!(quote("a\u{85}b", false), "\"a\\x85b\"");
        assert_eq!(quote("a\u{7}b\"", false), "\"a\\x07b\\\"\"");
    }

    #[test]
    fn floats_read_as_floats_in_yaml_11() {
        assert_eq!(yaml11_number("1e300"), "1.0e+300");
        assert_eq!(yaml11_number("-2.5E-7"), "-2.5e-7");
        assert_eq!(float(3.0), "3.0");
    }

    #[test]
    fn short_forms_and_block_literals() {
        let e = Expr::map([
            ("A", Expr::reference("X")),
            ("B", Expr::get_att("Role", "Arn")),
            (
                "C",
                Expr::if_(
                    "IsProd",
                    "a".into(),
                    Expr::pseudo(super::super::Pseudo::NoValue),
                ),
            ),
            ("D", Expr::import_value(Expr::sub("${Env}-vpc"))),
            ("E", Expr::sub("echo one\necho two\n")),
            ("F", Expr::list([Expr::from("yes"), Expr::from(3)])),
            ("G", Expr::select(0, Expr::GetAzs(Box::new("".into())))),
        ]);
        assert_eq!(
            expr_to_string(&e),
            "A: !Ref X\n\
             B: !GetAtt Role.Arn\n\
             C: !If\n  - IsProd\n  - a\n  - !Ref AWS::NoValue\n\
             D:\n  Fn::ImportValue: !Sub ${Env}-vpc\n\
             E: !Sub |\n  echo one\n  echo two\n\
             F:\n  - 'yes'\n  - 3\n\
             G: !Select [0, !GetAZs '']\n"
        );
    }
}

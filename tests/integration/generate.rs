//! Random templates for property tests, covering every `Expr` variant and
//! the strings YAML readers are known to misread.

use indexmap::IndexMap;
use pipewright::template::{
    DynamicRef, DynamicService, Expr, LogicalId, Output, Parameter, ParameterType, Policy, Pseudo,
    Resource, Template,
};
use proptest::prelude::*;

/// Strings YAML 1.1 or 1.2 would read as something else, and other edges.
pub const TRICKY: &[&str] = &[
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "Y",
    "N",
    "~",
    "null",
    "NULL",
    "true",
    "False",
    "0123",
    "1e3",
    "0x1F",
    "0o17",
    "0b101",
    "12:30",
    "1:20:30",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "1_000",
    ".5",
    "-.inf",
    ".NaN",
    "+12",
    "-1",
    "!Ref x",
    "&anchor",
    "*alias",
    "@at",
    "`tick",
    "%directive",
    "- dash",
    "-dash",
    "? key",
    "?q",
    ": colon",
    ":c",
    "# comment",
    "#c",
    "{brace",
    "[bracket",
    "a: b",
    "a #b",
    "a:",
    "",
    " ",
    " lead",
    "trail ",
    "<<",
    "=",
    "---",
    "...",
    "multi\nline\n",
    "multi\nline",
    "trailing\n\n",
    "\n\nleading",
    "  indented\nfirst\n",
    "tab\there",
    "\ttab",
    "cr\r\nlf",
    "nel\u{85}x",
    "ls\u{2028}x",
    "bom\u{feff}x",
    "quote's",
    "\"dq\"",
    "back\\slash",
    "unicode é ü 日本",
    "emoji 🚀",
    "\u{7f}del",
    "arn:aws:s3:::bucket/*",
    "${AWS::Region}",
    "a,b",
    "[a, b]",
    "{a: b}",
    "line \nspace",
];

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9]{0,8}"
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TRICKY).prop_map(str::to_owned),
        2 => "[ -~]{0,12}",
        1 => any::<String>(),
    ]
    .prop_filter("dynamic references read back as their own kind", |s| {
        DynamicRef::parse(s).is_none()
    })
}

fn key() -> impl Strategy<Value = String> {
    text().prop_filter("keys that read back as intrinsics", |k| {
        k != "Ref" && k != "Condition" && !k.starts_with("Fn::")
    })
}

fn number() -> impl Strategy<Value = Expr> {
    prop_oneof![
        any::<i64>().prop_map(|n| Expr::Number(n.into())),
        prop::sample::select(vec![0.5, -2.25, 1e-7, 3.0, 1e300, 123456.789, -0.0])
            .prop_map(|f| Expr::Number(serde_json::Number::from_f64(f).unwrap())),
    ]
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        1 => Just(Expr::Null),
        1 => any::<bool>().prop_map(Expr::Bool),
        1 => number(),
        6 => text().prop_map(Expr::String),
        2 => id().prop_map(Expr::Ref),
        1 => prop::sample::select(Pseudo::ALL.to_vec()).prop_map(Expr::Pseudo),
        1 => (id(), "[A-Za-z][A-Za-z0-9.]{0,10}").prop_map(|(r, a)| Expr::get_att(r, a)),
        1 => text().prop_map(Expr::sub),
        1 => "[a-z0-9/_-]{1,12}".prop_map(|r| Expr::Dynamic(DynamicRef {
            service: DynamicService::Ssm,
            reference: r
        })),
        1 => "[a-z0-9-]{1,8}".prop_map(|s| Expr::secret(s, "token")),
    ]
}

/// A property value.
pub fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        let b = || inner.clone().prop_map(Box::new);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Expr::List),
            prop::collection::vec((key(), inner.clone()), 0..4)
                .prop_map(|kv| Expr::Map(kv.into_iter().collect())),
            (text(), prop::collection::vec((id(), inner.clone()), 0..3)).prop_map(|(t, v)| {
                Expr::Sub {
                    template: t,
                    vars: v.into_iter().collect(),
                }
            }),
            (text(), b()).prop_map(|(d, v)| Expr::Join {
                delimiter: d,
                values: v
            }),
            (b(), b()).prop_map(|(i, l)| Expr::Select { index: i, list: l }),
            (text(), b()).prop_map(|(d, s)| Expr::Split {
                delimiter: d,
                source: s
            }),
            (id(), b(), b()).prop_map(|(c, t, o)| Expr::If {
                condition: c,
                then: t,
                otherwise: o
            }),
            (id(), b(), b()).prop_map(|(m, t, s)| Expr::FindInMap {
                map: m,
                top: t,
                second: s
            }),
            b().prop_map(Expr::ImportValue),
            b().prop_map(Expr::Base64),
            b().prop_map(Expr::GetAzs),
            (b(), b(), b()).prop_map(|(block, count, bits)| Expr::Cidr { block, count, bits }),
        ]
    })
}

/// A condition expression.
pub fn condition() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        id().prop_map(Expr::Condition),
        (leaf(), leaf()).prop_map(|(a, b)| Expr::equals(a, b)),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 1..3).prop_map(Expr::Or),
            inner.prop_map(|c| !c),
        ]
    })
}

fn logical_id() -> impl Strategy<Value = LogicalId> {
    id().prop_map(|s| LogicalId::new(s).unwrap())
}

fn parameter() -> impl Strategy<Value = Parameter> {
    (
        prop::sample::select(vec![
            ParameterType::String,
            ParameterType::Number,
            ParameterType::CommaDelimitedList,
            ParameterType::Ssm("AWS::SSM::Parameter::Value<String>".into()),
        ]),
        prop::option::of(text()),
        prop::option::of(text()),
        any::<bool>(),
        prop::collection::vec(text(), 0..3),
        prop::option::of(text()),
        prop::option::of(0u32..100),
        prop::option::of(prop::sample::select(vec![0.5, 10.0, -3.0])),
    )
        .prop_map(
            |(kind, description, default, no_echo, allowed, pattern, len, value)| {
                let mut p = Parameter::new(kind);
                p.description = description;
                p.default = default;
                p.no_echo = no_echo;
                p.allowed_values = allowed;
                p.allowed_pattern = pattern;
                p.min_length = len;
                p.max_length = len.map(|l| l + 5);
                p.min_value = value;
                p.max_value = value.map(|v| v + 1.0);
                p
            },
        )
}

fn resource() -> impl Strategy<Value = Resource> {
    (
        "AWS::[A-Z][a-z]{1,6}::[A-Z][a-z]{1,8}",
        prop::collection::vec((key(), expr()), 0..4),
        prop::collection::vec(id(), 0..3),
        prop::option::of(id()),
        prop::option::of(prop::sample::select(vec![
            Policy::Retain,
            Policy::Delete,
            Policy::Snapshot,
        ])),
        prop::collection::vec((key(), expr()), 0..2),
    )
        .prop_map(|(kind, props, deps, cond, policy, meta)| {
            let mut r = Resource::new(kind);
            r.properties = props.into_iter().collect();
            r.depends_on = deps;
            r.condition = cond;
            r.deletion_policy = policy;
            r.update_replace_policy = policy;
            r.metadata = meta.into_iter().collect();
            r
        })
}

fn output() -> impl Strategy<Value = Output> {
    (
        prop::option::of(text()),
        expr(),
        prop::option::of(expr()),
        prop::option::of(id()),
    )
        .prop_map(|(description, value, export, condition)| Output {
            description,
            value,
            export,
            condition,
        })
}

/// A whole template.
pub fn template() -> impl Strategy<Value = Template> {
    (
        prop::option::of(text()),
        prop::collection::vec((key(), expr()), 0..2),
        prop::collection::vec((logical_id(), parameter()), 0..3),
        prop::collection::vec(
            (
                logical_id(),
                prop::collection::vec((key(), prop::collection::vec((key(), expr()), 1..3)), 1..3),
            ),
            0..2,
        ),
        prop::collection::vec((logical_id(), condition()), 0..3),
        prop::collection::vec((logical_id(), resource()), 0..5),
        prop::collection::vec((logical_id(), output()), 0..3),
    )
        .prop_map(
            |(description, metadata, parameters, mappings, conditions, resources, outputs)| {
                Template {
                    format_version: Some(pipewright::template::FORMAT_VERSION.to_owned()),
                    description,
                    metadata: metadata.into_iter().collect(),
                    parameters: parameters.into_iter().collect(),
                    mappings: mappings
                        .into_iter()
                        .map(|(id, tops)| {
                            let m: IndexMap<String, IndexMap<String, Expr>> = tops
                                .into_iter()
                                .map(|(k, seconds)| (k, seconds.into_iter().collect()))
                                .collect();
                            (id, m)
                        })
                        .collect(),
                    conditions: conditions.into_iter().collect(),
                    resources: resources.into_iter().collect(),
                    outputs: outputs.into_iter().collect(),
                    verbatim: IndexMap::new(),
                }
            },
        )
}

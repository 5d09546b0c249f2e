//! Emit → read gives back the same model, for YAML and JSON.

use crate::generate;
use pipewright::template::{json, reader, yaml};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn yaml_round_trips(t in generate::template()) {
        let body = yaml::to_string(&t);
        let back = reader::parse_yaml(&body)
            .map_err(|e| TestCaseError::fail(format!("{e}\n---\n{body}")))?;
        prop_assert_eq!(back, t, "\n---\n{}", body);
    }

    #[test]
    fn json_round_trips(t in generate::template()) {
        let body = json::to_string(&t);
        let back = reader::parse(&body)
            .map_err(|e| TestCaseError::fail(format!("{e}\n---\n{body}")))?;
        prop_assert_eq!(back, t);
    }

    #[test]
    fn emitting_is_deterministic(t in generate::template()) {
        prop_assert_eq!(yaml::to_string(&t), yaml::to_string(&t.clone()));
        prop_assert_eq!(json::to_string(&t), json::to_string(&t.clone()));
    }
}

#[test]
fn every_tricky_string_round_trips_as_a_value_and_a_key() {
    use pipewright::template::{Expr, LogicalId, Resource, Template};
    for s in generate::TRICKY {
        let mut t = Template {
            format_version: Some(pipewright::template::FORMAT_VERSION.into()),
            ..Template::default()
        };
        let r = Resource::new("AWS::SNS::Topic")
            .property("Value", Expr::from(*s))
            .property(*s, Expr::from(1));
        t.resources.insert(LogicalId::new("R").unwrap(), r);
        let body = yaml::to_string(&t);
        assert_eq!(reader::parse_yaml(&body).unwrap(), t, "{s:?}:\n{body}");
    }
}

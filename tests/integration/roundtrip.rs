//! Emit → read gives back the same model, for YAML and JSON; and what is
//! emitted for a fixed set of templates is committed, so output that
//! changes between processes (HashMap order, an address, a time) or
//! between versions fails a test.

use crate::generate;
use pipewright::template::{json, reader, yaml};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

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
}

/// Templates from a fixed seed: the same ones in every process.
fn seeded(n: usize) -> Vec<pipewright::template::Template> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]),
    );
    let strategy = generate::template();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[test]
fn emitted_output_matches_the_committed_output() {
    // Emitting in another process (another HashMap seed, other addresses)
    // must give the committed bytes; each is also read back to the model.
    for (i, t) in seeded(4).iter().enumerate() {
        let body = yaml::to_string(t);
        assert_eq!(&reader::parse_yaml(&body).unwrap(), t, "{body}");
        insta::assert_snapshot!(format!("seeded_{i}_yaml"), body);
        let body = json::to_string(t);
        assert_eq!(&reader::parse(&body).unwrap(), t, "{body}");
        insta::assert_snapshot!(format!("seeded_{i}_json"), body);
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

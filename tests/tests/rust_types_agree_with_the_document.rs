//! Every component schema of the corrected document agrees with the
//! `schemars` schema of the Rust type that stands for it.

use ei_conformance_tests::document::Document;
use ei_conformance_tests::rust_types::RUST_TYPES;
use ei_conformance_tests::schema_agreement::disagreements;
use std::collections::BTreeSet;

#[test]
fn every_component_of_the_document_has_exactly_one_rust_type_in_the_list() {
    let components: BTreeSet<String> = Document::get().component_schemas().into_keys().collect();
    let listed: Vec<&str> = RUST_TYPES.iter().map(|rust| rust.component).collect();
    let unique: BTreeSet<String> = listed.iter().map(|name| (*name).to_owned()).collect();
    assert_eq!(listed.len(), unique.len(), "a component is listed twice: {listed:?}");
    let missing: Vec<_> = components.difference(&unique).collect();
    let extra: Vec<_> = unique.difference(&components).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "components with no Rust type listed: {missing:?}; listed but not in the document: {extra:?}"
    );
}

#[test]
fn every_component_schema_agrees_with_its_rust_types_json_schema() {
    let found = disagreements(Document::get());
    assert!(found.is_empty(), "{} disagreements:\n{}", found.len(), found.join("\n"));
}

//! The labelled evaluation set as a gate: CI fails below precision 0.95 or
//! recall 0.90 (`cargo run --example evaluate` prints the same report).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use newsfeed_tagging::evaluation::{EvalSet, evaluate};
use newsfeed_tagging::{Tagger, Taxonomy};

#[test]
fn default_taxonomy_meets_the_bar_on_the_labelled_stories() {
    let set = EvalSet::default_set().unwrap();
    assert!(set.stories.len() >= 60, "{} stories", set.stories.len());
    let report = evaluate(&Tagger::new(Taxonomy::default_taxonomy().unwrap()), &set).unwrap();
    println!("{report}");
    assert!(report.passes(), "{report}");
}

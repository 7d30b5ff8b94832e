//! The editors' YAML file as written: field for field what `TAXONOMY.md`
//! documents, before any cross-checking.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{CaseRule, ConceptKind, Namesake};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTaxonomy {
    pub(crate) version: String,
    pub(crate) base_uri: String,
    /// Given names: a place name right after one is a person's surname
    /// ("Whitney Houston", "Denzel Washington").
    #[serde(default)]
    pub(crate) given_names: Vec<String>,
    #[serde(default)]
    pub(crate) concepts: Vec<RawConcept>,
}

/// One concept as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConcept {
    pub(crate) id: String,
    pub(crate) kind: ConceptKind,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) uri: Option<String>,
    #[serde(default)]
    pub(crate) broader: Vec<String>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    #[serde(default)]
    pub(crate) inflections: Vec<String>,
    #[serde(default)]
    pub(crate) acronyms: Vec<String>,
    #[serde(default)]
    pub(crate) case: CaseRule,
    #[serde(default)]
    pub(crate) exclude: Vec<String>,
    #[serde(default)]
    pub(crate) namesake: Option<Namesake>,
    #[serde(default)]
    pub(crate) surnames: Vec<String>,
    /// For a person the news calls by surname alone: the surnames count
    /// without the full name (see `Form::LoneSurname`).
    #[serde(default)]
    pub(crate) known_by_surname: bool,
    /// Names by language (`ru: [Москва, Москвы, ...]`), used only in stories of that language.
    #[serde(default)]
    pub(crate) names_in: BTreeMap<String, Vec<String>>,
    /// Surnames by language.
    #[serde(default)]
    pub(crate) surnames_in: BTreeMap<String, Vec<String>>,
    /// Inflections by language: the demonyms and adjectives of a place as
    /// that language writes them, lowercase as often as not (French
    /// `ivoirien`, Russian `российский`).
    #[serde(default)]
    pub(crate) inflections_in: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub(crate) when: Option<RawWhen>,
    /// For a top-level topic: how much its cues weigh in choosing the
    /// story's leading subject (1 when absent).
    #[serde(default)]
    pub(crate) subject_weight: Option<f64>,
}

/// A co-occurrence condition as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWhen {
    #[serde(default)]
    pub(crate) all_of: Vec<Vec<String>>,
    #[serde(default)]
    pub(crate) any_of: Vec<String>,
    #[serde(default)]
    pub(crate) min_distinct: Option<usize>,
    #[serde(default)]
    pub(crate) none_of: Vec<String>,
    #[serde(default)]
    pub(crate) unless_any_of: Vec<String>,
    #[serde(default)]
    pub(crate) tag_from: Option<usize>,
}

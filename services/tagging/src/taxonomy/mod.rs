//! The taxonomy: concepts, their names and their rules, validated and
//! immutable. [`Taxonomy::parse`] is the only way in, so the matcher can
//! trust every reference and rule it is given.

mod checks;
mod error;
mod file;
mod locate;
mod validate;

use serde::Deserialize;

pub use error::{Problem, TaxonomyError};

/// The shipped taxonomy, compiled into the binary.
const DEFAULT_TAXONOMY: &str = include_str!("../../taxonomy/default.yaml");

/// What a concept is; decides where `enrich` files it in the article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConceptKind {
    /// A subject area, usually an IPTC Media Topic.
    Topic,
    /// An ongoing news story ("Protests in Kazakhstan").
    Story,
    /// A country, city or region.
    Place,
    /// A person.
    Person,
    /// An organisation or alliance.
    #[serde(alias = "organization")]
    Organisation,
}

/// How a concept's names must be capitalised to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseRule {
    /// Any capitalisation ("russia", "RUSSIA").
    #[default]
    Insensitive,
    /// The first letter must be a capital: "Turkey" but not "turkey".
    #[serde(alias = "capitalized")]
    Capitalised,
    /// Exactly as written: "UN" but not "un" or "Un".
    Exact,
}

/// The concept's name is also a person's name, so a neighbouring capitalised
/// word means a person, not the concept ("Chad Smith", "Michael Jordan").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Namesake {
    /// Also a given name: skip it when a capitalised word follows.
    Given,
    /// Also a surname: skip it when a capitalised word precedes.
    Surname,
    /// Both.
    Both,
}

/// How a name pattern relates to its concept; drives confidence and relevance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The name or an alias.
    Name,
    /// A demonym or adjective ("Russian").
    Inflection,
    /// An acronym, matched exactly as written.
    Acronym,
    /// A person's surname, counted only when the full name is in the story.
    Surname,
    /// The surname of a person the news calls by it alone (`known_by_surname`:
    /// "Putin", "Macron"): counted on its own, unless a capitalised word
    /// other than a title comes right before it ("Melania Trump"), where it
    /// is another's and counts as a [`Form::Surname`].
    LoneSurname,
}

/// One string that names a concept.
#[derive(Debug, Clone)]
pub(crate) struct NamePattern {
    pub(crate) text: String,
    pub(crate) case: CaseRule,
    pub(crate) form: Form,
    /// The story language it is used in (an index into the taxonomy's
    /// languages, from 1), or 0 for every story.
    pub(crate) lang: u8,
}

/// One item of a co-occurrence group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Term {
    /// A word or phrase; `prefix` when written with a trailing `*`.
    Word { text: String, prefix: bool },
    /// Another concept, found by its own rules (or implied by a narrower one).
    Concept(u32),
}

/// A co-occurrence condition over the whole story.
#[derive(Debug, Clone, Default)]
pub(crate) struct Condition {
    /// Every group needs at least one item present.
    pub(crate) all_of: Vec<Vec<Term>>,
    /// At least `min_distinct` different items present (when not empty).
    pub(crate) any_of: Vec<Term>,
    pub(crate) min_distinct: usize,
    /// No item may be present...
    pub(crate) none_of: Vec<Term>,
    /// ...unless one of these is.
    pub(crate) unless_any_of: Vec<Term>,
    /// Distinct items (its own and its narrower topics') below which a topic
    /// is tagged only as the story's leading subject; 0 for no such floor.
    pub(crate) tag_from: usize,
}

impl Condition {
    /// Every term of the condition, positive and negative.
    pub(crate) fn terms(&self) -> impl Iterator<Item = &Term> {
        self.all_of
            .iter()
            .flatten()
            .chain(&self.any_of)
            .chain(&self.none_of)
            .chain(&self.unless_any_of)
    }
}

/// One concept of a taxonomy.
#[derive(Debug, Clone)]
pub struct Concept {
    pub(crate) id: String,
    pub(crate) kind: ConceptKind,
    pub(crate) name: String,
    pub(crate) uri: String,
    pub(crate) broader: Vec<u32>,
    pub(crate) names: Vec<NamePattern>,
    pub(crate) exclude: Vec<String>,
    pub(crate) namesake: Option<Namesake>,
    pub(crate) when: Option<Condition>,
    /// Names that are also common words or other names: lower confidence.
    pub(crate) ambiguous: bool,
    /// For a top-level topic, its cues' weight in choosing the leading
    /// subject, in percent (100 unless the taxonomy says otherwise).
    pub(crate) subject_weight: i32,
}

impl Concept {
    /// For a top-level topic, how much its cues count in choosing the
    /// leading subject, in percent (`subject_weight`).
    pub fn subject_weight(&self) -> i32 {
        self.subject_weight
    }

    /// The editors' id, e.g. `place/kazakhstan`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// What it is.
    pub fn kind(&self) -> ConceptKind {
        self.kind
    }
    /// Display name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its complete URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// A topic with no broader one: the 17 of IPTC in the default
    /// taxonomy, among which the leading subject is chosen.
    pub(crate) fn is_top_level_topic(&self) -> bool {
        self.kind == ConceptKind::Topic && self.broader.is_empty()
    }
}

impl Concept {
    /// Every string that names it (name, aliases, demonyms, acronyms, surnames).
    pub fn match_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| n.text.as_str())
    }
}

impl Taxonomy {
    /// The ids of a concept's broader concepts.
    pub fn broader_of<'a>(&'a self, concept: &'a Concept) -> impl Iterator<Item = &'a str> + 'a {
        concept
            .broader
            .iter()
            .filter_map(|&b| self.concepts.get(b as usize))
            .map(|c| c.id.as_str())
    }
}

/// A validated, immutable taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    pub(crate) version: String,
    /// The languages of `names_in`, lowercase: name pattern `lang` `i` is `languages[i - 1]`.
    pub(crate) languages: Vec<String>,
    pub(crate) concepts: Vec<Concept>,
    /// Given names as written, sorted: a place name right after one is a
    /// person's surname.
    pub(crate) given_names: Vec<String>,
    /// Concepts with a `when` condition, each after the concepts it refers to.
    pub(crate) rule_order: Vec<u32>,
}

impl Taxonomy {
    /// The taxonomy shipped with the engine (`taxonomy/default.yaml`).
    pub fn default_taxonomy() -> Result<Taxonomy, TaxonomyError> {
        Self::parse(DEFAULT_TAXONOMY, "default.yaml")
    }

    /// Reads and validates an editors' file.
    pub fn load(path: &std::path::Path) -> Result<Taxonomy, TaxonomyError> {
        let source = std::fs::read_to_string(path).map_err(|source| TaxonomyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let origin = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self::parse(&source, &origin)
    }

    /// Validates a taxonomy; `origin` names the file in error messages.
    pub fn parse(source: &str, origin: &str) -> Result<Taxonomy, TaxonomyError> {
        validate::parse(source, origin)
    }

    /// The index (from 1) of a story language such as `ru` or `ru-KZ` among
    /// the taxonomy's languages, or 0 when it has no names of its own.
    pub(crate) fn language_index(&self, tag: &str) -> u8 {
        let primary = tag.split(['-', '_']).next().unwrap_or(tag);
        self.languages
            .iter()
            .position(|l| l.eq_ignore_ascii_case(primary))
            .map_or(0, |i| u8::try_from(i + 1).unwrap_or(0))
    }

    /// The version the editors gave the file.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Number of concepts.
    pub fn len(&self) -> usize {
        self.concepts.len()
    }

    /// True when there are no concepts.
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// All concepts, in file order.
    pub fn concepts(&self) -> impl ExactSizeIterator<Item = &Concept> {
        self.concepts.iter()
    }

    /// The concept with this id.
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.id == id)
    }

    /// The concept with this URI.
    pub fn concept_by_uri(&self, uri: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.uri == uri)
    }
}

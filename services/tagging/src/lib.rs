//! The Newsfeed tagging engine: finds the topics, ongoing stories, places,
//! people and organisations a ninjs article is about, with evidence spans,
//! from an editor-maintained taxonomy. Pure: no I/O beyond reading a
//! taxonomy file.
//!
//! - [`taxonomy`] — the editors' YAML file ([`Taxonomy`]), validated on load
//!   with errors naming file, line and concept ([`TaxonomyError`]); the
//!   default taxonomy is compiled in. Format: `TAXONOMY.md`. Inside it:
//!   `file` (the YAML shape), `validate` (cross-checks), `checks` (names,
//!   ids, URIs, cycles), `locate` (lines of concepts), `error`.
//! - `text`: the article's headlines, descriptions and bodies with markup
//!   stripped, and the map back to offsets in the original values; for
//!   text beyond ASCII, its NFKC case-folded form with a word start before
//!   each Han (kana, Thai...) character, and the map back.
//! - `matcher`: one trie of every name (in every language), term and
//!   exclusion, walked from each word start, then the story-language,
//!   word-boundary, case and namesake checks; `trie`: that trie, a double
//!   array of four-byte units.
//! - `rules`: surnames after full names, `all_of`/`any_of`/`none_of`
//!   conditions, broader concepts.
//! - `scoring`: relevance, confidence and the evidence kept per concept;
//!   topics weigh the cues of their whole subtree.
//! - `subjects`: the subject model, a logistic regression over the story's
//!   words trained on the labelled tuning stories
//!   (`taxonomy/subject-model.tsv`), which weighs in with the cue ranks on
//!   which top-level topic leads.
//! - [`tagger`] — [`Tagger`], [`Tagging`] and [`Tag`], the public face, and
//!   the per-thread working memory reused from story to story.
//! - `index_map`: the per-story maps keyed by concept or term index.
//! - `merge`: [`Tagger::enrich`], writing tags into the article idempotently.
//! - [`evaluation`] — precision and recall per language and leading-subject
//!   accuracy over the labelled stories (the tuning set compiled in, the
//!   held-out set in `eval/unseen/`), shared by the `evaluate` example and CI.

pub mod evaluation;
mod index_map;
mod matcher;
mod merge;
mod rules;
mod scoring;
mod sense;
mod subjects;
pub mod tagger;
pub mod taxonomy;
mod text;
mod trie;

pub use tagger::{ENGINE, Tag, Tagger, Tagging};
pub use taxonomy::{CaseRule, Concept, ConceptKind, Namesake, Problem, Taxonomy, TaxonomyError};

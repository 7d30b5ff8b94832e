//! The [`Tagger`]: a taxonomy compiled once, then applied to any number of
//! articles from any number of threads.

use newsfeed_model::{Article, Evidence};

use crate::matcher::{Hit, Matcher};
use crate::rules::Rules;
use crate::scoring::score_all;
use crate::taxonomy::{ConceptKind, Taxonomy};
use crate::text;

/// The engine's name, as written in `creator` and `Enrichment::engine`.
pub const ENGINE: &str = concat!("newsfeed-tagging/", env!("CARGO_PKG_VERSION"));

/// Relevance from which a concept counts as what the story is `about`
/// rather than something it `mentions`.
const ABOUT_FROM: i32 = 50;

/// One concept assigned to a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// What it is; decides the ninjs property it goes in.
    pub kind: ConceptKind,
    /// Display name.
    pub name: String,
    /// Complete URI.
    pub uri: String,
    /// `about` or `mentions`.
    pub rel: String,
    /// How much the story is about it, 0-100.
    pub relevance: i32,
    /// How sure the engine is, 0-100.
    pub confidence: i32,
}

/// Everything the engine says about one story.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tagging {
    /// Tags, most relevant first.
    pub tags: Vec<Tag>,
    /// The spans behind the tags, in reading order per tag.
    pub evidence: Vec<Evidence>,
}

/// A taxonomy compiled into one matcher. Cheap to share (`Send + Sync`).
#[derive(Debug)]
pub struct Tagger {
    taxonomy: Taxonomy,
    matcher: Matcher,
    rules: Rules,
    creator: String,
}

impl Tagger {
    /// Compiles `taxonomy`.
    pub fn new(taxonomy: Taxonomy) -> Tagger {
        let matcher = Matcher::new(&taxonomy);
        let rules = Rules::new(&taxonomy, &matcher);
        let creator = format!("{ENGINE} taxonomy/{}", taxonomy.version());
        Tagger {
            taxonomy,
            matcher,
            rules,
            creator,
        }
    }

    /// The version of the taxonomy in use.
    pub fn taxonomy_version(&self) -> &str {
        self.taxonomy.version()
    }

    /// The taxonomy in use.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// Engine and taxonomy version, e.g. `newsfeed-tagging/0.1.0 taxonomy/2026-11-28.1`.
    pub fn creator(&self) -> String {
        self.creator.clone()
    }

    /// Approximate heap bytes of the compiled matcher (automaton and tables).
    pub fn memory_usage(&self) -> usize {
        self.matcher.memory_usage()
    }

    /// Tags an article. Pure: the article is not changed.
    pub fn tag(&self, article: &Article) -> Tagging {
        let fields = text::fields(article);
        let mut hits: Vec<Hit> = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            self.matcher
                .scan(u16::try_from(i).unwrap_or(u16::MAX), f, &mut hits);
        }
        let found = self.rules.decide(&hits);
        let zones: Vec<_> = fields.iter().map(|f| f.zone).collect();
        let scores = score_all(&self.taxonomy, &found, &hits, &zones);
        let mut order: Vec<(u32, i32)> = scores.iter().map(|(&c, s)| (c, s.relevance)).collect();
        order.sort_unstable_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| self.concept_name(a.0).cmp(self.concept_name(b.0)))
        });
        let mut tagging = Tagging::default();
        for (c, _) in order {
            let (Some(concept), Some(score)) =
                (self.taxonomy.concepts.get(c as usize), scores.get(&c))
            else {
                continue;
            };
            tagging.tags.push(Tag {
                kind: concept.kind,
                name: concept.name.clone(),
                uri: concept.uri.clone(),
                rel: if score.relevance >= ABOUT_FROM {
                    "about"
                } else {
                    "mentions"
                }
                .to_owned(),
                relevance: score.relevance,
                confidence: score.confidence,
            });
            for &h in &score.evidence {
                let hit = hits[h as usize];
                let Some(field) = fields.get(hit.field as usize) else {
                    continue;
                };
                let (offset, length, text) =
                    field.evidence_span(hit.start as usize, hit.end as usize);
                tagging.evidence.push(Evidence {
                    concept_uri: Some(concept.uri.clone()),
                    field: Some(field.pointer.clone()),
                    offset: i32::try_from(offset).ok(),
                    length: i32::try_from(length).ok(),
                    text: Some(text.to_owned()),
                });
            }
        }
        tagging
    }

    fn concept_name(&self, c: u32) -> &str {
        self.taxonomy
            .concepts
            .get(c as usize)
            .map_or("", |c| c.name.as_str())
    }
}

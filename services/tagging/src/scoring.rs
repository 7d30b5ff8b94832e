//! Relevance and confidence (0-100) for each concept found, and the
//! evidence behind it.
//!
//! - Relevance: a named concept starts at 35; each further mention adds 8
//!   (up to 24), a headline mention 30, a description mention 12, a mention
//!   in the first lines of a body 8. Demonyms alone ("Russian") count three
//!   quarters. A concept met by a condition starts at 40, plus 8 per further
//!   item met and 20 when its evidence reaches the headline. A broader
//!   concept gets its narrower's relevance less 20 per level.
//! - Confidence: 95 for a name or alias, 92 an acronym, 85 a demonym, 80 a
//!   surname; 15 less when the name is ambiguous (a common word, a given
//!   name, ...). A condition gives 55 plus 10 per item met, at most 90.

use crate::index_map::{IndexMap, Reset};
use crate::matcher::{Hit, What};
use crate::rules::Found;
use crate::taxonomy::{ConceptKind, Form, Taxonomy};
use crate::text::Zone;

/// Evidence spans listed per concept in the output, the first in reading
/// order: enough to explain a tag, while a long story naming a country
/// twenty times (and the regions above it) does not repeat them all; the
/// last one listed says how many more there are.
pub(crate) const MAX_EVIDENCE: usize = 3;

/// Hits kept per concept for scoring its broader concepts.
const SCORED_EVIDENCE: usize = 16;

/// Relevance lost per level when a narrower concept implies a broader one.
const BROADER_DECAY: i32 = 20;

/// The score of one concept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Score {
    pub(crate) relevance: i32,
    pub(crate) confidence: i32,
    /// For topics: the distinct words and phrases behind it and its narrower topics.
    pub(crate) support: u32,
    /// For topics: the unclamped weight of that evidence, which ranks the
    /// top-level topics for the leading subject (see [`topic_score`]).
    pub(crate) rank: i32,
    /// Indices into the story's hits, in reading order: the first
    /// [`SCORED_EVIDENCE`] (of its own and of each narrower concept).
    pub(crate) evidence: Vec<u32>,
    /// The number of hits behind the concept: its own and those kept for
    /// its narrower concepts.
    pub(crate) total: u32,
}

impl Reset for Score {
    fn reset(&mut self) {
        self.relevance = 0;
        self.confidence = 0;
        self.support = 0;
        self.rank = 0;
        self.evidence.clear();
        self.total = 0;
    }
}

/// Scores every found concept into `scores` (cleared first); `buffer` and
/// `keys` are working space.
pub(crate) fn score_all(
    taxonomy: &Taxonomy,
    found: &IndexMap<Found>,
    hits: &[Hit],
    zones: &[Zone],
    scores: &mut IndexMap<Score>,
    (buffer, keys): (&mut Vec<u32>, &mut Vec<u64>),
) {
    scores.clear();
    let mut scorer = Scorer {
        taxonomy,
        found,
        hits,
        zones,
        memo: scores,
        buffer,
        keys,
    };
    for c in found.keys() {
        scorer.score(c);
    }
}

/// A topic's support (distinct words and phrases), relevance and rank from
/// all the evidence of its subtree, so that a top-level topic weighs every
/// cue of its narrower topics.
///
/// Relevance (shown, 0-100): 40, plus 8 per further distinct cue (up to 5),
/// 1 per repeated mention (up to 4), 12 for a cue in the headline and 8 in
/// the description. (A headline bonus worth more than one cue let a single
/// stray headline word outvote the body.)
///
/// Rank (for choosing the leading subject, unclamped, so that two long
/// stories' topics do not tie at 100 and leave it to the first mention):
/// each distinct cue weighs by where it first stands at best — 3 in the
/// headline, 2 in the description, 1.5 in the body's first lines, 1 further
/// on, half in a caption — and each repeated mention a fifth (up to ten).
fn topic_score(
    hits: &[Hit],
    zones: &[Zone],
    evidence: &[u32],
    keys: &mut Vec<u64>,
) -> (u32, i32, i32) {
    keys.clear();
    keys.extend(evidence.iter().map(|&i| {
        let hit = &hits[i as usize];
        let key = match hit.what {
            What::Term(t) => u64::from(t),
            What::Name { concept, .. } => 1 << 32 | u64::from(concept),
            What::Exclusion { .. } => 2 << 32,
        };
        let place = match zones.get(hit.field as usize).copied().unwrap_or(Zone::Body) {
            Zone::Headline => 0,
            Zone::Description => 1,
            Zone::Body if hit.start < LEAD_BYTES => 2,
            Zone::Body => 3,
            Zone::Caption => 4,
        };
        key << 3 | place
    }));
    keys.sort_unstable();
    let mut distinct = 0;
    let mut rank = 0;
    let mut headline = false;
    let mut description = false;
    let mut previous = u64::MAX;
    for &k in keys.iter() {
        let place = k & 7;
        headline |= place == 0;
        description |= place == 1;
        if k >> 3 != previous {
            previous = k >> 3;
            distinct += 1;
            rank += PLACE_WEIGHT[place as usize];
        }
    }
    let repeats = evidence.len() as i32 - distinct;
    rank += REPEAT_WEIGHT * repeats.clamp(0, 10);
    let relevance = 40
        + 8 * (distinct - 1).clamp(0, 5)
        + repeats.clamp(0, 4)
        + if headline { 12 } else { 0 }
        + if description { 8 } else { 0 };
    (distinct as u32, relevance.clamp(1, 100), rank)
}

/// The body's first lines, where a story states its subject, in bytes.
const LEAD_BYTES: u32 = 300;

/// A distinct cue's weight in a topic's rank (hundredths) by where it
/// stands at best: headline, description, lead, body, caption.
const PLACE_WEIGHT: [i32; 5] = [300, 200, 150, 100, 50];

/// A repeated mention's weight in a topic's rank (hundredths).
const REPEAT_WEIGHT: i32 = 20;

struct Scorer<'a> {
    taxonomy: &'a Taxonomy,
    found: &'a IndexMap<Found>,
    hits: &'a [Hit],
    zones: &'a [Zone],
    memo: &'a mut IndexMap<Score>,
    buffer: &'a mut Vec<u32>,
    keys: &'a mut Vec<u64>,
}

impl Scorer<'_> {
    /// Scores `concept` (after its narrower concepts) into the memo.
    fn score(&mut self, concept: u32) {
        if self.memo.contains_key(concept) {
            return;
        }
        let Some(f) = self.found.get(concept) else {
            return;
        };
        for &n in &f.narrower {
            self.score(n);
        }
        let (mut relevance, mut confidence) = if f.by_rule {
            self.rule_score(f)
        } else if !f.hits.is_empty() {
            self.name_score(concept, f)
        } else {
            (0, 0)
        };
        // Own evidence (empty for a concept found only through narrower ones), then the narrower's.
        let evidence = &mut *self.buffer;
        evidence.clear();
        evidence.extend_from_slice(&f.hits);
        for &n in &f.narrower {
            let Some(inner) = self.memo.get(n) else {
                continue;
            };
            relevance = relevance.max((inner.relevance - BROADER_DECAY).max(5));
            confidence = confidence.max(inner.confidence);
            evidence.extend_from_slice(&inner.evidence);
        }
        let hits = self.hits;
        // A concept found only through one narrower concept has that
        // concept's evidence, already in order and without repeats.
        if !(f.hits.is_empty() && f.narrower.len() == 1) {
            // Hits are numbered in reading order.
            evidence.sort_unstable();
            evidence.dedup();
        }
        let mut support = 0;
        let mut rank = 0;
        let topic = self
            .taxonomy
            .concepts
            .get(concept as usize)
            .filter(|c| c.kind == ConceptKind::Topic);
        if let Some(topic) = topic
            && !evidence.is_empty()
        {
            (support, relevance, rank) = topic_score(hits, self.zones, evidence, self.keys);
            rank = rank * topic.subject_weight / 100;
        }
        let total = evidence.len() as u32;
        evidence.truncate(SCORED_EVIDENCE);
        let s = self.memo.get_or_default(concept);
        s.total = total;
        s.relevance = relevance;
        s.confidence = confidence;
        s.support = support;
        s.rank = rank;
        s.evidence.extend_from_slice(evidence);
    }

    fn zone(&self, hit: u32) -> Zone {
        self.zones
            .get(self.hits[hit as usize].field as usize)
            .copied()
            .unwrap_or(Zone::Body)
    }

    fn placement_bonus(&self, f: &Found, headline: i32, description: i32, early: i32) -> i32 {
        let mut bonus = 0;
        if f.hits.iter().any(|&h| self.zone(h) == Zone::Headline) {
            bonus += headline;
        }
        if f.hits.iter().any(|&h| self.zone(h) == Zone::Description) {
            bonus += description;
        }
        if f.hits
            .iter()
            .any(|&h| self.zone(h) == Zone::Body && self.hits[h as usize].start < 300)
        {
            bonus += early;
        }
        bonus
    }

    /// Relevance and confidence of a concept named in the story.
    fn name_score(&self, concept: u32, f: &Found) -> (i32, i32) {
        let count = f.hits.len() as i32;
        let mut relevance = 35 + (8 * (count - 1)).min(24) + self.placement_bonus(f, 30, 12, 8);
        let forms = f
            .hits
            .iter()
            .filter_map(|&h| match self.hits[h as usize].what {
                What::Name { form, .. } => Some(form),
                _ => None,
            });
        let mut only_inflections = true;
        let mut confidence = 0;
        for form in forms {
            only_inflections &= form == Form::Inflection;
            confidence = confidence.max(match form {
                Form::Name => 95,
                Form::Acronym => 92,
                Form::Inflection => 85,
                Form::Surname | Form::LoneSurname => 80,
            });
        }
        if only_inflections {
            relevance = relevance * 3 / 4;
        }
        if self
            .taxonomy
            .concepts
            .get(concept as usize)
            .is_some_and(|c| c.ambiguous)
        {
            confidence -= 15;
        }
        (relevance.clamp(1, 100), confidence.clamp(1, 100))
    }

    /// Relevance and confidence of a concept whose condition the story met.
    fn rule_score(&self, f: &Found) -> (i32, i32) {
        let extra = (f.distinct as i32 - 1).clamp(0, 4);
        let relevance = 40 + 8 * extra + self.placement_bonus(f, 20, 8, 0);
        let confidence = (55 + 10 * f.distinct as i32).min(90);
        (relevance.clamp(1, 100), confidence)
    }
}

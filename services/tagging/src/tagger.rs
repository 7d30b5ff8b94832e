//! The [`Tagger`]: a taxonomy compiled once, then applied to any number of
//! articles from any number of threads. Each thread keeps its working
//! memory ([`Scratch`]) from story to story, so that tagging allocates only
//! the [`Tagging`] it returns.

use std::cell::RefCell;
use std::cmp::Reverse;

use newsfeed_model::{Article, Evidence};

use crate::index_map::IndexMap;
use crate::matcher::{Ends, Hay, Hit, Matcher};
use crate::rules::{Decisions, Rules};
use crate::scoring::{MAX_EVIDENCE, Score, score_all};
use crate::sense::Sense;
use crate::subjects::{SubjectModel, SubjectScratch};
use crate::taxonomy::{ConceptKind, Taxonomy};
use crate::text::{self, FieldText, Folded, Span, TextPool, Zone};

/// The engine's name, as written in `creator` and `Enrichment::engine`.
pub const ENGINE: &str = concat!("newsfeed-tagging/", env!("CARGO_PKG_VERSION"));

/// Where a concept's first evidence lies, as one number in reading order:
/// of two tags of equal relevance the one the story names first comes first
/// (a story's subject is mostly stated in its headline and first lines).
fn first_mention(hits: &[Hit], evidence: &[u32]) -> u32 {
    evidence
        .first()
        .and_then(|&h| hits.get(h as usize))
        .map_or(u32::MAX, |h| {
            u32::from(h.field) << 24 | h.start.min(0xff_ffff)
        })
}

/// Languages whose stories also use another language's names: Kazakh
/// news writes foreign people and places as Russian does (Путин, Лондон);
/// Japanese writes many places in the Han characters Chinese does (日本,
/// 東京), for a taxonomy without Japanese names of its own.
const LANGUAGE_FALLBACKS: &[(&str, &str)] = &[("kk", "ru"), ("ja", "zh")];

/// With no cue for any top-level topic, the subject model names the
/// leading subject alone only from this many distinct words it knows...
const WORDS_ALONE_MIN_WORDS: usize = 3;
/// ...and when it gives its topic at least this probability. Cross-validated
/// by file on the tuning stories and their briefs, of the 58 without a cue,
/// 36 passed both and 33 of those were right (with 0.5, 13 of 15; with no
/// floor, 43 of 58): about as often as the leading subject is right overall.
/// `train_subjects.py` chooses the same way.
const WORDS_ALONE_MIN_PROB: f32 = 0.3;

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

/// One top-level topic in the running for a story's leading subject, as
/// [`Tagger::subject_explanation`] gives it.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct SubjectExplanation {
    pub name: String,
    /// The cue rank (hundredths).
    pub rank: i32,
    /// ln p(topic | words), by the subject model.
    pub log_prob: f32,
    /// The words that count most for (positive) or against the topic.
    pub words: Vec<(String, f32)>,
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
    sense: Sense,
    /// Per concept, its place in the order of display names (ties broken by
    /// taxonomy order): tags of equal relevance and first mention are
    /// listed in that order.
    name_order: Vec<u32>,
    creator: String,
    /// Weighs the story's words in choosing the leading subject, when the
    /// taxonomy has the topics it was trained on.
    subjects: Option<SubjectModel>,
}

/// The working memory of one tagging, kept per thread between stories.
/// Nothing in it outlives a call of [`Tagger::tag`] but allocations, so one
/// scratch serves every tagger (and taxonomy) the thread uses.
#[derive(Debug, Default)]
struct Scratch {
    text: TextPool,
    /// The folded text of the field being searched, when it is not ASCII.
    folded: Folded,
    /// The field being searched, lowercased, when it is ASCII.
    lower: String,
    ends: Vec<Ends>,
    hits: Vec<Hit>,
    zones: Vec<Zone>,
    decisions: Decisions,
    scores: IndexMap<Score>,
    buffer: Vec<u32>,
    keys: Vec<u64>,
    order: Vec<(i32, u32, u32, u32, u32)>,
    /// Per hit, its evidence span once worked out: a hit is evidence for
    /// its concept and for each broader one.
    spans: Vec<Option<Span>>,
    /// The tags and evidence of the story, before they move into the [`Tagging`].
    tags: Vec<Tag>,
    evidence: Vec<Evidence>,
    /// The subject model's working space.
    subject: SubjectScratch,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

impl Tagger {
    /// Compiles `taxonomy`.
    pub fn new(taxonomy: Taxonomy) -> Tagger {
        let (matcher, terms) = Matcher::new(&taxonomy);
        let rules = Rules::new(&taxonomy, &terms);
        let sense = Sense::new(&taxonomy);
        let creator = format!("{ENGINE} taxonomy/{}", taxonomy.version());
        let mut by_name: Vec<u32> = (0..taxonomy.concepts.len() as u32).collect();
        by_name.sort_by(|&a, &b| {
            let name = |c: u32| taxonomy.concepts[c as usize].name.as_str();
            name(a).cmp(name(b)).then(a.cmp(&b))
        });
        let mut name_order = vec![0; by_name.len()];
        for (place, &c) in by_name.iter().enumerate() {
            name_order[c as usize] = place as u32;
        }
        let subjects = SubjectModel::for_taxonomy(&taxonomy);
        Tagger {
            taxonomy,
            matcher,
            rules,
            sense,
            name_order,
            creator,
            subjects,
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

    /// Engine and taxonomy version, e.g. `newsfeed-tagging/0.1.0 taxonomy/2026-12-04.51`.
    pub fn creator(&self) -> String {
        self.creator.clone()
    }

    /// Approximate heap bytes of the compiled matcher (trie and tables).
    pub fn memory_usage(&self) -> usize {
        self.matcher.memory_usage() + self.rules.memory_usage() + self.name_order.len() * 4
    }

    /// Sets the `subject_weight` (in percent) of top-level topic `id`, for
    /// tools that fit the weights to labelled stories without compiling
    /// the matcher again; false when there is no such topic.
    #[doc(hidden)]
    pub fn set_subject_weight(&mut self, id: &str, percent: i32) -> bool {
        let topic = self
            .taxonomy
            .concepts
            .iter_mut()
            .find(|c| c.id == id && c.is_top_level_topic());
        topic.map(|c| c.subject_weight = percent).is_some()
    }

    /// The story's leading subject: the top-level topic [`Tagger::tag`]
    /// lists first among them, found without writing out the tags.
    pub fn leading_subject(&self, article: &Article) -> Option<&crate::Concept> {
        let leader = |scratch: &mut Scratch| {
            self.scored(article, scratch, |fields, scratch| {
                self.leader(fields, &scratch.hits, &scratch.scores, &mut scratch.subject)
            })
        };
        let leader = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => leader(&mut scratch),
            Err(_) => leader(&mut Scratch::default()),
        });
        leader.and_then(|(c, _)| self.taxonomy.concepts.get(c as usize))
    }

    /// What the subject model reads of a story, for training it
    /// (`examples/subject_corpus.rs`): its words as the model cuts them, and
    /// the URI and cue rank of each top-level topic with cue evidence.
    #[doc(hidden)]
    pub fn subject_inputs(&self, article: &Article) -> (Vec<String>, Vec<(String, i32)>) {
        let mut scratch = Scratch::default();
        self.scored(article, &mut scratch, |fields, scratch| {
            let mut words = Vec::new();
            crate::subjects::for_each_story_word(fields, |w| words.push(w.to_owned()));
            let ranks = scratch
                .scores
                .iter()
                .filter_map(|(c, s)| {
                    let k = self.taxonomy.concepts.get(c as usize)?;
                    (k.is_top_level_topic() && s.rank > 0).then(|| (k.uri.clone(), s.rank))
                })
                .collect();
            (words, ranks)
        })
    }

    /// For tools that explain the leading subject: each top-level topic the
    /// cues found, with its cue rank, the subject model's log-probability
    /// and the words that count most for or against it; then the leading
    /// subject, with rank 0, when the words chose it without cues.
    #[doc(hidden)]
    pub fn subject_explanation(&self, article: &Article) -> Vec<SubjectExplanation> {
        let mut scratch = Scratch::default();
        self.scored(article, &mut scratch, |fields, scratch| {
            let Some(model) = &self.subjects else {
                return Vec::new();
            };
            // The leader as tagging chooses it; that also leaves the
            // model's log-probabilities and the cue-ranked topics in scratch.
            let leader = self
                .leader(fields, &scratch.hits, &scratch.scores, &mut scratch.subject)
                .map(|(c, _)| c);
            let SubjectScratch {
                log_probs, ranked, ..
            } = &scratch.subject;
            let explain = |c: u32, rank: i32| {
                let k = self.taxonomy.concepts.get(c as usize)?;
                Some(SubjectExplanation {
                    name: k.name.clone(),
                    rank,
                    log_prob: model.log_prob_of(log_probs, c)?,
                    words: model.contributions(fields, c, 6),
                })
            };
            let mut out: Vec<SubjectExplanation> = ranked
                .iter()
                .filter_map(|&(c, rank)| explain(c, rank))
                .collect();
            out.sort_by_key(|e| std::cmp::Reverse(e.rank));
            // A leading subject the words chose without cues, last, rank 0.
            if let Some(c) = leader
                && !ranked.iter().any(|&(r, _)| r == c)
                && let Some(e) = explain(c, 0)
            {
                out.push(e);
            }
            out
        })
    }

    /// Drops the subject model, so that the leading subject is chosen by
    /// the cue ranks alone: for tools that fit the cues' own weights.
    #[doc(hidden)]
    pub fn without_subject_model(mut self) -> Tagger {
        self.subjects = None;
        self
    }

    /// Tags an article. Pure: the article is not changed.
    pub fn tag(&self, article: &Article) -> Tagging {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut scratch) => self.tag_in(article, &mut scratch),
            // Only if tagging ever called itself on this thread.
            Err(_) => self.tag_in(article, &mut Scratch::default()),
        })
    }

    fn tag_in(&self, article: &Article, scratch: &mut Scratch) -> Tagging {
        self.scored(article, scratch, |fields, scratch| {
            self.tagging(fields, scratch)
        })
    }

    /// Matches, decides and scores `article` into `scratch`, then hands
    /// its fields and the scores to `then`.
    fn scored<R>(
        &self,
        article: &Article,
        scratch: &mut Scratch,
        then: impl FnOnce(&[FieldText<'_>], &mut Scratch) -> R,
    ) -> R {
        let fields = text::fields(article, &mut scratch.text);
        scratch.hits.clear();
        scratch.zones.clear();
        let langs = self.story_languages(article, &fields);
        for (i, f) in fields.iter().enumerate() {
            let folded = if f.clean.is_ascii() {
                scratch.lower.clear();
                scratch.lower.push_str(&f.clean);
                scratch.lower.make_ascii_lowercase();
                None
            } else {
                scratch.folded.fold_from(&f.clean);
                Some(&scratch.folded)
            };
            let hay = Hay {
                field: u16::try_from(i).unwrap_or(u16::MAX),
                clean: &f.clean,
                lower: &scratch.lower,
                folded,
                langs,
            };
            self.matcher.scan(hay, &mut scratch.ends, &mut scratch.hits);
            scratch.zones.push(f.zone);
        }
        self.sense.apply(&self.taxonomy, &fields, &mut scratch.hits);
        // Hits in reading order, so that their indices are: the scan finds
        // them so, a region the sense reads in a run of names comes last.
        if !scratch.hits.is_sorted_by_key(|h| (h.field, h.start)) {
            scratch.hits.sort_by_key(|h| (h.field, h.start));
        }
        self.rules.decide(&scratch.hits, &mut scratch.decisions);
        score_all(
            &self.taxonomy,
            &scratch.decisions.found,
            &scratch.hits,
            &scratch.zones,
            &mut scratch.scores,
            (&mut scratch.buffer, &mut scratch.keys),
        );
        let out = then(&fields, scratch);
        scratch.text.recycle(fields);
        out
    }

    /// The story's leading subject and the relevance it is listed with:
    /// the top-level topic of highest rank (then relevance, then first
    /// mention), raised to the relevance of the most relevant top-level
    /// topic.
    fn leader(
        &self,
        fields: &[FieldText<'_>],
        hits: &[Hit],
        scores: &IndexMap<Score>,
        work: &mut SubjectScratch,
    ) -> Option<(u32, i32)> {
        let is_top = |c: u32| {
            self.taxonomy
                .concepts
                .get(c as usize)
                .is_some_and(crate::Concept::is_top_level_topic)
        };
        let mut leader = None;
        let mut lead_relevance = 0;
        work.ranked.clear();
        for (c, s) in scores.iter().filter(|&(c, _)| is_top(c)) {
            lead_relevance = lead_relevance.max(s.relevance);
            if s.rank > 0 {
                work.ranked.push((c, s.rank));
            }
            let key = (
                s.rank,
                s.relevance,
                Reverse(first_mention(hits, &s.evidence)),
                Reverse(self.name_order[c as usize]),
            );
            if leader.as_ref().is_none_or(|(_, best)| key > *best) {
                leader = Some((c, key));
            }
        }
        let mut leader = leader.map(|(c, _)| c);
        // Once the cues find a top-level topic, the words have a say, and
        // every topic of the model is in the running. Without a cue, the
        // words alone choose when the model knows enough of them and is
        // sure enough.
        if let Some(model) = &self.subjects
            && (!work.ranked.is_empty() || leader.is_none())
        {
            let mut log_probs = std::mem::take(&mut work.log_probs);
            model.log_probs(fields, work, &mut log_probs);
            if !work.ranked.is_empty() {
                leader = model.lead(&log_probs, &work.ranked).or(leader);
            } else if work.seen.len() >= WORDS_ALONE_MIN_WORDS {
                leader = model.lead(&log_probs, &[]).filter(|&c| {
                    model
                        .log_prob_of(&log_probs, c)
                        .is_some_and(|lp| lp >= WORDS_ALONE_MIN_PROB.ln())
                });
            }
            work.log_probs = log_probs;
        }
        leader.map(|c| (c, lead_relevance))
    }

    /// The story's language as the taxonomy numbers them, and the one whose
    /// names it also uses: its `language`, or else the script of its first
    /// letters beyond ASCII ([`script_language`]); 0 when the taxonomy has
    /// no names of that language.
    fn story_languages(&self, article: &Article, fields: &[FieldText<'_>]) -> [u8; 2] {
        let tag = article
            .language
            .as_deref()
            .or_else(|| script_language(fields));
        let Some(tag) = tag else { return [0, 0] };
        let primary = tag.split(['-', '_']).next().unwrap_or(tag);
        let also = LANGUAGE_FALLBACKS
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(primary))
            .map_or(0, |(_, other)| self.taxonomy.language_index(other));
        [self.taxonomy.language_index(tag), also]
    }

    /// The scored concepts as tags, most relevant first, with their evidence.
    fn tagging(&self, fields: &[FieldText<'_>], scratch: &mut Scratch) -> Tagging {
        let Scratch {
            hits,
            scores,
            order,
            spans,
            tags,
            evidence,
            subject,
            ..
        } = scratch;
        // The leading subject is listed first among the tags as relevant
        // as the most relevant top-level topic.
        let (leader, lead_relevance) = match self.leader(fields, hits, scores, subject) {
            Some((c, relevance)) => (Some(c), relevance),
            None => (None, 0),
        };
        // A leading subject the words chose without cues: its evidence is
        // the words that weigh most for it, its confidence the model's.
        let mut words_chose = Vec::new();
        if let (Some(c), Some(model)) = (leader, &self.subjects)
            && scores.get(c).is_none()
        {
            let p = model
                .log_prob_of(&subject.log_probs, c)
                .map_or(0.0, f32::exp);
            let score = scores.get_or_default(c);
            score.confidence = ((p * 100.0).round() as i32).clamp(1, 99);
            // As relevant as the most relevant top-level topic; without
            // one (no cue at all), as the model is sure of it.
            score.relevance = if lead_relevance > 0 {
                lead_relevance
            } else {
                score.confidence
            };
            words_chose = model.evidence(fields, c, MAX_EVIDENCE, subject);
        }
        let relevance = |c: u32, s: &Score| {
            if leader == Some(c) {
                s.relevance.max(lead_relevance)
            } else {
                s.relevance
            }
        };
        order.clear();
        order.extend(scores.iter().map(|(c, s)| {
            (
                -relevance(c, s),
                u32::from(leader != Some(c)),
                first_mention(hits, &s.evidence),
                self.name_order[c as usize],
                c,
            )
        }));
        order.sort_unstable();
        tags.clear();
        evidence.clear();
        spans.clear();
        spans.resize(hits.len(), None);
        for &(.., c) in order.iter() {
            let (Some(concept), Some(score)) =
                (self.taxonomy.concepts.get(c as usize), scores.get(c))
            else {
                continue;
            };
            let floor = concept.when.as_ref().map_or(0, |w| w.tag_from);
            if (score.support as usize) < floor && leader != Some(c) {
                continue;
            }
            tags.push(Tag {
                kind: concept.kind,
                name: concept.name.clone(),
                uri: concept.uri.clone(),
                rel: if relevance(c, score) >= ABOUT_FROM {
                    "about"
                } else {
                    "mentions"
                }
                .to_owned(),
                relevance: relevance(c, score),
                confidence: score.confidence,
            });
            if leader == Some(c) {
                for (f, at) in &words_chose {
                    let Some(field) = fields.get(*f) else {
                        continue;
                    };
                    let span = field.span(at.start, at.end);
                    evidence.push(evidence_at(&concept.uri, field, &span, None));
                }
            }
            let listed = score.evidence.len().min(MAX_EVIDENCE);
            for (n, &h) in score.evidence[..listed].iter().enumerate() {
                let hit = hits[h as usize];
                let Some(field) = fields.get(hit.field as usize) else {
                    continue;
                };
                let span = *spans[h as usize]
                    .get_or_insert_with(|| field.span(hit.start as usize, hit.end as usize));
                let more = (n + 1 == listed && score.total as usize > listed)
                    .then(|| i32::try_from(score.total as usize - listed).unwrap_or(i32::MAX));
                evidence.push(evidence_at(&concept.uri, field, &span, more));
            }
        }
        // The vectors are allocated last, after the strings: a large
        // allocation makes glibc's malloc first merge the small chunks freed
        // since the last one (the previous story's strings), which the
        // strings above have by now mostly reused. (Measured: 10-20% less
        // time per short or dense story than allocating them first.)
        let mut tagging = Tagging {
            tags: Vec::with_capacity(tags.len()),
            evidence: Vec::with_capacity(evidence.len()),
        };
        tagging.tags.append(tags);
        tagging.evidence.append(evidence);
        tagging
    }
}

/// The language a story without `language` is most likely in, from the
/// script of the first letter beyond ASCII among the first 64 letters of
/// each field that is not all ASCII: Cyrillic read as Russian, Arabic as
/// Arabic, Greek as Greek, Hebrew as Hebrew, Devanagari as Hindi, Thai as
/// Thai, Georgian and Armenian as themselves; Han as Chinese unless kana
/// (Japanese) or Hangul (Korean) come among those letters too.
fn script_language(fields: &[FieldText<'_>]) -> Option<&'static str> {
    let mut han = false;
    let letters = fields
        .iter()
        // An ASCII field has no letter of those scripts: not read.
        .filter(|f| !f.clean.is_ascii())
        .flat_map(|f| f.clean.chars().filter(|c| c.is_alphabetic()).take(64));
    for c in letters {
        let lang = match c {
            // Kana and Hangul tell Japanese and Korean from Chinese, also
            // after Han characters (a Korean headline's 美 or 北).
            '\u{3040}'..='\u{30ff}' | '\u{ff66}'..='\u{ff9f}' => return Some("ja"),
            '\u{1100}'..='\u{11ff}' | '\u{3130}'..='\u{318f}' | '\u{ac00}'..='\u{d7af}' => {
                return Some("ko");
            }
            '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' => {
                han = true;
                continue;
            }
            _ if han => continue,
            '\u{0400}'..='\u{04ff}' => "ru",
            '\u{0600}'..='\u{06ff}' => "ar",
            '\u{0370}'..='\u{03ff}' | '\u{1f00}'..='\u{1fff}' => "el",
            '\u{0590}'..='\u{05ff}' => "he",
            '\u{0900}'..='\u{097f}' => "hi",
            '\u{0e00}'..='\u{0e7f}' => "th",
            '\u{10a0}'..='\u{10ff}' | '\u{1c90}'..='\u{1cbf}' => "ka",
            '\u{0530}'..='\u{058f}' => "hy",
            _ => continue,
        };
        return Some(lang);
    }
    han.then_some("zh")
}

/// The evidence for the concept at `uri`: `span` of `field`, and `more`
/// spans not listed.
fn evidence_at(uri: &str, field: &FieldText<'_>, span: &Span, more: Option<i32>) -> Evidence {
    Evidence {
        concept_uri: Some(uri.to_owned()),
        field: Some(field.pointer.clone()),
        offset: i32::try_from(span.offset).ok(),
        length: i32::try_from(span.length).ok(),
        text: Some(field.text(span).to_owned()),
        more,
    }
}

//! The subject model: which top-level topic leads a story, read from all of
//! its words as well as from the cues.
//!
//! The cues say which topics a story touches; which one it is mainly about
//! often shows in the words around them ("the bus is my stage" in a story
//! with an opera cue is a portrait, not a review). The model is a
//! multinomial logistic regression over the story's words (TF-IDF with
//! sublinear counts, the headline counted twice), trained on the labelled
//! tuning stories by `taxonomy/train_subjects.py` and written to
//! `taxonomy/subject-model.tsv`. Once the cues find a top-level topic,
//! the leading subject is the top-level topic that maximises
//!
//! ```text
//! ln p(topic | words) + gamma * ln(1 + rank / 100)
//! ```
//!
//! where `rank` is the cue rank that ordered the topics before (see
//! `scoring::topic_score`), 0 for a topic the cues did not find: on the
//! tuning stories, five-fold, 23 more of 5,912 leading subjects right than
//! among the cues' topics alone, and 13 more of 1,960 on the later blind
//! rounds trained on the rounds before each. A leading subject the words
//! chose alone has the words that weigh most for it as its evidence and
//! the model's probability as its confidence. A story whose cues find no
//! top-level topic has none. The model applies only to a taxonomy with
//! every top-level topic it was trained on (matched by URI); other
//! taxonomies rank by the cues alone.
//!
//! The words are the runs of letters, digits and `_` of the cleaned fields,
//! lower-cased, of two characters or more, cut to their first six
//! characters, and the pairs of neighbouring Han characters
//! ([`words_of`]); the training
//! script reads them as this code cuts them (`examples/subject_corpus.rs`),
//! so training and tagging see the same words.

use crate::taxonomy::Taxonomy;
use crate::text::{FieldText, Zone, plain_letter_lowercase};

/// The model trained for the default taxonomy's top-level topics.
const DEFAULT_MODEL: &str = include_str!("../taxonomy/subject-model.tsv");

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// One byte into an FNV-1a hash.
fn fnv_byte(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

/// FNV-1a of a word's bytes.
fn fnv(word: &str) -> u64 {
    word.bytes().fold(FNV_START, fnv_byte)
}

/// The model's words by their 64-bit hash, open addressing. A slot is one
/// `u64`: the hash's upper 48 bits and the word's number in the lower 16,
/// so the table of 16,000 words takes 256 KiB and a lookup reads one or two
/// slots and no string. Two words of the model alike in those 48 bits are
/// refused on load; a word outside it passing for one of its words would
/// take a 48-bit collision.
#[derive(Debug, Default)]
struct Words {
    slots: Vec<u64>,
}

const INDEX_BITS: u32 = 16;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
/// The number of an empty slot; the model holds fewer words.
const EMPTY: u64 = INDEX_MASK;
const MAX_WORDS: usize = EMPTY as usize;

impl Words {
    fn with_capacity(n: usize) -> Words {
        Words {
            slots: vec![EMPTY; (n * 2).next_power_of_two().max(16)],
        }
    }

    /// Adds `word` as number `index`; false when its hash is taken.
    fn insert(&mut self, word: &str, index: u32) -> bool {
        let hash = fnv(word);
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = &mut self.slots[at];
            if *slot & INDEX_MASK == EMPTY {
                *slot = (hash & !INDEX_MASK) | u64::from(index);
                return true;
            }
            if (*slot ^ hash) & !INDEX_MASK == 0 {
                return false;
            }
            at = (at + 1) & mask;
        }
    }

    /// The number of the word whose hash is `hash`.
    fn get(&self, hash: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot & INDEX_MASK == EMPTY {
                return None;
            }
            if (slot ^ hash) & !INDEX_MASK == 0 {
                return Some((slot & INDEX_MASK) as u32);
            }
            at = (at + 1) & mask;
        }
    }

    /// Numbers the words anew: `new[old]`.
    fn renumber(&mut self, new: &[u32]) {
        for slot in &mut self.slots {
            let old = (*slot & INDEX_MASK) as usize;
            if let Some(&n) = new.get(old) {
                *slot = (*slot & !INDEX_MASK) | u64::from(n);
            }
        }
    }
}

/// Working space kept between stories.
#[derive(Debug, Default)]
pub(crate) struct SubjectScratch {
    /// Indices of the known words met, once each.
    pub(crate) seen: Vec<u32>,
    /// Per known word, how often the story uses it (0 for words not in `seen`).
    pub(crate) counts: Vec<u16>,
    pub(crate) log_probs: Vec<f32>,
    /// Top-level topics with cue evidence, and their rank.
    pub(crate) ranked: Vec<(u32, i32)>,
}

#[derive(Debug)]
pub(crate) struct SubjectModel {
    /// The taxonomy's concept for each class.
    topics: Vec<u32>,
    intercepts: Vec<f32>,
    gamma: f32,
    words: Words,
    idf: Vec<f32>,
    /// Row per word, a weight per class.
    weights: Vec<f32>,
}

/// What is wrong with a model file: the line and why.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ModelError(pub(crate) String);

/// How much of a word the model reads: its first six characters, so that
/// "election" and "elections", or a Russian noun's case forms, are one word
/// to it (on the tuning stories, five-fold and a file's stories in one fold:
/// 23 more of 4,432 leading subjects right than with whole words, most of
/// them outside English).
const STEM_CHARS: usize = 6;

/// Han characters: Chinese is written without spaces, so the model reads
/// it by pairs of characters rather than by runs.
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// Calls `f` with the hash ([`fnv`]) of each word of `text` and with the
/// word itself, lower-cased into `buf`, when given one (the empty string
/// without): the lookup path hashes as it reads and copies nothing.
///
/// A word is a run of letters, digits and `_` of two characters or more,
/// lower-cased and cut to its first [`STEM_CHARS`] characters; in a run of
/// Han characters each two neighbours are a word (12 more of the 109
/// Chinese tuning stories right than with whole runs, which are clauses).
fn words_of(
    text: &str,
    buf: Option<&mut String>,
    mut f: impl FnMut(u64, &str, std::ops::Range<usize>),
) {
    let mut word = Word {
        chars: 0,
        kept: 0,
        hash: FNV_START,
        start: 0,
        buf,
    };
    if let Some(b) = word.buf.as_deref_mut() {
        b.clear();
    }
    // The Han character before, and where it starts.
    let mut han: Option<(char, usize)> = None;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        // ASCII, most text: no decoding, no case tables.
        if b.is_ascii() {
            han = None;
            let lower = ASCII_WORD_BYTES[usize::from(b)];
            if lower != 0 {
                word.letter(at);
                if word.kept < STEM_CHARS {
                    word.kept += 1;
                    word.hash = fnv_byte(word.hash, lower);
                    if let Some(buf) = word.buf.as_deref_mut() {
                        buf.push(char::from(lower));
                    }
                }
            } else {
                word.end(at, &mut f);
            }
            at += 1;
            continue;
        }
        let c = text[at..]
            .chars()
            .next()
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        let here = at;
        at += c.len_utf8();
        if is_han(c) {
            word.end(here, &mut f);
            if let Some((first, first_at)) = han {
                let mut utf8 = [0; 4];
                let pair = first
                    .encode_utf8(&mut utf8)
                    .bytes()
                    .fold(FNV_START, fnv_byte);
                let pair = c.encode_utf8(&mut utf8).bytes().fold(pair, fnv_byte);
                match word.buf.as_deref_mut() {
                    Some(b) => {
                        b.push(first);
                        b.push(c);
                        f(pair, b, first_at..at);
                        b.clear();
                    }
                    None => f(pair, "", first_at..at),
                }
            }
            han = Some((c, here));
        } else if let Some(lower) = plain_letter_lowercase(c) {
            // Russian and Arabic letters, without the case tables.
            han = None;
            word.letter(here);
            word.keep(lower);
        } else if c.is_alphanumeric() {
            han = None;
            word.letter(here);
            for lower in c.to_lowercase() {
                word.keep(lower);
            }
        } else {
            han = None;
            word.end(here, &mut f);
        }
    }
    word.end(at, &mut f);
}

/// For each ASCII byte, the byte lower-cased when it is a letter, digit
/// or `_` (a byte of a word), else 0.
const ASCII_WORD_BYTES: [u8; 128] = {
    let mut table = [0; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// The word [`words_of`] is reading.
struct Word<'b> {
    /// Characters so far as written (two make a word).
    chars: usize,
    /// Lower-cased characters hashed (up to [`STEM_CHARS`]).
    kept: usize,
    hash: u64,
    /// Where the word starts in the text.
    start: usize,
    /// The lower-cased word, when the caller wants it written.
    buf: Option<&'b mut String>,
}

impl Word<'_> {
    /// One more character of the word, written at `at`.
    #[inline(always)]
    fn letter(&mut self, at: usize) {
        if self.chars == 0 {
            self.start = at;
        }
        self.chars += 1;
    }

    /// A lower-cased character of the word: hashed (and written) up to
    /// [`STEM_CHARS`].
    #[inline(always)]
    fn keep(&mut self, lower: char) {
        if self.kept < STEM_CHARS {
            self.kept += 1;
            let mut utf8 = [0; 4];
            self.hash = lower
                .encode_utf8(&mut utf8)
                .bytes()
                .fold(self.hash, fnv_byte);
            if let Some(buf) = self.buf.as_deref_mut() {
                buf.push(lower);
            }
        }
    }

    /// Ends the word at `end`: hands it to `f` if it is one, and starts
    /// the next.
    #[inline(always)]
    fn end(&mut self, end: usize, f: &mut impl FnMut(u64, &str, std::ops::Range<usize>)) {
        if self.chars >= 2 {
            f(
                self.hash,
                self.buf.as_deref().map_or("", String::as_str),
                self.start..end,
            );
        }
        if let Some(b) = self.buf.as_deref_mut() {
            b.clear();
        }
        self.hash = FNV_START;
        self.chars = 0;
        self.kept = 0;
    }
}

/// Calls `f` with the hash of each word the model reads in the story's
/// fields, and the word itself when given a buffer: each word of the headline
/// twice, then the description and body; captions are left out. Training
/// ([`for_each_story_word`]) and tagging read the words through this one
/// function.
fn story_words(
    fields: &[FieldText<'_>],
    mut buf: Option<&mut String>,
    mut f: impl FnMut(u64, &str),
) {
    for field in fields {
        let times = match field.zone {
            Zone::Headline => 2,
            Zone::Description | Zone::Body => 1,
            Zone::Caption => 0,
        };
        // Read once, each word counted `times` over.
        if times > 0 {
            words_of(&field.clean, buf.as_deref_mut(), |h, w, _| {
                for _ in 0..times {
                    f(h, w);
                }
            });
        }
    }
}

/// Calls `f` with each word the model reads in the story's fields, as
/// [`story_words`] reads them.
pub(crate) fn for_each_story_word(fields: &[FieldText<'_>], mut f: impl FnMut(&str)) {
    story_words(fields, Some(&mut String::new()), |_, w| f(w));
}

impl SubjectModel {
    /// The default model, when `taxonomy` has every topic it was trained on.
    pub(crate) fn for_taxonomy(taxonomy: &Taxonomy) -> Option<SubjectModel> {
        SubjectModel::parse(DEFAULT_MODEL, taxonomy).ok().flatten()
    }

    /// Reads a model file; `Ok(None)` when the taxonomy lacks one of its
    /// topics as a top-level topic (then only the `topics` line is read).
    pub(crate) fn parse(
        text: &str,
        taxonomy: &Taxonomy,
    ) -> Result<Option<SubjectModel>, ModelError> {
        let mut topics = Vec::new();
        let mut listed = 0;
        let mut intercepts = Vec::new();
        let mut gamma = None;
        let entries = text.lines().filter(|l| l.starts_with("word\t")).count();
        if entries >= MAX_WORDS {
            return Err(ModelError(format!(
                "{entries} words; a model holds fewer than {MAX_WORDS}"
            )));
        }
        let mut words = Words::with_capacity(entries);
        let mut idf = Vec::new();
        let mut weights = Vec::new();
        let numbers = |line: usize, fields: &[&str]| -> Result<Vec<f32>, ModelError> {
            fields
                .iter()
                .map(|f| {
                    f.parse::<f32>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| ModelError(format!("line {line}: `{f}` is not a number")))
                })
                .collect()
        };
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            match fields[0] {
                "topics" => {
                    if listed > 0 {
                        return Err(ModelError(format!("line {n}: a second `topics` line")));
                    }
                    if fields.len() < 3 {
                        return Err(ModelError(format!("line {n}: fewer than two topics")));
                    }
                    listed = fields.len() - 1;
                    for uri in &fields[1..] {
                        let found = taxonomy
                            .concepts
                            .iter()
                            .position(|c| c.uri == *uri && c.is_top_level_topic());
                        // Not this taxonomy's model: the rest need not be read.
                        let Some(i) = found else { return Ok(None) };
                        topics.push(i as u32);
                    }
                }
                "intercepts" => intercepts = numbers(n, &fields[1..])?,
                "gamma" => gamma = numbers(n, &fields[1..])?.first().copied(),
                // A story's words and the trainer's log-probabilities, for the tests.
                "check" => {}
                "word" => {
                    if fields.len() != listed + 3 || listed < 2 {
                        return Err(ModelError(format!(
                            "line {n}: a word needs its idf and one weight per topic"
                        )));
                    }
                    let values = numbers(n, &fields[2..])?;
                    let index = idf.len() as u32;
                    if !words.insert(fields[1], index) {
                        return Err(ModelError(format!(
                            "line {n}: `{}` twice (or its hash)",
                            fields[1]
                        )));
                    }
                    idf.push(values[0]);
                    weights.extend_from_slice(&values[1..]);
                }
                other => return Err(ModelError(format!("line {n}: unknown key `{other}`"))),
            }
        }
        if intercepts.len() != listed || listed < 2 {
            return Err(ModelError(format!(
                "{} intercepts for {listed} topics",
                intercepts.len()
            )));
        }
        let Some(gamma) = gamma else {
            return Err(ModelError("no `gamma` line".into()));
        };
        // The most common words (lowest idf) first: their rows of weights,
        // read for nearly every story, share cache lines.
        let classes = listed;
        let mut order: Vec<usize> = (0..idf.len()).collect();
        order.sort_by(|&a, &b| idf[a].total_cmp(&idf[b]));
        let mut new = vec![0u32; order.len()];
        for (n, &old) in order.iter().enumerate() {
            new[old] = n as u32;
        }
        words.renumber(&new);
        let idf: Vec<f32> = order.iter().map(|&old| idf[old]).collect();
        let weights: Vec<f32> = order
            .iter()
            .flat_map(|&old| weights[old * classes..(old + 1) * classes].iter().copied())
            .collect();
        Ok(Some(SubjectModel {
            topics,
            intercepts,
            gamma,
            words,
            idf,
            weights,
        }))
    }

    /// The log-probability of each class given the story's words, into
    /// `out` (one per class, in the model's order).
    ///
    /// Its time is mostly two cache misses per word: the hash slot and the
    /// weight row. Tried and left out, each measured: reading a run of ASCII
    /// word bytes in a loop of its own (as many instructions), rows padded
    /// to eight lanes for vector sums (3 % more instructions), the lookups
    /// batched after the reading so that their misses overlap (the same
    /// share of the samples), bfloat16 weights (half the 1.09 MB; MB/s within
    /// the noise, and one leading subject of the tuning stories changed),
    /// 8-bit weights with a scale per row (a quarter; every tag of the bench
    /// and the evaluation the same, 9 % fewer misses of a simulated 1 MB
    /// cache, and the same MB/s, best of three).
    pub(crate) fn log_probs(
        &self,
        fields: &[FieldText<'_>],
        work: &mut SubjectScratch,
        out: &mut Vec<f32>,
    ) {
        let SubjectScratch { seen, counts, .. } = work;
        // Counts go back to 0 as they are read; should a story ever have
        // stopped half way, its words are cleared here.
        for &i in seen.iter() {
            if let Some(n) = counts.get_mut(i as usize) {
                *n = 0;
            }
        }
        seen.clear();
        counts.resize(self.idf.len(), 0);
        story_words(fields, None, |hash, _| {
            if let Some(i) = self.words.get(hash)
                && let Some(n) = counts.get_mut(i as usize)
            {
                if *n == 0 {
                    seen.push(i);
                }
                *n = n.saturating_add(1);
            }
        });
        let classes = self.intercepts.len();
        out.clear();
        out.resize(classes, 0.0);
        // Sublinear TF-IDF, L2-normalised: weigh first, then scale once.
        let mut norm = 0.0f32;
        for &i in seen.iter() {
            let i = i as usize;
            let n = std::mem::take(&mut counts[i]);
            let x = (1.0 + f32::from(n).ln()) * self.idf[i];
            norm += x * x;
            let row = &self.weights[i * classes..(i + 1) * classes];
            for (o, w) in out.iter_mut().zip(row) {
                *o += x * w;
            }
        }
        let scale = if norm > 0.0 { norm.sqrt().recip() } else { 0.0 };
        for (o, b) in out.iter_mut().zip(&self.intercepts) {
            *o = *o * scale + b;
        }
        let max = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f32 = out.iter().map(|o| (o - max).exp()).sum();
        let log_sum = max + sum.ln();
        for o in out.iter_mut() {
            *o -= log_sum;
        }
    }

    /// For one topic of the model, the words of the story that count most
    /// for it (positive) or against it, with their share of its logit:
    /// what `examples/explain_topics.rs` shows.
    pub(crate) fn contributions(
        &self,
        fields: &[FieldText<'_>],
        topic: u32,
        limit: usize,
    ) -> Vec<(String, f32)> {
        let Some(class) = self.topics.iter().position(|&t| t == topic) else {
            return Vec::new();
        };
        let classes = self.intercepts.len();
        let mut counts: Vec<(String, u32, u16)> = Vec::new();
        story_words(fields, Some(&mut String::new()), |hash, w| {
            if let Some(i) = self.words.get(hash) {
                match counts.iter_mut().find(|(_, j, _)| *j == i) {
                    Some(entry) => entry.2 = entry.2.saturating_add(1),
                    None => counts.push((w.to_owned(), i, 1)),
                }
            }
        });
        let xs: Vec<f32> = counts
            .iter()
            .map(|&(_, i, n)| (1.0 + f32::from(n).ln()) * self.idf[i as usize])
            .collect();
        let norm = xs
            .iter()
            .map(|x| x * x)
            .sum::<f32>()
            .sqrt()
            .max(f32::MIN_POSITIVE);
        let mut out: Vec<(String, f32)> = counts
            .into_iter()
            .zip(xs)
            .map(|((w, i, _), x)| (w, x / norm * self.weights[i as usize * classes + class]))
            .collect();
        out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        out.truncate(limit);
        out
    }

    /// `topic`'s entry in `log_probs`, if it is one of the model's.
    pub(crate) fn log_prob_of(&self, log_probs: &[f32], topic: u32) -> Option<f32> {
        let class = self.topics.iter().position(|&t| t == topic)?;
        log_probs.get(class).copied()
    }

    /// The leading subject: of the model's topics, the one with the best
    /// words-and-cues score, a topic the cues did not find counting with
    /// rank 0 (`ranked` holds those they found, each ranked above 0).
    /// `None` when one of those is not a topic of the model (a taxonomy's
    /// own top-level topic beside IPTC's): then the cues decide alone.
    pub(crate) fn lead(&self, log_probs: &[f32], ranked: &[(u32, i32)]) -> Option<u32> {
        if ranked.iter().any(|(c, _)| !self.topics.contains(c)) {
            return None;
        }
        let mut best: Option<(u32, f32)> = None;
        for (class, &topic) in self.topics.iter().enumerate() {
            let rank = ranked
                .iter()
                .find(|&&(c, _)| c == topic)
                .map_or(0, |&(_, r)| r.max(0));
            // ln(1) is 0: most topics have no cue.
            let cues = if rank == 0 {
                0.0
            } else {
                (1.0 + rank as f32 / 100.0).ln()
            };
            let score = log_probs.get(class)? + self.gamma * cues;
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((topic, score));
            }
        }
        best.map(|(c, _)| c)
    }

    /// The evidence for `topic` when the model chose it without cues: the
    /// story's words that weigh most for it (idf times its weight beyond
    /// any other topic's and beyond 0), up to `limit` distinct ones, each at
    /// its first use, in reading order: (field, byte range of the field's
    /// clean text).
    pub(crate) fn evidence(
        &self,
        fields: &[FieldText<'_>],
        topic: u32,
        limit: usize,
        work: &mut SubjectScratch,
    ) -> Vec<(usize, std::ops::Range<usize>)> {
        let Some(class) = self.topics.iter().position(|&t| t == topic) else {
            return Vec::new();
        };
        let classes = self.intercepts.len();
        let mut found: Vec<(u32, f32, usize, std::ops::Range<usize>)> = Vec::new();
        // The words met so far: marked in the counts, which are all 0
        // between stories, and listed in `seen` to be cleared after.
        let SubjectScratch { seen, counts, .. } = work;
        for &i in seen.iter() {
            if let Some(n) = counts.get_mut(i as usize) {
                *n = 0;
            }
        }
        seen.clear();
        counts.resize(self.idf.len(), 0);
        for (fi, field) in fields.iter().enumerate() {
            if field.zone == Zone::Caption {
                continue;
            }
            words_of(&field.clean, None, |hash, _, at| {
                let Some(i) = self.words.get(hash) else {
                    return;
                };
                match counts.get_mut(i as usize) {
                    Some(n) if *n == 0 => *n = 1,
                    _ => return,
                }
                seen.push(i);
                // What the word says for this topic over the likeliest
                // other one: a name that weighs for several (a country in
                // stories of every kind) says little.
                let row = &self.weights[i as usize * classes..(i as usize + 1) * classes];
                let other = row
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != class)
                    .map(|(_, &w)| w)
                    .fold(f32::NEG_INFINITY, f32::max);
                let weight = self.idf[i as usize] * (row[class] - other.max(0.0));
                if weight > 0.0 {
                    found.push((i, weight, fi, at));
                }
            });
        }
        for &i in seen.iter() {
            counts[i as usize] = 0;
        }
        seen.clear();
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.truncate(limit);
        found.sort_by_key(|(_, _, f, at)| (*f, at.start));
        found.into_iter().map(|(_, _, f, at)| (f, at)).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is the failure report

    use super::*;

    const TAXONOMY: &str = "version: t\nbase_uri: 'https://x/'\nconcepts:\n  - {id: topic/a, kind: topic, name: sport, uri: 'http://x/a', when: {any_of: [match]}}\n  - {id: topic/b, kind: topic, name: arts, uri: 'http://x/b', when: {any_of: [film]}}\n";

    fn taxonomy() -> Taxonomy {
        Taxonomy::parse(TAXONOMY, "t.yaml").unwrap()
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_of_two_or_more_lower_cased_and_cut() {
        let mut got = Vec::new();
        words_of(
            " Ёлка's A 2024 Ümit—x_y 新冠 a",
            Some(&mut String::new()),
            |_, w, _| got.push(w.to_owned()),
        );
        assert_eq!(got, ["ёлка", "2024", "ümit", "x_y", "新冠"]);
        // Words are cut to six characters; Han is read by pairs, apart from
        // the letters and digits beside it.
        got.clear();
        words_of(
            "Elections, выборах 2024年中华人民共和国 Ä",
            Some(&mut String::new()),
            |h, w, _| {
                assert_eq!(h, fnv(w));
                got.push(w.to_owned());
            },
        );
        assert_eq!(
            got,
            [
                "electi",
                "выбора",
                "2024",
                "年中",
                "中华",
                "华人",
                "人民",
                "民共",
                "共和",
                "和国"
            ]
        );
        // The lookup path hashes the same words without copying them
        // ("İ" lower-cases to two characters).
        let text = " Ёлка's A 2024 İstanbul—x_y 新冠 a Ümit";
        let mut words = Vec::new();
        words_of(text, Some(&mut String::new()), |h, w, _| {
            assert_eq!(h, fnv(w));
            words.push(h);
        });
        let mut hashes = Vec::new();
        words_of(text, None, |h, w, _| {
            assert_eq!(w, "");
            hashes.push(h);
        });
        assert_eq!(hashes, words);
        assert_eq!(hashes.len(), 6);
        // Each word comes with where it is written, whole.
        let mut written = Vec::new();
        words_of(text, None, |_, _, at| written.push(&text[at]));
        assert_eq!(written, ["Ёлка", "2024", "İstanbul", "x_y", "新冠", "Ümit"]);
    }

    #[test]
    fn a_model_weighs_words_against_cue_ranks() {
        let text =
            "topics\thttp://x/a\thttp://x/b\nintercepts\t0\t0\ngamma\t1\nword\tgoal\t1\t2\t-2\n";
        let model = SubjectModel::parse(text, &taxonomy()).unwrap().unwrap();
        let t = taxonomy();
        let article = newsfeed_model::Article {
            headlines: vec![newsfeed_model::Block {
                value: Some("A late goal".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let lp = log_probs_of(&model, &article, &mut SubjectScratch::default());
        // One known word (twice, in the headline): x = (1 + ln 2) * 1,
        // normalised to 1, so the logits are 2 and -2.
        let expected_a = 2.0 - (2.0f32.exp() + (-2.0f32).exp()).ln();
        assert!((lp[0] - expected_a).abs() < 1e-5, "{lp:?}");
        let (a, b) = (
            t.concepts.iter().position(|c| c.id == "topic/a").unwrap() as u32,
            t.concepts.iter().position(|c| c.id == "topic/b").unwrap() as u32,
        );
        // The words favour a by 4 nats; b's cues must outweigh that:
        // ln(1 + 200) - ln(1 + 1) > 4 > ln(1 + 3) - ln(1 + 1).
        assert_eq!(model.lead(&lp, &[(a, 100), (b, 300)]), Some(a));
        assert_eq!(model.lead(&lp, &[(a, 100), (b, 20_000)]), Some(b));
        // A topic the cues did not find is in the running with rank 0:
        // the words' 4 nats outweigh b's cue (ln 2).
        assert_eq!(model.lead(&lp, &[(b, 100)]), Some(a));
        // Its evidence is the words that weigh for it, where they are.
        let mut pool = crate::text::TextPool::default();
        let fields = crate::text::fields(&article, &mut pool);
        let mut work = SubjectScratch::default();
        let ev = model.evidence(&fields, a, 3, &mut work);
        assert_eq!(ev.len(), 1);
        assert_eq!(&fields[ev[0].0].clean[ev[0].1.clone()], "goal");
        assert!(model.evidence(&fields, b, 3, &mut work).is_empty());
        // A topic the model does not know leaves the choice to the cues.
        assert_eq!(model.lead(&lp, &[(a, 100), (b, 300), (99, 50)]), None);
    }

    #[test]
    fn a_taxonomy_without_the_models_topics_has_no_model() {
        let text = "topics\thttp://x/a\thttp://x/zzz\nintercepts\t0\t0\ngamma\t1\n";
        assert!(SubjectModel::parse(text, &taxonomy()).unwrap().is_none());
    }

    #[test]
    fn a_broken_model_file_names_the_line() {
        for (text, wanted) in [
            (
                "topics\thttp://x/a\thttp://x/b\nintercepts\t0\tzero\ngamma\t1\n",
                "line 2",
            ),
            (
                "topics\thttp://x/a\thttp://x/b\nintercepts\t0\t0\ngamma\t1\nword\tgoal\t1\t2\n",
                "line 4",
            ),
            (
                "topics\thttp://x/a\thttp://x/b\nintercepts\t0\t0\n",
                "gamma",
            ),
        ] {
            let err = SubjectModel::parse(text, &taxonomy()).unwrap_err();
            assert!(err.0.contains(wanted), "{text:?}: {err:?}");
        }
    }

    #[test]
    fn the_default_model_fits_the_default_taxonomy_and_reads_as_trained() {
        let t = Taxonomy::default_taxonomy().unwrap();
        let model = SubjectModel::parse(DEFAULT_MODEL, &t).unwrap().unwrap();
        assert_eq!(model.topics.len(), 17);
        assert!(model.idf.len() > 1000, "{}", model.idf.len());
        // The trainer's own log-probabilities for one story's words.
        let check = DEFAULT_MODEL
            .lines()
            .find_map(|l| l.strip_prefix("check\t"))
            .unwrap();
        let (words, expected) = check.split_once('\t').unwrap();
        let expected: Vec<f32> = expected.split('\t').map(|v| v.parse().unwrap()).collect();
        let article = newsfeed_model::Article {
            bodies: vec![newsfeed_model::Body {
                value: Some(words.into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut work = SubjectScratch::default();
        let lp = log_probs_of(&model, &article, &mut work);
        for (got, want) in lp.iter().zip(&expected) {
            assert!((got - want).abs() < 1e-3, "{lp:?} against {expected:?}");
        }
        assert_eq!(lp.len(), expected.len());
        // The working space carries nothing from one story to the next.
        assert_eq!(log_probs_of(&model, &article, &mut work), lp);
    }

    fn log_probs_of(
        model: &SubjectModel,
        article: &newsfeed_model::Article,
        work: &mut SubjectScratch,
    ) -> Vec<f32> {
        let mut pool = crate::text::TextPool::default();
        let fields = crate::text::fields(article, &mut pool);
        let mut lp = Vec::new();
        model.log_probs(&fields, work, &mut lp);
        lp
    }
}

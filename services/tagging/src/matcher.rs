//! One pass over the text for every name and term of the taxonomy: a single
//! aho-corasick automaton (leftmost-longest, ASCII case-insensitive), then
//! per match the checks the automaton cannot do: the end of the word, case
//! rules, exclusion phrases and namesakes. Patterns start with a space, as
//! every word of the clean text does, so nothing matches inside a word. The
//! cost grows with the text, not with the taxonomy.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};

use crate::taxonomy::{CaseRule, Form, Namesake, Taxonomy, Term};
use crate::text::{FieldText, normalize};

/// What a pattern stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    /// A name of a concept.
    Name { concept: u32, form: Form },
    /// A condition term (index into the term table).
    Term(u32),
    /// An exclusion phrase: swallows its span so nothing inside it matches.
    Exclusion,
}

/// One pattern's meaning and its checks.
#[derive(Debug, Clone)]
struct Target {
    what: What,
    case: CaseRule,
    /// Written with a trailing `*`: matches the start of a longer word.
    prefix: bool,
    namesake: Option<Namesake>,
    /// As written, for exact-case checks.
    text: Box<str>,
}

/// A match that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) what: What,
    /// Index of the field in reading order.
    pub(crate) field: u16,
    /// Byte range in the field's clean text.
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// The compiled automaton over all names, terms and exclusions.
#[derive(Debug)]
pub(crate) struct Matcher {
    ac: AhoCorasick,
    /// Per automaton pattern, what it stands for.
    targets: Vec<Box<[Target]>>,
    /// Condition terms by (text as written, prefix).
    terms: HashMap<(String, bool), u32>,
}

impl Matcher {
    /// Compiles every pattern of `taxonomy`.
    pub(crate) fn new(taxonomy: &Taxonomy) -> Self {
        let mut keys: Vec<String> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        let mut terms: HashMap<(String, bool), u32> = HashMap::new();
        let mut add = |text: &str, mut target: Target| {
            let written = normalize(text);
            let key = format!(" {}", written.to_ascii_lowercase());
            target.text = written.into();
            let slot = *by_key.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                targets.push(Vec::new());
                targets.len() - 1
            });
            if !targets[slot].iter().any(|t| {
                t.what == target.what && t.prefix == target.prefix && t.text == target.text
            }) {
                targets[slot].push(target);
            }
        };
        for (i, c) in taxonomy.concepts.iter().enumerate() {
            for n in &c.names {
                let what = What::Name {
                    concept: i as u32,
                    form: n.form,
                };
                add(
                    &n.text,
                    Target {
                        what,
                        case: n.case,
                        prefix: false,
                        namesake: c.namesake,
                        text: n.text.as_str().into(),
                    },
                );
            }
            for phrase in &c.exclude {
                add(
                    phrase,
                    Target {
                        what: What::Exclusion,
                        case: CaseRule::Insensitive,
                        prefix: false,
                        namesake: None,
                        text: phrase.as_str().into(),
                    },
                );
            }
            for t in c.when.iter().flat_map(|w| w.terms()) {
                if let Term::Word { text, prefix } = t {
                    let next = terms.len() as u32;
                    let id = *terms
                        .entry((normalize(text).to_lowercase(), *prefix))
                        .or_insert(next);
                    let target = Target {
                        what: What::Term(id),
                        case: CaseRule::Insensitive,
                        prefix: *prefix,
                        namesake: None,
                        text: text.as_str().into(),
                    };
                    add(text, target);
                }
            }
        }
        let ac = build_automaton(&keys);
        Self {
            ac,
            targets: targets.into_iter().map(Vec::into_boxed_slice).collect(),
            terms,
        }
    }

    /// The term table index of a condition word.
    pub(crate) fn term_id(&self, text: &str, prefix: bool) -> Option<u32> {
        self.terms
            .get(&(normalize(text).to_lowercase(), prefix))
            .copied()
    }

    /// Number of distinct condition terms.
    pub(crate) fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// Heap bytes held by the automaton and the pattern tables.
    pub(crate) fn memory_usage(&self) -> usize {
        let targets: usize = self
            .targets
            .iter()
            .map(|t| {
                size_of::<Box<[Target]>>()
                    + t.len() * size_of::<Target>()
                    + t.iter().map(|x| x.text.len()).sum::<usize>()
            })
            .sum();
        let terms: usize = self
            .terms
            .keys()
            .map(|(k, _)| k.capacity() + size_of::<((String, bool), u32)>() + 8)
            .sum();
        self.ac.memory_usage() + targets + terms
    }

    /// Appends every accepted match in `text` (field number `field`) to `out`.
    pub(crate) fn scan(&self, field: u16, text: &FieldText<'_>, out: &mut Vec<Hit>) {
        let hay = text.clean.as_str();
        let mut pos = 0;
        while pos < hay.len() {
            let Some(m) = self.ac.find(Input::new(hay).span(pos..hay.len())) else {
                break;
            };
            // The pattern's leading space is not part of the match.
            if let Some(end) = self.accept(
                field,
                hay,
                m.pattern().as_usize(),
                m.start() + 1,
                m.end(),
                out,
            ) {
                pos = end;
                continue;
            }
            pos = self
                .retry_shorter(field, hay, m.start(), m.end(), out)
                .unwrap_or(m.start() + 1);
        }
    }

    /// The longest match at `start` failed its checks; a shorter pattern
    /// starting at the same place may still pass ("Niger" in "Niger Deltas").
    fn retry_shorter(
        &self,
        field: u16,
        hay: &str,
        start: usize,
        end: usize,
        out: &mut Vec<Hit>,
    ) -> Option<usize> {
        let mut limit = end;
        while limit > start + 2 {
            let input = Input::new(hay)
                .span(start..limit - 1)
                .anchored(Anchored::Yes);
            let m = self.ac.find(input)?;
            if let Some(e) = self.accept(
                field,
                hay,
                m.pattern().as_usize(),
                m.start() + 1,
                m.end(),
                out,
            ) {
                return Some(e);
            }
            limit = m.end();
        }
        None
    }

    /// Checks one automaton match; records its hits and returns where the
    /// search goes on, or `None` when no target of the pattern applies.
    fn accept(
        &self,
        field: u16,
        hay: &str,
        pattern: usize,
        start: usize,
        end: usize,
        out: &mut Vec<Hit>,
    ) -> Option<usize> {
        let matched = &hay[start..end];
        let whole_word = !ends_with_word_char(matched) || is_word_end(hay, end);
        let word_end = if whole_word {
            end
        } else {
            end + hay[end..]
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(hay.len() - end)
        };
        let mut accepted_end = None;
        for t in self.targets.get(pattern).map_or(&[][..], |t| &t[..]) {
            if !(whole_word || t.prefix) || !case_ok(t.case, &t.text, matched) {
                continue;
            }
            if t.namesake.is_some_and(|n| is_namesake(n, hay, start, end)) {
                continue;
            }
            let stop = if t.prefix { word_end } else { end };
            if t.what != What::Exclusion {
                out.push(Hit {
                    what: t.what,
                    field,
                    start: start as u32,
                    end: stop as u32,
                });
            }
            accepted_end = Some(accepted_end.map_or(stop, |e: usize| e.max(stop)));
        }
        accepted_end
    }
}

fn build_automaton(keys: &[String]) -> AhoCorasick {
    let builder = |kind| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .start_kind(StartKind::Both)
            // Every pattern starts with a space: a start-byte prefilter would stop at every word.
            .prefilter(false)
            .kind(kind)
            .build(keys)
    };
    // The contiguous NFA: about as fast as a DFA on news text (whose tables
    // would not fit in cache anyway) at a fraction of the memory (a DFA for
    // 20,000 concepts takes over 400 MB).
    builder(Some(AhoCorasickKind::ContiguousNFA))
        .or_else(|_| builder(None))
        .or_else(|_| AhoCorasick::new(Vec::<&str>::new()))
        .expect("an automaton without patterns always builds")
}

fn case_ok(rule: CaseRule, written: &str, matched: &str) -> bool {
    match rule {
        CaseRule::Insensitive => true,
        CaseRule::Capitalised => matched.chars().next().is_some_and(char::is_uppercase),
        CaseRule::Exact => matched == written,
    }
}

fn ends_with_word_char(s: &str) -> bool {
    s.chars().next_back().is_some_and(char::is_alphanumeric)
}

fn is_word_end(hay: &str, at: usize) -> bool {
    !hay[at..].chars().next().is_some_and(char::is_alphanumeric)
}

/// True when the match looks like part of a person's name: a capitalised
/// word right after a given name ("Chad Smith"), or right before a surname
/// ("Michael Jordan"), other than the small words that start sentences.
fn is_namesake(kind: Namesake, hay: &str, start: usize, end: usize) -> bool {
    let given = matches!(kind, Namesake::Given | Namesake::Both) && {
        let next = hay[end..].strip_prefix(' ').map(first_word).unwrap_or("");
        next.chars().next().is_some_and(char::is_uppercase) && !PLACE_WORDS.contains(&next)
    };
    let surname = matches!(kind, Namesake::Surname | Namesake::Both) && {
        let prev = hay[..start].strip_suffix(' ').map(last_word).unwrap_or("");
        prev.chars().next().is_some_and(char::is_uppercase)
            && !FUNCTION_WORDS.iter().any(|w| w.eq_ignore_ascii_case(prev))
    };
    given || surname
}

fn first_word(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '-'))
        .unwrap_or(s.len());
    &s[..end]
}

fn last_word(s: &str) -> &str {
    let start = s
        .rfind(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .map_or(0, |i| i + 1);
    &s[start..]
}

/// Capitalised words that follow a place name without making it a person.
const PLACE_WORDS: &[&str] = &[
    "River",
    "Valley",
    "Basin",
    "Lake",
    "Sea",
    "Delta",
    "Border",
    "Gulf",
    "Highlands",
    "Mountains",
];

/// Capitalised words that precede a place name at the start of a sentence
/// or a title-case headline without making it a surname.
const FUNCTION_WORDS: &[&str] = &[
    "In",
    "From",
    "To",
    "For",
    "And",
    "But",
    "Or",
    "With",
    "Across",
    "Inside",
    "Outside",
    "Of",
    "On",
    "At",
    "By",
    "As",
    "While",
    "Then",
    "Now",
    "Like",
    "Unlike",
    "Including",
    "Since",
    "Until",
    "After",
    "Before",
    "Near",
    "Within",
    "Under",
    "Over",
    "Against",
    "Beyond",
    "Why",
    "How",
    "When",
    "Where",
    "Meanwhile",
    "Into",
    "Through",
    "Throughout",
    "Toward",
    "Towards",
    "Via",
    "Neighbouring",
    "Neighboring",
    "Visits",
    "Visit",
    "Visiting",
    "Leaves",
    "Enters",
    "Hits",
    "Says",
    "Tells",
    "Warns",
    "Urges",
    "Joins",
    "Backs",
    "Quits",
    "The",
    "A",
    "An",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Rural",
    "Downtown",
];

//! One pass over the text for every name and term of the taxonomy: a
//! single trie of all patterns (leftmost-longest, over the lowercased text),
//! then per match the checks the trie cannot do: the end of the word, case
//! rules, exclusion phrases and namesakes. Patterns start with a space, as
//! every word of the clean text does, so matches can only start at a space:
//! the trie is walked from each space (an anchored search) and left as soon
//! as no pattern continues, which finds the same leftmost-longest matches as
//! an unanchored search while skipping the rest of most words. The cost
//! grows with the text, not with the taxonomy.

use std::collections::HashMap;

use crate::taxonomy::{CaseRule, ConceptKind, Form, Namesake, Taxonomy, Term};
use crate::text::{Folded, fold, normalize};
use crate::trie::Trie;

/// What a pattern stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    /// A name of a concept.
    Name { concept: u32, form: Form },
    /// A condition term (index into the term table).
    Term(u32),
    /// An exclusion phrase of a concept, or its name read as part of a
    /// person's name: swallows its span so nothing inside it matches, and
    /// tells [`crate::sense`] that the story uses the name in another sense.
    Exclusion { concept: u32, person: bool },
}

/// One pattern's meaning and its checks.
#[derive(Debug, Clone)]
struct Target {
    what: What,
    case: CaseRule,
    /// Written with a trailing `*`: matches the start of a longer word.
    prefix: bool,
    namesake: Option<Namesake>,
    /// A place's name (not a demonym or acronym): a given name right
    /// before it makes it a surname.
    place_name: bool,
    /// For exact-case names and capitalised names of several words, the
    /// name as written: a range of `Matcher::texts` (empty for the others).
    text: (u32, u32),
    /// The story language it is used in, or 0 for all.
    lang: u8,
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

/// The compiled trie over all names, terms and exclusions. Its tables are
/// a few large allocations rather than one per pattern, which keeps the
/// heap of a process with a big taxonomy compact.
#[derive(Debug)]
pub(crate) struct Matcher {
    trie: Trie,
    /// What each trie pattern stands for: `targets[ranges[p]..ranges[p + 1]]`.
    ranges: Vec<u32>,
    targets: Vec<Target>,
    /// The exact-case names and the capitalised names of several words, as written.
    texts: String,
    /// The taxonomy's given names, sorted.
    given_names: Vec<String>,
}

/// Condition terms by (text as written, prefix): their index in the term
/// table, for compiling conditions.
#[derive(Debug, Default)]
pub(crate) struct TermIds(HashMap<(String, bool), u32>);

impl TermIds {
    /// The term table index of a condition word.
    pub(crate) fn get(&self, text: &str, prefix: bool) -> Option<u32> {
        self.0.get(&(fold(text), prefix)).copied()
    }

    /// Number of distinct condition terms.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// A pattern's meaning while the matcher is built.
struct Draft {
    what: What,
    case: CaseRule,
    prefix: bool,
    namesake: Option<Namesake>,
    /// Normalised as the clean text writes it.
    text: String,
    lang: u8,
}

impl Matcher {
    /// Compiles every pattern of `taxonomy`; also returns the term table.
    pub(crate) fn new(taxonomy: &Taxonomy) -> (Self, TermIds) {
        let mut keys: Vec<String> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut drafts: Vec<Vec<Draft>> = Vec::new();
        let mut terms = TermIds::default();
        let mut add = |text: &str, what: What, case: CaseRule, prefix: bool, namesake, lang| {
            let written = normalize(text);
            let key = format!(" {}", fold(text));
            let slot = *by_key.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                drafts.push(Vec::new());
                drafts.len() - 1
            });
            if !drafts[slot].iter().any(|t| {
                t.what == what && t.prefix == prefix && t.text == written && t.lang == lang
            }) {
                drafts[slot].push(Draft {
                    what,
                    case,
                    prefix,
                    namesake,
                    text: written,
                    lang,
                });
            }
        };
        for (i, c) in taxonomy.concepts.iter().enumerate() {
            for n in &c.names {
                let what = What::Name {
                    concept: i as u32,
                    form: n.form,
                };
                // Namesake rules read English capitalisation around the name.
                let namesake = if n.lang == 0 { c.namesake } else { None };
                add(&n.text, what, n.case, false, namesake, n.lang);
            }
            for phrase in &c.exclude {
                add(
                    phrase,
                    What::Exclusion {
                        concept: i as u32,
                        person: false,
                    },
                    CaseRule::Insensitive,
                    false,
                    None,
                    0,
                );
            }
            for t in c.when.iter().flat_map(|w| w.terms()) {
                if let Term::Word { text, prefix } = t {
                    let next = terms.0.len() as u32;
                    let id = *terms.0.entry((fold(text), *prefix)).or_insert(next);
                    add(
                        text,
                        What::Term(id),
                        CaseRule::Insensitive,
                        *prefix,
                        None,
                        0,
                    );
                }
            }
        }
        // The names whose written text `case_ok` reads: exact ones, and the
        // capitalised ones it checks word by word.
        let keeps_text = |d: &&Draft| {
            d.case == CaseRule::Exact || (d.case == CaseRule::Capitalised && d.text.contains(' '))
        };
        let mut matcher = Self {
            trie: Trie::new(&keys),
            ranges: Vec::with_capacity(drafts.len() + 1),
            targets: Vec::with_capacity(drafts.iter().map(Vec::len).sum()),
            given_names: taxonomy.given_names.clone(),
            texts: String::with_capacity(
                drafts
                    .iter()
                    .flatten()
                    .filter(keeps_text)
                    .map(|d| d.text.len())
                    .sum(),
            ),
        };
        matcher.ranges.push(0);
        for slot in drafts {
            for d in slot {
                let start = matcher.texts.len() as u32;
                if keeps_text(&&d) {
                    matcher.texts.push_str(&d.text);
                }
                let place_name = matches!(d.what, What::Name { concept, form: Form::Name }
                    if taxonomy.concepts.get(concept as usize).is_some_and(|c| c.kind == ConceptKind::Place));
                matcher.targets.push(Target {
                    what: d.what,
                    case: d.case,
                    prefix: d.prefix,
                    namesake: d.namesake,
                    place_name,
                    text: (start, matcher.texts.len() as u32),
                    lang: d.lang,
                });
            }
            matcher.ranges.push(matcher.targets.len() as u32);
        }
        (matcher, terms)
    }

    /// Heap bytes held by the trie and the pattern tables.
    pub(crate) fn memory_usage(&self) -> usize {
        self.trie.memory_usage()
            + self.ranges.capacity() * size_of::<u32>()
            + self.targets.capacity() * size_of::<Target>()
            + self.texts.capacity()
            + self.given_names.iter().map(String::capacity).sum::<usize>()
    }

    /// What trie pattern `pattern` stands for.
    fn targets(&self, pattern: usize) -> &[Target] {
        match (self.ranges.get(pattern), self.ranges.get(pattern + 1)) {
            (Some(&from), Some(&to)) => &self.targets[from as usize..to as usize],
            _ => &[],
        }
    }

    /// Appends every accepted match in `clean`, the clean text of field
    /// number `field`, to `out`: searched as `folded` when the text is not
    /// ASCII, with the names of story language `lang` (and those of every
    /// language). `ends` is working space.
    pub(crate) fn scan(&self, hay: Hay<'_>, ends: &mut Vec<Ends>, out: &mut Vec<Hit>) {
        let bytes = hay.search().as_bytes();
        let mut pos = 0;
        // The end of the last exclusion matched and the concepts it
        // excludes: names of other concepts inside it are still looked for
        // ("Lebanon, Pennsylvania" names Pennsylvania), cues and its own
        // names not ("cabanes à sucre" is not Sucre).
        let mut names_only_until = 0;
        let mut excluded = [u32::MAX; 4];
        while let Some(start) = bytes[pos..]
            .iter()
            .position(|&b| b == b' ')
            .map(|i| pos + i)
        {
            ends.clear();
            patterns_at(&self.trie, bytes, start, ends);
            // The longest first; when it fails its checks a shorter one may
            // pass ("Niger" in "Niger Deltas"). A cue phrase does not hide
            // the name it starts with ("Scottish Parliament" names Scotland),
            // though a shorter cue inside it does not count again.
            // The leading space is not part of the match.
            let mut only = if start < names_only_until {
                Only::NotCues
            } else {
                Only::Any
            };
            let mut next = None;
            for &(pattern, end) in ends.iter().rev() {
                let before = out.len();
                let accepted = self.accept(hay, pattern as usize, start + 1, end, only, out);
                if start < names_only_until {
                    let mut k = before;
                    while k < out.len() {
                        match out[k].what {
                            What::Name { concept, .. } if excluded.contains(&concept) => {
                                out.swap_remove(k);
                            }
                            _ => k += 1,
                        }
                    }
                }
                if let Some(accepted) = accepted {
                    if accepted.only_exclusions {
                        if start >= names_only_until {
                            excluded = [u32::MAX; 4];
                        }
                        let new = out[before..].iter().filter_map(|h| match h.what {
                            What::Exclusion { concept, .. } => Some(concept),
                            _ => None,
                        });
                        for concept in new {
                            if let Some(slot) = excluded.iter_mut().find(|c| **c == u32::MAX) {
                                *slot = concept;
                            }
                        }
                        names_only_until = names_only_until.max(accepted.end);
                        break;
                    }
                    next = next.or(Some(accepted.end));
                    if !accepted.only_terms {
                        break;
                    }
                    only = Only::NotCues;
                }
            }
            pos = next.unwrap_or(start + 1);
        }
    }

    /// True when a place's name starts at the word after `end` in the
    /// searched text: a given name before a place is a list of places, not
    /// a person ("Paris-Lyon", "Victoria-Perth"), where "Paris Hilton" is
    /// one.
    fn place_name_at(&self, search: &str, end: usize) -> bool {
        if !search[end..].starts_with(' ') {
            return false;
        }
        let mut ends = Vec::new();
        patterns_at(&self.trie, search.as_bytes(), end, &mut ends);
        ends.iter().any(|&(pattern, stop)| {
            is_word_end(search, stop) && self.targets(pattern as usize).iter().any(|t| t.place_name)
        })
    }

    /// True when the word right before `start` is one of the taxonomy's
    /// given names ("Whitney Houston") or a title ("Dr Israel Mensah",
    /// "Mrs Victoria Hale"): the place name is part of a person's.
    fn after_given_name(&self, hay: &str, start: usize) -> bool {
        let prev = hay[..start].strip_suffix(' ').map(last_word).unwrap_or("");
        !prev.is_empty()
            && (TITLES.contains(&prev)
                || self
                    .given_names
                    .binary_search_by(|n| n.as_str().cmp(prev))
                    .is_ok())
    }

    /// True when another name comes right before the surname at `start`
    /// ("Melania Trump", "Hunter Biden"): a capitalised word that is not a
    /// title ("President Trump", "Mr Putin") nor a word that starts
    /// sentences. In Cyrillic, a capitalised word that starts the sentence
    /// is its first word unless it is one of the taxonomy's given names:
    /// Russian headlines start with the noun that governs the name ("Визит
    /// Макрона", "Заявление Путина").
    fn after_another_name(&self, hay: &str, start: usize) -> bool {
        let Some(prev) = capitalised_before(hay, start) else {
            return false;
        };
        if TITLES.contains(&prev) || OFFICE_TITLES.contains(&prev) {
            return false;
        }
        let cyrillic = prev
            .chars()
            .next()
            .is_some_and(|c| matches!(c, '\u{0400}'..='\u{04ff}'));
        if !cyrillic
            || self
                .given_names
                .binary_search_by(|n| n.as_str().cmp(prev))
                .is_ok()
        {
            return true;
        }
        let before = hay[..start - 1 - prev.len()].trim_end();
        !(before.is_empty()
            || before.ends_with(['.', '!', '?', ':', ';', '"', '«', '“', '(', '—', '–', '-']))
    }

    /// Checks one trie match (a range of the searched text) against
    /// the targets `only` allows; records its hits and returns where the
    /// search goes on and whether they were all cues, or `None` when no
    /// target of the pattern applies.
    fn accept(
        &self,
        hay: Hay<'_>,
        pattern: usize,
        start: usize,
        end: usize,
        only: Only,
        out: &mut Vec<Hit>,
    ) -> Option<Accepted> {
        let search = hay.search();
        let matched = &search[start..end];
        let whole_word = !ends_with_word_char(matched) || is_word_end(search, end);
        let word_end = if whole_word {
            end
        } else {
            end + search[end..]
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(search.len() - end)
        };
        let (clean_start, clean_end) = (hay.clean_pos(start), hay.clean_pos(end));
        let as_written = &hay.clean[clean_start..clean_end];
        let mut accepted_end = None;
        let mut only_terms = true;
        let mut only_exclusions = true;
        for t in self.targets(pattern) {
            if only == Only::NotCues && matches!(t.what, What::Term(_)) {
                continue;
            }
            let written = &self.texts[t.text.0 as usize..t.text.1 as usize];
            if t.lang != 0 && !hay.langs.contains(&t.lang) {
                continue;
            }
            if !(whole_word || t.prefix) || !case_ok(t.case, written, as_written) {
                continue;
            }
            let stop = if t.prefix { word_end } else { end };
            if let What::Name { concept, form } = t.what
                && (t.namesake.is_some_and(|n| {
                    is_namesake(n, hay.clean, clean_start, clean_end)
                        && !(n == Namesake::Given && self.place_name_at(search, end))
                }) || t.place_name && self.after_given_name(hay.clean, clean_start))
            {
                // Part of a person's name: not the concept, but a sign of the
                // name's sense in this story (not so a demonym before a
                // capitalised word: "Georgian Dream").
                if form == Form::Inflection {
                    continue;
                }
                out.push(Hit {
                    what: What::Exclusion {
                        concept,
                        person: true,
                    },
                    field: hay.field,
                    start: clean_start as u32,
                    end: hay.clean_pos(stop) as u32,
                });
                continue;
            }
            // A surname known alone right after another name is that
            // person's: it counts only with the full name.
            let what = match t.what {
                What::Name {
                    concept,
                    form: Form::LoneSurname,
                } if self.after_another_name(hay.clean, clean_start) => What::Name {
                    concept,
                    form: Form::Surname,
                },
                what => what,
            };
            out.push(Hit {
                what,
                field: hay.field,
                start: clean_start as u32,
                end: hay.clean_pos(stop) as u32,
            });
            only_terms &= matches!(t.what, What::Term(_));
            only_exclusions &= matches!(t.what, What::Exclusion { .. });
            accepted_end = Some(accepted_end.map_or(stop, |e: usize| e.max(stop)));
        }
        accepted_end.map(|end| Accepted {
            end,
            only_terms,
            only_exclusions,
        })
    }
}

/// Which targets of a pattern [`Matcher::accept`] considers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Any,
    /// Names and exclusions, not cues: inside a longer cue phrase already
    /// accepted (an exclusion there still swallows the name it holds).
    NotCues,
}

/// What [`Matcher::accept`] recorded for one pattern.
struct Accepted {
    /// Where the search goes on.
    end: usize,
    /// Every hit it recorded is a condition term (a cue), not a name or exclusion.
    only_terms: bool,
    /// Every hit it recorded is an exclusion: the words inside it are
    /// searched for other names.
    only_exclusions: bool,
}

/// One field as the matcher searches it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hay<'a> {
    /// Index of the field in reading order.
    pub(crate) field: u16,
    /// Its clean text: what hits point into.
    pub(crate) clean: &'a str,
    /// Its clean text lowercased, searched when it is ASCII.
    pub(crate) lower: &'a str,
    /// Its folded text, when the clean text is not ASCII.
    pub(crate) folded: Option<&'a Folded>,
    /// The story language and the one whose names it also uses, as
    /// [`crate::Taxonomy`] numbers them (0: none).
    pub(crate) langs: [u8; 2],
}

impl Hay<'_> {
    fn search(&self) -> &str {
        self.folded.map_or(self.lower, |f| f.text.as_str())
    }

    fn clean_pos(self, pos: usize) -> usize {
        self.folded.map_or(pos, |f| f.to_clean(pos))
    }
}

/// A pattern (its number in the trie) and the end of its match.
pub(crate) type Ends = (u32, usize);

/// Every pattern that matches `hay` at `start`, shortest first, with its end.
fn patterns_at(trie: &Trie, hay: &[u8], start: usize, out: &mut Vec<Ends>) {
    if let Some(rest) = hay.get(start..) {
        trie.prefixes(rest, |pattern, len| out.push((pattern, start + len)));
    }
}

fn case_ok(rule: CaseRule, written: &str, matched: &str) -> bool {
    match rule {
        CaseRule::Insensitive => true,
        // Each word the name capitalises is capitalised, and so is what
        // follows an apostrophe it capitalises ("Moscow Region"; "région de
        // Moscou", "pays de Galles", "oblast d'Omsk": the small words as
        // written); a name whose words the text splits otherwise, by its
        // first letter. Scripts without case (Arabic, Han) pass.
        CaseRule::Capitalised => {
            let capital = |word: &str| word.chars().next().is_some_and(|c| !c.is_lowercase());
            fn after_apostrophe(word: &str) -> &str {
                word.rsplit('\'').next().unwrap_or("")
            }
            let word_ok = |w: &str, m: &str| {
                (!w.starts_with(char::is_uppercase) || capital(m))
                    && (!w.contains('\'')
                        || !after_apostrophe(w).starts_with(char::is_uppercase)
                        || capital(after_apostrophe(m)))
            };
            if !written.is_empty() && written.split(' ').count() == matched.split(' ').count() {
                written
                    .split(' ')
                    .zip(matched.split(' '))
                    .all(|(w, m)| word_ok(w, m))
            } else {
                capital(matched)
            }
        }
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
    // A dateline in capitals before the first sentence ("SANTIAGO —
    // Economists", the dash a separator) is not a name with the next word;
    // a person's name in capitals has the next word in capitals too.
    let matched = &hay[start..end];
    let in_capitals =
        matched.chars().any(char::is_uppercase) && !matched.chars().any(char::is_lowercase);
    let given = matches!(kind, Namesake::Given | Namesake::Both) && {
        let next = hay[end..].strip_prefix(' ').map(first_word).unwrap_or("");
        continues_a_name(next, in_capitals)
    };
    let surname = matches!(kind, Namesake::Surname | Namesake::Both)
        && capitalised_before(hay, start).is_some();
    given || surname
}

/// The word right before `start` when it is capitalised and neither a word
/// that starts sentences nor the end of one: a given name, most likely.
fn capitalised_before(hay: &str, start: usize) -> Option<&str> {
    let prev = hay[..start].strip_suffix(' ').map(last_word).unwrap_or("");
    (prev.chars().next().is_some_and(char::is_uppercase)
        && !FUNCTION_WORDS.iter().any(|w| w.eq_ignore_ascii_case(prev))
        && !WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(prev))
        && !ends_a_sentence(prev))
    .then_some(prev)
}

/// True when `next`, the word after a place name that is also a given
/// name, makes the two a person's name ("Chad Smith"): a capitalised word
/// that is not a place word ("Sydney Harbour"), not a district number
/// ("Paris XVIIIe"), and, after a name in capitals, in capitals too. (A day
/// after it still makes a name: taken for the place, the American "voters
/// in Georgia Tuesday" would tag the country, not the state.)
fn continues_a_name(next: &str, after_capitals: bool) -> bool {
    if !next.chars().next().is_some_and(char::is_uppercase) {
        return false;
    }
    if PLACE_WORDS.contains(&next) || is_roman_ordinal(next) {
        return false;
    }
    !(after_capitals && next.chars().any(char::is_lowercase))
}

/// A French arrondissement or district number ("Paris XVIIIe", "Lyon IIIe",
/// "Paris VIII"): a Roman numeral, perhaps with `e` or `er`.
fn is_roman_ordinal(word: &str) -> bool {
    let numeral = word
        .strip_suffix("er")
        .or_else(|| word.strip_suffix('e'))
        .unwrap_or(word);
    !numeral.is_empty() && numeral.chars().all(|c| matches!(c, 'I' | 'V' | 'X'))
}

/// True when `word`, the word before a name, ends a sentence ("on
/// Wednesday. London is..."): a full stop after a word that is neither an
/// initial ("J.") nor a title ("Dr.").
fn ends_a_sentence(word: &str) -> bool {
    word.strip_suffix('.')
        .is_some_and(|w| w.chars().count() > 1 && !w.contains('.') && !TITLES.contains(&word))
}

fn first_word(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '-'))
        .unwrap_or(s.len());
    &s[..end]
}

fn last_word(s: &str) -> &str {
    // After the last character that is not part of a word, however many
    // bytes it takes ("£20m", "—Paris").
    let start = s
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &s[start..]
}

/// Titles that make the capitalised word after them part of a person's
/// name, written as English news writes them.
const TITLES: &[&str] = &[
    "Mr",
    "Mr.",
    "Mrs",
    "Mrs.",
    "Ms",
    "Ms.",
    "Dr",
    "Dr.",
    "Prof",
    "Prof.",
    "Professor",
    "Sir",
    "Dame",
    "Rev",
    "Rev.",
    "Reverend",
];

/// Offices written before a leader's surname ("Foreign Minister Lavrov",
/// "Президент Токаев" at the start of a sentence).
const OFFICE_TITLES: &[&str] = &[
    "President",
    "Presidents",
    "Premier",
    "Minister",
    "Ministers",
    "Chancellor",
    "Secretary",
    "Secretary-General",
    "Leader",
    "Ayatollah",
    "Senator",
    "Governor",
    "Speaker",
    "Pope",
    "King",
    "Queen",
    "Prince",
    "Président",
    "Präsident",
    "Bundeskanzler",
    "Kanzler",
    "Presidente",
    "Президент",
    "Премьер-министр",
    "Премьер",
    "Министр",
    "Канцлер",
    "Лидер",
    "Глава",
];

/// Capitalised words that follow a place name without making it a person.
const PLACE_WORDS: &[&str] = &[
    "Opera",
    "Symphony",
    "Philharmonic",
    "Orchestra",
    "Harbour",
    "Harbor",
    "Airport",
    "Olympics",
    "Marathon",
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
    "Senate",
    "House",
    "Legislature",
    "Assembly",
    "Parliament",
    "Governor",
    "Government",
    "Army",
    "National",
    "Guard",
    "Police",
    "Department",
    "Supreme",
    "Court",
    "County",
    "Council",
];

/// Days, which news puts right before a name ("On Monday Macron flew"):
/// not another name before a surname.
const WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Capitalised words that precede a name at the start of a sentence or in
/// a title-case headline ("In Paris", "Yesterday Putin said"), or qualify
/// a place ("West London", "East Berlin"), without being another name
/// before it: the place is not a surname there, and a surname the news
/// uses alone is still that person's.
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
    // When ("Yesterday Putin said", "In March Erdogan..."; weekdays are
    // in WEEKDAYS)
    "Yesterday",
    "Today",
    "Tonight",
    "Tomorrow",
    "Earlier",
    "Later",
    "Last",
    "Next",
    "Overnight",
    "Recently",
    "Previously",
    "Afterwards",
    "Initially",
    "Finally",
    "Eventually",
    "Already",
    "Again",
    "Once",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    // Words that open a clause: "Instead Scholz...", "Both Xi and Modi..."
    "Also",
    "Still",
    "Yet",
    "So",
    "If",
    "Although",
    "Though",
    "Because",
    "Despite",
    "Amid",
    "Only",
    "Even",
    "Both",
    "Here",
    "There",
    "This",
    "Instead",
    "Separately",
    // Qualifying a place: "West London", "Central Asia"
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Rural",
    "Downtown",
    "North",
    "South",
    "East",
    "West",
    "Northeast",
    "Northwest",
    "Southeast",
    "Southwest",
    "Greater",
    "Inner",
    "Outer",
    "Upper",
    "Lower",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_after_a_full_stop_starts_a_sentence_not_a_surname() {
        let hay = "a visit on Wednesday. London is competing";
        let at = hay.find("London").unwrap();
        assert!(!is_namesake(
            Namesake::Surname,
            hay,
            at,
            at + "London".len()
        ));
        let hay = "the novelist Jack London wrote";
        let at = hay.find("London").unwrap();
        assert!(is_namesake(Namesake::Surname, hay, at, at + "London".len()));
        let hay = "said J. London and Dr. London";
        for at in hay.match_indices("London").map(|(i, _)| i) {
            assert!(is_namesake(Namesake::Surname, hay, at, at + "London".len()));
        }
        assert!(!ends_a_sentence("U.S."));
    }

    #[test]
    fn an_institution_after_a_name_makes_it_the_place_not_a_person() {
        for next in ["Senate", "Army", "Police", "County", "Legislature"] {
            assert!(!continues_a_name(next, false), "{next}");
        }
        assert!(continues_a_name("Reed", false));
    }

    #[test]
    fn a_compass_point_before_a_name_qualifies_the_place() {
        for hay in ["appear at West London Magistrates' Court", "in East Berlin"] {
            let at = hay.rfind(['L', 'B']).unwrap();
            let end = at + hay[at..].find([' ', '\'']).unwrap_or(hay.len() - at);
            assert!(!is_namesake(Namesake::Surname, hay, at, end), "{hay}");
        }
    }
}

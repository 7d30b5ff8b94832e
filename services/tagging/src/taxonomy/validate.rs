//! From the raw file to a [`Taxonomy`]: resolves ids to indices and checks
//! every rule an editor can break, reporting them all at once with
//! file, line and concept.

use std::collections::HashMap;

use super::checks::{bad_name, find_cycle, is_absolute_uri, is_valid_id};
use super::file::{RawConcept, RawTaxonomy, RawWhen};
use super::locate::Locator;
use super::{
    CaseRule, Concept, ConceptKind, Condition, Form, NamePattern, Problem, Taxonomy, TaxonomyError,
    Term,
};
use crate::text::fold;

/// The weights a top-level topic may give its cues in choosing the
/// leading subject.
const SUBJECT_WEIGHTS: std::ops::RangeInclusive<f64> = 0.1..=5.0;

/// The most bytes of patterns (folded, a space before each) a taxonomy may
/// have: the matcher's trie holds about 8 million nodes, and a pattern has
/// at most a node per byte. The default taxonomy has 1.4 million.
const MAX_PATTERN_BYTES: usize = 6_000_000;

/// The bytes of every pattern the matcher compiles, as it compiles them.
fn pattern_bytes(taxonomy: &Taxonomy) -> usize {
    let words = |text: &str| 1 + fold(text).len();
    taxonomy
        .concepts
        .iter()
        .map(|c| {
            c.names.iter().map(|n| words(&n.text)).sum::<usize>()
                + c.exclude.iter().map(|e| words(e)).sum::<usize>()
                + c.when
                    .iter()
                    .flat_map(|w| w.terms())
                    .map(|t| match t {
                        Term::Word { text, .. } => words(text),
                        _ => 0,
                    })
                    .sum::<usize>()
        })
        .sum()
}

/// Parses and validates `source`.
pub(super) fn parse(source: &str, origin: &str) -> Result<Taxonomy, TaxonomyError> {
    let raw: RawTaxonomy =
        serde_norway::from_str(source).map_err(|e| syntax_error(source, origin, &e))?;
    let locator = Locator::new(source, raw.concepts.iter().map(|c| c.id.as_str()));
    let mut v = Validator {
        origin,
        locator: &locator,
        problems: Vec::new(),
        languages: Vec::new(),
    };
    let taxonomy = v.build(raw);
    let pattern_bytes = pattern_bytes(&taxonomy);
    if pattern_bytes > MAX_PATTERN_BYTES {
        v.file_problem(
            "concepts",
            format!(
                "the names, exclusions and cue words come to {pattern_bytes} bytes as the matcher \
                 reads them; at most {MAX_PATTERN_BYTES} fit its trie"
            ),
        );
    }
    if v.problems.is_empty() {
        Ok(taxonomy)
    } else {
        Err(TaxonomyError::Invalid(v.problems))
    }
}

fn syntax_error(source: &str, origin: &str, e: &serde_norway::Error) -> TaxonomyError {
    let line = e.location().map_or(0, |l| l.line());
    // Name the concept the bad line belongs to: find the nearest `id:` above it.
    let context = source
        .lines()
        .take(line)
        .collect::<Vec<_>>()
        .iter()
        .rev()
        .find_map(|l| {
            l.trim_start()
                .trim_start_matches('-')
                .trim_start()
                .strip_prefix("id:")
        })
        .map(|id| {
            format!(
                "concept `{}`: ",
                id.trim().trim_matches(|c| c == '"' || c == '\'')
            )
        })
        .unwrap_or_default();
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    // serde_norway prefixes the path ("concepts[3]: "); the line says it better.
    let message = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => rest,
        _ => message,
    };
    let message = message.to_owned();
    TaxonomyError::Syntax {
        origin: origin.to_owned(),
        line,
        context,
        message,
    }
}

struct Validator<'a> {
    origin: &'a str,
    locator: &'a Locator<'a>,
    problems: Vec<Problem>,
    /// Every language of `names_in`, `surnames_in` and `inflections_in`, sorted.
    languages: Vec<String>,
}

impl Validator<'_> {
    fn file_problem(&mut self, key: &str, message: String) {
        let line = self.locator.key_line(key);
        self.problems.push(Problem {
            origin: self.origin.to_owned(),
            line,
            concept: None,
            message,
        });
    }

    fn problem(&mut self, index: usize, id: &str, needle: Option<&str>, message: String) {
        let line = match needle {
            Some(n) => self.locator.value_line(index, n),
            None => self.locator.concept_line(index),
        };
        self.problems.push(Problem {
            origin: self.origin.to_owned(),
            line,
            concept: Some(id.to_owned()),
            message,
        });
    }

    fn build(&mut self, raw: RawTaxonomy) -> Taxonomy {
        if raw.version.trim().is_empty() {
            self.file_problem(
                "version",
                "`version` must not be empty: it is stamped on every tag".into(),
            );
        }
        if !is_absolute_uri(&raw.base_uri) || !raw.base_uri.ends_with('/') {
            self.file_problem(
                "base_uri",
                format!(
                    "`base_uri` `{}` must be a complete URI ending in `/`",
                    raw.base_uri
                ),
            );
        }
        self.collect_languages(&raw);
        let mut index: HashMap<&str, u32> = HashMap::new();
        for (i, c) in raw.concepts.iter().enumerate() {
            if !is_valid_id(&c.id) {
                let msg = "an id is lowercase `kind/slug` (letters, digits, `-`, `.`, `/`), e.g. `place/kazakhstan`";
                self.problem(i, &c.id, None, msg.into());
            }
            if let Some(first) = index.insert(&c.id, i as u32) {
                let line = self.locator.concept_line(first as usize);
                self.problem(
                    i,
                    &c.id,
                    None,
                    format!("id is already defined at line {line}"),
                );
                index.insert(&c.id, first);
            }
        }
        let mut concepts: Vec<Concept> = raw
            .concepts
            .iter()
            .enumerate()
            .map(|(i, c)| self.concept(i, c, &raw.base_uri, &index))
            .collect();
        self.check_unique_uris(&concepts);
        self.check_shared_names(&concepts);
        self.check_broader_cycles(&concepts);
        let rule_order = self.rule_order(&concepts);
        for c in &mut concepts {
            c.broader.dedup();
        }
        let mut given_names = raw.given_names;
        for name in &given_names {
            if !name.starts_with(char::is_uppercase) || !name.chars().all(char::is_alphabetic) {
                self.file_problem(
                    "given_names",
                    format!("given name `{name}` must be one capitalised word of letters"),
                );
            }
        }
        given_names.sort_unstable();
        given_names.dedup();
        Taxonomy {
            version: raw.version.trim().to_owned(),
            languages: std::mem::take(&mut self.languages),
            concepts,
            given_names,
            rule_order,
        }
    }

    /// The languages names are given in, each a BCP 47 primary language subtag.
    fn collect_languages(&mut self, raw: &RawTaxonomy) {
        for (i, c) in raw.concepts.iter().enumerate() {
            let languages = c.names_in.keys().chain(c.surnames_in.keys());
            for lang in languages.chain(c.inflections_in.keys()) {
                let ok =
                    (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
                if !ok {
                    let msg = format!(
                        "language `{lang}` is not a lowercase language subtag such as `ru`"
                    );
                    self.problem(i, &c.id, Some(lang), msg);
                } else if !self.languages.contains(lang) {
                    self.languages.push(lang.clone());
                }
            }
        }
        self.languages.sort();
        if self.languages.len() > usize::from(u8::MAX) - 1 {
            self.file_problem(
                "concepts",
                "names are given in more than 254 languages".into(),
            );
            self.languages.truncate(usize::from(u8::MAX) - 1);
        }
    }

    fn lang_index(&self, lang: &str) -> u8 {
        self.languages
            .iter()
            .position(|l| l == lang)
            .map_or(0, |i| u8::try_from(i + 1).unwrap_or(0))
    }

    fn concept(
        &mut self,
        i: usize,
        c: &RawConcept,
        base: &str,
        index: &HashMap<&str, u32>,
    ) -> Concept {
        if let Some(why) = bad_name(&c.name).filter(|_| !c.name.trim().is_empty()) {
            self.problem(i, &c.id, Some(&c.name), format!("name `{}` {why}", c.name));
        } else if c.name.trim().is_empty() {
            self.problem(i, &c.id, None, "`name` must not be empty".into());
        }
        let uri = match &c.uri {
            Some(u) if !is_absolute_uri(u) => {
                self.problem(
                    i,
                    &c.id,
                    Some(u),
                    format!("uri `{u}` is not a complete URI (scheme, no spaces)"),
                );
                u.clone()
            }
            Some(u) => u.clone(),
            None => format!("{base}{}", c.id),
        };
        let mut broader = Vec::new();
        for b in &c.broader {
            match index.get(b.as_str()) {
                Some(&j) if j as usize == i => self.problem(
                    i,
                    &c.id,
                    Some(b),
                    "a concept cannot be broader than itself".into(),
                ),
                Some(&j) => broader.push(j),
                None => self.problem(i, &c.id, Some(b), format!("broader `{b}` is not defined")),
            }
        }
        let names = self.names(i, c);
        for phrase in &c.exclude {
            let lower = phrase.to_lowercase();
            if !names.iter().any(|n| lower.contains(&n.text.to_lowercase())) {
                let msg = format!(
                    "exclusion `{phrase}` contains none of the concept's names, so it can never apply"
                );
                self.problem(i, &c.id, Some(phrase), msg);
            }
        }
        let when = c.when.as_ref().map(|w| self.condition(i, c, w, index));
        let has_positive = when
            .as_ref()
            .is_some_and(|w| !w.all_of.is_empty() || !w.any_of.is_empty());
        if names.iter().all(|n| n.form == Form::Surname) && !has_positive {
            let msg = "needs names (place, person, organisation) or a `when` with `all_of`/`any_of` (topic, story)";
            self.problem(i, &c.id, None, msg.into());
        }
        let ambiguous = c.case != CaseRule::Insensitive || c.namesake.is_some();
        let subject_weight = match c.subject_weight {
            None => 100,
            Some(_) if c.kind != ConceptKind::Topic || !c.broader.is_empty() => {
                let msg =
                    "`subject_weight` applies only to a top-level topic (kind topic, no broader)";
                self.problem(i, &c.id, Some("subject_weight"), msg.into());
                100
            }
            Some(w) if !(SUBJECT_WEIGHTS.contains(&w)) => {
                let msg = format!(
                    "`subject_weight` {w} is outside {}..={}",
                    SUBJECT_WEIGHTS.start(),
                    SUBJECT_WEIGHTS.end()
                );
                self.problem(i, &c.id, Some("subject_weight"), msg);
                100
            }
            Some(w) => (w * 100.0).round() as i32,
        };
        Concept {
            id: c.id.clone(),
            kind: c.kind,
            name: c.name.trim().to_owned(),
            uri,
            broader,
            names,
            exclude: c.exclude.clone(),
            namesake: c.namesake,
            when,
            ambiguous,
            subject_weight,
        }
    }

    fn names(&mut self, i: usize, c: &RawConcept) -> Vec<NamePattern> {
        let own_name = matches!(
            c.kind,
            ConceptKind::Place | ConceptKind::Person | ConceptKind::Organisation
        );
        let mut out = Vec::new();
        // Names in other languages are proper nouns as written there: a
        // capital first letter (Russian "Того" is Togo, "того" is "of that";
        // Spanish "china" is a Chinese woman). Scripts without case pass.
        // So is a surname counted alone ("trump" is a card game's word).
        let proper = match c.case {
            CaseRule::Insensitive => CaseRule::Capitalised,
            other => other,
        };
        let (surname, surname_case) = if c.known_by_surname {
            (Form::LoneSurname, proper)
        } else {
            (Form::Surname, c.case)
        };
        let lists: [(&[String], Form, CaseRule); 4] = [
            (&c.aliases, Form::Name, c.case),
            (&c.inflections, Form::Inflection, c.case),
            (&c.acronyms, Form::Acronym, CaseRule::Exact),
            (&c.surnames, surname, surname_case),
        ];
        if own_name {
            out.push(NamePattern {
                text: c.name.trim().to_owned(),
                case: c.case,
                form: Form::Name,
                lang: 0,
            });
        }
        if !c.surnames.is_empty() && c.kind != ConceptKind::Person {
            self.problem(
                i,
                &c.id,
                Some("surnames"),
                "`surnames` are only for people".into(),
            );
        }
        let mut lists: Vec<(&[String], Form, CaseRule, u8)> =
            lists.into_iter().map(|(l, f, c)| (l, f, c, 0)).collect();
        for (lang, list) in &c.names_in {
            lists.push((list, Form::Name, proper, self.lang_index(lang)));
        }
        for (lang, list) in &c.surnames_in {
            lists.push((list, surname, proper, self.lang_index(lang)));
        }
        // Adjectives are lowercase in most languages (the concept's `case`
        // speaks of English); only in stories of their language.
        for (lang, list) in &c.inflections_in {
            let case = CaseRule::Insensitive;
            lists.push((list, Form::Inflection, case, self.lang_index(lang)));
        }
        if c.known_by_surname && c.surnames.is_empty() && c.surnames_in.is_empty() {
            self.problem(
                i,
                &c.id,
                Some("known_by_surname"),
                "`known_by_surname` needs `surnames` or `surnames_in`".into(),
            );
        }
        if !c.surnames_in.is_empty() && c.kind != ConceptKind::Person {
            self.problem(
                i,
                &c.id,
                Some("surnames_in"),
                "`surnames_in` are only for people".into(),
            );
        }
        for (list, form, case, lang) in lists {
            for text in list {
                if let Some(why) = bad_name(text) {
                    self.problem(i, &c.id, Some(text), format!("name `{text}` {why}"));
                    continue;
                }
                if !out
                    .iter()
                    .any(|n: &NamePattern| n.text == *text && n.lang == lang)
                {
                    out.push(NamePattern {
                        text: text.clone(),
                        case,
                        form,
                        lang,
                    });
                }
            }
        }
        out
    }

    fn condition(
        &mut self,
        i: usize,
        c: &RawConcept,
        w: &RawWhen,
        index: &HashMap<&str, u32>,
    ) -> Condition {
        let term = |v: &mut Self, t: &String| -> Option<Term> {
            if t.contains('/') {
                return match index.get(t.as_str()) {
                    Some(&j) if j as usize == i => {
                        v.problem(
                            i,
                            &c.id,
                            Some(t),
                            "a condition cannot refer to its own concept".into(),
                        );
                        None
                    }
                    Some(&j) => Some(Term::Concept(j)),
                    None => {
                        v.problem(
                            i,
                            &c.id,
                            Some(t),
                            format!(
                                "term `{t}` looks like a concept id, but no such concept is defined"
                            ),
                        );
                        None
                    }
                };
            }
            let (text, prefix) = t
                .strip_suffix('*')
                .map_or((t.as_str(), false), |s| (s, true));
            match bad_name(text) {
                Some(why) => {
                    v.problem(i, &c.id, Some(t), format!("term `{t}` {why}"));
                    None
                }
                None => Some(Term::Word {
                    text: text.to_owned(),
                    prefix,
                }),
            }
        };
        let mut all_of = Vec::new();
        for group in &w.all_of {
            if group.is_empty() {
                self.problem(
                    i,
                    &c.id,
                    Some("all_of"),
                    "an `all_of` group is empty, so it can never be met".into(),
                );
            }
            all_of.push(group.iter().filter_map(|t| term(self, t)).collect());
        }
        let any_of: Vec<Term> = w.any_of.iter().filter_map(|t| term(self, t)).collect();
        let none_of: Vec<Term> = w.none_of.iter().filter_map(|t| term(self, t)).collect();
        let unless_any_of = w
            .unless_any_of
            .iter()
            .filter_map(|t| term(self, t))
            .collect();
        if !w.unless_any_of.is_empty() && none_of.is_empty() {
            self.problem(
                i,
                &c.id,
                Some("unless_any_of"),
                "`unless_any_of` lifts `none_of`, which is empty".into(),
            );
        }
        let min_distinct = w.min_distinct.unwrap_or(1);
        if w.min_distinct.is_some() && (min_distinct == 0 || min_distinct > w.any_of.len()) {
            let msg = format!(
                "`min_distinct: {min_distinct}` must be between 1 and the {} terms of `any_of`",
                w.any_of.len()
            );
            self.problem(i, &c.id, Some("min_distinct"), msg);
        }
        Condition {
            all_of,
            any_of,
            min_distinct,
            none_of,
            unless_any_of,
            tag_from: w.tag_from.unwrap_or(0),
        }
    }

    fn check_unique_uris(&mut self, concepts: &[Concept]) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, c) in concepts.iter().enumerate() {
            if let Some(first) = seen.insert(&c.uri, i).filter(|&f| concepts[f].id != c.id) {
                let msg = format!(
                    "uri `{}` is also the uri of `{}`",
                    c.uri, concepts[first].id
                );
                self.problem(i, &c.id, Some(&c.uri), msg);
            }
        }
    }

    /// A name may belong to one concept only: two concepts sharing "Georgia"
    /// would both fire on every mention, unless each has a `when` saying in
    /// which stories it applies (the country Georgia in none with Atlanta,
    /// the US state only in those). Exact-case names clash only when
    /// written identically; names of two different story languages never
    /// meet, but a name used in every language meets them all.
    fn check_shared_names(&mut self, concepts: &[Concept]) {
        type Seen<'c> = Vec<(usize, CaseRule, &'c str, u8)>;
        let mut seen: HashMap<String, Seen<'_>> = HashMap::new();
        for (i, c) in concepts.iter().enumerate() {
            for n in &c.names {
                let entries = seen.entry(fold(&n.text)).or_default();
                let clash = entries.iter().find(|&&(j, case, text, lang)| {
                    j != i
                        && (lang == 0 || n.lang == 0 || lang == n.lang)
                        && !(case == CaseRule::Exact && n.case == CaseRule::Exact && text != n.text)
                        && !(c.when.is_some() && concepts[j].when.is_some())
                });
                if let Some(&(j, _, text, _)) = clash {
                    let line = self.locator.value_line(j, text);
                    let msg = format!(
                        "name `{}` is also a name of `{}` (line {line}); give it to one of them",
                        n.text, concepts[j].id
                    );
                    self.problem(i, &c.id, Some(&n.text), msg);
                } else {
                    entries.push((i, n.case, &n.text, n.lang));
                }
            }
        }
    }

    fn check_broader_cycles(&mut self, concepts: &[Concept]) {
        let next = |i: usize| {
            concepts[i]
                .broader
                .iter()
                .map(|&b| b as usize)
                .collect::<Vec<_>>()
        };
        if let Some(cycle) = find_cycle(concepts.len(), next) {
            let path: Vec<&str> = cycle.iter().map(|&i| concepts[i].id.as_str()).collect();
            let msg = format!(
                "broader concepts form a cycle: {} -> {}",
                path.join(" -> "),
                path[0]
            );
            self.problem(cycle[0], &concepts[cycle[0]].id, None, msg);
        }
    }

    /// Concepts with conditions, ordered so that every concept a condition
    /// refers to is decided first.
    fn rule_order(&mut self, concepts: &[Concept]) -> Vec<u32> {
        let refs = |i: usize| -> Vec<usize> {
            let Some(w) = &concepts[i].when else {
                return Vec::new();
            };
            w.terms()
                .filter_map(|t| {
                    if let Term::Concept(j) = t {
                        Some(*j as usize)
                    } else {
                        None
                    }
                })
                .collect()
        };
        if let Some(cycle) = find_cycle(concepts.len(), refs) {
            let path: Vec<&str> = cycle.iter().map(|&i| concepts[i].id.as_str()).collect();
            let msg = format!(
                "conditions refer to each other in a cycle: {}",
                path.join(" -> ")
            );
            self.problem(cycle[0], &concepts[cycle[0]].id, None, msg);
            return Vec::new();
        }
        let mut order = Vec::new();
        let mut done = vec![false; concepts.len()];
        fn visit(i: usize, concepts: &[Concept], done: &mut [bool], order: &mut Vec<u32>) {
            if done[i] {
                return;
            }
            done[i] = true;
            if let Some(w) = &concepts[i].when {
                for t in w.terms() {
                    if let Term::Concept(j) = t {
                        visit(*j as usize, concepts, done, order);
                    }
                }
                order.push(i as u32);
            }
        }
        for i in 0..concepts.len() {
            visit(i, concepts, &mut done, &mut order);
        }
        order
    }
}

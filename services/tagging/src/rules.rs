//! Deciding which concepts a story is about, from the matcher's hits:
//! surnames count only with the full name, conditions (`all_of`, `any_of`,
//! `none_of`) are checked over the whole story, and every concept found
//! implies its broader concepts. Only concepts touched by a hit are looked
//! at, so the work does not grow with the taxonomy.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::index_map::{IndexMap, Reset};
use crate::matcher::{Hit, TermIds, What};
use crate::taxonomy::{Form, Taxonomy, Term};

/// An item of a compiled condition.
#[derive(Debug, Clone, Copy)]
enum Item {
    Term(u32),
    Concept(u32),
}

#[derive(Debug, Clone)]
struct Compiled {
    all_of: Vec<Vec<Item>>,
    any_of: Vec<Item>,
    /// The concepts of `any_of`.
    any_concepts: Vec<u32>,
    min_distinct: usize,
    none_of: Vec<Item>,
    unless_any_of: Vec<Item>,
}

/// The rank of concepts without a condition: after all the others.
const UNRANKED: u32 = u32::MAX;

/// The taxonomy's conditions and links, indexed by concept for per-story decisions.
#[derive(Debug)]
pub(crate) struct Rules {
    conditions: Vec<Option<Box<Compiled>>>,
    /// Position in the taxonomy's rule order (conditions only), else [`UNRANKED`].
    rank: Vec<u32>,
    /// For each term, the concepts whose condition needs it.
    term_users: Lists,
    /// For each term, the concepts whose `any_of` lists it: a Media Topic
    /// lists hundreds of terms and a story holds a few, so each story term
    /// is credited to its concepts once, rather than each condition looking
    /// up every story term.
    any_term_users: Lists,
    /// For each concept, the concepts whose condition refers to it.
    concept_users: Lists,
    broader: Lists,
    /// Concepts with a name of their own (not only surnames).
    named: Vec<bool>,
}

/// One list of concepts per term or concept, in two allocations rather
/// than one per list.
#[derive(Debug, Default)]
struct Lists {
    /// List `i` is `items[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Lists {
    fn new<'a>(lists: impl ExactSizeIterator<Item = &'a [u32]>) -> Self {
        let mut out = Lists {
            starts: Vec::with_capacity(lists.len() + 1),
            items: Vec::new(),
        };
        out.starts.push(0);
        for list in lists {
            out.items.extend_from_slice(list);
            out.starts.push(out.items.len() as u32);
        }
        out.items.shrink_to_fit();
        out
    }

    fn get(&self, i: u32) -> &[u32] {
        match (self.starts.get(i as usize), self.starts.get(i as usize + 1)) {
            (Some(&from), Some(&to)) => &self.items[from as usize..to as usize],
            _ => &[],
        }
    }

    fn memory_usage(&self) -> usize {
        (self.starts.capacity() + self.items.capacity()) * size_of::<u32>()
    }
}

/// Why one concept is in the story.
#[derive(Debug, Default, Clone)]
pub(crate) struct Found {
    /// Hits that name it, or that met its condition.
    pub(crate) hits: Vec<u32>,
    /// Met a condition (a topic or story) rather than being named.
    pub(crate) by_rule: bool,
    /// Distinct positive items that met the condition.
    pub(crate) distinct: u32,
    /// Narrower concepts found in the story that imply it.
    pub(crate) narrower: Vec<u32>,
}

impl Found {
    /// Found by its own names or condition, not only through a narrower concept.
    pub(crate) fn is_direct(&self) -> bool {
        !self.hits.is_empty() || self.by_rule
    }
}

impl Reset for Found {
    fn reset(&mut self) {
        self.hits.clear();
        self.by_rule = false;
        self.distinct = 0;
        self.narrower.clear();
    }
}

/// The working memory of [`Rules::decide`], kept from story to story so
/// that deciding allocates nothing once a thread has seen a few stories.
#[derive(Debug, Default)]
pub(crate) struct Decisions {
    /// Every concept the hits support, with the reasons: the outcome.
    pub(crate) found: IndexMap<Found>,
    /// Hits per concept named in full (surnames joined in).
    named: IndexMap<Vec<u32>>,
    /// Hits per condition term.
    terms: IndexMap<Vec<u32>>,
    /// Per concept, the story's terms its `any_of` lists.
    any_met: IndexMap<Vec<u32>>,
    /// (concept, hit, whether it stands alone) for each surname.
    surnames: Vec<(u32, u32, bool)>,
    /// Conditions to check, by (rank, concept).
    queue: BinaryHeap<Reverse<(u32, u32)>>,
    stack: Vec<u32>,
    evidence: Vec<u32>,
}

impl Rules {
    pub(crate) fn new(taxonomy: &Taxonomy, terms: &TermIds) -> Self {
        let n = taxonomy.concepts.len();
        let mut conditions = vec![None; n];
        let mut term_users = vec![Vec::new(); terms.len()];
        let mut concept_users = vec![Vec::new(); n];
        let mut any_term_users = vec![Vec::new(); terms.len()];
        let item = |t: &Term| match t {
            Term::Word { text, prefix } => terms.get(text, *prefix).map(Item::Term),
            Term::Concept(c) => Some(Item::Concept(*c)),
        };
        for (i, c) in taxonomy.concepts.iter().enumerate() {
            let Some(w) = &c.when else { continue };
            let any_of: Vec<Item> = w.any_of.iter().filter_map(item).collect();
            let mut any_terms: Vec<u32> = any_of
                .iter()
                .filter_map(|i| match *i {
                    Item::Term(t) => Some(t),
                    Item::Concept(_) => None,
                })
                .collect();
            any_terms.sort_unstable();
            any_terms.dedup();
            for &t in &any_terms {
                any_term_users[t as usize].push(i as u32);
            }
            let any_concepts = any_of
                .iter()
                .filter_map(|i| match *i {
                    Item::Concept(c) => Some(c),
                    Item::Term(_) => None,
                })
                .collect();
            let compiled = Compiled {
                all_of: w
                    .all_of
                    .iter()
                    .map(|g| g.iter().filter_map(item).collect())
                    .collect(),
                any_of,
                any_concepts,
                min_distinct: w.min_distinct,
                none_of: w.none_of.iter().filter_map(item).collect(),
                unless_any_of: w.unless_any_of.iter().filter_map(item).collect(),
            };
            for it in compiled.all_of.iter().flatten().chain(&compiled.any_of) {
                match *it {
                    Item::Term(t) => term_users[t as usize].push(i as u32),
                    Item::Concept(k) => concept_users[k as usize].push(i as u32),
                }
            }
            conditions[i] = Some(Box::new(compiled));
        }
        for users in term_users.iter_mut().chain(&mut concept_users) {
            users.dedup();
        }
        let mut rank = vec![UNRANKED; n];
        for (r, &c) in taxonomy.rule_order.iter().enumerate() {
            rank[c as usize] = r as u32;
        }
        let broader = Lists::new(taxonomy.concepts.iter().map(|c| &c.broader[..]));
        let named = taxonomy
            .concepts
            .iter()
            .map(|c| c.names.iter().any(|n| n.form != Form::Surname))
            .collect();
        Self {
            conditions,
            rank,
            term_users: Lists::new(term_users.iter().map(Vec::as_slice)),
            any_term_users: Lists::new(any_term_users.iter().map(Vec::as_slice)),
            concept_users: Lists::new(concept_users.iter().map(Vec::as_slice)),
            broader,
            named,
        }
    }

    /// Heap bytes of the tables.
    pub(crate) fn memory_usage(&self) -> usize {
        let items = |v: &[Item]| size_of_val(v);
        let conditions: usize = self
            .conditions
            .iter()
            .flatten()
            .map(|c| {
                size_of::<Compiled>()
                    + c.all_of
                        .iter()
                        .map(|g| size_of::<Vec<Item>>() + items(g))
                        .sum::<usize>()
                    + items(&c.any_of)
                    + size_of_val(&c.any_concepts[..])
                    + items(&c.none_of)
                    + items(&c.unless_any_of)
            })
            .sum();
        self.conditions.len() * size_of::<Option<Box<Compiled>>>()
            + conditions
            + self.rank.len() * 4
            + self.term_users.memory_usage()
            + self.any_term_users.memory_usage()
            + self.concept_users.memory_usage()
            + self.broader.memory_usage()
            + self.named.len()
    }

    /// Every concept the hits support, with the reasons, into `d.found`.
    pub(crate) fn decide(&self, hits: &[Hit], d: &mut Decisions) {
        let Decisions {
            found,
            named,
            terms,
            any_met,
            surnames,
            queue,
            stack,
            evidence,
        } = d;
        found.clear();
        queue.clear();
        group_hits(hits, named, terms, surnames);
        any_met.clear();
        for t in terms.keys() {
            for &u in self.any_term_users.get(t) {
                any_met.get_or_default(u).push(t);
            }
        }
        let mut story = Story {
            rules: self,
            found,
            terms,
            any_met,
            queue,
            stack,
        };
        for (concept, list) in named.iter() {
            match self.rank[concept as usize] {
                UNRANKED => story.add(concept, list, false, 0),
                r => story.queue.push(Reverse((r, concept))),
            }
        }
        for t in story.terms.keys() {
            for &u in self.term_users.get(t) {
                story.queue.push(Reverse((self.rank[u as usize], u)));
            }
        }
        let mut last = None;
        while let Some(Reverse(next)) = story.queue.pop() {
            // An entry queued twice pops twice in a row, with nothing changed in between.
            if last.replace(next) == Some(next) {
                continue;
            }
            let concept = next.1;
            if story.found.get(concept).is_some_and(Found::is_direct) {
                continue;
            }
            let names = named.get(concept);
            if self.named[concept as usize] && names.is_none() {
                continue;
            }
            let Some(cond) = &self.conditions[concept as usize] else {
                continue;
            };
            if let Some(distinct) = story.check(concept, cond, evidence) {
                match names {
                    Some(n) => story.add(concept, n, false, distinct),
                    None => story.add(concept, evidence, true, distinct),
                }
            }
        }
    }
}

/// The hits by concept named in full (with the surnames that go with them)
/// and by condition term.
fn group_hits(
    hits: &[Hit],
    named: &mut IndexMap<Vec<u32>>,
    terms: &mut IndexMap<Vec<u32>>,
    surnames: &mut Vec<(u32, u32, bool)>,
) {
    named.clear();
    terms.clear();
    surnames.clear();
    for (i, h) in hits.iter().enumerate() {
        match h.what {
            What::Name {
                concept,
                form: Form::Surname,
            } => surnames.push((concept, i as u32, false)),
            What::Name {
                concept,
                form: Form::LoneSurname,
            } => surnames.push((concept, i as u32, true)),
            What::Name { concept, .. } => named.get_or_default(concept).push(i as u32),
            What::Term(t) => terms.get_or_default(t).push(i as u32),
            What::Exclusion { .. } => {}
        }
    }
    // A surname alone says nothing; with the full name in the story it is
    // another mention. A surname the person is known by alone names them,
    // unless the story also gives it to someone else ("Judd Trump ... Trump
    // won five frames"): then it too counts only with the full name.
    for &(concept, hit, lone) in surnames.iter() {
        let alone = lone && !surnames.iter().any(|&(c, _, l)| c == concept && !l);
        if alone {
            named.get_or_default(concept).push(hit);
        } else if let Some(list) = named.get_mut(concept) {
            list.push(hit);
        }
    }
}

/// The decisions for one story so far.
struct Story<'a> {
    rules: &'a Rules,
    found: &'a mut IndexMap<Found>,
    terms: &'a IndexMap<Vec<u32>>,
    any_met: &'a IndexMap<Vec<u32>>,
    queue: &'a mut BinaryHeap<Reverse<(u32, u32)>>,
    stack: &'a mut Vec<u32>,
}

impl Story<'_> {
    /// Records `concept` as found directly, implies its broader concepts and
    /// queues the conditions that refer to any of them.
    fn add(&mut self, concept: u32, hits: &[u32], by_rule: bool, distinct: u32) {
        let f = self.found.get_or_default(concept);
        f.hits.clear();
        f.hits.extend_from_slice(hits);
        f.by_rule = by_rule;
        f.distinct = distinct;
        self.stack.clear();
        self.stack.push(concept);
        while let Some(c) = self.stack.pop() {
            for &u in self.rules.concept_users.get(c) {
                self.queue.push(Reverse((self.rules.rank[u as usize], u)));
            }
            for &b in self.rules.broader.get(c) {
                let entry = self.found.get_or_default(b);
                if !entry.narrower.contains(&c) {
                    entry.narrower.push(c);
                    self.stack.push(b);
                }
            }
        }
    }

    fn present(&self, item: Item) -> bool {
        match item {
            Item::Term(t) => self.terms.contains_key(t),
            Item::Concept(c) => self.found.contains_key(c),
        }
    }

    /// The hits that back an item: a term's matches, a concept's own mentions.
    fn evidence(&self, item: Item, out: &mut Vec<u32>) {
        match item {
            Item::Term(t) => out.extend(self.terms.get(t).into_iter().flatten()),
            Item::Concept(c) => out.extend(self.found.get(c).into_iter().flat_map(|f| &f.hits)),
        }
    }

    /// When the condition holds: the number of distinct items that met it,
    /// with its evidence in `evidence`.
    fn check(&self, concept: u32, cond: &Compiled, evidence: &mut Vec<u32>) -> Option<u32> {
        if cond.none_of.iter().any(|&i| self.present(i))
            && !cond.unless_any_of.iter().any(|&i| self.present(i))
        {
            return None;
        }
        evidence.clear();
        let mut distinct = 0;
        for group in &cond.all_of {
            let met = self.gather(group, evidence);
            if met == 0 {
                return None;
            }
            distinct += met;
        }
        if !cond.any_of.is_empty() {
            let met = self.gather_any(concept, cond, evidence);
            if (met as usize) < cond.min_distinct {
                return None;
            }
            distinct += met;
        }
        evidence.sort_unstable();
        evidence.dedup();
        Some(distinct)
    }

    /// The evidence of the `any_of` items of `concept` present, and how many are.
    fn gather_any(&self, concept: u32, cond: &Compiled, evidence: &mut Vec<u32>) -> u32 {
        let mut met = 0;
        for &t in self.any_met.get(concept).into_iter().flatten() {
            met += 1;
            evidence.extend(self.terms.get(t).into_iter().flatten());
        }
        for &c in &cond.any_concepts {
            if self.found.contains_key(c) {
                met += 1;
                self.evidence(Item::Concept(c), evidence);
            }
        }
        met
    }

    /// The evidence of the items present, and how many are.
    fn gather(&self, items: &[Item], evidence: &mut Vec<u32>) -> u32 {
        let mut met = 0;
        for &i in items.iter().filter(|&&i| self.present(i)) {
            met += 1;
            self.evidence(i, evidence);
        }
        met
    }
}

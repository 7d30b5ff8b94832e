//! Deciding which concepts a story is about, from the matcher's hits:
//! surnames count only with the full name, conditions (`all_of`, `any_of`,
//! `none_of`) are checked over the whole story, and every concept found
//! implies its broader concepts. Only concepts touched by a hit are looked
//! at, so the work does not grow with the taxonomy.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use crate::matcher::{Hit, Matcher, What};
use crate::taxonomy::{Form, Taxonomy, Term};

/// A map keyed by concept or term index. The keys are small distinct
/// integers: SipHash would be wasted on them.
pub(crate) type IndexMap<V> = HashMap<u32, V, BuildHasherDefault<IndexHasher>>;

/// Multiplicative hashing for [`IndexMap`] keys.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IndexHasher(u64);

impl Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

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
    min_distinct: usize,
    none_of: Vec<Item>,
}

/// The taxonomy's conditions and links, indexed for per-story decisions.
#[derive(Debug)]
pub(crate) struct Rules {
    conditions: IndexMap<Compiled>,
    /// Position in the taxonomy's rule order (conditions only).
    rank: IndexMap<u32>,
    /// For each term, the concepts whose condition needs it.
    term_users: Vec<Vec<u32>>,
    /// For each concept, the concepts whose condition refers to it.
    concept_users: IndexMap<Vec<u32>>,
    broader: Vec<Box<[u32]>>,
    /// Concepts with a name of their own (not only surnames).
    named: Vec<bool>,
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

impl Rules {
    pub(crate) fn new(taxonomy: &Taxonomy, matcher: &Matcher) -> Self {
        let mut conditions = IndexMap::default();
        let mut term_users = vec![Vec::new(); matcher.term_count()];
        let mut concept_users: IndexMap<Vec<u32>> = IndexMap::default();
        let item = |t: &Term| match t {
            Term::Word { text, prefix } => matcher.term_id(text, *prefix).map(Item::Term),
            Term::Concept(c) => Some(Item::Concept(*c)),
        };
        for (i, c) in taxonomy.concepts.iter().enumerate() {
            let Some(w) = &c.when else { continue };
            let compiled = Compiled {
                all_of: w
                    .all_of
                    .iter()
                    .map(|g| g.iter().filter_map(item).collect())
                    .collect(),
                any_of: w.any_of.iter().filter_map(item).collect(),
                min_distinct: w.min_distinct,
                none_of: w.none_of.iter().filter_map(item).collect(),
            };
            for it in compiled.all_of.iter().flatten().chain(&compiled.any_of) {
                match *it {
                    Item::Term(t) => term_users[t as usize].push(i as u32),
                    Item::Concept(k) => concept_users.entry(k).or_default().push(i as u32),
                }
            }
            conditions.insert(i as u32, compiled);
        }
        for users in term_users.iter_mut().chain(concept_users.values_mut()) {
            users.dedup();
        }
        let rank = taxonomy
            .rule_order
            .iter()
            .enumerate()
            .map(|(r, &c)| (c, r as u32))
            .collect();
        let broader = taxonomy
            .concepts
            .iter()
            .map(|c| c.broader.clone().into_boxed_slice())
            .collect();
        let named = taxonomy
            .concepts
            .iter()
            .map(|c| c.names.iter().any(|n| n.form != Form::Surname))
            .collect();
        Self {
            conditions,
            rank,
            term_users,
            concept_users,
            broader,
            named,
        }
    }

    /// Every concept the hits support, with the reasons.
    pub(crate) fn decide(&self, hits: &[Hit]) -> IndexMap<Found> {
        let mut named: IndexMap<Vec<u32>> = IndexMap::default();
        let mut surnames: Vec<(u32, u32)> = Vec::new();
        let mut terms: IndexMap<Vec<u32>> = IndexMap::default();
        for (i, h) in hits.iter().enumerate() {
            match h.what {
                What::Name {
                    concept,
                    form: Form::Surname,
                } => surnames.push((concept, i as u32)),
                What::Name { concept, .. } => named.entry(concept).or_default().push(i as u32),
                What::Term(t) => terms.entry(t).or_default().push(i as u32),
                What::Exclusion => {}
            }
        }
        // A surname alone says nothing; with the full name in the story it is another mention.
        for (concept, hit) in surnames {
            if let Some(list) = named.get_mut(&concept) {
                list.push(hit);
            }
        }
        let mut story = Story {
            rules: self,
            found: IndexMap::default(),
            terms,
        };
        let mut queue: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
        for (&concept, list) in &mut named {
            match self.rank.get(&concept) {
                Some(&r) => queue.push(Reverse((r, concept))),
                None => story.add(concept, std::mem::take(list), false, 0, &mut queue),
            }
        }
        for t in story.terms.keys() {
            for &u in self.term_users.get(*t as usize).map_or(&[][..], |v| &v[..]) {
                queue.push(Reverse((self.rank.get(&u).copied().unwrap_or(u32::MAX), u)));
            }
        }
        while let Some(Reverse((_, concept))) = queue.pop() {
            if story.found.get(&concept).is_some_and(Found::is_direct) {
                continue;
            }
            let names = named.get_mut(&concept);
            if self.named[concept as usize] && names.is_none() {
                continue;
            }
            let Some(cond) = self.conditions.get(&concept) else {
                continue;
            };
            if let Some((mut evidence, distinct)) = story.check(cond) {
                let by_rule = names.is_none();
                if let Some(n) = names {
                    evidence = std::mem::take(n);
                }
                story.add(concept, evidence, by_rule, distinct, &mut queue);
            }
        }
        story.found
    }
}

/// The decisions for one story so far.
struct Story<'r> {
    rules: &'r Rules,
    found: IndexMap<Found>,
    terms: IndexMap<Vec<u32>>,
}

impl Story<'_> {
    /// Records `concept` as found directly, implies its broader concepts and
    /// queues the conditions that refer to any of them.
    fn add(
        &mut self,
        concept: u32,
        hits: Vec<u32>,
        by_rule: bool,
        distinct: u32,
        queue: &mut BinaryHeap<Reverse<(u32, u32)>>,
    ) {
        let f = self.found.entry(concept).or_default();
        f.hits = hits;
        f.by_rule = by_rule;
        f.distinct = distinct;
        let mut stack = vec![concept];
        while let Some(c) = stack.pop() {
            for &u in self.rules.concept_users.get(&c).map_or(&[][..], |v| &v[..]) {
                queue.push(Reverse((
                    self.rules.rank.get(&u).copied().unwrap_or(u32::MAX),
                    u,
                )));
            }
            for &b in self
                .rules
                .broader
                .get(c as usize)
                .map_or(&[][..], |v| &v[..])
            {
                let entry = self.found.entry(b).or_default();
                if !entry.narrower.contains(&c) {
                    entry.narrower.push(c);
                    stack.push(b);
                }
            }
        }
    }

    fn present(&self, item: Item) -> bool {
        match item {
            Item::Term(t) => self.terms.contains_key(&t),
            Item::Concept(c) => self.found.contains_key(&c),
        }
    }

    /// The hits that back an item: a term's matches, a concept's own mentions.
    fn evidence(&self, item: Item, out: &mut Vec<u32>) {
        match item {
            Item::Term(t) => out.extend(self.terms.get(&t).into_iter().flatten()),
            Item::Concept(c) => out.extend(self.found.get(&c).into_iter().flat_map(|f| &f.hits)),
        }
    }

    /// When the condition holds: its evidence and the number of distinct items that met it.
    fn check(&self, cond: &Compiled) -> Option<(Vec<u32>, u32)> {
        if cond.none_of.iter().any(|&i| self.present(i)) {
            return None;
        }
        let mut evidence = Vec::new();
        let mut distinct = 0;
        for group in &cond.all_of {
            let met: Vec<Item> = group.iter().copied().filter(|&i| self.present(i)).collect();
            if met.is_empty() {
                return None;
            }
            distinct += met.len() as u32;
            met.into_iter()
                .for_each(|i| self.evidence(i, &mut evidence));
        }
        if !cond.any_of.is_empty() {
            let met: Vec<Item> = cond
                .any_of
                .iter()
                .copied()
                .filter(|&i| self.present(i))
                .collect();
            if met.len() < cond.min_distinct {
                return None;
            }
            distinct += met.len() as u32;
            met.into_iter()
                .for_each(|i| self.evidence(i, &mut evidence));
        }
        evidence.sort_unstable();
        evidence.dedup();
        Some((evidence, distinct))
    }
}

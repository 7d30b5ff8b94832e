//! The trie of all the matcher's patterns, as a double array of four-byte
//! units: node `s`'s child for byte `b` is unit `base(s) ^ b`, and it is
//! that child only when the unit's label is `b` (no two nodes share a base,
//! so a label names its parent too). A step of the walk is one XOR and one
//! read, with no list of transitions to search and no failure links (the
//! matcher only ever walks from a word's start).
//!
//! For the default taxonomy's 66,000 patterns (385,000 nodes) the array
//! holds about 386,000 units (1.5 MB, and as much again for the pattern
//! numbers beside them, read only where a pattern ends). Against aho-corasick's contiguous NFA
//! (9 MB with the dense first levels the walk needed) the tagger ran 5 %
//! fewer instructions with 11 % fewer misses of a 1 MB cache at twice this
//! size, and the walk became cheap enough that the filter which spared it
//! the words no pattern starts like cost more than it saved, so the matcher
//! walks from every word. Halving the units again sped the walk, whose
//! cache misses are most of the matcher's time, by 5 to 10 %.
//!
//! Tried and left out: a trie per set of story languages holding only the
//! patterns such a story's fields can match (for an English field with no
//! letter of another script, 681 KB of the 3.1 MB), walked in place of
//! this one. It found the same matches and changed neither the MB/s nor
//! the matcher's share of the time (a quarter, most of it at the test of
//! each byte's child): the array's size beyond the 1 MB cache is not what
//! the walk waits on now. Nor is the latency of its chain of loads: eight
//! walks taken in step, so that their loads overlap, found the same
//! matches and took more of the time than one walk at a time (31 % against
//! 26 % of the samples, the test of each child still the most of it). What
//! is left is most likely the branch on that test, taken or not as the
//! text goes (no counters here to confirm it).

/// A unit: the base of the node's children (bits 9 up), whether the node
/// ends a pattern (bit 8) and the byte that leads to it (bits 0-7).
type Unit = u32;

const LABEL: u32 = 0xff;
const ENDS: u32 = 1 << 8;
const BASE_SHIFT: u32 = 9;
/// The largest base, and so about the most nodes: 8 million.
const MAX_BASE: usize = (u32::MAX >> BASE_SHIFT) as usize;
/// A unit no node holds: its label is 0xFF, a byte no UTF-8 text has (and
/// a free unit neither ends a pattern nor leads anywhere but base 0).
const FREE: Unit = LABEL;

#[derive(Debug, Default)]
pub(crate) struct Trie {
    units: Vec<Unit>,
    /// The pattern each node that ends one stands for (`u32::MAX` for the others).
    values: Vec<u32>,
}

impl Trie {
    /// A trie of `keys`, each found as its index. Empty keys and repeated
    /// ones (after the first) are left out. Past about 8 million units the
    /// trie is empty and matches nothing: the taxonomy's validation refuses
    /// patterns that could come near it (`MAX_PATTERN_BYTES`).
    pub(crate) fn new(keys: &[String]) -> Self {
        let mut sorted: Vec<Key> = (0u32..)
            .zip(keys)
            .filter(|(_, k)| !k.is_empty())
            .map(|(i, k)| (k.as_bytes(), i))
            .collect();
        sorted.sort_unstable();
        sorted.dedup_by(|a, b| a.0 == b.0);
        let mut builder = Builder {
            trie: Trie {
                units: vec![FREE; 512],
                values: vec![u32::MAX; 512],
            },
            used: vec![0; 8],
            bases: vec![0; 8],
            // The first 256 units are left free, and no base is below 256:
            // a node without children has base 0, and its walk lands on one
            // of them, whose label (0xFF) matches no byte of UTF-8 text.
            first_free: 256,
            end: 0,
        };
        builder.mark_used(0);
        if sorted.is_empty() || builder.place_all(&sorted).is_none() {
            return Trie::default();
        }
        // The array ends at its last node: a walk past it finds no child.
        let len = builder.end;
        let mut trie = builder.trie;
        trie.units.truncate(len);
        trie.values.truncate(len);
        trie.units.shrink_to_fit();
        trie.values.shrink_to_fit();
        trie
    }

    /// Calls `found` with each pattern that is a prefix of `text`, shortest
    /// first, and its length.
    #[inline]
    pub(crate) fn prefixes(&self, text: &[u8], mut found: impl FnMut(u32, usize)) {
        let Some(&root) = self.units.first() else {
            return;
        };
        let mut base = root >> BASE_SHIFT;
        for (len, &byte) in (1..).zip(text) {
            let child = (base ^ u32::from(byte)) as usize;
            match self.units.get(child) {
                Some(&unit) if unit & LABEL == u32::from(byte) => {
                    if unit & ENDS != 0
                        && let Some(&pattern) = self.values.get(child)
                    {
                        found(pattern, len);
                    }
                    base = unit >> BASE_SHIFT;
                }
                _ => return,
            }
        }
    }

    pub(crate) fn memory_usage(&self) -> usize {
        self.units.capacity() * size_of::<Unit>() + self.values.capacity() * size_of::<u32>()
    }
}

/// How many blocks of 256 units at the end of the array the builder
/// searches for a node's base.
const OPEN_BLOCKS: usize = 16;

/// A pattern's bytes and its number.
type Key<'k> = (&'k [u8], u32);

struct Builder {
    trie: Trie,
    /// A bit per unit: taken by a node.
    used: Vec<u64>,
    /// A bit per base: given to a node.
    bases: Vec<u64>,
    /// Where the search for a free unit starts: no unit from there back
    /// to the last blocks the builder still searches is free.
    first_free: usize,
    /// One past the last unit taken.
    end: usize,
}

fn bit(map: &[u64], at: usize) -> bool {
    map.get(at / 64).is_some_and(|w| w & (1 << (at % 64)) != 0)
}

fn set_bit(map: &mut Vec<u64>, at: usize) {
    if at / 64 >= map.len() {
        map.resize(at / 64 + 1, 0);
    }
    map[at / 64] |= 1 << (at % 64);
}

impl Builder {
    fn mark_used(&mut self, unit: usize) {
        set_bit(&mut self.used, unit);
        self.end = self.end.max(unit + 1);
    }

    /// Places every node of the trie of `keys` (sorted) below the root,
    /// depth first, so that the nodes of one word's walk lie close (laid
    /// out level by level, the tagger missed the cache 10 % more often).
    /// With a stack of its own: a pattern thousands of bytes long is as
    /// deep as that. `None` when the array would outgrow its bases.
    fn place_all(&mut self, keys: &[Key]) -> Option<()> {
        let mut stack = vec![(0, keys, 0)];
        let mut children = Vec::new();
        while let Some((node, keys, depth)) = stack.pop() {
            children.clear();
            let base = self.place(node, keys, depth, &mut children)?;
            // The first child on top: visited first, as recursion would.
            for &(label, run) in children.iter().rev() {
                stack.push((base ^ usize::from(label), run, depth + 1));
            }
        }
        Some(())
    }

    /// Gives node `node` the children that `keys` (sorted, sharing their
    /// first `depth` bytes, which lead to `node`) continue with, listed in
    /// `children` with their runs of keys; returns their base.
    fn place<'k>(
        &mut self,
        node: usize,
        keys: &'k [Key<'k>],
        depth: usize,
        children: &mut Vec<(u8, &'k [Key<'k>])>,
    ) -> Option<usize> {
        // A key that ends here makes the node the end of a pattern; sorted,
        // it comes first.
        let mut rest = keys;
        if let Some(&(key, value)) = rest.first()
            && key.len() == depth
        {
            *self.trie.units.get_mut(node)? |= ENDS;
            *self.trie.values.get_mut(node)? = value;
            rest = &rest[1..];
        }
        if rest.is_empty() {
            return Some(0);
        }
        // The children's labels, and each one's run of keys.
        while let Some(&(key, _)) = rest.first() {
            let label = *key.get(depth)?;
            let run = rest
                .iter()
                .position(|(k, _)| k.get(depth) != Some(&label))
                .unwrap_or(rest.len());
            children.push((label, &rest[..run]));
            rest = &rest[run..];
        }
        let base = self.find_base(children)?;
        let unit = self.trie.units.get_mut(node)?;
        *unit = (*unit & (LABEL | ENDS)) | (u32::try_from(base).ok()? << BASE_SHIFT);
        for &(label, _) in children.iter() {
            let at = base ^ usize::from(label);
            self.mark_used(at);
            self.trie.units[at] = u32::from(label);
        }
        Some(base)
    }

    /// The first base (256 or more, and no other node's), from the last
    /// [`OPEN_BLOCKS`] blocks on, at which every label of `children` lands
    /// on a free unit; grows the array to hold them.
    fn find_base(&mut self, children: &[(u8, &[Key])]) -> Option<usize> {
        let first = usize::from(children.first()?.0);
        // Only the last blocks of the array are searched: further back,
        // the free units left are those whose bases other nodes hold, and
        // passing over them again for every node made building quadratic.
        let floor = self.end.saturating_sub(OPEN_BLOCKS * 256);
        self.first_free = self.next_free(self.first_free.max(floor));
        let mut at = self.first_free;
        loop {
            let base = at ^ first;
            if !bit(&self.bases, base)
                && children
                    .iter()
                    .all(|&(label, _)| !bit(&self.used, base ^ usize::from(label)))
            {
                // The base's block of 256 units, where its children are.
                let end = (base | 0xff) + 1;
                if base > MAX_BASE {
                    return None;
                }
                if end > self.trie.units.len() {
                    let len = end.max(self.trie.units.len() * 5 / 4);
                    self.trie.units.resize(len, FREE);
                    self.trie.values.resize(len, u32::MAX);
                }
                set_bit(&mut self.bases, base);
                return Some(base);
            }
            at = self.next_free(at + 1);
        }
    }

    /// The first free unit from `at` on, skipping full words of the map.
    fn next_free(&self, mut at: usize) -> usize {
        while let Some(&word) = self.used.get(at / 64) {
            let free = !word >> (at % 64);
            if free != 0 {
                return at + free.trailing_zeros() as usize;
            }
            at = (at / 64 + 1) * 64;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(trie: &Trie, text: &str) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        trie.prefixes(text.as_bytes(), |p, len| out.push((p, len)));
        out
    }

    #[test]
    fn finds_every_pattern_that_starts_the_text_shortest_first() {
        let keys: Vec<String> = [
            " new",
            " new york",
            " newcastle",
            " york",
            " new york city",
            " ne",
        ]
        .map(String::from)
        .to_vec();
        let trie = Trie::new(&keys);
        assert_eq!(
            prefixes(&trie, " new york city hall"),
            [(5, 3), (0, 4), (1, 9), (4, 14)]
        );
        assert_eq!(prefixes(&trie, " newcastle"), [(5, 3), (0, 4), (2, 10)]);
        assert_eq!(prefixes(&trie, " yorkshire"), [(3, 5)]);
        assert_eq!(prefixes(&trie, " nx"), []);
        assert_eq!(prefixes(&trie, "new"), []);
        assert_eq!(prefixes(&trie, ""), []);
    }

    #[test]
    fn a_unit_of_another_node_is_no_child() {
        // Children of different nodes share the array: a byte that lands on
        // another node's child is not a transition.
        let keys: Vec<String> = (0..400u32)
            .map(|i| format!(" {}{}", char::from(b'a' + (i % 26) as u8), i))
            .chain(["\u{00e9}t\u{00e9}".to_string(), "\u{044f}".to_string()])
            .collect();
        let trie = Trie::new(&keys);
        for (i, k) in keys.iter().enumerate() {
            let found = prefixes(&trie, k);
            assert_eq!(found.last(), Some(&(i as u32, k.len())), "{k}");
            let mut tail = k.clone();
            tail.push('~');
            assert_eq!(prefixes(&trie, &tail).last(), Some(&(i as u32, k.len())));
        }
        for miss in [" a1x", " zz", " a", "\u{00e9}", "\u{044e}", " b400"] {
            assert!(
                prefixes(&trie, miss)
                    .iter()
                    .all(|&(_, len)| len < miss.len() && keys.contains(&miss[..len].to_string())),
                "{miss}"
            );
        }
    }

    #[test]
    fn fifty_thousand_patterns_are_each_found() {
        // Enough nodes for the builder to leave blocks behind as it goes.
        let keys: Vec<String> = (0..50_000u64)
            .map(|i| {
                let scrambled = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
                format!(
                    " {scrambled:x} {}",
                    ["ab", "él", "мир", "北京"][(i % 4) as usize]
                )
            })
            .collect();
        let trie = Trie::new(&keys);
        for (i, k) in keys.iter().enumerate() {
            assert!(prefixes(&trie, k).contains(&(i as u32, k.len())), "{k}");
        }
        assert_eq!(prefixes(&trie, " zz"), []);
    }

    #[test]
    fn the_walk_stops_at_a_node_without_children() {
        let keys: Vec<String> = [" a", " ab", " b"].map(String::from).to_vec();
        let trie = Trie::new(&keys);
        // " ab" has no children: each byte after it lands on a free unit.
        for tail in 0..=255u8 {
            let Ok(text) = std::str::from_utf8(&[b' ', b'a', b'b', tail]).map(str::to_owned) else {
                continue;
            };
            assert_eq!(prefixes(&trie, &text), [(0, 2), (1, 3)], "{text:?}");
        }
    }

    #[test]
    fn a_pattern_of_a_hundred_thousand_bytes_builds_without_recursion() {
        let long = format!(" {}", "ab".repeat(50_000));
        let trie = Trie::new(&[long.clone(), " a".to_owned()]);
        assert_eq!(prefixes(&trie, &long), [(1, 2), (0, long.len())]);
    }

    #[test]
    fn an_empty_set_of_patterns_matches_nothing() {
        let trie = Trie::new(&[String::new()]);
        assert_eq!(prefixes(&trie, " anything"), []);
        assert_eq!(trie.memory_usage(), 0);
    }
}

//! [`IndexMap`]: the per-story maps keyed by concept or term index. A
//! story touches a handful of the taxonomy's concepts, and the engine tags
//! stories one after another on each thread, so these maps are cleared and
//! refilled rather than rebuilt: clearing is O(1), and the values (with
//! their vectors) stay allocated for the next story.

/// A value that an [`IndexMap`] can reuse for another key.
pub(crate) trait Reset: Default {
    /// Back to the state of `Default::default()`, keeping allocations.
    fn reset(&mut self);
}

impl<T> Reset for Vec<T> {
    fn reset(&mut self) {
        self.clear();
    }
}

/// A map from small integer keys to values, in insertion order.
#[derive(Debug)]
pub(crate) struct IndexMap<V> {
    /// Per key, its position in `keys`; stale unless `keys[position] == key`,
    /// which is what makes clearing O(1).
    positions: Vec<u32>,
    keys: Vec<u32>,
    /// Values by position; those past `keys.len()` are spares from earlier stories.
    values: Vec<V>,
}

impl<V> Default for IndexMap<V> {
    fn default() -> Self {
        Self {
            positions: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<V: Reset> IndexMap<V> {
    /// Forgets every entry; their values are kept for reuse.
    pub(crate) fn clear(&mut self) {
        self.keys.clear();
    }

    fn position(&self, key: u32) -> Option<usize> {
        let p = *self.positions.get(key as usize)? as usize;
        (self.keys.get(p) == Some(&key)).then_some(p)
    }

    /// True when `key` has an entry.
    pub(crate) fn contains_key(&self, key: u32) -> bool {
        self.position(key).is_some()
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: u32) -> Option<&V> {
        self.position(key).map(|p| &self.values[p])
    }

    /// The value of `key`, to change.
    pub(crate) fn get_mut(&mut self, key: u32) -> Option<&mut V> {
        self.position(key).map(|p| &mut self.values[p])
    }

    /// The value of `key`, inserting a default one first if there is none.
    pub(crate) fn get_or_default(&mut self, key: u32) -> &mut V {
        let p = match self.position(key) {
            Some(p) => p,
            None => self.insert_default(key),
        };
        &mut self.values[p]
    }

    fn insert_default(&mut self, key: u32) -> usize {
        let p = self.keys.len();
        let k = key as usize;
        if self.positions.len() <= k {
            self.positions.resize(k + 1, 0);
        }
        self.positions[k] = p as u32;
        self.keys.push(key);
        match self.values.get_mut(p) {
            Some(spare) => spare.reset(),
            None => self.values.push(V::default()),
        }
        p
    }

    /// The keys, in insertion order.
    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.keys.iter().copied()
    }

    /// The entries, in insertion order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &V)> {
        self.keys.iter().copied().zip(&self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_forgets_keys_but_reuses_values() {
        let mut m: IndexMap<Vec<u32>> = IndexMap::default();
        m.get_or_default(7).push(1);
        m.get_or_default(3).push(2);
        m.get_or_default(7).push(3);
        assert_eq!(m.get(7), Some(&vec![1, 3]));
        assert_eq!(m.keys().collect::<Vec<_>>(), [7, 3]);
        m.clear();
        assert!(!m.contains_key(7) && !m.contains_key(3) && m.keys().len() == 0);
        // Key 3 now lands in the slot key 7 had: its value starts empty.
        assert!(m.get_or_default(3).is_empty());
        assert_eq!(m.get(7), None);
        assert_eq!(m.iter().count(), 1);
    }
}

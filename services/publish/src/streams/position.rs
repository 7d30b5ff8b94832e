//! Resumable positions in the published topic. A position is the next
//! offset to read in every partition, written `0:15,1:7,2:22`; it is the
//! `id:` of every stream event, so a client that reconnects with it gets
//! exactly what it had not seen yet: no gap, no repeat.

use std::collections::BTreeMap;
use std::fmt;

/// Partition → next offset to deliver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position(BTreeMap<i32, i64>);

impl Position {
    /// A position from partition → next offset pairs.
    pub fn from_offsets(offsets: impl IntoIterator<Item = (i32, i64)>) -> Self {
        Self(offsets.into_iter().collect())
    }

    /// Parses `p:o,p:o,...`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut map = BTreeMap::new();
        for pair in s.split(',').filter(|p| !p.is_empty()) {
            let (p, o) = pair.split_once(':')?;
            let (p, o) = (p.trim().parse::<i32>().ok()?, o.trim().parse::<i64>().ok()?);
            if p < 0 || o < 0 {
                return None;
            }
            map.insert(p, o);
        }
        (!map.is_empty()).then_some(Self(map))
    }

    /// The first partition it names that is not among `known`.
    pub fn unknown_partition(&self, known: &[i32]) -> Option<i32> {
        self.0.keys().copied().find(|p| !known.contains(p))
    }

    /// Next offset of `partition`, when known.
    pub fn get(&self, partition: i32) -> Option<i64> {
        self.0.get(&partition).copied()
    }

    /// Records that `offset` of `partition` was delivered.
    pub fn advance(&mut self, partition: i32, offset: i64) {
        let next = self.0.entry(partition).or_insert(0);
        *next = (*next).max(offset + 1);
    }

    /// Whether the record at `offset` of `partition` was already delivered.
    pub fn has_passed(&self, partition: i32, offset: i64) -> bool {
        self.get(partition).is_some_and(|next| offset < next)
    }

    /// The partitions and next offsets.
    pub fn iter(&self) -> impl Iterator<Item = (i32, i64)> + '_ {
        self.0.iter().map(|(p, o)| (*p, *o))
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (p, o) in &self.0 {
            if !first {
                f.write_str(",")?;
            }
            write!(f, "{p}:{o}")?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_advances() {
        let mut p = Position::parse("0:15,1:7,2:22").unwrap();
        assert_eq!(p.to_string(), "0:15,1:7,2:22");
        assert!(p.has_passed(1, 6) && !p.has_passed(1, 7));
        p.advance(1, 7);
        assert_eq!(p.to_string(), "0:15,1:8,2:22");
        p.advance(1, 3);
        assert_eq!(p.get(1), Some(8), "never moves back");
    }

    #[test]
    fn finds_partitions_that_do_not_exist() {
        let p = Position::parse("0:15,1:7,7:2").unwrap();
        assert_eq!(p.unknown_partition(&[0, 1, 2]), Some(7));
        assert_eq!(p.unknown_partition(&[0, 1, 2, 7]), None);
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "x", "0:", "0:-1", "a:1", "0:1,,x:2"] {
            assert_eq!(Position::parse(bad), None, "{bad}");
        }
    }
}

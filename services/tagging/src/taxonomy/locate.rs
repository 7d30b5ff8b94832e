//! Finding the line of a concept, or of a value inside it, in the source
//! text. serde does not keep positions, so we look the ids up again: cheap,
//! and exact for files written the documented way (`- id:` first).

/// Line lookup over one taxonomy source.
#[derive(Debug)]
pub(crate) struct Locator<'a> {
    lines: Vec<&'a str>,
    /// 0-based line of each concept's `id:` key, in concept order.
    starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    /// Indexes `source` for concepts with these ids, in file order.
    pub(crate) fn new<'i>(source: &'a str, ids: impl IntoIterator<Item = &'i str>) -> Self {
        let lines: Vec<&str> = source.lines().collect();
        let mut starts = Vec::new();
        let mut from = 0;
        for id in ids {
            let found = (from..lines.len()).find(|&i| id_on_line(lines[i]) == Some(id));
            let at = found.unwrap_or(from.min(lines.len().saturating_sub(1)));
            starts.push(at);
            from = found.map_or(from, |i| i + 1);
        }
        Self { lines, starts }
    }

    /// 1-based line of concept `index`.
    pub(crate) fn concept_line(&self, index: usize) -> usize {
        self.starts.get(index).map_or(1, |l| l + 1)
    }

    /// 1-based line of the first mention of `needle` inside concept `index`
    /// (the concept's own line when the value is not found).
    pub(crate) fn value_line(&self, index: usize, needle: &str) -> usize {
        let start = self.starts.get(index).copied().unwrap_or(0);
        let end = self
            .starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.lines.len())
            .max(start + 1);
        (start..end.min(self.lines.len()))
            .find(|&i| self.lines[i].contains(needle))
            .map_or(start + 1, |i| i + 1)
    }

    /// 1-based line of the first line starting with `key:` (file-level keys).
    pub(crate) fn key_line(&self, key: &str) -> usize {
        self.lines
            .iter()
            .position(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
            .map_or(1, |i| i + 1)
    }
}

/// The id on a `- id: x`, `id: x` or `- {id: x, ...}` line.
fn id_on_line(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix('-').map_or(t, str::trim_start);
    let t = t.strip_prefix('{').map_or(t, str::trim_start);
    let value = t.strip_prefix("id:")?;
    let end = value.find([',', '}', '#']).unwrap_or(value.len());
    Some(value[..end].trim().trim_matches(|c| c == '"' || c == '\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_concepts_and_values() {
        let src = "version: 1\nconcepts:\n  - id: a\n    name: A\n  - id: \"b\"\n    broader: [zz]\n  - {id: c, name: C}\n";
        let loc = Locator::new(src, ["a", "b", "c"]);
        assert_eq!(loc.concept_line(2), 7);
        assert_eq!(loc.concept_line(0), 3);
        assert_eq!(loc.concept_line(1), 5);
        assert_eq!(loc.value_line(1, "zz"), 6);
        assert_eq!(loc.key_line("concepts"), 2);
    }
}

//! The small rules the validator applies: names, ids, URIs, and cycles in
//! the concept graphs.

/// A cycle in the graph `next`, as the list of nodes on it.
pub(super) fn find_cycle(n: usize, next: impl Fn(usize) -> Vec<usize>) -> Option<Vec<usize>> {
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    let mut path = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, next(start), 0usize)];
        state[start] = 1;
        path.push(start);
        while let Some((node, succ, pos)) = stack.last_mut() {
            if let Some(&s) = succ.get(*pos) {
                *pos += 1;
                match state[s] {
                    0 => {
                        state[s] = 1;
                        path.push(s);
                        let nx = next(s);
                        stack.push((s, nx, 0));
                    }
                    1 => {
                        let from = path.iter().position(|&p| p == s).unwrap_or(0);
                        return Some(path[from..].to_vec());
                    }
                    _ => {}
                }
            } else {
                state[*node] = 2;
                path.pop();
                stack.pop();
            }
        }
    }
    None
}

/// Why a name or term cannot be matched, if it cannot.
pub(super) fn bad_name(text: &str) -> Option<&'static str> {
    if text.trim() != text {
        Some("has leading or trailing spaces")
    } else if !text.chars().any(char::is_alphanumeric) {
        Some("has no letters or digits")
    } else if crate::text::fold(text).trim().is_empty() {
        Some("has nothing left to match once folded (only marks or tatweel)")
    } else if text.contains('*') {
        Some("contains `*`: only condition terms may end in `*`")
    } else if text.contains("  ") || text.contains(['\n', '\t']) {
        Some("must separate words with single spaces")
    } else {
        None
    }
}

pub(super) fn is_valid_id(id: &str) -> bool {
    id.contains('/')
        && !id.starts_with('/')
        && !id.ends_with('/')
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'/' | b'_')
        })
}

/// A scheme (`https:`, `urn:`), then something, and no spaces: what the
/// ninjs schema's `format: uri` needs.
pub(super) fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok
        && !rest.is_empty()
        && !s.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`')
        })
}

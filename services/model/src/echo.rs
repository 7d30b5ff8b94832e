//! Bounds on what Newsfeed repeats back of untrusted input. An error names
//! the field and shows at most a short prefix of the value, so a 3 MB bad
//! value never comes back whole in an answer or a log line.

/// Longest quoted value shown in a message, in characters.
pub const MAX_ECHO_CHARS: usize = 40;

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// `value` as shown in a message: at most [`MAX_ECHO_CHARS`] characters,
/// with `…` when cut.
pub fn clip(value: &str) -> String {
    clip_to(value, MAX_ECHO_CHARS)
}

/// A story uri as a log line names it: whole when it is a valid one (at
/// most [`crate::uri::MAX_URI_LEN`] bytes), so logs can be searched by uri;
/// cut beyond that.
pub fn clip_uri(value: &str) -> String {
    clip_to(value, crate::uri::MAX_URI_LEN)
}

fn clip_to(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}…", &value[..cut]),
    }
}

/// `message` with every `` `quoted` `` or `"quoted"` segment clipped to
/// [`MAX_ECHO_CHARS`] and the whole clipped to [`MAX_MESSAGE_CHARS`].
pub fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_CHARS * 4));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find(quote) {
            Some(close) => {
                out.push_str(&clip(&after[..close]));
                out.push(quote);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&clip(after));
                rest = "";
            }
        }
        if out.len() > MAX_MESSAGE_CHARS * 4 {
            break;
        }
    }
    out.push_str(rest);
    clip_to(&out, MAX_MESSAGE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_cut() {
        let long = "x".repeat(3_000_000);
        let msg = clip_quoted(&format!("`{long}` is not one of usable, withheld"));
        assert!(msg.chars().count() < 100, "{msg}");
        assert!(msg.starts_with(&format!("`{}…`", "x".repeat(MAX_ECHO_CHARS))));
        assert!(msg.ends_with("is not one of usable, withheld"));
        let msg = clip_quoted(&format!("invalid type: string \"{long}\", expected u32"));
        assert!(msg.ends_with("\", expected u32"), "{msg}");
    }

    #[test]
    fn short_messages_pass_unchanged() {
        let m = "`published` is not one of usable, withheld, canceled";
        assert_eq!(clip_quoted(m), m);
        assert_eq!(clip_quoted("no quotes at all"), "no quotes at all");
        assert_eq!(clip("Москва"), "Москва");
        assert_eq!(clip(&"я".repeat(50)).chars().count(), MAX_ECHO_CHARS + 1);
    }

    #[test]
    fn unterminated_quotes_and_long_messages_are_bounded() {
        let msg = clip_quoted(&format!("`{}", "y".repeat(10_000)));
        assert!(msg.chars().count() <= MAX_ECHO_CHARS + 2);
        let msg = clip_quoted(&"word ".repeat(1000));
        assert_eq!(msg.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}

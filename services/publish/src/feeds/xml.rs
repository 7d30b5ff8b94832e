//! Writing XML by hand for the RSS and Atom renderers: escaping text and
//! attribute values, and emitting simple elements. A feed is a flat list of
//! short elements, so a few functions do what an XML library would, without
//! another dependency.

use std::borrow::Cow;
use std::fmt::Write;

/// The XML declaration every feed document starts with.
pub(super) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// Escapes `s` for XML text and double- or single-quoted attribute values.
/// Characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE, U+FFFF)
/// are dropped: no escape exists for them, and one would make the whole
/// document unreadable to a strict parser.
pub(super) fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_escape(c) || !is_xml_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Escapes plain text for an element whose content readers treat as HTML
/// (RSS `<description>`): HTML-escaped first so `<b>` shows as text, then
/// XML-escaped for the document.
pub(super) fn escape_text_as_html(s: &str) -> String {
    escape(&escape(s)).into_owned()
}

fn needs_escape(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'')
}

/// XML 1.0 `Char`: tab, newline, carriage return and everything from U+0020
/// except U+FFFE and U+FFFF (surrogates cannot occur in a Rust `char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Writes `<name attr="value"...>text</name>` with `text` escaped.
pub(super) fn element(out: &mut String, name: &str, attrs: &[(&str, &str)], text: &str) {
    open(out, name, attrs);
    out.push_str(&escape(text));
    let _ = writeln!(out, "</{name}>");
}

/// Writes `<name attr="value"...>` with the values escaped.
pub(super) fn open(out: &mut String, name: &str, attrs: &[(&str, &str)]) {
    out.push('<');
    out.push_str(name);
    write_attrs(out, attrs);
    out.push('>');
}

/// Writes the empty element `<name attr="value".../>`.
pub(super) fn empty(out: &mut String, name: &str, attrs: &[(&str, &str)]) {
    out.push('<');
    out.push_str(name);
    write_attrs(out, attrs);
    out.push_str("/>\n");
}

/// Writes `</name>` and a newline.
pub(super) fn close(out: &mut String, name: &str) {
    let _ = writeln!(out, "</{name}>");
}

fn write_attrs(out: &mut String, attrs: &[(&str, &str)]) {
    for (key, value) in attrs {
        let _ = write!(out, " {key}=\"{}\"", escape(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escape("Fish & Chips <b>"), "Fish &amp; Chips &lt;b&gt;");
        assert_eq!(escape(r#"say "hi" it's"#), "say &quot;hi&quot; it&apos;s");
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(escape("Protests in Almaty"), Cow::Borrowed(_)));
        assert!(matches!(escape("Côte d’Ivoire — 🗞"), Cow::Borrowed(_)));
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        assert_eq!(escape("a\u{0}b\u{8}c\u{1B}d\u{FFFF}"), "abcd");
        assert_eq!(escape("line\none\ttab\r"), "line\none\ttab\r");
    }

    #[test]
    fn text_in_html_elements_is_escaped_twice() {
        assert_eq!(
            escape_text_as_html("Fish & Chips <b>"),
            "Fish &amp;amp; Chips &amp;lt;b&amp;gt;"
        );
    }

    #[test]
    fn elements_escape_text_and_attributes() {
        let mut out = String::new();
        element(&mut out, "title", &[("type", "a\"b")], "<x>");
        empty(&mut out, "link", &[("href", "http://h/?a=1&b=2")]);
        assert_eq!(
            out,
            "<title type=\"a&quot;b\">&lt;x&gt;</title>\n<link href=\"http://h/?a=1&amp;b=2\"/>\n"
        );
    }
}

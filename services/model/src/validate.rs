//! Turning untrusted JSON into an [`Article`]: every problem comes back as a
//! [`Violation`] naming the field by JSON pointer (RFC 6901), so ingest can
//! answer with a precise RFC 9457 problem.

use chrono::DateTime;
use serde_json::Value;

use crate::uri::check_uri;
use crate::{Article, ArticleUri, PubStatus};

/// One thing wrong with a submitted document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer to the offending field (`""` is the whole document).
    pub pointer: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl Violation {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: crate::echo::clip_quoted(&message.into()),
        }
    }
}

/// The largest story version Newsfeed accepts: 2^53 − 1, so every JSON
/// reader (JavaScript's included) holds it exactly, and nobody can pin a
/// story with a number its newsroom will never reach.
pub const MAX_VERSION: u64 = (1 << 53) - 1;

/// True for a canonical version: decimal digits without a leading zero,
/// from 1 to [`MAX_VERSION`].
pub fn is_canonical_version(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 16
        && v.bytes().all(|b| b.is_ascii_digit())
        && !v.starts_with('0')
        && v.parse::<u64>()
            .is_ok_and(|n| (1..=MAX_VERSION).contains(&n))
}

/// A validated story and its parsed identifier.
#[derive(Debug, Clone)]
pub struct ValidArticle {
    /// The story's identifier.
    pub uri: ArticleUri,
    /// The story.
    pub article: Article,
}

/// Parses a JSON value as a ninjs text item and checks the rules Newsfeed
/// relies on. Returns every violation found, or the article.
pub fn parse_article(value: Value) -> Result<ValidArticle, Vec<Violation>> {
    if !value.is_object() {
        return Err(vec![Violation::new(
            "",
            "a ninjs document must be a JSON object",
        )]);
    }
    let article: Article =
        serde_path_to_error::deserialize(value).map_err(|e| vec![shape_violation(&e)])?;
    let mut found = Vec::new();
    check_article(&article, &mut found);
    match (
        found.is_empty(),
        article.uri.as_deref().map(ArticleUri::parse),
    ) {
        (true, Some(Ok(uri))) => Ok(ValidArticle { uri, article }),
        _ => Err(found),
    }
}

/// Converts a serde error into a violation at the field it happened in.
fn shape_violation(e: &serde_path_to_error::Error<serde_json::Error>) -> Violation {
    let mut pointer = String::new();
    for seg in e.path().iter() {
        use serde_path_to_error::Segment;
        match seg {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer(key));
            }
            Segment::Unknown => {}
        }
    }
    let msg = e.inner().to_string();
    // serde reports an unknown property at its parent; name the property itself.
    if let Some(name) = msg
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        let last = format!("/{}", escape_pointer(name));
        if !pointer.ends_with(&last) {
            pointer.push_str(&last);
        }
        return Violation::new(
            pointer,
            format!(
                "property `{name}` is not part of a Newsfeed text article (ninjs 3.x names, camelCase)"
            ),
        );
    }
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    Violation::new(pointer, msg)
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn check_article(a: &Article, out: &mut Vec<Violation>) {
    match a.uri.as_deref() {
        None => out.push(Violation::new(
            "/uri",
            "is required: the story's identifier, a complete URI",
        )),
        Some(u) => {
            if let Err(e) = ArticleUri::parse(u) {
                out.push(Violation::new("/uri", e.to_string()));
            }
        }
    }
    if let Some(t) = a.kind.as_deref().filter(|t| *t != "text") {
        out.push(Violation::new(
            "/type",
            format!("must be \"text\": Newsfeed carries text articles, not `{t}`"),
        ));
    }
    if a.version
        .as_deref()
        .is_some_and(|v| !is_canonical_version(v))
    {
        out.push(Violation::new(
            "/version",
            format!(
                "must be a decimal integer from 1 to {MAX_VERSION} without leading zeros, such as \"2\", so versions can be ordered"
            ),
        ));
    }
    for (name, value) in [
        ("firstCreated", &a.first_created),
        ("versionCreated", &a.version_created),
        ("contentCreated", &a.content_created),
        ("embargoedUntil", &a.embargoed_until),
        ("expires", &a.expires),
    ] {
        if let Some(v) = value
            .as_deref()
            .filter(|v| DateTime::parse_from_rfc3339(v).is_err())
        {
            out.push(Violation::new(
                format!("/{name}"),
                format!("`{v}` is not an RFC 3339 date-time such as 2026-11-28T09:30:00Z"),
            ));
        }
    }
    if let Some(s) = a
        .pub_status
        .as_deref()
        .filter(|s| PubStatus::parse(s).is_none())
    {
        out.push(Violation::new(
            "/pubStatus",
            format!("`{s}` is not one of usable, withheld, canceled"),
        ));
    }
    if let Some(r) = a
        .representation_type
        .as_deref()
        .filter(|r| !matches!(*r, "full" | "partial"))
    {
        out.push(Violation::new(
            "/representationType",
            format!("`{r}` is not one of full, partial"),
        ));
    }
    if let Some(u) = a.urgency.filter(|u| !(1..=9).contains(u)) {
        out.push(Violation::new(
            "/urgency",
            format!("{u} is outside 1 (most urgent) to 9"),
        ));
    }
    if let Some(l) = a.language.as_deref().filter(|l| !is_language_tag(l)) {
        out.push(Violation::new(
            "/language",
            format!("`{l}` is not a BCP 47 language tag such as en or en-GB"),
        ));
    }
    check_texts(a, out);
    check_concepts(a, out);
}

fn check_texts(a: &Article, out: &mut Vec<Violation>) {
    for (field, blocks) in [
        ("headlines", &a.headlines),
        ("descriptions", &a.descriptions),
    ] {
        for (i, b) in blocks.iter().enumerate() {
            if b.value.is_none() {
                out.push(Violation::new(format!("/{field}/{i}/value"), "is required"));
            }
        }
    }
    for (i, b) in a.bodies.iter().enumerate() {
        if b.value.is_none() {
            out.push(Violation::new(format!("/bodies/{i}/value"), "is required"));
        }
    }
    let has_text = a
        .headlines
        .iter()
        .chain(&a.descriptions)
        .any(|h| h.value.as_deref().is_some_and(|v| !v.trim().is_empty()))
        || a.bodies
            .iter()
            .any(|b| b.value.as_deref().is_some_and(|v| !v.trim().is_empty()));
    if !has_text {
        out.push(Violation::new(
            "/headlines",
            "a story needs at least one non-empty headline, description or body",
        ));
    }
}

fn check_concepts(a: &Article, out: &mut Vec<Violation>) {
    let entity_uris = [
        ("people", &a.people),
        ("organisations", &a.organisations),
        ("places", &a.places),
    ]
    .into_iter()
    .flat_map(|(f, list)| {
        list.iter()
            .enumerate()
            .map(move |(i, e)| (f, i, e.uri.as_deref()))
    });
    let subject_uris = a
        .subjects
        .iter()
        .enumerate()
        .map(|(i, s)| ("subjects", i, s.uri.as_deref()));
    for (field, i, uri) in entity_uris.chain(subject_uris) {
        if let Some(Err(e)) = uri.map(check_uri) {
            out.push(Violation::new(format!("/{field}/{i}/uri"), e.to_string()));
        }
    }
    for (i, s) in a.subjects.iter().enumerate() {
        for (name, v) in [("relevance", s.relevance), ("confidence", s.confidence)] {
            if let Some(v) = v.filter(|v| !(0..=100).contains(v)) {
                out.push(Violation::new(
                    format!("/subjects/{i}/{name}"),
                    format!("{v} is outside 0 to 100"),
                ));
            }
        }
    }
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(v: Value) -> Vec<String> {
        parse_article(v)
            .unwrap_err()
            .into_iter()
            .map(|v| v.pointer)
            .collect()
    }

    #[test]
    fn minimal_story_is_accepted() {
        let ok = parse_article(json!({
            "uri": "urn:newsfeed:test:1",
            "type": "text",
            "version": "2",
            "headlines": [{"role": "main", "value": "Grain barges leave Izmail"}]
        }))
        .unwrap();
        assert_eq!(ok.uri.as_str(), "urn:newsfeed:test:1");
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(pointers(json!({"headlines": [{"value": "x"}]})), ["/uri"]);
        assert_eq!(
            pointers(json!({"uri": "nope", "headlines": [{"value": "x"}]})),
            ["/uri"]
        );
        assert_eq!(
            pointers(json!({
                "uri": "urn:a:1", "type": "picture", "version": "v2", "versionCreated": "yesterday",
                "pubStatus": "live", "urgency": 12, "language": "english!",
                "headlines": [{"value": "x"}],
                "subjects": [{"name": "n", "relevance": 101, "uri": "not a uri"}]
            })),
            [
                "/type",
                "/version",
                "/versionCreated",
                "/pubStatus",
                "/urgency",
                "/language",
                "/subjects/0/uri",
                "/subjects/0/relevance"
            ]
        );
    }

    #[test]
    fn unknown_and_mistyped_properties_are_named() {
        assert_eq!(
            pointers(json!({"uri": "urn:a:1", "renditions": []})),
            ["/renditions"]
        );
        assert_eq!(
            pointers(json!({"uri": "urn:a:1", "headlines": [{"value": 3}]})),
            ["/headlines/0/value"]
        );
        assert_eq!(
            pointers(json!({"uri": "urn:a:1", "bodies": [{"value": "x", "wordcount": 1}]})),
            ["/bodies/0/wordcount"]
        );
    }

    #[test]
    fn a_story_needs_text() {
        assert_eq!(
            pointers(json!({"uri": "urn:a:1", "headlines": [{"value": "  "}]})),
            ["/headlines"]
        );
        assert_eq!(pointers(json!([1])), [""]);
    }
}

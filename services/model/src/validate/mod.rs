//! Turning untrusted JSON into an [`Article`]: every problem comes back as a
//! [`Violation`] naming the field by JSON pointer (RFC 6901), so ingest can
//! answer with a precise RFC 9457 problem. Serde's types hold the shape;
//! this module holds what only a story must be (identifier, version, type,
//! text), and `item` the rest of the ninjs 3.1 schema's rules, for the story
//! and each association.

mod item;

pub use self::item::MAX_ASSOCIATION_DEPTH;

use serde_json::Value;

use self::item::check_item;
use crate::{Article, ArticleUri, ItemType};

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

/// Parses a JSON value as a ninjs 3.1 story and checks the rules Newsfeed
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
        let why = if name == "recurrenceDates" {
            "the official ninjs 3.1 schema makes `recurrenceDates` both an array and a string, so no value is valid; use `recurrenceRules`".to_owned()
        } else {
            format!("property `{name}` is not part of ninjs 3.1 here (ninjs names are camelCase)")
        };
        return Violation::new(pointer, why);
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
    if let Some(t) = a.item_type().filter(|t| !t.is_publishable()) {
        out.push(Violation::new(
            "/type",
            format!(
                "Newsfeed publishes items of type text, composite, picture, graphic, video and audio, not `{}`: {}",
                t.as_str(),
                match t {
                    ItemType::Component => "a component means nothing without its composite; send the composite",
                    _ => "events and planning items describe what will happen, not a story to publish",
                }
            ),
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
    for (name, value) in [("name", &a.name), ("rel", &a.rel)] {
        if value.is_some() {
            out.push(Violation::new(
                format!("/{name}"),
                format!("property `{name}` belongs to an association, not to the item itself"),
            ));
        }
    }
    check_item(a, "", out);
    check_texts(a, out);
}

fn check_texts(a: &Article, out: &mut Vec<Violation>) {
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
                "uri": "urn:a:1", "type": "event", "version": "v2", "versionCreated": "yesterday",
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
            pointers(json!({"uri": "urn:a:1", "rendition": []})),
            ["/rendition"]
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
    fn associations_renditions_and_rights_are_carried() {
        let doc = json!({
            "uri": "urn:a:1", "type": "composite", "headlines": [{"value": "Ship lies on its side"}],
            "rightsInfo": {"linkedRights": "https://rights.example/1"},
            "trustIndicators": [{"role": "http://cv.iptc.org/newscodes/trustindicator/ethics", "href": "https://news.example/ethics"}],
            "digitalSourceType": {"uri": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"},
            "standard": {"name": "ninjs", "version": "3.1", "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"},
            "associations": [{
                "name": "mainpic", "uri": "urn:pic:1", "type": "picture",
                "descriptions": [{"value": "The ship at Giglio"}],
                "renditions": [{"name": "main", "href": "https://img.example/1.jpg", "width": 1200, "height": 800, "sizeInBytes": 123456}]
            }]
        });
        let ok = parse_article(doc.clone()).unwrap();
        assert_eq!(ok.article.associations[0].renditions[0].width, Some(1200));
        assert_eq!(serde_json::to_value(&ok.article).unwrap(), doc);
    }

    #[test]
    fn schema_rules_inside_associations_and_planning_are_named() {
        assert_eq!(
            pointers(json!({
                "uri": "urn:a:1", "headlines": [{"value": "x"}], "name": "main",
                "rightsInfo": {"linkedRights": "https://r.example/", "encodedRights": "x"},
                "associations": [
                    {"uri": "urn:p:1", "type": "photo", "urgency": 0,
                     "renditions": [{"href": "nope", "scanType": "fast"}],
                     "objects": [{"name": "Ship", "contactInfo": [{"value": "x"}]}]},
                    {"name": "logo"}
                ],
                "eventDetails": {"dates": {"startDate": "2023-07-11T09:00:00Z", "expectedStartDate": "2023"}},
                "plannedCoverage": [{"dates": {"expectedEndDate": "July"}, "pubStatus": "live"}],
                "places": [{"name": "Vilnius", "symbols": [{"symbol": "V"}], "contactInfo": [{}]}]
            })),
            [
                "/name",
                "/places/0/symbols",
                "/places/0/contactInfo/0",
                "/rightsInfo",
                "/eventDetails/dates",
                "/plannedCoverage/0/pubStatus",
                "/plannedCoverage/0/dates/expectedEndDate",
                "/associations/0/name",
                "/associations/0/type",
                "/associations/0/urgency",
                "/associations/0/objects/0/contactInfo",
                "/associations/0/renditions/0/name",
                "/associations/0/renditions/0/href",
                "/associations/0/renditions/0/scanType",
                "/associations/1/uri",
            ]
        );
        assert_eq!(
            pointers(json!({"uri": "urn:a:1", "headlines": [{"value": "x"}],
                "eventDetails": {"dates": {"startDate": "2023-07-11T09:00:00Z", "recurrence": {"recurrenceDates": ["2023"]}}}})),
            ["/eventDetails/dates/recurrence/recurrenceDates"]
        );
    }

    #[test]
    fn associations_nest_only_so_deep() {
        let mut doc = json!({"name": "p", "uri": "urn:p:0"});
        for i in 1..=MAX_ASSOCIATION_DEPTH {
            doc = json!({"name": "p", "uri": format!("urn:p:{i}"), "associations": [doc]});
        }
        let story = |assoc: Value| json!({"uri": "urn:a:1", "headlines": [{"value": "x"}], "associations": [assoc]});
        assert!(parse_article(story(doc["associations"][0].clone())).is_ok());
        let errors = parse_article(story(doc)).unwrap_err();
        assert!(errors[0].message.contains("nest at most"), "{errors:?}");
    }

    #[test]
    fn only_publishable_types_are_accepted() {
        for t in ["text", "composite", "picture", "graphic", "video", "audio"] {
            assert!(
                parse_article(json!({"uri": "urn:a:1", "type": t, "headlines": [{"value": "x"}]}))
                    .is_ok(),
                "{t}"
            );
        }
        for t in ["event", "planning", "component"] {
            let e =
                parse_article(json!({"uri": "urn:a:1", "type": t, "headlines": [{"value": "x"}]}))
                    .unwrap_err();
            assert_eq!(e[0].pointer, "/type");
            assert!(e[0].message.contains("not `"), "{}", e[0].message);
        }
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

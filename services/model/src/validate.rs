//! Turning untrusted JSON into an [`Article`]: every problem comes back as a
//! [`Violation`] naming the field by JSON pointer (RFC 6901), so ingest can
//! answer with a precise RFC 9457 problem.

use std::sync::LazyLock;

use chrono::DateTime;
use regex::Regex;
use serde_json::Value;

use crate::contact::ContactInfo;
use crate::media::Rendition;
use crate::planning::{Dates, PlannedCoverage};
use crate::uri::check_uri;
use crate::{Article, ArticleUri, Entity, ItemType};

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

/// The rules of the ninjs 3.1 schema that serde's types do not already
/// enforce, for the item at `at` and, recursively, its associations.
fn check_item(a: &Article, at: &str, out: &mut Vec<Violation>) {
    if let Some(t) = a.kind.as_deref().filter(|t| ItemType::parse(t).is_none()) {
        out.push(Violation::new(
            format!("{at}/type"),
            format!("`{t}` is not a ninjs type (text, audio, video, picture, graphic, composite, component, event, planning)"),
        ));
    }
    for (name, value) in [
        ("firstCreated", &a.first_created),
        ("versionCreated", &a.version_created),
        ("contentCreated", &a.content_created),
        ("embargoedUntil", &a.embargoed_until),
        ("expires", &a.expires),
    ] {
        date_time(out, format!("{at}/{name}"), value.as_deref());
    }
    one_of(
        out,
        format!("{at}/pubStatus"),
        a.pub_status.as_deref(),
        PUB_STATUSES,
    );
    one_of(
        out,
        format!("{at}/representationType"),
        a.representation_type.as_deref(),
        &["full", "partial"],
    );
    urgency(out, format!("{at}/urgency"), a.urgency);
    language(out, format!("{at}/language"), a.language.as_deref());
    for (field, blocks) in [
        ("headlines", &a.headlines),
        ("descriptions", &a.descriptions),
    ] {
        for (i, b) in blocks.iter().enumerate() {
            if b.value.is_none() {
                out.push(Violation::new(
                    format!("{at}/{field}/{i}/value"),
                    "is required",
                ));
            }
        }
    }
    for (i, b) in a.bodies.iter().enumerate() {
        if b.value.is_none() {
            out.push(Violation::new(
                format!("{at}/bodies/{i}/value"),
                "is required",
            ));
        }
    }
    check_concepts(a, at, out);
    check_provenance(a, at, out);
    for (i, r) in a.renditions.iter().enumerate() {
        check_rendition(r, &format!("{at}/renditions/{i}"), out);
    }
    if let Some(d) = &a.event_details {
        let at = format!("{at}/eventDetails");
        uri(out, format!("{at}/eventStatus"), d.event_status.as_deref());
        uri(
            out,
            format!("{at}/plannedCoverageStatus"),
            d.planned_coverage_status.as_deref(),
        );
        if let Some(dates) = &d.dates {
            check_dates(dates, &format!("{at}/dates"), out);
        }
        if let Some(o) = &d.organiser {
            check_entity(
                o,
                EntityList::Organisations,
                &format!("{at}/organiser"),
                out,
            );
        }
    }
    for (i, c) in a.planned_coverage.iter().enumerate() {
        check_coverage(c, &format!("{at}/plannedCoverage/{i}"), out);
    }
    for (i, assoc) in a.associations.iter().enumerate() {
        let at = format!("{at}/associations/{i}");
        match assoc.uri.as_deref() {
            None => out.push(Violation::new(
                format!("{at}/uri"),
                "is required: every association needs its own identifier, a complete URI",
            )),
            Some(u) => uri(out, format!("{at}/uri"), Some(u)),
        }
        if assoc.name.is_none() {
            out.push(Violation::new(
                format!("{at}/name"),
                "is required: every association needs a name, such as `mainpic`",
            ));
        }
        check_item(assoc, &at, out);
    }
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

/// Which list an entity is in: ninjs gives each its own properties.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EntityList {
    People,
    Organisations,
    Places,
    Objects,
}

fn check_concepts(a: &Article, at: &str, out: &mut Vec<Violation>) {
    for (field, kind, list) in [
        ("people", EntityList::People, &a.people),
        ("organisations", EntityList::Organisations, &a.organisations),
        ("places", EntityList::Places, &a.places),
        ("objects", EntityList::Objects, &a.objects),
    ] {
        for (i, e) in list.iter().enumerate() {
            check_entity(e, kind, &format!("{at}/{field}/{i}"), out);
        }
    }
    for (i, s) in a.subjects.iter().enumerate() {
        uri(out, format!("{at}/subjects/{i}/uri"), s.uri.as_deref());
        for (name, v) in [("relevance", s.relevance), ("confidence", s.confidence)] {
            if let Some(v) = v.filter(|v| !(0..=100).contains(v)) {
                out.push(Violation::new(
                    format!("{at}/subjects/{i}/{name}"),
                    format!("{v} is outside 0 to 100"),
                ));
            }
        }
    }
    for (i, e) in a.events.iter().enumerate() {
        uri(out, format!("{at}/events/{i}/uri"), e.uri.as_deref());
    }
    for (i, s) in a.info_sources.iter().enumerate() {
        let at = format!("{at}/infoSources/{i}");
        uri(out, format!("{at}/uri"), s.uri.as_deref());
        for (j, c) in s.contact_info.iter().enumerate() {
            check_contact(c, &format!("{at}/contactInfo/{j}"), out);
        }
    }
}

fn check_entity(e: &Entity, list: EntityList, at: &str, out: &mut Vec<Violation>) {
    uri(out, format!("{at}/uri"), e.uri.as_deref());
    let misplaced = [
        (
            "symbols",
            !e.symbols.is_empty(),
            list != EntityList::Organisations,
            "organisations",
        ),
        (
            "geoJSON",
            e.geo_json.is_some(),
            list != EntityList::Places,
            "places",
        ),
        (
            "contactInfo",
            !e.contact_info.is_empty(),
            list == EntityList::Objects,
            "people, organisations and places",
        ),
    ];
    for (name, present, refused, owners) in misplaced {
        if present && refused {
            out.push(Violation::new(
                format!("{at}/{name}"),
                format!("property `{name}` belongs only to {owners} in ninjs"),
            ));
        }
    }
    for (j, c) in e.contact_info.iter().enumerate() {
        check_contact(c, &format!("{at}/contactInfo/{j}"), out);
    }
    for (j, s) in e.symbols.iter().enumerate() {
        uri(
            out,
            format!("{at}/symbols/{j}/symbolType"),
            s.symbol_type.as_deref(),
        );
    }
}

fn check_contact(c: &ContactInfo, at: &str, out: &mut Vec<Violation>) {
    if c.value.is_some() == c.address.is_some() {
        out.push(Violation::new(
            at,
            "contact info needs exactly one of `value` and `address`",
        ));
    }
}

fn check_provenance(a: &Article, at: &str, out: &mut Vec<Violation>) {
    if let Some(r) = &a.rights_info {
        let at = format!("{at}/rightsInfo");
        uri(out, format!("{at}/langId"), r.lang_id.as_deref());
        uri(
            out,
            format!("{at}/linkedRights"),
            r.linked_rights.as_deref(),
        );
        if r.linked_rights.is_some() == r.encoded_rights.is_some() {
            out.push(Violation::new(
                at,
                "rights info needs exactly one of `linkedRights` and `encodedRights`",
            ));
        }
    }
    for (i, t) in a.trust_indicators.iter().enumerate() {
        uri(
            out,
            format!("{at}/trustIndicators/{i}/role"),
            t.role.as_deref(),
        );
        uri(
            out,
            format!("{at}/trustIndicators/{i}/href"),
            t.href.as_deref(),
        );
    }
    if let Some(s) = &a.standard {
        uri(out, format!("{at}/standard/schema"), s.schema.as_deref());
    }
    if let Some(d) = &a.digital_source_type {
        uri(out, format!("{at}/digitalSourceType/uri"), d.uri.as_deref());
    }
}

fn check_rendition(r: &Rendition, at: &str, out: &mut Vec<Violation>) {
    if r.name.is_none() {
        out.push(Violation::new(
            format!("{at}/name"),
            "is required: a rendition's name, such as `thumbnail`",
        ));
    }
    uri(out, format!("{at}/href"), r.href.as_deref());
    one_of(
        out,
        format!("{at}/scanType"),
        r.scan_type.as_deref(),
        &["progressive", "interlaced"],
    );
    for (name, v) in [("width", r.width), ("height", r.height)] {
        if let Some(v) = v.filter(|v| *v < 0) {
            out.push(Violation::new(
                format!("{at}/{name}"),
                format!("{v} is negative"),
            ));
        }
    }
    if r.size_in_bytes.is_some_and(|n| n > MAX_VERSION) {
        out.push(Violation::new(
            format!("{at}/sizeInBytes"),
            format!("must be at most {MAX_VERSION}, so every JSON reader holds it exactly"),
        ));
    }
    for (name, v) in [("duration", r.duration), ("frameRate", r.frame_rate)] {
        if let Some(v) = v.filter(|v| !v.is_finite() || *v < 0.0) {
            out.push(Violation::new(
                format!("{at}/{name}"),
                format!("{v} is negative"),
            ));
        }
    }
}

fn check_dates(d: &Dates, at: &str, out: &mut Vec<Violation>) {
    date_time(out, format!("{at}/startDate"), d.start_date.as_deref());
    date_time(out, format!("{at}/endDate"), d.end_date.as_deref());
    for (name, v) in [
        ("expectedStartDate", &d.expected_start_date),
        ("expectedEndDate", &d.expected_end_date),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !is_truncated_date_time(v)) {
            out.push(Violation::new(
                format!("{at}/{name}"),
                format!("`{v}` is not a year, month, date or date-time such as 2023, 2023-07, 2023-07-11 or 2023-07-11T09:00:00Z"),
            ));
        }
    }
    // The schema: anyOf(oneOf(start, expected start), oneOf(end, expected end)).
    let start = d.start_date.is_some() != d.expected_start_date.is_some();
    let end = d.end_date.is_some() != d.expected_end_date.is_some();
    if !start && !end {
        out.push(Violation::new(
            at,
            "dates need a start (`startDate` or `expectedStartDate`, not both) or an end (`endDate` or `expectedEndDate`, not both)",
        ));
    }
    for (i, r) in d
        .recurrence
        .iter()
        .flat_map(|r| r.recurrence_rules.iter())
        .enumerate()
    {
        let at = format!("{at}/recurrence/recurrenceRules/{i}");
        one_of(
            out,
            format!("{at}/frequency"),
            r.frequency.as_deref(),
            &[
                "secondly", "minutely", "hourly", "daily", "weekly", "monthly", "yearly",
            ],
        );
        date_time(out, format!("{at}/until"), r.until.as_deref());
    }
}

fn check_coverage(c: &PlannedCoverage, at: &str, out: &mut Vec<Violation>) {
    uri(out, format!("{at}/uri"), c.uri.as_deref());
    one_of(
        out,
        format!("{at}/pubStatus"),
        c.pub_status.as_deref(),
        PUB_STATUSES,
    );
    if let Some(t) = c.kind.as_deref().filter(|t| ItemType::parse(t).is_none()) {
        out.push(Violation::new(
            format!("{at}/type"),
            format!("`{t}` is not a ninjs type"),
        ));
    }
    if let Some(on) = c.commissioned.as_ref().and_then(|c| c.on.as_deref()) {
        date_time(out, format!("{at}/commissioned/on"), Some(on));
    }
    if let Some(d) = &c.dates {
        check_dates(d, &format!("{at}/dates"), out);
    }
    urgency(out, format!("{at}/urgency"), c.urgency);
    language(out, format!("{at}/language"), c.language.as_deref());
    for (i, r) in c.renditions.iter().enumerate() {
        check_rendition(r, &format!("{at}/renditions/{i}"), out);
    }
}

const PUB_STATUSES: &[&str] = &["usable", "withheld", "canceled"];

fn uri(out: &mut Vec<Violation>, pointer: String, value: Option<&str>) {
    if let Some(Err(e)) = value.map(check_uri) {
        out.push(Violation::new(pointer, e.to_string()));
    }
}

fn date_time(out: &mut Vec<Violation>, pointer: String, value: Option<&str>) {
    if let Some(v) = value.filter(|v| DateTime::parse_from_rfc3339(v).is_err()) {
        out.push(Violation::new(
            pointer,
            format!("`{v}` is not an RFC 3339 date-time such as 2026-11-28T09:30:00Z"),
        ));
    }
}

fn one_of(out: &mut Vec<Violation>, pointer: String, value: Option<&str>, allowed: &[&str]) {
    if let Some(v) = value.filter(|v| !allowed.contains(v)) {
        out.push(Violation::new(
            pointer,
            format!("`{v}` is not one of {}", allowed.join(", ")),
        ));
    }
}

fn urgency(out: &mut Vec<Violation>, pointer: String, value: Option<i32>) {
    if let Some(u) = value.filter(|u| !(1..=9).contains(u)) {
        out.push(Violation::new(
            pointer,
            format!("{u} is outside 1 (most urgent) to 9"),
        ));
    }
}

fn language(out: &mut Vec<Violation>, pointer: String, value: Option<&str>) {
    if let Some(l) = value.filter(|l| !is_language_tag(l)) {
        out.push(Violation::new(
            pointer,
            format!("`{l}` is not a BCP 47 language tag such as en or en-GB"),
        ));
    }
}

/// The schema's `truncatedDateTimeType`: a year, year-month, date or
/// date-time, the time zone optional.
fn is_truncated_date_time(s: &str) -> bool {
    static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(r"^(-?(?:[1-9][0-9]*)?[0-9]{4})(-(1[0-2]|0[1-9])(-(3[01]|0[1-9]|[12][0-9])(T(2[0-3]|[01][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[01][0-9]):[0-5][0-9])?)?)?)?$").ok()
    });
    PATTERN.as_ref().is_some_and(|p| p.is_match(s))
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

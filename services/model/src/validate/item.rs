//! The ninjs 3.1 schema's rules that serde's types do not already hold
//! (formats, enumerations, ranges, required and mutually exclusive
//! properties, which list may carry what), for an item and everything in it,
//! its associations included.

use std::sync::LazyLock;

use chrono::DateTime;
use regex::Regex;

use super::{MAX_VERSION, Violation, is_language_tag};
use crate::contact::ContactInfo;
use crate::media::Rendition;
use crate::planning::{Dates, PlannedCoverage};
use crate::uri::check_uri;
use crate::{Article, Entity, ItemType};

/// The rules of the ninjs 3.1 schema that serde's types do not already
/// enforce, for the item at `at` and, recursively, its associations.
pub(super) fn check_item(a: &Article, at: &str, out: &mut Vec<Violation>) {
    check_item_at(a, at, 0, out);
}

/// How deep associations may nest: a package of a gallery of pictures is
/// three; the bound keeps every event well inside JSON readers' nesting
/// limits at every stage.
pub const MAX_ASSOCIATION_DEPTH: usize = 8;

fn check_item_at(a: &Article, at: &str, depth: usize, out: &mut Vec<Violation>) {
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
    if depth >= MAX_ASSOCIATION_DEPTH && !a.associations.is_empty() {
        out.push(Violation::new(
            format!("{at}/associations"),
            format!("associations may nest at most {MAX_ASSOCIATION_DEPTH} deep"),
        ));
        return;
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
        check_item_at(assoc, &at, depth + 1, out);
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

//! Stories written for the tests (none copied from real reporting).

use serde_json::{Value, json};

/// A unique story uri for `test`.
pub fn uri(test: &str) -> String {
    format!(
        "https://news.example.com/test/{test}/{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// A story about unrest in Kazakhstan.
pub fn kazakhstan_unrest(uri: &str, version: u32) -> Value {
    json!({
        "uri": uri,
        "type": "text",
        "version": version.to_string(),
        "versionCreated": format!("2026-11-28T08:{:02}:00Z", version % 60),
        "firstCreated": "2026-11-28T08:00:00Z",
        "pubStatus": "usable",
        "language": "en",
        "by": "Newsfeed test desk",
        "located": "Almaty",
        "headlines": [{"role": "main", "value": format!("Protesters fill Almaty square as fuel price anger spreads across Kazakhstan (v{version})")}],
        "bodies": [{
            "role": "main",
            "contentType": "text/html",
            "value": "<p>Crowds gathered outside the regional akimat in Almaty for a third day of demonstrations over the doubled price of liquefied gas.</p><p>Police detained dozens of protesters overnight, and the government of Kazakhstan declared a two-week state of emergency in the city.</p>"
        }]
    })
}

/// A story mentioning Russia and nothing about unrest.
pub fn russia_grain(uri: &str) -> Value {
    json!({
        "uri": uri,
        "type": "text",
        "version": "1",
        "versionCreated": "2026-11-28T09:30:00Z",
        "language": "en",
        "headlines": [{"role": "main", "value": "Russian wheat exports climb as Black Sea shipping steadies"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "Grain traders in Novorossiysk said loadings rose for a fourth week as insurers cut premiums for vessels calling at ports in Russia."}]
    })
}

/// Names of the tags of `kind` ("subjects", "places", ...) in a ninjs document.
pub fn tag_names(doc: &Value, kind: &str) -> Vec<String> {
    doc[kind]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A composite story that sets every property ninjs 3.1 allows, with a
/// picture, a video and a related story as associations. The picture's
/// caption names Mongolia (nowhere else in the story); its rights and
/// technical fields name Chile and Peru, and the related story's headline
/// Norway, none of which may become tags.
pub fn everything_ninjs_allows(uri: &str) -> Value {
    let contact = json!([
        {"type": "email", "role": "office", "lang": "en", "name": "Desk", "value": "desk@news.example.com"},
        {"type": "physical", "address": {"lines": ["1 Sukhbaatar Square"], "locality": "Ulaanbaatar", "area": "Chingeltei", "postalCode": "15160", "country": "Mongolia"}}
    ]);
    let dates = json!({
        "startDate": "2026-11-30T09:00:00Z", "endDate": "2026-11-30T17:00:00Z",
        "expectedDuration": "PT8H",
        "recurrence": {"recurrenceRules": [{"frequency": "yearly", "interval": 1, "until": "2030-11-30T09:00:00Z", "count": 5}]}
    });
    let rendition = json!({
        "name": "main", "href": "https://img.news.example.com/herders-1600.jpg",
        "contentType": "image/jpeg", "title": "Peru crop, 1600 wide", "width": 1600, "height": 1067,
        "sizeInBytes": 412_345, "format": "JPEG Baseline", "aspectRatio": "3:2",
        "poi": {"x": 800, "y": 400}
    });
    let associations = json!([
        {
            "name": "mainpic", "rel": "mainpicture", "uri": "https://img.news.example.com/herders", "type": "picture",
            "versionCreated": "2026-11-28T07:45:00Z",
            "by": "Newsfeed test desk",
            "copyrightNotice": "(c) 2026 Chile Press Photo",
            "usageTerms": "Only with Chile Press credit",
            "headlines": [{"value": "Herders at dawn"}],
            "descriptions": [{"role": "caption", "contentType": "text/plain", "value": "Herders drive sheep across the frozen steppe in Mongolia."}],
            "rightsInfo": {"encodedRights": "Chile Press Photo only"},
            "digitalSourceType": {"uri": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"},
            "renditions": [
                {"name": "thumbnail", "href": "https://img.news.example.com/herders-160.jpg", "contentType": "image/jpeg", "width": 160, "height": 107},
                rendition
            ]
        },
        {
            "name": "video", "uri": "https://video.news.example.com/herders", "type": "video",
            "headlines": [{"value": "Herders on the move"}],
            "renditions": [{"name": "hd", "href": "https://video.news.example.com/herders.mp4", "contentType": "video/mp4",
                            "width": 1920, "height": 1080, "duration": 63.5, "frameRate": 25, "videoCodec": "AVC1",
                            "scanType": "progressive", "bitrate": "5000 kbps", "transportProtocol": "https"}]
        },
        {
            "name": "related", "rel": "seeAlso", "uri": "https://news.example.com/related/ferries", "type": "text",
            "headlines": [{"value": "Norway opens a winter ferry route"}]
        }
    ]);
    let event_details = json!({
        "eventStatus": "http://cv.iptc.org/newscodes/eventstatus/scheduled",
        "plannedCoverageStatus": "http://cv.iptc.org/newscodes/newscoveragestatus/intended",
        "dates": dates,
        "organiser": {"name": "Herders Union", "uri": "https://orgs.news.example.com/1",
                      "symbols": [{"symbol": "HRD"}], "contactInfo": [{"type": "web", "value": "https://union.news.example.com/"}]}
    });
    let planned_coverage = json!([{
        "uri": "https://plans.news.example.com/1", "title": "Follow-up", "pubStatus": "usable", "type": "picture",
        "commissioned": {"by": "Picture desk", "on": "2026-11-27T12:00:00Z", "references": [{"name": "PO", "value": "4711"}]},
        "dates": {"expectedStartDate": "2026-12", "expectedEndDate": "2026-12-24"},
        "audiences": [{"audience": "national", "significance": 2}], "exclAudience": ["kids"],
        "edNote": "Two photographers", "urgency": 5, "language": "en",
        "itemCount": {"rangeFrom": 3, "rangeTo": 10}, "wordCount": 400,
        "renditions": [{"name": "highres", "contentType": "image/jpeg"}]
    }]);
    let mut doc = json!({
        "uri": uri,
        "type": "composite",
        "representationType": "full",
        "profile": "text-photo",
        "version": "1",
        "firstCreated": "2026-11-28T08:00:00Z",
        "versionCreated": "2026-11-28T08:05:00Z",
        "contentCreated": "2026-11-28T07:30:00Z",
        "pubStatus": "usable",
        "urgency": 4,
        "copyrightHolder": "Newsfeed test desk",
        "copyrightNotice": "(c) 2026 Newsfeed test desk",
        "usageTerms": "For tests only",
        "edNote": "Pictures cleared",
        "language": "en",
        "title": "herders-winter",
        "by": "Newsfeed test desk",
        "slugline": "HERDERS-WINTER",
        "located": "Steppe",
        "expires": "2027-11-28T08:00:00Z",
        "standard": {"name": "ninjs", "version": "3.1", "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"},
        "headlines": [{"role": "main", "contentType": "text/plain", "value": "Herders move flocks early as a hard winter sets in"}],
        "descriptions": [{"role": "summary", "contentType": "text/plain", "value": "Families pack up camps weeks ahead of the usual date."}],
        "bodies": [{"role": "main", "contentType": "text/html", "charCount": 120, "wordCount": 20,
                    "value": "<p>Families on the steppe packed up their camps weeks ahead of the usual date, herding sheep and goats toward winter shelters.</p>"}],
    });
    let more = json!({
        "people": [{"name": "A. Herder", "rel": "about", "uri": "https://people.news.example.com/1", "literal": "herder-1", "contactInfo": contact}],
        "organisations": [{"name": "Herders Union", "rel": "mentions", "uri": "https://orgs.news.example.com/1", "literal": "hu",
                           "symbols": [{"exchange": "MSE", "symbolType": "http://cv.iptc.org/newscodes/financialinstrumentsymboltype/ticker", "symbol": "HRD"}],
                           "contactInfo": [{"type": "web", "value": "https://union.news.example.com/"}]}],
        "places": [{"name": "Steppe", "rel": "mentions", "uri": "https://places.news.example.com/steppe", "literal": "steppe",
                    "contactInfo": [{"type": "web", "value": "https://steppe.news.example.com/"}],
                    "geoJSON": {"type": "Point", "coordinates": [106.9, 47.9]}}],
        "objects": [{"name": "Yurt", "rel": "about", "uri": "https://objects.news.example.com/yurt", "literal": "yurt"}],
        "subjects": [{"name": "Agriculture", "rel": "about", "uri": "http://cv.iptc.org/newscodes/mediatopic/20000210", "literal": "agri",
                      "creator": "editor", "relevance": 80, "confidence": 90}],
        "events": [{"id": "e1", "name": "First snow", "rel": "about", "uri": "https://events.news.example.com/first-snow", "literal": "first-snow"}],
        "eventDetails": event_details,
        "plannedCoverage": planned_coverage,
        "genres": [{"name": "Feature", "uri": "http://cv.iptc.org/newscodes/genre/Feature", "literal": "feature"}],
        "infoSources": [{"name": "Herders Union", "role": "source", "uri": "https://orgs.news.example.com/1", "literal": "hu", "contactInfo": contact}],
        "altIds": [{"role": "cms", "value": "4711"}],
        "trustIndicators": [{"role": "http://cv.iptc.org/newscodes/trustindicator/ethicsPolicy", "title": "Ethics policy", "href": "https://news.example.com/ethics"}],
        "rightsInfo": {"langId": "http://www.w3.org/ns/odrl/2/", "linkedRights": "https://news.example.com/rights/1"},
        "digitalSourceType": {"name": "Original", "uri": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture", "literal": "capture"},
        "renditions": [{"name": "print", "href": "https://print.news.example.com/herders.pdf", "contentType": "application/pdf", "sizeInBytes": 99_000}],
        "associations": associations
    });
    if let (Some(doc), Value::Object(more)) = (doc.as_object_mut(), more) {
        doc.extend(more);
    }
    doc
}

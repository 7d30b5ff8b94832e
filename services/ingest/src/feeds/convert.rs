//! A fetched feed, turned into ninjs documents without any I/O: RSS 2.0,
//! Atom 1.0 and JSON Feed 1.1 through `feed-rs`, each entry mapped to a
//! ninjs text item; ninjs over HTTP (a JSON array, or NDJSON, of ninjs
//! items) taken as it is. Every document then goes through the same
//! validation as a posted story (`newsfeed_model::parse_article`).

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed, Text};
use serde_json::{Map, Value, json};

/// A document taken from a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The ninjs document; for a feed entry without `version` and
    /// `versionCreated`, which the poller sets (see [`Origin`]).
    pub doc: Value,
    /// Where it came from.
    pub origin: Origin,
}

/// Where a document came from, which decides who sets its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A feed entry, last updated (or published) then, if it says.
    Entry(Option<DateTime<Utc>>),
    /// A ninjs item, which carries its own version.
    Ninjs,
}

/// The body is not a feed Newsfeed reads; the text says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// Reads `body` (served as `content_type`) as a feed or as ninjs: each
/// entry is a document, or why the entry could not become one.
pub fn parse(
    body: &[u8],
    content_type: Option<&str>,
) -> Result<Vec<Result<Item, String>>, Malformed> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    // A body that is one JSON object is read as JSON once, both to tell a
    // JSON Feed from ninjs and for the JSON Feed images.
    let object = (!NINJS_MEDIA.contains(&media.as_str())
        && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
    .then(|| serde_json::from_slice::<Value>(body).ok())
    .flatten();
    if is_ninjs(body, &media, object.as_ref()) {
        return parse_ninjs(body);
    }
    let feed = feed_rs::parser::parse(body).map_err(|e| Malformed(clip_error(&e.to_string())))?;
    let mut items = entries(&feed);
    if feed.feed_type == feed_rs::model::FeedType::JSON
        && let Some(raw) = &object
    {
        add_json_feed_images(raw, &mut items);
    }
    Ok(items)
}

/// The media types of ninjs served as a feed.
const NINJS_MEDIA: [&str; 3] = [
    "application/ninjs+json",
    "application/x-ndjson",
    "application/jsonl",
];

/// JSON Feed's `image` of an item, which `feed-rs` does not carry: added
/// as the main picture (entries and items are in the same order).
fn add_json_feed_images(raw: &Value, items: &mut [Result<Item, String>]) {
    let Some(raw_items) = raw.get("items").and_then(Value::as_array) else {
        return;
    };
    for (item, raw) in items.iter_mut().zip(raw_items) {
        let (Ok(item), Some(href)) = (item, raw.get("image").and_then(Value::as_str)) else {
            continue;
        };
        if newsfeed_model::uri::check_uri(href).is_err() {
            continue;
        }
        let Some(doc) = item.doc.as_object_mut() else {
            continue;
        };
        let list = doc.entry("associations").or_insert_with(|| json!([]));
        if let Some(list) = list.as_array_mut()
            && !list.iter().any(|a| a["uri"] == href)
        {
            for (i, a) in list.iter_mut().enumerate() {
                a["name"] = json!(format!("picture{}", i + 2));
            }
            list.insert(0, picture("mainpic", href, None));
        }
    }
}

fn picture(name: &str, href: &str, rendition: Option<Map<String, Value>>) -> Value {
    let rendition = rendition.unwrap_or_else(|| {
        let mut r = Map::new();
        r.insert("name".into(), json!("original"));
        r.insert("href".into(), json!(href));
        r
    });
    json!({"name": name, "uri": href, "type": "picture", "renditions": [rendition]})
}

/// ninjs by media type, or by sniffing JSON that is not a JSON Feed
/// (`object`: the body read as one JSON object, if it is one).
fn is_ninjs(body: &[u8], media: &str, object: Option<&Value>) -> bool {
    if NINJS_MEDIA.contains(&media) {
        return true;
    }
    if [
        "application/feed+json",
        "application/rss+xml",
        "application/atom+xml",
    ]
    .contains(&media)
    {
        return false;
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => true,
        // A JSON Feed is one object whose `version` is the spec's URL;
        // NDJSON does not parse as one value at all.
        Some(b'{') => !object.is_some_and(|v| {
            v.get("version")
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with("https://jsonfeed.org/version/"))
        }),
        _ => false,
    }
}

fn parse_ninjs(body: &[u8]) -> Result<Vec<Result<Item, String>>, Malformed> {
    let item = |doc: Value| {
        Ok(Item {
            doc,
            origin: Origin::Ninjs,
        })
    };
    if let Ok(value) = newsfeed_model::json::from_slice_strict(body) {
        return match value {
            Value::Array(docs) => Ok(docs.into_iter().map(item).collect()),
            doc @ Value::Object(_) => Ok(vec![item(doc)]),
            _ => Err(Malformed("ninjs: expected an array or objects".into())),
        };
    }
    let mut out = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match newsfeed_model::json::from_slice_strict(line) {
            Ok(doc) => out.push(item(doc)),
            Err(e) => {
                return Err(Malformed(format!(
                    "ninjs: line {}: {}",
                    i + 1,
                    clip_error(&e.message)
                )));
            }
        }
    }
    Ok(out)
}

fn entries(feed: &Feed) -> Vec<Result<Item, String>> {
    let language = feed.language.as_deref();
    feed.entries
        .iter()
        .map(|e| {
            entry_to_ninjs(e, language).map(|doc| Item {
                doc,
                origin: Origin::Entry(e.updated.or(e.published)),
            })
        })
        .collect()
}

/// One feed entry as a ninjs text item (without its version): uri from the
/// entry id when that is a URI, else its link; headline; body from the
/// content or else the summary, markup kept as `text/html`; bylines;
/// categories as subjects without URIs (unfiled: not in any taxonomy);
/// enclosures and Media RSS pictures as picture associations.
pub fn entry_to_ninjs(entry: &Entry, feed_language: Option<&str>) -> Result<Value, String> {
    let uri = entry_uri(entry).ok_or("the entry has neither a URI id nor a link")?;
    let mut doc = Map::new();
    doc.insert("uri".into(), json!(uri));
    doc.insert("type".into(), json!("text"));
    doc.insert("pubStatus".into(), json!("usable"));
    if let Some(p) = entry.published {
        doc.insert("firstCreated".into(), json!(rfc3339(p)));
    }
    if let Some(lang) = entry.language.as_deref().or(feed_language) {
        doc.insert("language".into(), json!(lang));
    }
    if let Some(t) = entry
        .title
        .as_ref()
        .filter(|t| !t.content.trim().is_empty())
    {
        doc.insert(
            "headlines".into(),
            json!([{"role": "main", "value": t.content.trim()}]),
        );
    }
    let content = entry
        .content
        .as_ref()
        .and_then(|c| {
            c.body
                .as_deref()
                .map(|b| (b, media_of(c.content_type.as_ref())))
        })
        .filter(|(b, _)| !b.trim().is_empty());
    let summary = entry
        .summary
        .as_ref()
        .filter(|s| !s.content.trim().is_empty());
    match (content, summary) {
        (Some((body, media)), summary) => {
            doc.insert("bodies".into(), json!([block("main", media, body)]));
            if let Some(s) = summary {
                doc.insert("descriptions".into(), json!([text_block("summary", s)]));
            }
        }
        (None, Some(s)) => {
            doc.insert("bodies".into(), json!([text_block("main", s)]));
        }
        (None, None) => {}
    }
    let by: Vec<&str> = entry
        .authors
        .iter()
        .filter_map(|a| a.name.as_deref().map(str::trim).filter(|n| !n.is_empty()))
        .collect();
    if !by.is_empty() {
        doc.insert("by".into(), json!(by.join(", ")));
    }
    let mut subjects: Vec<&str> = Vec::new();
    for c in &entry.categories {
        let name = c.label.as_deref().unwrap_or(&c.term).trim();
        if !name.is_empty() && !subjects.contains(&name) {
            subjects.push(name);
        }
    }
    if !subjects.is_empty() {
        let list: Vec<Value> = subjects.iter().map(|n| json!({"name": n})).collect();
        doc.insert("subjects".into(), Value::Array(list));
    }
    let pictures = pictures(entry);
    if !pictures.is_empty() {
        doc.insert("associations".into(), Value::Array(pictures));
    }
    Ok(Value::Object(doc))
}

/// The entry id when it is a complete URI (Atom ids are), else the first
/// link (RSS items often have a bare guid or none).
fn entry_uri(entry: &Entry) -> Option<String> {
    let id = entry.id.trim();
    if newsfeed_model::uri::check_uri(id).is_ok() && id.contains(':') {
        return Some(id.to_owned());
    }
    entry
        .links
        .iter()
        .find(|l| {
            l.rel.as_deref().is_none_or(|r| r == "alternate")
                && l.media_type.as_deref().is_none_or(|m| m.contains("html"))
        })
        .or_else(|| entry.links.first())
        .map(|l| l.href.trim().to_owned())
        .filter(|h| newsfeed_model::uri::check_uri(h).is_ok())
}

fn media_of(content_type: &str) -> &'static str {
    if content_type.to_ascii_lowercase().contains("html") {
        "text/html"
    } else {
        "text/plain"
    }
}

fn block(role: &str, media: &str, value: &str) -> Value {
    json!({"role": role, "contentType": media, "value": value.trim()})
}

fn text_block(role: &str, t: &Text) -> Value {
    block(role, media_of(t.content_type.as_ref()), &t.content)
}

/// Pictures of the entry, each an association with one rendition: Media RSS
/// content and thumbnails, RSS enclosures and Atom `rel="enclosure"` links
/// (which `feed-rs` gives as media), JSON Feed `image` and attachments.
fn pictures(entry: &Entry) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut add = |href: &str,
                   media: Option<String>,
                   w: Option<u32>,
                   h: Option<u32>,
                   size: Option<u64>,
                   title: Option<&str>| {
        let is_image = media.as_deref().is_none_or(|m| m.starts_with("image/"));
        if !is_image
            || seen.iter().any(|s| s == href)
            || newsfeed_model::uri::check_uri(href).is_err()
        {
            return;
        }
        seen.push(href.to_owned());
        let mut rendition = Map::new();
        rendition.insert("name".into(), json!("original"));
        rendition.insert("href".into(), json!(href));
        if let Some(m) = media {
            rendition.insert("contentType".into(), json!(m));
        }
        for (k, v) in [("width", w), ("height", h)] {
            if let Some(v) = v.filter(|v| *v > 0).and_then(|v| i32::try_from(v).ok()) {
                rendition.insert(k.into(), json!(v));
            }
        }
        if let Some(s) = size.filter(|s| *s > 0 && *s <= newsfeed_model::validate::MAX_VERSION) {
            rendition.insert("sizeInBytes".into(), json!(s));
        }
        let name = if out.is_empty() {
            "mainpic".to_owned()
        } else {
            format!("picture{}", out.len() + 1)
        };
        let mut assoc = picture(&name, href, Some(rendition));
        if let Some(t) = title.map(str::trim).filter(|t| !t.is_empty()) {
            assoc["descriptions"] = json!([{"role": "caption", "value": t}]);
        }
        out.push(assoc);
    };
    for m in &entry.media {
        let caption = m
            .description
            .as_ref()
            .or(m.title.as_ref())
            .map(|t| t.content.as_str());
        for c in &m.content {
            if let Some(url) = &c.url {
                let media = c.content_type.as_ref().map(|t| t.to_string());
                add(url.as_str(), media, c.width, c.height, c.size, caption);
            }
        }
        if m.content.is_empty() {
            for t in &m.thumbnails {
                add(
                    &t.image.uri,
                    None,
                    t.image.width,
                    t.image.height,
                    None,
                    caption,
                );
            }
        }
    }
    let attached = |l: &&feed_rs::model::Link| match l.rel.as_deref() {
        Some(rel) => rel == "enclosure",
        None => l.media_type.is_some(),
    };
    for l in entry.links.iter().filter(attached) {
        add(
            &l.href,
            l.media_type.clone(),
            None,
            None,
            l.length,
            l.title.as_deref(),
        );
    }
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn clip_error(s: &str) -> String {
    newsfeed_model::echo::clip(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(body: &str, content_type: Option<&str>) -> Item {
        let mut items = parse(body.as_bytes(), content_type).unwrap();
        assert_eq!(items.len(), 1, "{items:?}");
        items.remove(0).unwrap()
    }

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Harbour desk</title><link>https://news.example.com/</link><description>d</description><language>en</language>
<item>
  <title>Ferry service resumes after storm</title>
  <link>https://news.example.com/harbour/ferry</link>
  <guid isPermaLink="false">ferry-1</guid>
  <pubDate>Mon, 30 Nov 2026 09:15:00 GMT</pubDate>
  <dc:creator>Ada Lind</dc:creator>
  <category>Transport</category><category>Weather</category>
  <description>&lt;p&gt;Boats sail again &lt;b&gt;today&lt;/b&gt;.&lt;/p&gt;</description>
  <enclosure url="https://img.example.com/ferry.jpg" type="image/jpeg" length="52000"/>
  <media:content url="https://img.example.com/ferry-wide.jpg" medium="image" type="image/jpeg" width="1600" height="900"/>
</item>
</channel></rss>"#;

    #[test]
    fn an_rss_item_becomes_a_text_item() {
        let item = one(RSS, Some("application/rss+xml"));
        let when = DateTime::parse_from_rfc3339("2026-11-30T09:15:00Z").unwrap();
        assert_eq!(item.origin, Origin::Entry(Some(when.with_timezone(&Utc))));
        let d = &item.doc;
        // The guid is no URI: the link is the uri.
        assert_eq!(d["uri"], "https://news.example.com/harbour/ferry");
        assert_eq!(d["type"], "text");
        assert_eq!(d["language"], "en");
        assert_eq!(
            d["headlines"][0]["value"],
            "Ferry service resumes after storm"
        );
        assert_eq!(d["bodies"][0]["contentType"], "text/html");
        assert_eq!(
            d["bodies"][0]["value"],
            "<p>Boats sail again <b>today</b>.</p>"
        );
        assert_eq!(d["by"], "Ada Lind");
        assert_eq!(
            d["subjects"],
            json!([{"name": "Transport"}, {"name": "Weather"}])
        );
        // feed-rs prefers the Media RSS picture to the plain enclosure.
        let pic = &d["associations"][0];
        assert_eq!(pic["name"], "mainpic");
        assert_eq!(pic["type"], "picture");
        assert_eq!(pic["uri"], "https://img.example.com/ferry-wide.jpg");
        assert_eq!(pic["renditions"][0]["width"], 1600);
        assert_eq!(pic["renditions"][0]["contentType"], "image/jpeg");
        newsfeed_model::parse_article(d.clone()).unwrap();

        let plain = RSS.replace(
            r#"<media:content url="https://img.example.com/ferry-wide.jpg" medium="image" type="image/jpeg" width="1600" height="900"/>"#,
            "",
        );
        let d = one(&plain, None).doc;
        assert_eq!(
            d["associations"][0]["uri"],
            "https://img.example.com/ferry.jpg"
        );
        assert_eq!(d["associations"][0]["renditions"][0]["sizeInBytes"], 52000);
    }

    #[test]
    fn an_atom_entry_keeps_its_uri_id_and_content() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:feed:1</id><updated>2026-11-30T10:00:00Z</updated>
<entry><id>urn:newsfeed:harbour:2</id><title>Quay repairs begin</title><updated>2026-11-30T10:00:00Z</updated>
<author><name>Bo Strand</name></author><author><name>Ada Lind</name></author>
<summary>Short.</summary>
<content type="html">&lt;p&gt;Long &lt;i&gt;story&lt;/i&gt;.&lt;/p&gt;</content>
<link rel="alternate" href="https://news.example.com/harbour/quay"/>
<link rel="enclosure" type="image/png" href="https://img.example.com/quay.png"/>
<category term="infrastructure" label="Infrastructure"/>
</entry></feed>"#;
        let d = one(atom, None).doc;
        assert_eq!(d["uri"], "urn:newsfeed:harbour:2");
        assert_eq!(d["bodies"][0]["value"], "<p>Long <i>story</i>.</p>");
        assert_eq!(d["bodies"][0]["contentType"], "text/html");
        assert_eq!(d["descriptions"][0]["value"], "Short.");
        assert_eq!(d["by"], "Bo Strand, Ada Lind");
        assert_eq!(d["subjects"][0]["name"], "Infrastructure");
        assert_eq!(
            d["associations"][0]["renditions"][0]["contentType"],
            "image/png"
        );
        newsfeed_model::parse_article(d).unwrap();
    }

    #[test]
    fn a_json_feed_item_with_an_image() {
        let jf = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
            {"id": "https://news.example.com/harbour/3", "title": "Tug crews honoured",
             "content_text": "Plain words.", "date_modified": "2026-11-30T11:00:00Z",
             "image": "https://img.example.com/tug.jpg", "tags": ["Awards"],
             "attachments": [{"url": "https://img.example.com/tug-crew.png", "mime_type": "image/png"}],
             "authors": [{"name": "Cy Berg"}]}]}"#;
        let item = one(jf, Some("application/feed+json"));
        let d = &item.doc;
        assert_eq!(d["uri"], "https://news.example.com/harbour/3");
        assert_eq!(d["bodies"][0]["contentType"], "text/plain");
        assert_eq!(d["by"], "Cy Berg");
        assert_eq!(d["subjects"][0]["name"], "Awards");
        assert_eq!(
            d["associations"][0]["uri"],
            "https://img.example.com/tug.jpg"
        );
        assert_eq!(
            d["associations"][1]["uri"],
            "https://img.example.com/tug-crew.png"
        );
        assert_eq!(d["associations"][1]["name"], "picture2");
        assert!(matches!(item.origin, Origin::Entry(Some(_))));
        newsfeed_model::parse_article(d.clone()).unwrap();
    }

    #[test]
    fn ninjs_arrays_and_ndjson_are_taken_as_they_are() {
        let doc = json!({"uri": "urn:a:1", "version": "3", "headlines": [{"value": "h"}]});
        let array = format!("[{doc}]");
        assert_eq!(one(&array, Some("application/json")).doc, doc);
        let ndjson = format!("{doc}\n{doc}\n");
        let items = parse(ndjson.as_bytes(), None).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].as_ref().unwrap().origin, Origin::Ninjs);
    }

    #[test]
    fn malformed_feeds_are_refused_and_bad_entries_named() {
        assert!(parse(b"<rss><channel><item><title>cut", None).is_err());
        assert!(parse(b"{\"uri\": \"urn:a:1\"}\n{oops", None).is_err());
        assert!(parse(b"hello", Some("text/plain")).is_err());
        let no_link = r#"<rss version="2.0"><channel><title>t</title><item><title>x</title><guid isPermaLink="false">bare</guid></item></channel></rss>"#;
        let items = parse(no_link.as_bytes(), None).unwrap();
        assert!(items[0].is_err(), "{items:?}");
    }
}

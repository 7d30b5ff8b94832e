//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>): a topic's feed as
//! `application/feed+json`.

use serde::Serialize;

use super::model::{Feed, Format, Item, rfc3339};

/// The spec's version URL, which readers check first.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    description: String,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    /// The story's picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    /// The same picture with its media type, size and caption.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// The feed as a JSON Feed 1.1 document.
pub(super) fn render(feed: &Feed) -> Vec<u8> {
    let doc = Document {
        version: VERSION,
        title: &feed.name,
        home_page_url: feed.home_page_url(),
        feed_url: feed.url(Format::Json),
        description: format!("Stories tagged {}, newest first.", feed.name),
        items: feed.items.iter().map(item).collect(),
    };
    // Serializing plain strings and vectors into memory cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn item(i: &Item) -> JsonItem<'_> {
    // The spec requires content_html or content_text on every item; a story
    // without a body still has a description or headline (ingest checks).
    let content_text = match (&i.content_html, &i.content_text) {
        (None, None) => Some(i.summary.as_deref().or(i.title.as_deref()).unwrap_or("")),
        (_, text) => text.as_deref(),
    };
    JsonItem {
        id: &i.id,
        url: &i.url,
        title: i.title.as_deref(),
        content_html: i.content_html.as_deref(),
        content_text,
        summary: i.summary.as_deref(),
        date_published: i.published.map(rfc3339),
        date_modified: i.modified.map(rfc3339),
        authors: i.author.iter().map(|name| Author { name }).collect(),
        tags: i.tags.iter().map(|t| t.name.as_str()).collect(),
        language: i.language.as_deref(),
        image: i.picture.as_ref().map(|p| p.url.as_str()),
        attachments: i
            .picture
            .iter()
            .map(|p| Attachment {
                url: &p.url,
                mime_type: &p.media_type,
                title: p.caption.as_deref(),
                size_in_bytes: p.size,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::feeds::model::tests::sample;

    fn rendered() -> Value {
        serde_json::from_slice(&render(&sample())).unwrap_or_default()
    }

    #[test]
    fn the_feed_has_what_json_feed_1_1_requires() {
        let doc = rendered();
        assert_eq!(doc["version"], VERSION);
        assert_eq!(doc["title"], "Kazakhstan");
        assert_eq!(
            doc["feed_url"],
            "http://feeds.test/v1/topics/kazakhstan/feed.json"
        );
        assert_eq!(
            doc["home_page_url"],
            "http://feeds.test/v1/topics/kazakhstan/articles"
        );
        let items = doc["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 2);
        for i in &items {
            assert!(i["id"].is_string(), "{i}");
            assert!(
                i["content_html"].is_string() || i["content_text"].is_string(),
                "{i}"
            );
        }
    }

    #[test]
    fn items_carry_the_story() {
        let first = &rendered()["items"][0];
        assert_eq!(first["id"], "https://news.example.com/fish");
        assert_eq!(first["url"], "https://news.example.com/fish");
        // JSON needs no markup escaping: the headline is as written.
        assert_eq!(first["title"], "Fish & Chips <b>");
        assert_eq!(first["content_html"], "<p>Fried &amp; salted</p>");
        assert_eq!(first["summary"], "Cod, haddock & plaice");
        assert_eq!(first["date_published"], "2026-11-28T08:00:00Z");
        assert_eq!(first["date_modified"], "2026-11-28T08:05:00Z");
        assert_eq!(first["authors"], json!([{"name": "Newsfeed test desk"}]));
        assert_eq!(
            first["tags"],
            json!(["Protests in Kazakhstan", "Kazakhstan", "Almaty"])
        );
        assert_eq!(first["language"], "en");
    }

    #[test]
    fn a_uri_that_is_no_web_address_links_to_the_read_api() {
        let second = &rendered()["items"][1];
        assert_eq!(second["id"], "urn:newsfeed:test:2");
        assert_eq!(
            second["url"],
            "http://feeds.test/v1/articles/urn%3Anewsfeed%3Atest%3A2"
        );
        assert_eq!(second["content_text"], "Plain words.");
        // No firstCreated: the version's date is the publication date.
        assert_eq!(second["date_published"], "2026-11-27T10:00:00Z");
    }

    #[test]
    fn the_picture_is_the_image_and_an_attachment() {
        let doc = rendered();
        assert_eq!(
            doc["items"][0]["image"],
            "https://img.example/fish.jpg?w=640&h=480"
        );
        assert_eq!(
            doc["items"][0]["attachments"],
            json!([{"url": "https://img.example/fish.jpg?w=640&h=480", "mime_type": "image/jpeg", "title": "Cod & chips", "size_in_bytes": 51200}])
        );
        assert!(doc["items"][1].get("image").is_none());
    }
}

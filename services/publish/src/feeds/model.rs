//! What a topic's feed says, whatever its format: built once from the
//! store's entries (while the store is read-locked), then rendered as JSON
//! Feed, RSS or Atom without touching the store again.

use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use newsfeed_model::Article;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::picture::Picture;
use crate::store::{Entry, slugify, tag_names};

/// Everything outside RFC 3986's unreserved characters is encoded in a path
/// segment (slugs are letters, digits and hyphens, but letters may be non-ASCII).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The three feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// JSON Feed 1.1.
    Json,
    /// RSS 2.0.
    Rss,
    /// Atom 1.0 (RFC 4287).
    Atom,
}

impl Format {
    /// The file name the feed is served under.
    pub(super) fn file(self) -> &'static str {
        match self {
            Self::Json => "feed.json",
            Self::Rss => "feed.rss",
            Self::Atom => "feed.atom",
        }
    }

    /// The `format` label of `feed_requests_total`.
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Rss => "rss",
            Self::Atom => "atom",
        }
    }

    /// The media type, as sent in `Content-Type`.
    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/feed+json; charset=utf-8",
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
        }
    }
}

/// A topic's feed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Feed {
    /// Scheme and authority the request came to (`http://host:port`), or
    /// empty for links relative to the server.
    pub(super) base: String,
    /// The topic slug.
    pub(super) slug: String,
    /// The topic's display name: the feed's title.
    pub(super) name: String,
    /// Stories, newest first.
    pub(super) items: Vec<Item>,
}

/// One story in a feed.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Item {
    /// The story uri: a permanent id, not necessarily a web page.
    pub(super) id: String,
    /// Where to read it: the uri when it is a web address, else the read API.
    pub(super) url: String,
    /// The main headline.
    pub(super) title: Option<String>,
    /// The first description, as plain text.
    pub(super) summary: Option<String>,
    /// The first HTML body.
    pub(super) content_html: Option<String>,
    /// The first body of another type, as plain text.
    pub(super) content_text: Option<String>,
    /// `firstCreated`, else `versionCreated`, else when publish released it.
    pub(super) published: Option<DateTime<Utc>>,
    /// `versionCreated`.
    pub(super) modified: Option<DateTime<Utc>>,
    /// The byline (`by`).
    pub(super) author: Option<String>,
    /// BCP 47 language tag.
    pub(super) language: Option<String>,
    /// Every tag of the story, once each.
    pub(super) tags: Vec<Tag>,
    /// The picture to show with it.
    pub(super) picture: Option<Picture>,
}

/// A tag of a story, as a feed category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tag {
    /// Its topic slug (the category term).
    pub(super) slug: String,
    /// Its display name.
    pub(super) name: String,
}

impl Feed {
    /// The feed of `slug` (named `name`) made of `entries`, newest first.
    pub(super) fn new(base: &str, slug: &str, name: &str, entries: &[&Entry]) -> Self {
        Self {
            base: base.to_owned(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            items: entries.iter().map(|e| Item::new(base, e)).collect(),
        }
    }

    /// Where this feed is served in `format`.
    pub(super) fn url(&self, format: Format) -> String {
        format!("{}/{}", self.topic_path(), format.file())
    }

    /// The topic's story list in the read API: the feed's home page.
    pub(super) fn home_page_url(&self) -> String {
        format!("{}/articles", self.topic_path())
    }

    fn topic_path(&self) -> String {
        format!("{}{}", self.base, topic_path(&self.slug))
    }

    /// The newest date in the feed (for `Last-Modified` and feed-level dates).
    pub(super) fn updated(&self) -> Option<DateTime<Utc>> {
        self.items.iter().filter_map(Item::updated).max()
    }
}

/// `/v1/topics/<slug>`, with the slug percent-encoded.
pub(super) fn topic_path(slug: &str) -> String {
    format!("/v1/topics/{}", utf8_percent_encode(slug, SEGMENT))
}

impl Item {
    fn new(base: &str, entry: &Entry) -> Self {
        let a = &entry.event.article;
        let id = a.uri.clone().unwrap_or_default();
        let url = if id.starts_with("https://") || id.starts_with("http://") {
            id.clone()
        } else {
            format!(
                "{base}/v1/articles/{}",
                utf8_percent_encode(&id, NON_ALPHANUMERIC)
            )
        };
        let released = entry
            .event
            .publication
            .as_ref()
            .and_then(|p| p.published_at);
        let modified = date(a.version_created.as_deref());
        let (content_html, content_text) = contents(a);
        Self {
            url,
            id,
            title: a.headline().filter(|h| !h.is_empty()).map(str::to_owned),
            summary: a
                .descriptions
                .iter()
                .filter_map(|d| d.value.as_deref())
                .find(|d| !d.is_empty())
                .map(str::to_owned),
            content_html,
            content_text,
            published: date(a.first_created.as_deref()).or(modified).or(released),
            modified,
            author: a.by.clone().filter(|b| !b.is_empty()),
            language: a.language.clone(),
            tags: tags(a),
            picture: super::picture::of(a),
        }
    }

    /// When the story last changed: `versionCreated`, else its publication.
    pub(super) fn updated(&self) -> Option<DateTime<Utc>> {
        self.modified.or(self.published)
    }
}

/// The first HTML body and the first body of any other type; the main body
/// (role `main`) is preferred for each.
fn contents(a: &Article) -> (Option<String>, Option<String>) {
    let mut bodies: Vec<_> = a
        .bodies
        .iter()
        .filter(|b| b.value.as_deref().is_some_and(|v| !v.is_empty()))
        .collect();
    // Stable: keeps the newsroom's order otherwise.
    bodies.sort_by_key(|b| b.role.as_deref() != Some("main"));
    let is_html = |b: &&newsfeed_model::Body| {
        b.content_type.as_deref().is_some_and(|t| {
            let t = t.trim().to_ascii_lowercase();
            t.starts_with("text/html") || t.starts_with("application/xhtml+xml")
        })
    };
    let html = bodies
        .iter()
        .find(|b| is_html(b))
        .and_then(|b| b.value.clone());
    let text = bodies
        .iter()
        .find(|b| !is_html(b))
        .and_then(|b| b.value.clone());
    (html, text)
}

/// Every tag name of the story (subjects, places, people, organisations),
/// once per topic slug, in that order.
fn tags(a: &Article) -> Vec<Tag> {
    let mut out: Vec<Tag> = Vec::new();
    for name in tag_names(a) {
        let slug = slugify(name);
        if !slug.is_empty() && !out.iter().any(|t| t.slug == slug) {
            out.push(Tag {
                slug,
                name: name.to_owned(),
            });
        }
    }
    out
}

/// An RFC 3339 date-time from the article (ingest checked them; anything
/// unparsable counts as absent).
fn date(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// RFC 3339 in UTC with whole seconds, as JSON Feed and Atom want.
pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An HTTP date (IMF-fixdate) for `Last-Modified`, which is also RFC 822's
/// format with a four-digit year, as RSS wants.
pub(super) fn http_date(t: DateTime<Utc>) -> String {
    httpdate::fmt_http_date(SystemTime::from(t))
}

#[cfg(test)]
pub(super) mod tests {
    use chrono::TimeZone;
    use newsfeed_model::{ArticleEvent, Block, Body, Entity, Publication, Subject};

    use super::*;
    use crate::lifecycle::Action;
    use crate::store::Store;

    fn place(name: &str) -> Entity {
        Entity {
            name: Some(name.into()),
            ..Entity::default()
        }
    }

    fn released(article: Article, at: &str) -> ArticleEvent {
        ArticleEvent {
            article,
            publication: Some(Publication {
                action: Some(Action::Published.as_str().into()),
                published_at: date(Some(at)),
            }),
            ..ArticleEvent::default()
        }
    }

    /// A store with two stories tagged Kazakhstan: one with a headline that
    /// needs escaping and an HTML body, one older with a plain body and a
    /// uri that is no web address.
    pub(in crate::feeds) fn store() -> Store {
        let store = Store::temporary(chrono::Duration::days(3650)).unwrap();
        store
            .apply(released(
                Article {
                    uri: Some("https://news.example.com/fish".into()),
                    version: Some("2".into()),
                    first_created: Some("2026-11-28T08:00:00Z".into()),
                    version_created: Some("2026-11-28T08:05:00.250Z".into()),
                    language: Some("en".into()),
                    by: Some("Newsfeed test desk".into()),
                    headlines: vec![Block {
                        role: Some("main".into()),
                        value: Some("Fish & Chips <b>".into()),
                        ..Block::default()
                    }],
                    descriptions: vec![Block {
                        value: Some("Cod, haddock & plaice".into()),
                        ..Block::default()
                    }],
                    bodies: vec![Body {
                        role: Some("main".into()),
                        content_type: Some("text/html".into()),
                        value: Some("<p>Fried &amp; salted</p>".into()),
                        ..Body::default()
                    }],
                    subjects: vec![Subject {
                        name: Some("Protests in Kazakhstan".into()),
                        ..Subject::default()
                    }],
                    places: vec![place("Kazakhstan"), place("Almaty"), place("kazakhstan")],
                    associations: vec![Article {
                        name: Some("mainpic".into()),
                        uri: Some("urn:newsfeed:test:pic".into()),
                        kind: Some("picture".into()),
                        descriptions: vec![Block {
                            value: Some("Cod & chips".into()),
                            ..Block::default()
                        }],
                        renditions: vec![newsfeed_model::Rendition {
                            name: Some("main".into()),
                            href: Some("https://img.example/fish.jpg?w=640&h=480".into()),
                            content_type: Some("image/jpeg".into()),
                            width: Some(640),
                            height: Some(480),
                            size_in_bytes: Some(51200),
                            ..newsfeed_model::Rendition::default()
                        }],
                        ..Article::default()
                    }],
                    ..Article::default()
                },
                "2026-11-28T08:06:00Z",
            ))
            .unwrap();
        store
            .apply(released(
                Article {
                    uri: Some("urn:newsfeed:test:2".into()),
                    version_created: Some("2026-11-27T10:00:00Z".into()),
                    headlines: vec![Block {
                        value: Some("Older story".into()),
                        ..Block::default()
                    }],
                    bodies: vec![Body {
                        content_type: Some("text/plain".into()),
                        value: Some("Plain words.".into()),
                        ..Body::default()
                    }],
                    places: vec![place("Kazakhstan")],
                    ..Article::default()
                },
                "2026-11-27T10:01:00Z",
            ))
            .unwrap();
        store
    }

    /// The feed of topic `kazakhstan` from [`store`].
    pub(in crate::feeds) fn sample() -> Feed {
        let store = store();
        Feed::new(
            "http://feeds.test",
            "kazakhstan",
            "Kazakhstan",
            &store
                .topic("kazakhstan", 50)
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn items_come_newest_first_with_their_dates() {
        let feed = sample();
        let ids: Vec<_> = feed.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            ["https://news.example.com/fish", "urn:newsfeed:test:2"]
        );
        assert_eq!(
            feed.updated(),
            Utc.with_ymd_and_hms(2026, 11, 28, 8, 5, 0)
                .single()
                .map(|t| t + chrono::Duration::milliseconds(250))
        );
    }

    #[test]
    fn tags_are_listed_once_per_slug() {
        let slugs: Vec<_> = sample().items[0]
            .tags
            .iter()
            .map(|t| t.slug.clone())
            .collect();
        assert_eq!(slugs, ["protests-in-kazakhstan", "kazakhstan", "almaty"]);
    }

    #[test]
    fn date_formats() {
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 8, 5, 9).single();
        assert_eq!(t.map(rfc3339).as_deref(), Some("2026-11-28T08:05:09Z"));
        assert_eq!(
            t.map(http_date).as_deref(),
            Some("Sat, 28 Nov 2026 08:05:09 GMT")
        );
    }

    #[test]
    fn slugs_are_percent_encoded_in_paths() {
        assert_eq!(topic_path("côte-d-ivoire"), "/v1/topics/c%C3%B4te-d-ivoire");
    }
}

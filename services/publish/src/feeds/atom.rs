//! Atom 1.0 (RFC 4287): a topic's feed as `application/atom+xml`, with the
//! story uri as each entry's id and a `<category term label>` per tag.

use chrono::DateTime;

use super::model::{Feed, Format, Item, rfc3339};
use super::xml::{self, element, empty};

/// Where feed ids live: a tag URI (RFC 4151), so a topic's feed keeps its
/// id whatever host name it is read through.
const ID_PREFIX: &str = "tag:newsfeed.dev,2026:topics/";

/// The feed as an Atom 1.0 document.
pub(super) fn render(feed: &Feed) -> String {
    let mut out = String::with_capacity(1024 + feed.items.len() * 2048);
    out.push_str(xml::DECLARATION);
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    element(&mut out, "id", &[], &format!("{ID_PREFIX}{}", feed.slug));
    element(&mut out, "title", &[("type", "text")], &feed.name);
    element(
        &mut out,
        "subtitle",
        &[("type", "text")],
        &format!("Stories tagged {}, newest first.", feed.name),
    );
    // <updated> is required even with no entries; the epoch keeps an empty
    // feed's body (and so its strong ETag) the same from poll to poll.
    let updated = feed.updated().unwrap_or(DateTime::UNIX_EPOCH);
    element(&mut out, "updated", &[], &rfc3339(updated));
    empty(
        &mut out,
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", &feed.url(Format::Atom)),
        ],
    );
    empty(
        &mut out,
        "link",
        &[
            ("rel", "alternate"),
            ("type", "application/json"),
            ("href", &feed.home_page_url()),
        ],
    );
    // Atom needs an author for every entry; this one stands in for entries
    // without a byline.
    out.push_str("<author>\n");
    element(&mut out, "name", &[], "Newsfeed");
    out.push_str("</author>\n");
    for i in &feed.items {
        entry(&mut out, i);
    }
    out.push_str("</feed>\n");
    out
}

fn entry(out: &mut String, i: &Item) {
    match &i.language {
        Some(lang) => xml::open(out, "entry", &[("xml:lang", lang)]),
        None => out.push_str("<entry>"),
    }
    out.push('\n');
    element(out, "id", &[], &i.id);
    let title = i.title.as_deref().or(i.summary.as_deref()).unwrap_or("");
    element(out, "title", &[("type", "text")], title);
    empty(out, "link", &[("rel", "alternate"), ("href", &i.url)]);
    if let Some(published) = i.published {
        element(out, "published", &[], &rfc3339(published));
    }
    let updated = i.updated().unwrap_or(DateTime::UNIX_EPOCH);
    element(out, "updated", &[], &rfc3339(updated));
    if let Some(author) = &i.author {
        out.push_str("<author>\n");
        element(out, "name", &[], author);
        out.push_str("</author>\n");
    }
    for tag in &i.tags {
        empty(
            out,
            "category",
            &[("term", &tag.slug), ("label", &tag.name)],
        );
    }
    if let Some(summary) = &i.summary {
        element(out, "summary", &[("type", "text")], summary);
    }
    match (&i.content_html, &i.content_text) {
        (Some(html), _) => element(out, "content", &[("type", "html")], html),
        (None, Some(text)) => element(out, "content", &[("type", "text")], text),
        (None, None) => {}
    }
    if let Some(p) = &i.picture {
        let length = p.size.map(|s| s.to_string());
        let mut attrs = vec![
            ("rel", "enclosure"),
            ("href", p.url.as_str()),
            ("type", p.media_type.as_str()),
        ];
        if let Some(length) = &length {
            attrs.push(("length", length));
        }
        if let Some(caption) = &p.caption {
            attrs.push(("title", caption));
        }
        empty(out, "link", &attrs);
    }
    xml::close(out, "entry");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::model::tests::sample;

    #[test]
    fn the_feed_has_an_id_a_date_and_a_self_link() {
        let atom = render(&sample());
        assert!(atom.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
        assert!(
            atom.contains("<id>tag:newsfeed.dev,2026:topics/kazakhstan</id>"),
            "{atom}"
        );
        assert!(
            atom.contains("<updated>2026-11-28T08:05:00Z</updated>"),
            "{atom}"
        );
        assert!(
            atom.contains(
                "<link rel=\"self\" type=\"application/atom+xml\" href=\"http://feeds.test/v1/topics/kazakhstan/feed.atom\"/>"
            ),
            "{atom}"
        );
        assert!(atom.ends_with("</feed>\n"));
    }

    #[test]
    fn entries_carry_the_story_escaped() {
        let atom = render(&sample());
        for expected in [
            "<entry xml:lang=\"en\">",
            "<id>https://news.example.com/fish</id>",
            "<title type=\"text\">Fish &amp; Chips &lt;b&gt;</title>",
            "<published>2026-11-28T08:00:00Z</published>",
            "<updated>2026-11-28T08:05:00Z</updated>",
            "<name>Newsfeed test desk</name>",
            "<category term=\"protests-in-kazakhstan\" label=\"Protests in Kazakhstan\"/>",
            "<category term=\"almaty\" label=\"Almaty\"/>",
            "<summary type=\"text\">Cod, haddock &amp; plaice</summary>",
            "<content type=\"html\">&lt;p&gt;Fried &amp;amp; salted&lt;/p&gt;</content>",
            "<id>urn:newsfeed:test:2</id>",
            "<content type=\"text\">Plain words.</content>",
        ] {
            assert!(atom.contains(expected), "{expected} missing from {atom}");
        }
    }

    #[test]
    fn an_empty_feed_is_dated_the_same_every_time() {
        let mut feed = sample();
        feed.items.clear();
        let atom = render(&feed);
        assert!(
            atom.contains("<updated>1970-01-01T00:00:00Z</updated>"),
            "{atom}"
        );
        assert!(!atom.contains("<entry"), "{atom}");
        assert_eq!(atom, render(&feed));
    }

    #[test]
    fn the_picture_is_an_enclosure_link() {
        let atom = render(&sample());
        assert!(
            atom.contains("<link rel=\"enclosure\" href=\"https://img.example/fish.jpg?w=640&amp;h=480\" type=\"image/jpeg\" length=\"51200\" title=\"Cod &amp; chips\"/>"),
            "{atom}"
        );
    }
}

//! RSS 2.0 (<https://www.rssboard.org/rss-specification>): a topic's feed as
//! `application/rss+xml`, with a `<category>` per tag, the story uri as a
//! non-permalink `<guid>` and `atom:link rel="self"`, as the RSS Advisory
//! Board recommends. A story's picture is its `<enclosure>` and, with size
//! and caption, a Media RSS `<media:content>`.

use super::model::{Feed, Format, Item, http_date};
use super::picture::Picture;
use super::xml::{self, element, empty, escape_text_as_html};

/// The feed as an RSS 2.0 document.
pub(super) fn render(feed: &Feed) -> String {
    let mut out = String::with_capacity(1024 + feed.items.len() * 2048);
    out.push_str(xml::DECLARATION);
    xml::open(
        &mut out,
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
            ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
            ("xmlns:media", "http://search.yahoo.com/mrss/"),
        ],
    );
    out.push_str("\n<channel>\n");
    element(&mut out, "title", &[], &feed.name);
    element(&mut out, "link", &[], &feed.home_page_url());
    element(
        &mut out,
        "description",
        &[],
        &format!("Stories tagged {}, newest first.", feed.name),
    );
    empty(
        &mut out,
        "atom:link",
        &[
            ("href", &feed.url(Format::Rss)),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    );
    if let Some(updated) = feed.updated() {
        element(&mut out, "lastBuildDate", &[], &http_date(updated));
    }
    for i in &feed.items {
        item(&mut out, i);
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn item(out: &mut String, i: &Item) {
    out.push_str("<item>\n");
    if let Some(title) = &i.title {
        // RSS titles are plain text: escaped once, shown as written.
        element(out, "title", &[], title);
    }
    element(out, "link", &[], &i.url);
    element(out, "guid", &[("isPermaLink", "false")], &i.id);
    if let Some(published) = i.published {
        element(out, "pubDate", &[], &http_date(published));
    }
    if let Some(author) = &i.author {
        // RSS's own <author> must be an e-mail address; a byline is a name.
        element(out, "dc:creator", &[], author);
    }
    for tag in &i.tags {
        element(out, "category", &[], &tag.name);
    }
    // <description> is HTML to readers: the summary if there is one, else
    // the body; plain text is escaped as HTML first so it reads as written.
    let description = match (&i.summary, &i.content_html, &i.content_text) {
        (Some(summary), _, _) => Some(escape_text_as_html(summary)),
        (None, Some(html), _) => Some(xml::escape(html).into_owned()),
        (None, None, Some(text)) => Some(escape_text_as_html(text)),
        (None, None, None) => None,
    };
    if let Some(description) = description {
        out.push_str("<description>");
        out.push_str(&description);
        out.push_str("</description>\n");
    }
    // The full HTML body as well, unless it already is the description.
    if let (Some(_), Some(html)) = (&i.summary, &i.content_html) {
        element(out, "content:encoded", &[], html);
    }
    if let Some(p) = &i.picture {
        picture(out, p);
    }
    out.push_str("</item>\n");
}

/// The enclosure (length 0 when unknown, as the RSS Advisory Board advises)
/// and the Media RSS description of the same image.
fn picture(out: &mut String, p: &Picture) {
    let length = p.size.unwrap_or(0).to_string();
    empty(
        out,
        "enclosure",
        &[
            ("url", &p.url),
            ("length", &length),
            ("type", &p.media_type),
        ],
    );
    let (width, height) = (
        p.width.map(|w| w.to_string()),
        p.height.map(|h| h.to_string()),
    );
    let size = p.size.map(|s| s.to_string());
    let mut attrs = vec![
        ("url", p.url.as_str()),
        ("type", p.media_type.as_str()),
        ("medium", "image"),
    ];
    for (name, value) in [("width", &width), ("height", &height), ("fileSize", &size)] {
        if let Some(v) = value {
            attrs.push((name, v.as_str()));
        }
    }
    match &p.caption {
        Some(caption) => {
            xml::open(out, "media:content", &attrs);
            out.push('\n');
            element(out, "media:description", &[("type", "plain")], caption);
            xml::close(out, "media:content");
        }
        None => empty(out, "media:content", &attrs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feeds::model::tests::sample;

    #[test]
    fn the_channel_links_to_itself() {
        let rss = render(&sample());
        assert!(
            rss.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"")
        );
        assert!(rss.contains("<title>Kazakhstan</title>"), "{rss}");
        assert!(
            rss.contains(
                "<atom:link href=\"http://feeds.test/v1/topics/kazakhstan/feed.rss\" rel=\"self\" type=\"application/rss+xml\"/>"
            ),
            "{rss}"
        );
        assert!(
            rss.contains("<lastBuildDate>Sat, 28 Nov 2026 08:05:00 GMT</lastBuildDate>"),
            "{rss}"
        );
        assert!(rss.ends_with("</channel>\n</rss>\n"));
    }

    #[test]
    fn items_are_escaped_and_dated_in_rfc_822() {
        let rss = render(&sample());
        for expected in [
            "<title>Fish &amp; Chips &lt;b&gt;</title>",
            "<guid isPermaLink=\"false\">https://news.example.com/fish</guid>",
            "<pubDate>Sat, 28 Nov 2026 08:00:00 GMT</pubDate>",
            "<category>Protests in Kazakhstan</category>",
            "<category>Almaty</category>",
            "<dc:creator>Newsfeed test desk</dc:creator>",
            "<description>Cod, haddock &amp;amp; plaice</description>",
            "<content:encoded>&lt;p&gt;Fried &amp;amp; salted&lt;/p&gt;</content:encoded>",
            "<description>Plain words.</description>",
        ] {
            assert!(rss.contains(expected), "{expected} missing from {rss}");
        }
    }

    #[test]
    fn without_a_summary_the_html_body_is_the_description() {
        let mut feed = sample();
        feed.items[0].summary = None;
        let rss = render(&feed);
        assert!(
            rss.contains("<description>&lt;p&gt;Fried &amp;amp; salted&lt;/p&gt;</description>"),
            "{rss}"
        );
        assert!(!rss.contains("content:encoded>"), "{rss}");
    }

    #[test]
    fn stories_come_newest_first() {
        let rss = render(&sample());
        let fish = rss.find("news.example.com/fish</guid>");
        let older = rss.find("urn:newsfeed:test:2</guid>");
        assert!(fish.is_some() && older.is_some() && fish < older, "{rss}");
    }

    #[test]
    fn an_empty_feed_is_still_a_channel() {
        let mut feed = sample();
        feed.items.clear();
        let rss = render(&feed);
        assert!(!rss.contains("<item>"), "{rss}");
        assert!(!rss.contains("lastBuildDate"), "{rss}");
        assert!(rss.contains("<channel>"), "{rss}");
    }

    #[test]
    fn the_picture_is_an_enclosure_and_media_content() {
        let rss = render(&sample());
        assert!(
            rss.contains("xmlns:media=\"http://search.yahoo.com/mrss/\""),
            "{rss}"
        );
        assert!(
            rss.contains("<enclosure url=\"https://img.example/fish.jpg?w=640&amp;h=480\" length=\"51200\" type=\"image/jpeg\"/>"),
            "{rss}"
        );
        assert!(
            rss.contains("<media:content url=\"https://img.example/fish.jpg?w=640&amp;h=480\" type=\"image/jpeg\" medium=\"image\" width=\"640\" height=\"480\" fileSize=\"51200\">\n<media:description type=\"plain\">Cod &amp; chips</media:description>\n</media:content>"),
            "{rss}"
        );
        assert_eq!(
            rss.matches("<enclosure").count(),
            1,
            "only the story with a picture"
        );
    }
}

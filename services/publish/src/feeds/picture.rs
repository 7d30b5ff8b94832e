//! The picture a feed shows with a story: the best rendition of the story's
//! own image (for a picture or graphic item), else of its first image
//! association (one whose name or relationship says "main" first), else an
//! image among the story's own renditions. Best is the largest that a feed
//! reader can fetch: an http(s) address and an image media type.

use newsfeed_model::{Article, ItemType, Rendition};

/// A picture as feeds show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Picture {
    /// Where to fetch it.
    pub(super) url: String,
    /// Its image media type (`image/jpeg`, ...).
    pub(super) media_type: String,
    /// Pixels, when known.
    pub(super) width: Option<u32>,
    /// Pixels, when known.
    pub(super) height: Option<u32>,
    /// Bytes, when known.
    pub(super) size: Option<u64>,
    /// The caption: the image's first description, else its headline.
    pub(super) caption: Option<String>,
}

/// The picture of `a`, if it has one a feed reader can show.
pub(super) fn of(a: &Article) -> Option<Picture> {
    let is_image = |x: &Article| x.item_type().is_some_and(ItemType::is_image);
    let mut associations: Vec<&Article> = a.associations.iter().filter(|x| is_image(x)).collect();
    // Stable: the newsroom's order otherwise.
    associations.sort_by_key(|x| !says_main(x));
    let own = is_image(a).then_some(a);
    own.into_iter()
        .chain(associations)
        .find_map(|item| best(&item.renditions).map(|r| picture(item, r)))
        .or_else(|| best(&a.renditions).map(|r| picture(a, r)))
}

fn says_main(a: &Article) -> bool {
    [&a.name, &a.rel]
        .into_iter()
        .flatten()
        .any(|s| s.to_ascii_lowercase().contains("main"))
}

/// The largest fetchable image rendition; among equals, the first.
fn best(renditions: &[Rendition]) -> Option<(&Rendition, String)> {
    let mut found: Option<(&Rendition, String)> = None;
    for r in renditions {
        let Some(media_type) = fetchable_image(r) else {
            continue;
        };
        if found
            .as_ref()
            .is_none_or(|(b, _)| size_key(r) > size_key(b))
        {
            found = Some((r, media_type));
        }
    }
    found
}

fn size_key(r: &Rendition) -> (i64, u64) {
    let area = i64::from(r.width.unwrap_or(0)) * i64::from(r.height.unwrap_or(0));
    (area, r.size_in_bytes.unwrap_or(0))
}

/// The media type of `r` when it is an image at an http(s) address.
fn fetchable_image(r: &Rendition) -> Option<String> {
    let href = r.href.as_deref()?;
    let lower = href.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    let declared = r
        .content_type
        .as_deref()
        .map(|t| t.split(';').next().unwrap_or(t).trim().to_ascii_lowercase());
    match declared {
        // A common misspelling (IPTC's own examples use it).
        Some(t) if t == "image/jpg" => Some("image/jpeg".into()),
        Some(t) if t.starts_with("image/") => Some(t),
        Some(_) => None,
        None => by_extension(&lower).map(str::to_owned),
    }
}

fn by_extension(href: &str) -> Option<&'static str> {
    let path = href.split(['?', '#']).next().unwrap_or(href);
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        "avif" => Some("image/avif"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

fn picture(item: &Article, (r, media_type): (&Rendition, String)) -> Picture {
    let text = |blocks: &[newsfeed_model::Block]| {
        blocks
            .iter()
            .filter_map(|b| b.value.as_deref())
            .find(|v| !v.trim().is_empty())
            .map(str::to_owned)
    };
    Picture {
        url: r.href.clone().unwrap_or_default(),
        media_type,
        width: r.width.and_then(|w| u32::try_from(w).ok()),
        height: r.height.and_then(|h| u32::try_from(h).ok()),
        size: r.size_in_bytes,
        caption: text(&item.descriptions).or_else(|| text(&item.headlines)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn article(v: serde_json::Value) -> Article {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn the_largest_image_of_the_main_picture_wins() {
        let a = article(json!({
            "uri": "urn:a:1",
            "associations": [
                {"name": "logo", "uri": "urn:g:1", "type": "graphic",
                 "renditions": [{"name": "big", "href": "https://img.example/logo.png", "width": 900, "height": 900}]},
                {"name": "mainpic", "uri": "urn:p:1", "type": "picture",
                 "descriptions": [{"value": "The ship at Giglio"}],
                 "renditions": [
                    {"name": "small", "href": "https://img.example/s.jpg", "contentType": "image/jpg", "width": 179, "height": 117},
                    {"name": "main", "href": "https://img.example/m.jpg", "contentType": "image/jpg", "width": 429, "height": 281, "sizeInBytes": 40000},
                    {"name": "print", "href": "ftp://img.example/p.tif", "contentType": "image/tiff", "width": 4000, "height": 3000}
                 ]},
                {"name": "clip", "uri": "urn:v:1", "type": "video",
                 "renditions": [{"name": "hd", "href": "https://v.example/c.mp4", "contentType": "video/mp4", "width": 1920, "height": 1080}]}
            ]
        }));
        assert_eq!(
            of(&a),
            Some(Picture {
                url: "https://img.example/m.jpg".into(),
                media_type: "image/jpeg".into(),
                width: Some(429),
                height: Some(281),
                size: Some(40000),
                caption: Some("The ship at Giglio".into()),
            })
        );
    }

    #[test]
    fn a_picture_item_shows_itself_and_a_text_item_its_own_image_renditions() {
        let photo = article(
            json!({"uri": "urn:p:1", "type": "picture", "headlines": [{"value": "Ship"}],
            "renditions": [{"name": "main", "href": "http://img.example/a.jpeg"}]}),
        );
        let p = of(&photo).unwrap_or_else(|| panic!("no picture"));
        assert_eq!(
            (p.media_type.as_str(), p.caption.as_deref()),
            ("image/jpeg", Some("Ship"))
        );
        let release = article(json!({"uri": "urn:t:1", "renditions": [
            {"name": "thumbnail", "href": "http://img.example/t.jpg", "contentType": "image/jpeg", "height": 70, "width": 70},
            {"name": "highres", "href": "http://img.example/h.jpg", "contentType": "image/jpeg", "height": 432, "width": 432}]}));
        assert_eq!(
            of(&release).map(|p| p.url),
            Some("http://img.example/h.jpg".into())
        );
        let none = article(
            json!({"uri": "urn:t:2", "renditions": [{"name": "pdf", "href": "https://x.example/a.pdf", "contentType": "application/pdf"}],
            "associations": [{"name": "p", "uri": "urn:p:2", "type": "picture", "renditions": [{"name": "thumbnail"}]}]}),
        );
        assert_eq!(of(&none), None);
    }
}

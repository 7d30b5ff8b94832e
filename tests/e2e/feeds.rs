//! A topic's feeds as feed readers see them: three stories through the real
//! pipeline, the RSS and Atom feeds judged by the real Python `feedparser`,
//! the JSON Feed checked against what JSON Feed 1.1 requires, repeat polls
//! answered 304, and the topic index counting the stories.

use std::process::Command;
use std::time::Duration;

use newsfeed_tests::python::{interpreter, script};
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(60);

/// A story whose headline and body need escaping in XML; the newest of the three.
fn fish_and_chips(uri: &str) -> Value {
    json!({
        "uri": uri,
        "type": "text",
        "version": "1",
        "versionCreated": "2026-11-28T09:15:00Z",
        "language": "en",
        "by": "Newsfeed test desk",
        "headlines": [{"role": "main", "value": "Fish & Chips <b>fever</b> reaches Astana as Kazakhstan's cafés court winter tourists"}],
        "descriptions": [{"value": "Cod & chips orders doubled; one menu promised \"<b>real</b>\" vinegar."}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "Café owners in Astana said orders for cod & chips doubled this month. Kazakhstan's tourism board expects more visitors."}],
        "associations": [{
            "name": "mainpic", "uri": format!("{uri}/picture"), "type": "picture",
            "descriptions": [{"value": "Cod & chips at a café"}],
            "renditions": [
                {"name": "thumbnail", "href": "https://img.news.example.com/fish-160.jpg", "contentType": "image/jpeg", "width": 160, "height": 120},
                {"name": "main", "href": "https://img.news.example.com/fish-1024.jpg?crop=1&v=2", "contentType": "image/jpeg", "width": 1024, "height": 768, "sizeInBytes": 120_000}
            ]
        }]
    })
}

const FISH_PICTURE: &str = "https://img.news.example.com/fish-1024.jpg?crop=1&v=2";

/// A story tagged Kazakhstan only; the oldest of the three.
fn wheat_harvest(uri: &str, version: u32, status: &str) -> Value {
    json!({
        "uri": uri,
        "type": "text",
        "version": version.to_string(),
        "versionCreated": "2026-11-27T07:30:00Z",
        "pubStatus": status,
        "language": "en",
        "headlines": [{"role": "main", "value": "Kazakh wheat harvest beats forecasts for a second year"}],
        "bodies": [{"role": "main", "contentType": "text/html", "value": "<p>Farmers in northern Kazakhstan brought in more grain than expected, the agriculture ministry said.</p>"}]
    })
}

fn publish_url(p: &Pipeline, path: &str) -> String {
    p.services
        .iter()
        .find(|s| s.svc == Svc::Publish)
        .expect("publish runs")
        .url(path)
}

/// GET `path` from publish: status, headers, body.
async fn get(
    p: &Pipeline,
    path: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let mut req = p.http.get(publish_url(p, path));
    if let Some(etag) = if_none_match {
        req = req.header(IF_NONE_MATCH, etag);
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.text().await.unwrap())
}

/// Runs `check_feeds.py` on the documents; its JSON summary, one per document.
fn feedparser(p: &Pipeline, documents: &[(&str, &str)]) -> Vec<Value> {
    let dir = std::env::temp_dir();
    let paths: Vec<_> = documents
        .iter()
        .map(|(name, body)| {
            let path = dir.join(format!("{}{name}", p.prefix));
            std::fs::write(&path, body).unwrap();
            path
        })
        .collect();
    let out = Command::new(interpreter())
        .arg(script("check_feeds.py"))
        .args(&paths)
        .output()
        .unwrap();
    for path in &paths {
        let _ = std::fs::remove_file(path);
    }
    assert!(
        out.status.success(),
        "check_feeds.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    summary["feeds"].as_array().cloned().unwrap()
}

fn field(entries: &Value, name: &str) -> Vec<String> {
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[name].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn categories(entry: &Value, part: &str) -> Vec<String> {
    entry["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c[part].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn topic_feeds_read_cleanly_in_a_real_feed_reader() {
    let p = Pipeline::start("feeds").await;
    let (unrest, fish, wheat) = (uri("feeds-unrest"), uri("feeds-fish"), uri("feeds-wheat"));
    for doc in [
        kazakhstan_unrest(&unrest, 1),
        fish_and_chips(&fish),
        wheat_harvest(&wheat, 1, "usable"),
    ] {
        let (status, _, body) = p.post_article(&doc).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    for id in [&unrest, &fish, &wheat] {
        p.wait_for_article(id, WITHIN, |_| true).await;
    }
    let newest_first = [fish.clone(), unrest.clone(), wheat.clone()];

    let (status, headers, rss) = get(&p, "/v1/topics/kazakhstan/feed.rss", None).await;
    assert_eq!(status, StatusCode::OK, "{rss}");
    assert_eq!(headers[CONTENT_TYPE], "application/rss+xml; charset=utf-8");
    let (status, headers, atom) = get(&p, "/v1/topics/kazakhstan/feed.atom", None).await;
    assert_eq!(status, StatusCode::OK, "{atom}");
    assert_eq!(headers[CONTENT_TYPE], "application/atom+xml; charset=utf-8");

    let parsed = feedparser(&p, &[("feed.rss", &rss), ("feed.atom", &atom)]);
    let (rss_summary, atom_summary) = (&parsed[0], &parsed[1]);
    for (summary, version) in [(rss_summary, "rss20"), (atom_summary, "atom10")] {
        assert_eq!(summary["bozo"], false, "{summary}");
        assert_eq!(summary["version"], version, "{summary}");
        assert_eq!(summary["title"], "Kazakhstan", "{summary}");
        let entries = &summary["entries"];
        assert_eq!(field(entries, "id"), newest_first, "{summary}");
        // Escaped once in the XML, so the reader shows the headline as written.
        assert_eq!(
            entries[0]["title"],
            "Fish & Chips <b>fever</b> reaches Astana as Kazakhstan's cafés court winter tourists",
            "{summary}"
        );
        assert_eq!(entries[0]["author"], "Newsfeed test desk", "{summary}");
        // The story's picture, from its largest rendition; the others have none.
        let enclosures = &entries[0]["enclosures"];
        assert_eq!(enclosures[0]["href"], FISH_PICTURE, "{summary}");
        assert_eq!(enclosures[0]["type"], "image/jpeg", "{summary}");
        assert_eq!(enclosures[0]["length"], "120000", "{summary}");
        assert_eq!(entries[1]["enclosures"], json!([]), "{summary}");
    }
    assert_eq!(
        rss_summary["entries"][0]["media_content"],
        json!([{"url": FISH_PICTURE, "type": "image/jpeg", "medium": "image", "width": "1024", "height": "768"}]),
        "{rss_summary}"
    );
    // RSS categories are tag names; Atom's are slugs labelled with names.
    let rss_unrest = &rss_summary["entries"][1];
    for name in ["Protests in Kazakhstan", "Kazakhstan", "Almaty"] {
        assert!(
            categories(rss_unrest, "term").contains(&name.to_owned()),
            "{rss_unrest}"
        );
    }
    let atom_unrest = &atom_summary["entries"][1];
    for (term, label) in [
        ("protests-in-kazakhstan", "Protests in Kazakhstan"),
        ("kazakhstan", "Kazakhstan"),
    ] {
        assert!(
            categories(atom_unrest, "term").contains(&term.to_owned()),
            "{atom_unrest}"
        );
        assert!(
            categories(atom_unrest, "label").contains(&label.to_owned()),
            "{atom_unrest}"
        );
    }
    assert!(
        categories(&atom_summary["entries"][0], "term").contains(&"astana".to_owned()),
        "{atom_summary}"
    );

    // JSON Feed 1.1: version, title, and every item with an id and content.
    let (status, headers, body) = get(&p, "/v1/topics/kazakhstan/feed.json", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers[CONTENT_TYPE],
        "application/feed+json; charset=utf-8"
    );
    let etag = headers[ETAG].to_str().unwrap().to_owned();
    let feed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "Kazakhstan");
    let items = feed["items"].as_array().unwrap();
    for item in items {
        assert!(item["id"].is_string(), "{item}");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "{item}"
        );
    }
    assert_eq!(field(&feed["items"], "id"), newest_first);
    assert_eq!(items[2]["date_modified"], "2026-11-27T07:30:00Z");
    assert_eq!(items[0]["image"], FISH_PICTURE);
    assert_eq!(items[0]["attachments"][0]["mime_type"], "image/jpeg");
    assert_eq!(items[0]["attachments"][0]["size_in_bytes"], 120_000);

    // A reader polling again with its ETag gets a 304 and no body.
    let (status, _, body) = get(&p, "/v1/topics/kazakhstan/feed.json", Some(&etag)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty(), "{body}");
    assert_eq!(
        p.metric(
            Svc::Publish,
            "newsfeed_publish_feed_requests_total{format=\"json\",outcome=\"not_modified\"}"
        )
        .await,
        1.0
    );

    // The index counts the topic's stories and links its feeds.
    let (status, _, body) = get(&p, "/v1/topics", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let index: Value = serde_json::from_str(&body).unwrap();
    let topic = index["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "kazakhstan")
        .cloned()
        .unwrap_or_else(|| panic!("kazakhstan missing from {index}"));
    assert_eq!(topic["count"], 3, "{topic}");
    assert_eq!(topic["links"]["rss"], "/v1/topics/kazakhstan/feed.rss");

    // A retraction is news: the same ETag now gets the feed without the story.
    assert_eq!(
        p.post_article(&wheat_harvest(&wheat, 2, "canceled"))
            .await
            .0,
        StatusCode::ACCEPTED
    );
    let deadline = std::time::Instant::now() + WITHIN;
    loop {
        let (status, _, body) = get(&p, "/v1/topics/kazakhstan/feed.json", Some(&etag)).await;
        if status == StatusCode::OK {
            let feed: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(field(&feed["items"], "id"), [fish.clone(), unrest.clone()]);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "retraction never reached the feed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let (status, headers, body) = get(&p, "/v1/topics/atlantis/feed.atom", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(headers[CONTENT_TYPE], "application/problem+json");
}

//! Figures for feeds as sources:
//! - entries converted per second: a feed body parsed (`feed-rs`), each
//!   entry mapped to ninjs and validated as a posted story would be, for an
//!   RSS 2.0 and a JSON Feed 1.1 feed of `ENTRIES` generated entries (no I/O);
//! - one feed of 1,000 entries end to end on a real broker: the time from
//!   `newsfeedctl feeds add` to all 1,000 stories readable in publish.
//!
//!     deploy/local/bench   (or: cargo run --release -p newsfeed-tests --bin feed-polling)

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use newsfeed_ingest::feeds::convert::{self, Origin};
use newsfeed_tests::ctl::Ctl;
use newsfeed_tests::feed_server::FeedServer;
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::json;

const ENTRIES: usize = 5_000;
const ROUNDS: usize = 5;
const END_TO_END: usize = 1_000;

#[tokio::main]
async fn main() {
    for (name, body, content_type) in [
        ("RSS 2.0", rss(ENTRIES), "application/rss+xml"),
        ("JSON Feed 1.1", json_feed(ENTRIES), "application/feed+json"),
    ] {
        let rate = converted_per_second(body.as_bytes(), content_type);
        println!(
            "feed entries converted, {name:<13}: {rate:>8.0} entries/s ({ENTRIES} entries x {ROUNDS} rounds)"
        );
    }
    let took = end_to_end().await;
    println!(
        "one feed of {END_TO_END} entries, feeds add -> all readable in publish: {:.2} s ({:.0} entries/s)",
        took.as_secs_f64(),
        END_TO_END as f64 / took.as_secs_f64()
    );
}

/// Parses, maps and validates `body` `ROUNDS` times; entries per second.
fn converted_per_second(body: &[u8], content_type: &str) -> f64 {
    let started = Instant::now();
    for _ in 0..ROUNDS {
        let items = convert::parse(body, Some(content_type)).expect("a feed");
        assert_eq!(items.len(), ENTRIES);
        for item in items {
            let mut item = item.expect("an entry");
            if let Origin::Entry(Some(t)) = item.origin {
                item.doc["version"] = json!(t.timestamp().to_string());
                item.doc["versionCreated"] = json!(t.to_rfc3339());
            }
            newsfeed_model::parse_article(item.doc).expect("a valid story");
        }
    }
    (ENTRIES * ROUNDS) as f64 / started.elapsed().as_secs_f64()
}

fn uri(i: usize) -> String {
    format!("https://news.example.com/bench/feed/{i}")
}

/// An RSS feed of `n` generated entries, each with a body, author,
/// categories and a picture.
fn rss(n: usize) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Bench</title><link>https://news.example.com/bench/</link><description>Generated</description><language>en</language>"#,
    );
    for i in 0..n {
        s.push_str(&format!(
            r#"<item><title>Council report {i} on harbour works and road repairs</title><link>{}</link><pubDate>Mon, 30 Nov 2026 09:{:02}:{:02} GMT</pubDate><author>desk@example.com (Desk {})</author><category>Local</category><category>Roads</category><description><![CDATA[<p>Report {i}: the council met on Monday to agree the budget for the harbour works.</p><p>Road repairs start in spring and last eight weeks.</p>]]></description><media:content url="https://img.example.com/bench/{i}.jpg" medium="image" type="image/jpeg" width="1200" height="800"/></item>"#,
            uri(i),
            (i / 60) % 60,
            i % 60,
            i % 7
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn json_feed(n: usize) -> String {
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            json!({
                "id": uri(i),
                "url": uri(i),
                "title": format!("Council report {i} on harbour works and road repairs"),
                "content_html": format!("<p>Report {i}: the council met on Monday to agree the budget for the harbour works.</p>"),
                "date_modified": format!("2026-11-30T09:{:02}:{:02}Z", (i / 60) % 60, i % 60),
                "image": format!("https://img.example.com/bench/{i}.jpg"),
                "tags": ["Local", "Roads"],
                "authors": [{"name": format!("Desk {}", i % 7)}]
            })
        })
        .collect();
    json!({"version": "https://jsonfeed.org/version/1.1", "title": "Bench", "items": items})
        .to_string()
}

/// Time from `feeds add` to every entry of a 1,000-entry feed readable in publish.
async fn end_to_end() -> Duration {
    let p =
        Pipeline::start_some("feed-bench", &[Svc::Ingest, Svc::Enrich, Svc::Publish], &[]).await;
    let server = FeedServer::start().await;
    server.serve("/bench.rss", "application/rss+xml", rss(END_TO_END));
    let ctl = Ctl::new(&p.prefix);
    let started = Instant::now();
    ctl.ok(&[
        "feeds",
        "add",
        &server.url("/bench.rss"),
        "--source",
        "test",
        "--interval",
        "60s",
    ]);
    let mut missing: BTreeSet<String> = (0..END_TO_END).map(uri).collect();
    let deadline = started + Duration::from_secs(300);
    while !missing.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} stories never published",
            missing.len()
        );
        let batch: Vec<String> = missing.iter().take(100).cloned().collect();
        let found = futures::future::join_all(batch.iter().map(|u| async {
            let (status, _, _) = p.get_article(u).await;
            (u.clone(), status == StatusCode::OK)
        }))
        .await;
        let mut progressed = false;
        for (u, ok) in found {
            if ok {
                missing.remove(&u);
                progressed = true;
            }
        }
        if !progressed {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    started.elapsed()
}

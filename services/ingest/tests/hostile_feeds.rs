//! Feeds from servers Newsfeed does not control: the test feeds, cut,
//! spliced and corrupted at random (invalid UTF-8, stray markup, entities,
//! dates and characters of every width), are read without a panic; what
//! they yield is an error, or documents (each entry with a uri) that the
//! validation of every story then reads without a panic either.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use newsfeed_ingest::feeds::convert::{Origin, parse};
use newsfeed_tests::random::Rng;

const FEEDS: &[(&str, &str)] = &[
    ("harbour.rss.xml", "application/rss+xml"),
    ("wire.atom.xml", "application/atom+xml"),
    ("desk.feed.json", "application/feed+json"),
    ("agency.ninjs.ndjson", "application/x-ndjson"),
];

/// What gets spliced in.
const SPLICES: &[&str] = &[
    "Москва",
    "日本",
    "👩🏽‍🚀",
    "e\u{301}",
    "\u{feff}",
    "&amp;",
    "&#1052;",
    "&#xD800;",
    "&#99999999999;",
    "&bogus;",
    "&",
    "<",
    ">",
    "<![CDATA[",
    "]]>",
    "<!--",
    "<item>",
    "</item>",
    "<entry>",
    "<title>",
    "<link>https://x.example/a</link>",
    "<pubDate>Mon, 31 Feb 2026 25:61:00 +9999</pubDate>",
    "<updated>9999-99-99T99:99:99Z</updated>",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "\"id\": 1e999",
    "\"date_published\": \"2026-13-45T00:00:00Z\"",
    "\n",
    "\\u0000",
    "\\ud800",
];

fn mutate(rng: &mut Rng, body: &mut Vec<u8>) {
    let at = rng.below(body.len() + 1);
    match rng.below(5) {
        0 => body.truncate(at),
        1 => {
            let splice = rng.pick(SPLICES).as_bytes();
            body.splice(at..at, splice.iter().copied());
        }
        2 => {
            if let Some(b) = body.get_mut(at) {
                *b = rng.below(256) as u8;
            }
        }
        3 => {
            let end = (at + rng.below(64)).min(body.len());
            let copy = body[at..end].to_vec();
            let to = rng.below(body.len() + 1);
            body.splice(to..to, copy);
        }
        _ => {
            let end = (at + rng.below(64)).min(body.len());
            body.drain(at..end);
        }
    }
}

#[test]
fn corrupted_feeds_are_read_without_a_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/feeds");
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    let (mut documents, mut refused) = (0, 0);
    for (file, media) in FEEDS {
        let original = std::fs::read(format!("{dir}/{file}")).unwrap();
        for _ in 0..1500 {
            let mut body = original.clone();
            for _ in 0..1 + rng.below(4) {
                mutate(&mut rng, &mut body);
            }
            let content_type = [Some(*media), None][rng.below(2)];
            match parse(&body, content_type) {
                Ok(items) => {
                    for item in items {
                        let Ok(item) = item else {
                            refused += 1;
                            continue;
                        };
                        // An entry becomes a document with a uri; ninjs is
                        // taken as it is, for the validation to judge.
                        if matches!(item.origin, Origin::Entry(_)) {
                            assert!(item.doc["uri"].is_string(), "{file}: {}", item.doc);
                        }
                        // The validation every document then goes through
                        // (the poller's, a posted story's) holds too.
                        let _ = newsfeed_model::parse_article(item.doc);
                        documents += 1;
                    }
                }
                Err(_) => refused += 1,
            }
        }
    }
    // Most corruptions leave most entries readable: both paths were taken.
    assert!(documents > 1000 && refused > 100, "{documents} / {refused}");
}

//! Times the tagger on large stories written to be slow: markup and lists
//! of regions that once made it quadratic (a 4 MB story took minutes),
//! against ordinary news text of the same size, timed in the same run.
//! Each line gives the time of one story and its ratio to the ordinary
//! one; a ratio far above a few means a path that is no longer linear.
//!
//!   cargo run --release -p newsfeed-tagging --example hostile_timing [MB]

use std::time::Instant;

use newsfeed_model::{Article, Block, Body};
use newsfeed_tagging::{Tagger, Taxonomy};

/// Ordinary news text, the baseline.
const PROSE: &str = "<p>Protesters gathered in Almaty for a third day as fuel prices rose across Kazakhstan, and the government in Astana promised talks with regional leaders on Monday.</p>";

/// Shapes that once cost time growing with the square of their length.
const SHAPES: &[(&str, &str, bool)] = &[
    ("lists of regions", "Donetsk and Luhansk regions, ", false),
    (
        "lists after a region word",
        "the regions of Kharkiv and Sumy and ",
        false,
    ),
    ("empty style elements", "<style></style>", true),
    ("unclosed script elements", "<script>", true),
    ("'<' without '>'", "<a", true),
    ("unclosed comments", "<!--", true),
    ("bare ampersands before Cyrillic", "&Москва ", true),
];

fn story(unit: &str, bytes: usize, html: bool) -> Article {
    let body = unit.repeat(bytes / unit.len() + 1);
    Article {
        headlines: vec![Block {
            value: Some("Report".into()),
            ..Block::default()
        }],
        bodies: vec![Body {
            value: Some(body),
            content_type: Some(if html { "text/html" } else { "text/plain" }.into()),
            ..Body::default()
        }],
        ..Article::default()
    }
}

fn seconds(tagger: &Tagger, article: &Article) -> f64 {
    let started = Instant::now();
    std::hint::black_box(tagger.tag(std::hint::black_box(article)));
    started.elapsed().as_secs_f64()
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4);
    let bytes = mb * 1024 * 1024;
    let tagger = Tagger::new(Taxonomy::default_taxonomy().expect("the default taxonomy"));
    let baseline = seconds(&tagger, &story(PROSE, bytes, true));
    println!("{mb} MB stories; ordinary news text {baseline:.2} s");
    for (name, unit, html) in SHAPES {
        let s = seconds(&tagger, &story(unit, bytes, *html));
        println!("{name:34} {s:7.2} s  {:5.1}x", s / baseline);
    }
}

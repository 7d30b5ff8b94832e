//! How much bigger enrich makes a story: the JSON of the article event
//! before tagging against the JSON after (tags written into the article,
//! and the enrichment with its evidence), summed over the tuning stories
//! and over long articles joining twelve of them each (where one concept is
//! named many times). Timestamps are left out of both.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example output_size
//! ```

use newsfeed_model::{Article, ArticleEvent, Body};
use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{Tagger, Taxonomy};

fn main() {
    let (Ok(taxonomy), Ok(set)) = (Taxonomy::default_taxonomy(), EvalSet::default_set()) else {
        eprintln!("output_size: cannot load the taxonomy or the tuning set");
        return;
    };
    let tagger = Tagger::new(taxonomy);
    let stories: Vec<Article> = set.stories.into_iter().map(|s| s.article).collect();
    let long: Vec<Article> = stories.chunks(12).map(join).collect();
    println!("enriched event size / ingested event size (JSON bytes)");
    for (name, articles) in [("tuning stories", &stories), ("long articles", &long)] {
        let (mut before, mut after, mut evidence, mut spans) = (0, 0, 0, 0);
        for article in articles {
            let mut event = ArticleEvent {
                article: article.clone(),
                ..ArticleEvent::default()
            };
            before += json_len(&event);
            let enrichment = tagger.enrich(&mut event.article);
            spans += enrichment.evidence.len();
            evidence += json_len(&enrichment.evidence);
            event.enrichment = Some(enrichment);
            after += json_len(&event);
        }
        println!(
            "  {name:<16} {:>4} stories  {:>5.2}x  (evidence {:.0}% of the output, {:.1} spans per story)",
            articles.len(),
            after as f64 / before as f64,
            100.0 * evidence as f64 / after as f64,
            spans as f64 / articles.len() as f64
        );
    }
}

fn json_len<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// One long article of the stories' headlines and bodies, in HTML.
fn join(chunk: &[Article]) -> Article {
    let mut html = String::new();
    for s in chunk {
        for v in s.headlines.iter().filter_map(|h| h.value.as_deref()) {
            html.push_str(&format!("<h2>{v}</h2>\n"));
        }
        for v in s.bodies.iter().filter_map(|b| b.value.as_deref()) {
            html.push_str(&format!("<p>{v}</p>\n"));
        }
    }
    Article {
        headlines: chunk
            .first()
            .map(|s| s.headlines.clone())
            .unwrap_or_default(),
        bodies: vec![Body {
            content_type: Some("text/html".into()),
            value: Some(html),
            ..Body::default()
        }],
        ..Article::default()
    }
}

//! Times one taxonomy over the tagging bench's texts, with whichever engine
//! this file is built against: the current one (example `time-tagger`) or
//! the engine as it shipped at an earlier commit, into whose exported tree
//! `benches/against-shipped` copies this file and `timing.rs` as an example.
//! So it uses only what both engines have: `Taxonomy::{default_taxonomy, load}`,
//! `Tagger::{new, tag}` and a serde `Article`.
//!
//! ```text
//! time-tagger SHAPES.json LABEL [TAXONOMY.yaml]   # the engine's own default without a file
//! ```
//!
//! `SHAPES.json` is what `TAGGING_BENCH_DUMP` writes. Timing is the bench's
//! own (`timing.rs`: thread CPU time, a quarter-budget warm-up, then rounds
//! until `TAGGING_BENCH_SECONDS`, default 1, have passed), with mimalloc as
//! the allocator. Prints, one line each:
//!
//! ```text
//! taxonomy LABEL ENGINE VERSION CONCEPTS
//! result LABEL SHAPE MB/S STORIES_TIMED TEXT_BYTES JSON_HASH TAGS WALL_SECONDS
//! ```
//!
//! `JSON_HASH` is FNV-1a of the shape's articles serialized again by this
//! build's model: equal hashes across builds mean both engines read the same
//! articles. `TAGS` is the tags found over the shape, once (not timed).
//!
//! With `TAGGING_BENCH_FIXED=BYTES` it times nothing: it tags, once per
//! shape, the first stories that make up `BYTES` of text, each shape in one
//! call of [`tag_once`] after one uncounted call, for counting instructions and cache misses under
//! callgrind (`against-shipped --instructions`), and prints
//!
//! ```text
//! fixed LABEL SHAPE STORIES TEXT_BYTES TAGS JSON_HASH
//! ```

use std::path::Path;
use std::time::Duration;

use newsfeed_model::Article;
use newsfeed_tagging::{ENGINE, Tagger, Taxonomy};

mod timing;
use timing::text_bytes;

// The allocator newsfeed-enrich runs with, as in the bench.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (shapes_path, label) = match args.as_slice() {
        [shapes, label, ..] if args.len() <= 3 => (shapes, label),
        _ => return Err("usage: time-tagger SHAPES.json LABEL [TAXONOMY.yaml]".into()),
    };
    let budget = Duration::from_secs_f64(
        std::env::var("TAGGING_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1.0),
    );
    let shapes: Vec<(String, Vec<Article>)> = serde_json::from_slice(&std::fs::read(shapes_path)?)?;
    let taxonomy = match args.get(2) {
        Some(path) => Taxonomy::load(Path::new(path))?,
        None => Taxonomy::default_taxonomy()?,
    };
    println!(
        "taxonomy {label} {ENGINE} {} {}",
        taxonomy.version(),
        taxonomy.len()
    );
    let tagger = Tagger::new(taxonomy);
    if let Some((shape, _)) = shapes.iter().find(|(_, articles)| articles.is_empty()) {
        return Err(format!("shape {shape} has no articles").into());
    }
    if let Ok(fixed) = std::env::var("TAGGING_BENCH_FIXED") {
        let fixed: usize = fixed
            .parse()
            .map_err(|e| format!("TAGGING_BENCH_FIXED={fixed}: {e}"))?;
        for (shape, articles) in &shapes {
            let mut bytes = 0;
            let first = articles
                .iter()
                .take_while(|a| {
                    let fits = bytes < fixed;
                    bytes += text_bytes(a);
                    fits
                })
                .count();
            let some = &articles[..first];
            // Once outside the count, so that what is counted runs warm.
            std::hint::black_box(warm_up(&tagger, some));
            let tags = tag_once(&tagger, some);
            let bytes: usize = some.iter().map(text_bytes).sum();
            let hash = fnv1a(&serde_json::to_vec(some)?);
            println!("fixed {label} {shape} {first} {bytes} {tags} {hash:016x}");
        }
        return Ok(());
    }
    for (shape, articles) in &shapes {
        let tags: usize = articles.iter().map(|a| tagger.tag(a).tags.len()).sum();
        let t = timing::time(articles, budget, |a| tagger.tag(a).tags.len());
        println!(
            "result {label} {shape} {:.3} {} {} {:016x} {tags} {:.2}",
            t.mb_per_s(),
            t.stories,
            articles.iter().map(text_bytes).sum::<usize>(),
            fnv1a(&serde_json::to_vec(articles)?),
            t.wall
        );
    }
    Ok(())
}

/// Tags each of `articles` once; the tags found. Not inlined: callgrind
/// counts what runs inside it, one dump per call.
#[inline(never)]
fn tag_once(tagger: &Tagger, articles: &[Article]) -> usize {
    articles
        .iter()
        .map(|a| {
            std::hint::black_box(tagger.tag(std::hint::black_box(a)))
                .tags
                .len()
        })
        .sum()
}

/// The same work, not counted, in the other order (and so not folded
/// into one function with [`tag_once`] by the compiler).
#[inline(never)]
fn warm_up(tagger: &Tagger, articles: &[Article]) -> usize {
    articles
        .iter()
        .rev()
        .map(|a| {
            std::hint::black_box(tagger.tag(std::hint::black_box(a)))
                .tags
                .len()
        })
        .sum()
}

/// 64-bit FNV-1a, stable across builds and Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

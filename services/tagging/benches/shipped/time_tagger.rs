//! Times one taxonomy over the tagging bench's texts, with whichever engine
//! this file is built against: the current one (example `time-tagger`) or
//! the engine as it shipped at an earlier commit, into whose exported tree
//! `benches/against-shipped` copies this file as an example. So it uses only
//! what both engines have: `Taxonomy::{default_taxonomy, load}`,
//! `Tagger::{new, tag}` and a serde `Article`.
//!
//! ```text
//! time-tagger SHAPES.json LABEL [TAXONOMY.yaml]   # the engine's own default without a file
//! ```
//!
//! `SHAPES.json` is what `TAGGING_BENCH_DUMP` writes. Timing is the bench's
//! `measure`, line for line (thread CPU time, a quarter-budget warm-up, then
//! rounds until `TAGGING_BENCH_SECONDS`, default 1, have passed), with
//! mimalloc as the allocator. Prints, one line each:
//!
//! ```text
//! taxonomy LABEL ENGINE VERSION CONCEPTS
//! result LABEL SHAPE MB/S STORIES_TIMED TEXT_BYTES JSON_HASH TAGS
//! ```
//!
//! `JSON_HASH` is FNV-1a of the shape's articles serialized again by this
//! build's model: equal hashes across builds mean both engines read the same
//! articles. `TAGS` is the tags found over the shape, once (not timed).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use newsfeed_model::Article;
use newsfeed_tagging::{ENGINE, Tagger, Taxonomy};

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
    for (shape, articles) in &shapes {
        if articles.is_empty() {
            return Err(format!("shape {shape} has no articles").into());
        }
        let tags: usize = articles.iter().map(|a| tagger.tag(a).tags.len()).sum();
        let (mb_per_s, stories) = measure(articles, budget, |a| tagger.tag(a).tags.len());
        println!(
            "result {label} {shape} {mb_per_s:.3} {stories} {} {:016x} {tags}",
            articles.iter().map(text_bytes).sum::<usize>(),
            fnv1a(&serde_json::to_vec(articles)?)
        );
    }
    Ok(())
}

/// The bench's `measure`: runs `f` over `items`, round after round, until
/// `budget` has passed; returns MB/s in thread CPU time and the stories run.
fn measure(items: &[Article], budget: Duration, f: impl Fn(&Article) -> usize) -> (f64, usize) {
    // Warm up, within the budget.
    let warm = Instant::now();
    for a in items {
        black_box(f(a));
        if warm.elapsed() > budget / 4 {
            break;
        }
    }
    let (started, cpu_started) = (Instant::now(), cpu_time());
    let (mut stories, mut bytes) = (0usize, 0usize);
    'rounds: loop {
        for a in items {
            black_box(f(black_box(a)));
            stories += 1;
            bytes += text_bytes(a);
            if stories % 8 == 0 && started.elapsed() >= budget {
                break 'rounds;
            }
        }
        if started.elapsed() >= budget {
            break;
        }
    }
    let wall = started.elapsed().as_secs_f64();
    // On a shared machine the thread may wait for a core: count the time it ran.
    let cpu = cpu_time()
        .zip(cpu_started)
        .map_or(wall, |(end, start)| (end - start).as_secs_f64());
    (bytes as f64 / cpu / 1e6, stories)
}

/// CPU time this thread has run, from /proc (None where there is none).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

/// The bench's count of an article's text: headlines, descriptions, bodies.
fn text_bytes(a: &Article) -> usize {
    let blocks = a
        .headlines
        .iter()
        .chain(&a.descriptions)
        .filter_map(|b| b.value.as_deref());
    blocks
        .chain(a.bodies.iter().filter_map(|b| b.value.as_deref()))
        .map(str::len)
        .sum()
}

/// 64-bit FNV-1a, stable across builds and Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

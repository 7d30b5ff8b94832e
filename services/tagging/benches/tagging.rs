//! Throughput of the tagging engine on one core, in one run:
//!
//! - the default taxonomy and a generated 20,000-concept taxonomy (the
//!   default plus synthetic places, people, organisations and topics);
//! - a naive baseline: one case-insensitive regex per concept over its
//!   names (no rules at all), bounded to a few stories at 20k concepts;
//! - the ratios against the targets, and the 20k matcher's memory.
//!
//! ```text
//! cargo bench -p newsfeed-tagging
//! ```
//!
//! Texts: the labelled evaluation stories (short, ~300 bytes) and
//! "articles" of ~4 KB made by joining twelve of them into one HTML body.

use std::hint::black_box;
use std::time::{Duration, Instant};

use newsfeed_model::{Article, Block, Body};
use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{Tagger, Taxonomy};
use regex::Regex;

const TARGET_CONCEPTS: usize = 20_000;

fn main() {
    let default_yaml = include_str!("../taxonomy/default.yaml");
    let stories: Vec<Article> = EvalSet::default_set()
        .expect("eval set")
        .stories
        .into_iter()
        .map(|s| s.article)
        .collect();
    let articles = join_into_articles(&stories, 12);

    let default = Taxonomy::parse(default_yaml, "default.yaml").expect("default taxonomy");
    let default_len = default.len();
    let started = Instant::now();
    let default_tagger = Tagger::new(default);
    let default_build = started.elapsed();

    let big_yaml = generate_taxonomy(default_yaml, TARGET_CONCEPTS - default_len);
    let rss_before = rss_bytes();
    let started = Instant::now();
    let big = Taxonomy::parse(&big_yaml, "generated.yaml").expect("generated taxonomy");
    let big_len = big.len();
    let big_tagger = Tagger::new(big);
    let big_build = started.elapsed();
    let rss_after = rss_bytes();

    println!("tagging benchmark, one core");
    println!(
        "  default taxonomy: {default_len} concepts, built in {default_build:.2?}, matcher {:.1} MB",
        mb(default_tagger.memory_usage())
    );
    println!(
        "  generated taxonomy: {big_len} concepts, parsed and built in {big_build:.2?}, matcher {:.1} MB (RSS grew {:.1} MB)",
        mb(big_tagger.memory_usage()),
        mb(rss_after.saturating_sub(rss_before))
    );
    println!();

    let d_short = measure("engine, default, short stories", &stories, |a| {
        default_tagger.tag(a).tags.len()
    });
    let d_long = measure("engine, default, 4 KB articles", &articles, |a| {
        default_tagger.tag(a).tags.len()
    });
    let b_short = measure("engine, 20k, short stories", &stories, |a| {
        big_tagger.tag(a).tags.len()
    });
    let b_long = measure("engine, 20k, 4 KB articles", &articles, |a| {
        big_tagger.tag(a).tags.len()
    });

    let naive_default =
        NaiveTagger::new(&Taxonomy::parse(default_yaml, "default.yaml").expect("default taxonomy"));
    let started = Instant::now();
    let naive_big = NaiveTagger::new(
        &Taxonomy::parse(&big_yaml, "generated.yaml").expect("generated taxonomy"),
    );
    println!(
        "  (naive baseline: {} regexes compiled in {:.2?})",
        naive_big.regexes.len(),
        started.elapsed()
    );
    let n_default = measure("naive regex, default, 4 KB articles", &articles, |a| {
        naive_default.tag(a)
    });
    let few: Vec<Article> = articles.iter().take(3).cloned().collect();
    let n_big = measure("naive regex, 20k, 4 KB articles (3)", &few, |a| {
        naive_big.tag(a)
    });

    println!();
    println!("ratios (targets in brackets)");
    println!(
        "  default MB/s on articles:          {:>8.1}  [>= 100]",
        d_long.mb_per_s
    );
    println!(
        "  default MB/s on short stories:     {:>8.1}",
        d_short.mb_per_s
    );
    println!(
        "  20k vs default, articles:          {:>8.2}x slower  [<= 1.5]",
        d_long.mb_per_s / b_long.mb_per_s
    );
    println!(
        "  20k vs default, short stories:     {:>8.2}x slower",
        d_short.mb_per_s / b_short.mb_per_s
    );
    println!(
        "  engine vs naive at 20k, articles:  {:>8.0}x faster  [>= 50]",
        b_long.mb_per_s / n_big.mb_per_s
    );
    println!(
        "  engine vs naive at default:        {:>8.1}x faster",
        d_long.mb_per_s / n_default.mb_per_s
    );
    println!(
        "  20k matcher memory:                {:>8.1} MB  [< 100]",
        mb(big_tagger.memory_usage())
    );
}

struct Speed {
    mb_per_s: f64,
}

/// Runs `f` over `items` until a second has passed; prints and returns the speed.
fn measure(label: &str, items: &[Article], f: impl Fn(&Article) -> usize) -> Speed {
    let bytes: usize = items.iter().map(text_bytes).sum();
    // Warm up once.
    items.iter().for_each(|a| {
        black_box(f(a));
    });
    let (mut rounds, started) = (0u32, Instant::now());
    while started.elapsed() < Duration::from_secs(1) || rounds == 0 {
        for a in items {
            black_box(f(black_box(a)));
        }
        rounds += 1;
    }
    let secs = started.elapsed().as_secs_f64();
    let mb_per_s = bytes as f64 * f64::from(rounds) / secs / 1e6;
    let per_s = items.len() as f64 * f64::from(rounds) / secs;
    println!("  {label:<40} {mb_per_s:>9.2} MB/s {per_s:>11.0} stories/s");
    Speed { mb_per_s }
}

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

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// Resident set size, from /proc (0 where there is none).
fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok());
    kb.unwrap_or(0) * 1024
}

/// Longer articles: `per` stories' headlines and bodies as one HTML body.
fn join_into_articles(stories: &[Article], per: usize) -> Vec<Article> {
    stories
        .chunks(per)
        .map(|chunk| {
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
                headlines: chunk[0].headlines.clone(),
                descriptions: vec![Block {
                    value: chunk
                        .get(1)
                        .and_then(|s| s.headlines.first())
                        .and_then(|h| h.value.clone()),
                    ..Block::default()
                }],
                bodies: vec![Body {
                    content_type: Some("text/html".into()),
                    value: Some(html),
                    ..Body::default()
                }],
                ..Article::default()
            }
        })
        .collect()
}

/// The default taxonomy plus `extra` synthetic concepts with made-up names
/// (so they rarely match news text, as most of a big taxonomy does not).
fn generate_taxonomy(default_yaml: &str, extra: usize) -> String {
    let mut out = String::from(default_yaml);
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut word = move || {
        const SYL: [&str; 24] = [
            "ka", "lo", "mir", "zan", "te", "vor", "qui", "sha", "dul", "ren", "bo", "xi", "nak",
            "por", "lem", "tas", "gu", "ver", "ith", "ando", "sel", "mok", "rai", "fen",
        ];
        let mut w = String::new();
        for _ in 0..3 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            w.push_str(SYL[(rng % SYL.len() as u64) as usize]);
        }
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    let countries = [
        "place/kazakhstan",
        "place/russia",
        "place/france",
        "place/brazil",
        "place/india",
        "place/kenya",
    ];
    let mut seen = std::collections::HashSet::new();
    let mut i = 0;
    while i < extra {
        let (a, b) = (word(), word());
        if !seen.insert(format!("{a} {b}")) || !seen.insert(a.clone()) {
            continue;
        }
        let id = format!("gen/{}-{i}", a.to_lowercase());
        let entry = match i % 20 {
            0 => format!(
                "  - {{id: {id}, kind: topic, name: {a} {b}, when: {{any_of: [{a}ism, {b}ology, {a}ware], min_distinct: 2}}}}\n"
            ),
            1..=8 => format!(
                "  - {{id: {id}, kind: place, name: {a}, aliases: [{a} {b}], inflections: [{a}ian, {a}ians], broader: [{}]}}\n",
                countries[i % countries.len()]
            ),
            9..=15 => format!("  - {{id: {id}, kind: person, name: {b} {a}, surnames: [{a}]}}\n"),
            _ => format!(
                "  - {{id: {id}, kind: organisation, name: {a} {b} Council, acronyms: [{}]}}\n",
                acronym(&a, &b, i)
            ),
        };
        out.push_str(&entry);
        i += 1;
    }
    out
}

fn acronym(a: &str, b: &str, i: usize) -> String {
    format!("{}{}C{}", &a[..1], &b[..1], i)
}

/// The baseline: for each concept, one regex over all its names.
struct NaiveTagger {
    regexes: Vec<Regex>,
}

impl NaiveTagger {
    fn new(taxonomy: &Taxonomy) -> Self {
        let regexes = taxonomy
            .concepts()
            .filter_map(|c| {
                let names: Vec<String> = c.match_names().map(regex::escape).collect();
                (!names.is_empty()).then(|| {
                    Regex::new(&format!(r"(?i)\b(?:{})\b", names.join("|"))).expect("regex")
                })
            })
            .collect();
        Self { regexes }
    }

    fn tag(&self, a: &Article) -> usize {
        let texts: Vec<&str> = a
            .headlines
            .iter()
            .chain(&a.descriptions)
            .filter_map(|b| b.value.as_deref())
            .chain(a.bodies.iter().filter_map(|b| b.value.as_deref()))
            .collect();
        self.regexes
            .iter()
            .filter(|r| texts.iter().any(|t| r.is_match(t)))
            .count()
    }
}

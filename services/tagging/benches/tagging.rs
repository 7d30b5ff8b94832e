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
//! Texts: the labelled evaluation stories (short, ~300 bytes); "typical"
//! articles of ~4 KB (each story plus connecting prose, in HTML); and
//! "dense" articles of ~4 KB joining twelve stories, with about twelve
//! times the names a real article has. Speeds count the CPU time of the
//! benchmark thread, so a busy machine does not skew them.

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
    let typical = pad_into_articles(&stories);

    let default = Taxonomy::parse(default_yaml, "default.yaml").expect("default taxonomy");
    let default_len = default.len();
    let started = Instant::now();
    let default_tagger = Tagger::new(default);
    let default_build = started.elapsed();

    if std::env::var_os("TAGGING_BENCH_PROFILE").is_some() {
        // Only the engine on articles, for `perf record`.
        for _ in 0..5 {
            measure("engine, default, dense articles", &articles, |a| {
                default_tagger.tag(a).tags.len()
            });
            measure("engine, default, typical articles", &typical, |a| {
                default_tagger.tag(a).tags.len()
            });
        }
        return;
    }
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

    let d_short = measure(
        "engine, default, short stories",
        &stories,
        engine(&default_tagger),
    );
    let d_typical = measure(
        "engine, default, typical articles",
        &typical,
        engine(&default_tagger),
    );
    let d_dense = measure(
        "engine, default, dense articles",
        &articles,
        engine(&default_tagger),
    );
    let b_short = measure("engine, 20k, short stories", &stories, engine(&big_tagger));
    let b_typical = measure(
        "engine, 20k, typical articles",
        &typical,
        engine(&big_tagger),
    );
    let b_dense = measure(
        "engine, 20k, dense articles",
        &articles,
        engine(&big_tagger),
    );

    let naive_default = NaiveTagger::new(&default_tagger);
    let started = Instant::now();
    let naive_big = NaiveTagger::new(&big_tagger);
    println!(
        "  (naive baseline: {} regexes compiled in {:.2?})",
        naive_big.regexes.len(),
        started.elapsed()
    );
    let n_default = measure("naive regex, default, typical articles", &typical, |a| {
        naive_default.tag(a)
    });
    let few: Vec<Article> = typical.iter().take(4).cloned().collect();
    let n_big = measure("naive regex, 20k, typical articles (4)", &few, |a| {
        naive_big.tag(a)
    });

    println!();
    println!("ratios (targets in brackets)");
    let ratio =
        |label: &str, value: f64, target: &str| println!("  {label:<38} {value:>8.2} {target}");
    ratio(
        "default MB/s, typical articles",
        d_typical.mb_per_s,
        "[>= 100]",
    );
    ratio("default MB/s, dense articles", d_dense.mb_per_s, "");
    ratio("default MB/s, short stories", d_short.mb_per_s, "");
    ratio(
        "20k vs default, typical (x slower)",
        d_typical.mb_per_s / b_typical.mb_per_s,
        "[<= 1.5]",
    );
    ratio(
        "20k vs default, dense (x slower)",
        d_dense.mb_per_s / b_dense.mb_per_s,
        "",
    );
    ratio(
        "20k vs default, short (x slower)",
        d_short.mb_per_s / b_short.mb_per_s,
        "",
    );
    ratio(
        "engine vs naive at 20k (x faster)",
        b_typical.mb_per_s / n_big.mb_per_s,
        "[>= 50]",
    );
    ratio(
        "engine vs naive at default (x faster)",
        d_typical.mb_per_s / n_default.mb_per_s,
        "",
    );
    ratio(
        "20k matcher memory (MB)",
        mb(big_tagger.memory_usage()),
        "[< 100]",
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
    let (mut rounds, started, cpu_started) = (0u32, Instant::now(), cpu_time());
    while started.elapsed() < Duration::from_secs(1) || rounds == 0 {
        for a in items {
            black_box(f(black_box(a)));
        }
        rounds += 1;
    }
    let wall = started.elapsed().as_secs_f64();
    // On a shared machine the thread may wait for a core: count the time it ran.
    let secs = cpu_time()
        .zip(cpu_started)
        .map_or(wall, |(end, start)| (end - start).as_secs_f64());
    let mb_per_s = bytes as f64 * f64::from(rounds) / secs / 1e6;
    let per_s = items.len() as f64 * f64::from(rounds) / secs;
    println!(
        "  {label:<42} {mb_per_s:>9.2} MB/s {per_s:>11.0} stories/s  (cpu {secs:.2}s of {wall:.2}s)"
    );
    Speed { mb_per_s }
}

/// Tagging one article with the engine, for [`measure`].
fn engine(tagger: &Tagger) -> impl Fn(&Article) -> usize + '_ {
    move |a| tagger.tag(a).tags.len()
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

/// Typical articles: each story followed by about 4 KB of connecting prose
/// (written for this bench) in HTML paragraphs, as a long article carries a
/// few names among much ordinary text.
fn pad_into_articles(stories: &[Article]) -> Vec<Article> {
    const PROSE: [&str; 8] = [
        "Officials said the talks would continue next week and that a statement was expected later in the day.",
        "Local residents told reporters they had not been consulted, and several asked for more information about the plans.",
        "The figures published on Tuesday were broadly in line with what analysts had predicted at the start of the year.",
        "A spokesperson declined to comment on the details but said the matter was being reviewed by a committee.",
        "Critics argue that the changes come too late, while supporters say they are the first step in a longer process.",
        "The report, which runs to more than two hundred pages, makes forty recommendations for the coming decade.",
        "Several people interviewed for this article asked not to be named because they were not authorised to speak.",
        "It is not yet clear how long the measures will remain in place or what they will cost in the end.",
    ];
    stories
        .iter()
        .map(|s| {
            let mut a = s.clone();
            let mut html: String = s
                .bodies
                .iter()
                .filter_map(|b| b.value.as_deref())
                .map(|v| format!("<p>{v}</p>\n"))
                .collect();
            let mut i = 0;
            while html.len() < 4000 {
                html.push_str(&format!(
                    "<p>{} {}</p>\n",
                    PROSE[i % PROSE.len()],
                    PROSE[(i + 3) % PROSE.len()]
                ));
                i += 1;
            }
            a.bodies = vec![Body {
                content_type: Some("text/html".into()),
                value: Some(html),
                ..Body::default()
            }];
            a
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
        for _ in 0..4 {
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
    fn new(tagger: &Tagger) -> Self {
        let regexes = tagger
            .taxonomy()
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

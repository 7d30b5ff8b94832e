//! Throughput of the tagging engine on one core, in one run:
//!
//! - the default taxonomy, the default taxonomy of before the whole IPTC
//!   tree and the names in eight languages (`benches/baseline-taxonomy.yaml`,
//!   545 concepts: the speed the larger one must stay within 1.3x of), and a
//!   generated 20,000-concept taxonomy (the default plus synthetic places,
//!   people, organisations and topics), each on three shapes of text (below);
//! - a naive baseline: one case-insensitive regex per concept over its
//!   names (no rules at all), with a time budget per measurement so that it
//!   stays bounded at 20k concepts;
//! - the ratios against the targets, and the 20k matcher's memory.
//!
//! ```text
//! cargo bench -p newsfeed-tagging
//! TAGGING_BENCH_SECONDS=3 cargo bench -p newsfeed-tagging   # longer, steadier
//! TAGGING_BENCH_QUICK=5 cargo bench -p newsfeed-tagging     # default vs baseline only, 5 runs
//! TAGGING_BENCH_DUMP=shapes.json cargo bench -p newsfeed-tagging   # write the texts, then exit
//! services/tagging/benches/against-shipped                  # and the engine as shipped (below)
//! ```
//!
//! `against-shipped` answers "within 1.3x of the shipped engine's MB/s": it
//! times the current engine (default and baseline taxonomies) and the engine
//! as it shipped before the whole Media Topic tree, with its own default
//! taxonomy, on these same texts (dumped as JSON), with the same timing
//! (`shipped/time_tagger.rs`).
//!
//! Texts: "short" stories, the labelled tuning stories (most ~200 bytes of
//! headline and body, a few hundred of news length: ~370 bytes on average,
//! which the run prints); "typical" articles of ~4 KB (each story plus
//! connecting prose, in HTML); and "dense" articles of ~2.4 KB joining
//! twelve stories, with about twelve times the names a real article has.
//! A story's time includes dropping the [`newsfeed_tagging::Tagging`] it
//! returns. Speeds count the CPU time of the benchmark thread (from
//! `/proc/thread-self/schedstat`), so other work on the machine does not
//! skew them; the wall time is printed beside it. Each engine line also
//! says how much of a story's time is the fixed cost of the owned output
//! (cloning and dropping the same `Tagging`: its tags and evidence are
//! strings the engine must allocate).

use std::hint::black_box;
use std::time::{Duration, Instant};

use newsfeed_model::{Article, Block, Body};
use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{Tagger, Taxonomy};
use regex::Regex;

#[path = "shipped/timing.rs"]
mod timing;
use timing::{cpu_since, cpu_time, text_bytes};

// The allocator newsfeed-enrich runs with: the engine's output is many small strings.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TARGET_CONCEPTS: usize = 20_000;

/// The three shapes of text, by name.
type Shapes = [(&'static str, Vec<Article>); 3];

/// MB/s by (engine or naive, taxonomy, shape).
type Results = Vec<((&'static str, &'static str, &'static str), f64)>;

fn main() {
    let budget = Duration::from_secs_f64(
        std::env::var("TAGGING_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1.0),
    );
    let default_yaml = include_str!("../taxonomy/default.yaml");
    let short: Vec<Article> = EvalSet::default_set()
        .expect("eval set")
        .stories
        .into_iter()
        .map(|s| s.article)
        .collect();
    let shapes: Shapes = [
        ("short", short.clone()),
        ("typical", pad_into_articles(&short)),
        ("dense", join_into_articles(&short, 12)),
    ];
    if let Some(path) = std::env::var_os("TAGGING_BENCH_DUMP") {
        // The texts, for timing another build of the engine on them (`against-shipped`).
        let json = serde_json::to_vec(&shapes).expect("shapes as JSON");
        std::fs::write(&path, json).expect("write TAGGING_BENCH_DUMP");
        return;
    }

    let baseline = Taxonomy::parse(
        include_str!("baseline-taxonomy.yaml"),
        "baseline-taxonomy.yaml",
    )
    .expect("baseline taxonomy");
    let baseline_len = baseline.len();
    let baseline_tagger = Tagger::new(baseline);
    let default = Taxonomy::parse(default_yaml, "default.yaml").expect("default taxonomy");
    let default_len = default.len();
    let started = Instant::now();
    let default_tagger = Tagger::new(default);
    let default_build = started.elapsed();

    if let Some(which) = std::env::var_os("TAGGING_BENCH_PROFILE") {
        // Only the engine (the baseline taxonomy's with `=baseline`), for `perf record`.
        let (label, tagger) = if which == "baseline" {
            ("baseline", &baseline_tagger)
        } else {
            ("default", &default_tagger)
        };
        for _ in 0..5 {
            engine_rows(&mut Vec::new(), label, tagger, &shapes, budget);
        }
        return;
    }
    if std::env::var_os("TAGGING_BENCH_QUICK").is_some() {
        // Only the default taxonomy against the baseline one, runs alternating.
        let mut results = Results::new();
        let runs = std::env::var("TAGGING_BENCH_QUICK")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2);
        for _ in 0..runs {
            engine_rows(&mut results, "default", &default_tagger, &shapes, budget);
            engine_rows(&mut results, "baseline", &baseline_tagger, &shapes, budget);
        }
        for (s, _) in &shapes {
            let best = |t: &str| {
                results
                    .iter()
                    .filter(|((_, tax, shape), _)| *tax == t && shape == s)
                    .map(|(_, v)| *v)
                    .fold(0.0, f64::max)
            };
            println!(
                "  default vs baseline taxonomy, {s} (speed ratio, best of runs) {:>8.2}",
                best("default") / best("baseline")
            );
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

    println!("tagging benchmark, one thread, speeds in thread CPU time");
    println!(
        "  default taxonomy: {default_len} concepts, built in {default_build:.2?}, matcher {:.1} MB",
        mb(default_tagger.memory_usage())
    );
    println!(
        "  baseline taxonomy: {baseline_len} concepts, matcher {:.1} MB",
        mb(baseline_tagger.memory_usage())
    );
    println!(
        "  generated taxonomy: {big_len} concepts, parsed and built in {big_build:.2?}, matcher {:.1} MB (RSS grew {:.1} MB)",
        mb(big_tagger.memory_usage()),
        mb(rss_after.saturating_sub(rss_before))
    );
    for (name, texts) in &shapes {
        let bytes: usize = texts.iter().map(text_bytes).sum();
        println!(
            "  {name} texts: {} stories, {} bytes each on average",
            texts.len(),
            bytes / texts.len()
        );
    }
    println!();
    println!(
        "  {:<36} {:>9} {:>12} {:>10} {:>14}",
        "", "MB/s", "stories/s", "µs/story", "output µs"
    );

    let mut results = Results::new();
    engine_rows(&mut results, "default", &default_tagger, &shapes, budget);
    engine_rows(&mut results, "baseline", &baseline_tagger, &shapes, budget);
    engine_rows(&mut results, "20k", &big_tagger, &shapes, budget);
    let one_word = [Article {
        headlines: vec![Block {
            value: Some("Hello".into()),
            ..Block::default()
        }],
        ..Article::default()
    }];
    measure(
        "engine, default, one-word story",
        &one_word,
        budget,
        engine(&default_tagger),
    )
    .print();

    let started = Instant::now();
    let naive_default = NaiveTagger::new(&default_tagger);
    let naive_big = NaiveTagger::new(&big_tagger);
    println!(
        "  (naive baseline: {} and {} regexes, compiled in {:.2?})",
        naive_default.regexes.len(),
        naive_big.regexes.len(),
        started.elapsed()
    );
    naive_rows(&mut results, "default", &naive_default, &shapes, budget);
    naive_rows(&mut results, "20k", &naive_big, &shapes, budget);

    print_ratios(&results, &shapes, mb(big_tagger.memory_usage()));
}

/// Measures and prints the engine on each shape.
fn engine_rows(
    results: &mut Results,
    taxonomy: &'static str,
    tagger: &Tagger,
    shapes: &Shapes,
    budget: Duration,
) {
    for (shape, texts) in shapes {
        let label = format!("engine, {taxonomy}, {shape}");
        let mut speed = measure(&label, texts, budget, engine(tagger));
        speed.output_us = Some(output_cost(tagger, texts, budget));
        speed.print();
        results.push((("engine", taxonomy, shape), speed.mb_per_s));
    }
}

/// Measures and prints the naive baseline on each shape, within the budget.
fn naive_rows(
    results: &mut Results,
    taxonomy: &'static str,
    naive: &NaiveTagger,
    shapes: &Shapes,
    budget: Duration,
) {
    for (shape, texts) in shapes {
        let label = format!("naive regex, {taxonomy}, {shape}");
        let speed = measure(&label, texts, budget, |a| naive.tag(a));
        speed.print();
        results.push((("naive", taxonomy, shape), speed.mb_per_s));
    }
}

fn print_ratios(results: &Results, shapes: &Shapes, big_memory_mb: f64) {
    let get = |key: (&str, &str, &str)| {
        results
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(f64::NAN, |(_, v)| *v)
    };
    println!();
    println!("ratios (targets in brackets)");
    let ratio =
        |label: &str, value: f64, target: &str| println!("  {label:<48} {value:>8.2} {target}");
    for (s, _) in shapes {
        ratio(
            &format!("default MB/s, {s}"),
            get(("engine", "default", s)),
            "[>= 100]",
        );
    }
    for (s, _) in shapes {
        ratio(
            &format!("default vs baseline taxonomy, {s} (speed ratio)"),
            get(("engine", "default", s)) / get(("engine", "baseline", s)),
            "[>= 0.77, within 1.3x]",
        );
    }
    for (s, _) in shapes {
        ratio(
            &format!("20k vs default, {s} (x slower)"),
            get(("engine", "default", s)) / get(("engine", "20k", s)),
            "[<= 1.5]",
        );
    }
    for (s, _) in shapes {
        ratio(
            &format!("engine vs naive at 20k, {s} (x faster)"),
            get(("engine", "20k", s)) / get(("naive", "20k", s)),
            "[>= 50]",
        );
    }
    for (s, _) in shapes {
        ratio(
            &format!("engine vs naive at default, {s} (x faster)"),
            get(("engine", "default", s)) / get(("naive", "default", s)),
            "",
        );
    }
    ratio("20k matcher memory (MB)", big_memory_mb, "[< 100]");
}

struct Speed {
    label: String,
    mb_per_s: f64,
    stories_per_s: f64,
    cpu: f64,
    wall: f64,
    /// µs per story spent cloning and dropping the output (engine lines only).
    output_us: Option<f64>,
}

impl Speed {
    fn print(&self) {
        let output = self
            .output_us
            .map_or(String::new(), |us| format!("{us:.2}"));
        println!(
            "  {:<36} {:>9.2} {:>12.0} {:>10.2} {:>14}  (cpu {:.2}s of {:.2}s wall)",
            self.label,
            self.mb_per_s,
            self.stories_per_s,
            1e6 / self.stories_per_s,
            output,
            self.cpu,
            self.wall
        );
    }
}

/// Times `f` over `items` for `budget` ([`timing::time`]); returns the speed.
fn measure(
    label: &str,
    items: &[Article],
    budget: Duration,
    f: impl Fn(&Article) -> usize,
) -> Speed {
    let t = timing::time(items, budget, f);
    Speed {
        label: label.to_owned(),
        mb_per_s: t.mb_per_s(),
        stories_per_s: t.stories as f64 / t.cpu,
        cpu: t.cpu,
        wall: t.wall,
        output_us: None,
    }
}

/// Tagging one article with the engine, for [`measure`].
fn engine(tagger: &Tagger) -> impl Fn(&Article) -> usize + '_ {
    move |a| tagger.tag(a).tags.len()
}

/// µs per story to clone and drop the engine's output for `items`: the
/// allocations any engine returning these owned tags and evidence pays.
fn output_cost(tagger: &Tagger, items: &[Article], budget: Duration) -> f64 {
    let outputs: Vec<_> = items.iter().map(|a| tagger.tag(a)).collect();
    let (started, cpu_started) = (Instant::now(), cpu_time());
    let mut n = 0usize;
    while started.elapsed() < budget / 4 {
        for o in &outputs {
            black_box(black_box(o).clone());
        }
        n += outputs.len();
    }
    let cpu = cpu_since(cpu_started).unwrap_or(started.elapsed().as_secs_f64());
    cpu * 1e6 / n as f64
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

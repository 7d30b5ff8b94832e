//! The timing of the tagging bench, shared by `benches/tagging.rs` and
//! `time_tagger.rs` (and so by the engine as shipped, into whose tree
//! `against-shipped` copies both files): only std and the model's `Article`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use newsfeed_model::Article;

/// What one measurement ran.
pub(crate) struct Timed {
    /// Text bytes of the stories run ([`text_bytes`]).
    pub(crate) bytes: usize,
    pub(crate) stories: usize,
    /// Seconds this thread ran on a core, and seconds that passed.
    pub(crate) cpu: f64,
    pub(crate) wall: f64,
}

impl Timed {
    /// MB of text per second of thread CPU time.
    pub(crate) fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.cpu / 1e6
    }
}

/// Runs `f` over `items`, round after round, until `budget` has passed
/// (stopping mid-round if need be, so that a slow baseline stays bounded),
/// after a warm-up of at most a quarter of the budget.
pub(crate) fn time(items: &[Article], budget: Duration, f: impl Fn(&Article) -> usize) -> Timed {
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
    Timed {
        bytes,
        stories,
        cpu: cpu_since(cpu_started).unwrap_or(wall),
        wall,
    }
}

/// Seconds this thread has run since `start` (a [`cpu_time`]): on a shared
/// machine the thread may wait for a core, and only the time it ran counts.
pub(crate) fn cpu_since(start: Option<Duration>) -> Option<f64> {
    cpu_time()
        .zip(start)
        .map(|(end, start)| (end - start).as_secs_f64())
}

/// CPU time this thread has run, from /proc (None where there is none).
pub(crate) fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace()
        .next()?
        .parse()
        .ok()
        .map(Duration::from_nanos)
}

/// The text an article is measured by: its headlines, descriptions and bodies.
pub(crate) fn text_bytes(a: &Article) -> usize {
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

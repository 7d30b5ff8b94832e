//! `newsfeedctl top`: the pipeline at a glance, like `vector top` — per
//! service, stories per second in and out, consumer lag, end-to-end p50/p99,
//! dead letters, rejections and readiness, refreshed every second from the
//! services' `/metrics` and `/readyz`. `--once` prints one snapshot.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::time::{Duration, Instant};

use crate::exposition::{Scrape, bucket_delta, quantile};

/// One service to watch.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// `ingest`, `enrich` or `publish`.
    pub(crate) service: &'static str,
    /// Its base URL, e.g. `http://127.0.0.1:8081`.
    pub(crate) url: String,
}

/// Whether a service can do its work.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Readiness {
    Ready,
    NotReady,
    Down,
}

impl Readiness {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::NotReady => "NOT READY",
            Self::Down => "DOWN",
        }
    }
}

/// What the view keeps of one service: recent scrapes, newest last.
#[derive(Debug)]
struct Watched {
    target: Target,
    ready: Readiness,
    history: VecDeque<(Instant, Scrape)>,
}

/// How far back the latency quantiles look.
const LATENCY_WINDOW: Duration = Duration::from_secs(60);

/// How far back the rates look (smooths batchy stages).
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// Runs the view: one snapshot with `once`, else refreshed every `every`
/// until Ctrl-C.
pub(crate) async fn run(targets: Vec<Target>, every: Duration, once: bool) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(every.min(Duration::from_secs(2)))
        .build()?;
    let mut watched: Vec<Watched> = targets
        .into_iter()
        .map(|target| Watched {
            target,
            ready: Readiness::Down,
            history: VecDeque::new(),
        })
        .collect();
    let live = !once && std::io::stdout().is_terminal();
    let mut ticks = tokio::time::interval(every);
    let mut scrapes = 0u32;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        scrape_all(&http, &mut watched).await;
        scrapes += 1;
        // A rate needs two scrapes: `--once` takes its second before printing.
        if once && scrapes < 2 {
            continue;
        }
        let view = render(&watched);
        let mut out = std::io::stdout().lock();
        if live {
            // Home, clear: redraw in place.
            write!(out, "\x1b[H\x1b[2J")?;
        }
        write!(out, "{view}")?;
        if !live && !once {
            writeln!(out)?;
        }
        out.flush()?;
        if once {
            return Ok(());
        }
    }
}

/// Scrapes every service at once.
async fn scrape_all(http: &reqwest::Client, watched: &mut [Watched]) {
    let polls = watched.iter().map(|w| poll(http, &w.target.url));
    let results = futures::future::join_all(polls).await;
    let now = Instant::now();
    for (w, (ready, scrape)) in watched.iter_mut().zip(results) {
        w.ready = ready;
        if let Some(s) = scrape {
            w.history.push_back((now, s));
        }
        while w
            .history
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > LATENCY_WINDOW + RATE_WINDOW)
        {
            w.history.pop_front();
        }
    }
}

async fn poll(http: &reqwest::Client, base: &str) -> (Readiness, Option<Scrape>) {
    let base = base.trim_end_matches('/');
    let (metrics, ready) = tokio::join!(
        http.get(format!("{base}/metrics")).send(),
        http.get(format!("{base}/readyz")).send()
    );
    let scrape = match metrics {
        Ok(r) if r.status().is_success() => r.text().await.ok().map(|t| Scrape::new(&t)),
        _ => None,
    };
    let ready = match ready {
        Ok(r) if r.status().is_success() => Readiness::Ready,
        Ok(_) => Readiness::NotReady,
        Err(_) => Readiness::Down,
    };
    (ready, scrape)
}

/// One row's numbers; `None` where the service has no such series (or no data yet).
#[derive(Debug, Default)]
struct Numbers {
    in_rate: Option<f64>,
    out_rate: Option<f64>,
    lag: Option<f64>,
    p50: Option<f64>,
    p99: Option<f64>,
    dead: Option<f64>,
    rejected: Option<f64>,
}

fn numbers(w: &Watched) -> Numbers {
    let Some((latest_at, latest)) = w.history.back() else {
        return Numbers::default();
    };
    let service = w.target.service;
    let since = |window: Duration| {
        w.history
            .iter()
            .find(|(at, _)| latest_at.duration_since(*at) <= window)
            .filter(|(at, _)| at < latest_at)
    };
    let rate = |quantity: &str| {
        let (at, earlier) = since(RATE_WINDOW)?;
        let dt = latest_at.duration_since(*at).as_secs_f64();
        let (a, b) = (
            latest.sum(service, quantity)?,
            earlier.sum(service, quantity)?,
        );
        Some(((a - b) / dt).max(0.0))
    };
    // Latency over the last minute; since the start when nothing was seen lately.
    let all = latest.buckets(service, "end_to_end_seconds");
    let recent = since(LATENCY_WINDOW)
        .map(|(_, earlier)| bucket_delta(&all, &earlier.buckets(service, "end_to_end_seconds")))
        .filter(|d| d.last().is_some_and(|(_, n)| *n > 0.0))
        .unwrap_or_else(|| all.clone());
    Numbers {
        in_rate: rate("articles_in_total"),
        out_rate: rate("articles_out_total"),
        lag: latest.sum(service, "consumer_lag"),
        p50: quantile(0.5, &recent),
        p99: quantile(0.99, &recent),
        dead: latest.sum(service, "articles_dead_lettered_total"),
        rejected: latest.sum(service, "articles_rejected_total"),
    }
}

/// The whole view as text.
fn render(watched: &[Watched]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "newsfeed top — {}   (e2e: last 60 s, since start when idle)",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    );
    let _ = writeln!(
        s,
        "{:8}  {:9}  {:>8}  {:>8}  {:>7}  {:>8}  {:>8}  {:>6}  {:>8}  URL",
        "SERVICE", "STATE", "IN/s", "OUT/s", "LAG", "E2E p50", "E2E p99", "DLQ", "REJECTED"
    );
    for w in watched {
        let n = numbers(w);
        let _ = writeln!(
            s,
            "{:8}  {:9}  {:>8}  {:>8}  {:>7}  {:>8}  {:>8}  {:>6}  {:>8}  {}",
            w.target.service,
            w.ready.as_str(),
            rate(n.in_rate),
            rate(n.out_rate),
            count(n.lag),
            seconds(n.p50),
            seconds(n.p99),
            count(n.dead),
            count(n.rejected),
            w.target.url
        );
    }
    s
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.1}"))
}

fn count(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.0}"))
}

fn seconds(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v < 1.0 => format!("{:.0}ms", v * 1000.0),
        Some(v) => format!("{v:.2}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposition(in_total: u64, le_05: u64) -> String {
        format!(
            "newsfeed_articles_in_total{{service=\"enrich\"}} {in_total}\n\
             newsfeed_articles_out_total{{service=\"enrich\"}} {in_total}\n\
             newsfeed_consumer_lag{{service=\"enrich\",topic=\"t\",partition=\"0\"}} 2\n\
             newsfeed_articles_dead_lettered_total{{service=\"enrich\",reason=\"undecodable\"}} 1\n\
             newsfeed_end_to_end_seconds_bucket{{service=\"enrich\",le=\"0.05\"}} 0\n\
             newsfeed_end_to_end_seconds_bucket{{service=\"enrich\",le=\"0.5\"}} {le_05}\n\
             newsfeed_end_to_end_seconds_bucket{{service=\"enrich\",le=\"+Inf\"}} {le_05}\n"
        )
    }

    #[test]
    fn rows_show_rates_lag_latency_and_dead_letters() {
        let t0 = Instant::now();
        let mut w = Watched {
            target: Target {
                service: "enrich",
                url: "http://x".into(),
            },
            ready: Readiness::Ready,
            history: VecDeque::new(),
        };
        w.history.push_back((t0, Scrape::new(&exposition(10, 10))));
        w.history.push_back((
            t0 + Duration::from_secs(2),
            Scrape::new(&exposition(30, 30)),
        ));
        let n = numbers(&w);
        assert_eq!(n.in_rate, Some(10.0));
        assert_eq!(n.out_rate, Some(10.0));
        assert_eq!(n.lag, Some(2.0));
        assert_eq!(n.dead, Some(1.0));
        assert_eq!(n.rejected, None);
        let p50 = n.p50.unwrap();
        assert!((p50 - 0.275).abs() < 1e-9, "{p50}");
        let view = render(&[w]);
        let row = view.lines().nth(2).unwrap();
        assert!(row.starts_with("enrich    ready"), "{row}");
        assert!(row.contains("10.0") && row.contains("275ms"), "{row}");
    }
}

//! Measures how long a story takes from `POST` to ingest until publish
//! serves it, against the baseline of ingest's own acknowledgement (the
//! story durably in Kafka), in one run on a real broker:
//!
//!     deploy/local/bench
//!
//! Stories are posted one at a time, so this is latency, not throughput.

use std::time::{Duration, Instant};

use newsfeed_tests::Pipeline;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use reqwest::StatusCode;

const WARM_UP: usize = 5;
const SAMPLES: usize = 50;

#[tokio::main]
async fn main() {
    let p = Pipeline::start("latency").await;
    for _ in 0..WARM_UP {
        let id = uri("warm");
        post(&p, &id).await;
        p.wait_for_article(&id, Duration::from_secs(60), |_| true)
            .await;
    }
    let mut ack = Vec::with_capacity(SAMPLES);
    let mut end_to_end = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let id = uri("latency");
        let started = Instant::now();
        post(&p, &id).await;
        ack.push(started.elapsed());
        loop {
            if p.get_article(&id).await.0 == StatusCode::OK {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        end_to_end.push(started.elapsed());
    }
    let (a, e) = (Summary::of(ack), Summary::of(end_to_end));
    println!("{SAMPLES} stories, one at a time, after {WARM_UP} warm-up stories");
    println!("{:<34} {:>9} {:>9} {:>9}", "", "median", "p90", "p99");
    println!(
        "{:<34} {:>9} {:>9} {:>9}",
        "POST -> 202 (baseline: Kafka ack)",
        ms(a.median),
        ms(a.p90),
        ms(a.p99)
    );
    println!(
        "{:<34} {:>9} {:>9} {:>9}",
        "POST -> readable in publish",
        ms(e.median),
        ms(e.p90),
        ms(e.p99)
    );
    println!(
        "ratio end-to-end / ack: median {:.1}x, p99 {:.1}x",
        e.median.as_secs_f64() / a.median.as_secs_f64(),
        e.p99.as_secs_f64() / a.p99.as_secs_f64()
    );
}

async fn post(p: &Pipeline, id: &str) {
    let (status, _, body) = p.post_article(&kazakhstan_unrest(id, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

struct Summary {
    median: Duration,
    p90: Duration,
    p99: Duration,
}

impl Summary {
    fn of(mut v: Vec<Duration>) -> Self {
        v.sort();
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Self {
            median: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

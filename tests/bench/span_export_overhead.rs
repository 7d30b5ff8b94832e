//! What exporting spans costs a story: POST → readable in publish, for two
//! pipelines in the same run on the same broker — one exporting spans over
//! OTLP to a real receiver (`tests/python/otlp_receiver.py`), one not —
//! with samples interleaved so both see the same machine load.
//!
//!     target/release/span-export-overhead [SAMPLES]

use std::time::{Duration, Instant};

use newsfeed_tests::Pipeline;
use newsfeed_tests::otlp::Collector;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use reqwest::StatusCode;

#[tokio::main]
async fn main() {
    let samples: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let collector = Collector::start();
    let endpoint = format!("http://127.0.0.1:{}", collector.port());
    let off = Pipeline::start("spans-off").await;
    let on = Pipeline::start_some(
        "spans-on",
        &[
            newsfeed_tests::Svc::Ingest,
            newsfeed_tests::Svc::Enrich,
            newsfeed_tests::Svc::Publish,
        ],
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)],
    )
    .await;
    for p in [&off, &on] {
        for _ in 0..5 {
            one(p).await;
        }
    }
    let (mut t_off, mut t_on) = (Vec::new(), Vec::new());
    for i in 0..samples {
        // Alternate which goes first, so neither always meets a warm cache.
        if i % 2 == 0 {
            t_off.push(one(&off).await);
            t_on.push(one(&on).await);
        } else {
            t_on.push(one(&on).await);
            t_off.push(one(&off).await);
        }
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    let exported = collector.spans().len();
    let (off50, off99) = (quantile(&mut t_off, 0.5), quantile(&mut t_off, 0.99));
    let (on50, on99) = (quantile(&mut t_on, 0.5), quantile(&mut t_on, 0.99));
    println!("POST -> readable in publish, {samples} stories each, interleaved:");
    println!("  spans off: p50 {off50:?}  p99 {off99:?}");
    println!("  spans on:  p50 {on50:?}  p99 {on99:?}  ({exported} spans received)");
    println!(
        "  ratio on/off: p50 {:.2}  p99 {:.2}",
        on50.as_secs_f64() / off50.as_secs_f64(),
        on99.as_secs_f64() / off99.as_secs_f64()
    );
}

async fn one(p: &Pipeline) -> Duration {
    let id = uri("spans");
    let started = Instant::now();
    let (status, _, body) = p.post_article(&kazakhstan_unrest(&id, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    while p.get_article(&id).await.0 != StatusCode::OK {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    started.elapsed()
}

fn quantile(v: &mut [Duration], q: f64) -> Duration {
    v.sort_unstable();
    v[((v.len() as f64 - 1.0) * q).round() as usize]
}

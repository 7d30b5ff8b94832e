//! Ingest's memory around large requests: its resident set (VmRSS) after
//! small stories (the baseline), right after a burst of multi-megabyte
//! requests it must refuse (a 3 MB bad value: 422; a story over Kafka's
//! message size: 413), and after a short rest — printed as ratios to the
//! baseline, in one run on a real broker:
//!
//!     deploy/local/bench

use std::time::Duration;

use futures::future::join_all;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::json;

const LARGE_REQUESTS: usize = 40;
const CONCURRENCY: usize = 4;

#[tokio::main]
async fn main() {
    let mut p = Pipeline::start_some("memory", &[Svc::Ingest], &[]).await;
    for _ in 0..50 {
        let (status, _, body) = p.post_article(&kazakhstan_unrest(&uri("memory"), 1)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = rss(&mut p);

    let mut bad = kazakhstan_unrest(&uri("memory"), 1);
    bad["pubStatus"] = json!("Q".repeat(3_000_000));
    let mut huge = kazakhstan_unrest(&uri("memory"), 1);
    huge["bodies"][0]["value"] = json!("<p>long</p>".repeat(350_000));
    let (bad, huge) = (bad.to_string(), huge.to_string());
    let mut peak = baseline;
    for round in 0..LARGE_REQUESTS / CONCURRENCY {
        let body = if round % 2 == 0 { &bad } else { &huge };
        let answers =
            join_all((0..CONCURRENCY).map(|_| p.post_raw("application/json", body.clone()))).await;
        for (status, _, _) in answers {
            assert!(
                matches!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE
                ),
                "{status}"
            );
        }
        peak = peak.max(rss(&mut p));
    }
    let after = rss(&mut p);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rested = rss(&mut p);

    let mb = |b: u64| b as f64 / 1_048_576.0;
    println!(
        "ingest memory (VmRSS), {LARGE_REQUESTS} refused requests of {:.1}–{:.1} MB, {CONCURRENCY} at a time",
        mb(bad.len() as u64),
        mb(huge.len() as u64)
    );
    println!(
        "  baseline after 50 small stories   {:>7.1} MB",
        mb(baseline)
    );
    println!(
        "  peak during the large requests    {:>7.1} MB  ({:.2}x baseline)",
        mb(peak),
        peak as f64 / baseline as f64
    );
    println!(
        "  right after                       {:>7.1} MB  ({:.2}x baseline)",
        mb(after),
        after as f64 / baseline as f64
    );
    println!(
        "  after 3 s at rest                 {:>7.1} MB  ({:.2}x baseline)",
        mb(rested),
        rested as f64 / baseline as f64
    );
}

fn rss(p: &mut Pipeline) -> u64 {
    p.svc(Svc::Ingest).rss_bytes().expect("ingest's VmRSS")
}

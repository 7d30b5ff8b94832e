//! Measures ingest's throughput on a real broker: stories acknowledged per
//! second (each 202 means Kafka has the story, `acks=all`), posted one per
//! request by `CLIENTS` concurrent clients, and as NDJSON batches (one
//! Kafka transaction each):
//!
//!     deploy/local/bench
//!
//! Run it with `NEWSFEED_TEST_KAFKA_SECURE=1` for the secure broker.

use std::time::Instant;

use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;

const CLIENTS: usize = 32;
const SINGLES: usize = 4_000;
const BATCHES: usize = 40;
const BATCH: usize = 250;

#[tokio::main]
async fn main() {
    let p = Pipeline::start_some("throughput", &[Svc::Ingest], &[]).await;
    // Warm up: connections, the transactional producer, topic metadata.
    post_singles(&p, 200).await;
    post_batches(&p, 2).await;

    let started = Instant::now();
    post_singles(&p, SINGLES).await;
    let singles = started.elapsed();
    let started = Instant::now();
    post_batches(&p, BATCHES).await;
    let batches = started.elapsed();

    println!(
        "ingest, single stories, {CLIENTS} clients: {:>8.0} stories/s ({SINGLES} in {:.2} s)",
        SINGLES as f64 / singles.as_secs_f64(),
        singles.as_secs_f64()
    );
    println!(
        "ingest, NDJSON batches of {BATCH}:       {:>8.0} stories/s ({} in {:.2} s)",
        (BATCHES * BATCH) as f64 / batches.as_secs_f64(),
        BATCHES * BATCH,
        batches.as_secs_f64()
    );
}

/// Posts `n` stories one per request, `CLIENTS` at a time.
async fn post_singles(p: &Pipeline, n: usize) {
    let per_client = n.div_ceil(CLIENTS);
    let clients = (0..CLIENTS).map(|_| async {
        for _ in 0..per_client {
            let (status, _, body) = p.post_article(&kazakhstan_unrest(&uri("tp"), 1)).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        }
    });
    futures::future::join_all(clients).await;
}

/// Posts `n` batches of `BATCH` stories, one after another.
async fn post_batches(p: &Pipeline, n: usize) {
    for _ in 0..n {
        let body: String = (0..BATCH)
            .map(|_| format!("{}\n", kazakhstan_unrest(&uri("tp"), 1)))
            .collect();
        let (status, _, answer) = p.post_raw("application/x-ndjson", body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    }
}

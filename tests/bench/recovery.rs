//! Recovery after a crash: enrich, then publish, is killed with SIGKILL and
//! started again; the time from the restart to the first story posted after
//! it being readable in publish (`GET /v1/articles/{uri}` answers 200),
//! beside the goal (3 s). Each is measured ROUNDS times (3 by default).
//! Real broker, real binaries:
//!
//!     deploy/local/bench      (or: target/release/recovery ROUNDS)

use std::time::{Duration, Instant};

use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;

/// Waits until `id` is readable in publish; connection errors (publish
/// still starting) count as not yet.
async fn readable(p: &Pipeline, id: &str) {
    let url = p.publish_url(&format!(
        "/v1/articles/{}",
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    ));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = p.http.get(&url).send().await
            && r.status() == StatusCode::OK
        {
            return;
        }
        assert!(Instant::now() < deadline, "{id} never readable");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Kill -9 `svc`, start it again and post a story at once: seconds until
/// that story is readable.
async fn crash_and_recover(p: &mut Pipeline, svc: Svc) -> f64 {
    p.svc(svc).kill9();
    p.svc(svc).start();
    let restarted = Instant::now();
    let id = uri("recovery");
    // Ingest stays up: the story waits in Kafka for the restarted service.
    let (status, _, body) = p.post_article(&kazakhstan_unrest(&id, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    readable(p, &id).await;
    restarted.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let rounds = std::env::args()
        .nth(1)
        .map_or(3, |a| a.parse::<usize>().expect("ROUNDS as a number"));
    let mut p = Pipeline::start("recovery").await;
    // Warm: the pipeline has moved a story and every group is settled.
    let warm = uri("recovery-warm");
    let (status, _, body) = p.post_article(&kazakhstan_unrest(&warm, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    readable(&p, &warm).await;

    println!(
        "recovery: kill -9, restart, post a story: seconds from restart until it is readable in publish"
    );
    for svc in [Svc::Enrich, Svc::Publish] {
        let mut took = Vec::new();
        for _ in 0..rounds {
            took.push(crash_and_recover(&mut p, svc).await);
            // Let the group settle before the next crash.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let shown: Vec<String> = took.iter().map(|t| format!("{t:.2}")).collect();
        let worst = took.iter().copied().fold(0.0, f64::max);
        println!(
            "{:<8} rounds: {:<24} worst {worst:.2} s   goal < 3 s: {}",
            svc.binary().trim_start_matches("newsfeed-"),
            shown.join(", "),
            if worst < 3.0 { "met" } else { "NOT met" }
        );
    }
}

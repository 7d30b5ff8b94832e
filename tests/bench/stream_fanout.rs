//! How many Server-Sent-Events clients one publish instance holds, and how
//! long a story takes from `POST` to ingest until it arrives at every one of
//! them, against ingest's own acknowledgement as the baseline. Real broker,
//! real binaries, one run:
//!
//!     deploy/local/bench            (or: target/release/stream-fanout CLIENTS STORIES)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;

#[tokio::main]
async fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("CLIENTS STORIES as numbers"));
    let clients = args.next().unwrap_or(2000);
    let stories = args.next().unwrap_or(20);
    let p = Pipeline::start("fanout").await;
    let ids: Vec<String> = (0..stories).map(|_| uri("fanout")).collect();
    // arrivals[client][story] = when that client saw that story.
    let arrivals: Arc<Mutex<Vec<Vec<Option<Instant>>>>> =
        Arc::new(Mutex::new(vec![vec![None; stories]; clients]));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let url = p.publish_url("/v1/stream?topics=kazakhstan");
    for c in 0..clients {
        let (http, url, ids, arrivals) = (http.clone(), url.clone(), ids.clone(), arrivals.clone());
        tokio::spawn(async move {
            // A burst of thousands of connects can overflow the listen backlog: retry.
            let mut attempt = 0;
            let res = loop {
                match http.get(&url).send().await {
                    Ok(res) => break res,
                    Err(e) if attempt < 20 => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                        let _ = e;
                    }
                    Err(e) => panic!("client {c} could not subscribe: {e}"),
                }
            };
            let mut body = res.bytes_stream();
            let mut buf = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                let now = Instant::now();
                for (s, id) in ids.iter().enumerate() {
                    if buf.contains(id.as_str()) {
                        arrivals.lock().expect("lock")[c][s].get_or_insert(now);
                    }
                }
                if let Some(end) = buf.rfind("\n\n") {
                    buf.drain(..end);
                }
            }
        });
    }
    let series = "newsfeed_stream_clients{transport=\"sse\"}";
    let started = Instant::now();
    while p.metric(Svc::Publish, series).await < clients as f64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {} clients connected",
            p.metric(Svc::Publish, series).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let held = p.metric(Svc::Publish, series).await;

    let mut ack = Vec::new();
    let mut posted = Vec::new();
    for id in &ids {
        let t = Instant::now();
        let (status, _, body) = p.post_article(&kazakhstan_unrest(id, 1)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        ack.push(t.elapsed());
        posted.push(t);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;

    let arrivals = arrivals.lock().expect("lock");
    let mut latency = Vec::new();
    let mut missing = 0;
    for client in arrivals.iter() {
        for (s, at) in client.iter().enumerate() {
            match at {
                Some(at) => latency.push(at.duration_since(posted[s])),
                None => missing += 1,
            }
        }
    }
    let (a, l) = (quantiles(ack), quantiles(latency));
    println!(
        "{held} SSE clients held by one publish instance; {stories} stories posted 250 ms apart"
    );
    println!(
        "deliveries: {} received, {missing} missing",
        clients * stories - missing
    );
    println!("{:<40} {:>9} {:>9}", "", "median", "p99");
    println!(
        "{:<40} {:>9} {:>9}",
        "POST -> 202 (baseline: Kafka ack)",
        ms(a.0),
        ms(a.1)
    );
    println!(
        "{:<40} {:>9} {:>9}",
        "POST -> event at every SSE client",
        ms(l.0),
        ms(l.1)
    );
    println!(
        "ratio delivery / ack: median {:.1}x, p99 {:.1}x",
        l.0.as_secs_f64() / a.0.as_secs_f64(),
        l.1.as_secs_f64() / a.1.as_secs_f64()
    );
}

fn quantiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let at = |q: f64| {
        v.get(((v.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    (at(0.5), at(0.99))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

//! `newsfeedctl` for operators, run as a process against the real broker
//! and services: dead letters listed, shown and replayed (once each), and
//! `top`'s snapshot of the running pipeline and of a fixed exposition.

use std::time::{Duration, Instant};

use newsfeed_tests::ctl::Ctl;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn rows(ctl: &Ctl, stage: &str) -> Vec<Value> {
    ctl.ok(&["dlq", "list", "--stage", stage, "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn wait_rows(ctl: &Ctl, stage: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = rows(ctl, stage);
        if r.len() >= n {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "{} dead letters, wanted {n}: {r:?}",
            r.len()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[tokio::test]
async fn dead_letters_are_listed_shown_and_replayed_once_each() {
    let p = Pipeline::start("dlq").await;
    let ctl = Ctl::new(&p.prefix);
    let producer: FutureProducer = newsfeed_tests::broker::client_config("newsfeedctl")
        .create()
        .unwrap();
    let ingested = p.topic("articles.ingested");
    let enrich_dlq = p.topic("articles.enrich.dlq");
    // A poison record, dead-lettered by enrich itself.
    producer
        .send(
            FutureRecord::to(&ingested)
                .key("urn:poison:ctl")
                .payload("this is not json"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    // A story an earlier enrich refused (say, before a taxonomy fix): a
    // valid event, dead-lettered with the headers enrich writes.
    let fixed = uri("dlq");
    let event = json!({ "article": kazakhstan_unrest(&fixed, 1) });
    let headers = [
        ("newsfeed-dlq-stage", "enrich"),
        ("newsfeed-dlq-reason", "invalid_article"),
        ("newsfeed-dlq-detail", "no tagger rule for this story"),
        ("newsfeed-dlq-topic", ingested.as_str()),
        ("newsfeed-dlq-partition", "0"),
        ("newsfeed-dlq-offset", "41"),
    ]
    .into_iter()
    .fold(OwnedHeaders::new(), |h, (key, v)| {
        h.insert(Header {
            key,
            value: Some(v),
        })
    });
    let payload = event.to_string();
    producer
        .send(
            FutureRecord::to(&enrich_dlq)
                .key(&fixed)
                .payload(&payload)
                .headers(headers),
            Duration::from_secs(10),
        )
        .await
        .unwrap();

    let listed = wait_rows(&ctl, "enrich", 2);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let poison = listed
        .iter()
        .find(|r| r["uri"] == "urn:poison:ctl")
        .unwrap();
    assert_eq!(poison["reason"], "undecodable", "{poison}");
    assert_eq!(poison["from"]["topic"], ingested.as_str(), "{poison}");
    assert!(
        poison["from"]["partition"].is_i64() && poison["from"]["offset"].is_i64(),
        "{poison}"
    );
    assert!(
        poison["time"].is_string() && poison["detail"].is_string(),
        "{poison}"
    );
    let poison_id = poison["id"].as_str().unwrap().to_owned();
    assert!(poison_id.starts_with("enrich:"), "{poison_id}");

    let table = ctl.ok(&["dlq", "list", "--stage", "enrich", "--limit", "1"]);
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.starts_with("ID "), "{table}");

    let shown = ctl.ok(&["dlq", "show", &poison_id]);
    for want in [
        "reason:  undecodable",
        "uri:     urn:poison:ctl",
        "this is not json",
        "newsfeed-dlq-detail: ",
    ] {
        assert!(shown.contains(want), "{want} not in:\n{shown}");
    }
    let out = ctl.run(&["dlq", "show", "enrich:0:999999"]);
    assert!(!out.status.success());
    let out = ctl.run(&["dlq", "show", "nonsense"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("stage:partition:offset"));

    // A dry run names what it would replay and replays nothing.
    let dry = ctl.ok(&[
        "dlq",
        "replay",
        "--stage",
        "enrich",
        "--uri",
        &fixed,
        "--dry-run",
    ]);
    assert!(
        dry.starts_with("would replay enrich:") && dry.lines().count() == 1,
        "{dry}"
    );
    assert!(read_topic(&p.topic("dlq.replays"), Duration::from_secs(10)).is_empty());

    let replayed = ctl.ok(&["dlq", "replay", "--stage", "enrich", "--uri", &fixed]);
    assert!(
        replayed.starts_with("replayed enrich:") && replayed.contains(&fixed),
        "{replayed}"
    );
    p.wait_for_article(&fixed, Duration::from_secs(60), |_| true)
        .await;
    // Once each: a second run finds it replayed already.
    let out = ctl.run(&["dlq", "replay", "--stage", "enrich", "--uri", &fixed]);
    assert!(out.status.success() && out.stdout.is_empty(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("replayed before"));

    // Everything since an hour ago: only the poison record is left, and it
    // is still poison — enrich dead-letters the replay again, marked as one.
    let again = ctl.ok(&["dlq", "replay", "--stage", "enrich", "--since", "1h"]);
    assert_eq!(again.lines().count(), 1, "{again}");
    assert!(again.contains(&poison_id), "{again}");
    let listed = wait_rows(&ctl, "enrich", 3);
    let newest = listed.last().unwrap();
    assert_eq!(newest["uri"], "urn:poison:ctl", "{listed:?}");
    let dead = read_topic(&enrich_dlq, Duration::from_secs(30));
    assert!(
        dead.iter()
            .any(|r| r.header("newsfeed-replay-of") == Some(poison_id.as_str())),
        "the replayed record's dead letter does not say what it replays"
    );
    assert_eq!(
        read_topic(&p.topic("dlq.replays"), Duration::from_secs(10)).len(),
        2
    );
}

/// Serves `body` as `/metrics` (and 200 on `/readyz`) until dropped.
async fn fixed_exposition(body: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let text = if req.starts_with("GET /metrics") {
                    body
                } else {
                    "ready\n"
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = s.write_all(answer.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}"), task)
}

const ENRICH_EXPOSITION: &str = "\
# TYPE newsfeed_articles_in_total counter
newsfeed_articles_in_total{service=\"enrich\"} 40
newsfeed_articles_out_total{service=\"enrich\"} 38
newsfeed_articles_dead_lettered_total{service=\"enrich\",reason=\"undecodable\"} 2
newsfeed_articles_dead_lettered_total{service=\"enrich\",reason=\"invalid_article\"} 1
newsfeed_consumer_lag{service=\"enrich\",topic=\"articles.ingested\",partition=\"0\"} 5
newsfeed_consumer_lag{service=\"enrich\",topic=\"articles.ingested\",partition=\"1\"} 7
newsfeed_end_to_end_seconds_bucket{service=\"enrich\",le=\"0.01\"} 0
newsfeed_end_to_end_seconds_bucket{service=\"enrich\",le=\"0.1\"} 19
newsfeed_end_to_end_seconds_bucket{service=\"enrich\",le=\"1\"} 38
newsfeed_end_to_end_seconds_bucket{service=\"enrich\",le=\"+Inf\"} 38
";

#[tokio::test]
async fn top_prints_a_snapshot_of_the_pipeline() {
    // A fixed exposition with the shared names; ingest down, publish absent.
    let (enrich, _server) = fixed_exposition(ENRICH_EXPOSITION).await;
    let down = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let ctl = Ctl::new("t-top-unused.");
    let args = [
        "top",
        "--once",
        "--ingest",
        &format!("http://{down}"),
        "--enrich",
        &enrich,
        "--publish",
        &format!("http://{down}"),
    ];
    let out = tokio::task::spawn_blocking({
        let ctl = ctl.clone();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        move || ctl.ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[1].starts_with("SERVICE"), "{out}");
    let cols = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let ingest = cols(lines[2]);
    assert_eq!(&ingest[..2], ["ingest", "DOWN"], "{out}");
    let enrich_row = cols(lines[3]);
    // SERVICE STATE IN/s OUT/s LAG p50 p99 DLQ REJECTED URL
    assert_eq!(
        &enrich_row[..9],
        [
            "enrich", "ready", "0.0", "0.0", "12", "100ms", "982ms", "3", "-"
        ],
        "{out}"
    );

    // The running pipeline: every service ready, the story counted.
    let p = Pipeline::start("top").await;
    let id = uri("top");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&id, Duration::from_secs(60), |_| true)
        .await;
    let urls = [
        p.svc_url(Svc::Ingest, ""),
        p.svc_url(Svc::Enrich, ""),
        p.svc_url(Svc::Publish, ""),
    ];
    // Read until it holds (the services' gauges and histograms are
    // updated just after the story passes), at most 15 s.
    let all_ready = |out: &str| {
        let lines: Vec<&str> = out.lines().collect();
        lines.len() == 5
            && lines[2..]
                .iter()
                .zip(["ingest", "enrich", "publish"])
                .all(|(line, name)| {
                    let c = cols(line);
                    // Stories have passed: an end-to-end p50 is known since the start.
                    c.len() > 5 && c[..2] == [name, "ready"] && (name == "ingest" || c[5] != "-")
                })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let ctl = Ctl::new(&p.prefix);
        let urls = urls.clone();
        let out = tokio::task::spawn_blocking(move || {
            ctl.ok(&[
                "top",
                "--once",
                "--ingest",
                &urls[0],
                "--enrich",
                &urls[1],
                "--publish",
                &urls[2],
            ])
        })
        .await
        .unwrap();
        if all_ready(&out) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every service ready with its end-to-end p50 within 15 s:\n{out}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

//! Publish at newsroom scale, on a real broker, release build: 200,000
//! small enriched stories written straight to publish's input topic (with
//! an idempotent producer, as enrich would), publish deciding and storing
//! every one. Prints, beside each goal of issue 9:
//! - publish's VmRSS after 20,000 and after 200,000 stories (ratio ≤ 1.5×,
//!   absolute < 256 MB);
//! - restart-to-ready after 200,000 (SIGTERM, and kill -9) (< 10 s), and
//!   how long a lost store takes to rebuild from Kafka;
//! - `GET /v1/articles/{uri}` p50/p99 (< 5 ms) and topic list / feed p99
//!   (< 20 ms) with 200,000 stored while stories keep flowing;
//! - then 1,000 webhook subscriptions (NEWSFEED_BENCH_WEBHOOKS) on the same
//!   publish, holding every story: its threads (< 64) and VmRSS (< 256 MB)
//!   idle and at the peak of delivering 20 new stories to each.
//!
//! Run by `deploy/local/bench`, or alone after a release build:
//!
//!     target/release/publish-scale [stories]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;
use newsfeed_model::{Article, ArticleEvent, Block, Body, Entity, Subject};
use newsfeed_tests::{Pipeline, Svc, process_usage, webhook_receiver};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use reqwest::StatusCode;

const TOPICS: usize = 50;
const WITHIN: Duration = Duration::from_secs(600);
/// New stories delivered to every webhook subscription.
const HOOK_STORIES: usize = 20;

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let first = total / 10;
    let mut p = Pipeline::start_some("pscale", &[Svc::Publish], &[]).await;
    let input = format!("{}articles.enriched", p.prefix);
    let writer = Arc::new(Writer::new(&input, &p.prefix));

    let started = Instant::now();
    writer.write(0..first);
    p.wait_for_metric(Svc::Publish, "newsfeed_stories", first as f64, WITHIN)
        .await;
    settle().await;
    let rss_first = rss(&mut p);
    writer.write(first..total);
    p.wait_for_metric(Svc::Publish, "newsfeed_stories", total as f64, WITHIN)
        .await;
    let took = started.elapsed();
    settle().await;
    let rss_total = rss(&mut p);

    // Reads while stories keep flowing (about 200 a second).
    let flowing = Arc::new(AtomicBool::new(true));
    let next = Arc::new(AtomicUsize::new(total));
    let feeder = {
        let (writer, flowing, next) = (writer.clone(), flowing.clone(), next.clone());
        std::thread::spawn(move || {
            while flowing.load(Ordering::Relaxed) {
                let n = next.fetch_add(20, Ordering::Relaxed);
                writer.write(n..n + 20);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let http = reqwest::Client::new();
    let mut article = Vec::new();
    for i in 0..2_000 {
        let n = (i * 7_919) % total;
        let path = format!("/v1/articles/{}", encode(&writer.uri(n)));
        article.push(timed_get(&http, &p.svc_url(Svc::Publish, &path)).await);
    }
    let mut list = Vec::new();
    let mut feed = Vec::new();
    for i in 0..500 {
        let slug = format!("topic-{}", i % TOPICS);
        let url = p.svc_url(
            Svc::Publish,
            &format!("/v1/topics/{slug}/articles?limit=20"),
        );
        list.push(timed_get(&http, &url).await);
        let url = p.svc_url(Svc::Publish, &format!("/v1/topics/{slug}/feed.json"));
        feed.push(timed_get(&http, &url).await);
    }
    flowing.store(false, Ordering::Relaxed);
    let _ = feeder.join();
    let stored = p.metric(Svc::Publish, "newsfeed_stories").await;

    let svc = p.svc(Svc::Publish);
    assert!(svc.terminate().success(), "publish exits 0 on SIGTERM");
    let clock = Instant::now();
    svc.start();
    svc.wait_ready(WITHIN).await;
    let restart = clock.elapsed();
    svc.kill9();
    let clock = Instant::now();
    svc.start();
    svc.wait_ready(WITHIN).await;
    let restart_kill9 = clock.elapsed();
    settle().await;
    let rss_restarted = rss(&mut p);
    let store = p.publish_store("test");
    let on_disk = std::fs::metadata(&store)
        .map(|m| m.len())
        .unwrap_or_default();
    // The store lost: rebuilt from the state topics before ready.
    let svc = p.svc(Svc::Publish);
    svc.kill9();
    std::fs::remove_file(&store).expect("store removed");
    let clock = Instant::now();
    svc.start();
    svc.wait_ready(WITHIN).await;
    let rebuild = clock.elapsed();

    // Webhook subscriptions on this publish, holding every story: threads
    // and VmRSS idle with all of them and at the peak of delivering
    // HOOK_STORIES new stories to each.
    let subscriptions: usize = std::env::var("NEWSFEED_BENCH_WEBHOOKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let (addr, seen) = webhook_receiver::start().await;
    let pid = p.svc(Svc::Publish).pid().expect("publish runs");
    let (url, token) = (p.publish_url("/v1/subscriptions"), p.client_token.clone());
    let created = futures::stream::iter(0..subscriptions)
        .map(|n| {
            let (http, url, token) = (p.http.clone(), url.clone(), token.clone());
            async move {
                let body = serde_json::json!({"url": format!("http://{addr}/hook/{n}")});
                let r = http.post(url).bearer_auth(token).json(&body).send().await;
                r.map(|r| r.status())
            }
        })
        .buffer_unordered(16)
        .filter(|r| std::future::ready(matches!(r, Ok(StatusCode::CREATED))))
        .count()
        .await;
    assert_eq!(created, subscriptions, "webhook subscriptions created");
    settle().await;
    let idle = process_usage(pid).expect("publish's status");
    let peak = Arc::new(std::sync::Mutex::new(idle));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            while let Some(u) = process_usage(pid) {
                {
                    let mut m = peak.lock().unwrap_or_else(|e| e.into_inner());
                    *m = m.max(u);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let from = next.load(Ordering::Relaxed);
    let clock = Instant::now();
    writer.write(from..from + HOOK_STORIES);
    let expected = subscriptions * HOOK_STORIES;
    while webhook_receiver::count(&seen) < expected && clock.elapsed() < WITHIN {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivering = clock.elapsed();
    let delivered = webhook_receiver::count(&seen);
    sampler.abort();
    let peak = *peak.lock().unwrap_or_else(|e| e.into_inner());

    let mb = |b: u64| b as f64 / 1_048_576.0;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "publish at scale: {total} stories in {TOPICS} topics, written to its input topic ({:.0} stories/s through publish)",
        total as f64 / took.as_secs_f64()
    );
    println!(
        "  VmRSS after {first:>7} stories     {:>7.1} MB",
        mb(rss_first)
    );
    println!(
        "  VmRSS after {total:>7} stories     {:>7.1} MB   {:.2}x the first (goal <= 1.5x), goal < 256 MB",
        mb(rss_total),
        rss_total as f64 / rss_first as f64
    );
    println!(
        "  restart to ready (SIGTERM)       {:>7.2} s    (goal < 10 s)",
        restart.as_secs_f64()
    );
    println!(
        "  restart to ready (kill -9)       {:>7.2} s    (goal < 10 s)",
        restart_kill9.as_secs_f64()
    );
    println!(
        "  VmRSS after restart              {:>7.1} MB",
        mb(rss_restarted)
    );
    println!("  store on disk                    {:>7.1} MB", mb(on_disk));
    println!(
        "  store lost: rebuilt from Kafka   {:>7.2} s    (ready only once rebuilt)",
        rebuild.as_secs_f64()
    );
    println!(
        "  {subscriptions} webhook subscriptions, {HOOK_STORIES} new stories each: {delivered} of {expected} delivered in {:.1} s",
        delivering.as_secs_f64()
    );
    println!(
        "    threads idle {:>4}, peak {:>4}            (goal < 64)",
        idle.threads, peak.threads
    );
    println!(
        "    VmRSS idle {:>7.1} MB, peak {:>7.1} MB  (goal < 256 MB)",
        mb(idle.rss_bytes),
        mb(peak.rss_bytes)
    );
    println!("  reads with {stored:.0} stored, ~200 stories/s flowing:");
    for (name, goal, mut samples) in [
        ("GET /v1/articles/{uri}", 5.0, article),
        ("GET /v1/topics/{slug}/articles", 20.0, list),
        ("GET /v1/topics/{slug}/feed.json", 20.0, feed),
    ] {
        samples.sort();
        let pct = |q: f64| ms(samples[((samples.len() - 1) as f64 * q) as usize]);
        println!(
            "    {name:<34} p50 {:>6.2} ms  p99 {:>6.2} ms  (goal p99 < {goal} ms)",
            pct(0.5),
            pct(0.99)
        );
    }
}

/// Writes enriched stories to publish's input, as enrich would.
struct Writer {
    producer: ThreadedProducer<DefaultProducerContext>,
    topic: String,
    prefix: String,
}

impl Writer {
    fn new(topic: &str, prefix: &str) -> Self {
        let producer = newsfeed_tests::broker::client_config("newsfeedctl")
            .set("enable.idempotence", "true")
            .set("linger.ms", "20")
            .set("compression.type", "lz4")
            .create()
            .expect("producer");
        Self {
            producer,
            topic: topic.to_owned(),
            prefix: prefix.to_owned(),
        }
    }

    fn uri(&self, n: usize) -> String {
        format!("urn:newsfeed:bench:{}{n}", self.prefix)
    }

    fn write(&self, range: std::ops::Range<usize>) {
        let now = Utc::now();
        for n in range {
            let uri = self.uri(n);
            let payload = serde_json::to_vec(&story(&uri, n, now)).expect("json");
            let mut record = BaseRecord::to(&self.topic).key(&uri).payload(&payload);
            loop {
                match self.producer.send(record) {
                    Ok(()) => break,
                    Err((_, r)) => {
                        record = r;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            }
        }
        self.producer
            .flush(Duration::from_secs(60))
            .expect("stories written");
    }
}

/// A small tagged story, about 600 bytes.
fn story(uri: &str, n: usize, now: chrono::DateTime<Utc>) -> ArticleEvent {
    let created = now - chrono::Duration::seconds(i64::try_from(n % 86_400).unwrap_or(0));
    ArticleEvent {
        article: Article {
            uri: Some(uri.to_owned()),
            kind: Some("text".into()),
            version: Some("1".into()),
            version_created: Some(created.to_rfc3339()),
            pub_status: Some("usable".into()),
            language: Some("en".into()),
            headlines: vec![Block {
                role: Some("main".into()),
                value: Some(format!("Story {n}: council approves the harbour budget")),
                ..Block::default()
            }],
            bodies: vec![Body {
                role: Some("main".into()),
                content_type: Some("text/plain".into()),
                value: Some(
                    "The council voted on Tuesday to fund repairs to the old harbour wall.".into(),
                ),
                ..Body::default()
            }],
            subjects: vec![Subject {
                name: Some(format!("Topic {}", n % TOPICS)),
                ..Subject::default()
            }],
            places: vec![Entity {
                name: Some("Harbourtown".into()),
                ..Entity::default()
            }],
            ..Article::default()
        },
        ingested_at: Some(now),
        ..ArticleEvent::default()
    }
}

async fn timed_get(http: &reqwest::Client, url: &str) -> Duration {
    let clock = Instant::now();
    let r = http.get(url).send().await.expect("GET");
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    let _ = r.bytes().await.expect("body");
    clock.elapsed()
}

fn encode(uri: &str) -> String {
    percent_encoding::utf8_percent_encode(uri, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Lets allocators settle before a VmRSS sample.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

fn rss(p: &mut Pipeline) -> u64 {
    p.svc(Svc::Publish).rss_bytes().expect("publish's VmRSS")
}

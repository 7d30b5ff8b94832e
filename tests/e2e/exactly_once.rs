//! Enrich is exactly-once: killed with SIGKILL in the middle of a few
//! hundred stories and restarted, every story is in the enriched topic
//! exactly once for `read_committed` readers. Poison records go to the
//! dead-letter topic with the reason, and the stories after them flow on.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use rdkafka::producer::{FutureProducer, FutureRecord};
use reqwest::StatusCode;

const STORIES: usize = 400;

#[tokio::test]
async fn enrich_killed_mid_batch_writes_every_story_exactly_once() {
    // Small transactions, so the kill lands between some and inside another.
    let env = [
        ("NEWSFEED_ENRICH_BATCH", "10"),
        ("NEWSFEED_ENRICH_LINGER_MS", "5"),
    ];
    let mut p = Pipeline::start_some("eos", &[Svc::Ingest, Svc::Enrich], &env).await;
    // Stop enrich, queue the stories, then start it and kill it once it is under way.
    assert!(p.svc(Svc::Enrich).terminate().success());
    let ids: Vec<String> = (0..STORIES).map(|_| uri("eos")).collect();
    let batch: String = ids
        .iter()
        .map(|id| format!("{}\n", kazakhstan_unrest(id, 1)))
        .collect();
    let (status, _, body) = p.post_raw("application/x-ndjson", batch).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    p.svc(Svc::Enrich).start();
    p.svc(Svc::Enrich).wait_ready(Duration::from_secs(60)).await;
    let series = "newsfeed_enrich_articles_out_total";
    p.wait_for_metric(Svc::Enrich, series, 150.0, Duration::from_secs(60))
        .await;
    p.svc(Svc::Enrich).kill9();
    let at_kill = committed_count(&p.topic("articles.enriched"));
    assert!(
        at_kill < STORIES,
        "enrich finished all {STORIES} stories before the kill; the test proves nothing"
    );

    p.svc(Svc::Enrich).start();
    p.svc(Svc::Enrich).wait_ready(Duration::from_secs(60)).await;
    wait_until_consumed(&p, Duration::from_secs(120)).await;

    let enriched = read_topic(&p.topic("articles.enriched"), Duration::from_secs(60));
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &enriched {
        *seen
            .entry(r.value["article"]["uri"].as_str().unwrap())
            .or_default() += 1;
    }
    let missing = ids
        .iter()
        .filter(|id| !seen.contains_key(id.as_str()))
        .count();
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert_eq!(
        missing, 0,
        "stories lost (killed with {at_kill} of {STORIES} done)"
    );
    assert!(
        repeated.is_empty(),
        "stories written twice: {} (killed with {at_kill} done)",
        repeated.len()
    );
    assert_eq!(enriched.len(), STORIES);
    eprintln!(
        "killed enrich with {at_kill}/{STORIES} committed; after restart {} unique, 0 duplicates",
        seen.len()
    );
}

/// Committed records in `topic` right now.
fn committed_count(topic: &str) -> usize {
    read_topic(topic, Duration::from_secs(60)).len()
}

/// Waits until the enriched topic holds at least every story, then a little
/// longer, so late duplicates (if any) would show up too.
async fn wait_until_consumed(p: &Pipeline, within: Duration) {
    let topic = p.topic("articles.enriched");
    let deadline = Instant::now() + within;
    while committed_count(&topic) < STORIES {
        assert!(
            Instant::now() < deadline,
            "enrich did not write every story within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
}

#[tokio::test]
async fn poison_records_are_dead_lettered_and_the_stream_goes_on() {
    let p = Pipeline::start("poison").await;
    let producer: FutureProducer = newsfeed_tests::broker::client_config("newsfeedctl")
        .create()
        .unwrap();
    let topic = p.topic("articles.ingested");
    for (key, value) in [
        ("urn:poison:1", "this is not json"),
        ("urn:poison:2", r#"{"article": {"headlines": []}}"#),
    ] {
        producer
            .send(
                FutureRecord::to(&topic).key(key).payload(value),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
    }
    let id = uri("poison");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&id, Duration::from_secs(60), |_| true)
        .await;

    let dead = read_topic(&p.topic("articles.enrich.dlq"), Duration::from_secs(30));
    let mut reasons: Vec<(String, String)> = dead
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                r.header("newsfeed-dlq-reason")
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            ("urn:poison:1".to_owned(), "undecodable".to_owned()),
            ("urn:poison:2".to_owned(), "invalid_article".to_owned())
        ]
    );
    for r in &dead {
        assert_eq!(r.header("newsfeed-dlq-topic"), Some(topic.as_str()));
        assert_eq!(r.header("newsfeed-dlq-stage"), Some("enrich"));
        assert!(
            r.header("newsfeed-dlq-offset").is_some() && r.header("newsfeed-dlq-detail").is_some()
        );
    }
    assert!(
        dead.iter()
            .any(|r| rdkafka::Message::payload(&r.message) == Some(b"this is not json".as_slice()))
    );
    assert_eq!(
        p.metric(
            Svc::Enrich,
            "newsfeed_enrich_articles_dead_lettered_total{reason=\"undecodable\"}"
        )
        .await,
        1.0
    );
}

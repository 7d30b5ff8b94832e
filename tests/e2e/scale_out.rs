//! Two publish instances share the work: the consumer group splits the
//! stories between them, each decides only its own, both serve every story,
//! an embargo is released once, and when one stops the other takes over.
//! The same holds for webhook subscriptions: each is delivered by one
//! instance at a time, and the other continues where it ended.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::json;

const WITHIN: Duration = Duration::from_secs(60);

async fn post(p: &Pipeline, id: &str) {
    let (status, _, body) = p.post_article(&kazakhstan_unrest(id, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

async fn readable_on(p: &Pipeline, instance: usize, id: &str) {
    let url = p.services[instance].url(&format!(
        "/v1/articles/{}",
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
    ));
    let deadline = std::time::Instant::now() + WITHIN;
    while p.http.get(&url).send().await.map(|r| r.status()).ok() != Some(StatusCode::OK) {
        assert!(
            std::time::Instant::now() < deadline,
            "{id} never readable on instance {instance}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_publish_instances_split_the_stories_and_both_serve_them_all() {
    let mut p = Pipeline::start("pair").await;
    let first = p
        .services
        .iter()
        .position(|s| s.svc == Svc::Publish)
        .unwrap();
    let first_since = p.services[first].log_len();
    let second = p.add(Svc::Publish, "second").await;

    let mut ids: Vec<String> = (0..12).map(|_| uri("pair")).collect();
    for id in &ids {
        assert_eq!(
            p.post_article(&kazakhstan_unrest(id, 1)).await.0,
            StatusCode::ACCEPTED
        );
    }
    let held = uri("pair-embargo");
    let mut doc = kazakhstan_unrest(&held, 1);
    doc["embargoedUntil"] = json!((Utc::now() + chrono::Duration::seconds(6)).to_rfc3339());
    assert_eq!(p.post_article(&doc).await.0, StatusCode::ACCEPTED);
    for id in ids.iter().chain([&held]) {
        readable_on(&p, first, id).await;
        readable_on(&p, second, id).await;
    }
    // Each instance got partitions: the second some, the first a share
    // anew once the second joined.
    for (i, since) in [(first, first_since), (second, 0)] {
        p.services[i]
            .wait_for_log("input partitions assigned", since, WITHIN)
            .await;
    }

    // One instance leaves; the other takes its partitions over.
    assert!(p.services[second].terminate().success());
    let later: Vec<String> = (0..6).map(|_| uri("pair-later")).collect();
    for id in &later {
        assert_eq!(
            p.post_article(&kazakhstan_unrest(id, 1)).await.0,
            StatusCode::ACCEPTED
        );
        readable_on(&p, first, id).await;
    }
    ids.extend(later);
    ids.push(held);

    let mut published: HashMap<String, usize> = HashMap::new();
    for r in read_topic(&p.topic("articles.published"), WITHIN) {
        *published.entry(r.key).or_default() += 1;
    }
    for id in &ids {
        assert_eq!(published.get(id), Some(&1), "{id} published once");
    }
    assert_eq!(published.len(), ids.len());
}

/// Twelve subscriptions over two publish instances: every event reaches
/// every subscriber exactly once (two deliverers of one subscription would
/// send twice), both instances deliver, and when one stops the other
/// delivers its subscriptions from where they ended, again without repeats.
#[tokio::test]
async fn two_publish_instances_share_webhook_subscriptions_and_take_them_over() {
    use crate::webhooks::{Receiver, subscribe};
    let mut p = Pipeline::start("hooks-pair").await;
    let first = p
        .services
        .iter()
        .position(|s| s.svc == Svc::Publish)
        .unwrap();
    let second = p.add(Svc::Publish, "second").await;
    let rx = Receiver::start();
    let names: Vec<String> = (0..12).map(|i| format!("pair{i}")).collect();
    for n in &names {
        subscribe(&p, &rx, n, &[]).await;
    }
    let ids: Vec<String> = (0..4).map(|_| uri("hooks-pair")).collect();
    for id in &ids {
        post(&p, id).await;
    }
    for n in &names {
        rx.wait_delivered(n, &ids).await;
    }
    // Each instance took subscriptions over (the first alone at its start).
    for i in [first, second] {
        p.services[i]
            .wait_for_log("webhook subscriptions taken over", 0, WITHIN)
            .await;
    }

    assert!(p.services[second].terminate().success());
    let later: Vec<String> = (0..3).map(|_| uri("hooks-pair-later")).collect();
    for id in &later {
        post(&p, id).await;
    }
    for n in &names {
        rx.wait_delivered(n, &later).await;
    }
    for n in &names {
        let mut sent: HashMap<String, usize> = HashMap::new();
        for e in rx.entries_of(n) {
            *sent
                .entry(e["uri"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        for id in ids.iter().chain(&later) {
            assert_eq!(sent.get(id), Some(&1), "{n}: {id} sent once: {sent:?}");
        }
    }
}

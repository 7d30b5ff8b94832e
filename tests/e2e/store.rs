//! Publish's story store on disk: a restart after kill -9 resumes from its
//! checkpoint, a corrupt store is rebuilt from Kafka, and retention and
//! ninjs `expires` take stories out of topic lists and stream replays but
//! not out of reach.

use std::time::{Duration, Instant};

use chrono::Utc;
use newsfeed_tests::sse::Sse;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(60);

fn log_of(p: &mut Pipeline) -> String {
    std::fs::read_to_string(&p.svc(Svc::Publish).log).unwrap_or_default()
}

fn listed(list: &Value, id: &str) -> bool {
    list["articles"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["uri"] == id))
}

#[tokio::test]
async fn publish_resumes_from_its_store_after_kill_9_and_rebuilds_a_corrupt_one() {
    let mut p = Pipeline::start("store").await;
    let first = uri("store-1");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&first, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&first, WITHIN, |_| true).await;
    // Commits reach the disk at most a second apart; the one with the
    // story must have before the kill, or the restart rightly reads the
    // story from Kafka again instead of from its checkpoint.
    p.wait_for_metric(Svc::Publish, "newsfeed_story_store_on_disk", 1.0, WITHIN)
        .await;

    p.svc(Svc::Publish).kill9();
    let before = log_of(&mut p).len();
    p.svc(Svc::Publish).start();
    p.svc(Svc::Publish).wait_ready(WITHIN).await;
    assert_eq!(p.get_article(&first).await.0, StatusCode::OK);
    let restart = log_of(&mut p)[before..].to_owned();
    assert!(
        restart.contains("story store opened at its checkpoint") && !restart.contains("resumed=0"),
        "publish did not resume from its checkpoint:\n{restart}"
    );

    let second = uri("store-2");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&second, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&second, WITHIN, |_| true).await;
    p.svc(Svc::Publish).kill9();
    let store = p.publish_store("test");
    let bytes = std::fs::read(&store).unwrap();
    std::fs::write(&store, vec![0x5a; bytes.len()]).unwrap();
    let before = log_of(&mut p).len();
    p.svc(Svc::Publish).start();
    p.svc(Svc::Publish).wait_ready(WITHIN).await;
    let restart = log_of(&mut p)[before..].to_owned();
    assert!(
        restart.contains("rebuilding it from Kafka"),
        "the corrupt store went unnoticed:\n{restart}"
    );
    // Ready means rebuilt: both stories at once, in their topic.
    for id in [&first, &second] {
        assert_eq!(p.get_article(id).await.0, StatusCode::OK, "{id}");
        assert!(listed(&p.topic_articles("kazakhstan", 10).await.2, id));
    }
    // And the rebuilt store still knows what was decided.
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&first, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_metric(
        Svc::Publish,
        "newsfeed_articles_skipped_total{reason=\"stale\"}",
        1.0,
        WITHIN,
    )
    .await;
}

#[tokio::test]
async fn retention_and_expires_take_stories_out_of_lists_but_not_out_of_reach() {
    let p = Pipeline::start_some(
        "retention",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[("NEWSFEED_PUBLISH_RETENTION", "1d")],
    )
    .await;
    let old = uri("old");
    let mut doc = kazakhstan_unrest(&old, 1);
    doc["versionCreated"] = json!((Utc::now() - chrono::Duration::days(3)).to_rfc3339());
    assert_eq!(p.post_article(&doc).await.0, StatusCode::ACCEPTED);
    let expiring = uri("expiring");
    let mut doc = kazakhstan_unrest(&expiring, 1);
    doc["versionCreated"] = json!(Utc::now().to_rfc3339());
    doc["expires"] = json!((Utc::now() + chrono::Duration::seconds(4)).to_rfc3339());
    assert_eq!(p.post_article(&doc).await.0, StatusCode::ACCEPTED);

    p.wait_for_article(&old, WITHIN, |_| true).await;
    p.wait_for_article(&expiring, WITHIN, |_| true).await;
    let (_, _, list) = p.topic_articles("kazakhstan", 10).await;
    assert!(
        !listed(&list, &old),
        "a story past the retention is listed: {list}"
    );

    let deadline = Instant::now() + WITHIN;
    while listed(&p.topic_articles("kazakhstan", 10).await.2, &expiring) {
        assert!(Instant::now() < deadline, "an expired story stays listed");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Out of lists, still answered by uri.
    assert_eq!(p.get_article(&expiring).await.0, StatusCode::OK);
    assert_eq!(p.get_article(&old).await.0, StatusCode::OK);

    // A stream replaying from the start of the topic follows the same rule:
    // the current story is replayed, the old and the expired ones are not.
    // It waits until publish's live tail has passed `current` (a live
    // stream open beside it shows it), and so the two stories posted
    // before it: they are then part of the replay, not of the live events.
    let watch = p
        .http
        .get(p.publish_url("/v1/stream"))
        .send()
        .await
        .expect("GET /v1/stream");
    assert_eq!(watch.status(), StatusCode::OK);
    let mut watch = Sse::new(watch);
    let current = uri("current");
    let mut doc = kazakhstan_unrest(&current, 1);
    doc["versionCreated"] = json!(Utc::now().to_rfc3339());
    assert_eq!(p.post_article(&doc).await.0, StatusCode::ACCEPTED);
    watch.expect(&current, WITHIN).await;
    drop(watch);
    let res = p
        .http
        .get(p.publish_url("/v1/stream"))
        .header("last-event-id", "0:0,1:0,2:0")
        .send()
        .await
        .expect("GET /v1/stream");
    assert_eq!(res.status(), StatusCode::OK);
    let fresh = uri("fresh");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&fresh, 1)).await.0,
        StatusCode::ACCEPTED
    );
    let mut sse = Sse::new(res);
    sse.expect(&fresh, WITHIN).await;
    let text = sse.text;
    assert!(
        text.contains(current.as_str()),
        "current not replayed: {text:?}"
    );
    assert!(
        !text.contains(old.as_str()),
        "a story past the retention was replayed: {text:?}"
    );
    assert!(
        !text.contains(expiring.as_str()),
        "an expired story was replayed: {text:?}"
    );
}

//! Everything ninjs 3.1 allows, end to end: a story that sets every property
//! comes out of publish unchanged but for its tags, valid for the official
//! schema, tagged from its picture's caption and never from its credits; and
//! copies of a story without version numbers resolve as a newsroom expects.

use std::time::Duration;

use newsfeed_tests::contract::{ninjs_errors, ninjs_validator, same_numbers};
use newsfeed_tests::stories::{everything_ninjs_allows, kazakhstan_unrest, tag_names, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_story_with_every_ninjs_property_comes_out_unchanged_and_valid() {
    let p = Pipeline::start("ninjs-all").await;
    let id = uri("ninjs-all");
    let posted = everything_ninjs_allows(&id);
    let (status, _, body) = p.post_article(&posted).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let doc = p.wait_for_article(&id, WITHIN, |_| true).await;

    assert_eq!(ninjs_errors(&ninjs_validator(), &doc), Vec::<String>::new());
    // Tagging adds to the concept lists and keeps the newsroom's entries.
    let tag_lists = ["subjects", "places", "people", "organisations"];
    for (key, value) in posted.as_object().unwrap() {
        if tag_lists.contains(&key.as_str()) {
            for entry in value.as_array().unwrap() {
                assert!(
                    doc[key].as_array().unwrap().contains(entry),
                    "{key}: {entry} lost"
                );
            }
        } else {
            assert_eq!(
                same_numbers(&doc[key]),
                same_numbers(value),
                "{key} changed"
            );
        }
    }
    assert!(
        tag_names(&doc, "places").contains(&"Mongolia".to_owned()),
        "the picture's caption names Mongolia: {}",
        doc["places"]
    );
    for never in ["Chile", "Peru", "Norway"] {
        assert!(
            !tag_lists
                .iter()
                .any(|l| tag_names(&doc, l).contains(&never.to_owned())),
            "{never} tagged from a credit, a rendition title or a related story"
        );
    }
    // The evidence points into the association's caption.
    let enriched = read_topic(&p.topic("articles.enriched"), WITHIN);
    assert!(
        enriched[0].value["enrichment"]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "/associations/0/descriptions/0/value"),
        "{}",
        enriched[0].value["enrichment"]
    );
}

/// Without version numbers, a revised copy with the same `versionCreated`
/// replaces the story (the later arrival wins) and readers hear of it as an
/// update with its own event id; the same copy again changes nothing; an
/// older `versionCreated` is skipped.
#[tokio::test]
async fn copies_without_version_numbers_the_later_arrival_wins() {
    let p = Pipeline::start("unnumbered").await;
    let id = uri("unnumbered");
    let copy = |headline: &str, created: &str| {
        let mut doc = kazakhstan_unrest(&id, 1);
        let o = doc.as_object_mut().unwrap();
        o.remove("version");
        o.insert("versionCreated".into(), json!(created));
        doc["headlines"][0]["value"] = json!(headline);
        doc
    };
    let first = copy("Protesters fill Almaty square", "2026-11-28T08:00:00Z");
    let revised = copy(
        "Protesters fill Almaty square again",
        "2026-11-28T08:00:00Z",
    );
    let older = copy("Protesters gather in Almaty", "2026-11-28T07:00:00Z");
    for doc in [&first, &revised, &revised, &older] {
        assert_eq!(p.post_article(doc).await.0, StatusCode::ACCEPTED);
    }
    p.wait_for_metric(
        Svc::Publish,
        "newsfeed_publish_articles_skipped_total{reason=\"stale\"}",
        2.0,
        WITHIN,
    )
    .await;
    let doc = p.wait_for_article(&id, WITHIN, |_| true).await;
    assert_eq!(
        doc["headlines"][0]["value"],
        "Protesters fill Almaty square again"
    );

    let published = read_topic(&p.topic("articles.published"), WITHIN);
    let events: Vec<(Value, String)> = published
        .iter()
        .filter(|r| r.key == id)
        .map(|r| {
            (
                r.value["publication"]["action"].clone(),
                r.header("ce_id").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(events.len(), 2, "published, then updated once: {events:?}");
    assert_eq!(events[0].0, "published");
    assert_eq!(events[1].0, "updated");
    assert_ne!(
        events[0].1, events[1].1,
        "a revised copy has its own event id"
    );
}

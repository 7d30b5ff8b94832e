//! A story's way through the pipeline: tagged, versioned, and still there
//! after publish restarts.

use std::time::Duration;

use newsfeed_tests::contract::{ninjs_errors, ninjs_validator};
use newsfeed_tests::stories::{kazakhstan_unrest, russia_grain, tag_names, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;

const WITHIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_story_about_unrest_in_kazakhstan_comes_out_tagged() {
    let p = Pipeline::start("flow").await;
    let id = uri("kazakhstan");
    let (status, _, body) = p.post_article(&kazakhstan_unrest(&id, 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body, serde_json::json!({"uri": id, "version": "1"}));

    let doc = p.wait_for_article(&id, WITHIN, |_| true).await;
    assert!(
        tag_names(&doc, "places").contains(&"Kazakhstan".to_owned()),
        "{doc}"
    );
    assert!(
        tag_names(&doc, "subjects").contains(&"Protests in Kazakhstan".to_owned()),
        "{doc}"
    );

    let (status, _, list) = p.topic_articles("protests-in-kazakhstan", 10).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["articles"][0]["uri"], id.as_str(), "{list}");

    let russia = uri("russia");
    assert_eq!(
        p.post_article(&russia_grain(&russia)).await.0,
        StatusCode::ACCEPTED
    );
    let doc = p.wait_for_article(&russia, WITHIN, |_| true).await;
    assert!(
        tag_names(&doc, "places").contains(&"Russia".to_owned()),
        "{doc}"
    );
    assert!(
        !tag_names(&doc, "subjects").contains(&"Protests in Kazakhstan".to_owned()),
        "{doc}"
    );

    // Every stage counted the stories and publish timed them end to end.
    assert_eq!(
        p.metric(Svc::Ingest, "newsfeed_articles_out_total").await,
        2.0
    );
    // (A stage counts once its transaction commits, which readers may see
    // a moment before.)
    p.wait_for_metric(Svc::Enrich, "newsfeed_articles_out_total", 2.0, WITHIN)
        .await;
    p.wait_for_metric(
        Svc::Publish,
        "newsfeed_end_to_end_seconds_count",
        2.0,
        WITHIN,
    )
    .await;
}

#[tokio::test]
async fn a_lower_version_never_replaces_a_higher_one() {
    let p = Pipeline::start("versions").await;
    let id = uri("versions");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 2)).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    // Re-posting the same version is harmless too.
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 2)).await.0,
        StatusCode::ACCEPTED
    );

    p.wait_for_metric(
        Svc::Publish,
        "newsfeed_articles_skipped_total{reason=\"stale\"}",
        2.0,
        WITHIN,
    )
    .await;
    let doc = p.wait_for_article(&id, WITHIN, |_| true).await;
    assert_eq!(doc["version"], "2", "{doc}");
    let published = newsfeed_tests::read_topic(&p.topic("articles.published"), WITHIN);
    let versions: Vec<_> = published
        .iter()
        .filter(|r| r.key == id)
        .map(|r| r.value["article"]["version"].clone())
        .collect();
    assert_eq!(versions, ["2"], "only version 2 is published");
}

#[tokio::test]
async fn publish_answers_after_a_restart_from_kafka_state() {
    let mut p = Pipeline::start("restart").await;
    let id = uri("restart");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 3)).await.0,
        StatusCode::ACCEPTED
    );
    let before = p.wait_for_article(&id, WITHIN, |_| true).await;

    let status = p.svc(Svc::Publish).terminate();
    assert!(status.success(), "publish exits 0 on SIGTERM, got {status}");
    p.svc(Svc::Publish).start();
    p.svc(Svc::Publish).wait_ready(WITHIN).await;

    // Ready means rebuilt: the story must be there at once, not eventually.
    let (status, _, after) = p.get_article(&id).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after, before);
    let (_, _, list) = p.topic_articles("kazakhstan", 5).await;
    assert_eq!(list["articles"][0]["uri"], id.as_str());
    // And a stale version is still recognised as stale after the restart.
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 2)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_metric(
        Svc::Publish,
        "newsfeed_articles_skipped_total{reason=\"stale\"}",
        1.0,
        WITHIN,
    )
    .await;
    assert_eq!(p.get_article(&id).await.2["version"], "3");
}

/// Every IPTC example that is a story (text, composite or picture) goes
/// through end to end and comes out valid ninjs 3.1 with its associations
/// unchanged; the other two are refused, each for its reason. Two examples
/// (001 and 004) share a uri and `versionCreated` without a `version`: the
/// later arrival, 004, is what readers get.
#[tokio::test]
async fn iptc_story_examples_go_through_and_others_are_refused() {
    let p = Pipeline::start("iptc").await;
    let dir = newsfeed_tests::repo_root().join("../shared/specs/ninjs/examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let refused = [
        // "renditions-example" is not a complete URI (nor ninjs's `format: uri`).
        ("002_renditions_example.json", "/uri"),
        // An event is planning data, not a story to publish.
        ("008_event.json", "/type"),
    ];
    let mut accepted = std::collections::BTreeMap::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (status, _, body) = p.post_article(&doc).await;
        match refused.iter().find(|(n, _)| *n == name) {
            Some((_, pointer)) => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
                assert_eq!(body["errors"][0]["pointer"], *pointer, "{name}: {body}");
            }
            None => {
                assert_eq!(status, StatusCode::ACCEPTED, "{name}: {body}");
                // Later files replace earlier ones with the same uri (004 after 001).
                accepted.insert(doc["uri"].as_str().unwrap().to_owned(), doc);
            }
        }
    }
    assert_eq!(accepted.len(), 5, "001/004, 003, 005, 006 and 007");
    let ninjs = ninjs_validator();
    for (id, posted) in &accepted {
        let want = posted["bodies"].as_array().map_or(0, Vec::len);
        let doc = p
            .wait_for_article(id, WITHIN, |d| {
                d["bodies"].as_array().map_or(0, Vec::len) == want
            })
            .await;
        assert_eq!(ninjs_errors(&ninjs, &doc), Vec::<String>::new(), "{id}");
        assert_eq!(doc["associations"], posted["associations"], "{id}");
        assert_eq!(doc["renditions"], posted["renditions"], "{id}");
        assert_eq!(doc["type"], posted["type"], "{id}");
    }
    let twice = &accepted["http://ninjs.example.com/newsitems/20130709simp123"];
    assert_eq!(
        twice["bodies"][1]["role"], "richtext",
        "004 is the later arrival"
    );
}

//! Editors change the taxonomy file while enrich runs: the new taxonomy is
//! swapped in without a restart; an invalid file is refused, counted, and
//! the previous taxonomy keeps tagging.

use std::time::Duration;

use newsfeed_tests::stories::{tag_names, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::json;

const WITHIN: Duration = Duration::from_secs(60);

fn taxonomy(version: &str, places: &[(&str, &str)]) -> String {
    let mut yaml = format!(
        "version: \"{version}\"\nbase_uri: \"https://newsroom.example/taxonomy/\"\nconcepts:\n"
    );
    for (id, name) in places {
        yaml.push_str(&format!(
            "  - {{id: place/{id}, kind: place, name: {name}}}\n"
        ));
    }
    yaml
}

fn story(id: &str) -> serde_json::Value {
    json!({
        "uri": id,
        "type": "text",
        "headlines": [{"value": "Ferry link between Tallinn and Helsinki resumes after storm"}]
    })
}

#[tokio::test]
async fn a_changed_taxonomy_is_swapped_in_and_a_broken_one_refused() {
    let dir = newsfeed_tests::repo_root()
        .join(format!("target/e2e-tmp/{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("taxonomy.yaml");
    std::fs::write(&file, taxonomy("1", &[("tallinn", "Tallinn")])).unwrap();
    let path = file.to_string_lossy().into_owned();
    let p = Pipeline::start_some(
        "reload",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[
            ("NEWSFEED_TAXONOMY", &path),
            ("NEWSFEED_TAXONOMY_POLL_MS", "100"),
        ],
    )
    .await;

    let first = uri("reload");
    assert_eq!(p.post_article(&story(&first)).await.0, StatusCode::ACCEPTED);
    let doc = p.wait_for_article(&first, WITHIN, |_| true).await;
    assert_eq!(tag_names(&doc, "places"), ["Tallinn"]);
    assert!(
        doc["subjects"].is_null(),
        "only the file's concepts are used: {doc}"
    );

    std::fs::write(
        &file,
        taxonomy("2", &[("tallinn", "Tallinn"), ("helsinki", "Helsinki")]),
    )
    .unwrap();
    let reloads = "newsfeed_taxonomy_reloads_total{outcome=\"ok\"}";
    p.wait_for_metric(Svc::Enrich, reloads, 1.0, WITHIN).await;
    let second = uri("reload");
    assert_eq!(
        p.post_article(&story(&second)).await.0,
        StatusCode::ACCEPTED
    );
    let doc = p.wait_for_article(&second, WITHIN, |_| true).await;
    let mut places = tag_names(&doc, "places");
    places.sort();
    assert_eq!(places, ["Helsinki", "Tallinn"]);
    assert!(
        doc["subjects"].is_null()
            && doc["places"][0]["uri"]
                .as_str()
                .unwrap()
                .starts_with("https://newsroom.example/")
    );

    // A broken file: refused, counted, and version 2 keeps serving.
    std::fs::write(
        &file,
        "version: \"3\"\nconcepts:\n  - {id: place/x, kind: plaace, name: X}\n",
    )
    .unwrap();
    let invalid = "newsfeed_taxonomy_reloads_total{outcome=\"invalid\"}";
    p.wait_for_metric(Svc::Enrich, invalid, 1.0, WITHIN).await;
    let healthy = "newsfeed_taxonomy_last_reload_successful";
    assert_eq!(
        p.metric(Svc::Enrich, healthy).await,
        0.0,
        "the alert's series"
    );
    let third = uri("reload");
    assert_eq!(p.post_article(&story(&third)).await.0, StatusCode::ACCEPTED);
    let doc = p.wait_for_article(&third, WITHIN, |_| true).await;
    let mut places = tag_names(&doc, "places");
    places.sort();
    assert_eq!(
        places,
        ["Helsinki", "Tallinn"],
        "the previous taxonomy still tags"
    );
    let enriched = newsfeed_tests::read_topic(&p.topic("articles.enriched"), WITHIN);
    let version_of = |id: &str| {
        let r = enriched
            .iter()
            .find(|r| r.key == id)
            .expect("enriched record");
        r.value["enrichment"]["taxonomyVersion"].clone()
    };
    assert_eq!(
        [version_of(&first), version_of(&second), version_of(&third)],
        [json!("1"), json!("2"), json!("2")]
    );

    // Fixed: the next good reload clears it.
    std::fs::write(&file, taxonomy("4", &[("tallinn", "Tallinn")])).unwrap();
    p.wait_for_metric(Svc::Enrich, reloads, 2.0, WITHIN).await;
    assert_eq!(p.metric(Svc::Enrich, healthy).await, 1.0);
    std::fs::remove_dir_all(&dir).ok();
}

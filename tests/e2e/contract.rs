//! The event contract, judged from outside: every event the services write
//! decodes against the proto descriptors with unknown fields rejected and
//! prints back identically (so the Rust types match the proto exactly),
//! every article is valid ninjs 3.1, and the headers are CloudEvents that
//! the CloudEvents SDK reads.

use std::time::Duration;

use cloudevents::binding::rdkafka::MessageExt;
use cloudevents::{AttributesReader, Data};
use newsfeed_tests::contract::{
    descriptors, message, ninjs_errors, ninjs_validator, proto_round_trip,
};
use newsfeed_tests::stories::{kazakhstan_unrest, russia_grain, uri};
use newsfeed_tests::{Pipeline, read_topic};
use reqwest::StatusCode;

#[tokio::test]
async fn every_event_matches_the_proto_ninjs_and_cloudevents() {
    let p = Pipeline::start("contract").await;
    let stories = [
        kazakhstan_unrest(&uri("contract"), 1),
        russia_grain(&uri("contract")),
    ];
    let iptc = newsfeed_tests::repo_root()
        .join("../shared/specs/ninjs/examples/005_complex_text_article.json");
    let iptc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(iptc).unwrap()).unwrap();
    for doc in stories.iter().chain([&iptc]) {
        assert_eq!(p.post_article(doc).await.0, StatusCode::ACCEPTED);
    }
    // One story held by an embargo, so the embargo topic has an event too.
    let mut held = kazakhstan_unrest(&uri("contract-embargo"), 1);
    held["embargoedUntil"] = serde_json::json!("2099-01-01T00:00:00Z");
    assert_eq!(p.post_article(&held).await.0, StatusCode::ACCEPTED);
    let series = "newsfeed_embargoed_stories";
    p.wait_for_metric(
        newsfeed_tests::Svc::Publish,
        series,
        1.0,
        Duration::from_secs(60),
    )
    .await;
    for doc in stories.iter().chain([&iptc]) {
        p.wait_for_article(
            doc["uri"].as_str().unwrap(),
            Duration::from_secs(60),
            |_| true,
        )
        .await;
    }

    let pool = descriptors();
    let event = message(&pool, "ArticleEvent");
    let ninjs = ninjs_validator();
    let published = ("newsfeed.article.published.v1", "/newsfeed/publish");
    let expected_types = [
        (
            "articles.ingested",
            4,
            ("newsfeed.article.ingested.v1", "/newsfeed/ingest"),
        ),
        (
            "articles.enriched",
            4,
            ("newsfeed.article.enriched.v1", "/newsfeed/enrich"),
        ),
        ("articles.published", 3, published),
        ("publish.state", 3, published),
        ("publish.embargoes", 1, published),
    ];
    for (topic, count, (ce_type, source)) in expected_types {
        let records = read_topic(&p.topic(topic), Duration::from_secs(30));
        assert_eq!(records.len(), count, "{topic}");
        for r in records {
            let printed = proto_round_trip(&event, &r.value)
                .unwrap_or_else(|e| panic!("{topic}: {e}\n{}", r.value));
            assert_eq!(
                printed, r.value,
                "{topic}: the proto prints the event differently"
            );
            let errors = ninjs_errors(&ninjs, &r.value["article"]);
            assert!(
                errors.is_empty(),
                "{topic}: article is not valid ninjs 3.1: {errors:?}"
            );
            assert_eq!(
                r.key,
                r.value["article"]["uri"].as_str().unwrap(),
                "key is the story uri"
            );

            let ce = r
                .message
                .to_event()
                .unwrap_or_else(|e| panic!("{topic}: not a CloudEvent: {e}"));
            assert_eq!(ce.specversion().as_str(), "1.0");
            assert_eq!(ce.ty(), ce_type);
            assert_eq!(ce.source().as_str(), source);
            assert_eq!(ce.subject(), r.value["article"]["uri"].as_str());
            assert_eq!(ce.datacontenttype(), Some("application/json"));
            assert!(ce.time().is_some() && !ce.id().is_empty());
            let data = match ce.data() {
                Some(Data::Json(v)) => v.clone(),
                Some(Data::Binary(b)) => serde_json::from_slice(b).unwrap(),
                other => panic!("{topic}: unexpected data {other:?}"),
            };
            assert_eq!(data, r.value);
            let trace = r.header("traceparent").expect("traceparent");
            assert!(trace.len() == 55 && trace.starts_with("00-"), "{trace}");
        }
    }
    // The enriched event carries the evidence in its envelope, not in ninjs.
    let enriched = read_topic(&p.topic("articles.enriched"), Duration::from_secs(30));
    assert!(enriched.iter().any(|r| {
        !r.value["enrichment"]["evidence"]
            .as_array()
            .is_none_or(Vec::is_empty)
    }));
}

/// Both directions without a broker: a fully populated event written by the
/// Rust types is what the proto prints, and a fully populated proto message
/// reads into the Rust types and back unchanged.
#[test]
fn rust_types_and_proto_agree_field_for_field() {
    let pool = descriptors();
    let desc = message(&pool, "ArticleEvent");
    let full = full_message(&desc, 0);
    let rust: newsfeed_model::ArticleEvent = serde_json::from_value(full.clone())
        .unwrap_or_else(|e| panic!("Rust types reject a proto field: {e}\n{full}"));
    let back = serde_json::to_value(&rust).unwrap();
    assert_eq!(back, full, "Rust types lose or rename a proto field");
    assert_eq!(proto_round_trip(&desc, &back).unwrap(), full);
}

/// A JSON value setting every field of `desc`, recursively.
fn full_message(desc: &prost_reflect::MessageDescriptor, depth: usize) -> serde_json::Value {
    use prost_reflect::Kind;
    let mut obj = serde_json::Map::new();
    for f in desc.fields() {
        let one = match f.kind() {
            Kind::String => serde_json::json!(format!("{}-value", f.name())),
            Kind::Int32 => serde_json::json!(7),
            Kind::Message(m) if m.full_name() == "google.protobuf.Timestamp" => {
                serde_json::json!("2026-11-28T10:15:30.123Z")
            }
            Kind::Message(m) if depth < 4 => full_message(&m, depth + 1),
            other => panic!(
                "field {} has kind {other:?}, which the contract test does not cover",
                f.full_name()
            ),
        };
        let v = if f.is_list() {
            serde_json::json!([one])
        } else {
            one
        };
        obj.insert(f.json_name().to_owned(), v);
    }
    serde_json::Value::Object(obj)
}

//! Span export, judged by a real OTLP/HTTP receiver decoding with the
//! OpenTelemetry project's protobuf classes (`tests/python/otlp_receiver.py`):
//! one story's spans — ingest's request, enrich, publish and the webhook
//! delivery — form one trace, each the parent of the next, and the
//! subscriber receives the delivery's `traceparent`.

use std::time::{Duration, Instant};

use newsfeed_tests::otlp::Collector;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::Value;

use crate::webhooks::{Receiver, subscribe};

#[tokio::test]
async fn one_story_is_one_trace_from_ingest_to_its_webhook_delivery() {
    let collector = Collector::start();
    let endpoint = format!("http://127.0.0.1:{}", collector.port());
    let p = Pipeline::start_some(
        "traces",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_BSP_SCHEDULE_DELAY", "200"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=e2e"),
        ],
    )
    .await;
    let rx = Receiver::start();
    subscribe(&p, &rx, "all", &[]).await;

    let id = uri("traces");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    rx.wait_delivered("all", std::slice::from_ref(&id)).await;

    // The enrich span names the story; its trace holds the others.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (trace, spans) = loop {
        let all = collector.spans();
        let trace = all
            .iter()
            .find(|s| s["name"] == "enrich" && s["attributes"]["newsfeed.story.uri"] == id.as_str())
            .map(|s| s["trace_id"].as_str().unwrap().to_owned());
        if let Some(trace) = trace {
            let spans: Vec<Value> = all
                .into_iter()
                .filter(|s| s["trace_id"] == trace.as_str())
                .collect();
            let names: Vec<&str> = spans.iter().filter_map(|s| s["name"].as_str()).collect();
            if ["POST /v1/articles", "enrich", "publish", "webhooks"]
                .iter()
                .all(|n| names.contains(n))
            {
                break (trace, spans);
            }
        }
        assert!(
            Instant::now() < deadline,
            "spans of {id} never all arrived: {:?}",
            collector.spans()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let span = |name: &str| spans.iter().find(|s| s["name"] == name).unwrap();
    let (ingest, enrich, publish, webhook) = (
        span("POST /v1/articles"),
        span("enrich"),
        span("publish"),
        span("webhooks"),
    );
    assert_eq!(ingest["service"], "newsfeed-ingest");
    assert_eq!(enrich["service"], "newsfeed-enrich");
    assert_eq!(publish["service"], "newsfeed-publish");
    assert_eq!(webhook["service"], "newsfeed-publish");
    assert_eq!(ingest["resource"]["deployment.environment"], "e2e");
    // Each hop is the parent of the next, as the traceparent headers say.
    assert_eq!(
        ingest["parent_span_id"], "",
        "the request had no traceparent"
    );
    assert_eq!(enrich["parent_span_id"], ingest["span_id"]);
    assert_eq!(publish["parent_span_id"], enrich["span_id"]);
    assert_eq!(webhook["parent_span_id"], publish["span_id"]);
    assert_eq!(ingest["attributes"]["http.response.status_code"], 202);
    assert_eq!(publish["attributes"]["messaging.system"], "kafka");
    assert_eq!(trace.len(), 32);
    // The subscriber is handed the trace too: the delivery span is its parent.
    let delivered = rx
        .entries()
        .into_iter()
        .find(|e| e["kind"] == "delivery" && e["uri"] == id.as_str())
        .unwrap();
    let traceparent = delivered["traceparent"].as_str().unwrap();
    assert_eq!(
        traceparent,
        format!("00-{trace}-{}-01", webhook["span_id"].as_str().unwrap())
    );
}

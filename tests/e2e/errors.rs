//! Bad input gets a precise RFC 9457 answer and changes nothing in Kafka;
//! an unreachable Kafka gets 503, never a false acknowledgement.

use std::time::Duration;

use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::json;

const PROBLEM: &str = "application/problem+json";

#[tokio::test]
async fn bad_input_is_refused_precisely_and_nothing_reaches_kafka() {
    let p = Pipeline::start_some(
        "errors",
        &[Svc::Ingest],
        &[("NEWSFEED_INGEST_MAX_BODY_BYTES", "4096")],
    )
    .await;

    let (status, ct, body) = p
        .post_raw("application/json", "{\"uri\": \"urn:x:1\", ")
        .await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::BAD_REQUEST, PROBLEM),
        "{body}"
    );
    assert_eq!(body["status"], 400);
    assert!(body["detail"].as_str().unwrap().contains("EOF"), "{body}");

    let mut doc = kazakhstan_unrest(&uri("errors"), 1);
    doc["pubStatus"] = json!("published");
    doc["headlines"][0]["value"] = json!(42);
    let (status, ct, body) = p.post_article(&doc).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, PROBLEM),
        "{body}"
    );
    assert_eq!(body["errors"][0]["pointer"], "/headlines/0/value", "{body}");

    doc["headlines"][0]["value"] = json!("A headline");
    let (status, _, body) = p.post_article(&doc).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["pointer"], "/pubStatus", "{body}");
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("usable"),
        "{body}"
    );

    let (status, _, body) = p
        .post_article(&json!({"type": "text", "headlines": [{"value": "No uri"}]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["pointer"], "/uri", "{body}");

    let (status, ct, body) = p.post_raw("application/json", "x".repeat(5000)).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, PROBLEM),
        "{body}"
    );

    let (status, ct, _) = p.post_raw("text/plain", "hello").await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, PROBLEM)
    );

    // A batch with one bad line is refused whole, naming the line.
    let good = kazakhstan_unrest(&uri("errors"), 1).to_string();
    let batch = format!(
        "{good}\n{{\"uri\": \"urn:x:2\", \"type\": \"planning\", \"headlines\": [{{\"value\": \"v\"}}]}}\n"
    );
    let (status, _, body) = p.post_raw("application/x-ndjson", batch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        (body["line"].clone(), body["errors"][0]["pointer"].clone()),
        (json!(2), json!("/type")),
        "{body}"
    );

    assert!(
        read_topic(&p.topic("articles.ingested"), Duration::from_secs(30)).is_empty(),
        "a refused request wrote to Kafka"
    );
    assert_eq!(
        p.metric(
            Svc::Ingest,
            "newsfeed_articles_rejected_total{reason=\"invalid\"}"
        )
        .await,
        4.0
    );

    // The same batch without the bad line goes through, all of it.
    let second = kazakhstan_unrest(&uri("errors"), 1).to_string();
    let (status, _, body) = p
        .post_raw("application/x-ndjson", format!("{good}\n{second}\n"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["accepted"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        read_topic(&p.topic("articles.ingested"), Duration::from_secs(30)).len(),
        2
    );
}

#[tokio::test]
async fn kafka_unreachable_means_503_not_an_acknowledgement() {
    // A port nothing listens on: the broker is down for this ingest.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut p = Pipeline::spawn(
        &newsfeed_tests::unique_prefix("down"),
        &[Svc::Ingest],
        &[("NEWSFEED_KAFKA_BROKERS", &dead)],
    );
    let ingest = p.svc(Svc::Ingest);
    let health = reqwest::get(wait_listening(ingest.url("/healthz")).await)
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = reqwest::get(ingest.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.headers().contains_key("retry-after"));
    assert_eq!(ready.headers()["content-type"], PROBLEM);

    let (status, ct, body) = p.post_article(&kazakhstan_unrest(&uri("down"), 1)).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, PROBLEM),
        "{body}"
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was written"),
        "{body}"
    );
}

async fn wait_listening(url: String) -> String {
    for _ in 0..200 {
        if reqwest::get(&url).await.is_ok() {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} never answered");
}

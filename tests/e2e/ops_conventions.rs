//! What an on-call engineer relies on without reading the code: every
//! error is a problem document (405s and unknown routes too), every setting
//! is a flag and a variable in `--help`, a bad log format stops the service,
//! text logs carry no colour codes into files, and JSON log lines about a
//! story name its trace, uri and Kafka coordinates — dead letters their
//! reason too.

use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

use newsfeed_tests::services::binary_path;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use rdkafka::producer::{FutureProducer, FutureRecord};
use reqwest::StatusCode;
use serde_json::Value;

const PROBLEM: &str = "application/problem+json";

async fn problem(r: reqwest::Response) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let (status, headers) = (r.status(), r.headers().clone());
    assert_eq!(headers["content-type"], PROBLEM, "{status}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["type"].as_str().unwrap().starts_with("https://"),
        "{body}"
    );
    (status, headers, body)
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_problems_and_text_logs_have_no_colour() {
    let p = Pipeline::start_some("conventions", &[Svc::Ingest, Svc::Publish], &[]).await;
    let ingest = p.svc_url(Svc::Ingest, "");
    let publish = p.svc_url(Svc::Publish, "");

    let r = p
        .http
        .get(format!("{ingest}/v1/articles"))
        .send()
        .await
        .unwrap();
    let (status, headers, body) = problem(r).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        headers["allow"].to_str().unwrap().contains("POST"),
        "{headers:?}"
    );
    assert_eq!(
        body["type"],
        "https://newsfeed.dev/problems/method-not-allowed"
    );

    for (method, path) in [
        (reqwest::Method::POST, "/v1/topics"),
        (reqwest::Method::PUT, "/v1/subscriptions"),
        (reqwest::Method::DELETE, "/metrics"),
    ] {
        let r = p
            .http
            .request(method.clone(), format!("{publish}{path}"))
            .send()
            .await
            .unwrap();
        let (status, headers, _) = problem(r).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(headers.contains_key("allow"), "{method} {path}");
    }
    for url in [format!("{ingest}/nowhere"), format!("{publish}/v2/nothing")] {
        let (status, _, _) = problem(p.http.get(&url).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{url}");
    }
    // A malformed query the framework refuses is a problem too.
    let r = p
        .http
        .get(format!("{publish}/v1/topics/x/articles?limit=lots"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await.0, StatusCode::BAD_REQUEST);

    // Logs go to a file here, not a terminal: no escape codes.
    for s in &p.services {
        let log = std::fs::read_to_string(&s.log).unwrap();
        assert!(log.contains("INFO"), "{log}");
        assert!(
            !log.contains('\u{1b}'),
            "colour codes in {}",
            s.log.display()
        );
    }
}

#[test]
fn every_setting_is_a_flag_and_a_variable_in_help_and_a_bad_log_format_stops_the_service() {
    for svc in [Svc::Ingest, Svc::Enrich, Svc::Publish] {
        let out = Command::new(binary_path(svc))
            .arg("--help")
            .output()
            .unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        let mut wanted = vec![
            "--log-format",
            "[env: NEWSFEED_LOG_FORMAT=",
            "[env: RUST_LOG=",
            "[env: OTEL_EXPORTER_OTLP_ENDPOINT=",
            "[env: OTEL_EXPORTER_OTLP_PROTOCOL=",
            "[env: OTEL_SERVICE_NAME=",
            "[env: NEWSFEED_KAFKA_BROKERS=",
        ];
        if svc == Svc::Ingest {
            wanted.extend([
                "--feeds-max-bytes",
                "[env: NEWSFEED_FEEDS_POLL=",
                "[env: NEWSFEED_FEEDS_MAX_BYTES=",
                "[env: NEWSFEED_FEEDS_TIMEOUT_MS=",
                "[env: NEWSFEED_FEEDS_MAX_BACKOFF_SECS=",
                "[env: NEWSFEED_OUTBOUND_ALLOW_NETS=",
            ]);
        }
        if svc == Svc::Publish {
            wanted.extend([
                "--webhook-retry-base-ms",
                "[env: NEWSFEED_WEBHOOK_RETRY_BASE_MS=",
                "[env: NEWSFEED_WEBHOOK_RETRY_MAX_MS=",
                "[env: NEWSFEED_WEBHOOK_MAX_ATTEMPTS=",
                "[env: NEWSFEED_WEBHOOK_RETRY_BUDGET_MS=",
                "[env: NEWSFEED_WEBHOOK_TIMEOUT_MS=",
                "[env: NEWSFEED_WEBHOOK_DISABLE_AFTER=",
            ]);
        }
        for w in wanted {
            assert!(
                help.contains(w),
                "{} --help lacks {w}:\n{help}",
                svc.binary()
            );
        }
        // Every long flag names its variable.
        let flags: HashSet<&str> = help
            .lines()
            .map(str::trim)
            .filter(|l| {
                l.starts_with("--") && !l.starts_with("--help") && !l.starts_with("--version")
            })
            .collect();
        let envs = help.matches("[env: ").count();
        assert_eq!(envs, flags.len(), "{} --help:\n{help}", svc.binary());

        let out = Command::new(binary_path(svc))
            .env("NEWSFEED_LOG_FORMAT", "xml")
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{} ran with a bad log format",
            svc.binary()
        );
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("NEWSFEED_LOG_FORMAT: `xml` is not a log format; use text or json"),
            "{said}"
        );
    }
    let out = Command::new(binary_path(Svc::Publish))
        .env("NEWSFEED_WEBHOOK_MAX_ATTEMPTS", "0")
        .env("NEWSFEED_KAFKA_BROKERS", "127.0.0.1:1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("NEWSFEED_WEBHOOK_MAX_ATTEMPTS"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json_lines(log: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[tokio::test]
async fn json_logs_follow_a_story_by_trace_and_dead_letters_name_uri_reason_and_coordinates() {
    let p = Pipeline::start_some(
        "jsonlogs",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[
            ("NEWSFEED_LOG_FORMAT", "json"),
            ("RUST_LOG", "info,newsfeed_runtime=debug"),
        ],
    )
    .await;
    let producer: FutureProducer = newsfeed_tests::broker::client_config("newsfeedctl")
        .create()
        .unwrap();
    let ingested = p.topic("articles.ingested");
    producer
        .send(
            FutureRecord::to(&ingested)
                .key("urn:poison:logs")
                .payload("not json"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let id = uri("jsonlogs");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&id, Duration::from_secs(60), |_| true)
        .await;

    // A refused story: the rejection names its uri and reason.
    let refused = uri("jsonlogs-refused");
    let mut bad = kazakhstan_unrest(&refused, 1);
    bad["headlines"][0]["value"] = serde_json::json!(42);
    assert_eq!(
        p.post_article(&bad).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let log_of = |svc: Svc| json_lines(&p.services.iter().find(|s| s.svc == svc).unwrap().log);
    let ingest = log_of(Svc::Ingest);
    let accepted = ingest
        .iter()
        .find(|l| l["message"] == "accepted" && l["uri"] == id.as_str())
        .unwrap_or_else(|| panic!("no accepted line for {id}: {ingest:?}"));
    let trace = accepted["trace_id"].as_str().unwrap().to_owned();
    assert_eq!(trace.len(), 32, "{accepted}");
    assert_eq!(
        accepted["span_id"].as_str().unwrap().len(),
        16,
        "{accepted}"
    );

    let rejected = ingest
        .iter()
        .find(|l| l["message"] == "article rejected")
        .unwrap_or_else(|| panic!("no rejection line: {ingest:?}"));
    assert_eq!(rejected["uri"], refused.as_str(), "{rejected}");
    assert_eq!(rejected["reason"], "invalid", "{rejected}");
    assert!(
        rejected["trace_id"].is_string() && rejected["detail"].is_string(),
        "{rejected}"
    );

    // Enrich's dead letter: uri, reason, and the record's coordinates.
    let enrich = log_of(Svc::Enrich);
    let dead = enrich
        .iter()
        .find(|l| l["message"] == "record dead-lettered")
        .unwrap_or_else(|| panic!("no dead-letter line: {enrich:?}"));
    assert_eq!(dead["uri"], "urn:poison:logs", "{dead}");
    assert_eq!(dead["reason"], "undecodable", "{dead}");
    assert_eq!(dead["topic"], ingested.as_str(), "{dead}");
    assert!(
        dead["partition"].is_i64() && dead["offset"].is_i64(),
        "{dead}"
    );
    assert!(
        dead["trace_id"].is_string() && dead["span_id"].is_string(),
        "{dead}"
    );

    // The story's trace runs through the logs of all three services.
    let publish = log_of(Svc::Publish);
    for (name, lines) in [("enrich", &enrich), ("publish", &publish)] {
        let about: Vec<&Value> = lines.iter().filter(|l| l["uri"] == id.as_str()).collect();
        assert!(
            about.iter().any(|l| l["trace_id"] == trace.as_str()),
            "{name} logged nothing on trace {trace} for {id}: {lines:?}"
        );
        for l in about {
            assert_eq!(l["trace_id"], trace.as_str(), "{name}: {l}");
            assert!(
                l["topic"].is_string() && l["offset"].is_i64(),
                "{name}: {l}"
            );
        }
    }
}

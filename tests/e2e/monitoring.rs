//! The shipped monitoring against a real pipeline: a real Prometheus
//! (Debian's package) scrapes the three services with the shipped rules
//! (`deploy/monitoring/rules/`); every query of the shipped Grafana dashboard
//! returns data, every rule evaluates without error, and the dead-letter
//! alert fires on the first dead letter. Also: the series whose labels are
//! known in advance exist at 0 before anything happened.

use std::time::{Duration, Instant};

use newsfeed_tests::prometheus::Prometheus;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use rdkafka::producer::{FutureProducer, FutureRecord};
use reqwest::StatusCode;
use serde_json::Value;

const SERVICES: [(Svc, &str); 3] = [
    (Svc::Ingest, "ingest"),
    (Svc::Enrich, "enrich"),
    (Svc::Publish, "publish"),
];

/// The dashboard's queries and its variables' queries, as Grafana would send
/// them with "All" selected and a one-minute rate interval.
fn dashboard_queries() -> Vec<(String, String)> {
    let path =
        newsfeed_tests::repo_root().join("deploy/monitoring/grafana/dashboards/newsfeed.json");
    let dash: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let expand = |e: &str| {
        e.replace("$service", ".*")
            .replace("$instance", ".*")
            .replace("$__rate_interval", "1m")
    };
    let mut queries = Vec::new();
    for panel in dash["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().cloned().unwrap_or_default() {
            if let Some(expr) = target["expr"].as_str() {
                queries.push((panel["title"].as_str().unwrap().to_owned(), expand(expr)));
            }
        }
    }
    // `label_values(EXPR, LABEL)` asks for LABEL's values among EXPR's series.
    for var in dash["templating"]["list"].as_array().unwrap() {
        let Some(q) = var["query"]["query"].as_str() else {
            continue;
        };
        let inner = q
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .unwrap();
        let (expr, label) = inner.rsplit_once(',').unwrap();
        queries.push((
            format!("variable {}", var["name"]),
            format!("group by ({}) ({})", label.trim(), expand(expr)),
        ));
    }
    queries
}

#[tokio::test]
async fn prometheus_with_the_shipped_rules_answers_every_dashboard_query() {
    let p = Pipeline::start("monitoring").await;
    let targets: Vec<(&str, std::net::SocketAddr)> = SERVICES
        .iter()
        .map(|(svc, name)| (*name, p.svc_addr(*svc)))
        .collect();
    let prom = Prometheus::start(&p.prefix, &targets).await;

    // Stories through every stage, and a feed read.
    for i in 1..=3 {
        let id = uri(&format!("monitoring-{i}"));
        assert_eq!(
            p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
            StatusCode::ACCEPTED
        );
        p.wait_for_article(&id, Duration::from_secs(60), |_| true)
            .await;
    }
    let feed = p.http.get(p.publish_url("/v1/topics/kazakhstan/feed.json"));
    assert_eq!(feed.send().await.unwrap().status(), StatusCode::OK);

    // Prometheus has scraped the stories out of publish, then a few more
    // times, so every rate has two samples around them.
    wait_for(
        &prom,
        "sum(newsfeed_articles_out_total{service=\"publish\"}) >= 3",
    )
    .await;
    wait_for(&prom, "count(up{job=\"newsfeed\"} == 1) == 3").await;
    wait_for(&prom, "count(newsfeed_consumer_lag) > 0").await;

    // Every panel's query comes to have data once rates have two samples.
    let deadline = Instant::now() + Duration::from_secs(30);
    let empty = loop {
        let mut empty = Vec::new();
        for (title, expr) in dashboard_queries() {
            if prom.query(&expr).await.is_empty() {
                empty.push(format!("{title}: {expr}"));
            }
        }
        if empty.is_empty() || Instant::now() >= deadline {
            break empty;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        empty.is_empty(),
        "queries without data:\n{}",
        empty.join("\n")
    );

    // Every rule has been evaluated, and none failed.
    let deadline = Instant::now() + Duration::from_secs(30);
    let rules = loop {
        let rules = prom.rules().await;
        if rules.iter().all(|r| r["health"] != "unknown") {
            break rules;
        }
        assert!(Instant::now() < deadline, "rules not evaluated: {rules:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(rules.len() >= 27, "{} rules loaded", rules.len());
    let failing: Vec<String> = rules
        .iter()
        .filter(|r| r["health"] != "ok")
        .map(|r| format!("{}: {} {}", r["name"], r["health"], r["lastError"]))
        .collect();
    assert!(failing.is_empty(), "{failing:?}\n{}", prom.log());
    let firing = |alerts: &[Value], name: &str| {
        alerts
            .iter()
            .any(|a| a["labels"]["alertname"] == name && a["state"] == "firing")
    };
    let alerts = prom.alerts().await;
    for calm in [
        "NewsfeedDeadLetters",
        "NewsfeedServiceDown",
        "NewsfeedStageStalled",
    ] {
        assert!(!firing(&alerts, calm), "{calm} fires: {alerts:?}");
    }

    // The first dead letter since the service started fires the alert: the
    // counter existed at 0, so `increase()` sees it.
    // As the operators' principal on the secure broker, plaintext otherwise.
    let producer: FutureProducer = newsfeed_tests::broker::client_config("newsfeedctl")
        .create()
        .unwrap();
    producer
        .send(
            FutureRecord::to(&p.topic("articles.ingested"))
                .key("urn:monitoring:poison")
                .payload("this is not json"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let alerts = prom.alerts().await;
        let dead = alerts
            .iter()
            .find(|a| a["labels"]["alertname"] == "NewsfeedDeadLetters" && a["state"] == "firing");
        if let Some(a) = dead {
            assert_eq!(a["labels"]["service"], "enrich", "{a}");
            assert_eq!(a["labels"]["reason"], "undecodable", "{a}");
            assert_eq!(a["labels"]["severity"], "warning", "{a}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "NewsfeedDeadLetters did not fire: {alerts:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Polls until `expr` returns a series.
async fn wait_for(prom: &Prometheus, expr: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while prom.query(expr).await.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{expr} never held\n{}",
            prom.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn known_series_are_exported_at_zero_from_the_start() {
    let p = Pipeline::start("zeros").await;
    for (svc, series) in [
        (
            Svc::Ingest,
            "newsfeed_articles_rejected_total{reason=\"invalid\"}",
        ),
        (
            Svc::Ingest,
            "newsfeed_auth_failures_total{reason=\"unknown_token\"}",
        ),
        // The pipeline's registered source, before it sent anything.
        (
            Svc::Ingest,
            "newsfeed_source_articles_total{source=\"test\"}",
        ),
        (Svc::Ingest, "newsfeed_rate_limited_total{source=\"test\"}"),
        (
            Svc::Enrich,
            "newsfeed_articles_dead_lettered_total{reason=\"undecodable\"}",
        ),
        (
            Svc::Enrich,
            "newsfeed_kafka_transactions_total{outcome=\"aborted\"}",
        ),
        (
            Svc::Enrich,
            "newsfeed_taxonomy_reloads_total{outcome=\"invalid\"}",
        ),
        (
            Svc::Publish,
            "newsfeed_articles_dead_lettered_total{reason=\"internal\"}",
        ),
        (
            Svc::Publish,
            "newsfeed_articles_skipped_total{reason=\"stale\"}",
        ),
        (
            Svc::Publish,
            "newsfeed_webhook_deliveries_total{outcome=\"dead_lettered\"}",
        ),
        (
            Svc::Publish,
            "newsfeed_feed_requests_total{format=\"atom\",outcome=\"not_found\"}",
        ),
        (
            Svc::Publish,
            "newsfeed_stream_events_sent_total{transport=\"ws\"}",
        ),
    ] {
        let text = p.metrics_text(svc).await;
        let (name, labels) = series.split_once('{').unwrap();
        let labels: Vec<&str> = labels.trim_end_matches('}').split(',').collect();
        let line = text.lines().find(|l| {
            l.starts_with(&format!("{name}{{")) && labels.iter().all(|want| l.contains(want))
        });
        assert!(
            line.is_some_and(|l| l.ends_with(" 0")),
            "{series} on {}: {line:?}",
            svc.binary()
        );
    }
    assert_eq!(
        p.metric(Svc::Enrich, "newsfeed_taxonomy_last_reload_successful")
            .await,
        1.0
    );
    // Ready (its Kafka probe may miss once on a loaded machine: polled).
    for (svc, _) in SERVICES {
        p.wait_for_metric(svc, "newsfeed_ready", 1.0, Duration::from_secs(30))
            .await;
    }
}

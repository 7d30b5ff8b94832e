//! What operators see: every service's `/metrics` passes Prometheus's own
//! linter (`promtool check metrics`) and carries the stage metrics a
//! dashboard needs; `/healthz` and `/readyz` answer; `NEWSFEED_LOG_FORMAT=json`
//! makes every log line a JSON object.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;

fn promtool(exposition: &str) -> (bool, String) {
    let tool = std::env::var("NEWSFEED_TEST_PROMTOOL").unwrap_or_else(|_| "promtool".into());
    let mut child = Command::new(&tool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e} (deploy/local/prerequisites --test installs it)"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(exposition.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[tokio::test]
async fn metrics_pass_promtool_and_logs_are_json() {
    let p = Pipeline::start_some(
        "observe",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[("NEWSFEED_LOG_FORMAT", "json")],
    )
    .await;
    let id = uri("observe");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&id, Duration::from_secs(60), |_| true)
        .await;
    // Consumer lag comes from librdkafka's statistics, every 5 s.
    p.wait_for_metric(
        Svc::Publish,
        "newsfeed_articles_out_total",
        1.0,
        Duration::from_secs(30),
    )
    .await;

    // Enrich has read everything ingest wrote: its lag comes to 0 on every
    // partition (with the next statistics, within 5 s).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = p.metrics_text(Svc::Enrich).await;
        let lags: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("newsfeed_consumer_lag{"))
            .collect();
        if !lags.is_empty() && lags.iter().all(|l| l.ends_with(" 0")) {
            break;
        }
        assert!(Instant::now() < deadline, "{lags:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    for (svc, name) in [
        (Svc::Ingest, "ingest"),
        (Svc::Enrich, "enrich"),
        (Svc::Publish, "publish"),
    ] {
        let text = p.metrics_text(svc).await;
        let (ok, said) = promtool(&text);
        assert!(ok && said.trim().is_empty(), "promtool on {name}: {said}");
        let mut wanted = vec![
            "newsfeed_articles_in_total",
            "newsfeed_articles_out_total",
            "newsfeed_stage_duration_seconds",
            "newsfeed_end_to_end_seconds",
            "newsfeed_build_info",
            "process_resident_memory_bytes",
        ];
        // Ingest refuses requests; enrich and publish dead-letter records in transactions.
        if svc == Svc::Ingest {
            wanted.push("newsfeed_articles_rejected_total");
        } else {
            wanted.extend([
                "newsfeed_articles_dead_lettered_total",
                "newsfeed_consumer_lag",
                "newsfeed_kafka_transactions_total",
            ]);
        }
        for family in wanted {
            assert!(
                text.contains(&format!("# TYPE {family} ")),
                "{name} lacks {family}"
            );
        }
        // One name per quantity: the service is a label on every series.
        let service = format!("service=\"{name}\"");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.contains(&service), "{name}: {line}");
        }
        assert!(
            p.metric(svc, "newsfeed_build_info").await == 1.0
                && text.contains("revision=\"")
                && !text.contains("revision=\"\""),
            "{name}: build info"
        );
        for path in ["/healthz", "/readyz"] {
            let url = p.services.iter().find(|s| s.svc == svc).unwrap().url(path);
            assert_eq!(
                p.http.get(url).send().await.unwrap().status(),
                StatusCode::OK,
                "{name}{path}"
            );
        }
        let log = std::fs::read_to_string(&p.services.iter().find(|s| s.svc == svc).unwrap().log)
            .unwrap();
        let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(!lines.is_empty(), "{name} logged nothing");
        for line in lines {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {line}"));
            assert!(
                v["level"].is_string() && v["timestamp"].is_string(),
                "{name}: {line}"
            );
        }
    }
}

//! `deploy/monitoring/`: rules, their unit tests, the runbook, the dashboard.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use crate::{promtool, repo, run, yaml};

const RULES: [&str; 2] = [
    "deploy/monitoring/rules/recording.yml",
    "deploy/monitoring/rules/alerts.yml",
];

/// Every alerting rule of `alerts.yml`.
fn alerts() -> Vec<Value> {
    let rules = yaml("deploy/monitoring/rules/alerts.yml");
    rules["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap().clone())
        .filter(|r| r.get("alert").is_some())
        .collect()
}

#[test]
fn rules_and_the_prometheus_config_pass_promtool_check() {
    for file in RULES {
        let (ok, said) = run(promtool().args(["check", "rules"]).arg(repo(file)));
        assert!(ok, "{file}: {said}");
    }
    let (ok, said) = run(promtool()
        .args(["check", "config"])
        .arg(repo("deploy/monitoring/prometheus.yml")));
    assert!(ok, "prometheus.yml: {said}");
}

#[test]
fn alerts_pass_their_unit_tests() {
    let (ok, said) = run(promtool()
        .args(["test", "rules"])
        .arg(repo("deploy/monitoring/tests/alerts.test.yml")));
    assert!(ok, "{said}");
}

#[test]
fn every_alert_is_unit_tested_firing_and_not_firing() {
    let tests = yaml("deploy/monitoring/tests/alerts.test.yml");
    let mut seen: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for test in tests["tests"].as_sequence().unwrap() {
        for check in test["alert_rule_test"].as_sequence().unwrap() {
            let name = check["alertname"].as_str().unwrap().to_owned();
            let fires = check
                .get("exp_alerts")
                .and_then(Value::as_sequence)
                .is_some_and(|a| !a.is_empty());
            let entry = seen.entry(name).or_default();
            if fires {
                entry.0 = true;
            } else {
                entry.1 = true;
            }
        }
    }
    for alert in alerts() {
        let name = alert["alert"].as_str().unwrap();
        assert_eq!(
            seen.get(name),
            Some(&(true, true)),
            "{name}: wants a unit test where it fires and one where it does not"
        );
    }
}

#[test]
fn every_alert_has_a_severity_a_summary_and_a_runbook_section() {
    let runbook = std::fs::read_to_string(repo("deploy/monitoring/RUNBOOK.md")).unwrap();
    let sections: BTreeSet<String> = runbook
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| h.trim().to_lowercase())
        .collect();
    let alerts = alerts();
    assert!(alerts.len() >= 12, "{} alerts", alerts.len());
    for alert in alerts {
        let name = alert["alert"].as_str().unwrap();
        let severity = alert["labels"]["severity"].as_str().unwrap_or_default();
        assert!(
            ["critical", "warning"].contains(&severity),
            "{name}: severity `{severity}`"
        );
        let summary = alert["annotations"]["summary"].as_str().unwrap_or_default();
        assert!(!summary.trim().is_empty(), "{name}: no summary");
        let url = alert["annotations"]["runbook_url"]
            .as_str()
            .unwrap_or_default();
        let anchor = name.to_lowercase();
        assert_eq!(
            url,
            format!("deploy/monitoring/RUNBOOK.md#{anchor}"),
            "{name}: runbook_url"
        );
        assert!(sections.contains(&anchor), "RUNBOOK.md has no `## {name}`");
    }
}

#[test]
fn the_dashboard_has_the_pipeline_panels_and_service_and_instance_variables() {
    let text = std::fs::read_to_string(repo("deploy/monitoring/grafana/dashboards/newsfeed.json"))
        .unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vars: Vec<&str> = dash["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    for var in ["datasource", "service", "instance"] {
        assert!(vars.contains(&var), "no ${var} variable: {vars:?}");
    }
    let queries = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["expr"].is_string())
        .count();
    assert!(queries >= 20, "{queries} queries");
    for metric in [
        "newsfeed_articles_in_total",
        "newsfeed_articles_out_total",
        "newsfeed_consumer_lag",
        "newsfeed_end_to_end_seconds_bucket",
        "newsfeed_articles_dead_lettered_total",
        "newsfeed_kafka_transactions_total",
        "newsfeed_webhook_deliveries_total",
        "newsfeed_stream_clients",
        "newsfeed_feed_requests_total",
    ] {
        assert!(
            text.contains(metric),
            "the dashboard does not show {metric}"
        );
    }
    // Every metric query filters on both variables.
    for panel in dash["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().cloned().unwrap_or_default() {
            let expr = target["expr"].as_str().unwrap();
            assert!(
                expr.starts_with("newsfeed:")
                    || (expr.contains("$service") && expr.contains("$instance")),
                "{}: {expr}",
                panel["title"]
            );
        }
    }
}

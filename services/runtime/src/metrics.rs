//! The service's Prometheus registry and the metrics every stage exports.
//!
//! One name per quantity across the pipeline, the service as a label: every
//! series a service exports carries `service="ingest|enrich|publish"` (a
//! registry-wide label), so `sum by (service) (rate(newsfeed_articles_in_total[5m]))`
//! covers the whole pipeline. Each observable event is one method that both
//! logs and counts, with the same labels, so call sites read
//! `metrics.rejected("invalid", &detail)`; each service's own metrics live in
//! that service's `metrics` module, so a dashboard can be written from those
//! files alone.
//!
//! Every series whose labels are known in advance exists from the start at 0
//! (see [`Known`]): `increase()` then sees a counter's first event, and an
//! alert on "any dead letter" fires on the first one after a restart.
//!
//! The standard metrics:
//! - `newsfeed_articles_in_total` — records taken in;
//! - `newsfeed_articles_out_total` — records written on;
//! - `newsfeed_articles_rejected_total{reason}` — refused input;
//! - `newsfeed_articles_dead_lettered_total{reason}` — records sent to the dead-letter topic;
//! - `newsfeed_stage_duration_seconds{step}` — time per record, request or transaction;
//! - `newsfeed_end_to_end_seconds` — from ingest's acknowledgement to this stage's output;
//! - `newsfeed_consumer_lag{topic,partition}` — records not yet consumed;
//! - `newsfeed_kafka_transactions_total{outcome}` — `committed`, `aborted`;
//! - `newsfeed_ready` — 1 while `/readyz` answers 200, else 0 (asked at each scrape);
//! - `newsfeed_build_info{version,revision}` — always 1;
//! - `process_*` — CPU, memory, file descriptors, start time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus::core::Collector;
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};

/// Buckets for per-record work: 100 µs to 10 s.
const STAGE_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Buckets for time since ingest: 5 ms to 5 min. The shipped latency SLO
/// (`deploy/monitoring/`) counts stories under the 5 s bucket.
const E2E_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// The revision this binary was built from (`build.rs`: `NEWSFEED_REVISION`
/// at build time, else `git rev-parse`, else "unknown").
pub const REVISION: &str = env!("NEWSFEED_REVISION");

/// Label values a service knows in advance, exported at 0 from the start.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// `reason`s of `newsfeed_articles_rejected_total`.
    pub rejected: &'static [&'static str],
    /// `reason`s of `newsfeed_articles_dead_lettered_total`.
    pub dead_lettered: &'static [&'static str],
    /// `step`s of `newsfeed_stage_duration_seconds`.
    pub steps: &'static [&'static str],
    /// Whether the service writes in Kafka transactions (then both
    /// `outcome`s of `newsfeed_kafka_transactions_total` start at 0).
    pub transactional: bool,
}

/// Why the exactly-once loop dead-letters a record it cannot decode; every
/// consuming stage's [`Known::dead_lettered`] includes these.
pub const DECODE_REASONS: [&str; 3] = ["empty", "undecodable", "invalid_article"];

/// The steps the exactly-once loop times.
pub const LOOP_STEPS: [&str; 2] = ["process", "transaction"];

/// Metrics every stage exports.
#[derive(Debug)]
pub struct StageMetrics {
    /// The registry `/metrics` renders; services add their own metrics with [`StageMetrics::register`].
    pub registry: Registry,
    articles_in: IntCounter,
    articles_out: IntCounter,
    rejected: IntCounterVec,
    dead_lettered: IntCounterVec,
    stage_duration: HistogramVec,
    end_to_end: Histogram,
    consumer_lag: IntGaugeVec,
    transactions: IntCounterVec,
    ready: IntGauge,
}

impl StageMetrics {
    /// Creates and registers the metrics of `service`, with `known` label values at 0.
    pub fn new(service: &'static str, known: &Known) -> anyhow::Result<Arc<Self>> {
        let labels = HashMap::from([("service".to_owned(), service.to_owned())]);
        let registry = Registry::new_custom(None, Some(labels))?;
        let m = Self {
            articles_in: IntCounter::new("newsfeed_articles_in_total", "Articles taken in.")?,
            articles_out: IntCounter::new(
                "newsfeed_articles_out_total",
                "Articles written to the next topic.",
            )?,
            rejected: IntCounterVec::new(
                Opts::new(
                    "newsfeed_articles_rejected_total",
                    "Articles refused, by reason.",
                ),
                &["reason"],
            )?,
            dead_lettered: IntCounterVec::new(
                Opts::new(
                    "newsfeed_articles_dead_lettered_total",
                    "Records sent to the dead-letter topic, by reason.",
                ),
                &["reason"],
            )?,
            stage_duration: HistogramVec::new(
                HistogramOpts::new(
                    "newsfeed_stage_duration_seconds",
                    "Time spent on one record, request or transaction, by step.",
                )
                .buckets(STAGE_BUCKETS.to_vec()),
                &["step"],
            )?,
            end_to_end: Histogram::with_opts(
                HistogramOpts::new(
                    "newsfeed_end_to_end_seconds",
                    "Time from ingest's acknowledgement to this stage's output.",
                )
                .buckets(E2E_BUCKETS.to_vec()),
            )?,
            consumer_lag: IntGaugeVec::new(
                Opts::new(
                    "newsfeed_consumer_lag",
                    "Records behind the end of each input partition.",
                ),
                &["topic", "partition"],
            )?,
            transactions: IntCounterVec::new(
                Opts::new(
                    "newsfeed_kafka_transactions_total",
                    "Kafka transactions, by outcome.",
                ),
                &["outcome"],
            )?,
            ready: IntGauge::new(
                "newsfeed_ready",
                "1 while the service is ready (/readyz answers 200), else 0.",
            )?,
            registry,
        };
        for reason in known.rejected {
            m.rejected.with_label_values(&[reason]);
        }
        for reason in known.dead_lettered {
            m.dead_lettered.with_label_values(&[reason]);
        }
        for step in known.steps {
            m.stage_duration.with_label_values(&[step]);
        }
        if known.transactional {
            for outcome in ["committed", "aborted"] {
                m.transactions.with_label_values(&[outcome]);
            }
        }
        let build_info = IntGaugeVec::new(
            Opts::new(
                "newsfeed_build_info",
                "Always 1; the version and the revision this binary was built from.",
            ),
            &["version", "revision"],
        )?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), REVISION])
            .set(1);
        m.register(m.articles_in.clone())?;
        m.register(m.articles_out.clone())?;
        m.register(m.rejected.clone())?;
        m.register(m.dead_lettered.clone())?;
        m.register(m.stage_duration.clone())?;
        m.register(m.end_to_end.clone())?;
        m.register(m.consumer_lag.clone())?;
        m.register(m.transactions.clone())?;
        m.register(m.ready.clone())?;
        m.register(build_info)?;
        m.registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Arc::new(m))
    }

    /// Adds a service's own metric to the registry; returns it for the caller to keep.
    pub fn register<C: Collector + Clone + 'static>(&self, metric: C) -> anyhow::Result<C> {
        self.registry.register(Box::new(metric.clone()))?;
        Ok(metric)
    }

    /// An article came in.
    pub fn received(&self, n: u64) {
        self.articles_in.inc_by(n);
    }

    /// An article went out; `ingested_at` feeds the end-to-end histogram.
    pub fn emitted(&self, ingested_at: Option<DateTime<Utc>>) {
        self.articles_out.inc();
        if let Some(t) = ingested_at {
            let secs = (Utc::now() - t).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6;
            self.end_to_end.observe(secs);
        }
    }

    /// An article was refused; logged at info because it is the sender's error.
    pub fn rejected(&self, reason: &'static str, detail: &str) {
        tracing::info!(reason, detail, "article rejected");
        self.rejected.with_label_values(&[reason]).inc();
    }

    /// A record went to the dead-letter topic.
    pub fn dead_lettered(&self, reason: &'static str, detail: &str) {
        tracing::warn!(reason, detail, "record dead-lettered");
        self.dead_lettered.with_label_values(&[reason]).inc();
    }

    /// Time one step of the stage took.
    pub fn observe(&self, step: &str, took: Duration) {
        self.stage_duration
            .with_label_values(&[step])
            .observe(took.as_secs_f64());
    }

    /// This instance's consumer is `lag` records behind on `topic`/`partition`
    /// (from librdkafka's statistics).
    pub fn consumer_lag(&self, topic: &str, partition: &str, lag: i64) {
        self.consumer_lag
            .with_label_values(&[topic, partition])
            .set(lag);
    }

    /// `topic`/`partition` is no longer assigned to this instance: its lag
    /// series goes, rather than staying at its last value.
    pub fn partition_revoked(&self, topic: &str, partition: &str) {
        // An error only says the series did not exist.
        let _ = self.consumer_lag.remove_label_values(&[topic, partition]);
    }

    /// A Kafka transaction ended.
    pub fn transaction(&self, outcome: &'static str) {
        self.transactions.with_label_values(&[outcome]).inc();
    }

    /// Whether the service is ready now.
    pub fn readiness(&self, ready: bool) {
        self.ready.set(i64::from(ready));
    }

    /// The text exposition of every registered metric.
    pub fn render(&self) -> String {
        use prometheus::Encoder;
        let mut buf = Vec::new();
        // The text encoder only fails on invalid metric families, which registration rules out.
        if let Err(e) = prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "encoding metrics");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const KNOWN: Known = Known {
        rejected: &["invalid"],
        dead_lettered: &DECODE_REASONS,
        steps: &LOOP_STEPS,
        transactional: true,
    };

    #[test]
    fn known_series_start_at_zero_with_the_service_label() {
        let m = StageMetrics::new("enrich", &KNOWN).unwrap();
        let text = m.render();
        for series in [
            "newsfeed_articles_in_total{service=\"enrich\"} 0",
            "newsfeed_articles_rejected_total{reason=\"invalid\",service=\"enrich\"} 0",
            "newsfeed_articles_dead_lettered_total{reason=\"undecodable\",service=\"enrich\"} 0",
            "newsfeed_kafka_transactions_total{outcome=\"aborted\",service=\"enrich\"} 0",
            "newsfeed_stage_duration_seconds_count{service=\"enrich\",step=\"process\"} 0",
        ] {
            assert!(
                text.lines().any(|l| sorted(l) == sorted(series)),
                "{series} missing:\n{text}"
            );
        }
        assert!(text.contains("newsfeed_build_info{"), "{text}");
        assert!(text.contains("process_start_time_seconds"), "{text}");
    }

    /// The line with its labels sorted: the registry appends `service` last.
    fn sorted(line: &str) -> String {
        let Some((name, rest)) = line.split_once('{') else {
            return line.to_owned();
        };
        let (labels, value) = rest.split_once('}').unwrap();
        let mut labels: Vec<&str> = labels.split(',').collect();
        labels.sort_unstable();
        format!("{name}{{{}}}{value}", labels.join(","))
    }
}

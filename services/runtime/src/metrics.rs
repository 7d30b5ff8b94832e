//! The service's Prometheus registry and the metrics every stage exports,
//! all named `newsfeed_<service>_...`. Each observable event is one method
//! that both logs and counts, with the same labels, so call sites read
//! `metrics.rejected("invalid", &detail)` and a dashboard can be written
//! from this file alone.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
};

/// Buckets for per-record work: 100 µs to 10 s.
const STAGE_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Buckets for time since ingest: 5 ms to 5 min.
const E2E_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// Metrics every stage exports.
#[derive(Debug)]
pub struct StageMetrics {
    /// The registry `/metrics` renders; services add their own metrics to it.
    pub registry: Registry,
    service: &'static str,
    /// `newsfeed_<service>_articles_in_total`: records taken in.
    pub articles_in: IntCounter,
    /// `newsfeed_<service>_articles_out_total`: records written on.
    pub articles_out: IntCounter,
    /// `newsfeed_<service>_articles_rejected_total{reason}`: refused input.
    pub rejected: IntCounterVec,
    /// `newsfeed_<service>_articles_dead_lettered_total{reason}`: records sent to the dead-letter topic.
    pub dead_lettered: IntCounterVec,
    /// `newsfeed_<service>_stage_duration_seconds{step}`: time spent per record or request.
    pub stage_duration: HistogramVec,
    /// `newsfeed_<service>_end_to_end_seconds`: from ingest's acknowledgement to this stage's output.
    pub end_to_end: Histogram,
    /// `newsfeed_<service>_consumer_lag{topic,partition}`: records not yet consumed.
    pub consumer_lag: IntGaugeVec,
    /// `newsfeed_<service>_kafka_transactions_total{outcome}`: committed / aborted transactions.
    pub transactions: IntCounterVec,
}

impl StageMetrics {
    /// Creates and registers the metrics of `service`.
    pub fn new(service: &'static str) -> anyhow::Result<Arc<Self>> {
        let registry = Registry::new();
        let name = |n: &str| format!("newsfeed_{service}_{n}");
        let m = Self {
            articles_in: IntCounter::new(name("articles_in_total"), "Articles taken in.")?,
            articles_out: IntCounter::new(
                name("articles_out_total"),
                "Articles written to the next topic.",
            )?,
            rejected: IntCounterVec::new(
                Opts::new(
                    name("articles_rejected_total"),
                    "Articles refused, by reason.",
                ),
                &["reason"],
            )?,
            dead_lettered: IntCounterVec::new(
                Opts::new(
                    name("articles_dead_lettered_total"),
                    "Records sent to the dead-letter topic, by reason.",
                ),
                &["reason"],
            )?,
            stage_duration: HistogramVec::new(
                HistogramOpts::new(
                    name("stage_duration_seconds"),
                    "Time spent on one record or request, by step.",
                )
                .buckets(STAGE_BUCKETS.to_vec()),
                &["step"],
            )?,
            end_to_end: Histogram::with_opts(
                HistogramOpts::new(
                    name("end_to_end_seconds"),
                    "Time from ingest's acknowledgement to this stage's output.",
                )
                .buckets(E2E_BUCKETS.to_vec()),
            )?,
            consumer_lag: IntGaugeVec::new(
                Opts::new(
                    name("consumer_lag"),
                    "Records behind the end of each input partition.",
                ),
                &["topic", "partition"],
            )?,
            transactions: IntCounterVec::new(
                Opts::new(
                    name("kafka_transactions_total"),
                    "Kafka transactions, by outcome.",
                ),
                &["outcome"],
            )?,
            registry,
            service,
        };
        m.registry.register(Box::new(m.articles_in.clone()))?;
        m.registry.register(Box::new(m.articles_out.clone()))?;
        m.registry.register(Box::new(m.rejected.clone()))?;
        m.registry.register(Box::new(m.dead_lettered.clone()))?;
        m.registry.register(Box::new(m.stage_duration.clone()))?;
        m.registry.register(Box::new(m.end_to_end.clone()))?;
        m.registry.register(Box::new(m.consumer_lag.clone()))?;
        m.registry.register(Box::new(m.transactions.clone()))?;
        Ok(Arc::new(m))
    }

    /// Names a metric of this service: `newsfeed_<service>_<name>`.
    pub fn name(&self, name: &str) -> String {
        format!("newsfeed_{}_{name}", self.service)
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

    /// A Kafka transaction ended.
    pub fn transaction(&self, outcome: &'static str) {
        self.transactions.with_label_values(&[outcome]).inc();
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

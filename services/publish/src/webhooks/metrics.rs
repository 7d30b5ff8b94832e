//! What webhook delivery reports, each event logging and counting in one
//! call, registered in the service's registry:
//! - `newsfeed_publish_webhook_deliveries_total{outcome}` — `delivered`,
//!   `retried` (an attempt failed and another follows), `dead_lettered`;
//! - `newsfeed_publish_webhook_retry_queue` — deliveries waiting to retry now;
//! - `newsfeed_publish_webhook_duration_seconds` — one HTTP attempt;
//! - `newsfeed_publish_webhook_subscriptions{status}` — `active`, `disabled`.

use std::time::Duration;

use newsfeed_runtime::StageMetrics;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts};

/// 5 ms to the longest timeout allowed.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The webhook metrics.
#[derive(Debug, Clone)]
pub(crate) struct WebhookMetrics {
    deliveries: IntCounterVec,
    retry_queue: IntGauge,
    duration: Histogram,
    subscriptions: IntGaugeVec,
}

impl WebhookMetrics {
    /// Creates the metrics and registers them with the service's.
    pub(crate) fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        let m = Self {
            deliveries: IntCounterVec::new(
                Opts::new(
                    stage.name("webhook_deliveries_total"),
                    "Webhook delivery attempts' outcomes: delivered, retried, dead_lettered.",
                ),
                &["outcome"],
            )?,
            retry_queue: IntGauge::new(
                stage.name("webhook_retry_queue"),
                "Webhook deliveries waiting to be retried.",
            )?,
            duration: Histogram::with_opts(
                HistogramOpts::new(
                    stage.name("webhook_duration_seconds"),
                    "Time of one HTTP request to a subscriber.",
                )
                .buckets(BUCKETS.to_vec()),
            )?,
            subscriptions: IntGaugeVec::new(
                Opts::new(
                    stage.name("webhook_subscriptions"),
                    "Webhook subscriptions, by status.",
                ),
                &["status"],
            )?,
        };
        // Every series exists from the start, so rates and alerts see zeros.
        for outcome in ["delivered", "retried", "dead_lettered"] {
            m.deliveries.with_label_values(&[outcome]);
        }
        m.subscriptions(0, 0);
        stage.registry.register(Box::new(m.deliveries.clone()))?;
        stage.registry.register(Box::new(m.retry_queue.clone()))?;
        stage.registry.register(Box::new(m.duration.clone()))?;
        stage.registry.register(Box::new(m.subscriptions.clone()))?;
        Ok(m)
    }

    /// One HTTP attempt ended, whatever its outcome.
    pub(crate) fn attempted(&self, took: Duration) {
        self.duration.observe(took.as_secs_f64());
    }

    /// The subscriber acknowledged an event.
    pub(crate) fn delivered(&self, subscription: &str, msg_id: &str, attempts: u32) {
        tracing::debug!(subscription, msg_id, attempts, "webhook delivered");
        self.deliveries.with_label_values(&["delivered"]).inc();
    }

    /// An attempt failed; the next follows after `delay`.
    pub(crate) fn retried(&self, subscription: &str, msg_id: &str, error: &str, delay: Duration) {
        tracing::info!(
            subscription,
            msg_id,
            error,
            retry_in_ms = delay.as_millis() as u64,
            "webhook attempt failed; retrying"
        );
        self.deliveries.with_label_values(&["retried"]).inc();
    }

    /// An event ran out of retries and went to the dead-letter topic.
    pub(crate) fn dead_lettered(&self, subscription: &str, msg_id: &str, error: &str) {
        tracing::warn!(subscription, msg_id, error, "webhook dead-lettered");
        self.deliveries.with_label_values(&["dead_lettered"]).inc();
    }

    /// A delivery starts or stops waiting for its retry.
    pub(crate) fn waiting(&self, waiting: bool) {
        if waiting {
            self.retry_queue.inc();
        } else {
            self.retry_queue.dec();
        }
    }

    /// The number of subscriptions in each status.
    pub(crate) fn subscriptions(&self, active: usize, disabled: usize) {
        self.subscriptions
            .with_label_values(&["active"])
            .set(active as i64);
        self.subscriptions
            .with_label_values(&["disabled"])
            .set(disabled as i64);
    }
}

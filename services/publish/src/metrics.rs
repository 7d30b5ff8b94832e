//! Publish's metrics: the label values of the standard stage metrics it
//! knows in advance ([`KNOWN`]), and its own, one small type per part of
//! the service, each event one method that logs and counts with the same
//! labels. Every series carries `service="publish"`:
//! - `newsfeed_articles_skipped_total{reason}` — story versions not applied (`stale`);
//! - `newsfeed_stories`, `newsfeed_embargoed_stories` — the readers' store;
//! - `newsfeed_stream_clients{transport}`, `newsfeed_stream_events_sent_total{transport}`
//!   — `sse`, `ws`;
//! - `newsfeed_feed_requests_total{format,outcome}` — `json|rss|atom`,
//!   `ok|not_modified|not_found|bad_request|unavailable`;
//! - `newsfeed_webhook_deliveries_total{outcome}` — `delivered`, `retried`
//!   (an attempt failed and another follows), `dead_lettered`;
//! - `newsfeed_webhook_retry_queue` — deliveries waiting to retry now;
//! - `newsfeed_webhook_duration_seconds` — one HTTP attempt;
//! - `newsfeed_webhook_subscriptions{status}` — `active`, `disabled`.

use std::time::Duration;

use newsfeed_model::Article;
use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::metrics::{DECODE_REASONS, Known, LOOP_STEPS};
use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
};

/// The stage metrics' label values publish knows in advance.
pub const KNOWN: Known = Known {
    rejected: &[],
    // The exactly-once loop's decode reasons, and `stage`'s own.
    dead_lettered: &[
        DECODE_REASONS[0],
        DECODE_REASONS[1],
        DECODE_REASONS[2],
        "internal",
    ],
    steps: &LOOP_STEPS,
    transactional: true,
};

/// Feed formats and request outcomes, the labels of `newsfeed_feed_requests_total`.
const FEED_FORMATS: [&str; 3] = ["json", "rss", "atom"];
const FEED_OUTCOMES: [&str; 5] = [
    "ok",
    "not_modified",
    "not_found",
    "bad_request",
    "unavailable",
];
/// Stream transports.
const TRANSPORTS: [&str; 2] = ["sse", "ws"];
/// Webhook delivery outcomes.
const DELIVERY_OUTCOMES: [&str; 3] = ["delivered", "retried", "dead_lettered"];
/// 5 ms to the longest webhook timeout allowed.
const WEBHOOK_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Every publish metric beyond the stage metrics, registered in the service's registry.
#[derive(Debug, Clone)]
pub struct PublishMetrics {
    /// The stage's own decisions.
    pub stage: StageDecisions,
    /// The readers' store.
    pub view: ViewMetrics,
    /// Live streams.
    pub streams: StreamMetrics,
    /// Feed requests.
    pub feeds: FeedMetrics,
    /// Webhook deliveries and subscriptions.
    pub webhooks: WebhookMetrics,
}

impl PublishMetrics {
    /// Creates publish's metrics in `stage`'s registry.
    pub fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        Ok(Self {
            stage: StageDecisions::new(stage)?,
            view: ViewMetrics::new(stage)?,
            streams: StreamMetrics::new(stage)?,
            feeds: FeedMetrics::new(stage)?,
            webhooks: WebhookMetrics::new(stage)?,
        })
    }
}

/// What the stage decided not to apply.
#[derive(Debug, Clone)]
pub struct StageDecisions {
    skipped: IntCounterVec,
}

impl StageDecisions {
    fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        let skipped = stage.register(IntCounterVec::new(
            Opts::new(
                "newsfeed_articles_skipped_total",
                "Story versions not applied, by reason.",
            ),
            &["reason"],
        )?)?;
        skipped.with_label_values(&["stale"]);
        Ok(Self { skipped })
    }

    /// A version of `uri` not newer than what readers have was skipped, `why`.
    pub fn stale(&self, uri: &str, article: &Article, why: &str) {
        let version = article.version.as_deref().unwrap_or_default();
        let created = article.version_created.as_deref().unwrap_or_default();
        tracing::info!(%uri, version, created, reason = why, "version skipped");
        self.skipped.with_label_values(&["stale"]).inc();
    }
}

/// The size of the readers' store.
#[derive(Debug, Clone)]
pub struct ViewMetrics {
    stories: IntGauge,
    embargoed: IntGauge,
    /// Whether every commit of the story store is on disk (set by the store).
    pub on_disk: IntGauge,
}

impl ViewMetrics {
    fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        Ok(Self {
            stories: stage.register(IntGauge::new(
                "newsfeed_stories",
                "Stories known, visible or not.",
            )?)?,
            embargoed: stage.register(IntGauge::new(
                "newsfeed_embargoed_stories",
                "Story versions waiting for their embargo.",
            )?)?,
            on_disk: stage.register(IntGauge::new(
                "newsfeed_story_store_on_disk",
                "1 when every commit of the story store is on disk; 0 from one that is not until the next sync, about a second later (a crash loses only those commits, and publish reads their records from Kafka again).",
            )?)?,
        })
    }

    /// The store now holds `stories`, `embargoed` of them waiting.
    pub fn sized(&self, stories: usize, embargoed: usize) {
        self.stories.set(i64::try_from(stories).unwrap_or(i64::MAX));
        self.embargoed
            .set(i64::try_from(embargoed).unwrap_or(i64::MAX));
    }
}

/// Live stream clients and what they were sent.
#[derive(Debug, Clone)]
pub struct StreamMetrics {
    clients: IntGaugeVec,
    sent: IntCounterVec,
}

impl StreamMetrics {
    fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        let m = Self {
            clients: stage.register(IntGaugeVec::new(
                Opts::new(
                    "newsfeed_stream_clients",
                    "Connected stream clients, by transport.",
                ),
                &["transport"],
            )?)?,
            sent: stage.register(IntCounterVec::new(
                Opts::new(
                    "newsfeed_stream_events_sent_total",
                    "Events sent to stream clients, by transport.",
                ),
                &["transport"],
            )?)?,
        };
        for transport in TRANSPORTS {
            m.clients.with_label_values(&[transport]);
            m.sent.with_label_values(&[transport]);
        }
        Ok(m)
    }

    /// The gauge of connected `transport` clients.
    pub fn clients(&self, transport: &str) -> IntGauge {
        self.clients.with_label_values(&[transport])
    }

    /// The counter of events sent over `transport`.
    pub fn sent(&self, transport: &str) -> IntCounter {
        self.sent.with_label_values(&[transport])
    }
}

/// Feed requests by format and outcome.
#[derive(Debug, Clone)]
pub struct FeedMetrics {
    requests: IntCounterVec,
}

impl FeedMetrics {
    /// Registers the feed metric in `stage`'s registry.
    pub fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        let requests = stage.register(IntCounterVec::new(
            Opts::new(
                "newsfeed_feed_requests_total",
                "Feed requests, by format and outcome.",
            ),
            &["format", "outcome"],
        )?)?;
        for format in FEED_FORMATS {
            for outcome in FEED_OUTCOMES {
                requests.with_label_values(&[format, outcome]);
            }
        }
        Ok(Self { requests })
    }

    /// A feed request of `slug` in `format` ended with `outcome`.
    pub fn request(&self, format: &'static str, outcome: &'static str, slug: &str) {
        tracing::debug!(format, outcome, slug, "feed request");
        self.requests.with_label_values(&[format, outcome]).inc();
    }
}

/// What webhook delivery reports.
#[derive(Debug, Clone)]
pub struct WebhookMetrics {
    deliveries: IntCounterVec,
    retry_queue: IntGauge,
    duration: Histogram,
    subscriptions: IntGaugeVec,
}

impl WebhookMetrics {
    fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        let m = Self {
            deliveries: stage.register(IntCounterVec::new(
                Opts::new(
                    "newsfeed_webhook_deliveries_total",
                    "Webhook delivery attempts' outcomes: delivered, retried, dead_lettered.",
                ),
                &["outcome"],
            )?)?,
            retry_queue: stage.register(IntGauge::new(
                "newsfeed_webhook_retry_queue",
                "Webhook deliveries waiting to be retried.",
            )?)?,
            duration: stage.register(Histogram::with_opts(
                HistogramOpts::new(
                    "newsfeed_webhook_duration_seconds",
                    "Time of one HTTP request to a subscriber.",
                )
                .buckets(WEBHOOK_BUCKETS.to_vec()),
            )?)?,
            subscriptions: stage.register(IntGaugeVec::new(
                Opts::new(
                    "newsfeed_webhook_subscriptions",
                    "Webhook subscriptions, by status.",
                ),
                &["status"],
            )?)?,
        };
        for outcome in DELIVERY_OUTCOMES {
            m.deliveries.with_label_values(&[outcome]);
        }
        m.subscriptions(0, 0);
        Ok(m)
    }

    /// One HTTP attempt ended, whatever its outcome.
    pub fn attempted(&self, took: Duration) {
        self.duration.observe(took.as_secs_f64());
    }

    /// The subscriber acknowledged an event.
    pub fn delivered(&self, subscription: &str, msg_id: &str, attempts: u32) {
        tracing::debug!(subscription, msg_id, attempts, "webhook delivered");
        self.deliveries.with_label_values(&["delivered"]).inc();
    }

    /// An attempt failed; the next follows after `delay`.
    pub fn retried(&self, subscription: &str, msg_id: &str, error: &str, delay: Duration) {
        tracing::info!(
            subscription,
            msg_id,
            error,
            retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "webhook attempt failed; retrying"
        );
        self.deliveries.with_label_values(&["retried"]).inc();
    }

    /// An event ran out of retries and went to the dead-letter topic.
    pub fn dead_lettered(&self, subscription: &str, msg_id: &str, error: &str) {
        tracing::warn!(subscription, msg_id, error, "webhook dead-lettered");
        self.deliveries.with_label_values(&["dead_lettered"]).inc();
    }

    /// A delivery starts or stops waiting for its retry.
    pub fn waiting(&self, waiting: bool) {
        if waiting {
            self.retry_queue.inc();
        } else {
            self.retry_queue.dec();
        }
    }

    /// The number of subscriptions in each status.
    pub fn subscriptions(&self, active: usize, disabled: usize) {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.subscriptions
            .with_label_values(&["active"])
            .set(count(active));
        self.subscriptions
            .with_label_values(&["disabled"])
            .set(count(disabled));
    }
}

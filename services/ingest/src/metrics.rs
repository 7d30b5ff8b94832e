//! Ingest's metrics: the label values of the standard stage metrics it
//! knows in advance ([`KNOWN`]), and its own, each event one method that
//! logs and counts with the same labels. Every series carries
//! `service="ingest"`:
//! - `newsfeed_auth_failures_total{reason}` — requests without a valid source token;
//! - `newsfeed_rate_limited_total{source}` — requests over the source's rate;
//! - `newsfeed_source_articles_total{source}` — stories accepted per source;
//! - `newsfeed_feed_polls_total{feed}` — polls of each feed (by feed id);
//! - `newsfeed_feed_not_modified_total{feed}` — polls answered 304;
//! - `newsfeed_feed_entries_total{feed,change}` — entries written, `new` or `updated`;
//! - `newsfeed_feed_errors_total{feed,reason}` — failed polls and refused entries;
//! - `newsfeed_feed_last_success_timestamp_seconds{feed}` — the last poll that worked.

use std::sync::Arc;

use prometheus::{GaugeVec, IntCounterVec, Opts};

use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::auth::{Credentials, Source};
use newsfeed_runtime::metrics::Known;
use newsfeed_runtime::table::Table;
use tokio_util::sync::CancellationToken;

/// The stage metrics' label values ingest knows in advance.
pub const KNOWN: Known = Known {
    // The reasons `api` refuses a request with.
    rejected: &[
        "unauthorized",
        "forbidden",
        "rate_limited",
        "too_large",
        "timeout",
        "malformed",
        "invalid",
        "unsupported_media_type",
        "kafka_unavailable",
        "internal",
    ],
    dead_lettered: &[],
    steps: &["request"],
    transactional: false,
};

/// Why a request was not authenticated (label values known in advance).
const AUTH_REASONS: &[&str] = &["missing_token", "unknown_token", "credentials_not_loaded"];

/// Ingest's metrics, registered in the service's registry.
#[derive(Debug)]
pub struct IngestMetrics {
    /// `newsfeed_auth_failures_total{reason}`.
    auth_failures: IntCounterVec,
    /// `newsfeed_rate_limited_total{source}`.
    rate_limited: IntCounterVec,
    /// `newsfeed_source_articles_total{source}`.
    by_source: IntCounterVec,
}

impl IngestMetrics {
    /// Creates ingest's metrics in `stage`'s registry.
    pub fn new(stage: &StageMetrics) -> anyhow::Result<Arc<Self>> {
        let m = Self {
            auth_failures: IntCounterVec::new(
                Opts::new(
                    "newsfeed_auth_failures_total",
                    "Requests refused for want of a valid source token, by reason.",
                ),
                &["reason"],
            )?,
            rate_limited: IntCounterVec::new(
                Opts::new(
                    "newsfeed_rate_limited_total",
                    "Requests refused because the source was over its rate, by source.",
                ),
                &["source"],
            )?,
            by_source: IntCounterVec::new(
                Opts::new(
                    "newsfeed_source_articles_total",
                    "Stories accepted, by source.",
                ),
                &["source"],
            )?,
        };
        for reason in AUTH_REASONS {
            m.auth_failures.with_label_values(&[reason]);
        }
        stage.register(m.auth_failures.clone())?;
        stage.register(m.rate_limited.clone())?;
        stage.register(m.by_source.clone())?;
        Ok(Arc::new(m))
    }

    /// A request came without a valid token.
    pub fn auth_failed(&self, reason: &'static str) {
        tracing::info!(reason, "request not authenticated");
        self.auth_failures.with_label_values(&[reason]).inc();
    }

    /// `source` was over its rate.
    pub fn rate_limited(&self, source: &str) {
        tracing::info!(source, "source over its rate");
        self.rate_limited.with_label_values(&[source]).inc();
    }

    /// `n` stories of `source` were accepted.
    pub fn accepted(&self, source: &str, n: u64) {
        self.by_source.with_label_values(&[source]).inc_by(n);
    }

    /// The registered sources, as the sources table now holds them: each
    /// gets its series at 0, so its first story and first refusal show in
    /// `increase()`. A removed source's series stay (counters only grow).
    pub fn sources_known<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for source in names {
            self.rate_limited.with_label_values(&[source]);
            self.by_source.with_label_values(&[source]);
        }
    }
}

/// Keeps [`IngestMetrics::sources_known`] up to date with the sources table
/// until `shutdown`.
pub async fn follow_sources(
    table: Arc<Table<Credentials<Source>>>,
    metrics: Arc<IngestMetrics>,
    shutdown: CancellationToken,
) {
    let mut changes = table.changes();
    loop {
        let sources = table.read().all();
        metrics.sources_known(sources.iter().map(|s| s.name.as_str()));
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = changes.changed() => {
                if changed.is_err() {
                    return; // the table's tail ended
                }
            }
        }
    }
}

/// Why a feed poll failed, or an entry was refused (label values known in advance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedError {
    /// The URL is not one Newsfeed may contact (`NEWSFEED_OUTBOUND_ALLOW_NETS`).
    Refused,
    /// No answer: connection, TLS or timeout.
    Unreachable,
    /// An answer other than 200 or 304.
    Status,
    /// A body over `NEWSFEED_FEEDS_MAX_BYTES`.
    TooLarge,
    /// Not a feed Newsfeed reads.
    Malformed,
    /// An entry that is not a valid story (or outside the source's uri prefixes).
    InvalidEntry,
    /// The feed's source is not registered.
    UnknownSource,
    /// Over the source's rate: the rest waits for the next poll.
    RateLimited,
    /// Kafka did not take the stories.
    Kafka,
}

impl FeedError {
    /// Every reason.
    pub const ALL: [Self; 9] = [
        Self::Refused,
        Self::Unreachable,
        Self::Status,
        Self::TooLarge,
        Self::Malformed,
        Self::InvalidEntry,
        Self::UnknownSource,
        Self::RateLimited,
        Self::Kafka,
    ];

    /// The metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refused => "refused",
            Self::Unreachable => "unreachable",
            Self::Status => "status",
            Self::TooLarge => "too_large",
            Self::Malformed => "malformed",
            Self::InvalidEntry => "invalid_entry",
            Self::UnknownSource => "unknown_source",
            Self::RateLimited => "rate_limited",
            Self::Kafka => "kafka",
        }
    }
}

/// Per-feed metrics, labelled by feed id.
#[derive(Debug)]
pub struct FeedMetrics {
    polls: IntCounterVec,
    not_modified: IntCounterVec,
    entries: IntCounterVec,
    errors: IntCounterVec,
    last_success: GaugeVec,
}

impl FeedMetrics {
    /// Creates the feed metrics in `stage`'s registry.
    pub fn new(stage: &StageMetrics) -> anyhow::Result<Arc<Self>> {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            IntCounterVec::new(Opts::new(name, help), labels)
        };
        let m = Self {
            polls: counter(
                "newsfeed_feed_polls_total",
                "Polls of each feed.",
                &["feed"],
            )?,
            not_modified: counter(
                "newsfeed_feed_not_modified_total",
                "Polls of each feed answered 304 Not Modified.",
                &["feed"],
            )?,
            entries: counter(
                "newsfeed_feed_entries_total",
                "Feed entries written as stories, new or updated.",
                &["feed", "change"],
            )?,
            errors: counter(
                "newsfeed_feed_errors_total",
                "Failed feed polls and refused entries, by reason.",
                &["feed", "reason"],
            )?,
            last_success: GaugeVec::new(
                Opts::new(
                    "newsfeed_feed_last_success_timestamp_seconds",
                    "Unix time of each feed's last successful poll.",
                ),
                &["feed"],
            )?,
        };
        stage.register(m.polls.clone())?;
        stage.register(m.not_modified.clone())?;
        stage.register(m.entries.clone())?;
        stage.register(m.errors.clone())?;
        stage.register(m.last_success.clone())?;
        Ok(Arc::new(m))
    }

    /// This instance polls `feed` now: its series start at 0.
    pub fn feed_known(&self, feed: &str) {
        self.polls.with_label_values(&[feed]);
        self.not_modified.with_label_values(&[feed]);
        for change in ["new", "updated"] {
            self.entries.with_label_values(&[feed, change]);
        }
        for reason in FeedError::ALL {
            self.errors.with_label_values(&[feed, reason.as_str()]);
        }
    }

    /// This instance no longer polls `feed` (removed, or moved to another
    /// instance): its series go, so feeds that come and go over the years
    /// do not pile up series here.
    pub fn feed_gone(&self, feed: &str) {
        let _ = self.polls.remove_label_values(&[feed]);
        let _ = self.not_modified.remove_label_values(&[feed]);
        let _ = self.last_success.remove_label_values(&[feed]);
        for change in ["new", "updated"] {
            let _ = self.entries.remove_label_values(&[feed, change]);
        }
        for reason in FeedError::ALL {
            let _ = self.errors.remove_label_values(&[feed, reason.as_str()]);
        }
    }

    /// `feed` was polled.
    pub fn polled(&self, feed: &str) {
        self.polls.with_label_values(&[feed]).inc();
    }

    /// `feed` answered 304.
    pub fn not_modified(&self, feed: &str) {
        self.not_modified.with_label_values(&[feed]).inc();
    }

    /// `new` and `updated` entries of `feed` were written.
    pub fn written(&self, feed: &str, new: u64, updated: u64) {
        self.entries.with_label_values(&[feed, "new"]).inc_by(new);
        self.entries
            .with_label_values(&[feed, "updated"])
            .inc_by(updated);
    }

    /// A poll of `feed` worked (fetched or not modified).
    pub fn succeeded(&self, feed: &str) {
        let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
        self.last_success.with_label_values(&[feed]).set(now);
    }

    /// A poll of `feed` failed, or `n` of its entries were refused: one
    /// warning line with the reason, the URL redacted.
    pub fn failed(&self, feed: &str, url: &str, reason: FeedError, n: u64, detail: &str) {
        tracing::warn!(
            feed,
            url,
            reason = reason.as_str(),
            detail,
            "feed poll failed"
        );
        self.errors
            .with_label_values(&[feed, reason.as_str()])
            .inc_by(n);
    }
}

//! Ingest's metrics: the label values of the standard stage metrics it
//! knows in advance ([`KNOWN`]), and its own, each event one method that
//! logs and counts with the same labels. Every series carries
//! `service="ingest"`:
//! - `newsfeed_auth_failures_total{reason}` — requests without a valid source token;
//! - `newsfeed_rate_limited_total{source}` — requests over the source's rate;
//! - `newsfeed_source_articles_total{source}` — stories accepted per source.

use std::sync::Arc;

use prometheus::{IntCounterVec, Opts};

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

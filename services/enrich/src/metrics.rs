//! Enrich's metrics: the label values of the standard stage metrics it knows
//! in advance ([`KNOWN`]), and its own, each event one method that logs and
//! counts with the same labels. Every series carries `service="enrich"`:
//! - `newsfeed_taxonomy_reloads_total{outcome}` — `ok`, `invalid`;
//! - `newsfeed_taxonomy_last_reload_successful` — 0 while the taxonomy file
//!   on disk is invalid (the previous taxonomy keeps serving), else 1.

use std::path::Path;

use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::exactly_once::PANICKED;
use newsfeed_runtime::metrics::{DECODE_REASONS, Known, LOOP_STEPS};
use prometheus::{IntCounterVec, IntGauge, Opts};

/// The stage metrics' label values enrich knows in advance.
pub const KNOWN: Known = Known {
    rejected: &[],
    // The exactly-once loop's decode reasons and panics, and `stage`'s own.
    dead_lettered: &[
        DECODE_REASONS[0],
        DECODE_REASONS[1],
        DECODE_REASONS[2],
        PANICKED,
        "unencodable",
    ],
    steps: &[LOOP_STEPS[0], LOOP_STEPS[1], "tag"],
    transactional: true,
};

/// Enrich's own metrics, registered in the service's registry.
#[derive(Debug, Clone)]
pub struct EnrichMetrics {
    reloads: IntCounterVec,
    last_reload_ok: IntGauge,
}

impl EnrichMetrics {
    /// Creates enrich's metrics in `stage`'s registry.
    pub fn new(stage: &StageMetrics) -> anyhow::Result<Self> {
        let reloads = stage.register(IntCounterVec::new(
            Opts::new(
                "newsfeed_taxonomy_reloads_total",
                "Taxonomy file reloads, by outcome (ok, invalid).",
            ),
            &["outcome"],
        )?)?;
        for outcome in ["ok", "invalid"] {
            reloads.with_label_values(&[outcome]);
        }
        let last_reload_ok = stage.register(IntGauge::new(
            "newsfeed_taxonomy_last_reload_successful",
            "0 while the taxonomy file is invalid and the previous taxonomy serves, else 1.",
        )?)?;
        last_reload_ok.set(1);
        Ok(Self {
            reloads,
            last_reload_ok,
        })
    }

    /// A changed taxonomy file was loaded and swapped in.
    pub fn taxonomy_reloaded(&self, path: &Path, version: &str) {
        tracing::info!(path = %path.display(), version, "taxonomy reloaded");
        self.last_reload_ok.set(1);
        self.reloads.with_label_values(&["ok"]).inc();
    }

    /// A changed taxonomy file was invalid; the previous taxonomy keeps serving.
    pub fn taxonomy_invalid(&self, path: &Path, error: &str) {
        tracing::error!(path = %path.display(), error, "taxonomy file invalid; keeping the previous taxonomy");
        self.last_reload_ok.set(0);
        self.reloads.with_label_values(&["invalid"]).inc();
    }
}

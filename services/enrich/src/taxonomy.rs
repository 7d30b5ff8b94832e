//! The taxonomy in use, and hot reload: when the editors' file changes, the
//! new taxonomy is compiled aside and swapped in atomically. Stories already
//! being tagged finish with the tagger they started with; an invalid file is
//! logged, counted, and the old taxonomy keeps serving.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use newsfeed_runtime::StageMetrics;
use newsfeed_tagging::{Tagger, Taxonomy};
use prometheus::IntCounterVec;
use tokio_util::sync::CancellationToken;

/// The tagger in use, swappable while stories flow.
#[derive(Debug, Clone)]
pub struct SharedTagger {
    current: Arc<RwLock<Arc<Tagger>>>,
    reloads: IntCounterVec,
}

impl SharedTagger {
    /// Loads `path`, or the shipped taxonomy when `None`; registers the reload metric.
    pub fn load(path: Option<&Path>, metrics: &StageMetrics) -> anyhow::Result<Self> {
        let tagger = Tagger::new(load_taxonomy(path)?);
        tracing::info!(version = tagger.taxonomy_version(), "taxonomy loaded");
        let reloads = IntCounterVec::new(
            prometheus::Opts::new(
                metrics.name("taxonomy_reloads_total"),
                "Taxonomy file reloads, by outcome (ok, invalid).",
            ),
            &["outcome"],
        )?;
        metrics.registry.register(Box::new(reloads.clone()))?;
        Ok(Self {
            current: Arc::new(RwLock::new(Arc::new(tagger))),
            reloads,
        })
    }

    /// The tagger to use for the next story.
    pub fn get(&self) -> Arc<Tagger> {
        match self.current.read() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn swap(&self, tagger: Tagger) {
        let tagger = Arc::new(tagger);
        match self.current.write() {
            Ok(mut t) => *t = tagger,
            Err(poisoned) => *poisoned.into_inner() = tagger,
        }
    }
}

/// Reads a taxonomy file, or the shipped one.
pub fn load_taxonomy(path: Option<&Path>) -> anyhow::Result<Taxonomy> {
    match path {
        Some(p) => Taxonomy::load(p)
            .with_context(|| format!("NEWSFEED_TAXONOMY: cannot use `{}`", p.display())),
        None => Taxonomy::default_taxonomy().context("the shipped taxonomy is invalid"),
    }
}

/// Polls `path` every `every` and swaps in a changed, valid taxonomy.
pub async fn watch(
    path: PathBuf,
    shared: SharedTagger,
    every: Duration,
    shutdown: CancellationToken,
) {
    let mut seen = stamp(&path);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let now = stamp(&path);
        if now == seen {
            continue;
        }
        seen = now;
        let p = path.clone();
        // Compiling a large taxonomy takes a while; keep it off the executor.
        let loaded = tokio::task::spawn_blocking(move || Taxonomy::load(&p).map(Tagger::new)).await;
        match loaded {
            Ok(Ok(tagger)) => {
                tracing::info!(path = %path.display(), version = tagger.taxonomy_version(), "taxonomy reloaded");
                shared.swap(tagger);
                shared.reloads.with_label_values(&["ok"]).inc();
            }
            Ok(Err(e)) => {
                tracing::error!(path = %path.display(), error = %e, "taxonomy file invalid; keeping the previous taxonomy");
                shared.reloads.with_label_values(&["invalid"]).inc();
            }
            Err(e) => tracing::error!(error = %e, "taxonomy reload task failed"),
        }
    }
}

/// What identifies a version of the file: modification time and length.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

//! The taxonomy in use, and hot reload: when the editors' file changes, the
//! new taxonomy is compiled aside and swapped in atomically. Stories already
//! being tagged finish with the tagger they started with; an invalid file is
//! logged, counted, and the old taxonomy keeps serving.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::Context;

use crate::metrics::EnrichMetrics;
use newsfeed_tagging::{Tagger, Taxonomy};
use tokio_util::sync::CancellationToken;

/// The tagger in use, swappable while stories flow.
#[derive(Debug, Clone)]
pub struct SharedTagger {
    current: Arc<RwLock<Arc<Tagger>>>,
    metrics: EnrichMetrics,
}

impl SharedTagger {
    /// Loads `path`, or the shipped taxonomy when `None`; reloads report to `metrics`.
    pub fn load(path: Option<&Path>, metrics: EnrichMetrics) -> anyhow::Result<Self> {
        let tagger = Tagger::new(load_taxonomy(path)?);
        tracing::info!(version = tagger.taxonomy_version(), "taxonomy loaded");
        Ok(Self {
            current: Arc::new(RwLock::new(Arc::new(tagger))),
            metrics,
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
                let version = tagger.taxonomy_version().to_owned();
                shared.swap(tagger);
                shared.metrics.taxonomy_reloaded(&path, &version);
            }
            Ok(Err(e)) => shared.metrics.taxonomy_invalid(&path, &e.to_string()),
            Err(e) => tracing::error!(error = %e, "taxonomy reload task failed"),
        }
    }
}

/// What identifies a version of the file: modification time and length.
fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

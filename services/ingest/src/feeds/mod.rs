//! Feeds as sources: ingest polls the RSS 2.0, Atom 1.0, JSON Feed 1.1 and
//! ninjs-over-HTTP feeds operators register with `newsfeedctl feeds add`,
//! and writes their entries as stories of the feed's source.
//! - [`assignment`] — which feeds this instance polls (a consumer group
//!   on `<prefix>ingest.feeds`: one instance per feed, taken over on stop).
//! - [`poller`] — one tokio task per feed: conditional GET, bounded read,
//!   entries to stories, status and metrics.
//! - [`convert`] — feeds and ninjs to documents, without I/O.

pub mod assignment;
pub mod convert;
pub mod poller;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use newsfeed_runtime::feeds::FeedDefinition;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::assignment::Assigned;
use self::poller::{Memory, Shared};

/// How long the memory of a feed that left this instance is kept, in case
/// a rebalance hands it back (an eager rebalance revokes every partition
/// and assigns most of them again moments later).
const KEEP_MEMORY: Duration = Duration::from_secs(300);

/// A running poller.
type Running = (FeedDefinition, CancellationToken, JoinHandle<Memory>);

/// Runs a poller for each feed assigned here, starting and stopping them as
/// the assignment changes, until `shutdown`; then waits for them to end.
pub async fn supervise(
    shared: Arc<Shared>,
    mut assigned: watch::Receiver<Assigned>,
    shutdown: CancellationToken,
) {
    let mut running: HashMap<String, Running> = HashMap::new();
    let mut kept: HashMap<String, (Instant, Memory)> = HashMap::new();
    loop {
        let want = assigned.borrow_and_update().clone();
        let gone: Vec<String> = running
            .iter()
            .filter(|(id, (feed, _, _))| want.get(*id) != Some(feed))
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            if let Some((_, stop, task)) = running.remove(&id) {
                stop.cancel();
                // Kept also when only the interval or source changed: the
                // id is the URL's, so the entries are the same.
                if let Ok(memory) = task.await {
                    kept.insert(id, (Instant::now(), memory));
                }
            }
        }
        kept.retain(|_, (since, _)| since.elapsed() < KEEP_MEMORY);
        for (id, feed) in want {
            if running.contains_key(&id) {
                continue;
            }
            let memory = kept.remove(&id).map(|(_, m)| m).unwrap_or_default();
            let stop = shutdown.child_token();
            let task = tokio::spawn(poller::run(
                shared.clone(),
                feed.clone(),
                memory,
                stop.clone(),
            ));
            running.insert(id, (feed, stop, task));
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            changed = assigned.changed() => if changed.is_err() { break },
        }
    }
    for (_, (_, stop, task)) in running {
        stop.cancel();
        let _ = task.await;
    }
}

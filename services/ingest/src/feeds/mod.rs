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

use newsfeed_runtime::feeds::FeedDefinition;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::assignment::Assigned;
use self::poller::Shared;

/// Runs a poller for each feed assigned here, starting and stopping them as
/// the assignment changes, until `shutdown`; then waits for them to end.
pub async fn supervise(
    shared: Arc<Shared>,
    mut assigned: watch::Receiver<Assigned>,
    shutdown: CancellationToken,
) {
    let mut running: HashMap<String, (FeedDefinition, CancellationToken, JoinHandle<()>)> =
        HashMap::new();
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
                let _ = task.await;
            }
        }
        for (id, feed) in want {
            running.entry(id).or_insert_with(|| {
                let stop = shutdown.child_token();
                let task = tokio::spawn(poller::run(shared.clone(), feed.clone(), stop.clone()));
                (feed, stop, task)
            });
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

//! The story view: every publish instance tails the compacted state and
//! embargo topics — all partitions, whoever decided them — into its
//! [`Store`] on disk, on the runtime's [`Tail`]. Each batch of records is
//! written with the offsets it reaches, so a restart resumes from there
//! instead of replaying history; a store whose offsets the topics no longer
//! have (recreated, truncated) is reset and rebuilt. The read API, feeds and
//! the stage all read the one store; `/readyz` waits for the catch-up.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use newsfeed_model::ArticleEvent;
use newsfeed_runtime::Topics;
use newsfeed_runtime::http::ReadinessCheck;
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::tail::{Follower, PartitionRange, Positions, Tail};
use rdkafka::Offset;
use rdkafka::message::{BorrowedMessage, Message};
use tokio_util::sync::CancellationToken;

use crate::metrics::ViewMetrics;
use crate::store::{Change, Store};

/// Stories taken out of lists per prune transaction.
const PRUNE_BATCH: usize = 1_000;
/// How often retention is enforced when there is nothing left to prune.
const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// The change one record of the state or embargo topic makes.
pub fn change_of(topics: &Topics, m: &BorrowedMessage<'_>) -> Option<Change> {
    let event = match m.payload().map(serde_json::from_slice::<ArticleEvent>) {
        Some(Ok(event)) => Some(event),
        Some(Err(e)) => {
            tracing::warn!(topic = m.topic(), offset = m.offset(), error = %e, "skipping unreadable state record");
            return None;
        }
        None => None,
    };
    match (m.topic() == topics.publish_embargoes, event) {
        (false, Some(event)) => Some(Change::Applied(event)),
        (true, Some(event)) => Some(Change::Embargoed(event, m.partition())),
        (true, None) => Some(Change::EmbargoCleared(
            String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
        )),
        (false, None) => None,
    }
}

/// The tail feeding the shared store.
#[derive(Debug)]
pub struct StateView {
    tail: Tail,
}

impl StateView {
    /// Starts tailing the state and embargo topics into `store`.
    pub fn start(
        clients: &KafkaClients,
        topics: Topics,
        store: Arc<Store>,
        metrics: ViewMetrics,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let names = vec![
            topics.publish_state.clone(),
            topics.publish_embargoes.clone(),
        ];
        let follower = StoreFollower {
            store,
            topics,
            metrics,
            started: Instant::now(),
            next_prune: Instant::now(),
            checkpoint: Positions::new(),
        };
        let tail = Tail::start(clients, "publish-state", names, follower, shutdown)?;
        Ok(Self { tail })
    }

    /// Ready once the store has caught up with what the topics held at start.
    pub fn readiness(&self) -> ReadinessCheck {
        let flag = self.tail.caught_up_flag();
        Arc::new(move || {
            if flag.load(Ordering::Acquire) {
                Ok(())
            } else {
                Err("catching the story store up with Kafka".to_owned())
            }
        })
    }

    /// Waits for the tail to end (at shutdown).
    pub async fn join(self) {
        self.tail.join().await;
    }
}

struct StoreFollower {
    store: Arc<Store>,
    topics: Topics,
    metrics: ViewMetrics,
    started: Instant,
    next_prune: Instant,
    /// The positions last written with the records.
    checkpoint: Positions,
}

impl StoreFollower {
    /// Updates the size gauges; returns the number of stories.
    fn count(&self) -> u64 {
        let Ok((stories, embargoed)) = self.store.sizes() else {
            return 0;
        };
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        self.metrics.sized(size(stories), size(embargoed));
        stories
    }
}

impl Follower for StoreFollower {
    fn start(&mut self, partitions: &[PartitionRange]) -> anyhow::Result<Vec<Offset>> {
        let saved = self.store.offsets()?;
        match resume_from(&saved, partitions) {
            Ok(starts) => {
                let resumed = starts
                    .iter()
                    .filter(|s| matches!(s, Offset::Offset(_)))
                    .count();
                tracing::info!(
                    resumed,
                    partitions = partitions.len(),
                    "story store opened at its checkpoint"
                );
                Ok(starts)
            }
            Err(r) => {
                tracing::warn!(
                    topic = %r.topic,
                    partition = r.partition,
                    checkpoint = saved.get(&(r.topic.clone(), r.partition)).copied(),
                    low = r.low,
                    high = r.high,
                    "story store is at an offset the topic does not have (recreated or truncated): rebuilding it from Kafka"
                );
                self.store.reset()?;
                self.checkpoint.clear();
                Ok(vec![Offset::Beginning; partitions.len()])
            }
        }
    }

    fn apply(
        &mut self,
        batch: &[BorrowedMessage<'_>],
        positions: &Positions,
    ) -> anyhow::Result<()> {
        let changes: Vec<Change> = batch
            .iter()
            .filter_map(|m| change_of(&self.topics, m))
            .collect();
        // Not written: the tail reopens at the checkpoint and reads it again.
        self.store
            .commit(changes, positions)
            .context("writing to the story store")?;
        self.checkpoint = positions.clone();
        self.count();
        Ok(())
    }

    fn caught_up(&mut self) {
        let stories = self.count();
        tracing::info!(
            stories,
            took_ms = self.started.elapsed().as_millis() as u64,
            "story store caught up with Kafka"
        );
    }

    fn tick(&mut self, positions: &Positions) {
        if let Err(e) = self.store.sync_if_due() {
            tracing::warn!(error = format!("{e:#}"), "syncing the story store");
        }
        // Past transaction markers: nothing to apply, but the checkpoint moves.
        if positions
            .iter()
            .any(|(k, o)| self.checkpoint.get(k) != Some(o))
        {
            match self.store.commit([], positions) {
                Ok(()) => self.checkpoint = positions.clone(),
                Err(e) => tracing::error!(error = format!("{e:#}"), "writing to the story store"),
            }
        }
        if Instant::now() < self.next_prune {
            return;
        }
        // One bounded batch per tick, so records keep flowing meanwhile.
        let pruned = self.store.prune(Utc::now(), PRUNE_BATCH);
        self.next_prune = match pruned {
            Ok(n) if n >= PRUNE_BATCH => Instant::now(),
            Ok(_) => Instant::now() + PRUNE_EVERY,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "pruning the story store");
                Instant::now() + PRUNE_EVERY
            }
        };
    }
}

/// Where to read each partition from: its checkpoint in `saved`, or the
/// beginning when it has none; the partition whose checkpoint lies outside
/// what the topic holds (so the store cannot be trusted) as the error.
pub fn resume_from<'a>(
    saved: &Positions,
    partitions: &'a [PartitionRange],
) -> Result<Vec<Offset>, &'a PartitionRange> {
    partitions
        .iter()
        .map(|r| match saved.get(&(r.topic.clone(), r.partition)) {
            Some(next) if *next < r.low || *next > r.high => Err(r),
            Some(next) => Ok(Offset::Offset(*next)),
            None => Ok(Offset::Beginning),
        })
        .collect()
}

/// Waits until `store` reflects the state and embargo topics up to where
/// `partitions` of them end now: every decision committed before this call.
pub fn wait_caught_up(
    clients: &KafkaClients,
    topics: &Topics,
    store: &Store,
    partitions: &[i32],
    deadline: Duration,
) -> anyhow::Result<()> {
    let reader = clients.reader()?;
    let timeout = clients.args().timeout();
    let mut ends = Vec::new();
    for topic in [&topics.publish_state, &topics.publish_embargoes] {
        for p in partitions {
            let (low, high) = newsfeed_runtime::kafka::watermarks(&reader, topic, *p, timeout)?;
            if high > low {
                ends.push(((topic.clone(), *p), high));
            }
        }
    }
    let give_up = Instant::now() + deadline;
    loop {
        let at = store.offsets()?;
        if ends
            .iter()
            .all(|(k, end)| at.get(k).is_some_and(|o| *o >= *end))
        {
            return Ok(());
        }
        if Instant::now() > give_up {
            bail!(
                "the story store did not catch up with partitions {partitions:?} within {deadline:?}"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(partition: i32, low: i64, high: i64) -> PartitionRange {
        PartitionRange {
            topic: "state".into(),
            partition,
            low,
            high,
        }
    }

    #[test]
    fn a_store_resumes_from_its_checkpoint_unless_the_topic_lost_it() {
        let saved = Positions::from([(("state".to_owned(), 0), 40), (("state".to_owned(), 1), 7)]);
        let parts = [range(0, 0, 50), range(1, 0, 7), range(2, 0, 9)];
        assert_eq!(
            resume_from(&saved, &parts),
            Ok(vec![
                Offset::Offset(40),
                Offset::Offset(7),
                Offset::Beginning
            ])
        );
        // Recreated (fewer records than the checkpoint) or truncated (records
        // deleted past it): rebuild.
        let recreated = [range(0, 0, 12), range(1, 0, 7)];
        assert_eq!(resume_from(&saved, &recreated), Err(&recreated[0]));
        let truncated = [range(0, 0, 50), range(1, 8, 9)];
        assert_eq!(resume_from(&saved, &truncated), Err(&truncated[1]));
    }
}

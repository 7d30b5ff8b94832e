//! Which subscriptions this instance delivers, and where each stands.
//!
//! Progress lives in the compacted `<prefix>publish.webhook-offsets` topic,
//! like a Kafka Streams changelog: key = subscription id, value = the next
//! offset per partition of the published topic, written after every event
//! the subscriber acknowledged or that was dead-lettered. Each subscription
//! belongs to one partition of that topic (a stable hash of its id), and
//! the instances of publish share those partitions as one consumer group
//! (`<prefix>publish.webhooks`): the instance assigned a partition delivers
//! its subscriptions, so each subscription has exactly one deliverer at a
//! time, and a new owner first reads the partition to its end (restoring
//! where every subscription stood) before delivering.
//!
//! Before a partition is taken away, the rebalance waits until this
//! instance's deliveries of it have stopped and their progress is written,
//! so the next owner continues where they ended. After a kill -9 the last
//! progress records may be lost: those events are sent again (with the
//! same `webhook-id`), never skipped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use newsfeed_runtime::kafka::{KafkaClients, partitions, watermarks};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::statistics::Statistics;
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// How long a rebalance waits for this instance to stop delivering the
/// subscriptions it gives up (an HTTP request in flight ends first).
const STOP_WITHIN: Duration = Duration::from_secs(30);

/// Subscription id → next offset per partition of the published topic.
pub(crate) type Progress = BTreeMap<i32, i64>;

/// Partitions taken from this instance: stop their deliveries, write their
/// progress, then answer on `done`.
#[derive(Debug)]
pub(crate) struct Revoked {
    /// Partitions of the offsets topic.
    pub(crate) partitions: Vec<i32>,
    /// Answered once their deliveries stopped.
    pub(crate) done: std::sync::mpsc::Sender<()>,
}

#[derive(Debug, Default)]
struct State {
    /// Partitions of the offsets topic; 0 until known.
    partitions: i32,
    /// Assigned, being read to the end they had when assigned (`None`: not
    /// asked yet).
    restoring: HashMap<i32, Option<i64>>,
    /// Assigned and restored: their subscriptions are delivered here.
    owned: BTreeSet<i32>,
    progress: HashMap<String, Progress>,
}

#[derive(Debug)]
struct Shared {
    topic: String,
    state: Mutex<State>,
    changes: watch::Sender<u64>,
    revoked: mpsc::UnboundedSender<Revoked>,
    shutdown: CancellationToken,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// This instance's share of the subscriptions.
#[derive(Debug)]
pub(crate) struct Ownership {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Ownership {
    /// Joins the group on `topic` (on a thread of its own, once the topic
    /// exists) until `shutdown`; partitions taken away arrive on the receiver.
    pub(crate) fn start(
        clients: &KafkaClients,
        topic: String,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<(Arc<Self>, mpsc::UnboundedReceiver<Revoked>)> {
        let (revoked, revocations) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            topic,
            state: Mutex::default(),
            changes: watch::Sender::new(0),
            revoked,
            shutdown: shutdown.clone(),
        });
        let (s, c) = (shared.clone(), clients.clone());
        let thread = std::thread::Builder::new()
            .name("webhook-owner".into())
            .spawn(move || run(&s, &c))
            .context("starting the webhook ownership thread")?;
        let ownership = Arc::new(Self {
            shared,
            thread: Mutex::new(Some(thread)),
        });
        Ok((ownership, revocations))
    }

    /// The offsets topic.
    pub(crate) fn topic(&self) -> &str {
        &self.shared.topic
    }

    /// The partition of the offsets topic `id` belongs to, once known.
    pub(crate) fn partition_of(&self, id: &str) -> Option<i32> {
        let partitions = self.shared.lock().partitions;
        (partitions > 0).then(|| partition_of(id, partitions))
    }

    /// True while this instance delivers `id`.
    pub(crate) fn owns(&self, id: &str) -> bool {
        let state = self.shared.lock();
        state.partitions > 0 && state.owned.contains(&partition_of(id, state.partitions))
    }

    /// The progress last written for `id`.
    pub(crate) fn progress(&self, id: &str) -> Option<Progress> {
        self.shared.lock().progress.get(id).cloned()
    }

    /// Bumped when partitions are taken over.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// Waits for the group thread to end (it ends at shutdown; blocking).
    pub(crate) fn join(&self) {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// A stable hash of the id (FNV-1a), so every instance and every version
/// agrees on where a subscription's progress lives.
pub(crate) fn partition_of(id: &str, partitions: i32) -> i32 {
    let hash = id.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    i32::try_from(hash % partitions.max(1).unsigned_abs()).unwrap_or(0)
}

/// The group member's context: rebalances stop and start deliveries.
struct Rebalances(Arc<Shared>);

impl ClientContext for Rebalances {
    // No statistics consumer here; librdkafka's own are not wanted in logs.
    fn stats(&self, _: Statistics) {}
    fn stats_raw(&self, _: &[u8]) {}
}

impl ConsumerContext for Rebalances {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(tpl) = rebalance else {
            return;
        };
        let partitions = partitions_in(tpl, &self.0.topic);
        {
            let mut state = self.0.lock();
            for p in &partitions {
                state.owned.remove(p);
                state.restoring.remove(p);
            }
        }
        tracing::info!(?partitions, "webhook subscriptions given up");
        if self.0.shutdown.is_cancelled() {
            return; // the supervisor stops everything itself
        }
        let (done, stopped) = std::sync::mpsc::channel();
        if self.0.revoked.send(Revoked { partitions, done }).is_ok()
            && stopped.recv_timeout(STOP_WITHIN).is_err()
        {
            tracing::warn!("webhook deliveries did not stop in time for a rebalance");
        }
    }

    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            let partitions = partitions_in(tpl, &self.0.topic);
            let mut state = self.0.lock();
            for p in partitions {
                state.restoring.insert(p, None);
            }
        }
    }
}

fn partitions_in(tpl: &TopicPartitionList, topic: &str) -> Vec<i32> {
    tpl.elements_for_topic(topic)
        .iter()
        .map(|e| e.partition())
        .collect()
}

fn run(shared: &Arc<Shared>, clients: &KafkaClients) {
    let mut backoff = Duration::from_millis(250);
    let consumer = loop {
        match join_group(shared, clients) {
            Ok(c) => break c,
            Err(e) if shared.shutdown.is_cancelled() => {
                return tracing::debug!(error = %e, "webhook group not joined");
            }
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    "joining the webhook group failed; retrying"
                );
            }
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_secs(5));
    };
    let timeout = clients.args().timeout();
    while !shared.shutdown.is_cancelled() {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => apply(shared, &m),
            Some(Err(e)) => tracing::warn!(error = %e, "webhook group consumer error"),
            None => {}
        }
        restore(shared, &consumer, timeout);
    }
}

/// A member of the group, subscribed once the topic exists.
fn join_group(
    shared: &Arc<Shared>,
    clients: &KafkaClients,
) -> anyhow::Result<BaseConsumer<Rebalances>> {
    let consumer = clients.consumer(".webhooks", Rebalances(shared.clone()))?;
    let partitions = partitions(consumer.client(), &shared.topic, clients.args().timeout())?;
    shared.lock().partitions = i32::try_from(partitions.len())?;
    consumer.subscribe(&[&shared.topic])?;
    Ok(consumer)
}

/// Records a subscription's progress (a tombstone forgets it).
fn apply(shared: &Shared, m: &BorrowedMessage<'_>) {
    let Some(Ok(id)) = m.key().map(std::str::from_utf8) else {
        return;
    };
    let mut state = shared.lock();
    match m.payload().map(serde_json::from_slice::<Progress>) {
        None => {
            state.progress.remove(id);
        }
        Some(Ok(progress)) => {
            state.progress.insert(id.to_owned(), progress);
        }
        Some(Err(e)) => {
            tracing::warn!(subscription = id, error = %e, "skipping an unreadable webhook progress record");
        }
    }
}

/// Moves assigned partitions read to their end into `owned`.
fn restore(shared: &Shared, consumer: &BaseConsumer<Rebalances>, timeout: Duration) {
    let pending: Vec<(i32, Option<i64>)> = shared
        .lock()
        .restoring
        .iter()
        .map(|(p, end)| (*p, *end))
        .collect();
    if pending.is_empty() {
        return;
    }
    let position = consumer.position().ok();
    let mut restored = Vec::new();
    for (p, end) in pending {
        let end = match end {
            Some(end) => end,
            None => match watermarks(consumer, &shared.topic, p, timeout) {
                Ok((low, high)) if high <= low => {
                    restored.push(p);
                    continue;
                }
                Ok((_, high)) => {
                    shared.lock().restoring.insert(p, Some(high));
                    high
                }
                Err(e) => {
                    tracing::warn!(error = %e, partition = p, "reading the webhook offsets' end failed");
                    continue;
                }
            },
        };
        let at = position
            .as_ref()
            .and_then(|tpl| tpl.find_partition(&shared.topic, p))
            .map(|e| e.offset());
        if matches!(at, Some(Offset::Offset(o)) if o >= end) {
            restored.push(p);
        }
    }
    if restored.is_empty() {
        return;
    }
    {
        let mut state = shared.lock();
        for p in &restored {
            // Still assigned: a revoke may have come meanwhile.
            if state.restoring.remove(p).is_some() {
                state.owned.insert(*p);
            }
        }
    }
    tracing::info!(partitions = ?restored, "webhook subscriptions taken over");
    shared.changes.send_modify(|n| *n += 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_always_lands_in_the_same_partition() {
        let ids: Vec<String> = (0..1000).map(|i| format!("sub_{i:032x}")).collect();
        let mut counts = [0; 3];
        for id in &ids {
            let p = partition_of(id, 3);
            assert_eq!(p, partition_of(id, 3));
            counts[usize::try_from(p).unwrap()] += 1;
        }
        assert!(counts.iter().all(|c| *c > 250), "spread: {counts:?}");
        assert_eq!(partition_of("sub_x", 0), 0);
    }
}

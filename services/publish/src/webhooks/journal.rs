//! The subscriptions topic as this instance's source of truth: every write
//! goes to Kafka first, and every instance — the writer included — learns
//! of it by tailing the topic from the beginning and applying each record
//! to its [`Registry`]. So any instance can answer any request, and a
//! restart rebuilds everything. A write returns once this instance's tail
//! has applied it, so a client reads its own writes from the same instance.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use anyhow::{Context, bail};
use newsfeed_runtime::kafka::KafkaClients;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::subscriptions::{DeliveryStats, Registry, Subscription, stats_key};

/// The subscriptions topic, written through and tailed.
pub(crate) struct Journal {
    topic: String,
    instance: String,
    timeout: Duration,
    producer: FutureProducer,
    registry: RwLock<Registry>,
    /// Partition → offset after the last record applied.
    applied: Mutex<HashMap<i32, i64>>,
    caught_up: AtomicBool,
    /// Bumped after every applied record and when the tail catches up.
    changes: watch::Sender<u64>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("topic", &self.topic)
            .field("caught_up", &self.is_caught_up())
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal of `topic`; nothing is read until [`Journal::tail`] runs.
    pub(crate) fn new(clients: &KafkaClients, topic: String) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            topic,
            instance: clients.args().instance_id.clone(),
            timeout: clients.args().timeout(),
            producer: clients.producer()?,
            registry: RwLock::default(),
            applied: Mutex::default(),
            caught_up: AtomicBool::new(false),
            changes: watch::Sender::new(0),
        }))
    }

    /// This publish instance's name (keys its stats records).
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// True once the tail has read everything written before this instance started.
    pub(crate) fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    /// The subscriptions as applied so far.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Registry> {
        // A panic while applying one record leaves a usable registry.
        self.registry.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notified after each applied record.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Writes `subscription` and waits until it is applied here.
    pub(crate) async fn put(&self, subscription: &Subscription) -> anyhow::Result<()> {
        let value = serde_json::to_vec(subscription)?;
        self.write(&subscription.id, Some(&value), true).await
    }

    /// Deletes `id` and its stats (tombstones); waits until applied here.
    pub(crate) async fn remove(&self, id: &str) -> anyhow::Result<()> {
        let stats = self.read().stats_keys(id);
        for key in stats {
            self.write(&key, None, false).await?;
        }
        self.write(id, None, true).await
    }

    /// Records this instance's delivery stats for `id`.
    pub(crate) async fn put_stats(&self, id: &str, stats: &DeliveryStats) -> anyhow::Result<()> {
        let value = serde_json::to_vec(stats)?;
        self.write(&stats_key(id, &self.instance), Some(&value), false)
            .await
    }

    async fn write(&self, key: &str, value: Option<&[u8]>, wait: bool) -> anyhow::Result<()> {
        let mut record = FutureRecord::<str, [u8]>::to(&self.topic).key(key);
        if let Some(v) = value {
            record = record.payload(v);
        }
        let delivery = self
            .producer
            .send(record, self.timeout)
            .await
            .map_err(|(e, _)| anyhow::anyhow!("writing to {}: {e}", self.topic))?;
        if wait {
            self.wait_applied(delivery.partition, delivery.offset)
                .await?;
        }
        Ok(())
    }

    async fn wait_applied(&self, partition: i32, offset: i64) -> anyhow::Result<()> {
        let mut changes = self.changes.subscribe();
        let applied = || {
            self.applied
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(&partition)
                .is_some_and(|next| *next > offset)
        };
        let wait = async {
            while !applied() {
                if changes.changed().await.is_err() {
                    break;
                }
            }
        };
        tokio::time::timeout(self.timeout, wait)
            .await
            .with_context(|| format!("{} written but not read back in time", self.topic))
    }

    /// Assigns `reader` to every partition of the topic from the beginning
    /// and returns where each partition ended when it started (blocking).
    pub(crate) fn open_tail(&self, reader: &BaseConsumer) -> anyhow::Result<HashMap<i32, i64>> {
        let meta = reader
            .fetch_metadata(Some(&self.topic), self.timeout)
            .context("reading subscriptions topic metadata")?;
        let partitions: Vec<i32> = meta
            .topics()
            .iter()
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if partitions.is_empty() {
            bail!("{} has no partitions yet", self.topic);
        }
        let mut tpl = TopicPartitionList::new();
        let mut ends = HashMap::new();
        for p in partitions {
            let (low, high) =
                newsfeed_runtime::kafka::watermarks(reader, &self.topic, p, self.timeout)
                    .context("reading subscriptions topic offsets")?;
            if high > low {
                ends.insert(p, high);
            }
            tpl.add_partition_offset(&self.topic, p, Offset::Beginning)?;
        }
        reader.assign(&tpl)?;
        Ok(ends)
    }

    /// Follows the topic until `shutdown` (blocking: run on its own thread).
    pub(crate) fn tail(
        &self,
        reader: &BaseConsumer,
        mut ends: HashMap<i32, i64>,
        shutdown: &CancellationToken,
    ) {
        while !shutdown.is_cancelled() {
            if !self.is_caught_up() && self.reached(reader, &mut ends) {
                tracing::info!(
                    subscriptions = self.read().counts().0,
                    "webhook subscriptions loaded"
                );
                self.caught_up.store(true, Ordering::Release);
                self.changes.send_modify(|n| *n += 1);
            }
            match reader.poll(Duration::from_millis(200)) {
                Some(Ok(m)) => self.apply(&m),
                Some(Err(e)) => tracing::warn!(error = %e, "subscriptions tail error"),
                None => {}
            }
        }
    }

    /// True once every partition's position is at its starting end.
    fn reached(&self, reader: &BaseConsumer, ends: &mut HashMap<i32, i64>) -> bool {
        let Ok(position) = reader.position() else {
            return false;
        };
        ends.retain(|p, end| {
            !matches!(position.find_partition(&self.topic, *p).map(|e| e.offset()),
                Some(Offset::Offset(o)) if o >= *end)
        });
        ends.is_empty()
    }

    fn apply(&self, m: &rdkafka::message::BorrowedMessage<'_>) {
        let key = m.key().and_then(|k| std::str::from_utf8(k).ok());
        if let Some(key) = key {
            let result = self
                .registry
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .apply(key, m.payload());
            if let Err(e) = result {
                tracing::warn!(offset = m.offset(), error = %e, "skipping unreadable subscription record");
            }
        }
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(m.partition(), m.offset() + 1);
        self.changes.send_modify(|n| *n += 1);
    }
}

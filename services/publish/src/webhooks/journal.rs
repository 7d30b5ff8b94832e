//! The subscriptions topic as this instance's source of truth: every write
//! goes to Kafka first, and every instance — the writer included — learns
//! of it by tailing the topic from the beginning (a runtime
//! [`Table`]) and applying each record to its [`Registry`]. So any instance can answer any request, and a
//! restart rebuilds everything. A write returns once this instance's tail
//! has applied it, so a client reads its own writes from the same instance.

use std::sync::{Arc, RwLockReadGuard};
use std::time::Duration;

use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::table::{Table, TableState, TableTail};
use rdkafka::producer::{FutureProducer, FutureRecord};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::subscriptions::{DeliveryStats, Registry, Subscription, stats_key};

impl TableState for Registry {
    fn apply(&mut self, key: &str, value: Option<&[u8]>) -> anyhow::Result<()> {
        Registry::apply(self, key, value).map_err(anyhow::Error::msg)
    }
}

/// The subscriptions topic, written through and tailed.
pub(crate) struct Journal {
    topic: String,
    instance: String,
    timeout: Duration,
    producer: FutureProducer,
    table: Arc<Table<Registry>>,
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
    /// A journal of `topic`, tailed from now until `shutdown` (join the
    /// returned tail at shutdown).
    pub(crate) fn start(
        clients: &KafkaClients,
        topic: String,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Arc<Self>, TableTail)> {
        let (table, tail) = Table::start(clients, &topic, shutdown)?;
        let journal = Arc::new(Self {
            topic,
            instance: clients.args().instance_id.clone(),
            timeout: clients.args().timeout(),
            producer: clients.producer()?,
            table,
        });
        Ok((journal, tail))
    }

    /// This publish instance's name (keys its stats records).
    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// True once the tail has read everything written before this instance started.
    pub(crate) fn is_caught_up(&self) -> bool {
        self.table.is_caught_up()
    }

    /// The subscriptions as applied so far.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Registry> {
        self.table.read()
    }

    /// Notified after each applied record.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.table.changes()
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
            self.table
                .wait_applied(delivery.partition, delivery.offset, self.timeout)
                .await?;
        }
        Ok(())
    }
}

//! Reading and writing the compacted topics newsfeedctl manages, through
//! the services' own Kafka client setup and table reader.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use newsfeed_runtime::KafkaArgs;
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::table::{Table, TableState};
use rdkafka::producer::FutureRecord;
use tokio_util::sync::CancellationToken;

/// Kafka access for admin commands.
#[derive(Debug)]
pub(crate) struct Admin {
    clients: KafkaClients,
    timeout: Duration,
}

impl Admin {
    /// From the shared settings.
    pub(crate) fn new(args: &KafkaArgs) -> Self {
        Self {
            clients: KafkaClients::new(args, "newsfeedctl"),
            timeout: args.timeout(),
        }
    }

    /// The Kafka clients.
    pub(crate) fn clients(&self) -> &KafkaClients {
        &self.clients
    }

    /// Creates `topics` if missing (`compacted` among them keep the latest record per key).
    pub(crate) async fn ensure(&self, topics: &[&str], compacted: &[&str]) -> anyhow::Result<()> {
        self.clients
            .ensure_topics(topics, compacted)
            .await
            .with_context(|| format!("preparing {}", topics.join(", ")))
    }

    /// Reads compacted `topic` to its current end into `S` (creating the
    /// topic if it does not exist yet).
    pub(crate) async fn load<S: TableState>(&self, topic: &str) -> anyhow::Result<Arc<Table<S>>> {
        self.clients
            .ensure_topics(&[topic], &[topic])
            .await
            .with_context(|| format!("preparing {topic}"))?;
        let stop = CancellationToken::new();
        let (table, tail) = Table::<S>::start(&self.clients, topic, stop.clone())?;
        let mut changes = table.changes();
        let loaded = tokio::time::timeout(self.timeout, async {
            while !table.is_caught_up() {
                if changes.changed().await.is_err() {
                    break;
                }
            }
        })
        .await;
        stop.cancel();
        tail.join().await;
        loaded.with_context(|| {
            format!("reading {topic} took longer than NEWSFEED_KAFKA_TIMEOUT_MS")
        })?;
        Ok(table)
    }

    /// Writes `key` → `value` (`None`: a tombstone) and waits for Kafka's acknowledgement.
    pub(crate) async fn put(
        &self,
        topic: &str,
        key: &str,
        value: Option<&[u8]>,
    ) -> anyhow::Result<()> {
        let producer = self.clients.producer()?;
        let mut record = FutureRecord::<str, [u8]>::to(topic).key(key);
        if let Some(v) = value {
            record = record.payload(v);
        }
        producer
            .send(record, self.timeout)
            .await
            .map_err(|(e, _)| anyhow::anyhow!("writing to {topic}: {e}"))?;
        Ok(())
    }
}

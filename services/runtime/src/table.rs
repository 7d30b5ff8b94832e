//! A compacted topic as an in-memory table that every instance keeps: a
//! [`Tail`] replays the topic from the beginning and applies each record to
//! a [`TableState`], and says when it has caught up with what was written
//! before it started. Writers write to Kafka only; every reader (the writer
//! included) learns of a change by reading it back, so all instances agree
//! and a restart rebuilds the table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use anyhow::Context;
use rdkafka::Offset;
use rdkafka::message::{BorrowedMessage, Message};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::kafka::KafkaClients;
use crate::tail::{Follower, PartitionRange, Positions, Tail};

/// The thread tailing a [`Table`]; join it at shutdown.
pub type TableTail = Tail;

/// What a table holds: it applies records in topic order.
pub trait TableState: Default + Send + Sync + 'static {
    /// Applies the record `key` → `value` (`None`: a tombstone).
    fn apply(&mut self, key: &str, value: Option<&[u8]>) -> anyhow::Result<()>;
}

/// A compacted topic, tailed into `S`.
#[derive(Debug)]
pub struct Table<S> {
    topic: String,
    state: RwLock<S>,
    /// Partition → offset after the last record applied.
    applied: Mutex<HashMap<i32, i64>>,
    caught_up: std::sync::atomic::AtomicBool,
    /// Bumped after every applied batch and when the tail catches up.
    changes: watch::Sender<u64>,
}

impl<S: TableState> Table<S> {
    /// Starts tailing `topic` on a thread of its own until `shutdown`.
    pub fn start(
        clients: &KafkaClients,
        topic: &str,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Arc<Self>, TableTail)> {
        let table = Arc::new(Self {
            topic: topic.to_owned(),
            state: RwLock::default(),
            applied: Mutex::default(),
            caught_up: std::sync::atomic::AtomicBool::new(false),
            changes: watch::Sender::new(0),
        });
        let tail = Tail::start(
            clients,
            topic,
            vec![topic.to_owned()],
            TableFollower(table.clone()),
            shutdown,
        )?;
        Ok((table, tail))
    }

    /// The topic tailed.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// True once everything written before the tail started is applied.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The state as applied so far.
    pub fn read(&self) -> RwLockReadGuard<'_, S> {
        // A panic while applying one record leaves a usable state.
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notified after each applied record.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Waits until the record at `partition`/`offset` is applied here.
    pub async fn wait_applied(
        &self,
        partition: i32,
        offset: i64,
        timeout: Duration,
    ) -> anyhow::Result<()> {
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
        tokio::time::timeout(timeout, wait)
            .await
            .with_context(|| format!("{} written but not read back in time", self.topic))
    }
}

/// Feeds a [`Table`] from its [`Tail`]: every partition from the beginning.
struct TableFollower<S>(Arc<Table<S>>);

impl<S: TableState> Follower for TableFollower<S> {
    fn start(&mut self, partitions: &[PartitionRange]) -> anyhow::Result<Vec<Offset>> {
        Ok(vec![Offset::Beginning; partitions.len()])
    }

    fn apply(
        &mut self,
        batch: &[BorrowedMessage<'_>],
        _positions: &Positions,
    ) -> anyhow::Result<()> {
        let table = &self.0;
        {
            let mut state = table.state.write().unwrap_or_else(PoisonError::into_inner);
            for m in batch {
                table.apply(&mut state, m);
            }
        }
        table.changes.send_modify(|n| *n += 1);
        Ok(())
    }

    fn caught_up(&mut self) {
        tracing::info!(topic = %self.0.topic, "table loaded");
        self.0
            .caught_up
            .store(true, std::sync::atomic::Ordering::Release);
        self.0.changes.send_modify(|n| *n += 1);
    }
}

impl<S: TableState> Table<S> {
    fn apply(&self, state: &mut S, m: &BorrowedMessage<'_>) {
        match m.key().map(std::str::from_utf8) {
            Some(Ok(key)) => {
                if let Err(e) = state.apply(key, m.payload()) {
                    tracing::warn!(topic = %self.topic, partition = m.partition(), offset = m.offset(), error = format!("{e:#}"), "skipping unreadable record");
                }
            }
            _ => {
                tracing::warn!(topic = %self.topic, partition = m.partition(), offset = m.offset(), "skipping record without a UTF-8 key")
            }
        }
        self.applied
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(m.partition(), m.offset() + 1);
    }
}

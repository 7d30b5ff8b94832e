//! A compacted topic as an in-memory table that every instance keeps: a
//! thread tails the topic from the beginning, applies each record to a
//! [`TableState`], and says when it has caught up with what was written
//! before it started. Writers write to Kafka only; every reader (the writer
//! included) learns of a change by reading it back, so all instances agree
//! and a restart rebuilds the table.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, bail};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::kafka::KafkaClients;

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
    caught_up: AtomicBool,
    /// Bumped after every applied record and when the tail catches up.
    changes: watch::Sender<u64>,
}

/// The thread tailing a [`Table`]; join it at shutdown.
#[derive(Debug)]
pub struct TableTail(Option<JoinHandle<()>>);

impl TableTail {
    /// Waits for the tail thread to end (it ends when shutdown fires).
    pub async fn join(mut self) {
        if let Some(t) = self.0.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
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
            caught_up: AtomicBool::new(false),
            changes: watch::Sender::new(0),
        });
        let (t, clients) = (table.clone(), clients.clone());
        let handle = std::thread::Builder::new()
            .name(format!("tail-{topic}"))
            .spawn(move || t.run(&clients, &shutdown))
            .context("starting a topic tail thread")?;
        Ok((table, TableTail(Some(handle))))
    }

    /// The topic tailed.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// True once everything written before the tail started is applied.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
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

    fn run(&self, clients: &KafkaClients, shutdown: &CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            let opened = clients.reader().and_then(|reader| {
                self.open(&reader, clients.args().timeout())
                    .map(|e| (reader, e))
            });
            match opened {
                Ok((reader, ends)) => return self.follow(&reader, ends, shutdown),
                Err(e) => {
                    tracing::warn!(topic = %self.topic, error = format!("{e:#}"), "cannot read table topic yet");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Assigns `reader` to every partition from the beginning; returns where
    /// each non-empty partition ended when it started.
    fn open(&self, reader: &BaseConsumer, timeout: Duration) -> anyhow::Result<HashMap<i32, i64>> {
        let meta = reader
            .fetch_metadata(Some(&self.topic), timeout)
            .with_context(|| format!("reading metadata of {}", self.topic))?;
        let partitions: Vec<i32> = meta
            .topics()
            .iter()
            .filter(|t| t.error().is_none())
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if partitions.is_empty() {
            bail!("{} does not exist yet", self.topic);
        }
        let mut tpl = TopicPartitionList::new();
        let mut ends = HashMap::new();
        for p in partitions {
            let (low, high) = crate::kafka::watermarks(reader, &self.topic, p, timeout)
                .with_context(|| format!("reading offsets of {}", self.topic))?;
            if high > low {
                ends.insert(p, high);
            }
            tpl.add_partition_offset(&self.topic, p, Offset::Beginning)?;
        }
        reader.assign(&tpl)?;
        Ok(ends)
    }

    fn follow(
        &self,
        reader: &BaseConsumer,
        mut ends: HashMap<i32, i64>,
        shutdown: &CancellationToken,
    ) {
        while !shutdown.is_cancelled() {
            if !self.is_caught_up() && self.reached(reader, &mut ends) {
                tracing::info!(topic = %self.topic, "table loaded");
                self.caught_up.store(true, Ordering::Release);
                self.changes.send_modify(|n| *n += 1);
            }
            match reader.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => self.apply(&m),
                Some(Err(e)) => tracing::warn!(topic = %self.topic, error = %e, "table tail error"),
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

    fn apply(&self, m: &BorrowedMessage<'_>) {
        match m.key().map(std::str::from_utf8) {
            Some(Ok(key)) => {
                let result = self
                    .state
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .apply(key, m.payload());
                if let Err(e) = result {
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
        self.changes.send_modify(|n| *n += 1);
    }
}

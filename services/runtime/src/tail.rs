//! Tailing topics, written once: a thread assigns every partition of some
//! topics (no consumer group), starts each where its [`Follower`] says — its
//! checkpoint, or the beginning — replays to the end the topics had when it
//! started, says when it has caught up, then hands records to the follower
//! in batches until shutdown, and is joined at shutdown. [`crate::table`]
//! (credentials, subscriptions) and publish's story store both follow topics
//! this way.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, bail};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::BorrowedMessage;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use crate::kafka::KafkaClients;

/// Most records handed to [`Follower::apply`] at once.
const MAX_BATCH: usize = 2_000;

/// One partition of a tailed topic and the offsets it held when the tail
/// opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRange {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// Its first offset (low watermark).
    pub low: i64,
    /// The offset after its last record (high watermark).
    pub high: i64,
}

/// Where a reader is: (topic, partition) → the next offset it will read.
pub type Positions = HashMap<(String, i32), i64>;

/// What a tail feeds: decides where to start and applies records.
pub trait Follower: Send + 'static {
    /// Where to start reading each of `partitions` (same order): its
    /// checkpoint as `Offset::Offset(next)`, or `Offset::Beginning` to
    /// replay it. An error is logged and the tail retries.
    fn start(&mut self, partitions: &[PartitionRange]) -> anyhow::Result<Vec<Offset>>;

    /// Applies `batch` (records of any of the partitions, each partition's in
    /// order) — and checkpoints `positions`, if the follower keeps
    /// checkpoints: where the reader is now, past the batch and past any
    /// transaction markers (which take offsets too, so a checkpoint of "last
    /// record + 1" would never reach the end of a transactional topic).
    /// An error reopens the tail: [`Follower::start`] is asked again, so a
    /// batch that could not be applied is read again from the checkpoint.
    fn apply(&mut self, batch: &[BorrowedMessage<'_>], positions: &Positions)
    -> anyhow::Result<()>;

    /// Everything the topics held when the tail started has been applied.
    fn caught_up(&mut self) {}

    /// Called between batches, at least every 100 ms, with where the reader
    /// is (it moves past transaction markers without a record to apply).
    fn tick(&mut self, _positions: &Positions) {}
}

/// A thread tailing topics into a [`Follower`]; join it at shutdown.
#[derive(Debug)]
pub struct Tail {
    caught_up: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Tail {
    /// Starts tailing every partition of `topics` into `follower`, on a
    /// thread named `tail-<name>`, until `shutdown`.
    pub fn start<F: Follower>(
        clients: &KafkaClients,
        name: &str,
        topics: Vec<String>,
        follower: F,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let caught_up = Arc::new(AtomicBool::new(false));
        let mut run = Run {
            clients: clients.clone(),
            topics,
            follower,
            caught_up: caught_up.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("tail-{name}"))
            .spawn(move || run.run(&shutdown))
            .context("starting a topic tail thread")?;
        Ok(Self {
            caught_up,
            thread: Some(thread),
        })
    }

    /// True once everything written before the tail started is applied.
    pub fn is_caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    /// The caught-up flag, for a readiness check that outlives `self`.
    pub fn caught_up_flag(&self) -> Arc<AtomicBool> {
        self.caught_up.clone()
    }

    /// Waits for the tail thread to end (it ends when shutdown fires).
    pub async fn join(self) {
        let _ = tokio::task::spawn_blocking(move || self.join_blocking()).await;
    }

    /// [`Tail::join`] for a caller that may block.
    pub fn join_blocking(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Run<F> {
    clients: KafkaClients,
    topics: Vec<String>,
    follower: F,
    caught_up: Arc<AtomicBool>,
}

/// Where the tail must get to before it has caught up: (topic, partition) → end.
type Ends = HashMap<(String, i32), i64>;

impl<F: Follower> Run<F> {
    fn run(&mut self, shutdown: &CancellationToken) {
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            let opened = self
                .clients
                .reader()
                .and_then(|reader| self.open(&reader).map(|ends| (reader, ends)));
            let result = match opened {
                Ok((reader, ends)) => {
                    backoff = Duration::from_millis(100);
                    self.follow(&reader, ends, shutdown)
                }
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                tracing::warn!(topics = ?self.topics, error = format!("{e:#}"), "tail reopening");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }
    }

    /// Assigns every partition where the follower says; returns where each
    /// partition with records left to read ended when the tail opened it.
    fn open(&mut self, reader: &BaseConsumer) -> anyhow::Result<Ends> {
        let timeout = self.clients.args().timeout();
        let mut ranges = Vec::new();
        for topic in &self.topics {
            for partition in crate::kafka::partitions(reader.client(), topic, timeout)? {
                let (low, high) = crate::kafka::watermarks(reader, topic, partition, timeout)
                    .with_context(|| format!("reading offsets of {topic}"))?;
                ranges.push(PartitionRange {
                    topic: topic.clone(),
                    partition,
                    low,
                    high,
                });
            }
        }
        let starts = self.follower.start(&ranges)?;
        if starts.len() != ranges.len() {
            bail!(
                "follower gave {} starts for {} partitions",
                starts.len(),
                ranges.len()
            );
        }
        let mut tpl = TopicPartitionList::new();
        let mut ends = HashMap::new();
        for (r, start) in ranges.into_iter().zip(starts) {
            let from = match start {
                Offset::Offset(o) => o,
                _ => r.low,
            };
            tpl.add_partition_offset(&r.topic, r.partition, start)?;
            if r.high > from {
                ends.insert((r.topic, r.partition), r.high);
            }
        }
        reader.assign(&tpl)?;
        Ok(ends)
    }

    /// Applies records until shutdown (`Ok`) or until the follower fails.
    fn follow(
        &mut self,
        reader: &BaseConsumer,
        mut ends: Ends,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while !shutdown.is_cancelled() {
            if !self.caught_up.load(Ordering::Relaxed) && reached(reader, &mut ends) {
                self.follower.caught_up();
                self.caught_up.store(true, Ordering::Release);
            }
            // Wait for the first record, then take what is already fetched.
            let mut wait = Duration::from_millis(100);
            while batch.len() < MAX_BATCH {
                match reader.poll(wait) {
                    Some(Ok(m)) => batch.push(m),
                    Some(Err(e)) => {
                        tracing::warn!(topics = ?self.topics, error = %e, "tail read error")
                    }
                    None => break,
                }
                wait = Duration::ZERO;
            }
            let positions = positions(reader);
            if !batch.is_empty() {
                self.follower.apply(&batch, &positions)?;
                batch.clear();
            }
            self.follower.tick(&positions);
        }
        Ok(())
    }
}

fn positions(reader: &BaseConsumer) -> Positions {
    let Ok(list) = reader.position() else {
        return Positions::new();
    };
    list.elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some(((e.topic().to_owned(), e.partition()), o)),
            _ => None,
        })
        .collect()
}

/// True once every partition's position is at its starting end.
fn reached(reader: &BaseConsumer, ends: &mut Ends) -> bool {
    let Ok(position) = reader.position() else {
        return false;
    };
    ends.retain(|(topic, p), end| {
        !matches!(position.find_partition(topic, *p).map(|e| e.offset()),
            Some(Offset::Offset(o)) if o >= *end)
    });
    ends.is_empty()
}

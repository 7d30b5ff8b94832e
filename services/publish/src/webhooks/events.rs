//! The published events deliveries read, from two Kafka clients however
//! many subscriptions there are (a client costs several OS threads, so one
//! consumer per subscription does not scale):
//! - the live tail follows the end of every partition into a bounded buffer
//!   per partition; every subscription that keeps up reads from it;
//! - the catch-up reader serves a subscription that stands before the
//!   buffer (after a restart or a takeover, or a slow subscriber the buffer
//!   moved past): it seeks to where that subscription stands and reads a
//!   batch. Requests for the same place, queued together, share one read.
//!
//! Each record is decoded once, here, into what every delivery of it needs
//! (body, `webhook-id`, topics). The live tail runs on the shared topic tail
//! (`newsfeed_runtime::tail`), the catch-up reader on a thread of its own
//! (it blocks); both are joined at shutdown.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use newsfeed_model::{ArticleEvent, EventType};
use newsfeed_runtime::cloudevents::header_str;
use newsfeed_runtime::kafka::{KafkaClients, partitions, watermarks};
use newsfeed_runtime::tail::{Follower, PartitionRange, Positions, Tail};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::delivery::webhook_body;
use crate::stage::reader_topics_of;

/// Bytes of events the live buffer keeps per partition; a subscription
/// further behind reads through the catch-up reader.
const BUFFER_BYTES: usize = 8 << 20;

/// One published record, decoded for delivery.
#[derive(Debug)]
pub(crate) struct Event {
    /// The record as read (for dead letters and traces).
    pub(crate) record: OwnedMessage,
    /// What is delivered.
    pub(crate) content: Content,
}

/// What a record holds for subscribers.
#[derive(Debug)]
pub(crate) enum Content {
    /// No payload: nothing to deliver.
    Empty,
    /// Not an `ArticleEvent`: dead-lettered for every subscriber.
    Undecodable(String),
    /// A story event.
    Story {
        /// Topic slugs whose subscribers get it.
        slugs: Vec<String>,
        /// The request body, the same on every re-send (shared, not copied,
        /// by every subscription and attempt).
        body: bytes::Bytes,
        /// The Standard Webhooks message id, stable per story version.
        msg_id: String,
    },
}

impl Event {
    fn from_record(m: &BorrowedMessage<'_>) -> Self {
        let content = match m.payload().map(serde_json::from_slice::<ArticleEvent>) {
            None => Content::Empty,
            Some(Err(e)) => Content::Undecodable(format!("not an ArticleEvent: {e}")),
            Some(Ok(event)) => Content::Story {
                slugs: reader_topics_of(m, &event),
                body: webhook_body(&event),
                // The record's CloudEvents id is stable per story version, so
                // every re-send of this event carries the same webhook-id.
                msg_id: m
                    .headers()
                    .and_then(|h| header_str(h, "ce_id"))
                    .map(str::to_owned)
                    .unwrap_or_else(|| event.event_id(EventType::Published)),
            },
        };
        Self {
            record: m.detach(),
            content,
        }
    }

    /// Offset in its partition.
    pub(crate) fn offset(&self) -> i64 {
        self.record.offset()
    }

    fn size(&self) -> usize {
        let body = match &self.content {
            Content::Story { body, .. } => body.len(),
            _ => 0,
        };
        self.record.payload().map_or(0, <[u8]>::len) + body + 256
    }
}

/// What a subscription at some offset reads next.
#[derive(Debug)]
pub(crate) enum Next {
    /// Events at or after the offset, in order.
    Events(Vec<Arc<Event>>),
    /// Nothing newer yet: wait for [`EventLog::changes`].
    Wait,
    /// The offset is before the buffer: read it with [`EventLog::read_behind`].
    Behind,
}

/// Events read by the catch-up reader, and the offset to go on from.
#[derive(Debug)]
pub(crate) struct Batch {
    /// In offset order.
    pub(crate) events: Vec<Arc<Event>>,
    /// Where the next read starts (past the events, transaction markers and
    /// aborted records).
    pub(crate) next: i64,
}

/// One partition's recent events.
#[derive(Debug)]
struct Buffer {
    /// Every record from this offset on is in `events`.
    from: i64,
    events: VecDeque<Arc<Event>>,
    bytes: usize,
}

impl Buffer {
    fn starting_at(from: i64) -> Self {
        Self {
            from,
            events: VecDeque::new(),
            bytes: 0,
        }
    }

    /// The offset after the newest event (where the tail goes on from).
    fn end(&self) -> i64 {
        self.events.back().map_or(self.from, |e| e.offset() + 1)
    }

    /// Appends `event`, dropping the oldest beyond `budget` bytes (the
    /// newest always stays).
    fn push(&mut self, event: Arc<Event>, budget: usize) {
        self.bytes += event.size();
        self.events.push_back(event);
        while self.bytes > budget && self.events.len() > 1 {
            if let Some(old) = self.events.pop_front() {
                self.bytes -= old.size();
                self.from = old.offset() + 1;
            }
        }
    }

    /// Up to `max` events at or after `offset`.
    fn next(&self, offset: i64, max: usize) -> Next {
        if offset < self.from {
            return Next::Behind;
        }
        let first = self.events.partition_point(|e| e.offset() < offset);
        let events: Vec<Arc<Event>> = self.events.range(first..).take(max).cloned().collect();
        if events.is_empty() {
            Next::Wait
        } else {
            Next::Events(events)
        }
    }
}

/// The live side of the shared topic tail: starts at the end of every
/// partition (or, reopened after an error, where each buffer ends, so a
/// buffer never has a hole) and buffers every record.
struct Live {
    log: Arc<EventLog>,
}

impl Follower for Live {
    fn start(&mut self, partitions: &[PartitionRange]) -> anyhow::Result<Vec<Offset>> {
        let mut buffers = self.log.lock_buffers();
        let starts = partitions
            .iter()
            .map(|r| {
                let buffer = buffers
                    .entry(r.partition)
                    .or_insert_with(|| Buffer::starting_at(r.high));
                Offset::Offset(buffer.end())
            })
            .collect();
        drop(buffers);
        self.log.grew.send_modify(|n| *n += 1);
        tracing::info!(topic = %self.log.topic, "webhook tail started");
        Ok(starts)
    }

    fn apply(&mut self, batch: &[BorrowedMessage<'_>], _: &Positions) -> anyhow::Result<()> {
        for m in batch {
            self.log.push(m);
        }
        Ok(())
    }
}

enum Request {
    Read {
        partition: i32,
        from: i64,
        max: usize,
        reply: oneshot::Sender<Result<Arc<Batch>, String>>,
    },
    Ends {
        reply: oneshot::Sender<anyhow::Result<BTreeMap<i32, i64>>>,
    },
}

/// The published topic as deliveries see it.
pub(crate) struct EventLog {
    topic: String,
    buffers: Mutex<BTreeMap<i32, Buffer>>,
    grew: watch::Sender<u64>,
    requests: Mutex<Sender<Request>>,
    /// The live tail, on the shared topic tail, until joined.
    tail: Mutex<Option<Tail>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl EventLog {
    /// Starts the live tail and the catch-up reader of `topic` until `shutdown`.
    pub(crate) fn start(
        clients: &KafkaClients,
        topic: String,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<Arc<Self>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let log = Arc::new(Self {
            topic,
            buffers: Mutex::default(),
            grew: watch::Sender::new(0),
            requests: Mutex::new(tx),
            tail: Mutex::default(),
            threads: Mutex::default(),
        });
        let live = Live { log: log.clone() };
        let topics = vec![log.topic.clone()];
        let tail = Tail::start(clients, "webhooks", topics, live, shutdown.clone())?;
        *log.tail.lock().unwrap_or_else(PoisonError::into_inner) = Some(tail);
        let (l, c, s) = (log.clone(), clients.clone(), shutdown.clone());
        let catch_up = std::thread::Builder::new()
            .name("webhook-catch-up".into())
            .spawn(move || l.run_catch_up(&c, &rx, &s))
            .context("starting the webhook catch-up thread")?;
        log.lock_threads().push(catch_up);
        Ok(log)
    }

    fn lock_threads(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.threads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_buffers(&self) -> std::sync::MutexGuard<'_, BTreeMap<i32, Buffer>> {
        self.buffers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the tail and the catch-up reader to end (they end at
    /// shutdown; blocking).
    pub(crate) fn join(&self) {
        let tail = self
            .tail
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(tail) = tail {
            tail.join_blocking();
        }
        let threads = std::mem::take(&mut *self.lock_threads());
        for t in threads {
            let _ = t.join();
        }
    }

    /// The partitions followed; empty until the tail has started.
    pub(crate) fn partitions(&self) -> Vec<i32> {
        self.lock_buffers().keys().copied().collect()
    }

    /// Where the live buffer of `partition` begins (a subscription without
    /// any position starts there).
    pub(crate) fn live_from(&self, partition: i32) -> Option<i64> {
        self.lock_buffers().get(&partition).map(|b| b.from)
    }

    /// Bumped whenever the live buffer grows.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.grew.subscribe()
    }

    /// Up to `max` buffered events of `partition` at or after `offset`.
    pub(crate) fn next(&self, partition: i32, offset: i64, max: usize) -> Next {
        match self.lock_buffers().get(&partition) {
            Some(b) => b.next(offset, max),
            None => Next::Wait,
        }
    }

    /// Reads up to `max` events of `partition` from `offset` on through the
    /// catch-up reader.
    pub(crate) async fn read_behind(
        &self,
        partition: i32,
        from: i64,
        max: usize,
    ) -> anyhow::Result<Arc<Batch>> {
        let (reply, answer) = oneshot::channel();
        self.ask(Request::Read {
            partition,
            from,
            max,
            reply,
        })?;
        answer
            .await
            .context("the catch-up reader stopped")?
            .map_err(anyhow::Error::msg)
    }

    /// The end of every partition now: where a subscription registered now
    /// starts.
    pub(crate) async fn ends(&self) -> anyhow::Result<BTreeMap<i32, i64>> {
        let (reply, answer) = oneshot::channel();
        self.ask(Request::Ends { reply })?;
        answer.await.context("the catch-up reader stopped")?
    }

    fn ask(&self, request: Request) -> anyhow::Result<()> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(request)
            .map_err(|_| anyhow::anyhow!("the catch-up reader stopped"))
    }

    fn push(&self, m: &BorrowedMessage<'_>) {
        let event = Arc::new(Event::from_record(m));
        self.lock_buffers()
            .entry(m.partition())
            .or_insert_with(|| Buffer::starting_at(m.offset()))
            .push(event, BUFFER_BYTES);
        self.grew.send_modify(|n| *n += 1);
    }

    fn run_catch_up(
        &self,
        clients: &KafkaClients,
        requests: &Receiver<Request>,
        shutdown: &CancellationToken,
    ) {
        let mut reader: Option<BaseConsumer> = None;
        while !shutdown.is_cancelled() {
            let first = match requests.recv_timeout(Duration::from_millis(200)) {
                Ok(r) => r,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let queued: Vec<Request> = std::iter::once(first).chain(requests.try_iter()).collect();
            let r = match reader.take().map_or_else(|| clients.reader(), Ok) {
                Ok(r) => reader.insert(r),
                Err(e) => {
                    fail_all(queued, &format!("{e:#}"));
                    continue;
                }
            };
            self.serve(r, clients.args().timeout(), queued);
        }
    }

    /// Answers queued requests; reads asked for at the same place are read once.
    fn serve(&self, reader: &BaseConsumer, timeout: Duration, queued: Vec<Request>) {
        type Replies = Vec<oneshot::Sender<Result<Arc<Batch>, String>>>;
        let mut reads: HashMap<(i32, i64), (usize, Replies)> = HashMap::new();
        for request in queued {
            match request {
                Request::Ends { reply } => {
                    let ends = partition_ends(reader, &self.topic, timeout);
                    let _ = reply.send(ends.map(|e| e.into_iter().collect()));
                }
                Request::Read {
                    partition,
                    from,
                    max,
                    reply,
                } => {
                    let entry = reads.entry((partition, from)).or_default();
                    entry.0 = entry.0.max(max);
                    entry.1.push(reply);
                }
            }
        }
        for ((partition, from), (max, replies)) in reads {
            let batch = self
                .read(reader, partition, from, max, timeout)
                .map(Arc::new)
                .map_err(|e| format!("{e:#}"));
            for reply in replies {
                let _ = reply.send(batch.clone());
            }
        }
    }

    fn read(
        &self,
        reader: &BaseConsumer,
        partition: i32,
        from: i64,
        max: usize,
        timeout: Duration,
    ) -> anyhow::Result<Batch> {
        let (_, end) = watermarks(reader, &self.topic, partition, timeout)?;
        let mut events = Vec::new();
        if from >= end {
            return Ok(Batch { events, next: from });
        }
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&self.topic, partition, Offset::Offset(from))?;
        reader.assign(&tpl)?;
        let deadline = Instant::now() + timeout;
        loop {
            let position = match reader.position()?.find_partition(&self.topic, partition) {
                Some(e) => match e.offset() {
                    Offset::Offset(o) => o,
                    _ => from,
                },
                None => from,
            };
            if events.len() >= max || position >= end {
                return Ok(Batch {
                    events,
                    next: position.max(from),
                });
            }
            // An open transaction holds read_committed readers before the
            // end: hand over what was read rather than wait for it.
            let idle = Instant::now() > deadline;
            match reader.poll(Duration::from_millis(100)) {
                Some(Ok(m)) if m.partition() == partition && m.offset() >= from => {
                    events.push(Arc::new(Event::from_record(&m)));
                }
                Some(Err(e)) => bail!("reading {}/{partition}: {e}", self.topic),
                None if idle || !events.is_empty() => {
                    return Ok(Batch {
                        events,
                        next: position.max(from),
                    });
                }
                _ => {}
            }
        }
    }
}

fn fail_all(queued: Vec<Request>, why: &str) {
    for request in queued {
        match request {
            Request::Read { reply, .. } => {
                let _ = reply.send(Err(why.to_owned()));
            }
            Request::Ends { reply } => {
                let _ = reply.send(Err(anyhow::anyhow!("{why}")));
            }
        }
    }
}

/// Every partition of `topic` and its end (with read_committed, the last
/// stable offset: an open transaction's stories come after it).
fn partition_ends(
    reader: &BaseConsumer,
    topic: &str,
    timeout: Duration,
) -> anyhow::Result<Vec<(i32, i64)>> {
    let mut ends = Vec::new();
    for p in partitions(reader.client(), topic, timeout)? {
        let (_, end) = watermarks(reader, topic, p, timeout)?;
        ends.push((p, end));
    }
    Ok(ends)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::Timestamp;

    fn event(offset: i64) -> Arc<Event> {
        let record = OwnedMessage::new(
            Some(vec![0; 744]),
            None,
            "t".into(),
            Timestamp::NotAvailable,
            0,
            offset,
            None,
        );
        Arc::new(Event {
            record,
            content: Content::Empty,
        })
    }

    fn offsets(next: &Next) -> Vec<i64> {
        match next {
            Next::Events(v) => v.iter().map(|e| e.offset()).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn a_reader_gets_what_is_buffered_waits_at_the_end_and_is_sent_behind_before_it() {
        let mut b = Buffer::starting_at(10);
        assert!(matches!(b.next(10, 5), Next::Wait));
        // Offsets 11 and 13 are missing (transaction markers): no gap is reported.
        for o in [10, 12, 14, 15] {
            b.push(event(o), usize::MAX);
        }
        assert_eq!(offsets(&b.next(10, 2)), [10, 12]);
        assert_eq!(offsets(&b.next(11, 10)), [12, 14, 15]);
        assert!(matches!(b.next(16, 10), Next::Wait));
        assert!(matches!(b.next(9, 10), Next::Behind));
    }

    #[test]
    fn past_its_budget_the_buffer_drops_the_oldest_and_sends_their_readers_behind() {
        let mut b = Buffer::starting_at(0);
        for o in 0..10 {
            b.push(event(o), 3 * 1000);
        }
        assert_eq!(b.events.len(), 3, "each event counts 1000 bytes");
        assert_eq!(b.from, 7);
        assert!(matches!(b.next(6, 10), Next::Behind));
        assert_eq!(offsets(&b.next(7, 10)), [7, 8, 9]);
        // One event larger than the budget still stays.
        b.push(event(10), 10);
        assert_eq!(offsets(&b.next(b.from, 10)), [10]);
    }
}

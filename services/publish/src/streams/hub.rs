//! The hub: one consumer per publish instance tails the published topic and
//! fans every event out to the connected clients. A client resuming from an
//! older position first catches up from Kafka itself, then joins the live
//! fan-out; its position skips what catch-up already delivered, so the
//! hand-over has no gap and no repeat. A catch-up that cannot finish (an
//! error, or not done within its time limit) ends the subscription with
//! [`Delivery::Lagged`] instead: joining the live fan-out then would skip
//! the events it did not read, and the client resumes from its last id.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsfeed_model::ArticleEvent;
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::tail::{Follower, PartitionRange, Positions, Tail};
use rdkafka::consumer::Consumer;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::position::Position;
use crate::stage::reader_topics_of;
use crate::store::Entry;

/// One published event as clients receive it.
#[derive(Debug)]
pub struct StreamEvent {
    /// Partition of the published topic.
    pub partition: i32,
    /// Offset in that partition.
    pub offset: i64,
    /// `article.published`, `article.updated` or `article.retracted`.
    pub kind: &'static str,
    /// Topic slugs whose subscribers get it.
    pub topics: Vec<String>,
    /// The ninjs document, as JSON.
    pub data: String,
}

impl StreamEvent {
    fn from_record(m: &BorrowedMessage<'_>) -> Option<Self> {
        let event: ArticleEvent = serde_json::from_slice(m.payload()?).ok()?;
        let kind = match event.publication.as_ref().and_then(|p| p.action.as_deref()) {
            Some("published") => "article.published",
            Some("updated") => "article.updated",
            _ => "article.retracted",
        };
        let topics = reader_topics_of(m, &event);
        let data = serde_json::to_string(&event.article).ok()?;
        Some(Self {
            partition: m.partition(),
            offset: m.offset(),
            kind,
            topics,
            data,
        })
    }
}

/// Which topics a client wants; empty means everything.
#[derive(Debug, Clone, Default)]
pub struct Filter(HashSet<String>);

impl Filter {
    /// From a comma-separated list of slugs.
    pub fn parse(list: Option<&str>) -> Self {
        Self(
            list.unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    fn matches(&self, e: &StreamEvent) -> bool {
        self.0.is_empty() || e.topics.iter().any(|t| self.0.contains(t))
    }
}

/// What a subscription yields.
#[derive(Debug)]
pub enum Delivery {
    /// An event, with the position to resume after it.
    Event {
        /// The event.
        event: Arc<StreamEvent>,
        /// The client's position after it (the `id:`).
        id: String,
    },
    /// The client fell too far behind the live fan-out, or its catch-up
    /// from Kafka could not finish; it should reconnect from its last id.
    Lagged,
}

/// The instance's fan-out of the published topic.
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<StreamEvent>>,
    /// Where the tail stands; `None` until it has started.
    position: Arc<Mutex<Option<Position>>>,
    /// The tail of the published topic, until joined.
    tail: Arc<Mutex<Option<Tail>>>,
    clients: KafkaClients,
    topic: String,
    /// How long a resuming client's catch-up may take before its stream ends.
    catch_up_limit: Duration,
    /// How far back a replay reaches (the retention of lists and feeds):
    /// older stories, and those past their `expires`, are not replayed.
    retention: chrono::Duration,
    /// Ends every subscription at shutdown, so graceful HTTP shutdown is not
    /// held up by streams that never finish on their own.
    shutdown: CancellationToken,
}

impl Hub {
    /// Starts tailing `topic` from its current end on a thread of its own;
    /// a resuming client's catch-up may take up to `catch_up_limit` and
    /// replays only stories within `retention`.
    pub fn start(
        clients: KafkaClients,
        topic: String,
        catch_up_limit: Duration,
        retention: chrono::Duration,
        shutdown: CancellationToken,
    ) -> Self {
        let (tx, _) = broadcast::channel(4096);
        let hub = Self {
            tx,
            position: Arc::default(),
            tail: Arc::default(),
            clients,
            topic,
            catch_up_limit,
            retention,
            shutdown,
        };
        let follower = Live { hub: hub.clone() };
        let topics = vec![hub.topic.clone()];
        match Tail::start(
            &hub.clients,
            "stream",
            topics,
            follower,
            hub.shutdown.clone(),
        ) {
            Ok(tail) => *hub.lock_tail() = Some(tail),
            // Never running: readiness says so.
            Err(e) => tracing::error!(error = format!("{e:#}"), "stream tail not started"),
        }
        hub
    }

    fn lock_tail(&self) -> std::sync::MutexGuard<'_, Option<Tail>> {
        self.tail.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the tail to stop (it stops at shutdown).
    pub async fn join(&self) {
        let tail = self.lock_tail().take();
        if let Some(tail) = tail {
            tail.join().await;
        }
    }

    /// Whether the tail runs (clients can subscribe).
    pub fn is_running(&self) -> bool {
        self.position.lock().map(|p| p.is_some()).unwrap_or(false)
    }

    /// Waits up to `within` for the tail to start; whether it runs. A
    /// client reconnecting while publish restarts waits rather than being
    /// turned away: a browser's `EventSource` answered with anything but
    /// 200 never tries again. (When the tail cannot start, every such
    /// client waits the whole `within` for its 503.)
    pub async fn started(&self, within: Duration) -> bool {
        let give_up = tokio::time::Instant::now() + within;
        while !self.is_running() {
            if tokio::time::Instant::now() >= give_up || self.shutdown.is_cancelled() {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        true
    }

    /// The partitions the tail follows; `None` until it has started.
    pub fn partitions(&self) -> Option<Vec<i32>> {
        let position = self.position.lock().unwrap_or_else(|p| p.into_inner());
        position
            .as_ref()
            .map(|p| p.iter().map(|(p, _)| p).collect())
    }

    /// The position of the first record at or after `time`, per partition.
    /// (No earlier than the retention reaches.)
    pub fn position_at(&self, time: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Position> {
        let time = time.max(chrono::Utc::now() - self.retention);
        // Kafka reads a negative time as "the end" or "the beginning": a
        // retention reaching back before 1970 starts at the first record.
        let millis = time.timestamp_millis().max(0);
        let reader = self.clients.reader()?;
        let timeout = self.clients.args().timeout();
        let mut tpl = TopicPartitionList::new();
        for p in newsfeed_runtime::kafka::partitions(reader.client(), &self.topic, timeout)? {
            tpl.add_partition_offset(&self.topic, p, Offset::Offset(millis))?;
        }
        let found = reader.offsets_for_times(tpl, timeout)?;
        let mut offsets = Vec::new();
        for e in found.elements() {
            let at = match e.offset() {
                Offset::Offset(o) => o,
                // No record that late: start at the end.
                _ => {
                    newsfeed_runtime::kafka::watermarks(
                        &reader,
                        &self.topic,
                        e.partition(),
                        timeout,
                    )?
                    .1
                }
            };
            offsets.push((e.partition(), at));
        }
        Ok(Position::from_offsets(offsets))
    }

    /// Subscribes from `from` (or from now), yielding the events `filter` wants.
    /// `None` while the tail has not started.
    pub fn subscribe(
        &self,
        from: Option<Position>,
        filter: Filter,
    ) -> Option<mpsc::Receiver<Delivery>> {
        let (mut live, snapshot) = {
            let position = self.position.lock().unwrap_or_else(|p| p.into_inner());
            (self.tx.subscribe(), position.clone()?)
        };
        let (out, rx) = mpsc::channel(256);
        let hub = self.clone();
        tokio::spawn(async move {
            let mut cursor = from.clone().unwrap_or_else(|| snapshot.clone());
            if let Some(from) = from {
                let (tx, mut missed) = mpsc::channel(256);
                let catch_up = hub.clone();
                let until = snapshot.clone();
                let reading =
                    tokio::task::spawn_blocking(move || catch_up.catch_up(&from, &until, &tx));
                while let Some(event) = tokio::select! {
                    e = missed.recv() => e,
                    _ = hub.shutdown.cancelled() => return,
                } {
                    if !deliver(&out, &mut cursor, &filter, event).await {
                        return;
                    }
                }
                // The channel closed: catch-up ended. Only a finished one may
                // hand over to the live fan-out.
                if !matches!(reading.await, Ok(Ok(()))) {
                    let _ = out.send(Delivery::Lagged).await;
                    return;
                }
            }
            loop {
                let next = tokio::select! {
                    next = live.recv() => next,
                    _ = hub.shutdown.cancelled() => return,
                };
                match next {
                    Ok(event) if cursor.has_passed(event.partition, event.offset) => {}
                    Ok(event) => {
                        if !deliver(&out, &mut cursor, &filter, event).await {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = out.send(Delivery::Lagged).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Some(rx)
    }

    /// Reads `[from, until)` of every partition from Kafka into `tx`; an
    /// error means the range was not read to its end.
    fn catch_up(
        &self,
        from: &Position,
        until: &Position,
        tx: &mpsc::Sender<Arc<StreamEvent>>,
    ) -> anyhow::Result<()> {
        let read = self.try_catch_up(from, until, tx);
        if let Err(e) = &read {
            tracing::warn!(
                error = format!("{e:#}"),
                "stream catch-up failed; ending the stream so the client resumes from its last id"
            );
        }
        read
    }

    fn try_catch_up(
        &self,
        from: &Position,
        until: &Position,
        tx: &mpsc::Sender<Arc<StreamEvent>>,
    ) -> anyhow::Result<()> {
        // Nothing published before the retention is replayed: start there.
        let floor = self.position_at(chrono::Utc::now() - self.retention)?;
        let reader = self.clients.reader()?;
        let mut tpl = TopicPartitionList::new();
        let mut pending: Vec<(i32, i64)> = Vec::new();
        for (p, end) in until.iter() {
            let start = from.get(p).unwrap_or(0).max(floor.get(p).unwrap_or(0));
            if start < end {
                tpl.add_partition_offset(&self.topic, p, Offset::Offset(start))?;
                pending.push((p, end));
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        reader.assign(&tpl)?;
        let give_up = Instant::now() + self.catch_up_limit;
        while Instant::now() < give_up {
            let position = reader.position()?;
            let done = pending.iter().all(|(p, end)| {
                matches!(position.find_partition(&self.topic, *p).map(|e| e.offset()), Some(Offset::Offset(o)) if o >= *end)
            });
            if done {
                return Ok(());
            }
            if let Some(Ok(m)) = reader.poll(Duration::from_millis(100)) {
                let before_end = until.get(m.partition()).is_some_and(|end| m.offset() < end);
                let replayable = before_end && self.is_current(&m);
                if let Some(e) = StreamEvent::from_record(&m).filter(|_| replayable)
                    && tx.blocking_send(Arc::new(e)).is_err()
                {
                    return Ok(()); // the client went away
                }
            }
        }
        anyhow::bail!("catch-up did not reach the live position in time")
    }
}

/// The hub's side of the shared topic tail: starts at the end of every
/// partition (or, reopened after an error, where it was, so live clients see
/// no gap) and fans every record out.
struct Live {
    hub: Hub,
}

impl Follower for Live {
    fn start(&mut self, partitions: &[PartitionRange]) -> anyhow::Result<Vec<Offset>> {
        let mut position = self.hub.position.lock().unwrap_or_else(|p| p.into_inner());
        let start: Vec<(i32, i64)> = partitions
            .iter()
            .map(|r| {
                let at = position.as_ref().and_then(|p| p.get(r.partition));
                (r.partition, at.unwrap_or(r.high))
            })
            .collect();
        *position = Some(Position::from_offsets(start.iter().copied()));
        tracing::info!(topic = %self.hub.topic, "stream tail started");
        Ok(start.into_iter().map(|(_, o)| Offset::Offset(o)).collect())
    }

    fn apply(&mut self, batch: &[BorrowedMessage<'_>], _: &Positions) -> anyhow::Result<()> {
        for m in batch {
            let event = StreamEvent::from_record(m).map(Arc::new);
            // Advance and send under one lock, so a subscriber's snapshot and its receiver agree.
            let mut position = self.hub.position.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(pos) = position.as_mut() {
                pos.advance(m.partition(), m.offset());
            }
            if let Some(e) = event {
                let _ = self.hub.tx.send(e);
            }
        }
        Ok(())
    }
}

impl Hub {
    /// Whether a record's story is replayed: within the retention and not
    /// past its `expires` (the rule of topic lists and feeds).
    fn is_current(&self, m: &BorrowedMessage<'_>) -> bool {
        m.payload()
            .and_then(|p| serde_json::from_slice::<ArticleEvent>(p).ok())
            .is_some_and(|e| Entry::of(e).is_current(self.retention, chrono::Utc::now()))
    }
}

/// Advances `cursor` past `event` and sends it if wanted; false once the client is gone.
async fn deliver(
    out: &mpsc::Sender<Delivery>,
    cursor: &mut Position,
    filter: &Filter,
    event: Arc<StreamEvent>,
) -> bool {
    cursor.advance(event.partition, event.offset);
    if !filter.matches(&event) {
        return true;
    }
    out.send(Delivery::Event {
        event,
        id: cursor.to_string(),
    })
    .await
    .is_ok()
}

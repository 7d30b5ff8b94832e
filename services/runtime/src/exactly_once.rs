//! The exactly-once loop shared by enrich and publish: consume a batch of
//! committed records, turn each into output records (or a dead letter), and
//! write the outputs together with the input offsets in one Kafka
//! transaction. Either all of a batch's effects become visible or none do,
//! so a crash at any point leads to a clean replay, never a duplicate.
//!
//! Transaction calls block, so the loop runs on its own thread, never on the
//! async executor.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use chrono::{DateTime, Utc};
use newsfeed_model::{ArticleEvent, ArticleUri};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use crate::cloudevents::TraceParent;
use crate::http::ReadinessCheck;
use crate::kafka::{KafkaClients, ObservedContext, commit_transaction, probe, send_waiting};
use crate::metrics::StageMetrics;
use opentelemetry::trace::SpanKind;

/// One record to write.
#[derive(Debug)]
pub struct Output {
    /// Destination topic.
    pub topic: String,
    /// Partition to write to; `None` leaves it to the partitioner (by key).
    pub partition: Option<i32>,
    /// Record key (the story uri).
    pub key: Vec<u8>,
    /// Record value; `None` writes a tombstone (deletes the key from a compacted topic).
    pub payload: Option<Vec<u8>>,
    /// Record headers.
    pub headers: OwnedHeaders,
    /// `Some` for the stage's article output (counted, and timed from
    /// `ingested_at` once committed); `None` for side records such as state.
    pub article: Option<Option<DateTime<Utc>>>,
}

/// Why a record cannot be processed; it goes to the dead-letter topic.
#[derive(Debug)]
pub struct Rejection {
    /// Short, fixed label (metrics and the `newsfeed-dlq-reason` header).
    pub reason: &'static str,
    /// What exactly was wrong.
    pub detail: String,
}

/// A stage's work on one record.
pub trait Processor: Send {
    /// Turns one committed input record into output records; `trace` is
    /// this hop of the record's trace, for the outputs' `traceparent`.
    fn process(
        &mut self,
        record: &BorrowedMessage<'_>,
        trace: &TraceParent,
    ) -> Result<Vec<Output>, Rejection>;
    /// Records to write now that no input caused, such as a story whose
    /// embargo has just lifted. Asked between batches (at least every
    /// 200 ms); written in a transaction of their own or with the next batch.
    fn due(&mut self) -> Vec<Output> {
        Vec::new()
    }
    /// The consumer's partitions of the input topic changed (a rebalance):
    /// called before any record of a newly assigned partition is processed.
    fn assigned(&mut self, partitions: &[i32]) -> anyhow::Result<()> {
        let _ = partitions;
        Ok(())
    }
    /// The transaction carrying everything since the last call committed.
    fn committed(&mut self) {}
    /// The transaction was aborted; its records will be consumed again.
    fn aborted(&mut self) {}
    /// True when a panic in [`Processor::process`] leaves the processor as
    /// it was (it changes nothing of its own before it can fail): then such
    /// a record is dead-lettered with reason `panicked` and the stream goes
    /// on. Otherwise the panic stops the stage, which aborts the
    /// transaction and starts again from the last commit.
    fn panics_leave_it_unchanged(&self) -> bool {
        false
    }
}

/// Decodes a record's value as an [`ArticleEvent`] whose story has a valid uri.
pub fn decode_event(record: &BorrowedMessage<'_>) -> Result<ArticleEvent, Rejection> {
    let payload = record.payload().ok_or_else(|| Rejection {
        reason: "empty",
        detail: "record has no value".into(),
    })?;
    let event: ArticleEvent = serde_json::from_slice(payload).map_err(|e| Rejection {
        reason: "undecodable",
        detail: format!("not an ArticleEvent: {e}"),
    })?;
    match event.article.uri.as_deref().map(ArticleUri::parse) {
        Some(Ok(_)) => Ok(event),
        _ => Err(Rejection {
            reason: "invalid_article",
            detail: "article has no valid uri".into(),
        }),
    }
}

/// How the loop batches.
#[derive(Debug, Clone)]
pub struct LoopSettings {
    /// Topic to consume.
    pub input: String,
    /// Dead-letter topic.
    pub dead_letter: String,
    /// Stage name, written into dead letters.
    pub stage: &'static str,
    /// Most records per transaction.
    pub max_batch: usize,
    /// How long to wait for more records after the first of a batch.
    pub linger: Duration,
    /// Timeout of each transaction call.
    pub timeout: Duration,
    /// Topics to create at start if missing (input, outputs, dead letters).
    pub create: Vec<String>,
    /// Those of `create` that are compacted.
    pub compacted: Vec<String>,
}

/// Runs until `shutdown` fires (finishing and committing the batch in hand)
/// or a fatal Kafka error occurs.
pub fn run<P: Processor>(
    consumer: &BaseConsumer<ObservedContext>,
    producer: &ThreadedProducer<ObservedContext>,
    processor: &mut P,
    settings: &LoopSettings,
    metrics: &Arc<StageMetrics>,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    consumer
        .subscribe(&[&settings.input])
        .with_context(|| format!("subscribing to {}", settings.input))?;
    tracing::info!(topic = %settings.input, "consuming");
    let mut assigned: Vec<i32> = Vec::new();
    while !shutdown.is_cancelled() {
        let batch = next_batch(consumer, settings, shutdown);
        // Rebalances happen inside poll: catch up with them before using the batch.
        let now: Vec<i32> = match consumer.assignment() {
            Ok(tpl) => {
                let mut p: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
                p.sort_unstable();
                p
            }
            Err(e) => return Err(anyhow!("reading the consumer's assignment: {e}")),
        };
        if now != assigned {
            tracing::info!(partitions = ?now, "input partitions assigned");
            processor.assigned(&now)?;
            assigned = now;
        }
        let due = processor.due();
        if batch.is_empty() && due.is_empty() {
            continue;
        }
        let started = Instant::now();
        match transact(
            consumer, producer, processor, &batch, due, settings, metrics,
        ) {
            Ok(emitted) => {
                processor.committed();
                metrics.transaction("committed");
                metrics.received(batch.len() as u64);
                for ingested_at in emitted {
                    metrics.emitted(ingested_at);
                }
                metrics.observe("transaction", started.elapsed());
            }
            Err(e) => {
                metrics.transaction("aborted");
                processor.aborted();
                recover(consumer, producer, &batch, settings, &e)?;
            }
        }
    }
    tracing::info!(topic = %settings.input, "consumer stopped; last batch committed");
    Ok(())
}

/// Polls until a first record arrives, then gathers more for up to `linger`.
fn next_batch<'c>(
    consumer: &'c BaseConsumer<ObservedContext>,
    settings: &LoopSettings,
    shutdown: &CancellationToken,
) -> Vec<BorrowedMessage<'c>> {
    let mut batch = Vec::new();
    let mut deadline: Option<Instant> = None;
    while batch.len() < settings.max_batch && !shutdown.is_cancelled() {
        let wait = match deadline {
            None => Duration::from_millis(200),
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) => left,
                None => break,
            },
        };
        match consumer.poll(wait) {
            Some(Ok(m)) => {
                deadline.get_or_insert_with(|| Instant::now() + settings.linger);
                batch.push(m);
            }
            Some(Err(e)) => tracing::warn!(error = %e, "consumer error"),
            None if deadline.is_none() => return batch,
            None => {}
        }
    }
    batch
}

/// Processes and writes one batch inside a transaction; returns the
/// `ingested_at` of every article written on.
fn transact<P: Processor>(
    consumer: &BaseConsumer<ObservedContext>,
    producer: &ThreadedProducer<ObservedContext>,
    processor: &mut P,
    batch: &[BorrowedMessage<'_>],
    due: Vec<Output>,
    settings: &LoopSettings,
    metrics: &StageMetrics,
) -> Result<Vec<Option<DateTime<Utc>>>, KafkaError> {
    producer.begin_transaction()?;
    let mut emitted = Vec::new();
    for out in due {
        emitted.extend(write(producer, out)?);
    }
    for record in batch {
        let started = Instant::now();
        // Every line logged about this record names its story, trace and coordinates.
        let parent = record
            .headers()
            .and_then(|h| crate::cloudevents::header_str(h, "traceparent"))
            .and_then(TraceParent::parse);
        let trace = parent
            .as_ref()
            .map_or_else(TraceParent::new_root, TraceParent::child);
        let span = crate::telemetry::record_span(settings.stage, record, &trace);
        let _in_span = span.enter();
        let mut hop = crate::spans::Hop::start(
            settings.stage,
            SpanKind::Consumer,
            parent.as_ref(),
            &trace,
            crate::spans::record_attributes(record),
        );
        let processed = if processor.panics_leave_it_unchanged() {
            guarded(|| processor.process(record, &trace))
        } else {
            processor.process(record, &trace)
        };
        match processed {
            Ok(outputs) => {
                tracing::debug!(outputs = outputs.len(), "record processed");
                for out in outputs {
                    emitted.extend(write(producer, out)?);
                }
            }
            Err(rejection) => {
                hop.fail(format!("dead-lettered: {}", rejection.reason));
                metrics.dead_lettered(rejection.reason, &rejection.detail);
                let headers = dead_letter_headers(record, settings.stage, &rejection);
                let dead = BaseRecord::to(&settings.dead_letter)
                    .key(record.key().unwrap_or_default())
                    .payload(record.payload().unwrap_or_default())
                    .headers(headers);
                send_waiting(producer, dead)?;
            }
        }
        metrics.observe("process", started.elapsed());
    }
    if !batch.is_empty() {
        let group = consumer
            .group_metadata()
            .ok_or(KafkaError::MessageConsumption(RDKafkaErrorCode::State))?;
        producer.send_offsets_to_transaction(
            &next_offsets(consumer, batch)?,
            &group,
            settings.timeout,
        )?;
    }
    commit_transaction(producer, settings.timeout)?;
    Ok(emitted)
}

/// Runs one record's processing, turning a panic (a bug in the stage's
/// code, met on some input) into a rejection: the record goes to the
/// dead-letter topic with the panic's message and the stream goes on,
/// rather than the stage dying on it and meeting it again on every restart.
/// Only for processors whose state a panic cannot leave half changed.
fn guarded<T>(process: impl FnOnce() -> Result<T, Rejection>) -> Result<T, Rejection> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(process)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Rejection {
            reason: PANICKED,
            detail: message.chars().take(PANIC_DETAIL_CHARS).collect(),
        })
    })
}

/// The rejection reason of a record whose processing panicked.
pub const PANICKED: &str = "panicked";

/// How much of a panic's message the dead letter keeps (it may quote the
/// story).
const PANIC_DETAIL_CHARS: usize = 200;

/// Sends one output inside the open transaction; returns its article
/// marker for the metrics.
fn write(
    producer: &ThreadedProducer<ObservedContext>,
    out: Output,
) -> Result<Option<Option<DateTime<Utc>>>, KafkaError> {
    let mut record = BaseRecord::to(&out.topic)
        .key(out.key.as_slice())
        .headers(out.headers);
    if let Some(payload) = out.payload.as_deref() {
        record = record.payload(payload);
    }
    if let Some(partition) = out.partition {
        record = record.partition(partition);
    }
    send_waiting(producer, record)?;
    Ok(out.article)
}

/// The offsets to commit: one past the last record of each partition, or
/// the consumer's position when that is further on (it has stepped over a
/// transaction marker, which would otherwise show as a lag of one forever).
fn next_offsets<C: rdkafka::consumer::ConsumerContext>(
    consumer: &BaseConsumer<C>,
    batch: &[BorrowedMessage<'_>],
) -> Result<TopicPartitionList, KafkaError> {
    let mut next: HashMap<(&str, i32), i64> = HashMap::new();
    for m in batch {
        let e = next.entry((m.topic(), m.partition())).or_insert(0);
        *e = (*e).max(m.offset() + 1);
    }
    let position = consumer.position()?;
    let mut tpl = TopicPartitionList::new();
    for ((topic, partition), offset) in next {
        let at = match position
            .find_partition(topic, partition)
            .map(|p| p.offset())
        {
            Some(Offset::Offset(p)) => p.max(offset),
            _ => offset,
        };
        tpl.add_partition_offset(topic, partition, Offset::Offset(at))?;
    }
    Ok(tpl)
}

/// The original headers plus why and where the record failed.
fn dead_letter_headers(
    record: &BorrowedMessage<'_>,
    stage: &str,
    rejection: &Rejection,
) -> OwnedHeaders {
    let mut h = OwnedHeaders::new();
    if let Some(orig) = record.headers() {
        for header in orig.iter() {
            h = h.insert(Header {
                key: header.key,
                value: header.value,
            });
        }
    }
    let (partition, offset) = (record.partition().to_string(), record.offset().to_string());
    for (key, value) in [
        ("newsfeed-dlq-stage", stage),
        ("newsfeed-dlq-reason", rejection.reason),
        ("newsfeed-dlq-detail", rejection.detail.as_str()),
        ("newsfeed-dlq-topic", record.topic()),
        ("newsfeed-dlq-partition", partition.as_str()),
        ("newsfeed-dlq-offset", offset.as_str()),
    ] {
        h = h.insert(Header {
            key,
            value: Some(value),
        });
    }
    h
}

/// After a failed transaction: abort it and rewind the consumer to the
/// batch's first records, so they are processed again. Fatal errors (the
/// producer was fenced by a newer instance) end the loop.
fn recover(
    consumer: &BaseConsumer<ObservedContext>,
    producer: &ThreadedProducer<ObservedContext>,
    batch: &[BorrowedMessage<'_>],
    settings: &LoopSettings,
    error: &KafkaError,
) -> anyhow::Result<()> {
    if let KafkaError::Transaction(e) = error
        && e.is_fatal()
    {
        return Err(anyhow!(
            "fatal Kafka transaction error: {e} (another instance may have the same NEWSFEED_INSTANCE_ID)"
        ));
    }
    tracing::warn!(error = %error, records = batch.len(), "transaction failed; aborting and replaying the batch");
    producer
        .abort_transaction(settings.timeout)
        .map_err(|e| anyhow!("aborting Kafka transaction: {e}"))?;
    let mut first: HashMap<(&str, i32), i64> = HashMap::new();
    for m in batch {
        let e = first.entry((m.topic(), m.partition())).or_insert(i64::MAX);
        *e = (*e).min(m.offset());
    }
    for ((topic, partition), offset) in first {
        // A partition revoked meanwhile cannot be sought; its new owner starts from the committed offset.
        if let Err(e) = consumer.seek(topic, partition, Offset::Offset(offset), settings.timeout) {
            tracing::warn!(topic, partition, error = %e, "rewind failed");
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    Ok(())
}

/// A running stage: its loop thread and what readiness needs to see.
pub struct StageHandle {
    consumer: Arc<OnceLock<Arc<BaseConsumer<ObservedContext>>>>,
    input: String,
    /// The loop's outcome, sent before its clients close.
    outcome: std::sync::mpsc::Receiver<anyhow::Result<()>>,
    thread: std::thread::JoinHandle<()>,
}

/// How long closing the stage's Kafka clients at shutdown may take.
/// rdkafka's consumer waits for its close without a bound, and a close just
/// after `subscribe`, with the group join in flight, was seen to take over
/// 30 s. The last batch is committed before, so giving up loses nothing: the
/// group drops the member when its session times out.
const CLOSE_WAIT: Duration = Duration::from_secs(10);

/// Starts `processor` on its own thread: connects (retrying until Kafka
/// answers), then runs the loop until `shutdown`. A fatal error
/// cancels `shutdown` so the whole service stops.
pub fn spawn<P: Processor + 'static>(
    clients: KafkaClients,
    settings: LoopSettings,
    mut processor: P,
    metrics: Arc<StageMetrics>,
    shutdown: CancellationToken,
) -> StageHandle {
    let ready: Arc<OnceLock<Arc<BaseConsumer<ObservedContext>>>> = Arc::default();
    let published = ready.clone();
    let input = settings.input.clone();
    let runtime = tokio::runtime::Handle::current();
    let (outcome_tx, outcome) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut open = None;
        let result = match connect(&clients, &settings, &runtime, &metrics, &shutdown) {
            None => Ok(()),
            Some((consumer, producer)) => {
                let _ = published.set(consumer.clone());
                let result = run(
                    &consumer,
                    &producer,
                    &mut processor,
                    &settings,
                    &metrics,
                    &shutdown,
                );
                open = Some((consumer, producer));
                result
            }
        };
        if let Err(e) = &result {
            tracing::error!(error = format!("{e:#}"), "stage stopped");
            shutdown.cancel();
        }
        let _ = outcome_tx.send(result);
        // The clients close after the outcome is known: `join` waits for
        // that only so long.
        drop(open);
    });
    StageHandle {
        consumer: ready,
        input,
        outcome,
        thread,
    }
}

/// Creates the stage's topics and clients, retrying until Kafka answers.
fn connect(
    clients: &KafkaClients,
    settings: &LoopSettings,
    runtime: &tokio::runtime::Handle,
    metrics: &Arc<StageMetrics>,
    shutdown: &CancellationToken,
) -> Option<(
    Arc<BaseConsumer<ObservedContext>>,
    ThreadedProducer<ObservedContext>,
)> {
    let create: Vec<&str> = settings.create.iter().map(String::as_str).collect();
    let compacted: Vec<&str> = settings.compacted.iter().map(String::as_str).collect();
    let mut backoff = Duration::from_millis(250);
    while !shutdown.is_cancelled() {
        let ctx = ObservedContext::new(metrics.clone());
        let attempt = runtime
            .block_on(clients.ensure_topics(&create, &compacted))
            .and_then(|()| clients.consumer("", ctx.clone()))
            .and_then(|c| Ok((c, clients.transactional_producer("stage", ctx)?)));
        match attempt {
            Ok((c, p)) => return Some((Arc::new(c), p)),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "connecting to Kafka failed; retrying"
            ),
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
    None
}

impl std::fmt::Debug for StageHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StageHandle")
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}

impl StageHandle {
    /// Ready when the loop runs and its consumer can reach the input topic.
    pub fn readiness(&self) -> ReadinessCheck {
        let (consumer, input) = (self.consumer.clone(), self.input.clone());
        Arc::new(move || match consumer.get() {
            None => Err("starting: connecting to Kafka".to_owned()),
            Some(c) if probe(c.client(), &input, Duration::from_secs(2)) => Ok(()),
            Some(_) => Err(format!("Kafka does not answer for {input}")),
        })
    }

    /// Waits for the loop to finish (after shutdown or a fatal error), then
    /// for its Kafka clients to close, for at most [`CLOSE_WAIT`].
    pub async fn join(self) -> anyhow::Result<()> {
        let StageHandle {
            consumer,
            outcome,
            thread,
            ..
        } = self;
        let result = tokio::task::spawn_blocking(move || outcome.recv())
            .await?
            .map_err(|_| anyhow!("stage thread panicked"))?;
        // The loop's thread drops the producer and its share of the
        // consumer; the last share, here, leaves the group.
        let (closed, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = thread.join();
            drop(consumer);
            let _ = closed.send(());
        });
        let waited = tokio::task::spawn_blocking(move || wait.recv_timeout(CLOSE_WAIT)).await?;
        if waited.is_err() {
            tracing::warn!(
                waited_secs = CLOSE_WAIT.as_secs(),
                "the Kafka clients did not close in time; stopping without them"
            );
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_record_becomes_a_rejection_with_its_message() {
        let rejected = guarded::<()>(|| panic!("byte index 411 is not a char boundary"));
        let Err(rejection) = rejected else {
            panic!("a panic must become a rejection");
        };
        assert_eq!(rejection.reason, PANICKED);
        assert_eq!(rejection.detail, "byte index 411 is not a char boundary");
        // A long message is cut; a formatted one is read too.
        let long = "é".repeat(1000);
        let Err(rejection) = guarded::<()>(|| panic!("{long}")) else {
            panic!("a panic must become a rejection");
        };
        assert_eq!(rejection.detail.chars().count(), PANIC_DETAIL_CHARS);
        // What does not panic passes through.
        assert_eq!(guarded(|| Ok::<_, Rejection>(7)).ok(), Some(7));
    }
}

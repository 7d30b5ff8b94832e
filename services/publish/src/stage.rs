//! Publish's work on one enriched record: decide against the story's current
//! version (a lower version never replaces a higher one), then write the
//! decision to the compacted state topic and, when readers are affected, to
//! the published topic — both in the loop's transaction. The in-memory store
//! changes only once that transaction commits.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use newsfeed_model::{ArticleEvent, EventType, Publication, StoryVersion};
use newsfeed_runtime::cloudevents::{TraceParent, header_str, headers};
use newsfeed_runtime::exactly_once::{Output, Processor, Rejection, decode_event};
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::{StageMetrics, Topics};
use prometheus::{IntCounterVec, IntGauge};
use rdkafka::consumer::Consumer;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::store::{Action, Skip, Store};

/// The publish stage.
#[derive(Debug)]
pub struct Publish {
    store: Arc<RwLock<Store>>,
    /// Decisions of the open transaction, newest per story, applied on commit.
    pending: HashMap<String, (StoryVersion, Action)>,
    pending_events: Vec<ArticleEvent>,
    topics: Topics,
    clients: KafkaClients,
    skipped: IntCounterVec,
    stories: IntGauge,
}

impl Publish {
    /// A stage keeping `store` up to date; registers its metrics.
    pub fn new(
        store: Arc<RwLock<Store>>,
        topics: Topics,
        clients: KafkaClients,
        metrics: Arc<StageMetrics>,
    ) -> anyhow::Result<Self> {
        let skipped = IntCounterVec::new(
            prometheus::Opts::new(
                metrics.name("articles_skipped_total"),
                "Story versions not applied, by reason.",
            ),
            &["reason"],
        )?;
        let stories = IntGauge::new(metrics.name("stories"), "Stories known, visible or not.")?;
        metrics.registry.register(Box::new(skipped.clone()))?;
        metrics.registry.register(Box::new(stories.clone()))?;
        Ok(Self {
            store,
            pending: HashMap::new(),
            pending_events: Vec::new(),
            topics,
            clients,
            skipped,
            stories,
        })
    }
}

impl Processor for Publish {
    fn prepare(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        let rebuilt = rebuild(
            &self.clients,
            &self.topics.publish_state,
            Duration::from_secs(120),
        )?;
        tracing::info!(
            stories = rebuilt.len(),
            took_ms = started.elapsed().as_millis() as u64,
            "state rebuilt from Kafka"
        );
        self.stories.set(rebuilt.len() as i64);
        *self
            .store
            .write()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))? = rebuilt;
        Ok(())
    }

    fn process(&mut self, record: &BorrowedMessage<'_>) -> Result<Vec<Output>, Rejection> {
        let mut event = decode_event(record)?;
        let uri = event.article.uri.clone().unwrap_or_default();
        let current = match self.pending.get(&uri) {
            Some(p) => Some(*p),
            None => self
                .store
                .read()
                .map_err(|_| internal("store lock poisoned"))?
                .current(&uri),
        };
        let action = match Store::decide(current, &event.article) {
            Ok(a) => a,
            Err(Skip::Stale) => {
                self.skipped.with_label_values(&["stale"]).inc();
                tracing::debug!(%uri, "stale version ignored");
                return Ok(vec![]);
            }
        };
        let was_visible = current.is_some_and(|(_, a)| a.is_visible());
        let now = Utc::now();
        event.publication = Some(Publication {
            action: Some(action.as_str().into()),
            published_at: Some(now),
        });
        let trace =
            TraceParent::continue_from(record.headers().and_then(|h| header_str(h, "traceparent")));
        let payload = serde_json::to_vec(&event).map_err(|e| internal(&e.to_string()))?;
        let mut outputs = vec![Output {
            topic: self.topics.publish_state.clone(),
            key: uri.clone().into_bytes(),
            payload: payload.clone(),
            headers: headers(&event, EventType::Published, "publish", now, &trace),
            article: None,
        }];
        if action.is_visible() || was_visible {
            outputs.push(Output {
                topic: self.topics.published.clone(),
                key: uri.clone().into_bytes(),
                payload,
                headers: headers(&event, EventType::Published, "publish", now, &trace),
                article: Some(event.ingested_at),
            });
        }
        self.pending
            .insert(uri, (StoryVersion::of(&event.article), action));
        self.pending_events.push(event);
        Ok(outputs)
    }

    fn committed(&mut self) {
        self.pending.clear();
        if let Ok(mut store) = self.store.write() {
            for e in self.pending_events.drain(..) {
                store.apply(e);
            }
            self.stories.set(store.len() as i64);
        }
    }

    fn aborted(&mut self) {
        self.pending.clear();
        self.pending_events.clear();
    }
}

fn internal(detail: &str) -> Rejection {
    Rejection {
        reason: "internal",
        detail: detail.to_owned(),
    }
}

/// Reads the compacted state topic from the beginning to its end.
pub fn rebuild(clients: &KafkaClients, topic: &str, deadline: Duration) -> anyhow::Result<Store> {
    let reader = clients.reader()?;
    let timeout = clients.args().timeout();
    let meta = reader
        .fetch_metadata(Some(topic), timeout)
        .context("reading state topic metadata")?;
    let partitions: Vec<i32> = meta
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    let mut ends = HashMap::new();
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        let (low, high) = reader
            .fetch_watermarks(topic, p, timeout)
            .context("reading state topic offsets")?;
        if high > low {
            ends.insert(p, high);
            tpl.add_partition_offset(topic, p, Offset::Beginning)?;
        }
    }
    let mut store = Store::default();
    if ends.is_empty() {
        return Ok(store);
    }
    reader.assign(&tpl)?;
    let give_up = Instant::now() + deadline;
    while !caught_up(&reader, topic, &ends)? {
        if Instant::now() > give_up {
            bail!("state topic {topic} not read to its end within {deadline:?}");
        }
        match reader.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => match m.payload().map(serde_json::from_slice::<ArticleEvent>) {
                Some(Ok(event)) => store.apply(event),
                Some(Err(e)) => {
                    tracing::warn!(offset = m.offset(), error = %e, "skipping unreadable state record")
                }
                None => {}
            },
            Some(Err(e)) => tracing::warn!(error = %e, "state read error"),
            None => {}
        }
    }
    Ok(store)
}

fn caught_up<C: rdkafka::consumer::ConsumerContext>(
    reader: &rdkafka::consumer::BaseConsumer<C>,
    topic: &str,
    ends: &HashMap<i32, i64>,
) -> anyhow::Result<bool> {
    let pos = reader.position()?;
    Ok(ends.iter().all(|(p, end)| {
        matches!(pos.find_partition(topic, *p).map(|e| e.offset()), Some(Offset::Offset(o)) if o >= *end)
    }))
}

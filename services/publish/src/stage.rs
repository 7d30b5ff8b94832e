//! Publish's work on one enriched record: decide against what is known of
//! the story (see [`crate::lifecycle`]), then write the decision — in the
//! loop's transaction — to the compacted state topic, to the published topic
//! and its routes when readers are affected, and to the embargo topic when
//! the version must wait. Embargoes that come due are released the same
//! way. The in-memory store changes only once the transaction commits.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use newsfeed_model::{ArticleEvent, EventType, Publication};
use newsfeed_runtime::cloudevents::{TraceParent, header_str, headers};
use newsfeed_runtime::exactly_once::{Output, Processor, Rejection, decode_event};
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::{StageMetrics, Topics};
use prometheus::{IntCounterVec, IntGauge};
use rdkafka::consumer::Consumer;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};

use crate::config::Route;
use crate::lifecycle::{self, Decision, Known};
use crate::store::{Action, Store, topic_slugs};

/// A store change that waits for its transaction to commit.
#[derive(Debug)]
enum Change {
    Applied(ArticleEvent),
    Embargoed(ArticleEvent),
    EmbargoCleared(String),
}

/// The publish stage.
#[derive(Debug)]
pub struct Publish {
    store: Arc<RwLock<Store>>,
    /// What the open transaction decided, newest per story, for later records in it.
    pending: HashMap<String, Known>,
    changes: Vec<Change>,
    topics: Topics,
    routes: Vec<Route>,
    clients: KafkaClients,
    skipped: IntCounterVec,
    stories: IntGauge,
    embargoed: IntGauge,
}

impl Publish {
    /// A stage keeping `store` up to date; registers its metrics.
    pub fn new(
        store: Arc<RwLock<Store>>,
        topics: Topics,
        routes: Vec<Route>,
        clients: KafkaClients,
        metrics: &StageMetrics,
    ) -> anyhow::Result<Self> {
        let skipped = IntCounterVec::new(
            prometheus::Opts::new(
                metrics.name("articles_skipped_total"),
                "Story versions not applied, by reason.",
            ),
            &["reason"],
        )?;
        let stories = IntGauge::new(metrics.name("stories"), "Stories known, visible or not.")?;
        let embargoed = IntGauge::new(
            metrics.name("embargoed_stories"),
            "Story versions waiting for their embargo.",
        )?;
        metrics.registry.register(Box::new(skipped.clone()))?;
        metrics.registry.register(Box::new(stories.clone()))?;
        metrics.registry.register(Box::new(embargoed.clone()))?;
        Ok(Self {
            store,
            pending: HashMap::new(),
            changes: Vec::new(),
            topics,
            routes,
            clients,
            skipped,
            stories,
            embargoed,
        })
    }

    fn known(&self, uri: &str) -> Result<Known, Rejection> {
        match self.pending.get(uri) {
            Some(k) => Ok(*k),
            None => Ok(self
                .store
                .read()
                .map_err(|_| internal("store lock poisoned"))?
                .known(uri)),
        }
    }

    /// The records and store changes for `decision` about `event`.
    fn carry_out(
        &mut self,
        mut event: ArticleEvent,
        decision: Decision,
        known: Known,
        trace: &TraceParent,
    ) -> Result<Vec<Output>, Rejection> {
        let uri = event.article.uri.clone().unwrap_or_default();
        let now = Utc::now();
        let mut out = Vec::new();
        let mut next = known;
        next.newest = Some(newsfeed_model::StoryVersion::of(&event.article));
        match decision {
            Decision::Stale => {
                self.skipped.with_label_values(&["stale"]).inc();
                return Ok(out);
            }
            Decision::Embargo { until } => {
                tracing::info!(%uri, %until, "embargoed");
                event.publication = Some(Publication {
                    action: Some(Action::Embargoed.as_str().into()),
                    published_at: None,
                });
                out.push(self.record(&self.topics.publish_embargoes, &event, now, trace, None)?);
                next.embargoed = true;
                self.changes.push(Change::Embargoed(event));
            }
            Decision::Apply { action, notify } => {
                event.publication = Some(Publication {
                    action: Some(action.as_str().into()),
                    published_at: Some(now),
                });
                out.push(self.record(&self.topics.publish_state, &event, now, trace, None)?);
                if notify {
                    let slugs = self.reader_topics(&uri, &event)?;
                    let ingested = Some(event.ingested_at);
                    let published =
                        self.record(&self.topics.published, &event, now, trace, ingested)?;
                    out.push(Output {
                        headers: with_topics(published.headers, &slugs),
                        ..published
                    });
                    for route in self.routes.iter().filter(|r| slugs.contains(&r.slug)) {
                        let routed = self.record(&route.topic, &event, now, trace, None)?;
                        out.push(Output {
                            headers: with_topics(routed.headers, &slugs),
                            ..routed
                        });
                    }
                }
                if known.embargoed {
                    out.push(tombstone(&self.topics.publish_embargoes, &uri));
                    self.changes.push(Change::EmbargoCleared(uri.clone()));
                    next.embargoed = false;
                }
                next.visible = action.is_visible();
                self.changes.push(Change::Applied(event));
            }
        }
        self.pending.insert(uri, next);
        Ok(out)
    }

    /// The topics whose readers hear of this event: the story's tags now and,
    /// so that a retraction reaches whoever saw the story, the tags it had.
    fn reader_topics(&self, uri: &str, event: &ArticleEvent) -> Result<Vec<String>, Rejection> {
        let mut slugs = topic_slugs(&event.article);
        let store = self
            .store
            .read()
            .map_err(|_| internal("store lock poisoned"))?;
        if let Some(previous) = store.get(uri).filter(|e| e.action.is_visible()) {
            slugs.extend(previous.topics.iter().cloned());
        }
        slugs.sort();
        slugs.dedup();
        Ok(slugs)
    }

    fn record(
        &self,
        topic: &str,
        event: &ArticleEvent,
        now: chrono::DateTime<Utc>,
        trace: &TraceParent,
        article: Option<Option<chrono::DateTime<Utc>>>,
    ) -> Result<Output, Rejection> {
        Ok(Output {
            topic: topic.to_owned(),
            key: event.article.uri.clone().unwrap_or_default().into_bytes(),
            payload: Some(serde_json::to_vec(event).map_err(|e| internal(&e.to_string()))?),
            headers: headers(event, EventType::Published, "publish", now, trace),
            article,
        })
    }
}

/// Header naming the topic slugs a published event concerns, comma-separated.
pub const TOPICS_HEADER: &str = "newsfeed-topics";

/// The topic slugs whose readers get a published record: its
/// [`TOPICS_HEADER`] (which keeps a retraction with the topics the story was
/// in), else the story's own tags.
pub fn reader_topics_of(record: &BorrowedMessage<'_>, event: &ArticleEvent) -> Vec<String> {
    match record.headers().and_then(|h| header_str(h, TOPICS_HEADER)) {
        Some(list) => list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => topic_slugs(&event.article),
    }
}

fn with_topics(
    headers: rdkafka::message::OwnedHeaders,
    slugs: &[String],
) -> rdkafka::message::OwnedHeaders {
    let joined = slugs.join(",");
    headers.insert(rdkafka::message::Header {
        key: TOPICS_HEADER,
        value: Some(joined.as_str()),
    })
}

fn tombstone(topic: &str, uri: &str) -> Output {
    Output {
        topic: topic.to_owned(),
        key: uri.as_bytes().to_vec(),
        payload: None,
        headers: rdkafka::message::OwnedHeaders::new(),
        article: None,
    }
}

impl Processor for Publish {
    fn prepare(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        let rebuilt = rebuild(&self.clients, &self.topics, Duration::from_secs(120))?;
        tracing::info!(
            stories = rebuilt.len(),
            embargoed = rebuilt.embargoed(),
            took_ms = started.elapsed().as_millis() as u64,
            "state rebuilt from Kafka"
        );
        self.stories.set(rebuilt.len() as i64);
        self.embargoed.set(rebuilt.embargoed() as i64);
        *self
            .store
            .write()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))? = rebuilt;
        Ok(())
    }

    fn process(&mut self, record: &BorrowedMessage<'_>) -> Result<Vec<Output>, Rejection> {
        let event = decode_event(record)?;
        let uri = event.article.uri.clone().unwrap_or_default();
        let known = self.known(&uri)?;
        let decision = lifecycle::decide(&known, &event.article, Utc::now());
        let trace =
            TraceParent::continue_from(record.headers().and_then(|h| header_str(h, "traceparent")));
        self.carry_out(event, decision, known, &trace)
    }

    fn due(&mut self) -> Vec<Output> {
        let due: Vec<ArticleEvent> = match self.store.read() {
            Ok(store) => store
                .due(Utc::now())
                .into_iter()
                .map(|e| e.event.clone())
                .collect(),
            Err(_) => return Vec::new(),
        };
        let mut out = Vec::new();
        for event in due {
            let uri = event.article.uri.clone().unwrap_or_default();
            let Ok(known) = self.known(&uri) else {
                continue;
            };
            if !known.embargoed {
                continue; // already released or superseded in this transaction
            }
            tracing::info!(%uri, "embargo lifted");
            let trace = TraceParent::new_root();
            match self.carry_out(event, lifecycle::release(&known), known, &trace) {
                Ok(records) => out.extend(records),
                Err(e) => tracing::error!(%uri, detail = %e.detail, "releasing embargoed story"),
            }
        }
        out
    }

    fn committed(&mut self) {
        self.pending.clear();
        if let Ok(mut store) = self.store.write() {
            for change in self.changes.drain(..) {
                match change {
                    Change::Applied(e) => store.apply(e),
                    Change::Embargoed(e) => store.embargo(e),
                    Change::EmbargoCleared(uri) => store.clear_embargo(&uri),
                }
            }
            self.stories.set(store.len() as i64);
            self.embargoed.set(store.embargoed() as i64);
        }
    }

    fn aborted(&mut self) {
        self.pending.clear();
        self.changes.clear();
    }
}

fn internal(detail: &str) -> Rejection {
    Rejection {
        reason: "internal",
        detail: detail.to_owned(),
    }
}

/// Rebuilds the store from the compacted state and embargo topics.
pub fn rebuild(
    clients: &KafkaClients,
    topics: &Topics,
    deadline: Duration,
) -> anyhow::Result<Store> {
    let mut store = Store::default();
    read_to_end(clients, &topics.publish_state, deadline, |_, value| {
        if let Some(event) = value {
            store.apply(event);
        }
    })?;
    read_to_end(
        clients,
        &topics.publish_embargoes,
        deadline,
        |key, value| match value {
            Some(event) => store.embargo(event),
            None => store.clear_embargo(key),
        },
    )?;
    Ok(store)
}

/// Reads `topic` from the beginning to its current end, committed records only.
fn read_to_end(
    clients: &KafkaClients,
    topic: &str,
    deadline: Duration,
    mut apply: impl FnMut(&str, Option<ArticleEvent>),
) -> anyhow::Result<()> {
    let reader = clients.reader()?;
    let timeout = clients.args().timeout();
    let meta = reader
        .fetch_metadata(Some(topic), timeout)
        .context("reading topic metadata")?;
    let mut ends = HashMap::new();
    let mut tpl = TopicPartitionList::new();
    for p in meta
        .topics()
        .iter()
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
    {
        let (low, high) = reader
            .fetch_watermarks(topic, p, timeout)
            .context("reading topic offsets")?;
        if high > low {
            ends.insert(p, high);
            tpl.add_partition_offset(topic, p, Offset::Beginning)?;
        }
    }
    if ends.is_empty() {
        return Ok(());
    }
    reader.assign(&tpl)?;
    let give_up = Instant::now() + deadline;
    while !caught_up(&reader, topic, &ends)? {
        if Instant::now() > give_up {
            bail!("{topic} not read to its end within {deadline:?}");
        }
        match reader.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
                match m.payload().map(serde_json::from_slice::<ArticleEvent>) {
                    Some(Ok(event)) => apply(&key, Some(event)),
                    Some(Err(e)) => {
                        tracing::warn!(topic, offset = m.offset(), error = %e, "skipping unreadable record")
                    }
                    None => apply(&key, None),
                }
            }
            Some(Err(e)) => tracing::warn!(topic, error = %e, "read error"),
            None => {}
        }
    }
    Ok(())
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

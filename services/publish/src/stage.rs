//! Publish's work on one enriched record: decide against what is known of
//! the story (see [`crate::lifecycle`]), then write the decision — in the
//! loop's transaction — to the compacted state topic, to the published topic
//! and its routes when readers are affected, and to the embargo topic when
//! the version must wait. Embargoes that come due are released the same
//! way.
//!
//! The stage decides from its own store of the stories in its partitions of
//! the input topic (state and embargo records go to the same partition
//! number, so several instances split the stories cleanly); it changes only
//! once a transaction commits, and is re-read from Kafka for partitions a
//! rebalance hands over. Readers are served from [`crate::view`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use newsfeed_model::{ArticleEvent, EventType, Publication};
use newsfeed_runtime::Topics;
use newsfeed_runtime::cloudevents::{TraceParent, header_str, headers};
use newsfeed_runtime::exactly_once::{Output, Processor, Rejection, decode_event};
use newsfeed_runtime::kafka::KafkaClients;
use rdkafka::message::{BorrowedMessage, Message};

use crate::config::Route;
use crate::lifecycle::{self, Decision, Known};
use crate::metrics::StageDecisions;
use crate::store::{Action, Store, topic_slugs};
use crate::view;

/// A store change that waits for its transaction to commit.
#[derive(Debug)]
enum Change {
    Applied(ArticleEvent),
    Embargoed(ArticleEvent, i32),
    EmbargoCleared(String),
}

/// The publish stage.
#[derive(Debug)]
pub struct Publish {
    /// What the committed transactions decided, for the partitions owned.
    own: Store,
    /// Input partitions currently assigned to this instance.
    owned: Vec<i32>,
    /// What the open transaction decided, newest per story, for later records in it.
    pending: HashMap<String, Known>,
    changes: Vec<Change>,
    topics: Topics,
    routes: Vec<Route>,
    clients: KafkaClients,
    decisions: StageDecisions,
}

impl Publish {
    /// A stage writing to `topics` (and `routes`); counts what it skips in `decisions`.
    pub fn new(
        topics: Topics,
        routes: Vec<Route>,
        clients: KafkaClients,
        decisions: StageDecisions,
    ) -> Self {
        Self {
            own: Store::default(),
            owned: Vec::new(),
            pending: HashMap::new(),
            changes: Vec::new(),
            topics,
            routes,
            clients,
            decisions,
        }
    }

    fn known(&self, uri: &str) -> Known {
        self.pending
            .get(uri)
            .copied()
            .unwrap_or_else(|| self.own.known(uri))
    }

    /// The records and store changes for `decision` about `event`.
    fn carry_out(
        &mut self,
        mut event: ArticleEvent,
        decision: Decision,
        known: Known,
        partition: i32,
        trace: &TraceParent,
    ) -> Result<Vec<Output>, Rejection> {
        let uri = event.article.uri.clone().unwrap_or_default();
        let now = Utc::now();
        let mut out = Vec::new();
        let mut next = known;
        next.newest = Some(newsfeed_model::StoryVersion::of(&event.article));
        next.revision = newsfeed_model::event::revision(&event.article);
        match decision {
            Decision::Stale(why) => {
                self.decisions.stale(&uri, &event.article, why.as_str());
                return Ok(out);
            }
            Decision::Embargo { until } => {
                tracing::info!(%uri, %until, "embargoed");
                event.publication = Some(Publication {
                    action: Some(Action::Embargoed.as_str().into()),
                    published_at: None,
                });
                let held = Encoded::of(&event, now, trace)?;
                out.push(held.to(&self.topics.publish_embargoes, Some(partition), None));
                next.embargoed = true;
                self.changes.push(Change::Embargoed(event, partition));
            }
            Decision::Apply { action, notify } => {
                event.publication = Some(Publication {
                    action: Some(action.as_str().into()),
                    published_at: Some(now),
                });
                // Serialized once; the state, published and route records share it.
                let mut encoded = Encoded::of(&event, now, trace)?;
                out.push(encoded.to(&self.topics.publish_state, Some(partition), None));
                if notify {
                    let slugs = self.reader_topics(&uri, &event)?;
                    encoded.headers = with_topics(encoded.headers, &slugs);
                    let ingested = Some(event.ingested_at);
                    out.push(encoded.to(&self.topics.published, None, ingested));
                    for route in self.routes.iter().filter(|r| slugs.contains(&r.slug)) {
                        out.push(encoded.to(&route.topic, None, None));
                    }
                }
                if known.embargoed {
                    out.push(tombstone(&self.topics.publish_embargoes, &uri, partition));
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
        if let Some(previous) = self.own.get(uri).filter(|e| e.action.is_visible()) {
            slugs.extend(previous.topics.iter().cloned());
        }
        slugs.sort();
        slugs.dedup();
        Ok(slugs)
    }
}

/// A decided event as a record: key, value and headers, made once.
struct Encoded {
    key: Vec<u8>,
    payload: Vec<u8>,
    headers: rdkafka::message::OwnedHeaders,
}

impl Encoded {
    fn of(
        event: &ArticleEvent,
        now: chrono::DateTime<Utc>,
        trace: &TraceParent,
    ) -> Result<Self, Rejection> {
        Ok(Self {
            key: event.article.uri.clone().unwrap_or_default().into_bytes(),
            payload: serde_json::to_vec(event).map_err(|e| internal(&e.to_string()))?,
            headers: headers(event, EventType::Published, "publish", now, trace),
        })
    }

    fn to(
        &self,
        topic: &str,
        partition: Option<i32>,
        article: Option<Option<chrono::DateTime<Utc>>>,
    ) -> Output {
        Output {
            topic: topic.to_owned(),
            partition,
            key: self.key.clone(),
            payload: Some(self.payload.clone()),
            headers: self.headers.clone(),
            article,
        }
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

fn tombstone(topic: &str, uri: &str, partition: i32) -> Output {
    Output {
        topic: topic.to_owned(),
        partition: Some(partition),
        key: uri.as_bytes().to_vec(),
        payload: None,
        headers: rdkafka::message::OwnedHeaders::new(),
        article: None,
    }
}

impl Processor for Publish {
    fn assigned(&mut self, partitions: &[i32]) -> anyhow::Result<()> {
        let fresh: Vec<i32> = partitions
            .iter()
            .copied()
            .filter(|p| !self.owned.contains(p))
            .collect();
        if !fresh.is_empty() {
            // Whoever had these partitions before may have decided since we last
            // looked: take their decisions from Kafka before deciding ourselves.
            let started = Instant::now();
            view::read_to_end(
                &self.clients,
                &self.topics,
                &fresh,
                &mut self.own,
                Duration::from_secs(120),
            )
            .context("reading the state of newly assigned partitions")?;
            tracing::info!(
                partitions = ?fresh,
                stories = self.own.len(),
                took_ms = started.elapsed().as_millis() as u64,
                "state of assigned partitions read"
            );
        }
        self.owned = partitions.to_vec();
        Ok(())
    }

    fn process(
        &mut self,
        record: &BorrowedMessage<'_>,
        trace: &TraceParent,
    ) -> Result<Vec<Output>, Rejection> {
        let event = decode_event(record)?;
        let uri = event.article.uri.clone().unwrap_or_default();
        let known = self.known(&uri);
        let decision = lifecycle::decide(&known, &event.article, Utc::now());
        self.carry_out(event, decision, known, record.partition(), trace)
    }

    fn due(&mut self) -> Vec<Output> {
        let due: Vec<(ArticleEvent, i32)> = self
            .own
            .due(Utc::now())
            .into_iter()
            .filter(|e| self.owned.contains(&e.partition))
            .map(|e| (e.event.clone(), e.partition))
            .collect();
        let mut out = Vec::new();
        for (event, partition) in due {
            let uri = event.article.uri.clone().unwrap_or_default();
            let known = self.known(&uri);
            if !known.embargoed {
                continue; // already released or superseded in this transaction
            }
            let trace = TraceParent::new_root();
            let span = newsfeed_runtime::telemetry::story_span("publish", &trace);
            span.record("uri", uri.as_str());
            let _in_span = span.enter();
            tracing::info!("embargo lifted");
            match self.carry_out(event, lifecycle::release(&known), known, partition, &trace) {
                // Late on purpose: counted out, but kept out of the end-to-end
                // latency and so out of its SLO.
                Ok(records) => out.extend(records.into_iter().map(untimed)),
                Err(e) => tracing::error!(%uri, detail = %e.detail, "releasing embargoed story"),
            }
        }
        out
    }

    fn committed(&mut self) {
        self.pending.clear();
        for change in self.changes.drain(..) {
            match change {
                Change::Applied(e) => self.own.apply(e),
                Change::Embargoed(e, partition) => self.own.embargo(e, partition),
                Change::EmbargoCleared(uri) => self.own.clear_embargo(&uri),
            }
        }
    }

    fn aborted(&mut self) {
        self.pending.clear();
        self.changes.clear();
    }
}

/// `out` without its ingest time, so the stage counts it but does not time it.
fn untimed(mut out: Output) -> Output {
    if out.article.is_some() {
        out.article = Some(None);
    }
    out
}

fn internal(detail: &str) -> Rejection {
    Rejection {
        reason: "internal",
        detail: detail.to_owned(),
    }
}

//! Publish's work on one enriched record: decide against what is known of
//! the story (see [`crate::lifecycle`]), then write the decision — in the
//! loop's transaction — to the compacted state topic, to the published topic
//! and its routes when readers are affected, and to the embargo topic when
//! the version must wait. Embargoes that come due are released the same
//! way.
//!
//! The stage decides from the one story [`Store`] (kept by [`crate::view`]
//! from the state and embargo topics, whoever wrote them) plus what its own
//! committed transactions decided that the store has not read back yet —
//! a small map that empties as the store catches up, so memory does not grow
//! with history. State and embargo records go to the input's partition
//! number, so several instances split the stories cleanly; for partitions a
//! rebalance hands over, the stage first waits until the store has read
//! every decision committed to them.

use std::collections::HashMap;
use std::sync::Arc;
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

/// What this stage decided about a story, until the store shows it.
#[derive(Debug, Clone)]
struct Decided {
    known: Known,
    /// The topics readers see it in (empty when not visible).
    topics: Vec<String>,
    /// The input (and state) partition of the story.
    partition: i32,
}

/// How often decisions the store has read back are forgotten.
const FORGET_EVERY: Duration = Duration::from_millis(500);
/// Most committed decisions kept waiting for the store: beyond it the stage
/// waits for the store to catch up, so memory stays bounded in a burst.
const MAX_UNREAD: usize = 5_000;

/// The publish stage.
#[derive(Debug)]
pub struct Publish {
    /// Every committed decision read back from Kafka, all partitions.
    store: Arc<Store>,
    /// Committed decisions of this stage the store may not show yet.
    committed: HashMap<String, Decided>,
    /// Input partitions currently assigned to this instance.
    owned: Vec<i32>,
    /// What the open transaction decided, newest per story, for later records in it.
    pending: HashMap<String, Decided>,
    next_forget: Instant,
    topics: Topics,
    routes: Vec<Route>,
    clients: KafkaClients,
    decisions: StageDecisions,
}

impl Publish {
    /// A stage deciding against `store`, writing to `topics` (and `routes`);
    /// counts what it skips in `decisions`.
    pub fn new(
        store: Arc<Store>,
        topics: Topics,
        routes: Vec<Route>,
        clients: KafkaClients,
        decisions: StageDecisions,
    ) -> Self {
        Self {
            store,
            committed: HashMap::new(),
            owned: Vec::new(),
            pending: HashMap::new(),
            next_forget: Instant::now(),
            topics,
            routes,
            clients,
            decisions,
        }
    }

    fn decided(&self, uri: &str) -> Option<&Decided> {
        self.pending.get(uri).or_else(|| self.committed.get(uri))
    }

    fn known(&self, uri: &str) -> Result<Known, Rejection> {
        match self.decided(uri) {
            Some(d) => Ok(d.known),
            None => self
                .store
                .known(uri)
                .map_err(|e| internal(&format!("{e:#}"))),
        }
    }

    /// The topics readers see `uri` in now (none when it is not visible).
    fn visible_topics(&self, uri: &str) -> Result<Vec<String>, Rejection> {
        if let Some(d) = self.decided(uri) {
            return Ok(d.topics.clone());
        }
        let entry = self
            .store
            .get(uri)
            .map_err(|e| internal(&format!("{e:#}")))?;
        Ok(entry
            .filter(|e| e.action.is_visible())
            .map(|e| e.topics)
            .unwrap_or_default())
    }

    /// Forgets the decisions the store now shows (it only moves forward);
    /// with too many waiting, waits (up to a minute) for the store to read
    /// them back.
    fn forget_read_back(&mut self) {
        if Instant::now() < self.next_forget && self.committed.len() <= MAX_UNREAD {
            return;
        }
        let give_up = Instant::now() + Duration::from_secs(60);
        loop {
            let store = &self.store;
            self.committed
                .retain(|uri, d| store.known(uri).map_or(true, |k| k != d.known));
            if self.committed.len() <= MAX_UNREAD / 2 || Instant::now() > give_up {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.committed.shrink_to(MAX_UNREAD);
        self.next_forget = Instant::now() + FORGET_EVERY;
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
        if let Decision::Stale(why) = &decision {
            self.decisions.stale(&uri, &event.article, why.as_str());
            return Ok(out);
        }
        // Read once: the topics readers saw the story in until now.
        let mut visible_in = self.visible_topics(&uri)?;
        next.newest = Some(newsfeed_model::StoryVersion::of(&event.article));
        next.revision = newsfeed_model::event::revision(&event.article);
        match decision {
            Decision::Stale(_) => return Ok(out),
            Decision::Embargo { until } => {
                tracing::info!(%uri, %until, "embargoed");
                event.publication = Some(Publication {
                    action: Some(Action::Embargoed.as_str().into()),
                    published_at: None,
                });
                let held = Encoded::of(&event, now, trace)?;
                out.push(held.to(&self.topics.publish_embargoes, Some(partition), None));
                next.embargoed = true;
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
                    let slugs = reader_topics(&event, &visible_in);
                    encoded.headers = with_topics(encoded.headers, &slugs);
                    let ingested = Some(event.ingested_at);
                    out.push(encoded.to(&self.topics.published, None, ingested));
                    for route in self.routes.iter().filter(|r| slugs.contains(&r.slug)) {
                        out.push(encoded.to(&route.topic, None, None));
                    }
                }
                if known.embargoed {
                    out.push(tombstone(&self.topics.publish_embargoes, &uri, partition));
                    next.embargoed = false;
                }
                next.visible = action.is_visible();
                visible_in = if next.visible {
                    topic_slugs(&event.article)
                } else {
                    Vec::new()
                };
            }
        }
        let decided = Decided {
            known: next,
            topics: visible_in,
            partition,
        };
        self.pending.insert(uri, decided);
        Ok(out)
    }
}

/// The topics whose readers hear of this event: the story's tags now and,
/// so that a retraction reaches whoever saw the story, the tags it had
/// (`visible_in`).
fn reader_topics(event: &ArticleEvent, visible_in: &[String]) -> Vec<String> {
    let mut slugs = topic_slugs(&event.article);
    slugs.extend_from_slice(visible_in);
    slugs.sort();
    slugs.dedup();
    slugs
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
        // What we decided for partitions handed over may be outdated by the
        // next owner: from here on the store is the only truth for them.
        self.committed
            .retain(|_, d| partitions.contains(&d.partition) && !fresh.contains(&d.partition));
        if !fresh.is_empty() {
            // Whoever had these partitions before may have decided since we last
            // looked: wait until the store shows their decisions before deciding ourselves.
            let started = Instant::now();
            view::wait_caught_up(
                &self.clients,
                &self.topics,
                &self.store,
                &fresh,
                Duration::from_secs(120),
            )
            .context("reading the state of newly assigned partitions")?;
            tracing::info!(
                partitions = ?fresh,
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
        let known = self.known(&uri)?;
        let decision = lifecycle::decide(&known, &event.article, Utc::now());
        self.carry_out(event, decision, known, record.partition(), trace)
    }

    fn due(&mut self) -> Vec<Output> {
        self.forget_read_back();
        let owned = &self.owned;
        let due = match self.store.due(Utc::now(), 1_000, |p| owned.contains(&p)) {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "reading due embargoes");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for held in due {
            let event = held.event;
            let uri = event.article.uri.clone().unwrap_or_default();
            let Ok(known) = self.known(&uri) else {
                continue;
            };
            // Released or superseded (perhaps by a later embargo the store
            // has not read back yet): only the newest held version goes out.
            if !known.embargoed
                || known.newest != Some(held.version)
                || known.revision != held.revision
            {
                continue;
            }
            let trace = TraceParent::new_root();
            let span = newsfeed_runtime::telemetry::story_span("publish", &trace);
            span.record("uri", uri.as_str());
            let _in_span = span.enter();
            tracing::info!("embargo lifted");
            match self.carry_out(
                event,
                lifecycle::release(&known),
                known,
                held.partition,
                &trace,
            ) {
                // Late on purpose: counted out, but kept out of the end-to-end
                // latency and so out of its SLO.
                Ok(records) => out.extend(records.into_iter().map(untimed)),
                Err(e) => tracing::error!(%uri, detail = %e.detail, "releasing embargoed story"),
            }
        }
        out
    }

    fn committed(&mut self) {
        self.committed.extend(self.pending.drain());
        self.forget_read_back();
    }

    fn aborted(&mut self) {
        self.pending.clear();
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

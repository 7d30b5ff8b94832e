//! The readers' view: every publish instance tails the compacted state and
//! embargo topics — all partitions, whoever decided them — into the store
//! that the read API, feeds and streams serve. So any instance answers for
//! every story, and a restart rebuilds the view from Kafka before `/readyz`
//! says ready.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use newsfeed_model::ArticleEvent;
use newsfeed_runtime::http::ReadinessCheck;
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::{StageMetrics, Topics};
use prometheus::IntGauge;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Applies one record of the state or embargo topic to `store`.
pub fn apply(store: &mut Store, topics: &Topics, m: &BorrowedMessage<'_>) {
    let key = String::from_utf8_lossy(m.key().unwrap_or_default());
    let event = match m.payload().map(serde_json::from_slice::<ArticleEvent>) {
        Some(Ok(event)) => Some(event),
        Some(Err(e)) => {
            tracing::warn!(topic = m.topic(), offset = m.offset(), error = %e, "skipping unreadable state record");
            return;
        }
        None => None,
    };
    match (m.topic() == topics.publish_embargoes, event) {
        (false, Some(event)) => store.apply(event),
        (true, Some(event)) => store.embargo(event, m.partition()),
        (true, None) => store.clear_embargo(&key),
        (false, None) => {}
    }
}

/// Where a read must get to: (topic, partition) → end offset.
pub type Ends = HashMap<(String, i32), i64>;

/// Assigns `partitions` (all when `None`) of the state and embargo topics
/// from the beginning; returns the reader and the ends to reach.
pub fn assign_from_start(
    clients: &KafkaClients,
    topics: &Topics,
    partitions: Option<&[i32]>,
) -> anyhow::Result<(BaseConsumer, Ends)> {
    let reader = clients.reader()?;
    let timeout = clients.args().timeout();
    let mut tpl = TopicPartitionList::new();
    let mut ends = HashMap::new();
    for topic in [&topics.publish_state, &topics.publish_embargoes] {
        let meta = reader
            .fetch_metadata(Some(topic), timeout)
            .context("reading state topic metadata")?;
        let all: Vec<i32> = meta
            .topics()
            .iter()
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if all.is_empty() {
            bail!("{topic} does not exist yet");
        }
        for p in all
            .into_iter()
            .filter(|p| partitions.is_none_or(|want| want.contains(p)))
        {
            let (low, high) = newsfeed_runtime::kafka::watermarks(&reader, topic, p, timeout)
                .context("reading state topic offsets")?;
            tpl.add_partition_offset(topic, p, Offset::Beginning)?;
            if high > low {
                ends.insert((topic.clone(), p), high);
            }
        }
    }
    reader.assign(&tpl)?;
    Ok((reader, ends))
}

/// Whether `reader` has reached every end in `ends`.
pub fn caught_up<C: rdkafka::consumer::ConsumerContext>(
    reader: &BaseConsumer<C>,
    ends: &Ends,
) -> anyhow::Result<bool> {
    let pos = reader.position()?;
    Ok(ends.iter().all(|((topic, p), end)| {
        matches!(pos.find_partition(topic, *p).map(|e| e.offset()), Some(Offset::Offset(o)) if o >= *end)
    }))
}

/// Reads `partitions` of the state and embargo topics to their current end into `store`.
pub fn read_to_end(
    clients: &KafkaClients,
    topics: &Topics,
    partitions: &[i32],
    store: &mut Store,
    deadline: Duration,
) -> anyhow::Result<()> {
    let (reader, ends) = assign_from_start(clients, topics, Some(partitions))?;
    let give_up = Instant::now() + deadline;
    while !caught_up(&reader, &ends)? {
        if Instant::now() > give_up {
            bail!("state topics not read to their end within {deadline:?}");
        }
        match reader.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => apply(store, topics, &m),
            Some(Err(e)) => tracing::warn!(error = %e, "state read error"),
            None => {}
        }
    }
    Ok(())
}

/// The tail feeding the shared store.
#[derive(Debug, Clone)]
pub struct StateView {
    caught_up: Arc<AtomicBool>,
}

impl StateView {
    /// Starts tailing into `store` on a thread of its own.
    pub fn start(
        clients: KafkaClients,
        topics: Topics,
        store: Arc<RwLock<Store>>,
        metrics: &StageMetrics,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let stories = IntGauge::new(metrics.name("stories"), "Stories known, visible or not.")?;
        let embargoed = IntGauge::new(
            metrics.name("embargoed_stories"),
            "Story versions waiting for their embargo.",
        )?;
        metrics.registry.register(Box::new(stories.clone()))?;
        metrics.registry.register(Box::new(embargoed.clone()))?;
        let view = Self {
            caught_up: Arc::default(),
        };
        let flag = view.caught_up.clone();
        std::thread::spawn(move || {
            let tail = Tail {
                clients,
                topics,
                store,
                stories,
                embargoed,
                caught_up: flag,
            };
            tail.run(&shutdown);
        });
        Ok(view)
    }

    /// Ready once the view has read what the topics held at start.
    pub fn readiness(&self) -> ReadinessCheck {
        let flag = self.caught_up.clone();
        Arc::new(move || {
            if flag.load(Ordering::Acquire) {
                Ok(())
            } else {
                Err("rebuilding the story view from Kafka".to_owned())
            }
        })
    }
}

struct Tail {
    clients: KafkaClients,
    topics: Topics,
    store: Arc<RwLock<Store>>,
    stories: IntGauge,
    embargoed: IntGauge,
    caught_up: Arc<AtomicBool>,
}

impl Tail {
    fn run(&self, shutdown: &CancellationToken) {
        let started = Instant::now();
        let (reader, ends) = loop {
            match assign_from_start(&self.clients, &self.topics, None) {
                Ok(r) => break r,
                Err(e) if shutdown.is_cancelled() => {
                    return tracing::debug!(error = %e, "view not started");
                }
                Err(e) => tracing::debug!(
                    error = format!("{e:#}"),
                    "view waiting for the state topics"
                ),
            }
            std::thread::sleep(Duration::from_millis(250));
        };
        while !shutdown.is_cancelled() {
            if !self.caught_up.load(Ordering::Relaxed) && caught_up(&reader, &ends).unwrap_or(false)
            {
                let stories = self.store.read().map(|s| s.len()).unwrap_or_default();
                tracing::info!(
                    stories,
                    took_ms = started.elapsed().as_millis() as u64,
                    "story view rebuilt from Kafka"
                );
                self.caught_up.store(true, Ordering::Release);
            }
            match reader.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    let mut store = self.store.write().unwrap_or_else(|p| p.into_inner());
                    apply(&mut store, &self.topics, &m);
                    self.stories.set(store.len() as i64);
                    self.embargoed.set(store.embargoed() as i64);
                }
                Some(Err(e)) => tracing::warn!(error = %e, "view read error"),
                None => {}
            }
        }
    }
}

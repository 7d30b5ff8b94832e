//! Which feeds this instance polls. Every ingest instance joins the
//! consumer group `<prefix>ingest-feeds` on `<prefix>ingest.feeds` and
//! polls exactly the feeds whose records lie in the partitions it is
//! assigned — as Kafka Connect hands out tasks. When an instance stops or
//! crashes, its session times out (members are static, so a restart under
//! the same instance id takes its feeds straight back), the group
//! rebalances and another
//! instance is assigned its partitions, reads them from the beginning and
//! takes the feeds over; a feed is never in two assignments at once.
//!
//! Offsets are never committed: an assigned partition is always read from
//! its start, so the instance learns every feed in it (the topic is
//! compacted, so that stays short).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use newsfeed_runtime::feeds::FeedDefinition;
use newsfeed_runtime::kafka::{KafkaClients, ObservedContext};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// The feeds this instance is assigned, by id.
pub type Assigned = BTreeMap<String, FeedDefinition>;

/// Starts following the group on a thread of its own until `shutdown`;
/// the receiver always holds the feeds currently assigned here.
pub fn start(
    clients: &KafkaClients,
    topic: &str,
    shutdown: CancellationToken,
) -> anyhow::Result<(watch::Receiver<Assigned>, JoinHandle<()>)> {
    let (tx, rx) = watch::channel(Assigned::new());
    let (clients, topic) = (clients.clone(), topic.to_owned());
    let handle = std::thread::Builder::new()
        .name("feeds-assignment".into())
        .spawn(move || follow(&clients, &topic, &tx, &shutdown))
        .context("starting the feed assignment thread")?;
    Ok((rx, handle))
}

fn follow(
    clients: &KafkaClients,
    topic: &str,
    tx: &watch::Sender<Assigned>,
    shutdown: &CancellationToken,
) {
    let mut backoff = Duration::from_millis(200);
    let consumer = loop {
        if shutdown.is_cancelled() {
            return;
        }
        match clients
            .consumer("-feeds", ObservedContext::default())
            .and_then(|c| c.subscribe(&[topic]).map(|()| c).map_err(Into::into))
        {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(%topic, error = format!("{e:#}"), "cannot join the feed group yet");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    };
    let mut by_partition: HashMap<i32, Assigned> = HashMap::new();
    while !shutdown.is_cancelled() {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => apply(&mut by_partition, m.partition(), m.key(), m.payload()),
            Some(Err(e)) => tracing::debug!(%topic, error = %e, "feed group"),
            None => {}
        }
        let assigned = assigned_partitions(&consumer, topic);
        by_partition.retain(|p, _| assigned.contains(p));
        let now: Assigned = by_partition
            .values()
            .flat_map(|feeds| feeds.iter().map(|(k, v)| (k.clone(), v.clone())))
            .collect();
        tx.send_if_modified(|current| {
            let changed = *current != now;
            if changed {
                *current = now;
            }
            changed
        });
    }
    // Members are static (`group.instance.id`): a stopped instance's feeds
    // move once its session times out, as after a crash.
}

fn apply(
    by_partition: &mut HashMap<i32, Assigned>,
    partition: i32,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) {
    let Some(Ok(id)) = key.map(std::str::from_utf8) else {
        return;
    };
    let feeds = by_partition.entry(partition).or_default();
    match value.map(serde_json::from_slice::<FeedDefinition>) {
        None => {
            feeds.remove(id);
        }
        Some(Ok(feed)) if feed.id == id => {
            feeds.insert(id.to_owned(), feed);
        }
        Some(_) => tracing::warn!(feed = id, "skipping an unreadable feed definition"),
    }
}

fn assigned_partitions(consumer: &BaseConsumer<ObservedContext>, topic: &str) -> HashSet<i32> {
    consumer
        .assignment()
        .map(|tpl| {
            tpl.elements_for_topic(topic)
                .iter()
                .map(rdkafka::topic_partition_list::TopicPartitionListElem::partition)
                .collect()
        })
        .unwrap_or_default()
}

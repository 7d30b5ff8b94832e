//! Reading a topic back from the beginning to its current end, with
//! `read_committed`, as a downstream consumer would.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};

/// One record as read back.
#[derive(Debug, Clone)]
pub struct Record {
    /// Key as UTF-8.
    pub key: String,
    /// Value parsed as JSON (`Null` when it is not JSON).
    pub value: serde_json::Value,
    /// Headers as UTF-8 pairs.
    pub headers: Vec<(String, String)>,
    /// The raw message, for SDKs that read it themselves.
    pub message: OwnedMessage,
}

impl Record {
    /// The value of header `key`.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A consumer on the test broker for reading `topic`, as the operators'
/// principal (on the secure broker), in a group of its own under the
/// topic's name (so under the test's prefix, where that principal's ACLs are).
pub fn consumer(topic: &str, read_committed: bool) -> BaseConsumer {
    crate::broker::client_config(crate::broker::HARNESS_PRINCIPAL)
        .set(
            "group.id",
            format!("{topic}.test-reader-{}", uuid::Uuid::new_v4()),
        )
        .set("enable.auto.commit", "false")
        .set(
            "isolation.level",
            if read_committed {
                "read_committed"
            } else {
                "read_uncommitted"
            },
        )
        .create()
        .expect("creating test consumer")
}

/// Every committed record of `topic`, from the beginning to the end it had
/// when called. Panics if that end is not reached within `within`.
pub fn read_topic(topic: &str, within: Duration) -> Vec<Record> {
    let c = consumer(topic, true);
    let uncommitted = consumer(topic, false);
    let timeout = Duration::from_secs(10);
    let partitions = newsfeed_runtime::kafka::partitions_if_any(c.client(), topic, timeout)
        .expect("topic metadata");
    let mut tpl = TopicPartitionList::new();
    let mut ends = Vec::new();
    for p in partitions {
        let (low, high) = stable_end(&c, &uncommitted, topic, p);
        if high > low {
            tpl.add_partition_offset(topic, p, Offset::Beginning)
                .expect("partition");
            ends.push((p, high));
        }
    }
    let mut out = Vec::new();
    if ends.is_empty() {
        return out;
    }
    c.assign(&tpl).expect("assign");
    let deadline = Instant::now() + within;
    loop {
        let pos = c.position().expect("position");
        let done = ends.iter().all(|(p, end)| {
            matches!(pos.find_partition(topic, *p).map(|e| e.offset()), Some(Offset::Offset(o)) if o >= *end)
        });
        if done {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "{topic}: end not reached within {within:?} (an open transaction?)"
        );
        if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
            out.push(to_record(&m));
        }
    }
}

/// The low watermark and last stable offset of a partition. A
/// transaction's commit returns before its markers land, so right after a
/// commit the stable offset can lag behind the high watermark: wait a moment
/// for it to catch up (a transaction really still open keeps it behind).
fn stable_end(
    committed: &BaseConsumer,
    uncommitted: &BaseConsumer,
    topic: &str,
    partition: i32,
) -> (i64, i64) {
    let timeout = Duration::from_secs(10);
    let (_, high) = uncommitted
        .fetch_watermarks(topic, partition, timeout)
        .expect("watermarks");
    let settle = Instant::now() + Duration::from_secs(3);
    loop {
        let (low, stable) = committed
            .fetch_watermarks(topic, partition, timeout)
            .expect("watermarks");
        if stable >= high || Instant::now() > settle {
            return (low, stable);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn to_record(m: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    let headers = m
        .headers()
        .map(|h| {
            h.iter()
                .map(|h| {
                    (
                        h.key.to_owned(),
                        String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Record {
        key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
        value: m
            .payload()
            .and_then(|p| serde_json::from_slice(p).ok())
            .unwrap_or_default(),
        headers,
        message: m.detach(),
    }
}

//! Writing accepted stories to Kafka. A story is acknowledged only after the
//! broker confirmed it with `acks=all`; a batch goes in one transaction, so a
//! failure part-way leaves nothing visible to `read_committed` readers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use newsfeed_model::validate::ValidArticle;
use newsfeed_model::{ArticleEvent, EventType};
use newsfeed_runtime::cloudevents::{TraceParent, headers};
use newsfeed_runtime::kafka::{KafkaClients, ObservedContext, commit_transaction, send_waiting};
use rdkafka::client::Client;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, FutureProducer, FutureRecord, Producer, ThreadedProducer};
use rdkafka::util::Timeout;

/// Header naming the source that wrote a story, on every ingested record.
pub const SOURCE_HEADER: &str = "newsfeed-source";

/// A record ready to write: key = story uri.
#[derive(Debug)]
pub struct Prepared {
    /// The story uri.
    pub key: String,
    /// The event JSON.
    pub payload: Vec<u8>,
    /// CloudEvents headers.
    pub headers: OwnedHeaders,
}

impl Prepared {
    /// Its size as Kafka counts it: headers and record framing take well
    /// under a kilobyte.
    pub fn framed_size(&self) -> usize {
        self.payload.len() + self.key.len() + 1024
    }
}

/// The record of a story accepted from `source` at `now`: its ingested
/// event, CloudEvents headers and [`SOURCE_HEADER`] — the same for a posted
/// story and one taken from a feed.
pub fn prepare(
    story: ValidArticle,
    source: &str,
    now: DateTime<Utc>,
    trace: &TraceParent,
) -> serde_json::Result<Prepared> {
    let ValidArticle { uri, article } = story;
    let event = ArticleEvent {
        article,
        ingested_at: Some(now),
        ..ArticleEvent::default()
    };
    let payload = serde_json::to_vec(&event)?;
    let headers = headers(&event, EventType::Ingested, "ingest", now, trace).insert(Header {
        key: SOURCE_HEADER,
        value: Some(source),
    });
    Ok(Prepared {
        key: uri.to_string(),
        payload,
        headers,
    })
}

/// Kafka did not take the write; nothing was made visible.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// A record is larger than Kafka accepts: retrying cannot help.
    #[error("a record is larger than Kafka accepts")]
    TooLarge,
    /// Kafka did not acknowledge in time: retrying later may.
    #[error("Kafka did not acknowledge the write: {0}")]
    Kafka(String),
}

impl From<rdkafka::error::KafkaError> for Unavailable {
    fn from(e: rdkafka::error::KafkaError) -> Self {
        use rdkafka::types::RDKafkaErrorCode as Code;
        match e.rdkafka_error_code() {
            Some(Code::MessageSizeTooLarge | Code::InvalidMessageSize) => Self::TooLarge,
            _ => Self::Kafka(e.to_string()),
        }
    }
}

/// Writes events to the ingested topic.
#[derive(Clone)]
pub struct Writer {
    single: FutureProducer,
    batch: Arc<Mutex<ThreadedProducer<ObservedContext>>>,
    topic: String,
    timeout: Duration,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// Creates the producers; fails while Kafka is unreachable.
    pub async fn connect(clients: &KafkaClients, topic: &str) -> anyhow::Result<Self> {
        let single = clients.producer()?;
        let clients2 = clients.clone();
        let batch = tokio::task::spawn_blocking(move || {
            clients2.transactional_producer("batch", ObservedContext::default())
        })
        .await
        .context("starting batch producer")??;
        Ok(Self {
            single,
            batch: Arc::new(Mutex::new(batch)),
            topic: topic.to_owned(),
            timeout: clients.args().timeout(),
        })
    }

    /// The client, for readiness probes.
    pub fn client(&self) -> &Client<impl rdkafka::client::ClientContext> {
        self.single.client()
    }

    /// The topic written to.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Writes one story and waits for the broker's acknowledgement.
    pub async fn write_one(&self, r: Prepared) -> Result<(), Unavailable> {
        let record = FutureRecord::to(&self.topic)
            .key(&r.key)
            .payload(&r.payload)
            .headers(r.headers);
        self.single
            .send(record, Timeout::After(self.timeout))
            .await
            .map(|_| ())
            .map_err(|(e, _)| Unavailable::from(e))
    }

    /// Writes a batch in one transaction: all stories become visible, or none.
    pub async fn write_batch(&self, records: Vec<Prepared>) -> Result<(), Unavailable> {
        let (producer, topic, timeout) = (self.batch.clone(), self.topic.clone(), self.timeout);
        tokio::task::spawn_blocking(move || {
            let p = producer
                .lock()
                .map_err(|_| Unavailable::Kafka("batch producer poisoned".into()))?;
            transact(&p, &topic, records, timeout).map_err(|e| {
                if let Err(abort) = p.abort_transaction(timeout) {
                    tracing::error!(error = %abort, "aborting batch transaction");
                }
                Unavailable::from(e)
            })
        })
        .await
        .map_err(|e| Unavailable::Kafka(e.to_string()))?
    }

    /// Waits for anything still queued to be delivered.
    pub async fn flush(&self, timeout: Duration) {
        let single = self.single.clone();
        let _ = tokio::task::spawn_blocking(move || single.flush(timeout)).await;
    }
}

fn transact(
    p: &ThreadedProducer<ObservedContext>,
    topic: &str,
    records: Vec<Prepared>,
    timeout: Duration,
) -> Result<(), rdkafka::error::KafkaError> {
    p.begin_transaction()?;
    for r in records {
        send_waiting(
            p,
            BaseRecord::to(topic)
                .key(r.key.as_bytes())
                .payload(r.payload.as_slice())
                .headers(r.headers),
        )?;
    }
    commit_transaction(p, timeout)
}

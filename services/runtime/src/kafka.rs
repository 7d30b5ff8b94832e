//! The one place Kafka clients are configured. Every producer is idempotent
//! with `acks=all`; every consumer reads committed data only and commits
//! offsets explicitly (inside a transaction or after the output is acked).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, ConsumerContext};
use rdkafka::producer::{FutureProducer, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaErrorCode;

use crate::config::KafkaArgs;
use crate::metrics::StageMetrics;

/// Client context that feeds librdkafka's statistics (consumer lag) into
/// the service's metrics and routes client logs to tracing.
#[derive(Clone, Debug, Default)]
pub struct ObservedContext {
    metrics: Option<Arc<StageMetrics>>,
}

impl ObservedContext {
    /// A context reporting into `metrics`.
    pub fn new(metrics: Arc<StageMetrics>) -> Self {
        Self {
            metrics: Some(metrics),
        }
    }
}

impl ClientContext for ObservedContext {
    fn stats(&self, stats: Statistics) {
        let Some(m) = &self.metrics else { return };
        if stats.client_type != "consumer" {
            return;
        }
        for (topic, t) in &stats.topics {
            for (partition, p) in &t.partitions {
                if *partition < 0 {
                    continue; // librdkafka's internal UA partition
                }
                let partition = partition.to_string();
                if p.desired {
                    if let Some(lag) = lag_of(p) {
                        m.consumer_lag(topic, &partition, lag);
                    }
                } else {
                    // Moved to another instance: its lag is reported there now.
                    m.partition_revoked(topic, &partition);
                }
            }
        }
    }
}

/// Records a partition's consumer is behind its readable end. librdkafka's
/// own `consumer_lag` counts from the consumer's committed offset, which a
/// transactional stage never moves (the producer commits), so count from
/// the position handed to the application instead; read_committed readers
/// can read up to the last stable offset.
fn lag_of(p: &rdkafka::statistics::Partition) -> Option<i64> {
    let end = if p.ls_offset >= 0 {
        p.ls_offset
    } else {
        p.hi_offset
    };
    let position = [p.app_offset, p.committed_offset]
        .into_iter()
        .find(|o| *o >= 0);
    match (end, position) {
        (end, Some(pos)) if end >= 0 => Some((end - pos).max(0)),
        // Nothing consumed yet: only an empty partition has a known lag.
        (end, None) if end >= 0 && end == p.lo_offset => Some(0),
        _ => None,
    }
}

impl ConsumerContext for ObservedContext {}

impl ProducerContext for ObservedContext {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &rdkafka::message::DeliveryResult<'_>, _: Self::DeliveryOpaque) {}
}

/// Builds clients from the shared settings.
#[derive(Debug, Clone)]
pub struct KafkaClients {
    args: KafkaArgs,
    service: &'static str,
}

/// Most records a consumer fetches ahead per partition, in KiB. librdkafka's
/// default (64 MiB per partition) let publish's memory grow by over 100 MB
/// while its stage, store tail and stream tail (twelve partitions between
/// them) caught up with a burst of stories; 1 MiB still keeps each busy.
const PREFETCH_KBYTES: &str = "1024";

impl KafkaClients {
    /// Clients for `service` (used in client ids and consumer group names).
    pub fn new(args: &KafkaArgs, service: &'static str) -> Self {
        Self {
            args: args.clone(),
            service,
        }
    }

    /// The settings these clients were built from.
    pub fn args(&self) -> &KafkaArgs {
        &self.args
    }

    /// What every client shares: brokers, client id and the connection's
    /// security. The only place a `ClientConfig` is made; tools and tests
    /// that need a client of another kind start from it. It holds the SASL
    /// password (read from its file now), so it is never logged or printed.
    pub fn base(&self) -> anyhow::Result<ClientConfig> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.args.kafka_brokers)
            .set(
                "client.id",
                format!("newsfeed-{}-{}", self.service, self.args.instance_id),
            )
            .set("socket.connection.setup.timeout.ms", "5000");
        let security = &self.args.security;
        c.set("security.protocol", security.protocol.as_str());
        if security.protocol.uses_tls() {
            // librdkafka checks the broker's name against its certificate
            // by default; say so, so no later default can turn it off.
            c.set("ssl.endpoint.identification.algorithm", "https");
            if let Some(ca) = &security.ca_file {
                c.set("ssl.ca.location", ca.to_string_lossy());
            }
        }
        if let Some(password) = security.sasl_password()? {
            c.set("sasl.mechanisms", security.sasl_mechanism.as_str())
                .set(
                    "sasl.username",
                    security.sasl_username.as_deref().unwrap_or_default(),
                )
                .set("sasl.password", password.expose());
        }
        Ok(c)
    }

    /// Settings for clients whose statistics feed [`ObservedContext`].
    fn observed(mut c: ClientConfig) -> ClientConfig {
        c.set("statistics.interval.ms", "5000");
        c
    }

    fn producer_config(&self) -> anyhow::Result<ClientConfig> {
        let mut c = self.base()?;
        c.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("compression.type", "lz4")
            .set("linger.ms", "5")
            .set("message.timeout.ms", self.args.kafka_timeout_ms.to_string());
        Ok(c)
    }

    /// An idempotent, `acks=all` producer for async code.
    pub fn producer(&self) -> anyhow::Result<FutureProducer> {
        self.producer_config()?
            .create()
            .context("creating Kafka producer")
    }

    /// A transactional producer, fenced by `<prefix><service>-<role>-<instance>`.
    pub fn transactional_producer(
        &self,
        role: &str,
        context: ObservedContext,
    ) -> anyhow::Result<ThreadedProducer<ObservedContext>> {
        let id = format!(
            "{}{}-{role}-{}",
            self.args.topic_prefix, self.service, self.args.instance_id
        );
        let mut c = self.producer_config()?;
        // A transaction begun right after the previous commit meets
        // CONCURRENT_TRANSACTIONS until the broker has written the markers;
        // retry that within milliseconds, not the default 100 ms.
        c.set("retry.backoff.ms", "5")
            .set("retry.backoff.max.ms", "100");
        c.set("transactional.id", &id)
            .set("transaction.timeout.ms", "30000");
        let p: ThreadedProducer<ObservedContext> =
            Self::observed(c)
                .create_with_context(context)
                .context("creating transactional Kafka producer")?;
        use rdkafka::producer::Producer;
        p.init_transactions(self.args.timeout()).with_context(|| {
            format!("initialising Kafka transactions for `{id}` (is the broker up?)")
        })?;
        Ok(p)
    }

    /// A consumer in this service's group reading only committed records,
    /// committing offsets itself. `context` may watch rebalances.
    ///
    /// Members are static (`group.instance.id` = `NEWSFEED_INSTANCE_ID`,
    /// KIP-345): an instance restarted after a kill -9 rejoins as itself and
    /// gets its partitions back at once, where a new member would wait for
    /// the dead one's session to expire and a rebalance (measured ~10 s on
    /// enrich, ~21 s on publish). The new consumer protocol (KIP-848,
    /// `group.protocol=consumer`) was the other choice; without static ids
    /// it too waits out the dead member's session (45 s by the broker's
    /// default), and static membership works with every broker since 2.3.
    /// The price: a member that stops for good (scale-down) keeps its
    /// partitions until `session.timeout.ms` (10 s), and two instances of a
    /// service must never share an instance id (the transactional ids
    /// already require that).
    pub fn consumer<C: ConsumerContext>(
        &self,
        group_suffix: &str,
        context: C,
    ) -> anyhow::Result<BaseConsumer<C>> {
        let mut c = self.base()?;
        c.set(
            "group.id",
            format!("{}{}{group_suffix}", self.args.topic_prefix, self.service),
        )
        .set("group.instance.id", &self.args.instance_id)
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // A read_committed fetch parked at the broker may sit out its whole
        // wait after a commit marker lands: keep the wait short (default 500 ms).
        .set("fetch.wait.max.ms", "25")
        .set("queued.max.messages.kbytes", PREFETCH_KBYTES)
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000");
        Self::observed(c)
            .create_with_context(context)
            .context("creating Kafka consumer")
    }

    /// A consumer outside any group, for reading a topic from the start
    /// (state rebuilds).
    pub fn reader(&self) -> anyhow::Result<BaseConsumer> {
        let mut c = self.base()?;
        c.set(
            "group.id",
            format!("{}{}-reader", self.args.topic_prefix, self.service),
        )
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        // A read_committed fetch parked at the broker may sit out its whole
        // wait after a commit marker lands: keep the wait short (default 500 ms).
        .set("fetch.wait.max.ms", "25")
        .set("queued.max.messages.kbytes", PREFETCH_KBYTES);
        c.create().context("creating Kafka reader")
    }

    /// Creates missing topics; `compacted` lists those that keep only the
    /// latest record per key. Existing topics are left as they are.
    pub async fn ensure_topics(&self, topics: &[&str], compacted: &[&str]) -> anyhow::Result<()> {
        let admin: AdminClient<DefaultClientContext> = self
            .base()?
            .create()
            .context("creating Kafka admin client")?;
        let specs: Vec<NewTopic<'_>> = topics
            .iter()
            .map(|name| {
                let t = NewTopic::new(
                    name,
                    self.args.topic_partitions,
                    TopicReplication::Fixed(self.args.topic_replication),
                );
                if compacted.contains(name) {
                    t.set("cleanup.policy", "compact")
                } else {
                    t
                }
            })
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(self.args.timeout()));
        let results = admin.create_topics(&specs, &opts).await.with_context(|| {
            format!(
                "creating topics at {} (is the broker up?)",
                self.args.kafka_brokers
            )
        })?;
        for r in results {
            match r {
                Ok(name) => tracing::info!(topic = %name, "created topic"),
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => bail!("creating topic `{name}`: {code}"),
            }
        }
        Ok(())
    }
}

/// Asks the cluster for metadata: true when a client can talk to Kafka now.
pub fn probe<C: ClientContext>(
    client: &rdkafka::client::Client<C>,
    topic: &str,
    timeout: Duration,
) -> bool {
    client.fetch_metadata(Some(topic), timeout).is_ok_and(|m| {
        m.topics()
            .iter()
            .all(|t| t.error().is_none() && !t.partitions().is_empty())
    })
}

/// The partitions of `topic`, in the cluster's order; an error when it does
/// not exist (yet).
pub fn partitions<C: ClientContext>(
    client: &rdkafka::client::Client<C>,
    topic: &str,
    timeout: Duration,
) -> anyhow::Result<Vec<i32>> {
    let partitions = partitions_if_any(client, topic, timeout)?;
    anyhow::ensure!(!partitions.is_empty(), "{topic} does not exist yet");
    Ok(partitions)
}

/// The partitions of `topic`, in the cluster's order; none when it does not
/// exist.
pub fn partitions_if_any<C: ClientContext>(
    client: &rdkafka::client::Client<C>,
    topic: &str,
    timeout: Duration,
) -> anyhow::Result<Vec<i32>> {
    let meta = client
        .fetch_metadata(Some(topic), timeout)
        .with_context(|| format!("reading metadata of {topic}"))?;
    Ok(meta
        .topics()
        .iter()
        .filter(|t| t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect())
}

/// The low and high watermarks of a partition. Right after a topic is
/// created (or while a broker restarts) a partition answers
/// NotLeaderForPartition or LeaderNotAvailable for a moment: those are
/// retried until `timeout` instead of failing the caller.
pub fn watermarks<C: ConsumerContext, T: rdkafka::consumer::Consumer<C>>(
    consumer: &T,
    topic: &str,
    partition: i32,
    timeout: Duration,
) -> rdkafka::error::KafkaResult<(i64, i64)> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match consumer.fetch_watermarks(topic, partition, left.max(Duration::from_millis(100))) {
            Err(e) if is_transient(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// Errors a partition gives while its leadership settles.
fn is_transient(e: &rdkafka::error::KafkaError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::UnknownTopicOrPartition
                | RDKafkaErrorCode::UnknownPartition
        )
    )
}

/// Retries `attempt` with backoff until it succeeds or `shutdown` fires, so a
/// service can start before its broker and become ready when Kafka is.
pub async fn until_connected<T, F, Fut>(
    what: &str,
    shutdown: &tokio_util::sync::CancellationToken,
    mut attempt: F,
) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut backoff = Duration::from_millis(250);
    loop {
        match attempt().await {
            Ok(v) => return Some(v),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                retry_in_ms = backoff.as_millis() as u64,
                "{what} failed"
            ),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Sends one record through a threaded producer, waiting while its local
/// queue is full rather than failing.
pub fn send_waiting<C: ProducerContext>(
    producer: &ThreadedProducer<C>,
    mut record: rdkafka::producer::BaseRecord<'_, [u8], [u8], C::DeliveryOpaque>,
) -> Result<(), rdkafka::error::KafkaError> {
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((
                rdkafka::error::KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull),
                back,
            )) => {
                record = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((e, _)) => return Err(e),
        }
    }
}

/// Commits the open transaction of a threaded producer. rust-rdkafka's own
/// flush inside `commit_transaction` waits on a 100 ms poll that races the
/// producer's polling thread for the delivery reports, adding 100 ms to
/// every commit; waiting for the in-flight count to drain first avoids that.
pub fn commit_transaction<C: ProducerContext>(
    producer: &ThreadedProducer<C>,
    timeout: Duration,
) -> Result<(), rdkafka::error::KafkaError> {
    use rdkafka::producer::Producer;
    let deadline = std::time::Instant::now() + timeout;
    while producer.in_flight_count() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(200));
    }
    producer.commit_transaction(deadline.saturating_duration_since(std::time::Instant::now()))
}

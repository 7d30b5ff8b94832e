//! Settings shared by all services. Each is a clap flag with an environment
//! variable and a default, so the same binary runs from a shell, a compose
//! file or Kubernetes without a config file.

use std::time::Duration;

use anyhow::bail;

mod security;

pub use security::{KafkaSecurity, Password, SaslMechanism, SecurityProtocol};

/// Kafka settings every service takes.
#[derive(Debug, Clone, clap::Args)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, comma-separated host:port.
    #[arg(long, env = "NEWSFEED_KAFKA_BROKERS", default_value = "localhost:9092")]
    pub kafka_brokers: String,

    /// Prefix of every topic name, e.g. `newsfeed.` gives `newsfeed.articles.ingested`.
    #[arg(long, env = "NEWSFEED_TOPIC_PREFIX", default_value = "newsfeed.")]
    pub topic_prefix: String,

    /// Partitions of topics the service creates.
    #[arg(long, env = "NEWSFEED_TOPIC_PARTITIONS", default_value_t = 3)]
    pub topic_partitions: i32,

    /// Replication factor of topics the service creates (1 for a single broker).
    #[arg(long, env = "NEWSFEED_TOPIC_REPLICATION", default_value_t = 1)]
    pub topic_replication: i32,

    /// This instance's name, stable across restarts; keys the Kafka transactional id.
    #[arg(long, env = "NEWSFEED_INSTANCE_ID", default_value_t = default_instance_id())]
    pub instance_id: String,

    /// How long to wait for Kafka to acknowledge a write before giving up, in milliseconds.
    #[arg(long, env = "NEWSFEED_KAFKA_TIMEOUT_MS", default_value_t = 10_000)]
    pub kafka_timeout_ms: u64,

    /// TLS and SASL to the broker.
    #[command(flatten)]
    pub security: KafkaSecurity,
}

fn default_instance_id() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "0".to_owned())
}

impl KafkaArgs {
    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        let brokers: Vec<&str> = self.kafka_brokers.split(',').map(str::trim).collect();
        for b in &brokers {
            let port = b.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
            if b.is_empty() || !matches!(port, Some(Ok(_))) {
                bail!(
                    "NEWSFEED_KAFKA_BROKERS: `{b}` is not host:port (set e.g. NEWSFEED_KAFKA_BROKERS=localhost:9092, \
                     or run `deploy/local/kafka up` to start a broker and print its address)"
                );
            }
        }
        let prefix_ok = self
            .topic_prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !prefix_ok || self.topic_prefix.len() > 200 {
            bail!(
                "NEWSFEED_TOPIC_PREFIX: `{}` may only use letters, digits, '.', '_' and '-' (Kafka topic rules)",
                self.topic_prefix
            );
        }
        if self.topic_partitions < 1 {
            bail!(
                "NEWSFEED_TOPIC_PARTITIONS: must be at least 1, got {}",
                self.topic_partitions
            );
        }
        if self.topic_replication < 1 {
            bail!(
                "NEWSFEED_TOPIC_REPLICATION: must be at least 1, got {}",
                self.topic_replication
            );
        }
        if self.kafka_timeout_ms < 100 {
            bail!(
                "NEWSFEED_KAFKA_TIMEOUT_MS: must be at least 100, got {}",
                self.kafka_timeout_ms
            );
        }
        self.security.validate()
    }

    /// The topic names under this prefix.
    pub fn topics(&self) -> Topics {
        Topics::new(&self.topic_prefix)
    }

    /// Write acknowledgement timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.kafka_timeout_ms)
    }
}

/// Seconds in a whole number and a unit of `s`, `m`, `h` or `d` (`90s`,
/// `30m`, `7d`; saturating): the one reading of intervals, ages and
/// retentions in settings and commands. `None` for anything else.
pub fn unit_seconds(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = digits.parse().ok()?;
    let per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(n.saturating_mul(per))
}

/// Parses `NEWSFEED_HTTP_ADDR` / `--http-addr`, saying what a good value looks like.
pub fn http_addr(value: &str) -> Result<std::net::SocketAddr, String> {
    value
        .parse()
        .map_err(|_| format!("NEWSFEED_HTTP_ADDR: `{value}` is not an IP:port address such as 127.0.0.1:8081 or 0.0.0.0:8081"))
}

/// Every topic Newsfeed uses, under one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// Stories accepted by ingest.
    pub ingested: String,
    /// Stories tagged by enrich.
    pub enriched: String,
    /// Stories released by publish.
    pub published: String,
    /// Records enrich could not process.
    pub enrich_dlq: String,
    /// Records publish could not process.
    pub publish_dlq: String,
    /// Publish's compacted state: the current version of every story.
    pub publish_state: String,
    /// Publish's compacted embargo queue: story versions held until a time.
    pub publish_embargoes: String,
    /// Compacted webhook subscriptions, keyed by subscription id.
    pub subscriptions: String,
    /// Webhook deliveries that ran out of retries.
    pub webhooks_dlq: String,
    /// Compacted: how far each webhook subscription's deliveries got (the
    /// next offset per partition of `published`), keyed by subscription id.
    pub webhook_offsets: String,
    /// Compacted: the sources allowed to write stories, keyed by name.
    pub sources: String,
    /// Compacted: the downstream clients and their scopes, keyed by name.
    pub clients: String,
    /// Compacted: dead letters replayed by `newsfeedctl dlq replay`, keyed
    /// by `<stage>:<partition>:<offset>` of the dead letter.
    pub dlq_replays: String,
    /// Compacted: the feeds ingest polls, keyed by feed id.
    pub feeds: String,
    /// Compacted: each feed's last poll, keyed by feed id (written by ingest).
    pub feed_status: String,
}

impl Topics {
    /// Topic names under `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            ingested: format!("{prefix}articles.ingested"),
            enriched: format!("{prefix}articles.enriched"),
            published: format!("{prefix}articles.published"),
            enrich_dlq: format!("{prefix}articles.enrich.dlq"),
            publish_dlq: format!("{prefix}articles.publish.dlq"),
            publish_state: format!("{prefix}publish.state"),
            publish_embargoes: format!("{prefix}publish.embargoes"),
            subscriptions: format!("{prefix}publish.subscriptions"),
            webhooks_dlq: format!("{prefix}webhooks.dlq"),
            webhook_offsets: format!("{prefix}publish.webhook-offsets"),
            sources: format!("{prefix}auth.sources"),
            clients: format!("{prefix}auth.clients"),
            dlq_replays: format!("{prefix}dlq.replays"),
            feeds: format!("{prefix}ingest.feeds"),
            feed_status: format!("{prefix}ingest.feeds.status"),
        }
    }

    /// Every topic name, in the order of the fields.
    pub fn all(&self) -> [&str; 15] {
        [
            &self.ingested,
            &self.enriched,
            &self.published,
            &self.enrich_dlq,
            &self.publish_dlq,
            &self.publish_state,
            &self.publish_embargoes,
            &self.subscriptions,
            &self.webhooks_dlq,
            &self.webhook_offsets,
            &self.sources,
            &self.clients,
            &self.dlq_replays,
            &self.feeds,
            &self.feed_status,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_seconds_reads_a_number_and_a_unit() {
        assert_eq!(unit_seconds("90s"), Some(90));
        assert_eq!(unit_seconds(" 30m "), Some(1800));
        assert_eq!(unit_seconds("2h"), Some(7200));
        assert_eq!(unit_seconds("7d"), Some(604_800));
        assert_eq!(unit_seconds("999999999999999999d"), Some(u64::MAX));
        for bad in ["", "30", "d", "-1d", "3w", "1.5h", "2 h"] {
            assert_eq!(unit_seconds(bad), None, "{bad}");
        }
    }
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        kafka: KafkaArgs,
    }

    #[test]
    fn defaults_are_valid() {
        let cli = Cli::parse_from(["x"]);
        cli.kafka.validate().unwrap();
        assert_eq!(cli.kafka.topics().ingested, "newsfeed.articles.ingested");
    }

    #[test]
    fn bad_settings_name_the_variable() {
        let cli = Cli::parse_from(["x", "--kafka-brokers", "localhost"]);
        let err = cli.kafka.validate().unwrap_err().to_string();
        assert!(err.starts_with("NEWSFEED_KAFKA_BROKERS"), "{err}");
        let cli = Cli::parse_from(["x", "--topic-prefix", "news feed"]);
        assert!(
            cli.kafka
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("NEWSFEED_TOPIC_PREFIX")
        );
    }
}

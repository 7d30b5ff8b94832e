//! Ingest's settings.

use std::net::SocketAddr;
use std::time::Duration;

use newsfeed_runtime::KafkaArgs;
use newsfeed_runtime::http::HttpLimits;
use newsfeed_runtime::outbound::OutboundArgs;

/// `newsfeed-ingest` command line; every flag also reads an environment variable.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "newsfeed-ingest",
    version,
    about = "Accepts ninjs stories over HTTP and writes them to Kafka."
)]
pub struct Config {
    /// Kafka settings.
    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Log format and filter, span export.
    #[command(flatten)]
    pub telemetry: newsfeed_runtime::telemetry::TelemetryArgs,

    /// HTTP timeouts and connection cap.
    #[command(flatten)]
    pub http: HttpLimits,

    /// Address to serve the API, /metrics, /healthz and /readyz on.
    #[arg(long, env = "NEWSFEED_HTTP_ADDR", value_parser = newsfeed_runtime::config::http_addr, default_value = "127.0.0.1:8081")]
    pub http_addr: SocketAddr,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "NEWSFEED_INGEST_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most stories in one NDJSON batch.
    #[arg(long, env = "NEWSFEED_INGEST_MAX_BATCH", default_value_t = 1000)]
    pub max_batch: usize,

    /// Largest Kafka message the broker accepts (its `message.max.bytes`;
    /// librdkafka's default is the same 1000000): a story whose event is
    /// larger is refused with 413 instead of failing at the broker.
    #[arg(
        long,
        env = "NEWSFEED_KAFKA_MAX_MESSAGE_BYTES",
        default_value_t = 1_000_000
    )]
    pub max_message_bytes: usize,

    /// Which addresses feed URLs may reach.
    #[command(flatten)]
    pub outbound: OutboundArgs,

    /// Feed polling.
    #[command(flatten)]
    pub feeds: FeedArgs,
}

/// Feed polling settings (feeds themselves are added with `newsfeedctl feeds add`).
#[derive(Debug, Clone, clap::Args)]
pub struct FeedArgs {
    /// Poll the registered feeds (each by one ingest instance of those that do);
    /// `false` for an instance that only serves the API.
    #[arg(long = "feeds-poll", env = "NEWSFEED_FEEDS_POLL", default_value_t = true, action = clap::ArgAction::Set)]
    pub poll: bool,

    /// Largest feed body read, in bytes: a larger feed is a failed poll and nothing of it is written.
    #[arg(long = "feeds-max-bytes", env = "NEWSFEED_FEEDS_MAX_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_bytes: usize,

    /// Longest a feed request may take, connecting and reading the body included, in milliseconds.
    #[arg(
        long = "feeds-timeout-ms",
        env = "NEWSFEED_FEEDS_TIMEOUT_MS",
        default_value_t = 20_000
    )]
    pub timeout_ms: u64,

    /// Longest wait between polls of a failing feed (the wait doubles from its interval), in seconds.
    #[arg(
        long = "feeds-max-backoff-secs",
        env = "NEWSFEED_FEEDS_MAX_BACKOFF_SECS",
        default_value_t = 1800
    )]
    pub max_backoff_secs: u64,
}

impl FeedArgs {
    /// The request timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// Request limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body in bytes.
    pub max_body_bytes: usize,
    /// Most stories per batch.
    pub max_batch: usize,
    /// Largest event written to Kafka.
    pub max_message_bytes: usize,
    /// Longest a body may take to arrive.
    pub body_timeout: Duration,
}

impl Config {
    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.kafka.validate()?;
        self.http.validate()?;
        if self.max_message_bytes < 4096 {
            anyhow::bail!(
                "NEWSFEED_KAFKA_MAX_MESSAGE_BYTES: must be at least 4096, got {}",
                self.max_message_bytes
            );
        }
        if self.max_body_bytes < 1024 {
            anyhow::bail!(
                "NEWSFEED_INGEST_MAX_BODY_BYTES: must be at least 1024, got {}",
                self.max_body_bytes
            );
        }
        if self.max_batch == 0 {
            anyhow::bail!("NEWSFEED_INGEST_MAX_BATCH: must be at least 1");
        }
        self.outbound.policy()?;
        if self.feeds.max_bytes < 1024 {
            anyhow::bail!(
                "NEWSFEED_FEEDS_MAX_BYTES: must be at least 1024, got {}",
                self.feeds.max_bytes
            );
        }
        if self.feeds.timeout_ms < 100 {
            anyhow::bail!("NEWSFEED_FEEDS_TIMEOUT_MS: must be at least 100");
        }
        if self.feeds.max_backoff_secs == 0 {
            anyhow::bail!("NEWSFEED_FEEDS_MAX_BACKOFF_SECS: must be at least 1");
        }
        Ok(())
    }

    /// The request limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_body_bytes: self.max_body_bytes,
            max_batch: self.max_batch,
            max_message_bytes: self.max_message_bytes,
            body_timeout: self.http.body_timeout(),
        }
    }
}

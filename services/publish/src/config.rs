//! Publish's settings.

use std::net::SocketAddr;
use std::time::Duration;

use newsfeed_runtime::KafkaArgs;
use newsfeed_runtime::outbound::OutboundArgs;
use newsfeed_runtime::secrets::SecretsArgs;

/// `newsfeed-publish` command line; every flag also reads an environment variable.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "newsfeed-publish",
    version,
    about = "Releases enriched stories and serves them to downstream readers."
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
    pub http: newsfeed_runtime::http::HttpLimits,

    /// Where outbound requests (webhook deliveries) may go.
    #[command(flatten)]
    pub outbound: OutboundArgs,

    /// The key sealing webhook secrets in Kafka.
    #[command(flatten)]
    pub secrets: SecretsArgs,

    /// How webhook deliveries are timed, retried and given up on.
    #[command(flatten)]
    pub webhooks: crate::webhooks::WebhookArgs,

    /// Address to serve the read API, /metrics, /healthz and /readyz on.
    #[arg(long, env = "NEWSFEED_HTTP_ADDR", value_parser = newsfeed_runtime::config::http_addr, default_value = "127.0.0.1:8083")]
    pub http_addr: SocketAddr,

    /// Most stories per Kafka transaction.
    #[arg(long, env = "NEWSFEED_PUBLISH_BATCH", default_value_t = 500)]
    pub batch_size: usize,

    /// How long a batch waits for more stories after its first, in milliseconds.
    #[arg(long, env = "NEWSFEED_PUBLISH_LINGER_MS", default_value_t = 20)]
    pub linger_ms: u64,

    /// How often an idle live stream gets a heartbeat comment, in milliseconds.
    #[arg(long, env = "NEWSFEED_STREAM_HEARTBEAT_MS", default_value_t = 15_000)]
    pub stream_heartbeat_ms: u64,

    /// How long a client resuming a live stream may take to catch up from
    /// Kafka, in milliseconds; past it the stream ends (the client resumes
    /// from its last id) rather than skip what it missed.
    #[arg(
        long,
        env = "NEWSFEED_STREAM_CATCHUP_TIMEOUT_MS",
        default_value_t = 120_000
    )]
    pub stream_catch_up_timeout_ms: u64,

    /// Copies of stories with a given tag on topics of their own:
    /// comma-separated `slug=topic` pairs, e.g. `russia=feed.russia` (topic names get the prefix).
    #[arg(long, env = "NEWSFEED_PUBLISH_ROUTES", default_value = "")]
    pub routes: String,

    /// Require a client token with the `read` scope to read stories, feeds
    /// and streams (public otherwise).
    #[arg(
        long,
        env = "NEWSFEED_PUBLISH_READ_REQUIRES_TOKEN",
        default_value_t = false
    )]
    pub read_requires_token: bool,
}

/// Stories tagged `slug` are also written to `topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Topic slug, as in `/v1/topics/{slug}`.
    pub slug: String,
    /// Full topic name, prefix included.
    pub topic: String,
}

impl Config {
    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.kafka.validate()?;
        self.http.validate()?;
        if self.batch_size == 0 {
            anyhow::bail!("NEWSFEED_PUBLISH_BATCH: must be at least 1");
        }
        self.parsed_routes()?;
        self.outbound.policy()?;
        self.webhooks.settings()?;
        Ok(())
    }

    /// How long a resuming stream client's catch-up may take.
    pub fn catch_up_limit(&self) -> Duration {
        Duration::from_millis(self.stream_catch_up_timeout_ms)
    }

    /// The heartbeat interval of live streams.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_millis(self.stream_heartbeat_ms.max(100))
    }

    /// The routes, with topic names prefixed.
    pub fn parsed_routes(&self) -> anyhow::Result<Vec<Route>> {
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        };
        self.routes
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| match r.split_once('=') {
                Some((slug, topic)) if valid(slug.trim()) && valid(topic.trim()) => Ok(Route {
                    slug: slug.trim().to_owned(),
                    topic: format!("{}{}", self.kafka.topic_prefix, topic.trim()),
                }),
                _ => Err(anyhow::anyhow!(
                    "NEWSFEED_PUBLISH_ROUTES: `{r}` is not slug=topic (e.g. russia=feed.russia; letters, digits, '.', '_', '-')"
                )),
            })
            .collect()
    }

    /// Batch linger.
    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.linger_ms)
    }
}

//! Publish's settings.

use std::net::SocketAddr;
use std::time::Duration;

use newsfeed_runtime::KafkaArgs;

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

    /// Address to serve the read API, /metrics, /healthz and /readyz on.
    #[arg(long, env = "NEWSFEED_HTTP_ADDR", value_parser = newsfeed_runtime::config::http_addr, default_value = "127.0.0.1:8083")]
    pub http_addr: SocketAddr,

    /// Most stories per Kafka transaction.
    #[arg(long, env = "NEWSFEED_PUBLISH_BATCH", default_value_t = 500)]
    pub batch_size: usize,

    /// How long a batch waits for more stories after its first, in milliseconds.
    #[arg(long, env = "NEWSFEED_PUBLISH_LINGER_MS", default_value_t = 20)]
    pub linger_ms: u64,
}

impl Config {
    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.kafka.validate()?;
        if self.batch_size == 0 {
            anyhow::bail!("NEWSFEED_PUBLISH_BATCH: must be at least 1");
        }
        Ok(())
    }

    /// Batch linger.
    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.linger_ms)
    }
}

//! Enrich's settings.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use newsfeed_runtime::KafkaArgs;

/// `newsfeed-enrich` command line; every flag also reads an environment variable.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "newsfeed-enrich",
    version,
    about = "Tags ingested stories with topics, places, people and organisations."
)]
pub struct Config {
    /// `tag` runs the tagger over JSON lines instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Kafka settings.
    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Log format and filter, span export.
    #[command(flatten)]
    pub telemetry: newsfeed_runtime::telemetry::TelemetryArgs,

    /// HTTP timeouts and connection cap.
    #[command(flatten)]
    pub http: newsfeed_runtime::http::HttpLimits,

    /// Address to serve /metrics, /healthz and /readyz on.
    #[arg(long, env = "NEWSFEED_HTTP_ADDR", value_parser = newsfeed_runtime::config::http_addr, default_value = "127.0.0.1:8082")]
    pub http_addr: SocketAddr,

    /// Taxonomy file (YAML); the shipped default taxonomy when unset. Reloaded when it changes.
    #[arg(long, env = "NEWSFEED_TAXONOMY")]
    pub taxonomy: Option<PathBuf>,

    /// How often to check the taxonomy file for changes, in milliseconds.
    #[arg(long, env = "NEWSFEED_TAXONOMY_POLL_MS", default_value_t = 1000)]
    pub taxonomy_poll_ms: u64,

    /// Most stories per Kafka transaction.
    #[arg(long, env = "NEWSFEED_ENRICH_BATCH", default_value_t = 500)]
    pub batch_size: usize,

    /// How long a batch waits for more stories after its first, in milliseconds.
    #[arg(long, env = "NEWSFEED_ENRICH_LINGER_MS", default_value_t = 20)]
    pub linger_ms: u64,
}

/// Subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Tag ninjs documents (JSON lines on stdin with `-`, or files) and print
    /// each enriched document as one JSON line, in order.
    Tag(TagArgs),
}

/// `newsfeed-enrich tag` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct TagArgs {
    /// `-` for stdin (JSON lines), or files (one JSON document each, or JSON lines).
    #[arg(default_value = "-")]
    pub inputs: Vec<String>,

    /// Taxonomy file; the shipped default when unset.
    #[arg(long, env = "NEWSFEED_TAXONOMY")]
    pub taxonomy: Option<PathBuf>,

    /// Print `{"article": ..., "enrichment": ...}` per line, with the evidence for each tag.
    #[arg(long)]
    pub explain: bool,
}

impl Config {
    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.kafka.validate()?;
        self.http.validate()?;
        if self.batch_size == 0 {
            anyhow::bail!("NEWSFEED_ENRICH_BATCH: must be at least 1");
        }
        if let Some(p) = &self.taxonomy
            && !p.is_file()
        {
            anyhow::bail!(
                "NEWSFEED_TAXONOMY: `{}` is not a readable file",
                p.display()
            );
        }
        Ok(())
    }

    /// Batch linger.
    pub fn linger(&self) -> Duration {
        Duration::from_millis(self.linger_ms)
    }

    /// Taxonomy poll interval.
    pub fn taxonomy_poll(&self) -> Duration {
        Duration::from_millis(self.taxonomy_poll_ms.max(50))
    }
}

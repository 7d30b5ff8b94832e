//! Publish's settings.

use std::net::SocketAddr;
use std::path::PathBuf;
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

    /// Where publish keeps its story store (a cache of the state topics). The
    /// store itself is `<dir>/<topic prefix>/<instance id>/publish.redb`, so
    /// two pipelines on one host never share one and a restart with the same
    /// settings finds its own. Default: `$XDG_STATE_HOME/newsfeed`, else
    /// `~/.local/state/newsfeed`.
    #[arg(long, env = "NEWSFEED_DATA_DIR", default_value_os_t = default_data_dir())]
    pub data_dir: PathBuf,

    /// How long stories stay in topic lists, feeds and stream replays after
    /// their version time (`30d`, `12h`, `90m`, `45s`); a story's own ninjs
    /// `expires` ends it sooner. `GET /v1/articles/{uri}` answers regardless.
    #[arg(long, env = "NEWSFEED_PUBLISH_RETENTION", default_value = "365d", value_parser = parse_retention)]
    pub retention: chrono::Duration,

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

/// `$XDG_STATE_HOME/newsfeed`, else `$HOME/.local/state/newsfeed`, else
/// `./newsfeed-data`.
fn default_data_dir() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
    state.map_or_else(|| PathBuf::from("newsfeed-data"), |s| s.join("newsfeed"))
}

/// A whole number and a unit: `s`, `m`, `h` or `d`.
fn parse_retention(s: &str) -> Result<chrono::Duration, String> {
    newsfeed_runtime::config::unit_seconds(s)
        .and_then(|secs| i64::try_from(secs).ok())
        .and_then(chrono::Duration::try_seconds)
        .filter(|d| *d > chrono::Duration::zero())
        .ok_or_else(|| format!("`{s}`: expected a positive whole number of s, m, h or d, e.g. 30d"))
}

/// One path component from a setting: unsafe characters replaced, never
/// empty, `.` or `..`.
fn path_component(s: &str) -> String {
    let safe: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches('.').is_empty() {
        format!("_{safe}")
    } else {
        safe
    }
}

impl Config {
    /// The story store's file: one per topic prefix and instance.
    pub fn store_path(&self) -> PathBuf {
        self.data_dir
            .join(path_component(&self.kafka.topic_prefix))
            .join(path_component(&self.kafka.instance_id))
            .join("publish.redb")
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_takes_a_number_and_a_unit() {
        assert_eq!(parse_retention("30d"), Ok(chrono::Duration::days(30)));
        assert_eq!(parse_retention("90m"), Ok(chrono::Duration::minutes(90)));
        for bad in ["", "30", "d", "0d", "3w", "-1d", "99999999999999d"] {
            assert!(parse_retention(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_prefix_and_instance_gets_its_own_store() {
        assert_eq!(path_component("test-1."), "test-1.");
        assert_eq!(path_component(""), "_");
        assert_eq!(path_component(".."), "_..");
        assert_eq!(path_component("a/b c"), "a_b_c");
    }
}

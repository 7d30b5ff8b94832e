//! Feeds polled as sources: what `newsfeedctl feeds add` registers in the
//! compacted `<prefix>ingest.feeds` topic (keyed by feed id), and what the
//! ingest instance polling a feed reports in `<prefix>ingest.feeds.status`
//! (same key), for `newsfeedctl feeds list`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::table::TableState;

/// Shortest interval between two polls of a feed.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Longest interval between two polls of a feed.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// A feed to poll, as registered by an operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedDefinition {
    /// [`feed_id`] of the URL: the record key.
    pub id: String,
    /// Where the feed is fetched from.
    pub url: Url,
    /// The source its stories are written as (its uri prefixes and rate apply).
    pub source: String,
    /// Seconds between polls (before jitter and backoff).
    pub interval_secs: u64,
    /// When it was registered.
    pub added_at: DateTime<Utc>,
}

impl FeedDefinition {
    /// The interval between polls.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_secs).clamp(MIN_INTERVAL, MAX_INTERVAL)
    }
}

/// How a feed's last poll went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollOutcome {
    /// Fetched and its entries written (or none was new).
    Ok,
    /// The server answered 304: nothing changed.
    NotModified,
    /// The poll failed; `error` says why.
    Error,
}

impl PollOutcome {
    /// The name shown by `feeds list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotModified => "not_modified",
            Self::Error => "error",
        }
    }
}

/// The state of a feed, as the instance polling it last reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedStatus {
    /// The feed id.
    pub id: String,
    /// The instance that polled it.
    pub instance: String,
    /// When it was last polled.
    pub last_poll: DateTime<Utc>,
    /// When a poll last succeeded (fetched or not modified).
    pub last_success: Option<DateTime<Utc>>,
    /// How the last poll went.
    pub outcome: PollOutcome,
    /// Why the last poll failed (or which entries were refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Entries in the feed at the last successful fetch.
    pub entries_seen: u64,
    /// Stories written from this feed since the instance took it over.
    pub entries_written: u64,
}

/// The registered feeds, by id.
#[derive(Debug, Default)]
pub struct Feeds(BTreeMap<String, FeedDefinition>);

impl Feeds {
    /// The feed with this id.
    pub fn get(&self, id: &str) -> Option<&FeedDefinition> {
        self.0.get(id)
    }

    /// Every feed, by id.
    pub fn all(&self) -> impl Iterator<Item = &FeedDefinition> {
        self.0.values()
    }
}

impl TableState for Feeds {
    fn apply(&mut self, key: &str, value: Option<&[u8]>) -> anyhow::Result<()> {
        self.0.remove(key);
        if let Some(v) = value {
            let feed: FeedDefinition = serde_json::from_slice(v)?;
            anyhow::ensure!(
                feed.id == key,
                "record key `{key}` names feed `{}`",
                feed.id
            );
            self.0.insert(key.to_owned(), feed);
        }
        Ok(())
    }
}

/// The last reported status of every feed, by id.
#[derive(Debug, Default)]
pub struct FeedStatuses(BTreeMap<String, FeedStatus>);

impl FeedStatuses {
    /// The status of the feed with this id.
    pub fn get(&self, id: &str) -> Option<&FeedStatus> {
        self.0.get(id)
    }
}

impl TableState for FeedStatuses {
    fn apply(&mut self, key: &str, value: Option<&[u8]>) -> anyhow::Result<()> {
        self.0.remove(key);
        if let Some(v) = value {
            self.0.insert(key.to_owned(), serde_json::from_slice(v)?);
        }
        Ok(())
    }
}

/// A feed's id: the first 12 hex digits of the SHA-256 of its URL, so the
/// same URL added twice is one feed, and `feeds remove` takes either.
pub fn feed_id(url: &Url) -> String {
    let digest = Sha256::digest(url.as_str().as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The URL as safe to log and show: no user info, query or fragment (they
/// may hold credentials), the path clipped.
pub fn redact(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = newsfeed_model::echo::clip(url.path());
    let query = if url.query().is_some() { "?…" } else { "" };
    format!("{}://{host}{port}{path}{query}", url.scheme())
}

/// Reads an interval such as `90`, `90s`, `5m` or `1h`.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    // A bare number is seconds.
    let secs = s
        .parse()
        .ok()
        .or_else(|| crate::config::unit_seconds(s))
        .ok_or_else(|| format!("`{s}` is not an interval such as 60s, 5m or 1h"))?;
    let d = Duration::from_secs(secs);
    if d < MIN_INTERVAL || d > MAX_INTERVAL {
        return Err(format!("`{s}`: must be from 1s to 24h"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_urls_are_redacted() {
        let url = Url::parse("https://feeds.example.com/wire/rss?token=secret").unwrap();
        assert_eq!(feed_id(&url), feed_id(&url.clone()));
        assert_eq!(feed_id(&url).len(), 12);
        assert_eq!(redact(&url), "https://feeds.example.com/wire/rss?…");
    }

    #[test]
    fn the_table_applies_definitions_and_tombstones_and_refuses_a_wrong_key() {
        let url = Url::parse("https://feeds.example.com/a.rss").unwrap();
        let feed = FeedDefinition {
            id: feed_id(&url),
            url,
            source: "wire".into(),
            interval_secs: 0,
            added_at: Utc::now(),
        };
        assert_eq!(feed.interval(), MIN_INTERVAL);
        let value = serde_json::to_vec(&feed).unwrap();
        let mut feeds = Feeds::default();
        feeds.apply(&feed.id, Some(&value)).unwrap();
        assert_eq!(feeds.get(&feed.id), Some(&feed));
        assert!(feeds.apply("another", Some(&value)).is_err());
        feeds.apply(&feed.id, None).unwrap();
        assert_eq!(feeds.all().count(), 0);
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_interval("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("2d").is_err());
        assert!(parse_interval("s").is_err());
    }
}

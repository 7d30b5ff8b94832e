//! One feed's poller: a tokio task that fetches the feed with a conditional
//! GET through the outbound-policy client, reads at most
//! `NEWSFEED_FEEDS_MAX_BYTES`, turns new and changed entries into stories
//! and writes them exactly as `POST /v1/articles` would (as the feed's
//! source: its uri prefixes and rate apply, `newsfeed-source` is set),
//! then reports the poll to the status topic. It sleeps its interval with
//! ±10% jitter, or backs off exponentially after failures.
//!
//! Entries already written are remembered per feed (uri → fingerprint of
//! the document), only for the entries the feed still lists, so memory is
//! bounded by the feed's size; an unchanged entry is not re-sent (the
//! supervisor keeps that [`Memory`] a while when a rebalance moves the feed
//! away, in case it comes back). After a restart, or a takeover by another
//! instance, that memory is empty and the feed's entries are
//! written again with the same versions: publish skips a version identical
//! to the one it holds, so readers see nothing twice — except for entries
//! with neither an updated nor a published time, which take the time they
//! were first seen and so come back once as a new version.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use newsfeed_model::validate::MAX_VERSION;
use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::auth::{Credentials, Source};
use newsfeed_runtime::cloudevents::TraceParent;
use newsfeed_runtime::feeds::{FeedDefinition, FeedStatus, PollOutcome, redact};
use newsfeed_runtime::outbound::{OutboundClient, refusal};
use newsfeed_runtime::table::Table;
use rdkafka::producer::{FutureProducer, FutureRecord};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::convert::{self, Item, Origin};
use crate::metrics::{FeedError, FeedMetrics, IngestMetrics};
use crate::sources::RateLimits;
use crate::writer::{Prepared, Writer, prepare};

/// What every poller shares.
pub struct Shared {
    /// The client that keeps requests to permitted addresses.
    pub client: OutboundClient,
    /// Set once Kafka is reachable.
    pub writer: Arc<tokio::sync::OnceCell<Writer>>,
    /// The registered sources.
    pub sources: Arc<Table<Credentials<Source>>>,
    /// The per-source rate limiters `POST /v1/articles` uses too.
    pub rates: Arc<RateLimits>,
    /// The stage metrics.
    pub stage: Arc<StageMetrics>,
    /// Ingest's per-source metrics.
    pub ingest: Arc<IngestMetrics>,
    /// Per-feed metrics.
    pub metrics: Arc<FeedMetrics>,
    /// Writes each poll's [`FeedStatus`].
    pub status: FutureProducer,
    /// The status topic.
    pub status_topic: String,
    /// Limits and timings.
    pub settings: Settings,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("status_topic", &self.status_topic)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Limits and timings of polling.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest feed body read, in bytes.
    pub max_bytes: usize,
    /// Longest wait after failures.
    pub max_backoff: Duration,
    /// Most stories in one transaction.
    pub max_batch: usize,
    /// Largest event Kafka accepts.
    pub max_message_bytes: usize,
    /// This instance's id, in status records.
    pub instance: String,
}

/// A poll that did not work.
#[derive(Debug)]
struct Failure {
    reason: FeedError,
    detail: String,
}

fn fail(reason: FeedError, detail: impl Into<String>) -> Failure {
    Failure {
        reason,
        detail: detail.into(),
    }
}

/// What a poll did.
#[derive(Debug, Default)]
struct Polled {
    not_modified: bool,
    seen: u64,
    new: u64,
    updated: u64,
    /// Entries refused, with the first reason.
    refused: Option<(FeedError, u64, String)>,
}

/// What a poller knows of its feed beyond its definition; kept by the
/// supervisor when a rebalance moves the feed away and back, so the feed is
/// not fetched and written again in full.
#[derive(Debug, Default)]
pub struct Memory {
    etag: Option<String>,
    last_modified: Option<String>,
    /// uri → (fingerprint, version written).
    written: HashMap<String, (u64, u64)>,
    entries_written: u64,
}

/// A feed's state between polls.
#[derive(Debug)]
struct Poller {
    feed: FeedDefinition,
    shown: String,
    memory: Memory,
    failures: u32,
    status: FeedStatus,
    /// The entries of the feed's last content that were refused, as
    /// reported: a poll answered "not modified" has that content still.
    refused: Option<String>,
}

/// Polls `feed` until `stop`, starting from what an earlier poller of it
/// here knew; returns what it knows.
pub async fn run(
    shared: Arc<Shared>,
    feed: FeedDefinition,
    memory: Memory,
    stop: CancellationToken,
) -> Memory {
    shared.metrics.feed_known(&feed.id);
    let shown = redact(&feed.url);
    tracing::info!(feed = %feed.id, url = %shown, "polling feed");
    let mut p = Poller {
        status: FeedStatus {
            id: feed.id.clone(),
            instance: shared.settings.instance.clone(),
            last_poll: Utc::now(),
            last_success: None,
            outcome: PollOutcome::Ok,
            error: None,
            entries_seen: 0,
            entries_written: memory.entries_written,
        },
        feed,
        shown,
        memory,
        failures: 0,
        refused: None,
    };
    loop {
        let wait = p.poll(&shared).await;
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    tracing::info!(feed = %p.feed.id, "stopped polling feed");
    shared.metrics.feed_gone(&p.feed.id);
    p.memory.entries_written = p.status.entries_written;
    p.memory
}

impl Poller {
    /// One poll, reported; returns how long to wait before the next.
    async fn poll(&mut self, shared: &Shared) -> Duration {
        let id = self.feed.id.clone();
        shared.metrics.polled(&id);
        let now = Utc::now();
        self.status.last_poll = now;
        let result = self.fetch_and_write(shared).await;
        let wait = match result {
            Ok(polled) => {
                self.failures = 0;
                shared.metrics.succeeded(&id);
                self.status.last_success = Some(now);
                if polled.not_modified {
                    shared.metrics.not_modified(&id);
                    self.status.outcome = PollOutcome::NotModified;
                } else {
                    self.status.outcome = PollOutcome::Ok;
                    self.status.entries_seen = polled.seen;
                    self.status.entries_written += polled.new + polled.updated;
                    shared.metrics.written(&id, polled.new, polled.updated);
                    self.refused = polled.refused.map(|(reason, n, detail)| {
                        shared.metrics.failed(&id, &self.shown, reason, n, &detail);
                        format!("entries not written: {n}; first: {detail}")
                    });
                }
                // Unchanged content keeps its refused entries.
                self.status.error = self.refused.clone();
                jittered(self.feed.interval())
            }
            Err(f) => {
                shared
                    .metrics
                    .failed(&id, &self.shown, f.reason, 1, &f.detail);
                self.status.outcome = PollOutcome::Error;
                self.status.error = Some(format!("{}: {}", f.reason.as_str(), f.detail));
                self.failures = self.failures.saturating_add(1);
                let factor = 1u32 << self.failures.min(16);
                jittered(
                    self.feed
                        .interval()
                        .saturating_mul(factor)
                        .min(shared.settings.max_backoff),
                )
            }
        };
        self.report(shared).await;
        wait
    }

    async fn report(&self, shared: &Shared) {
        let Ok(value) = serde_json::to_vec(&self.status) else {
            return;
        };
        let record = FutureRecord::to(&shared.status_topic)
            .key(&self.feed.id)
            .payload(&value);
        if let Err((e, _)) = shared.status.send(record, Duration::from_secs(10)).await {
            tracing::warn!(feed = %self.feed.id, error = %e, "could not write the feed's status");
        }
    }

    async fn fetch_and_write(&mut self, shared: &Shared) -> Result<Polled, Failure> {
        let source = shared
            .sources
            .read()
            .get(&self.feed.source)
            .ok_or_else(|| {
                fail(
                    FeedError::UnknownSource,
                    format!("source `{}` is not registered", self.feed.source),
                )
            })?;
        let writer = shared
            .writer
            .get()
            .ok_or_else(|| fail(FeedError::Kafka, "not connected to Kafka yet"))?;
        let Some(fetched) = self.fetch(shared).await? else {
            return Ok(Polled {
                not_modified: true,
                ..Polled::default()
            });
        };
        // Up to NEWSFEED_FEEDS_MAX_BYTES of XML or JSON: parsed on the
        // blocking pool, not on a thread that serves requests.
        let Fetched {
            body, content_type, ..
        } = fetched;
        let items =
            tokio::task::spawn_blocking(move || convert::parse(&body, content_type.as_deref()))
                .await
                .map_err(|e| fail(FeedError::Malformed, format!("parsing stopped: {e}")))?
                .map_err(|e| fail(FeedError::Malformed, e.0))?;
        let mut polled = Polled {
            seen: items.len() as u64,
            ..Polled::default()
        };
        let now = Utc::now();
        let trace = TraceParent::new_root();
        let mut listed = HashSet::new();
        let mut pending = Vec::new();
        for item in items {
            let story = item.and_then(|i| self.story(i, &source, now, &trace, shared, &mut listed));
            match story {
                Ok(Some(p)) => pending.push(p),
                Ok(None) => {}
                Err(why) => refuse(&mut polled, FeedError::InvalidEntry, why),
            }
        }
        let complete = self
            .write(shared, writer, &source, pending, &mut polled)
            .await?;
        if complete {
            // Remember only what the feed still lists: bounded by its size.
            self.memory.written.retain(|uri, _| listed.contains(uri));
            self.memory.etag = fetched.etag;
            self.memory.last_modified = fetched.last_modified;
        }
        Ok(polled)
    }

    /// The record of one item, `None` when it is unchanged since written.
    fn story(
        &self,
        item: Item,
        source: &Source,
        now: DateTime<Utc>,
        trace: &TraceParent,
        shared: &Shared,
        listed: &mut HashSet<String>,
    ) -> Result<Option<Pending>, String> {
        let Item { mut doc, origin } = item;
        let uri = doc
            .get("uri")
            .and_then(Value::as_str)
            .ok_or("an item without a uri")?
            .to_owned();
        listed.insert(uri.clone());
        let fingerprint = fingerprint(&doc);
        let before = self.memory.written.get(&uri).copied();
        if before.is_some_and(|(fp, _)| fp == fingerprint) {
            return Ok(None);
        }
        let mut version = 0;
        if let Origin::Entry(updated) = origin {
            let when;
            (version, when) = entry_version(updated, now, before.map(|(_, v)| v));
            doc["version"] = json!(version.to_string());
            doc["versionCreated"] = json!(when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        }
        let clipped = newsfeed_model::echo::clip_uri(&uri);
        let valid = newsfeed_model::parse_article(doc).map_err(|v| {
            let first = v
                .first()
                .map(|v| format!("{}: {}", v.pointer, v.message))
                .unwrap_or_default();
            format!("{clipped}: {first}")
        })?;
        if !source.may_write(valid.uri.as_str()) {
            return Err(format!(
                "{clipped}: outside the uri prefixes of source `{}`",
                source.name
            ));
        }
        let record = prepare(valid, &source.name, now, trace).map_err(|e| e.to_string())?;
        if record.framed_size() > shared.settings.max_message_bytes {
            return Err(format!(
                "{clipped}: larger than the Kafka message limit (NEWSFEED_KAFKA_MAX_MESSAGE_BYTES)"
            ));
        }
        Ok(Some(Pending {
            record,
            uri,
            fingerprint,
            version,
            new: before.is_none(),
        }))
    }

    /// Writes the stories in transactions of at most `max_batch`, as the
    /// source's rate allows; false when some wait for the next poll.
    async fn write(
        &mut self,
        shared: &Shared,
        writer: &Writer,
        source: &Source,
        pending: Vec<Pending>,
        polled: &mut Polled,
    ) -> Result<bool, Failure> {
        // A chunk larger than the source's rate would never fit.
        let per_chunk = shared
            .settings
            .max_batch
            .min(usize::try_from(source.rate_per_minute).unwrap_or(usize::MAX))
            .max(1);
        let mut pending = pending.into_iter().peekable();
        while pending.peek().is_some() {
            let chunk: Vec<Pending> = pending.by_ref().take(per_chunk).collect();
            let n = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            if shared.rates.take(source, n).is_err() {
                let left = chunk.len() + pending.count();
                refuse(
                    polled,
                    FeedError::RateLimited,
                    format!(
                        "{left} stories wait for the next poll: source `{}` may write {} a minute",
                        source.name, source.rate_per_minute
                    ),
                );
                return Ok(false);
            }
            let mut records = Vec::with_capacity(chunk.len());
            let mut done = Vec::with_capacity(chunk.len());
            for p in chunk {
                records.push(p.record);
                done.push((p.uri, p.fingerprint, p.version, p.new));
            }
            shared.stage.received(records.len() as u64);
            writer
                .write_batch(records)
                .await
                .map_err(|e| fail(FeedError::Kafka, e.to_string()))?;
            let now = Utc::now();
            shared.ingest.accepted(&source.name, done.len() as u64);
            for (uri, fp, version, new) in done {
                shared.stage.emitted(Some(now));
                if new {
                    polled.new += 1;
                } else {
                    polled.updated += 1;
                }
                self.memory.written.insert(uri, (fp, version));
            }
        }
        Ok(true)
    }

    /// GETs the feed; `None` for 304 Not Modified.
    async fn fetch(&self, shared: &Shared) -> Result<Option<Fetched>, Failure> {
        let refused = |e: newsfeed_runtime::outbound::Refused| {
            fail(FeedError::Refused, format!("the URL {e}"))
        };
        let mut req = shared.client.get(&self.feed.url).map_err(refused)?.header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/ninjs+json, application/x-ndjson, application/json;q=0.9, application/xml;q=0.8, */*;q=0.5",
        );
        if let Some(etag) = &self.memory.etag {
            req = req.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &self.memory.last_modified {
            req = req.header(IF_MODIFIED_SINCE, lm);
        }
        let mut resp = req.send().await.map_err(|e| match refusal(&e) {
            Some(r) => refused(r.clone()),
            None => fail(FeedError::Unreachable, e.without_url().to_string()),
        })?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if status.is_redirection() {
            return Err(fail(
                FeedError::Status,
                format!("HTTP {status}: redirects are not followed; register the feed's final URL"),
            ));
        }
        if !status.is_success() {
            return Err(fail(FeedError::Status, format!("HTTP {status}")));
        }
        let max = shared.settings.max_bytes;
        let too_large = || {
            fail(
                FeedError::TooLarge,
                format!(
                    "the feed is over {max} bytes (NEWSFEED_FEEDS_MAX_BYTES); nothing was written"
                ),
            )
        };
        if resp.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_large());
        }
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, last_modified, content_type) =
            (header(ETAG), header(LAST_MODIFIED), header(CONTENT_TYPE));
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| fail(FeedError::Unreachable, e.without_url().to_string()))?
        {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(Fetched {
            body,
            content_type,
            etag,
            last_modified,
        }))
    }
}

/// A fetched feed body and its validators.
#[derive(Debug)]
struct Fetched {
    body: Vec<u8>,
    content_type: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// A story ready to write, and what to remember once it is written.
#[derive(Debug)]
struct Pending {
    record: Prepared,
    uri: String,
    fingerprint: u64,
    version: u64,
    new: bool,
}

fn refuse(polled: &mut Polled, reason: FeedError, why: String) {
    match &mut polled.refused {
        Some((_, n, _)) => *n += 1,
        None => polled.refused = Some((reason, 1, why)),
    }
}

/// The version and `versionCreated` of a new or changed feed entry: the
/// Unix seconds of its updated (else published) time, else of `now`; and
/// after `written` (the version last written of it), at least the next
/// number, so a changed entry whose time did not move is still newer.
fn entry_version(
    updated: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    written: Option<u64>,
) -> (u64, DateTime<Utc>) {
    let when = updated.filter(|t| t.timestamp() > 0).unwrap_or(now);
    let secs = u64::try_from(when.timestamp()).unwrap_or(1);
    let after = written.map_or(0, |v| v.saturating_add(1));
    (secs.max(after).clamp(1, MAX_VERSION), when)
}

/// A document's fingerprint, before its version is set.
fn fingerprint(doc: &Value) -> u64 {
    let digest = Sha256::digest(doc.to_string().as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// `d` ± 10%.
fn jittered(d: Duration) -> Duration {
    let r = getrandom::u32().unwrap_or(0) % 2001;
    d.mul_f64(0.9 + f64::from(r) / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_versions_follow_the_entry_time_and_only_move_forward() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let now = t("2026-12-01T00:00:00Z");
        let updated = t("2026-11-30T09:15:00Z");
        assert_eq!(
            entry_version(Some(updated), now, None),
            (1_796_030_100, updated)
        );
        // Changed, but its time did not move: the next number.
        assert_eq!(
            entry_version(Some(updated), now, Some(1_796_030_100)).0,
            1_796_030_101
        );
        // Updated later: its time.
        let later = t("2026-11-30T10:00:00Z");
        assert_eq!(
            entry_version(Some(later), now, Some(1_796_030_101)).0,
            1_796_032_800
        );
        // No time: when it was seen.
        assert_eq!(entry_version(None, now, None), (1_796_083_200, now));
        // Before 1970: when it was seen, never 0.
        assert_eq!(
            entry_version(Some(t("1960-01-01T00:00:00Z")), now, None).1,
            now
        );
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let d = jittered(Duration::from_secs(100));
            assert!((90.0..=110.0).contains(&d.as_secs_f64()), "{d:?}");
        }
    }

    #[test]
    fn fingerprints_tell_changed_documents_apart() {
        let a = json!({"uri": "urn:a:1", "headlines": [{"value": "one"}]});
        let b = json!({"uri": "urn:a:1", "headlines": [{"value": "two"}]});
        assert_eq!(fingerprint(&a), fingerprint(&a.clone()));
        assert_ne!(fingerprint(&a), fingerprint(&b));
    }
}

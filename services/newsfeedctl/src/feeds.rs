//! `newsfeedctl feeds …`: the feeds ingest polls, in the compacted
//! `<prefix>ingest.feeds` topic (keyed by feed id), and how their last
//! polls went, from `<prefix>ingest.feeds.status`.

use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{SecondsFormat, Utc};
use newsfeed_runtime::Topics;
use newsfeed_runtime::auth::{Credentials, Source};
use newsfeed_runtime::feeds::{FeedDefinition, FeedStatuses, Feeds, feed_id, redact};
use newsfeed_runtime::outbound::OutboundPolicy;
use serde::Serialize;
use url::Url;

use crate::admin::Admin;

/// Registers (or re-registers) the feed at `url`, polled as `source`.
pub(crate) async fn add(
    admin: &Admin,
    topics: &Topics,
    policy: &OutboundPolicy,
    url: &str,
    source: &str,
    interval: Duration,
) -> anyhow::Result<()> {
    let url = Url::parse(url.trim()).with_context(|| format!("`{url}` is not a URL"))?;
    policy.check_resolved(&url).await.map_err(|e| {
        anyhow::anyhow!("the feed URL {e} (NEWSFEED_OUTBOUND_ALLOW_NETS opens non-public networks)")
    })?;
    let sources = admin.load::<Credentials<Source>>(&topics.sources).await?;
    if sources.read().get(source).is_none() {
        bail!("no source named `{source}`: register it with `newsfeedctl sources add` first");
    }
    let feed = FeedDefinition {
        id: feed_id(&url),
        url,
        source: source.to_owned(),
        interval_secs: interval.as_secs(),
        added_at: Utc::now(),
    };
    admin.ensure(&[&topics.feeds], &[&topics.feeds]).await?;
    admin
        .put(&topics.feeds, &feed.id, Some(&serde_json::to_vec(&feed)?))
        .await?;
    println!("{}", feed.id);
    eprintln!(
        "newsfeedctl: feed {} ({}) is polled every {}s as source `{source}`",
        feed.id,
        redact(&feed.url),
        feed.interval_secs
    );
    Ok(())
}

/// Removes a feed, named by id or URL: ingest stops polling it.
pub(crate) async fn remove(admin: &Admin, topics: &Topics, which: &str) -> anyhow::Result<()> {
    let feeds = admin.load::<Feeds>(&topics.feeds).await?;
    let id = match Url::parse(which.trim()) {
        Ok(url) => feed_id(&url),
        Err(_) => which.trim().to_owned(),
    };
    if feeds.read().get(&id).is_none() {
        bail!("no feed `{which}` (give its id or URL, as `feeds list` shows)");
    }
    admin.put(&topics.feeds, &id, None).await?;
    admin
        .ensure(&[&topics.feed_status], &[&topics.feed_status])
        .await?;
    admin.put(&topics.feed_status, &id, None).await?;
    eprintln!("newsfeedctl: feed {id} removed");
    Ok(())
}

/// One row of `feeds list`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    id: String,
    url: String,
    source: String,
    interval_secs: u64,
    last_poll: Option<String>,
    status: String,
    entries_seen: Option<u64>,
    entries_written: Option<u64>,
    error: Option<String>,
    polled_by: Option<String>,
}

/// Prints every feed with its last poll.
pub(crate) async fn list(admin: &Admin, topics: &Topics, json: bool) -> anyhow::Result<()> {
    let feeds = admin.load::<Feeds>(&topics.feeds).await?;
    let statuses = admin.load::<FeedStatuses>(&topics.feed_status).await?;
    let statuses = statuses.read();
    let rows: Vec<Row> = feeds
        .read()
        .all()
        .map(|f| {
            let s = statuses.get(&f.id);
            Row {
                id: f.id.clone(),
                url: redact(&f.url),
                source: f.source.clone(),
                interval_secs: f.interval_secs,
                last_poll: s.map(|s| s.last_poll.to_rfc3339_opts(SecondsFormat::Secs, true)),
                status: s
                    .map_or("not polled yet", |s| s.outcome.as_str())
                    .to_owned(),
                entries_seen: s.map(|s| s.entries_seen),
                entries_written: s.map(|s| s.entries_written),
                error: s.and_then(|s| s.error.clone()),
                polled_by: s.map(|s| s.instance.clone()),
            }
        })
        .collect();
    if json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(());
    }
    println!(
        "{:<12}  {:<40}  {:<12}  {:>8}  {:<20}  {:<14}  {:>7}",
        "ID", "URL", "SOURCE", "INTERVAL", "LAST POLL", "STATUS", "ENTRIES"
    );
    for r in rows {
        println!(
            "{:<12}  {:<40}  {:<12}  {:>7}s  {:<20}  {:<14}  {:>7}",
            r.id,
            r.url,
            r.source,
            r.interval_secs,
            r.last_poll.as_deref().unwrap_or("-"),
            r.status,
            r.entries_seen.map_or("-".to_owned(), |n| n.to_string()),
        );
        if let Some(e) = r.error {
            println!("{:<12}  ↳ {e}", "");
        }
    }
    Ok(())
}

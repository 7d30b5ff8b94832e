//! `newsfeedctl dlq …`: the dead-letter topics of enrich, publish and the
//! webhook deliveries — list them, show one, and replay chosen ones to
//! their stage's input once a taxonomy or code fix is out.
//!
//! A dead letter is named `<stage>:<partition>:<offset>` (its place in the
//! dead-letter topic). Replays are recorded in the compacted topic
//! `<prefix>dlq.replays`, keyed by that name, in the same Kafka transaction
//! as the re-sent record: a dead letter is re-sent at most once however
//! often `replay` runs, and a run that dies midway leaves neither half.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use newsfeed_runtime::Topics;
use newsfeed_runtime::kafka::{KafkaClients, ObservedContext, commit_transaction, send_waiting};
use newsfeed_runtime::table::TableState;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};

use crate::admin::Admin;

/// A stage with a dead-letter topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Stage {
    /// Records enrich could not tag (input: `articles.ingested`).
    Enrich,
    /// Records publish could not release (input: `articles.enriched`).
    Publish,
    /// Webhook deliveries given up on (input: `articles.published`; a
    /// replay is offered to every subscription again, with the same `webhook-id`).
    Webhooks,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Self::Enrich => "enrich",
            Self::Publish => "publish",
            Self::Webhooks => "webhooks",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "enrich" => Some(Self::Enrich),
            "publish" => Some(Self::Publish),
            "webhooks" => Some(Self::Webhooks),
            _ => None,
        }
    }

    /// The dead-letter topic.
    fn dead_letters(self, t: &Topics) -> &str {
        match self {
            Self::Enrich => &t.enrich_dlq,
            Self::Publish => &t.publish_dlq,
            Self::Webhooks => &t.webhooks_dlq,
        }
    }

    /// The topic the stage consumes, where replays go.
    fn input(self, t: &Topics) -> &str {
        match self {
            Self::Enrich => &t.ingested,
            Self::Publish => &t.enriched,
            Self::Webhooks => &t.published,
        }
    }
}

/// A dead letter's name: its stage and place in the dead-letter topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LetterId {
    stage: Stage,
    partition: i32,
    offset: i64,
}

impl LetterId {
    /// Parses `stage:partition:offset`.
    pub(crate) fn parse(s: &str) -> anyhow::Result<Self> {
        let mut parts = s.split(':');
        let parsed = (|| {
            let stage = Stage::parse(parts.next()?)?;
            let partition = parts.next()?.parse().ok()?;
            let offset = parts.next()?.parse().ok()?;
            parts.next().is_none().then_some(Self {
                stage,
                partition,
                offset,
            })
        })();
        parsed.with_context(|| {
            format!("ID: `{s}` is not stage:partition:offset, e.g. enrich:0:12 (see `dlq list`)")
        })
    }
}

impl fmt::Display for LetterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.stage.name(),
            self.partition,
            self.offset
        )
    }
}

/// Where the failed record was, as the stage read it.
#[derive(Debug, Clone, Serialize)]
struct Coordinates {
    topic: String,
    partition: Option<i32>,
    offset: Option<i64>,
}

impl fmt::Display for Coordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: Option<String>| v.unwrap_or_else(|| "?".into());
        write!(
            f,
            "{}/{}@{}",
            self.topic,
            show(self.partition.map(|p| p.to_string())),
            show(self.offset.map(|o| o.to_string()))
        )
    }
}

/// One dead letter as read from its topic.
#[derive(Debug, Clone)]
struct DeadLetter {
    id: LetterId,
    time: Option<DateTime<Utc>>,
    key: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

impl DeadLetter {
    fn header(&self, key: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    fn uri(&self) -> String {
        self.key
            .as_deref()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .unwrap_or_default()
    }

    fn from(&self) -> Coordinates {
        Coordinates {
            topic: self.header("newsfeed-dlq-topic").unwrap_or_default(),
            partition: self
                .header("newsfeed-dlq-partition")
                .and_then(|p| p.parse().ok()),
            offset: self
                .header("newsfeed-dlq-offset")
                .and_then(|o| o.parse().ok()),
        }
    }

    fn row(&self) -> Row {
        Row {
            id: self.id.to_string(),
            time: self
                .time
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
            uri: self.uri(),
            reason: self.header("newsfeed-dlq-reason").unwrap_or_default(),
            detail: self.header("newsfeed-dlq-detail").unwrap_or_default(),
            from: self.from(),
            subscription: self.header("newsfeed-webhook-subscription"),
        }
    }
}

/// One line of `list` (and the head of `show`).
#[derive(Debug, Serialize)]
struct Row {
    id: String,
    time: Option<String>,
    uri: String,
    reason: String,
    detail: String,
    from: Coordinates,
    #[serde(skip_serializing_if = "Option::is_none")]
    subscription: Option<String>,
}

/// Prints the newest `limit` dead letters of `stage`, oldest first.
pub(crate) async fn list(
    admin: &Admin,
    topics: &Topics,
    stage: Stage,
    limit: usize,
    json: bool,
) -> anyhow::Result<()> {
    let mut letters = read_all(admin.clients(), stage.dead_letters(topics), stage)?;
    letters.sort_by_key(|l| (l.time, l.id.partition, l.id.offset));
    let skip = letters.len().saturating_sub(limit);
    let rows: Vec<Row> = letters.iter().skip(skip).map(DeadLetter::row).collect();
    if json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(());
    }
    if rows.is_empty() {
        eprintln!("newsfeedctl: no dead letters for {}", stage.name());
        return Ok(());
    }
    print_table(&rows);
    if skip > 0 {
        eprintln!("newsfeedctl: {skip} older dead letters not shown (--limit)");
    }
    Ok(())
}

fn print_table(rows: &[Row]) {
    let w = |f: &dyn Fn(&Row) -> usize, title: &str| {
        rows.iter().map(f).max().unwrap_or(0).max(title.len())
    };
    let (wid, wuri, wreason, wfrom) = (
        w(&|r| r.id.len(), "ID"),
        w(&|r| r.uri.chars().count(), "URI").min(60),
        w(&|r| r.reason.len(), "REASON"),
        w(&|r| r.from.to_string().len(), "FROM"),
    );
    println!(
        "{:wid$}  {:24}  {:wuri$}  {:wreason$}  {:wfrom$}  DETAIL",
        "ID", "TIME", "URI", "REASON", "FROM"
    );
    for r in rows {
        println!(
            "{:wid$}  {:24}  {:wuri$}  {:wreason$}  {:wfrom$}  {}",
            r.id,
            r.time.as_deref().unwrap_or("-"),
            r.uri,
            r.reason,
            r.from.to_string(),
            r.detail.replace('\n', " ")
        );
    }
}

/// Prints one dead letter whole: where it came from, why, its headers and value.
pub(crate) async fn show(admin: &Admin, topics: &Topics, id: LetterId) -> anyhow::Result<()> {
    let letter = read_one(admin.clients(), id.stage.dead_letters(topics), id)?;
    let row = letter.row();
    println!("id:      {}", row.id);
    println!("time:    {}", row.time.as_deref().unwrap_or("-"));
    println!("uri:     {}", row.uri);
    println!("reason:  {}", row.reason);
    println!("detail:  {}", row.detail);
    println!("from:    {}", row.from);
    if let Some(replay) = replays(admin, topics).await?.get(&id) {
        println!(
            "replayed: {} to {}",
            replay
                .replayed_at
                .to_rfc3339_opts(SecondsFormat::Secs, true),
            replay.topic
        );
    }
    println!("headers:");
    for (k, v) in &letter.headers {
        let v = v
            .as_deref()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        println!("  {k}: {v}");
    }
    println!("value:");
    match letter.payload.as_deref() {
        None => println!("  (none)"),
        Some(bytes) => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(v) => println!("{}", serde_json::to_string_pretty(&v)?),
            Err(_) => println!("{}", String::from_utf8_lossy(bytes)),
        },
    }
    Ok(())
}

/// Which dead letters `replay` takes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Only this story.
    pub(crate) uri: Option<String>,
    /// Only those dead-lettered at or after this time.
    pub(crate) since: Option<DateTime<Utc>>,
}

/// A replay, as recorded in `<prefix>dlq.replays`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Replay {
    replayed_at: DateTime<Utc>,
    topic: String,
}

/// Every replay so far, by dead letter.
#[derive(Debug, Default)]
struct Replays(HashMap<String, Replay>);

impl TableState for Replays {
    fn apply(&mut self, key: &str, value: Option<&[u8]>) -> anyhow::Result<()> {
        match value {
            Some(v) => {
                self.0.insert(key.to_owned(), serde_json::from_slice(v)?);
            }
            None => {
                self.0.remove(key);
            }
        }
        Ok(())
    }
}

impl Replays {
    fn get(&self, id: &LetterId) -> Option<&Replay> {
        self.0.get(&id.to_string())
    }
}

async fn replays(admin: &Admin, topics: &Topics) -> anyhow::Result<Replays> {
    let table = admin.load::<Replays>(&topics.dlq_replays).await?;
    let all = table.read().0.clone();
    Ok(Replays(all))
}

/// Re-sends the chosen dead letters of `stage` to its input, each once.
pub(crate) async fn replay(
    admin: &Admin,
    topics: &Topics,
    stage: Stage,
    selection: &Selection,
    dry_run: bool,
) -> anyhow::Result<()> {
    let clients = admin.clients();
    // Starting the transactional producer first fences an earlier run that
    // is still going (or died mid-transaction), so the replays read next are final.
    let producer = if dry_run {
        None
    } else {
        admin
            .ensure(&[&topics.dlq_replays], &[&topics.dlq_replays])
            .await?;
        // One transactional id wherever newsfeedctl runs, so a replay
        // started on another host fences this one too.
        let mut args = clients.args().clone();
        args.instance_id = "any".into();
        let fenced = KafkaClients::new(&args, "newsfeedctl");
        Some(fenced.transactional_producer("dlq-replay", ObservedContext::default())?)
    };
    let done = replays(admin, topics).await?;
    let letters = read_all(clients, stage.dead_letters(topics), stage)?;
    let (mut chosen, mut already) = (Vec::new(), 0usize);
    for l in letters {
        if selection.uri.as_deref().is_some_and(|u| l.uri() != u)
            || selection
                .since
                .is_some_and(|since| l.time.is_none_or(|t| t < since))
        {
            continue;
        }
        if done.get(&l.id).is_some() {
            already += 1;
            continue;
        }
        chosen.push(l);
    }
    let input = stage.input(topics);
    if already > 0 {
        eprintln!("newsfeedctl: {already} chosen dead letters were replayed before; skipping them");
    }
    let Some(producer) = producer else {
        for l in &chosen {
            let r = l.row();
            println!("would replay {} {} ({}) to {input}", r.id, r.uri, r.reason);
        }
        eprintln!(
            "newsfeedctl: dry run: {} dead letters would be replayed",
            chosen.len()
        );
        return Ok(());
    };
    if chosen.is_empty() {
        eprintln!("newsfeedctl: nothing to replay");
        return Ok(());
    }
    let timeout = clients.args().timeout();
    producer.begin_transaction()?;
    let sent = (|| -> anyhow::Result<()> {
        let now = Utc::now();
        for l in &chosen {
            let mut record = BaseRecord::<[u8], [u8], ()>::to(input)
                .headers(replay_headers(l))
                .key(l.key.as_deref().unwrap_or_default());
            if let Some(p) = l.payload.as_deref() {
                record = record.payload(p);
            }
            // Back to the partition it was read from: per-story order holds.
            if let Some(p) = l.from().partition.filter(|_| l.from().topic == input) {
                record = record.partition(p);
            }
            send_waiting(&producer, record)?;
            let marker = serde_json::to_vec(&Replay {
                replayed_at: now,
                topic: input.to_owned(),
            })?;
            let key = l.id.to_string();
            send_waiting(
                &producer,
                BaseRecord::to(&topics.dlq_replays)
                    .key(key.as_bytes())
                    .payload(marker.as_slice()),
            )?;
        }
        commit_transaction(&producer, timeout)?;
        Ok(())
    })();
    if let Err(e) = sent {
        let _ = producer.abort_transaction(timeout);
        return Err(e.context("replaying (nothing was replayed)"));
    }
    for l in &chosen {
        let r = l.row();
        println!("replayed {} {} ({}) to {input}", r.id, r.uri, r.reason);
    }
    eprintln!(
        "newsfeedctl: {} dead letters replayed to {input}",
        chosen.len()
    );
    Ok(())
}

/// The dead letter's original headers (trace context included), without
/// the dead-letter ones, naming what it replays.
fn replay_headers(l: &DeadLetter) -> OwnedHeaders {
    let mut h = OwnedHeaders::new();
    for (key, value) in &l.headers {
        if key.starts_with("newsfeed-dlq-") || key.starts_with("newsfeed-webhook-") {
            continue;
        }
        h = h.insert(Header {
            key,
            value: value.as_deref(),
        });
    }
    let id = l.id.to_string();
    h.insert(Header {
        key: "newsfeed-replay-of",
        value: Some(id.as_bytes()),
    })
}

/// Parses `--since`: an RFC 3339 time, or an age such as `90s`, `30m`, `2h`, `7d`.
pub(crate) fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let bad = || format!("`{s}` is neither an RFC 3339 time nor an age such as 30m, 2h or 7d");
    newsfeed_runtime::config::unit_seconds(s)
        .and_then(|secs| i64::try_from(secs).ok())
        .and_then(chrono::Duration::try_seconds)
        .and_then(|age| Utc::now().checked_sub_signed(age))
        .ok_or_else(bad)
}

/// Reads `topic` from its start to where it ends now.
fn read_all(clients: &KafkaClients, topic: &str, stage: Stage) -> anyhow::Result<Vec<DeadLetter>> {
    let timeout = clients.args().timeout();
    let reader = clients.reader()?;
    // No dead letters yet when the topic is not there.
    let partitions = newsfeed_runtime::kafka::partitions_if_any(reader.client(), topic, timeout)?;
    let mut ends = HashMap::new();
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        let (low, high) = newsfeed_runtime::kafka::watermarks(&reader, topic, p, timeout)
            .with_context(|| format!("reading offsets of {topic}"))?;
        if high > low {
            ends.insert(p, high);
            tpl.add_partition_offset(topic, p, Offset::Beginning)?;
        }
    }
    let mut letters = Vec::new();
    if ends.is_empty() {
        return Ok(letters);
    }
    reader.assign(&tpl)?;
    let deadline = std::time::Instant::now() + timeout;
    while !reached(&reader, topic, &mut ends) {
        if std::time::Instant::now() > deadline {
            bail!("reading {topic} took longer than NEWSFEED_KAFKA_TIMEOUT_MS");
        }
        match reader.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => letters.push(letter(&m, stage)),
            Some(Err(e)) => bail!("reading {topic}: {e}"),
            None => {}
        }
    }
    Ok(letters)
}

/// Reads the one dead letter `id`.
fn read_one(clients: &KafkaClients, topic: &str, id: LetterId) -> anyhow::Result<DeadLetter> {
    let timeout = clients.args().timeout();
    let reader = clients.reader()?;
    let (low, high) = newsfeed_runtime::kafka::watermarks(&reader, topic, id.partition, timeout)
        .with_context(|| format!("no dead letter {id}: cannot read {topic}"))?;
    if id.offset < low || id.offset >= high {
        bail!(
            "no dead letter {id} ({topic} partition {} holds offsets {low}..{high})",
            id.partition
        );
    }
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, id.partition, Offset::Offset(id.offset))?;
    reader.assign(&tpl)?;
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        match reader.poll(Duration::from_millis(100)) {
            Some(Ok(m)) if m.offset() == id.offset => return Ok(letter(&m, id.stage)),
            // Past it: the offset held a transaction marker or an aborted record.
            Some(Ok(_)) => break,
            Some(Err(e)) => bail!("reading {topic}: {e}"),
            None => {}
        }
    }
    bail!("no dead letter {id} in {topic}")
}

/// True once every partition's position is at its starting end.
fn reached(reader: &BaseConsumer, topic: &str, ends: &mut HashMap<i32, i64>) -> bool {
    let Ok(position) = reader.position() else {
        return false;
    };
    ends.retain(|p, end| {
        !matches!(position.find_partition(topic, *p).map(|e| e.offset()),
            Some(Offset::Offset(o)) if o >= *end)
    });
    ends.is_empty()
}

fn letter(m: &rdkafka::message::BorrowedMessage<'_>, stage: Stage) -> DeadLetter {
    DeadLetter {
        id: LetterId {
            stage,
            partition: m.partition(),
            offset: m.offset(),
        },
        time: m
            .timestamp()
            .to_millis()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
        key: m.key().map(<[u8]>::to_vec),
        payload: m.payload().map(<[u8]>::to_vec),
        headers: m
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_bad_ones_say_what_is_expected() {
        let id = LetterId::parse("webhooks:2:41").unwrap();
        assert_eq!(id.to_string(), "webhooks:2:41");
        for bad in [
            "",
            "enrich",
            "enrich:0",
            "ingest:0:1",
            "enrich:x:1",
            "enrich:0:1:2",
        ] {
            let err = LetterId::parse(bad).unwrap_err().to_string();
            assert!(err.contains("stage:partition:offset"), "{bad}: {err}");
        }
    }

    #[test]
    fn since_takes_a_time_or_an_age() {
        let t = parse_since("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-02T03:04:05+00:00");
        let age = Utc::now() - parse_since("2h").unwrap();
        assert!((age.num_seconds() - 7200).abs() < 5, "{age}");
        for bad in ["", "2", "h", "2w", "yesterday"] {
            assert!(parse_since(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replayed_records_lose_the_dead_letter_headers_and_say_what_they_replay() {
        let l = DeadLetter {
            id: LetterId::parse("enrich:0:7").unwrap(),
            time: None,
            key: Some(b"urn:x:1".to_vec()),
            payload: None,
            headers: vec![
                ("traceparent".into(), Some(b"00-abc".to_vec())),
                ("newsfeed-dlq-reason".into(), Some(b"undecodable".to_vec())),
                ("newsfeed-webhook-id".into(), Some(b"m".to_vec())),
            ],
        };
        let h = replay_headers(&l);
        let keys: Vec<&str> = h.iter().map(|h| h.key).collect();
        assert_eq!(keys, ["traceparent", "newsfeed-replay-of"]);
        assert_eq!(h.get(1).value, Some(&b"enrich:0:7"[..]));
    }
}

//! Publish's stories on disk: the current version of each, what was decided
//! about it, per-topic lists newest first, the versions waiting for their
//! embargo, and the Kafka offsets all that reflects. It is a cache of the
//! compacted state and embargo topics, the way Kafka Streams keeps a state
//! store beside its changelog: records and their offsets are written in one
//! transaction, so a restart resumes where the store left off, and a lost,
//! corrupt or outdated store is deleted and rebuilt from Kafka.
//!
//! Why redb: pure Rust (no C++ toolchain, unlike RocksDB), ACID with
//! copy-on-write B-trees (a crash leaves the last committed transaction,
//! and quick-repair makes reopening after kill -9 immediate), a stable file
//! format, MVCC readers that never block the writer, and a bounded page
//! cache — so memory stays flat however many stories it holds. An LSM (fjall,
//! RocksDB) would write faster, but publish's writes are batched and few next
//! to its reads, which a B-tree serves in a few page reads.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use newsfeed_model::event::revision;
use newsfeed_model::{Article, ArticleEvent, StoryVersion};
use redb::{
    Database, DatabaseError, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition,
};

pub use crate::lifecycle::Action;
use crate::lifecycle::{Known, embargo_of};

/// uri → the event as last decided (JSON).
const STORIES: TableDefinition<&str, &[u8]> = TableDefinition::new("stories");
/// uri → what deciding needs of the current version, without parsing it:
/// see [`Versioned`].
const VERSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("versions");
/// (topic slug, sort time µs, uri): the visible stories of each topic.
const LISTS: TableDefinition<(&str, i64, &str), ()> = TableDefinition::new("topic_lists");
/// Topic slug → stories in its list.
const COUNTS: TableDefinition<&str, u64> = TableDefinition::new("topic_counts");
/// Topic slug → display name, as last tagged.
const NAMES: TableDefinition<&str, &str> = TableDefinition::new("topic_names");
/// (sort time µs, uri) of every listed story, for retention.
const LISTED: TableDefinition<(i64, &str), ()> = TableDefinition::new("listed_by_time");
/// (`expires` µs, uri) of every listed story that has one.
const EXPIRING: TableDefinition<(i64, &str), ()> = TableDefinition::new("listed_by_expiry");
/// uri → partition (4 bytes, big-endian) + the held event (JSON).
const EMBARGOES: TableDefinition<&str, &[u8]> = TableDefinition::new("embargoes");
/// (until µs, uri) of every embargo, so due ones are found without a scan.
const DUE: TableDefinition<(i64, &str), ()> = TableDefinition::new("embargoes_by_time");
/// (topic, partition) → the next offset to read: what the store reflects.
const OFFSETS: TableDefinition<(&str, i32), i64> = TableDefinition::new("offsets");

/// The page cache: the store's whole share of memory, however many stories
/// (reads that miss it are served from the OS page cache, not from disk).
const CACHE_BYTES: usize = 16 << 20;

/// The current version of one story.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The event as last decided (its `publication` says what happened).
    pub event: ArticleEvent,
    /// Where it stands among the story's versions.
    pub version: StoryVersion,
    /// Its content digest, when it has no version number.
    pub revision: Option<uuid::Uuid>,
    /// The decision.
    pub action: Action,
    /// Topic slugs, from its tags.
    pub topics: Vec<String>,
}

impl Entry {
    /// The entry a decided event makes.
    pub fn of(event: ArticleEvent) -> Self {
        Self {
            version: StoryVersion::of(&event.article),
            revision: revision(&event.article),
            action: action_of(&event),
            topics: topic_slugs(&event.article),
            event,
        }
    }

    /// Where it sorts in topic lists: version time, else release time (µs).
    fn sort_time(&self) -> i64 {
        let published = self.event.publication.as_ref().and_then(|p| p.published_at);
        self.version
            .created
            .or(published)
            .map_or(0, |t| t.timestamp_micros())
            .clamp(i64::MIN + 1, i64::MAX - 1)
    }

    /// Whether it belongs in topic lists, feeds and stream replays at
    /// `now`: its time (version, else release) within `retention`, and not
    /// past its ninjs `expires`. (`GET /v1/articles/{uri}` answers either way.)
    pub fn is_current(&self, retention: chrono::Duration, now: DateTime<Utc>) -> bool {
        let now_us = now.timestamp_micros();
        self.sort_time() >= (now - retention).timestamp_micros()
            && self.expires().is_none_or(|x| x > now_us)
    }

    /// When it leaves lists by its own say (ninjs `expires`).
    fn expires(&self) -> Option<i64> {
        self.event
            .article
            .expires
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_micros())
    }
}

fn action_of(event: &ArticleEvent) -> Action {
    event
        .publication
        .as_ref()
        .and_then(|p| p.action.as_deref())
        .and_then(Action::parse)
        .unwrap_or(Action::Published)
}

/// The current version of a story as decisions need it, fixed-size on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Versioned {
    version: StoryVersion,
    revision: Option<uuid::Uuid>,
    visible: bool,
}

impl Versioned {
    const LEN: usize = 8 + 8 + 1 + 16 + 1 + 1;

    fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0; Self::LEN];
        out[..8].copy_from_slice(&self.version.number.to_be_bytes());
        // Nanoseconds, so the time compares equal to the one parsed;
        // microseconds only outside the years 1677–2262.
        let (kind, created) = match self.version.created {
            None => (0, 0),
            Some(t) => t
                .timestamp_nanos_opt()
                .map_or((2, t.timestamp_micros()), |n| (1, n)),
        };
        out[8..16].copy_from_slice(&created.to_be_bytes());
        if let Some(r) = self.revision {
            out[16] = 1;
            out[17..33].copy_from_slice(r.as_bytes());
        }
        out[33] = u8::from(self.visible);
        out[34] = kind;
        out
    }

    fn decode(b: &[u8]) -> Option<Self> {
        let b: &[u8; Self::LEN] = b.try_into().ok()?;
        let number = u64::from_be_bytes(b[..8].try_into().ok()?);
        let created = i64::from_be_bytes(b[8..16].try_into().ok()?);
        let created = match b[34] {
            1 => Some(DateTime::from_timestamp_nanos(created)),
            2 => DateTime::from_timestamp_micros(created),
            _ => None,
        };
        let revision = (b[16] == 1)
            .then(|| uuid::Uuid::from_slice(&b[17..33]).ok())
            .flatten();
        Some(Self {
            version: StoryVersion { number, created },
            revision,
            visible: b[33] == 1,
        })
    }
}

/// A story version held until a time.
#[derive(Debug, Clone)]
pub struct Embargo {
    /// The held version, as it will be released.
    pub event: ArticleEvent,
    /// Its place among the story's versions.
    pub version: StoryVersion,
    /// Its content digest, when it has no version number.
    pub revision: Option<uuid::Uuid>,
    /// When it may be released.
    pub until: DateTime<Utc>,
    /// The partition that owns the story (of the input and state topics).
    pub partition: i32,
}

impl Embargo {
    fn decode(bytes: &[u8]) -> anyhow::Result<Self> {
        let (p, json) = bytes.split_at_checked(4).context("short embargo record")?;
        let partition = i32::from_be_bytes(p.try_into().context("short embargo record")?);
        let event: ArticleEvent = serde_json::from_slice(json).context("reading an embargo")?;
        let until = embargo_of(&event.article).unwrap_or_default();
        Ok(Self {
            version: StoryVersion::of(&event.article),
            revision: revision(&event.article),
            event,
            until,
            partition,
        })
    }
}

/// One change to the store, as a state or embargo record says.
#[derive(Debug)]
pub enum Change {
    /// A decided version (state topic).
    Applied(ArticleEvent),
    /// A version held for its embargo, and its partition (embargo topic).
    Embargoed(ArticleEvent, i32),
    /// The embargo of a uri ended (embargo topic tombstone).
    EmbargoCleared(String),
}

/// Every story, on disk; readers and the one writer never block each other.
#[derive(Debug)]
pub struct Store {
    db: Database,
    /// How long a story stays in topic lists after its version time.
    retention: chrono::Duration,
    /// When the last commit reached the disk; later ones are visible to
    /// readers at once but synced with the next durable one.
    synced: std::sync::Mutex<Sync>,
    /// 1 while every commit is on disk, 0 from a commit that is not until
    /// the next durable one (`newsfeed_story_store_on_disk`).
    on_disk: Option<prometheus::IntGauge>,
}

/// When the store last reached the disk, and whether it has changed since.
#[derive(Debug)]
struct Sync {
    at: std::time::Instant,
    dirty: bool,
}

/// How often commits reach the disk. A crash loses at most this much of
/// the store — records and their offsets together, so the restart reads
/// them again from Kafka — and a burst or a rebuild pays one sync per
/// interval instead of one per batch (Kafka Streams checkpoints its state
/// stores every 30 s by default).
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl Store {
    /// Opens the store at `path`, or starts an empty one there when it is
    /// missing or unreadable (it is rebuilt from Kafka).
    pub fn open(path: &Path, retention: chrono::Duration) -> anyhow::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
        }
        let builder = || {
            let mut b = Database::builder();
            b.set_cache_size(CACHE_BYTES);
            b
        };
        let db = match builder().create(path) {
            Ok(db) => db,
            Err(DatabaseError::DatabaseAlreadyOpen) => anyhow::bail!(
                "{} is in use by another publish: give each instance its own NEWSFEED_DATA_DIR or NEWSFEED_INSTANCE_ID",
                path.display()
            ),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "story store unreadable: rebuilding it from Kafka");
                std::fs::remove_file(path)
                    .with_context(|| format!("removing the unreadable {}", path.display()))?;
                builder()
                    .create(path)
                    .with_context(|| format!("creating {}", path.display()))?
            }
        };
        Self::init(db, retention)
    }

    /// An empty store in memory (tests).
    pub fn temporary(retention: chrono::Duration) -> anyhow::Result<Self> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .context("creating an in-memory store")?;
        Self::init(db, retention)
    }

    /// Creates the tables, so readers find them all.
    fn init(db: Database, retention: chrono::Duration) -> anyhow::Result<Self> {
        let store = Self {
            db,
            retention,
            synced: std::sync::Mutex::new(Sync {
                at: std::time::Instant::now(),
                dirty: false,
            }),
            on_disk: None,
        };
        store.write(|_| Ok(()))?;
        Ok(store)
    }

    /// Reports on `gauge` whether every commit has reached the disk: 0 is
    /// set before a commit that will not be durable is visible to readers,
    /// so a reader that sees a story and then 1 knows a crash keeps it.
    pub fn with_on_disk_gauge(mut self, gauge: prometheus::IntGauge) -> Self {
        let dirty = self
            .synced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .dirty;
        gauge.set(i64::from(!dirty));
        self.on_disk = Some(gauge);
        self
    }

    /// Syncs the commits made since the last durable one, if any are older
    /// than the sync interval.
    pub fn sync_if_due(&self) -> anyhow::Result<()> {
        let due = {
            let s = self
                .synced
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            s.dirty && s.at.elapsed() >= SYNC_EVERY
        };
        if due { self.write(|_| Ok(())) } else { Ok(()) }
    }

    /// Forgets everything (the topics it mirrored are gone or truncated).
    pub fn reset(&self) -> anyhow::Result<()> {
        let txn = self.db.begin_write()?;
        txn.delete_table(STORIES)?;
        txn.delete_table(VERSIONS)?;
        txn.delete_table(LISTS)?;
        txn.delete_table(COUNTS)?;
        txn.delete_table(NAMES)?;
        txn.delete_table(LISTED)?;
        txn.delete_table(EXPIRING)?;
        txn.delete_table(EMBARGOES)?;
        txn.delete_table(DUE)?;
        txn.delete_table(OFFSETS)?;
        txn.commit()?;
        self.write(|_| Ok(()))
    }

    fn write(&self, f: impl FnOnce(&mut Writer<'_>) -> anyhow::Result<()>) -> anyhow::Result<()> {
        let mut txn = self.db.begin_write().context("starting a store write")?;
        let lock = || {
            self.synced
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let durable = lock().at.elapsed() >= SYNC_EVERY;
        if durable {
            // Saves the allocator state with each durable commit: reopening
            // after a crash takes milliseconds instead of a walk over the file.
            txn.set_quick_repair(true);
        } else {
            txn.set_durability(redb::Durability::None)?;
            // Before readers can see it: a reader that sees a story and then
            // the gauge at 1 knows a crash keeps it.
            lock().dirty = true;
            if let Some(g) = &self.on_disk {
                g.set(0);
            }
        }
        {
            let mut w = Writer {
                stories: txn.open_table(STORIES)?,
                versions: txn.open_table(VERSIONS)?,
                lists: txn.open_table(LISTS)?,
                counts: txn.open_table(COUNTS)?,
                names: txn.open_table(NAMES)?,
                listed: txn.open_table(LISTED)?,
                expiring: txn.open_table(EXPIRING)?,
                embargoes: txn.open_table(EMBARGOES)?,
                due: txn.open_table(DUE)?,
                offsets: txn.open_table(OFFSETS)?,
                retention: self.retention,
                now: Utc::now(),
            };
            f(&mut w)?;
        }
        txn.commit().context("committing a store write")?;
        // Only once it is on disk: a failed durable commit leaves the
        // earlier ones to the next sync.
        if durable {
            *lock() = Sync {
                at: std::time::Instant::now(),
                dirty: false,
            };
            if let Some(g) = &self.on_disk {
                g.set(1);
            }
        }
        Ok(())
    }

    /// Applies `changes` and records `offsets` ((topic, partition) → next
    /// offset) in one transaction: the store never reflects half a batch.
    pub fn commit(
        &self,
        changes: impl IntoIterator<Item = Change>,
        offsets: &HashMap<(String, i32), i64>,
    ) -> anyhow::Result<()> {
        self.write(|w| {
            for change in changes {
                w.change(change)?;
            }
            for ((topic, partition), next) in offsets {
                w.offsets.insert((topic.as_str(), *partition), next)?;
            }
            Ok(())
        })
    }

    /// Records one decided event (tests and tools).
    pub fn apply(&self, event: ArticleEvent) -> anyhow::Result<()> {
        self.commit([Change::Applied(event)], &HashMap::new())
    }

    /// Takes out of topic lists up to `max` stories older than the retention
    /// or past their `expires` at `now`; returns how many it took out.
    /// Their entries stay, so `GET /v1/articles/{uri}` still answers.
    pub fn prune(&self, now: DateTime<Utc>, max: usize) -> anyhow::Result<usize> {
        let cutoff = (now - self.retention).timestamp_micros();
        let now = now.timestamp_micros();
        let mut pruned = 0;
        self.write(|w| {
            let mut uris: Vec<String> = Vec::new();
            for item in w.listed.range::<(i64, &str)>(..(cutoff, ""))? {
                let (key, _) = item?;
                uris.push(key.value().1.to_owned());
                if uris.len() >= max {
                    break;
                }
            }
            for item in w.expiring.range::<(i64, &str)>(..(now, ""))? {
                if uris.len() >= max {
                    break;
                }
                let (key, _) = item?;
                uris.push(key.value().1.to_owned());
            }
            for uri in uris {
                let old = w.stories.get(uri.as_str())?.map(|g| g.value().to_vec());
                if let Some(old) = old {
                    let old = Entry::of(serde_json::from_slice(&old)?);
                    w.unlist(&uri, &old)?;
                    pruned += 1;
                }
            }
            Ok(())
        })?;
        Ok(pruned)
    }

    /// The offsets the store reflects: (topic, partition) → next offset.
    pub fn offsets(&self) -> anyhow::Result<HashMap<(String, i32), i64>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(OFFSETS)?;
        let mut out = HashMap::new();
        for item in table.iter()? {
            let (k, v) = item?;
            let (topic, partition) = k.value();
            out.insert((topic.to_owned(), partition), v.value());
        }
        Ok(out)
    }

    /// What is known of `uri`, for deciding about a new version.
    pub fn known(&self, uri: &str) -> anyhow::Result<Known> {
        let txn = self.db.begin_read()?;
        let versions = txn.open_table(VERSIONS)?;
        let entry = match versions.get(uri)? {
            Some(v) => Some(Versioned::decode(v.value()).context("unreadable story version")?),
            None => None,
        };
        let embargoes = txn.open_table(EMBARGOES)?;
        let embargo = match embargoes.get(uri)? {
            Some(held) => Some(Embargo::decode(held.value())?),
            None => None,
        };
        // An embargoed version came after the applied one when they tie.
        let newest = match (&entry, &embargo) {
            (Some(e), Some(h)) if e.version > h.version => Some((e.version, e.revision)),
            (_, Some(h)) => Some((h.version, h.revision)),
            (Some(e), None) => Some((e.version, e.revision)),
            (None, None) => None,
        };
        Ok(Known {
            newest: newest.map(|(v, _)| v),
            revision: newest.and_then(|(_, r)| r),
            visible: entry.is_some_and(|e| e.visible),
            embargoed: embargo.is_some(),
        })
    }

    /// Runs `read` on the blocking pool: store reads are file I/O and decode
    /// whole documents, which must not hold up a runtime worker.
    pub async fn off_runtime<T: Send + 'static>(
        self: &std::sync::Arc<Self>,
        read: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || read(&store))
            .await
            .context("a store read stopped")
    }

    /// Up to `max` embargoed versions of the partitions `wanted` picks
    /// whose time has come at `now`, the earliest first. (The limit counts
    /// only those: other instances' due versions never crowd them out.)
    pub fn due(
        &self,
        now: DateTime<Utc>,
        max: usize,
        wanted: impl Fn(i32) -> bool,
    ) -> anyhow::Result<Vec<Embargo>> {
        let txn = self.db.begin_read()?;
        let due = txn.open_table(DUE)?;
        let embargoes = txn.open_table(EMBARGOES)?;
        let mut out = Vec::new();
        for item in due.range::<(i64, &str)>(..(now.timestamp_micros() + 1, ""))? {
            let (key, _) = item?;
            if let Some(held) = embargoes.get(key.value().1)? {
                let held = Embargo::decode(held.value())?;
                if wanted(held.partition) {
                    out.push(held);
                }
            }
            if out.len() >= max {
                break;
            }
        }
        Ok(out)
    }

    /// Stories known and versions waiting for their embargo.
    pub fn sizes(&self) -> anyhow::Result<(u64, u64)> {
        let txn = self.db.begin_read()?;
        Ok((
            txn.open_table(STORIES)?.len()?,
            txn.open_table(EMBARGOES)?.len()?,
        ))
    }

    /// The current entry of `uri`.
    pub fn get(&self, uri: &str) -> anyhow::Result<Option<Entry>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(STORIES)?;
        let Some(bytes) = table.get(uri)? else {
            return Ok(None);
        };
        let event = serde_json::from_slice(bytes.value()).context("reading a stored story")?;
        Ok(Some(Entry::of(event)))
    }

    /// Every topic with at least one visible story: slug, display name and
    /// number of stories, by slug.
    pub fn topics(&self) -> anyhow::Result<Vec<TopicSummary>> {
        let txn = self.db.begin_read()?;
        let counts = txn.open_table(COUNTS)?;
        let names = txn.open_table(NAMES)?;
        let mut out = Vec::new();
        for item in counts.iter()? {
            let (slug, count) = item?;
            let (slug, count) = (slug.value(), count.value());
            if count == 0 {
                continue;
            }
            let name = names.get(slug)?.map(|n| n.value().to_owned());
            out.push(TopicSummary {
                slug: slug.to_owned(),
                name: name.unwrap_or_else(|| slug.to_owned()),
                count: usize::try_from(count).unwrap_or(usize::MAX),
            });
        }
        Ok(out)
    }

    /// The display name of topic `slug`, if any story was tagged with it.
    pub fn topic_name(&self, slug: &str) -> anyhow::Result<Option<String>> {
        let txn = self.db.begin_read()?;
        let names = txn.open_table(NAMES)?;
        Ok(names.get(slug)?.map(|n| n.value().to_owned()))
    }

    /// Up to `limit` visible stories tagged `slug`, newest first.
    pub fn topic(&self, slug: &str, limit: usize) -> anyhow::Result<Vec<Entry>> {
        let txn = self.db.begin_read()?;
        let lists = txn.open_table(LISTS)?;
        let stories = txn.open_table(STORIES)?;
        let mut out = Vec::new();
        let range = (slug, i64::MIN, "")..(slug, i64::MAX, "");
        for item in lists.range::<(&str, i64, &str)>(range)?.rev() {
            let (key, _) = item?;
            if let Some(bytes) = stories.get(key.value().2)? {
                let event =
                    serde_json::from_slice(bytes.value()).context("reading a stored story")?;
                out.push(Entry::of(event));
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

/// The tables of one write transaction.
struct Writer<'t> {
    stories: redb::Table<'t, &'static str, &'static [u8]>,
    versions: redb::Table<'t, &'static str, &'static [u8]>,
    lists: redb::Table<'t, (&'static str, i64, &'static str), ()>,
    counts: redb::Table<'t, &'static str, u64>,
    names: redb::Table<'t, &'static str, &'static str>,
    listed: redb::Table<'t, (i64, &'static str), ()>,
    expiring: redb::Table<'t, (i64, &'static str), ()>,
    embargoes: redb::Table<'t, &'static str, &'static [u8]>,
    due: redb::Table<'t, (i64, &'static str), ()>,
    offsets: redb::Table<'t, (&'static str, i32), i64>,
    retention: chrono::Duration,
    now: DateTime<Utc>,
}

impl Writer<'_> {
    fn change(&mut self, change: Change) -> anyhow::Result<()> {
        match change {
            Change::Applied(event) => self.apply(event),
            Change::Embargoed(event, partition) => self.embargo(event, partition),
            Change::EmbargoCleared(uri) => self.clear_embargo(&uri),
        }
    }

    fn apply(&mut self, event: ArticleEvent) -> anyhow::Result<()> {
        let Some(uri) = event.article.uri.clone() else {
            return Ok(());
        };
        let old = self.stories.get(uri.as_str())?.map(|g| g.value().to_vec());
        if let Some(old) = old.and_then(|o| serde_json::from_slice(&o).ok()) {
            self.unlist(&uri, &Entry::of(old))?;
        }
        let json = serde_json::to_vec(&event)?;
        self.stories.insert(uri.as_str(), json.as_slice())?;
        let entry = Entry::of(event);
        let versioned = Versioned {
            version: entry.version,
            revision: entry.revision,
            visible: entry.action.is_visible(),
        };
        self.versions
            .insert(uri.as_str(), versioned.encode().as_slice())?;
        if !entry.action.is_visible() {
            return Ok(());
        }
        for name in tag_names(&entry.event.article) {
            let slug = slugify(name);
            if !slug.is_empty() {
                self.names.insert(slug.as_str(), name)?;
            }
        }
        self.list(&uri, &entry)
    }

    /// Puts a visible story in its topics' lists, unless it is past the
    /// retention or its `expires` already.
    fn list(&mut self, uri: &str, e: &Entry) -> anyhow::Result<()> {
        if !e.is_current(self.retention, self.now) {
            return Ok(());
        }
        let time = e.sort_time();
        for slug in &e.topics {
            if self.lists.insert((slug.as_str(), time, uri), ())?.is_none() {
                let n = self.counts.get(slug.as_str())?.map_or(0, |c| c.value());
                self.counts.insert(slug.as_str(), n + 1)?;
            }
        }
        self.listed.insert((time, uri), ())?;
        if let Some(x) = e.expires() {
            self.expiring.insert((x, uri), ())?;
        }
        Ok(())
    }

    /// Takes a story out of every list it is in.
    fn unlist(&mut self, uri: &str, e: &Entry) -> anyhow::Result<()> {
        let time = e.sort_time();
        for slug in &e.topics {
            if self.lists.remove((slug.as_str(), time, uri))?.is_some() {
                let n = self.counts.get(slug.as_str())?.map_or(0, |c| c.value());
                self.counts.insert(slug.as_str(), n.saturating_sub(1))?;
            }
        }
        self.listed.remove((time, uri))?;
        if let Some(x) = e.expires() {
            self.expiring.remove((x, uri))?;
        }
        Ok(())
    }

    fn embargo(&mut self, event: ArticleEvent, partition: i32) -> anyhow::Result<()> {
        let (Some(uri), Some(until)) = (event.article.uri.clone(), embargo_of(&event.article))
        else {
            return Ok(());
        };
        self.clear_embargo(&uri)?;
        let mut value = partition.to_be_bytes().to_vec();
        serde_json::to_writer(&mut value, &event)?;
        self.embargoes.insert(uri.as_str(), value.as_slice())?;
        self.due
            .insert((until.timestamp_micros(), uri.as_str()), ())?;
        Ok(())
    }

    fn clear_embargo(&mut self, uri: &str) -> anyhow::Result<()> {
        let old = self.embargoes.remove(uri)?.map(|g| g.value().to_vec());
        if let Some(old) = old.and_then(|o| Embargo::decode(&o).ok()) {
            self.due.remove((old.until.timestamp_micros(), uri))?;
        }
        Ok(())
    }
}

/// A topic and how many visible stories it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSummary {
    /// URL slug.
    pub slug: String,
    /// Display name (the tag's name).
    pub name: String,
    /// Visible stories tagged with it.
    pub count: usize,
}

/// Every tag name of a story.
pub fn tag_names(a: &Article) -> impl Iterator<Item = &str> {
    a.subjects.iter().filter_map(|s| s.name.as_deref()).chain(
        a.places
            .iter()
            .chain(&a.people)
            .chain(&a.organisations)
            .filter_map(|e| e.name.as_deref()),
    )
}

/// The topic slugs of a story: every tag's name, slugified
/// ("Protests in Kazakhstan" → `protests-in-kazakhstan`).
pub fn topic_slugs(a: &Article) -> Vec<String> {
    let mut slugs: Vec<String> = tag_names(a)
        .map(slugify)
        .filter(|s| !s.is_empty())
        .collect();
    slugs.sort();
    slugs.dedup();
    slugs
}

/// Lower-case ASCII letters and digits joined by single hyphens.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsfeed_model::{Entity, Publication, Subject};

    fn event(uri: &str, version: &str, status: &str, action: Action) -> ArticleEvent {
        ArticleEvent {
            article: Article {
                uri: Some(uri.into()),
                version: Some(version.into()),
                pub_status: Some(status.into()),
                subjects: vec![Subject {
                    name: Some("Protests in Kazakhstan".into()),
                    ..Subject::default()
                }],
                places: vec![Entity {
                    name: Some("Kazakhstan".into()),
                    ..Entity::default()
                }],
                ..Article::default()
            },
            publication: Some(Publication {
                action: Some(action.as_str().into()),
                published_at: Some(Utc::now()),
            }),
            ..ArticleEvent::default()
        }
    }

    #[test]
    fn slugs_come_from_every_tag() {
        assert_eq!(slugify("Protests in Kazakhstan"), "protests-in-kazakhstan");
        assert_eq!(slugify("  Côte d'Ivoire "), "côte-d-ivoire");
        assert_eq!(
            topic_slugs(&event("urn:a:1", "1", "usable", Action::Published).article),
            ["kazakhstan", "protests-in-kazakhstan"]
        );
    }

    fn store() -> Store {
        Store::temporary(chrono::Duration::days(30)).unwrap()
    }

    #[test]
    fn due_embargoes_of_other_partitions_do_not_crowd_out_owned_ones() {
        let s = store();
        for (uri, until, partition) in [
            ("urn:a:1", "2026-11-28T09:00:00Z", 0),
            ("urn:a:2", "2026-11-28T10:00:00Z", 0),
            ("urn:a:3", "2026-11-28T11:00:00Z", 1),
        ] {
            let mut held = event(uri, "1", "usable", Action::Embargoed);
            held.article.embargoed_until = Some(until.into());
            s.commit([Change::Embargoed(held, partition)], &HashMap::new())
                .unwrap();
        }
        let noon = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let first = s.due(noon, 1, |_| true).unwrap();
        assert_eq!(first[0].event.article.uri.as_deref(), Some("urn:a:1"));
        let owned = s.due(noon, 1, |p| p == 1).unwrap();
        assert_eq!(owned.len(), 1);
        assert_eq!(owned[0].event.article.uri.as_deref(), Some("urn:a:3"));
    }

    #[test]
    fn known_covers_applied_and_embargoed_versions() {
        let s = store();
        s.apply(event("urn:a:1", "2", "usable", Action::Published))
            .unwrap();
        let k = s.known("urn:a:1").unwrap();
        assert!(k.visible && !k.embargoed);
        let mut held = event("urn:a:1", "3", "usable", Action::Embargoed);
        held.article.embargoed_until = Some("2026-11-28T13:00:00Z".into());
        s.commit([Change::Embargoed(held, 0)], &HashMap::new())
            .unwrap();
        let k = s.known("urn:a:1").unwrap();
        assert!(k.visible && k.embargoed);
        assert_eq!(k.newest.map(|v| v.number), Some(3));
        let noon = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(s.due(noon, 10, |_| true).unwrap().is_empty());
        assert_eq!(
            s.due(noon + chrono::Duration::hours(2), 10, |_| true)
                .unwrap()
                .len(),
            1
        );
        s.commit([Change::EmbargoCleared("urn:a:1".into())], &HashMap::new())
            .unwrap();
        assert_eq!(s.sizes().unwrap(), (1, 0));
        assert!(
            s.due(noon + chrono::Duration::hours(2), 10, |_| true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn retraction_removes_from_topics() {
        let s = store();
        s.apply(event("urn:a:1", "1", "usable", Action::Published))
            .unwrap();
        assert_eq!(s.topic("kazakhstan", 10).unwrap().len(), 1);
        assert_eq!(s.topics().unwrap()[0].count, 1);
        s.apply(event("urn:a:1", "2", "canceled", Action::Retracted))
            .unwrap();
        assert!(s.topic("kazakhstan", 10).unwrap().is_empty());
        assert!(s.topics().unwrap().is_empty());
        let entry = s.get("urn:a:1").unwrap();
        assert_eq!(entry.map(|e| e.action), Some(Action::Retracted));
        assert!(!s.known("urn:a:1").unwrap().visible);
    }

    #[test]
    fn lists_are_newest_first_and_a_new_version_moves_its_story() {
        let s = store();
        for (uri, created) in [
            ("urn:a:1", "10:00"),
            ("urn:a:2", "11:00"),
            ("urn:a:3", "09:00"),
        ] {
            let mut e = event(uri, "1", "usable", Action::Published);
            e.article.version_created = Some(format!("{}T{created}:00Z", Utc::now().date_naive()));
            s.apply(e).unwrap();
        }
        let uris = |s: &Store| -> Vec<String> {
            s.topic("kazakhstan", 10)
                .unwrap()
                .into_iter()
                .filter_map(|e| e.event.article.uri)
                .collect()
        };
        assert_eq!(uris(&s), ["urn:a:2", "urn:a:1", "urn:a:3"]);
        let mut newer = event("urn:a:3", "2", "usable", Action::Updated);
        newer.article.version_created = Some(format!("{}T12:00:00Z", Utc::now().date_naive()));
        s.apply(newer).unwrap();
        assert_eq!(uris(&s), ["urn:a:3", "urn:a:2", "urn:a:1"]);
        assert_eq!(s.topic("kazakhstan", 2).unwrap().len(), 2);
        assert_eq!(s.topics().unwrap()[0].count, 3);
    }

    #[test]
    fn retention_and_expiry_take_stories_out_of_lists_but_not_out_of_reach() {
        let s = store();
        let now = Utc::now();
        let mut old = event("urn:a:old", "1", "usable", Action::Published);
        old.article.version_created = Some((now - chrono::Duration::days(40)).to_rfc3339());
        let mut expiring = event("urn:a:exp", "1", "usable", Action::Published);
        expiring.article.expires = Some((now + chrono::Duration::hours(1)).to_rfc3339());
        let fresh = event("urn:a:new", "1", "usable", Action::Published);
        for e in [old, expiring, fresh] {
            s.apply(e).unwrap();
        }
        // Past the retention already when it came: never listed.
        assert_eq!(s.topic("kazakhstan", 10).unwrap().len(), 2);
        assert_eq!(s.prune(now, 100).unwrap(), 0);
        assert_eq!(s.prune(now + chrono::Duration::hours(2), 100).unwrap(), 1);
        let listed = s.topic("kazakhstan", 10).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].event.article.uri.as_deref(), Some("urn:a:new"));
        assert_eq!(s.topics().unwrap()[0].count, 1);
        assert!(s.get("urn:a:old").unwrap().is_some());
        assert!(s.get("urn:a:exp").unwrap().is_some());
        assert_eq!(s.prune(now + chrono::Duration::days(31), 100).unwrap(), 1);
        assert!(s.topic("kazakhstan", 10).unwrap().is_empty());
    }

    #[test]
    fn versions_round_trip() {
        let mut e = Entry::of(event("urn:a:1", "7", "usable", Action::Published));
        e.version.created = DateTime::parse_from_rfc3339("2026-11-28T08:05:00.123456789Z")
            .ok()
            .map(|t| t.with_timezone(&Utc));
        for (revision, visible) in [(None, true), (Some(uuid::Uuid::new_v4()), false)] {
            let v = Versioned {
                version: e.version,
                revision,
                visible,
            };
            assert_eq!(Versioned::decode(&v.encode()), Some(v));
        }
        assert_eq!(Versioned::decode(b"short"), None);
    }

    #[test]
    fn offsets_are_kept_with_the_records() {
        let s = store();
        let offsets = HashMap::from([(("state".to_owned(), 2), 41)]);
        let e = event("urn:a:1", "1", "usable", Action::Published);
        s.commit([Change::Applied(e)], &offsets).unwrap();
        assert_eq!(s.offsets().unwrap(), offsets);
        s.reset().unwrap();
        assert!(s.offsets().unwrap().is_empty());
        assert!(s.get("urn:a:1").unwrap().is_none());
    }

    #[test]
    fn the_on_disk_gauge_drops_with_a_commit_not_yet_durable_until_the_next_sync() {
        let gauge = prometheus::IntGauge::new("on_disk", "test").unwrap();
        let s = store().with_on_disk_gauge(gauge.clone());
        // The last durable commit as long ago as the test needs, whatever
        // the machine's speed.
        // (An instant ahead of now has 0 elapsed, however long the test takes.)
        let last_sync = |long_ago: bool| {
            let now = std::time::Instant::now();
            let hour = std::time::Duration::from_secs(3600);
            s.synced.lock().unwrap().at = if long_ago {
                now.checked_sub(hour)
            } else {
                now.checked_add(hour)
            }
            .unwrap_or(now);
        };
        last_sync(true);
        s.sync_if_due().unwrap();
        assert_eq!(gauge.get(), 1);
        // Within the interval of the last durable commit: visible, not on disk.
        last_sync(false);
        s.apply(event("urn:a:1", "1", "usable", Action::Published))
            .unwrap();
        assert_eq!(gauge.get(), 0);
        s.sync_if_due().unwrap();
        assert_eq!(gauge.get(), 0, "synced before the interval");
        last_sync(true);
        s.sync_if_due().unwrap();
        assert_eq!(gauge.get(), 1);
    }

    #[test]
    fn an_unreadable_file_is_replaced() {
        let dir = std::env::temp_dir().join(format!("newsfeed-store-{}", uuid::Uuid::new_v4()));
        let path = dir.join("publish.redb");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, b"not a database at all, just some bytes").unwrap();
        let s = Store::open(&path, chrono::Duration::days(1)).unwrap();
        assert!(s.offsets().unwrap().is_empty());
        s.apply(event("urn:a:1", "1", "usable", Action::Published))
            .unwrap();
        drop(s);
        let s = Store::open(&path, chrono::Duration::days(1)).unwrap();
        assert!(s.get("urn:a:1").unwrap().is_some());
        drop(s);
        std::fs::remove_dir_all(dir).unwrap();
    }
}

//! Publish's view of every story: the current version of each, what was
//! decided about it, per-topic lists newest first, and versions waiting for
//! their embargo. Pure data: the stage feeds it committed decisions, the API
//! reads it, a restart rebuilds it from the compacted state and embargo
//! topics.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use newsfeed_model::event::revision;
use newsfeed_model::{Article, ArticleEvent, StoryVersion};

use crate::lifecycle::{Known, embargo_of};

/// What publish did with a story version; `publication.action` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// First release of the story.
    Published,
    /// A newer version replaced a released one.
    Updated,
    /// The newsroom canceled the story: taken down everywhere.
    Retracted,
    /// The newsroom holds the story back (`pubStatus: withheld`).
    Withheld,
    /// Held until its `embargoedUntil` (embargo topic only).
    Embargoed,
}

impl Action {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Updated => "updated",
            Self::Retracted => "retracted",
            Self::Withheld => "withheld",
            Self::Embargoed => "embargoed",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Published,
            Self::Updated,
            Self::Retracted,
            Self::Withheld,
            Self::Embargoed,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }

    /// Whether readers see the story after this action.
    pub fn is_visible(self) -> bool {
        matches!(self, Self::Published | Self::Updated)
    }
}

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
    sort_key: SortKey,
}

/// Newest first within a topic: version time, then uri to break ties.
type SortKey = (DateTime<Utc>, String);

/// All stories, by uri and by topic.
#[derive(Debug, Default)]
pub struct Store {
    entries: HashMap<String, Entry>,
    by_topic: HashMap<String, BTreeSet<Reverse<SortKey>>>,
    /// Display name of each topic slug, as last tagged.
    names: HashMap<String, String>,
    /// Versions waiting for their embargo, by uri.
    embargoes: HashMap<String, Embargo>,
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

impl Store {
    /// What is known of `uri`, for deciding about a new version.
    pub fn known(&self, uri: &str) -> Known {
        let entry = self.entries.get(uri);
        let embargo = self.embargoes.get(uri);
        // An embargoed version came after the applied one when they tie.
        let newest = match (entry, embargo) {
            (Some(e), Some(h)) if e.version > h.version => Some((e.version, e.revision)),
            (_, Some(h)) => Some((h.version, h.revision)),
            (Some(e), None) => Some((e.version, e.revision)),
            (None, None) => None,
        };
        Known {
            newest: newest.map(|(v, _)| v),
            revision: newest.and_then(|(_, r)| r),
            visible: entry.is_some_and(|e| e.action.is_visible()),
            embargoed: embargo.is_some(),
        }
    }

    /// Holds a version until its embargo lifts.
    pub fn embargo(&mut self, event: ArticleEvent, partition: i32) {
        let (Some(uri), Some(until)) = (event.article.uri.clone(), embargo_of(&event.article))
        else {
            return;
        };
        let version = StoryVersion::of(&event.article);
        let revision = revision(&event.article);
        self.embargoes.insert(
            uri,
            Embargo {
                event,
                version,
                revision,
                until,
                partition,
            },
        );
    }

    /// Drops the embargoed version of `uri` (released or superseded).
    pub fn clear_embargo(&mut self, uri: &str) {
        self.embargoes.remove(uri);
    }

    /// Embargoed versions whose time has come at `now`.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<&Embargo> {
        self.embargoes.values().filter(|e| e.until <= now).collect()
    }

    /// Versions waiting for their embargo.
    pub fn embargoed(&self) -> usize {
        self.embargoes.len()
    }

    /// The current entry of `uri`.
    pub fn get(&self, uri: &str) -> Option<&Entry> {
        self.entries.get(uri)
    }

    /// Number of stories known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no story is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records a decided event (its `publication.action` must be set).
    pub fn apply(&mut self, event: ArticleEvent) {
        let Some(uri) = event.article.uri.clone() else {
            return;
        };
        let action = event
            .publication
            .as_ref()
            .and_then(|p| p.action.as_deref())
            .and_then(Action::parse)
            .unwrap_or(Action::Published);
        if let Some(old) = self.entries.remove(&uri) {
            for t in &old.topics {
                if let Some(list) = self.by_topic.get_mut(t) {
                    list.remove(&Reverse(old.sort_key.clone()));
                }
            }
        }
        let version = StoryVersion::of(&event.article);
        let revision = revision(&event.article);
        let published_at = event
            .publication
            .as_ref()
            .and_then(|p| p.published_at)
            .unwrap_or_else(Utc::now);
        let sort_key = (version.created.unwrap_or(published_at), uri.clone());
        let topics = topic_slugs(&event.article);
        if action.is_visible() {
            for t in &topics {
                self.by_topic
                    .entry(t.clone())
                    .or_default()
                    .insert(Reverse(sort_key.clone()));
            }
            for name in tag_names(&event.article) {
                self.names.insert(slugify(name), name.to_owned());
            }
        }
        self.entries.insert(
            uri,
            Entry {
                event,
                version,
                revision,
                action,
                topics,
                sort_key,
            },
        );
    }

    /// Every topic with at least one visible story: slug, display name and
    /// number of stories, by slug.
    pub fn topics(&self) -> Vec<TopicSummary<'_>> {
        let mut out: Vec<TopicSummary<'_>> = self
            .by_topic
            .iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(slug, list)| TopicSummary {
                slug,
                name: self.names.get(slug).map_or(slug.as_str(), String::as_str),
                count: list.len(),
            })
            .collect();
        out.sort_by(|a, b| a.slug.cmp(b.slug));
        out
    }

    /// The display name of topic `slug`, if any story was tagged with it.
    pub fn topic_name(&self, slug: &str) -> Option<&str> {
        self.names.get(slug).map(String::as_str)
    }

    /// Up to `limit` visible stories tagged `slug`, newest first.
    pub fn topic(&self, slug: &str, limit: usize) -> Vec<&Entry> {
        self.by_topic
            .get(slug)
            .into_iter()
            .flatten()
            .filter_map(|Reverse((_, uri))| self.entries.get(uri))
            .take(limit)
            .collect()
    }
}

/// A topic and how many visible stories it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSummary<'a> {
    /// URL slug.
    pub slug: &'a str,
    /// Display name (the tag's name).
    pub name: &'a str,
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

    #[test]
    fn known_covers_applied_and_embargoed_versions() {
        let mut s = Store::default();
        s.apply(event("urn:a:1", "2", "usable", Action::Published));
        let k = s.known("urn:a:1");
        assert!(k.visible && !k.embargoed);
        let mut held = event("urn:a:1", "3", "usable", Action::Embargoed);
        held.article.embargoed_until = Some("2026-11-28T13:00:00Z".into());
        s.embargo(held, 0);
        let k = s.known("urn:a:1");
        assert!(k.visible && k.embargoed);
        assert_eq!(k.newest.map(|v| v.number), Some(3));
        let noon = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(s.due(noon).is_empty());
        assert_eq!(s.due(noon + chrono::Duration::hours(2)).len(), 1);
        s.clear_embargo("urn:a:1");
        assert_eq!(s.embargoed(), 0);
    }

    #[test]
    fn retraction_removes_from_topics() {
        let mut s = Store::default();
        s.apply(event("urn:a:1", "1", "usable", Action::Published));
        assert_eq!(s.topic("kazakhstan", 10).len(), 1);
        assert_eq!(s.topics()[0].count, 1);
        s.apply(event("urn:a:1", "2", "canceled", Action::Retracted));
        assert!(s.topic("kazakhstan", 10).is_empty());
        assert_eq!(s.get("urn:a:1").map(|e| e.action), Some(Action::Retracted));
        assert!(!s.known("urn:a:1").visible);
    }
}

//! The event envelope carried on every `articles.*` topic
//! (`ArticleEvent` in `proto/newsfeed/v1/events.proto`).

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Article;

/// The value of every record on the articles topics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleEvent {
    /// The story, a ninjs 3.1 document.
    pub article: Article,
    /// When ingest had the story acknowledged by Kafka.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "proto_timestamp"
    )]
    pub ingested_at: Option<DateTime<Utc>>,
    /// Set from enrich on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<Enrichment>,
    /// Set by publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<Publication>,
}

/// How the tags were made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Enrichment {
    /// Engine name and version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Version of the taxonomy that made the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxonomy_version: Option<String>,
    /// When enrich tagged the story.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "proto_timestamp"
    )]
    pub enriched_at: Option<DateTime<Utc>>,
    /// The spans that made the tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// One matched span that made a tag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Evidence {
    /// URI of the concept the span supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept_uri: Option<String>,
    /// JSON pointer to the field, e.g. `/bodies/0/value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Offset in Unicode scalar values into the field's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i32>,
    /// Length in Unicode scalar values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<i32>,
    /// The matched text as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// On the last span listed for a concept: how many more spans support
    /// it (evidence is capped per concept, the first spans in reading order
    /// kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<i32>,
}

/// What publish did with the story.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Publication {
    /// `published`, `updated` or `retracted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// When publish released it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "proto_timestamp"
    )]
    pub published_at: Option<DateTime<Utc>>,
}

/// The kinds of event, one per topic; `ce_type` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Accepted by ingest.
    Ingested,
    /// Tagged by enrich.
    Enriched,
    /// Released by publish.
    Published,
}

impl EventType {
    /// The CloudEvents `type` attribute.
    pub fn ce_type(self) -> &'static str {
        match self {
            Self::Ingested => "newsfeed.article.ingested.v1",
            Self::Enriched => "newsfeed.article.enriched.v1",
            Self::Published => "newsfeed.article.published.v1",
        }
    }
}

impl ArticleEvent {
    /// The CloudEvents `id` of this event: the same story version at the same
    /// stage always gets the same id, so consumers can drop re-deliveries.
    /// A story without a `version` is told apart by its content too (see
    /// [`revision`]), so a revised copy is not taken for a re-delivery.
    pub fn event_id(&self, kind: EventType) -> String {
        let a = &self.article;
        let name = format!(
            "{}\n{}\n{}\n{}\n{}",
            kind.ce_type(),
            a.uri.as_deref().unwrap_or_default(),
            a.version.as_deref().unwrap_or_default(),
            a.version_created.as_deref().unwrap_or_default(),
            revision(a).map(|r| r.to_string()).unwrap_or_default(),
        );
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
    }
}

/// Where a story version stands among the versions of the same story:
/// by `version` number first, then by `versionCreated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StoryVersion {
    /// `version` as a number; 0 when absent.
    pub number: u64,
    /// `versionCreated`, when present and valid.
    pub created: Option<DateTime<Utc>>,
}

impl StoryVersion {
    /// The version of `article`; unparsable parts count as absent
    /// (ingest rejects them, so they only appear in hand-written records).
    pub fn of(article: &Article) -> Self {
        Self {
            number: article
                .version
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            created: article
                .version_created
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// True when a story at `self` should replace one at `current`.
    pub fn supersedes(&self, current: &StoryVersion) -> bool {
        self.cmp(current) == Ordering::Greater
    }
}

/// For a story without a `version` number, a digest of its content: such a
/// story is only told apart from another copy with the same `versionCreated`
/// by what it says. Two different documents are two versions (the later
/// arrival wins); the same document twice is one. `None` for numbered
/// stories, whose number is their identity.
pub fn revision(article: &Article) -> Option<uuid::Uuid> {
    if article.version.is_some() {
        return None;
    }
    // Serializing our own types cannot fail; an empty digest would only
    // make two copies look alike.
    let bytes = serde_json::to_vec(article).unwrap_or_default();
    Some(uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &bytes))
}

/// `google.protobuf.Timestamp` in the proto3 JSON mapping: RFC 3339, `Z`,
/// and 0, 3, 6 or 9 fractional digits.
pub mod proto_timestamp {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Formats as the proto3 JSON mapping does.
    pub fn format(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// Serde serializer.
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format(t)),
            None => s.serialize_none(),
        }
    }

    /// Serde deserializer.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(version: Option<&str>, created: Option<&str>) -> Article {
        Article {
            uri: Some("urn:test:1".into()),
            version: version.map(Into::into),
            version_created: created.map(Into::into),
            ..Article::default()
        }
    }

    #[test]
    fn higher_version_supersedes_lower_and_equal_does_not() {
        let v1 = StoryVersion::of(&story(Some("1"), Some("2026-11-28T10:00:00Z")));
        let v2 = StoryVersion::of(&story(Some("2"), Some("2026-11-28T09:00:00Z")));
        assert!(v2.supersedes(&v1));
        assert!(!v1.supersedes(&v2));
        assert!(!v1.supersedes(&v1));
    }

    #[test]
    fn without_numbers_later_version_created_wins() {
        let early = StoryVersion::of(&story(None, Some("2026-11-28T10:00:00+02:00")));
        let late = StoryVersion::of(&story(None, Some("2026-11-28T09:00:00Z")));
        assert!(late.supersedes(&early));
    }

    #[test]
    fn without_a_number_content_tells_copies_apart() {
        let mut a = story(None, Some("2026-11-28T10:00:00Z"));
        a.headlines = vec![crate::Block {
            value: Some("first".into()),
            ..crate::Block::default()
        }];
        let mut b = a.clone();
        b.headlines[0].value = Some("second".into());
        assert_eq!(revision(&a), revision(&a.clone()));
        assert_ne!(revision(&a), revision(&b));
        let id = |a: &Article| {
            ArticleEvent {
                article: a.clone(),
                ..ArticleEvent::default()
            }
            .event_id(EventType::Published)
        };
        assert_ne!(id(&a), id(&b));
        assert_eq!(revision(&story(Some("1"), None)), None);
    }

    #[test]
    fn event_id_is_stable_per_version_and_stage() {
        let e = ArticleEvent {
            article: story(Some("3"), None),
            ..ArticleEvent::default()
        };
        assert_eq!(
            e.event_id(EventType::Ingested),
            e.event_id(EventType::Ingested)
        );
        assert_ne!(
            e.event_id(EventType::Ingested),
            e.event_id(EventType::Enriched)
        );
    }
}

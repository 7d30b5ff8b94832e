//! The ninjs 3.1 item. Field for field the `Article` message of
//! `proto/newsfeed/v1/article.proto`; serde renders the proto3 JSON mapping,
//! which is ninjs's own camelCase. The same type is a story and each of its
//! associations (pictures, graphics, video, ...), as in ninjs itself.

use serde::{Deserialize, Serialize};

use crate::contact::{ContactInfo, Symbol};
use crate::media::{DigitalSourceType, Rendition, RightsInfo, Standard, TrustIndicator};
use crate::planning::{EventDetails, EventRef, PlannedCoverage};

/// A story: an IPTC ninjs 3.1 item (see [`ItemType`] for the types Newsfeed
/// carries), or one of its associations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Article {
    /// The story's identifier, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The ninjs type (`text` when absent); see [`ItemType`].
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `full` or `partial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub representation_type: Option<String>,
    /// The ninjs profile the newsroom uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Positive decimal integer; see [`crate::StoryVersion`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// RFC 3339 date-time of the first version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_created: Option<String>,
    /// RFC 3339 date-time of this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_created: Option<String>,
    /// RFC 3339 date-time the content was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_created: Option<String>,
    /// RFC 3339 date-time before which the story must not be published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargoed_until: Option<String>,
    /// `usable`, `withheld` or `canceled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pub_status: Option<String>,
    /// Editorial urgency, 1 (highest) to 9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<i32>,
    /// Who holds the copyright.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_holder: Option<String>,
    /// The copyright line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright_notice: Option<String>,
    /// Terms of use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_terms: Option<String>,
    /// Note to editors, never shown to readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ed_note: Option<String>,
    /// BCP 47 language tag of the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Summaries and descriptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Block>,
    /// The story text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<Body>,
    /// Headlines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headlines: Vec<Block>,
    /// People the story is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Entity>,
    /// Organisations the story is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<Entity>,
    /// Places the story is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Entity>,
    /// Topics and ongoing stories the article is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    /// Genres (analysis, opinion, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub genres: Vec<Genre>,
    /// Where the information came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub info_sources: Vec<InfoSource>,
    /// Other identifiers of the story.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_ids: Vec<AltId>,
    /// A short human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The byline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slugline: Option<String>,
    /// Dateline place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
    /// RFC 3339 date-time after which the story should be withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Only in an association: its human-readable name (`mainpic`, `logo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only in an association: how it relates to the item that carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    /// Material things the story is about (ships, buildings, artworks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Entity>,
    /// Events the story is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventRef>,
    /// For an item of type `event`: its status, dates and organiser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_details: Option<EventDetails>,
    /// Coverage the newsroom plans.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub planned_coverage: Vec<PlannedCoverage>,
    /// Files of the item itself (image sizes, video encodings, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<Rendition>,
    /// Items that go with it: pictures, graphics, video, ... each a ninjs
    /// item with a `name` and a `uri`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<Article>,
    /// Links to documents about the item's trustworthiness.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_indicators: Vec<TrustIndicator>,
    /// The standard, version and schema the document conforms to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<Standard>,
    /// A machine-readable rights expression, linked or encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights_info: Option<RightsInfo>,
    /// How the content was made (camera, scan, generated by AI, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digital_source_type: Option<DigitalSourceType>,
}

/// A headline or description.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Block {
    /// `main`, `sub`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Media type of `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A body of the story.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Body {
    /// `main`, `richtext`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `text/plain` or `text/html` (or another markup type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Characters in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub char_count: Option<i32>,
    /// Words in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_count: Option<i32>,
    /// The text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A person, organisation, place or object. ninjs gives each list its own
/// shape; validation holds `symbols` to organisations, `geoJSON` to places
/// and `contactInfo` to all but objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entity {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Relationship of the story to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    /// Identifier, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Free-text identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    /// How to reach it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_info: Vec<ContactInfo>,
    /// Organisations only: financial instrument symbols.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symbols: Vec<Symbol>,
    /// Places only: the place as a GeoJSON object, carried as sent.
    #[serde(default, rename = "geoJSON", skip_serializing_if = "Option::is_none")]
    pub geo_json: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A concept the story is about, with who assigned it and how sure they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subject {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Relationship of the story to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    /// Identifier, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Free-text identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    /// Who assigned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// How much the story is about it, 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevance: Option<i32>,
    /// How sure the creator is, 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<i32>,
}

/// A genre.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Genre {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Free-text identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// A source of the story's information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InfoSource {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Role of the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Free-text identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    /// How to reach it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact_info: Vec<ContactInfo>,
}

/// Another identifier of the story.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AltId {
    /// Kind of identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// The ninjs types (`type`), after IPTC's `ninature` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    /// A story told in words.
    Text,
    /// A package: text with its pictures, video, ... (as associations).
    Composite,
    /// A photo.
    Picture,
    /// A graphic, chart or logo.
    Graphic,
    /// Video.
    Video,
    /// Audio.
    Audio,
    /// A part of a composite.
    Component,
    /// An event (planning data).
    Event,
    /// A planning item.
    Planning,
}

impl ItemType {
    /// Every type, in ninjs's order.
    pub const ALL: [Self; 9] = [
        Self::Text,
        Self::Audio,
        Self::Video,
        Self::Picture,
        Self::Graphic,
        Self::Composite,
        Self::Component,
        Self::Event,
        Self::Planning,
    ];

    /// Parses ninjs's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// ninjs's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Composite => "composite",
            Self::Picture => "picture",
            Self::Graphic => "graphic",
            Self::Video => "video",
            Self::Audio => "audio",
            Self::Component => "component",
            Self::Event => "event",
            Self::Planning => "planning",
        }
    }

    /// Whether Newsfeed publishes items of this type: content a reader can
    /// read, look at or play. Events and planning items describe what will
    /// happen, not a story, and a component means nothing without its
    /// composite, so they are refused at ingest.
    pub fn is_publishable(self) -> bool {
        !matches!(self, Self::Component | Self::Event | Self::Planning)
    }

    /// Whether the item itself is an image (its own renditions are its picture).
    pub fn is_image(self) -> bool {
        matches!(self, Self::Picture | Self::Graphic)
    }

    /// Whether the item is a picture, graphic, video or audio: media whose
    /// headline and caption describe what the story shows.
    pub fn is_media(self) -> bool {
        matches!(
            self,
            Self::Picture | Self::Graphic | Self::Video | Self::Audio
        )
    }
}

/// The editorial status of a story (`pubStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubStatus {
    /// May be published (the default when absent).
    Usable,
    /// Must be held back for now.
    Withheld,
    /// Retracted: must be taken down.
    Canceled,
}

impl PubStatus {
    /// Parses ninjs's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "usable" => Some(Self::Usable),
            "withheld" => Some(Self::Withheld),
            "canceled" => Some(Self::Canceled),
            _ => None,
        }
    }
}

impl Article {
    /// The item's type; `text` when absent, `None` when not a ninjs type.
    pub fn item_type(&self) -> Option<ItemType> {
        self.kind
            .as_deref()
            .map_or(Some(ItemType::Text), ItemType::parse)
    }

    /// The story's status; `usable` when absent or unknown.
    pub fn status(&self) -> PubStatus {
        self.pub_status
            .as_deref()
            .and_then(PubStatus::parse)
            .unwrap_or(PubStatus::Usable)
    }

    /// The main headline: the one with role `main`, else the first.
    pub fn headline(&self) -> Option<&str> {
        self.headlines
            .iter()
            .find(|h| h.role.as_deref() == Some("main"))
            .or_else(|| self.headlines.first())
            .and_then(|h| h.value.as_deref())
    }
}

//! What ninjs says about an item's files and provenance: renditions, rights
//! expressions, trust indicators, the digital source type and the standard
//! a document claims. Field for field the messages of the same names in
//! `proto/newsfeed/v1/article.proto`.

use serde::{Deserialize, Serialize};

/// One file of an item: an image size, a video encoding, ...
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rendition {
    /// Its name among the item's renditions (`thumbnail`, `highres`); required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where to fetch it, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// IANA media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// A title for the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    /// Size in bytes. A `double` in the proto, whose JSON mapping would print
    /// a 64-bit integer as a string, which ninjs forbids; exact to 2^53.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_in_bytes: Option<u64>,
    /// Duration in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Refinement of the media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Such as `16:9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Video codec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<String>,
    /// Frames per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_rate: Option<f64>,
    /// The main point of interest, in pixels from the top left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poi: Option<Poi>,
    /// Transport/flow type of a stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_protocol: Option<String>,
    /// `progressive` or `interlaced`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_type: Option<String>,
    /// With units, e.g. `400 kbps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<String>,
}

/// A point of interest in a rendition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Poi {
    /// Pixels from the left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<i32>,
    /// Pixels from the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<i32>,
}

/// A rights expression: exactly one of `linkedRights` and `encodedRights`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RightsInfo {
    /// The rights expression language, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang_id: Option<String>,
    /// A web resource with the rights, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_rights: Option<String>,
    /// The rights expression itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded_rights: Option<String>,
}

/// A link to a document about trust (ethics policy, corrections, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustIndicator {
    /// The kind of indicator, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The document's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The document, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// How the content was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DigitalSourceType {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Identifier, a complete URI (IPTC digitalsourcetype codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Free-text identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// The standard a document conforms to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Standard {
    /// Such as `ninjs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Such as `3.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The JSON Schema, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

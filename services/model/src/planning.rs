//! Events and planned coverage: what ninjs says about things that happen
//! and what a newsroom plans to cover. Field for field the messages of the
//! same names in `proto/newsfeed/v1/article.proto`.

use serde::{Deserialize, Serialize};

use crate::article::Entity;
use crate::media::Rendition;

/// An event a story is about (`events[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventRef {
    /// An id for the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
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
}

/// A planned event's status, dates and organiser (`eventDetails`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventDetails {
    /// Status of the event, a complete URI (IPTC eventstatus codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_status: Option<String>,
    /// Status of its coverage, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_coverage_status: Option<String>,
    /// When it happens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<Dates>,
    /// Who organises it (an organisation's shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organiser: Option<Entity>,
}

/// When an event or coverage starts and ends: at least one of the start
/// (exact or expected, not both) and the end (likewise).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dates {
    /// RFC 3339 date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// RFC 3339 date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// A year, month, day or date-time (`2023`, `2023-07`, `2023-07-11`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_start_date: Option<String>,
    /// Likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_end_date: Option<String>,
    /// iCalendar (RFC 5545) duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_duration: Option<String>,
    /// How it repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
}

/// How an event repeats. ninjs 3.1 also names `recurrenceDates`, but its
/// schema makes that property both an array and a string, so no value is
/// valid and Newsfeed refuses it by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recurrence {
    /// iCalendar-style rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recurrence_rules: Vec<RecurrenceRule>,
}

/// One recurrence rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurrenceRule {
    /// `secondly` ... `yearly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<String>,
    /// Every how many periods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<i32>,
    /// RFC 3339 date-time bounding the rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Number of occurrences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i32>,
}

/// Coverage a newsroom plans (`plannedCoverage[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlannedCoverage {
    /// Identifier kept for all versions, a complete URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Title of the planned content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `usable`, `withheld` or `canceled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pub_status: Option<String>,
    /// The ninjs type of the planned content.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Who commissioned it, when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commissioned: Option<Commissioned>,
    /// When it is planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<Dates>,
    /// Intended audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<Audience>,
    /// Excluded audiences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excl_audience: Vec<String>,
    /// Note to editors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ed_note: Option<String>,
    /// 1 (highest) to 9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<i32>,
    /// BCP 47 language tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// How many items are planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_count: Option<ItemCount>,
    /// Planned length in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub word_count: Option<i32>,
    /// Planned renditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<Rendition>,
}

/// Who commissioned content, and when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Commissioned {
    /// The person or party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// RFC 3339 date-time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// Purchase orders, work orders, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
}

/// A named reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reference {
    /// Name of the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// An intended audience.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Audience {
    /// The audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// How significant the content is for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub significance: Option<i32>,
}

/// A range of item counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ItemCount {
    /// At least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_from: Option<i32>,
    /// At most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_to: Option<i32>,
}

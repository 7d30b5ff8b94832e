//! The Newsfeed event contract, mirrored from `proto/newsfeed/v1/*.proto`.
//!
//! Pure data and rules, no Kafka and no HTTP:
//! - [`article`] — the ninjs 3.x text item ([`Article`]) and its parts.
//! - [`uri`] — [`ArticleUri`], a story identifier that cannot be built invalid.
//! - [`json`] — untrusted JSON into a value, refusing duplicate keys.
//! - [`echo`] — how much of an input value an error may repeat.
//! - [`validate`] — parses untrusted JSON into an [`Article`], reporting every
//!   problem as a JSON pointer plus a message.
//! - [`event`] — the [`ArticleEvent`] envelope carried on every topic, its
//!   CloudEvents type names and the ordering of story versions.

pub mod article;
pub mod echo;
pub mod event;
pub mod json;
pub mod uri;
pub mod validate;

pub use article::{AltId, Article, Block, Body, Entity, Genre, InfoSource, PubStatus, Subject};
pub use event::{ArticleEvent, Enrichment, EventType, Evidence, Publication, StoryVersion};
pub use uri::ArticleUri;
pub use validate::{Violation, parse_article};

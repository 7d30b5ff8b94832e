//! The Newsfeed event contract, mirrored from `proto/newsfeed/v1/*.proto`.
//!
//! Pure data and rules, no Kafka and no HTTP:
//! - [`article`] — the ninjs 3.1 item ([`Article`], a story or one of its
//!   associations), its types ([`ItemType`]) and its parts.
//! - [`media`] — renditions, rights, trust indicators, digital source type.
//! - [`contact`] — contact details and financial symbols of entities.
//! - [`planning`] — events, event details and planned coverage.
//! - [`uri`] — [`ArticleUri`], a story identifier that cannot be built invalid.
//! - [`json`] — untrusted JSON into a value, refusing duplicate keys.
//! - [`echo`] — how much of an input value an error may repeat.
//! - [`validate`] — parses untrusted JSON into an [`Article`], reporting every
//!   problem as a JSON pointer plus a message.
//! - [`event`] — the [`ArticleEvent`] envelope carried on every topic, its
//!   CloudEvents type names and the ordering of story versions.

pub mod article;
pub mod contact;
pub mod echo;
pub mod event;
pub mod json;
pub mod media;
pub mod planning;
pub mod uri;
pub mod validate;

pub use article::{
    AltId, Article, Block, Body, Entity, Genre, InfoSource, ItemType, PubStatus, Subject,
};
pub use event::{ArticleEvent, Enrichment, EventType, Evidence, Publication, StoryVersion};
pub use media::{Rendition, RightsInfo};
pub use uri::ArticleUri;
pub use validate::{Violation, parse_article};

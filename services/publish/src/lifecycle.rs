//! What a story version does to what readers see — pure rules, no I/O:
//! a newer version replaces an older one (an older one arriving late is
//! ignored), `canceled` retracts, `withheld` holds back, and
//! `embargoedUntil` in the future holds the version until that moment.
//!
//! Without a `version` number a story is ordered by `versionCreated` alone,
//! and a copy that ties (same or no `versionCreated`) but says something
//! else is a revision: the later arrival wins, as a newsroom re-sending a
//! corrected story expects. Kafka keeps the arrivals of one story in order
//! (the uri is the key). Only the same document again is a duplicate.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use newsfeed_model::event::revision;
use newsfeed_model::{Article, PubStatus, StoryVersion};

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

/// What publish knows of a story before a new version arrives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Known {
    /// The newest version seen, applied or waiting for its embargo.
    pub newest: Option<StoryVersion>,
    /// The newest version's content digest, when it has no number.
    pub revision: Option<uuid::Uuid>,
    /// Whether readers currently see a version of it.
    pub visible: bool,
    /// Whether a version waits for its embargo to lift.
    pub embargoed: bool,
}

/// The decision about one story version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An equal or newer version is already known: ignore it.
    Stale(Stale),
    /// Hold it until `until`; readers keep what they see meanwhile.
    Embargo {
        /// When it may be released.
        until: DateTime<Utc>,
    },
    /// Apply it now.
    Apply {
        /// What happens to the story.
        action: Action,
        /// Whether readers (streams, webhooks, the published topic) hear of it:
        /// everything visible, and the removal of what was visible.
        notify: bool,
    },
}

/// Why a version was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// A higher version number, or a later `versionCreated`, is known.
    Older,
    /// The same version number (or, without one, the same document) again.
    Duplicate,
}

impl Stale {
    /// Said in the log line of a skipped version.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Older => "a newer version is already known",
            Self::Duplicate => "the same version again",
        }
    }
}

/// Decides what `article`, a new version, does at `now`.
pub fn decide(known: &Known, article: &Article, now: DateTime<Utc>) -> Decision {
    if let Some(newest) = known.newest {
        let incoming = StoryVersion::of(article);
        match incoming.cmp(&newest) {
            Ordering::Less => return Decision::Stale(Stale::Older),
            Ordering::Equal if incoming.number != 0 => return Decision::Stale(Stale::Duplicate),
            Ordering::Equal if revision(article) == known.revision => {
                return Decision::Stale(Stale::Duplicate);
            }
            // Newer, or a revised copy of a story without numbers.
            _ => {}
        }
    }
    let action = match article.status() {
        PubStatus::Usable => match embargo_of(article) {
            Some(until) if until > now => return Decision::Embargo { until },
            _ => visible_action(known),
        },
        // Recorded even when never visible, so an older usable version cannot resurface.
        PubStatus::Canceled => Action::Retracted,
        PubStatus::Withheld => Action::Withheld,
    };
    Decision::Apply {
        action,
        notify: action.is_visible() || known.visible,
    }
}

/// The decision for an embargoed version whose time has come.
pub fn release(known: &Known) -> Decision {
    Decision::Apply {
        action: visible_action(known),
        notify: true,
    }
}

fn visible_action(known: &Known) -> Action {
    if known.visible {
        Action::Updated
    } else {
        Action::Published
    }
}

/// `embargoedUntil` as a time, when present and valid.
pub fn embargo_of(article: &Article) -> Option<DateTime<Utc>> {
    article
        .embargoed_until
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(version: &str, status: &str, embargo: Option<&str>) -> Article {
        Article {
            uri: Some("urn:t:1".into()),
            version: Some(version.into()),
            pub_status: Some(status.into()),
            embargoed_until: embargo.map(Into::into),
            ..Article::default()
        }
    }

    fn known(version: &str, visible: bool) -> Known {
        Known {
            newest: Some(StoryVersion::of(&story(version, "usable", None))),
            revision: None,
            visible,
            embargoed: false,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn versions_only_move_forward() {
        let k = known("2", true);
        assert_eq!(
            decide(&k, &story("1", "usable", None), now()),
            Decision::Stale(Stale::Older)
        );
        assert_eq!(
            decide(&k, &story("2", "usable", None), now()),
            Decision::Stale(Stale::Duplicate)
        );
        assert_eq!(
            decide(&k, &story("3", "usable", None), now()),
            Decision::Apply {
                action: Action::Updated,
                notify: true
            }
        );
        assert_eq!(
            decide(&Known::default(), &story("1", "usable", None), now()),
            Decision::Apply {
                action: Action::Published,
                notify: true
            }
        );
    }

    #[test]
    fn without_numbers_a_revised_copy_wins_and_the_same_copy_is_a_duplicate() {
        let mut first = story("1", "usable", None);
        first.version = None;
        first.version_created = Some("2026-11-28T10:00:00Z".into());
        let mut revised = first.clone();
        revised.by = Some("Corrected byline".into());
        let k = Known {
            newest: Some(StoryVersion::of(&first)),
            revision: revision(&first),
            visible: true,
            embargoed: false,
        };
        assert_eq!(
            decide(&k, &first.clone(), now()),
            Decision::Stale(Stale::Duplicate)
        );
        assert_eq!(
            decide(&k, &revised, now()),
            Decision::Apply {
                action: Action::Updated,
                notify: true
            }
        );
        let mut older = revised.clone();
        older.version_created = Some("2026-11-28T09:00:00Z".into());
        assert_eq!(decide(&k, &older, now()), Decision::Stale(Stale::Older));
    }

    #[test]
    fn cancel_and_withhold_notify_only_when_something_was_visible() {
        let retract = decide(&known("1", true), &story("2", "canceled", None), now());
        assert_eq!(
            retract,
            Decision::Apply {
                action: Action::Retracted,
                notify: true
            }
        );
        let quiet = decide(&Known::default(), &story("1", "canceled", None), now());
        assert_eq!(
            quiet,
            Decision::Apply {
                action: Action::Retracted,
                notify: false
            }
        );
        let held = decide(&Known::default(), &story("1", "withheld", None), now());
        assert_eq!(
            held,
            Decision::Apply {
                action: Action::Withheld,
                notify: false
            }
        );
    }

    #[test]
    fn future_embargoes_hold_and_past_ones_do_not() {
        let future = decide(
            &Known::default(),
            &story("1", "usable", Some("2026-11-28T13:00:00Z")),
            now(),
        );
        assert!(matches!(future, Decision::Embargo { .. }));
        let past = decide(
            &Known::default(),
            &story("1", "usable", Some("2026-11-28T11:00:00Z")),
            now(),
        );
        assert_eq!(
            past,
            Decision::Apply {
                action: Action::Published,
                notify: true
            }
        );
        assert_eq!(
            release(&known("1", true)),
            Decision::Apply {
                action: Action::Updated,
                notify: true
            }
        );
    }
}

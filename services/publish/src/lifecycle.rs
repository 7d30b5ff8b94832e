//! What a story version does to what readers see — pure rules, no I/O:
//! a newer version replaces an older one (an older one arriving late is
//! ignored), `canceled` retracts, `withheld` holds back, and
//! `embargoedUntil` in the future holds the version until that moment.

use chrono::{DateTime, Utc};
use newsfeed_model::{Article, PubStatus, StoryVersion};

use crate::store::Action;

/// What publish knows of a story before a new version arrives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Known {
    /// The newest version seen, applied or waiting for its embargo.
    pub newest: Option<StoryVersion>,
    /// Whether readers currently see a version of it.
    pub visible: bool,
    /// Whether a version waits for its embargo to lift.
    pub embargoed: bool,
}

/// The decision about one story version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An equal or newer version is already known: ignore it.
    Stale,
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

/// Decides what `article`, a new version, does at `now`.
pub fn decide(known: &Known, article: &Article, now: DateTime<Utc>) -> Decision {
    if known
        .newest
        .is_some_and(|v| !StoryVersion::of(article).supersedes(&v))
    {
        return Decision::Stale;
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
            Decision::Stale
        );
        assert_eq!(
            decide(&k, &story("2", "usable", None), now()),
            Decision::Stale
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

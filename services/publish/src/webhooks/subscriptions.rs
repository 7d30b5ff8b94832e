//! Subscriptions as they are stored in the compacted
//! `<prefix>publish.subscriptions` topic, and the in-memory [`Registry`]
//! every instance builds by applying that topic's records in order. Pure
//! data: the journal feeds it records, the API and the workers read it.
//!
//! Record keys:
//! - `<id>` → a [`Subscription`] (JSON); a tombstone deletes it;
//! - `<id>/stats/<instance>` → the [`DeliveryStats`] of one publish instance's
//!   worker, so any instance can answer with every instance's counts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::signing::StoredSecret;

/// Whether a subscription receives deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Deliveries run.
    Active,
    /// Deliveries stopped, for `disabledReason`.
    Disabled,
}

/// One subscriber: where to deliver, what, and how to sign it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Subscription {
    /// `sub_` + 32 hex digits.
    pub(crate) id: String,
    /// The client that created it (a `newsfeedctl clients` name); only it
    /// sees and deletes it. Empty for subscriptions made before clients
    /// existed: those belong to operators alone.
    #[serde(default)]
    pub(crate) owner: String,
    /// Absolute http(s) URL deliveries are POSTed to.
    pub(crate) url: String,
    /// Topic slugs wanted; empty means every story.
    #[serde(default)]
    pub(crate) topics: Vec<String>,
    /// Signing secret, sealed with the secrets key and bound to `id` (kept
    /// in the topic so every instance can sign; never in plain text).
    pub(crate) secret: StoredSecret,
    /// Active or disabled.
    pub(crate) status: Status,
    /// Why it was disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) disabled_reason: Option<String>,
    /// When it was disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) disabled_at: Option<DateTime<Utc>>,
    /// When it was registered.
    pub(crate) created_at: DateTime<Utc>,
    /// Where deliveries begin, per partition of the published topic: the
    /// end of the topic when it was registered, so it gets exactly the
    /// stories published after. Progress records take over from there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) start_at: BTreeMap<i32, i64>,
}

impl Subscription {
    /// Whether a story tagged with `slugs` is for this subscriber.
    pub(crate) fn wants(&self, slugs: &[String]) -> bool {
        self.topics.is_empty() || self.topics.iter().any(|t| slugs.contains(t))
    }

    /// `scheme://host:port` of the URL: what logs show of it (a path or
    /// query may carry the subscriber's own tokens).
    pub(crate) fn origin(&self) -> String {
        url::Url::parse(&self.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| "(unparsable url)".to_owned())
    }

    /// The URL without any user name or password (records written before
    /// userinfo was refused may have one): what answers show.
    pub(crate) fn shown_url(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.to_string()
            }
            Err(_) => "(unparsable url)".to_owned(),
        }
    }
}

/// What one instance's worker did for a subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryStats {
    /// Events the subscriber acknowledged.
    pub(crate) delivered: u64,
    /// Failed attempts that were retried.
    pub(crate) retried: u64,
    /// Events that ran out of retries.
    pub(crate) dead_lettered: u64,
    /// Last acknowledged delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_delivery_at: Option<DateTime<Utc>>,
    /// Last failed attempt's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_error: Option<String>,
    /// When that attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) last_error_at: Option<DateTime<Utc>>,
}

impl DeliveryStats {
    /// Adds another instance's counts; the latest times and error win.
    fn merge(&mut self, other: &Self) {
        self.delivered += other.delivered;
        self.retried += other.retried;
        self.dead_lettered += other.dead_lettered;
        self.last_delivery_at = self.last_delivery_at.max(other.last_delivery_at);
        if other.last_error_at > self.last_error_at {
            self.last_error_at = other.last_error_at;
            self.last_error.clone_from(&other.last_error);
        }
    }
}

/// The key of a subscription's stats record written by `instance`.
pub(crate) fn stats_key(id: &str, instance: &str) -> String {
    format!("{id}/stats/{instance}")
}

/// Every subscription and its stats, as of the records applied so far.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    subscriptions: HashMap<String, Subscription>,
    /// id → instance → stats.
    stats: HashMap<String, HashMap<String, DeliveryStats>>,
}

impl Registry {
    /// Applies one record of the subscriptions topic (`None`: a tombstone).
    pub(crate) fn apply(&mut self, key: &str, value: Option<&[u8]>) -> Result<(), String> {
        if let Some((id, instance)) = key.split_once("/stats/") {
            match value {
                None => {
                    if let Some(by_instance) = self.stats.get_mut(id) {
                        by_instance.remove(instance);
                    }
                }
                Some(v) => {
                    let s: DeliveryStats = serde_json::from_slice(v)
                        .map_err(|e| format!("stats record `{key}`: {e}"))?;
                    self.stats
                        .entry(id.to_owned())
                        .or_default()
                        .insert(instance.to_owned(), s);
                }
            }
            return Ok(());
        }
        match value {
            None => {
                self.subscriptions.remove(key);
            }
            Some(v) => {
                let s: Subscription = serde_json::from_slice(v)
                    .map_err(|e| format!("subscription record `{key}`: {e}"))?;
                if s.id != key {
                    return Err(format!("subscription record `{key}` has id `{}`", s.id));
                }
                self.subscriptions.insert(s.id.clone(), s);
            }
        }
        Ok(())
    }

    /// The subscription `id`, if registered.
    pub(crate) fn get(&self, id: &str) -> Option<&Subscription> {
        self.subscriptions.get(id)
    }

    /// True while `id` is registered and not disabled.
    pub(crate) fn is_active(&self, id: &str) -> bool {
        self.get(id).is_some_and(|s| s.status == Status::Active)
    }

    /// Every subscription, active or not.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.values()
    }

    /// Every active subscription.
    pub(crate) fn active(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions
            .values()
            .filter(|s| s.status == Status::Active)
    }

    /// Subscriptions (active, disabled).
    pub(crate) fn counts(&self) -> (usize, usize) {
        let active = self.active().count();
        (active, self.subscriptions.len() - active)
    }

    /// Every instance's stats of `id`, added up.
    pub(crate) fn stats(&self, id: &str) -> DeliveryStats {
        let mut total = DeliveryStats::default();
        for s in self.stats.get(id).into_iter().flat_map(HashMap::values) {
            total.merge(s);
        }
        total
    }

    /// The stats `instance` wrote for `id` (a restarted worker continues them).
    pub(crate) fn instance_stats(&self, id: &str, instance: &str) -> DeliveryStats {
        self.stats
            .get(id)
            .and_then(|m| m.get(instance))
            .cloned()
            .unwrap_or_default()
    }

    /// Keys of every stats record of `id`, to tombstone with it.
    pub(crate) fn stats_keys(&self, id: &str) -> Vec<String> {
        self.stats
            .get(id)
            .into_iter()
            .flat_map(HashMap::keys)
            .map(|instance| stats_key(id, instance))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::signing::Secret;
    use newsfeed_runtime::secrets::Keyring;

    fn sub(id: &str, topics: &[&str]) -> Subscription {
        Subscription {
            owner: "partner".into(),
            id: id.into(),
            url: "https://hooks.example/x".into(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            secret: StoredSecret::Sealed(
                Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                    .unwrap()
                    .seal(&Keyring::from_keys([3; 32], Vec::new()), id)
                    .unwrap(),
            ),
            status: Status::Active,
            disabled_reason: None,
            disabled_at: None,
            created_at: Utc::now(),
            start_at: BTreeMap::from([(0, 7)]),
        }
    }

    #[test]
    fn logs_show_only_the_origin() {
        let mut s = sub("a", &[]);
        s.url = "https://hooks.example:8443/in?token=abc".into();
        assert_eq!(s.origin(), "https://hooks.example:8443");
        s.url = "https://user:hunter2@hooks.example/in".into();
        assert_eq!(s.shown_url(), "https://hooks.example/in");
        assert!(!s.origin().contains("hunter2"));
    }

    #[test]
    fn topic_filter_matches_any_slug_and_empty_means_all() {
        let slugs = vec!["kazakhstan".to_owned(), "protests-in-kazakhstan".to_owned()];
        assert!(sub("a", &[]).wants(&slugs));
        assert!(sub("a", &["kazakhstan"]).wants(&slugs));
        assert!(sub("a", &["russia", "protests-in-kazakhstan"]).wants(&slugs));
        assert!(!sub("a", &["russia"]).wants(&slugs));
        assert!(!sub("a", &["russia"]).wants(&[]));
    }

    #[test]
    fn records_apply_in_order_and_tombstones_delete() {
        let mut r = Registry::default();
        let s = sub("sub_1", &[]);
        let json = serde_json::to_vec(&s).unwrap();
        r.apply("sub_1", Some(&json)).unwrap();
        assert!(r.is_active("sub_1"));
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains("\"secret\":{\"keyId\":\"k_"), "{text}");
        assert!(
            !text.contains("whsec_") && !text.contains("MfKQ9r8G"),
            "{text}"
        );

        let mut disabled = s.clone();
        disabled.status = Status::Disabled;
        disabled.disabled_reason = Some("kept failing".into());
        r.apply("sub_1", Some(&serde_json::to_vec(&disabled).unwrap()))
            .unwrap();
        assert!(!r.is_active("sub_1"));
        assert_eq!(r.counts(), (0, 1));

        r.apply("sub_1", None).unwrap();
        assert!(r.get("sub_1").is_none());
        assert!(r.apply("sub_2", Some(&json)).is_err(), "key and id differ");
        assert!(r.apply("sub_3", Some(b"not json")).is_err());
    }

    #[test]
    fn stats_of_every_instance_add_up() {
        let mut r = Registry::default();
        let t1 = Utc::now();
        let t2 = t1 + chrono::Duration::seconds(5);
        let a = DeliveryStats {
            delivered: 3,
            retried: 1,
            last_delivery_at: Some(t1),
            last_error: Some("HTTP 500".into()),
            last_error_at: Some(t2),
            ..DeliveryStats::default()
        };
        let b = DeliveryStats {
            delivered: 2,
            dead_lettered: 1,
            last_delivery_at: Some(t2),
            last_error: Some("timed out".into()),
            last_error_at: Some(t1),
            ..DeliveryStats::default()
        };
        for (instance, s) in [("a", &a), ("b", &b)] {
            r.apply(
                &stats_key("sub_1", instance),
                Some(&serde_json::to_vec(s).unwrap()),
            )
            .unwrap();
        }
        let total = r.stats("sub_1");
        assert_eq!(
            (total.delivered, total.retried, total.dead_lettered),
            (5, 1, 1)
        );
        assert_eq!(total.last_delivery_at, Some(t2));
        assert_eq!(total.last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(r.instance_stats("sub_1", "b"), b);
        let mut keys = r.stats_keys("sub_1");
        keys.sort();
        assert_eq!(keys, ["sub_1/stats/a", "sub_1/stats/b"]);
        r.apply("sub_1/stats/a", None).unwrap();
        assert_eq!(r.stats("sub_1").delivered, 2);
    }
}

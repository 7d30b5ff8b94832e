//! HTTP caching of feeds: the validators (`ETag`, `Last-Modified`) and the
//! conditional-request rules of RFC 9110 §13 that turn a repeat poll into
//! a 304. Feed readers poll often; most polls should cost no body.

use std::fmt::Write;

use axum::http::HeaderMap;
use axum::http::header::{IF_MODIFIED_SINCE, IF_NONE_MATCH};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::model::Format;
use crate::store::Entry;

/// Bumped when rendering changes, so caches drop bodies rendered before.
const RENDERING: &str = "1";

/// What a response is validated by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Validators {
    /// A strong entity tag, quoted.
    pub(super) etag: String,
    /// The newest date in the feed (none for an empty feed). Retracting an
    /// older story leaves it as it was, so only the ETag tells that change;
    /// readers send both, and `If-None-Match` wins.
    pub(super) last_modified: Option<DateTime<Utc>>,
}

/// A strong ETag for the feed of `slug` named `name` under `base`, made of
/// `entries`, in `format`. The store keeps one version per story and only
/// ever replaces it by a newer one, so uri + version + action pin each
/// story's content; the rest pins everything else that reaches the body.
pub(super) fn etag(
    format: Format,
    base: &str,
    slug: &str,
    name: &str,
    entries: &[&Entry],
) -> String {
    let mut h = Fingerprint::default();
    for part in [RENDERING, format.label(), base, slug, name] {
        h.field(part.as_bytes());
    }
    for e in entries {
        let uri = e.event.article.uri.as_deref().unwrap_or_default();
        let created = e.version.created.map_or(i64::MIN, |t| t.timestamp_micros());
        // When publish released it: the stand-in for dates the newsroom left out.
        let released = e.event.publication.as_ref().and_then(|p| p.published_at);
        let released = released.map_or(i64::MIN, |t| t.timestamp_micros());
        h.field(uri.as_bytes());
        h.field(&e.version.number.to_be_bytes());
        h.field(&created.to_be_bytes());
        h.field(e.action.as_str().as_bytes());
        h.field(&released.to_be_bytes());
    }
    format!("\"{}\"", h.hex())
}

/// Whether a request with `headers` may be answered 304 Not Modified.
/// `If-None-Match` wins over `If-Modified-Since` when both are sent
/// (RFC 9110 §13.2.2); a date that cannot be parsed is ignored.
pub(super) fn not_modified(headers: &HeaderMap, v: &Validators) -> bool {
    if let Some(inm) = headers.get(IF_NONE_MATCH) {
        return inm.to_str().is_ok_and(|list| matches_any(list, &v.etag));
    }
    let since = headers
        .get(IF_MODIFIED_SINCE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| httpdate::parse_http_date(h).ok());
    match (since, v.last_modified) {
        // HTTP dates have whole seconds: a `Last-Modified` of 08:00:00.5 was
        // sent as 08:00:00, and a client echoing that has seen it.
        (Some(since), Some(modified)) => {
            modified.timestamp() <= DateTime::<Utc>::from(since).timestamp()
        }
        _ => false,
    }
}

/// Weak comparison (RFC 9110 §8.8.3.2) against a list of entity tags or `*`.
fn matches_any(list: &str, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// SHA-256 over length-prefixed fields, so ("ab", "c") ≠ ("a", "bc"); stable
/// across processes and releases (unlike std's hasher), so every instance
/// behind a load balancer gives the same feed the same ETag.
#[derive(Default)]
struct Fingerprint(Sha256);

impl Fingerprint {
    fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_be_bytes());
        self.0.update(bytes);
    }

    /// The first 128 bits in hex: plenty to tell two versions of a feed apart.
    fn hex(self) -> String {
        self.0.finalize()[..16]
            .iter()
            .fold(String::with_capacity(32), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use chrono::TimeZone;

    fn validators() -> Validators {
        Validators {
            etag: "\"abc\"".into(),
            last_modified: Utc.with_ymd_and_hms(2026, 11, 28, 8, 5, 0).single(),
        }
    }

    fn headers(pairs: &[(axum::http::HeaderName, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn if_none_match_uses_weak_comparison_over_a_list() {
        let v = validators();
        for matching in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"] {
            assert!(
                not_modified(&headers(&[(IF_NONE_MATCH, matching)]), &v),
                "{matching}"
            );
        }
        for other in ["\"abcd\"", "abc", "\"x\""] {
            assert!(
                !not_modified(&headers(&[(IF_NONE_MATCH, other)]), &v),
                "{other}"
            );
        }
    }

    #[test]
    fn if_modified_since_compares_whole_seconds() {
        let v = Validators {
            last_modified: validators()
                .last_modified
                .map(|t| t + chrono::Duration::milliseconds(500)),
            ..validators()
        };
        let at = |date| not_modified(&headers(&[(IF_MODIFIED_SINCE, date)]), &v);
        assert!(at("Sat, 28 Nov 2026 08:05:00 GMT"));
        assert!(at("Sat, 28 Nov 2026 09:00:00 GMT"));
        assert!(!at("Sat, 28 Nov 2026 08:04:59 GMT"));
        assert!(!at("yesterday"));
        // An empty feed has no date to compare.
        let empty = Validators {
            last_modified: None,
            ..validators()
        };
        assert!(!not_modified(
            &headers(&[(IF_MODIFIED_SINCE, "Sat, 28 Nov 2026 09:00:00 GMT")]),
            &empty
        ));
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let h = headers(&[
            (IF_NONE_MATCH, "\"stale\""),
            (IF_MODIFIED_SINCE, "Sat, 28 Nov 2026 09:00:00 GMT"),
        ]);
        assert!(!not_modified(&h, &validators()));
    }

    #[test]
    fn no_conditions_means_a_full_answer() {
        assert!(!not_modified(&HeaderMap::new(), &validators()));
    }
}

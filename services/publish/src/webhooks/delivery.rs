//! What one delivery is: the context every delivery task shares, the signed
//! request (Standard Webhooks headers), the body sent, and the record a
//! delivery that ran out of retries leaves in `<prefix>webhooks.dlq`.

use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use newsfeed_model::ArticleEvent;
use newsfeed_runtime::Topics;
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::outbound::{OutboundClient, Refused, refusal};
use newsfeed_runtime::secrets::Keyring;
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::FutureProducer;

use super::events::EventLog;
use super::journal::Journal;
use super::ownership::Ownership;
use super::settings::Settings;
use super::signing::Secret;
use crate::metrics::WebhookMetrics;

/// What every worker shares.
pub(crate) struct Deliveries {
    pub(crate) clients: KafkaClients,
    pub(crate) topics: Topics,
    pub(crate) settings: Settings,
    /// The outbound client: only to addresses the policy permits.
    pub(crate) http: OutboundClient,
    /// Seals new secrets and opens stored ones; `None` without a key.
    pub(crate) keyring: Option<Keyring>,
    pub(crate) journal: Arc<Journal>,
    /// The published events, shared by every delivery task.
    pub(crate) events: Arc<EventLog>,
    /// Which subscriptions this instance delivers, and their progress.
    pub(crate) ownership: Arc<Ownership>,
    pub(crate) metrics: WebhookMetrics,
    pub(crate) producer: FutureProducer,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries")
            .field("topics", &self.topics)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Why a request to a subscriber got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// The outbound policy refused the URL or every address of its host;
    /// nothing was sent.
    Refused(Refused),
    /// The request failed (connection, TLS, timeout, ...).
    Failed(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(r) => write!(f, "not contacted: the URL {r}"),
            Self::Failed(why) => f.write_str(why),
        }
    }
}

/// POSTs `body` to `url` signed as Standard Webhooks message `msg_id`,
/// if the outbound policy lets it go there.
pub(crate) async fn post_signed(
    http: &OutboundClient,
    url: &str,
    secret: &Secret,
    msg_id: &str,
    body: Bytes,
    traceparent: Option<&str>,
) -> Result<reqwest::Response, SendError> {
    let url =
        url::Url::parse(url).map_err(|_| SendError::Failed("the URL does not parse".into()))?;
    let request = http.post(&url).map_err(SendError::Refused)?;
    let timestamp = Utc::now().timestamp();
    let signature = secret.sign(msg_id, timestamp, &body);
    let request = match traceparent {
        Some(t) => request.header("traceparent", t),
        None => request,
    };
    request
        .header("content-type", "application/json")
        .header("webhook-id", msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| match refusal(&e) {
            Some(r) => SendError::Refused(r.clone()),
            None => SendError::Failed(describe(e)),
        })
}

/// A request error with its causes ("connection refused" is deep inside),
/// without the URL (its path or query may hold the subscriber's tokens).
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "no answer in time (timed out)".into();
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// The request body: the Standard Webhooks envelope around the event,
/// `{"type": "article.<action>", "timestamp", "data": <ArticleEvent>}`;
/// `action` is `published`, `updated`, `retracted` (or `withheld`, when a
/// visible story is held back). Built from the record alone, so every
/// re-send has the same body.
pub(crate) fn webhook_body(event: &ArticleEvent) -> Bytes {
    let publication = event.publication.as_ref();
    let action = publication
        .and_then(|p| p.action.as_deref())
        .unwrap_or("published");
    let timestamp = publication
        .and_then(|p| p.published_at)
        .or(event.ingested_at)
        .unwrap_or_else(Utc::now);
    // Serialized straight from the event, without a copy of it as a JSON tree.
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        r#type: String,
        timestamp: String,
        data: &'a ArticleEvent,
    }
    let envelope = Envelope {
        r#type: format!("article.{action}"),
        timestamp: newsfeed_model::event::proto_timestamp::format(&timestamp),
        data: event,
    };
    serde_json::to_vec(&envelope).map_or_else(|_| Bytes::new(), Bytes::from)
}

/// The original headers plus why, for whom and after how many attempts.
pub(crate) fn dead_letter_headers(
    record: &impl Message,
    subscription: &str,
    reason: &str,
    detail: &str,
    msg_id: &str,
    attempts: u32,
) -> OwnedHeaders {
    let mut h = OwnedHeaders::new();
    for header in record.headers().into_iter().flat_map(|h| h.iter()) {
        h = h.insert(header);
    }
    let (partition, offset) = (record.partition().to_string(), record.offset().to_string());
    let attempts = attempts.to_string();
    for (key, value) in [
        ("newsfeed-dlq-stage", "publish.webhooks"),
        ("newsfeed-dlq-reason", reason),
        ("newsfeed-dlq-detail", detail),
        ("newsfeed-dlq-topic", record.topic()),
        ("newsfeed-dlq-partition", &partition),
        ("newsfeed-dlq-offset", &offset),
        ("newsfeed-webhook-subscription", subscription),
        ("newsfeed-webhook-id", msg_id),
        ("newsfeed-webhook-attempts", &attempts),
    ] {
        h = h.insert(Header {
            key,
            value: Some(value),
        });
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsfeed_model::{Article, Publication};

    #[test]
    fn body_is_a_standard_webhooks_envelope_and_stable() {
        let event = ArticleEvent {
            article: Article {
                uri: Some("urn:x:1".into()),
                ..Article::default()
            },
            publication: Some(Publication {
                action: Some("retracted".into()),
                published_at: Some(Utc::now()),
            }),
            ..ArticleEvent::default()
        };
        let body = webhook_body(&event);
        assert_eq!(body, webhook_body(&event), "re-sends carry the same body");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["type"], "article.retracted");
        assert_eq!(v["data"]["article"]["uri"], "urn:x:1");
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

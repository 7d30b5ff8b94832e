//! The subscriptions API, for clients whose token has the `subscriptions`
//! scope (`newsfeedctl clients add NAME --scope subscriptions`); each client
//! sees and deletes only its own subscriptions — another's id answers 404:
//! - `GET /v1/subscriptions` → the caller's subscriptions.
//! - `POST /v1/subscriptions {url, topics?}` → 201 with the signing secret,
//!   once the URL answered a signed challenge; 422 naming `/url` or
//!   `/topics/<i>` otherwise. A URL the outbound policy refuses is never
//!   contacted, and a failed challenge never tells what the target answered
//!   beyond its status code. 503 when no secrets key is configured.
//! - `GET /v1/subscriptions/{id}` → the subscription without its secret,
//!   with status and delivery counts from every instance.
//! - `DELETE /v1/subscriptions/{id}` → 204; deliveries stop everywhere.
//!
//! Every answer comes from this instance's copy of the subscriptions topic,
//! so until that copy is loaded the API answers 503.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use newsfeed_runtime::auth::{Authenticator, Client, Scope};
use newsfeed_runtime::http::{FieldProblem, Problem};
use newsfeed_runtime::outbound::OutboundPolicy;
use serde_json::{Value, json};

use super::delivery::{Deliveries, SendError, post_signed};
use super::signing::{Secret, StoredSecret, random_token};
use super::subscriptions::{Registry, Status, Subscription};
use crate::store::slugify;

/// What the handlers share: the delivery context and who may call.
#[derive(Clone, Debug)]
struct Api {
    ctx: Arc<Deliveries>,
    access: Authenticator<Client>,
}

impl FromRef<Api> for Arc<Deliveries> {
    fn from_ref(api: &Api) -> Self {
        api.ctx.clone()
    }
}

/// The routes, over the shared delivery context.
pub(crate) fn router(ctx: Arc<Deliveries>, access: Authenticator<Client>) -> Router {
    Router::new()
        .route("/v1/subscriptions", post(create).get(list))
        .route("/v1/subscriptions/{id}", get(show).delete(remove))
        .with_state(Api { ctx, access })
}

/// The calling client, if its token has the `subscriptions` scope.
fn caller(api: &Api, headers: &HeaderMap) -> Result<Arc<Client>, Problem> {
    api.access
        .authorize(headers, Scope::Subscriptions)
        .map_err(|e| e.problem(crate::access::REALM))
}

/// A valid request to subscribe.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    url: String,
    topics: Vec<String>,
}

/// Longest subscriber URL accepted.
const MAX_URL_CHARS: usize = 2048;

async fn create(
    State(api): State<Api>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let client = caller(&api, &headers)?;
    let ctx = api.ctx;
    loaded(&ctx)?;
    let keyring = ctx.keyring.as_ref().ok_or_else(no_secrets_key)?;
    let request = parse_request(&body, ctx.http.policy())?;
    let id = format!("sub_{}", uuid::Uuid::new_v4().simple());
    let secret = Secret::generate().map_err(|e| internal(&e.to_string()))?;
    let subscription = Subscription {
        owner: client.name.clone(),
        url: request.url,
        topics: request.topics,
        secret: StoredSecret::Sealed(
            secret
                .seal(keyring, &id)
                .map_err(|e| internal(&e.to_string()))?,
        ),
        id,
        status: Status::Active,
        disabled_reason: None,
        disabled_at: None,
        created_at: Utc::now(),
        start_at: BTreeMap::new(),
    };
    verify_url(&ctx, &subscription.url, &secret)
        .await
        .map_err(|why| {
            field_problem("unverified-url", "Subscriber URL not verified", "/url", why)
        })?;
    // It gets exactly the stories published after it registered: from the
    // topic's end now (an open transaction's stories still come after it).
    let mut subscription = subscription;
    subscription.start_at = ctx
        .events
        .ends()
        .await
        .map_err(|e| kafka_unavailable(&format!("{e:#}")))?;
    ctx.journal
        .put(&subscription)
        .await
        .map_err(|e| kafka_unavailable(&format!("{e:#}")))?;
    tracing::info!(subscription = %subscription.id, client = %client.name, origin = %subscription.origin(), "webhook subscription created");
    let body = json!({
        "id": subscription.id,
        "url": subscription.url,
        "topics": subscription.topics,
        "secret": secret.as_str(),
        "status": subscription.status,
        "createdAt": subscription.created_at,
    });
    let location = format!("/v1/subscriptions/{}", subscription.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

async fn list(State(api): State<Api>, headers: HeaderMap) -> Result<Response, Problem> {
    let client = caller(&api, &headers)?;
    let ctx = api.ctx;
    loaded(&ctx)?;
    let registry = ctx.journal.read();
    let mine: Vec<Value> = registry
        .all()
        .filter(|s| s.owner == client.name)
        .map(|s| describe(&ctx, &registry, s))
        .collect();
    Ok(Json(json!({ "subscriptions": mine })).into_response())
}

async fn show(
    State(api): State<Api>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let client = caller(&api, &headers)?;
    let ctx = api.ctx;
    loaded(&ctx)?;
    let registry = ctx.journal.read();
    let s = registry
        .get(&id)
        .filter(|s| s.owner == client.name)
        .ok_or_else(|| unknown(&id))?;
    Ok(Json(describe(&ctx, &registry, s)).into_response())
}

/// A subscription as its owner sees it: without its secret, with status
/// and delivery counts from every instance.
fn describe(ctx: &Deliveries, registry: &Registry, s: &Subscription) -> Value {
    let stats = registry.stats(&s.id);
    // Said here too, so a subscriber whose deliveries stopped can learn why.
    let blocked = Secret::open(ctx.keyring.as_ref(), &s.secret, &s.id)
        .err()
        .map(|why| format!("this publish instance cannot sign deliveries: the secret {why}"));
    json!({
        "id": s.id,
        "url": s.shown_url(),
        "topics": s.topics,
        "status": s.status,
        "disabledReason": s.disabled_reason,
        "disabledAt": s.disabled_at,
        "createdAt": s.created_at,
        "lastDeliveryAt": stats.last_delivery_at,
        "lastError": stats.last_error,
        "lastErrorAt": stats.last_error_at,
        "counts": {
            "delivered": stats.delivered,
            "retried": stats.retried,
            "deadLettered": stats.dead_lettered,
        },
        "deliveriesBlocked": blocked,
    })
}

async fn remove(
    State(api): State<Api>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let client = caller(&api, &headers)?;
    let ctx = api.ctx;
    loaded(&ctx)?;
    let owned = ctx
        .journal
        .read()
        .get(&id)
        .is_some_and(|s| s.owner == client.name);
    if !owned {
        return Err(unknown(&id));
    }
    ctx.journal
        .remove(&id)
        .await
        .map_err(|e| kafka_unavailable(&format!("{e:#}")))?;
    tracing::info!(subscription = %id, client = %client.name, "webhook subscription deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The subscriber proves it controls the URL: it must answer a signed
/// challenge with 2xx and the challenge value in its body.
///
/// What comes back never reaches the caller beyond the status code: not
/// the body, not why a connection failed. Otherwise registration would be a
/// scanner that reports what answers where.
async fn verify_url(ctx: &Deliveries, url: &str, secret: &Secret) -> Result<(), String> {
    let unanswered = |seen: Option<StatusCode>| {
        let answered = seen.map_or(String::new(), |s| format!(" (it answered HTTP {s})"));
        format!(
            "the URL did not answer the challenge with a 2xx echoing it{answered}; \
             answer e.g. {{\"challenge\": \"<value>\"}}"
        )
    };
    let challenge = random_token(24).map_err(|e| e.to_string())?;
    let msg_id = format!(
        "msg_challenge_{}",
        random_token(12).map_err(|e| e.to_string())?
    );
    let body = json!({"type": "webhook.challenge", "challenge": challenge});
    let sent = post_signed(
        &ctx.http,
        url,
        secret,
        &msg_id,
        body.to_string().into_bytes().into(),
        None,
    )
    .await;
    let mut answer = match sent {
        Ok(answer) => answer,
        Err(SendError::Refused(r)) => return Err(r.to_string()),
        Err(SendError::Failed(why)) => {
            tracing::debug!(error = %why, "webhook challenge failed");
            return Err(unanswered(None));
        }
    };
    let status = answer.status();
    if !status.is_success() {
        return Err(unanswered(Some(status)));
    }
    // Read at most 64 KiB: the challenge is short, the subscriber may not be.
    let mut seen = Vec::new();
    while seen.len() < 64 * 1024 {
        match answer.chunk().await {
            Ok(Some(chunk)) => seen.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(_) => return Err(unanswered(Some(status))),
        }
    }
    if String::from_utf8_lossy(&seen).contains(&challenge) {
        Ok(())
    } else {
        Err(unanswered(Some(status)))
    }
}

/// Reads `{url, topics?}`, naming each wrong field by JSON pointer; the
/// URL must be one `policy` may contact.
fn parse_request(body: &[u8], policy: &OutboundPolicy) -> Result<Request, Problem> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON",
            e.to_string(),
        )
    })?;
    let Value::Object(fields) = value else {
        return Err(invalid(vec![field(
            "",
            "a subscription is a JSON object {url, topics}",
        )]));
    };
    let mut errors = Vec::new();
    for name in fields
        .keys()
        .filter(|k| !["url", "topics"].contains(&k.as_str()))
    {
        errors.push(field(
            &format!("/{name}"),
            "unknown property (expected url, topics)",
        ));
    }
    let url = match fields.get("url") {
        Some(Value::String(u)) => check_url(u, policy)
            .map_err(|why| errors.push(field("/url", &why)))
            .ok(),
        Some(_) => {
            errors.push(field("/url", "must be a string"));
            None
        }
        None => {
            errors.push(field("/url", "is required"));
            None
        }
    };
    let mut topics = Vec::new();
    match fields.get("topics") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(t) if !t.is_empty() && slugify(t) == t => topics.push(t.to_owned()),
                    _ => errors.push(field(
                        &format!("/topics/{i}"),
                        "must be a topic slug such as `protests-in-kazakhstan`",
                    )),
                }
            }
        }
        Some(_) => errors.push(field("/topics", "must be an array of topic slugs")),
    }
    match url {
        Some(url) if errors.is_empty() => {
            topics.sort();
            topics.dedup();
            Ok(Request { url, topics })
        }
        _ => Err(invalid(errors)),
    }
}

/// The URL, normalised, if `policy` may contact it as far as can be told
/// before resolving its host (the name is checked when it is resolved).
/// Messages never repeat the URL: it may hold a password.
fn check_url(raw: &str, policy: &OutboundPolicy) -> Result<String, String> {
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(format!("is longer than {MAX_URL_CHARS} characters"));
    }
    let url = url::Url::parse(raw).map_err(|e| format!("is not an absolute URL: {e}"))?;
    policy.check_url(&url).map_err(|r| r.to_string())?;
    Ok(url.to_string())
}

fn field(pointer: &str, detail: &str) -> FieldProblem {
    FieldProblem {
        pointer: pointer.to_owned(),
        detail: detail.to_owned(),
    }
}

fn invalid(errors: Vec<FieldProblem>) -> Problem {
    let first = errors
        .first()
        .map(|f| {
            format!(
                "{}: {}",
                if f.pointer.is_empty() {
                    "document"
                } else {
                    &f.pointer
                },
                f.detail
            )
        })
        .unwrap_or_default();
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-subscription",
        "Invalid subscription",
        first,
    );
    p.errors = errors;
    p
}

fn field_problem(
    slug: &'static str,
    title: &'static str,
    pointer: &str,
    detail: String,
) -> Problem {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        slug,
        title,
        format!("{pointer}: {detail}"),
    );
    p.errors = vec![field(pointer, &detail)];
    p
}

fn loaded(ctx: &Deliveries) -> Result<(), Problem> {
    if ctx.journal.is_caught_up() {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "starting",
        "Starting",
        "webhook subscriptions are still loading from Kafka; retry shortly",
    ))
}

fn no_secrets_key() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "secrets-key-missing",
        "Webhook secrets cannot be stored",
        "NEWSFEED_SECRETS_KEY_FILE is not set on publish, so it cannot seal webhook signing \
         secrets; an operator must set it (a file from `openssl rand -base64 32`)",
    )
}

fn unknown(id: &str) -> Problem {
    Problem::not_found(format!("no webhook subscription has id {id}"))
}

fn kafka_unavailable(why: &str) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "kafka-unavailable",
        "Kafka unavailable",
        format!("{why}; nothing was changed, retry later"),
    )
}

fn internal(why: &str) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        why.to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public_only() -> OutboundPolicy {
        OutboundPolicy::new(Vec::new())
    }

    fn parse(body: &[u8]) -> Result<Request, Problem> {
        parse_request(body, &public_only())
    }

    fn pointers(body: &str) -> Vec<String> {
        let p = parse(body.as_bytes()).unwrap_err();
        assert_eq!(p.status, 422, "{p:?}");
        p.errors.into_iter().map(|e| e.pointer).collect()
    }

    #[test]
    fn accepts_http_urls_and_topic_slugs() {
        let r = parse(br#"{"url": "https://hooks.example/in?x=1", "topics": ["russia", "kazakhstan", "russia"]}"#).unwrap();
        assert_eq!(r.url, "https://hooks.example/in?x=1");
        assert_eq!(r.topics, ["kazakhstan", "russia"]);
        let local = OutboundPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        let r = parse_request(br#"{"url": "http://127.0.0.1:9999/hook"}"#, &local).unwrap();
        assert!(r.topics.is_empty());
    }

    #[test]
    fn names_each_wrong_field() {
        assert_eq!(pointers(r#"{"url": "ftp://x.example/"}"#), ["/url"]);
        assert_eq!(pointers(r#"{"url": "/relative"}"#), ["/url"]);
        assert_eq!(pointers(r#"{"url": 7}"#), ["/url"]);
        assert_eq!(pointers(r#"{}"#), ["/url"]);
        assert_eq!(
            pointers(
                r#"{"url": "https://x.example", "topics": ["ok", "Not A Slug"], "secret": "s"}"#
            ),
            ["/secret", "/topics/1"]
        );
        assert_eq!(pointers("[1]"), [""]);
        assert_eq!(parse(b"{").unwrap_err().status, 400);
    }

    #[test]
    fn refuses_non_public_and_userinfo_urls_without_repeating_them() {
        for url in [
            "http://127.0.0.1:9999/hook",
            "http://127.1/",
            "http://2130706433/",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://user:hunter2@hooks.example/",
        ] {
            let body = json!({ "url": url }).to_string();
            let p = parse(body.as_bytes()).unwrap_err();
            assert_eq!(p.status, 422, "{url}");
            assert_eq!(p.errors[0].pointer, "/url", "{url}");
            assert!(!p.detail.contains("hunter2"), "{}", p.detail);
        }
        let long = format!("https://hooks.example/{}", "a".repeat(MAX_URL_CHARS));
        assert_eq!(pointers(&json!({ "url": long }).to_string()), ["/url"]);
    }
}

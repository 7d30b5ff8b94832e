//! `POST /v1/articles`: one ninjs document (`application/json`) or a batch
//! (`application/x-ndjson`, one document per line), from a registered
//! source. A batch is all or nothing: one bad line refuses the whole batch,
//! naming the line.
//!
//! The order of checks is the order of cost: media type, then the bearer
//! token (401), the source's rate (429), the body within its size and time
//! (413, 408), JSON (400, duplicate keys too), ninjs (422), the source's
//! uri prefixes (403), the broker's message size (413), and only then Kafka
//! (202 once it acknowledged; 503 when it does not in time). Every error is
//! RFC 9457 `application/problem+json` and shows at most a short prefix of
//! any value it names.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use newsfeed_model::parse_article;
use newsfeed_model::validate::ValidArticle;
use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::auth::{Authenticator, Source};
use newsfeed_runtime::cloudevents::TraceParent;
use newsfeed_runtime::http::{FieldProblem, Problem, read_body};
use newsfeed_runtime::spans::Hop;
use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;
use serde::Serialize;
use tracing::Instrument;

use crate::config::Limits;
use crate::metrics::IngestMetrics;
use crate::sources::{Limited, RateLimits};
use crate::writer::{Unavailable, Writer, prepare};

pub use crate::writer::SOURCE_HEADER;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Set once Kafka is reachable.
    pub writer: Arc<tokio::sync::OnceCell<Writer>>,
    /// The registered sources.
    pub sources: Authenticator<Source>,
    /// Per-source rate limiters.
    pub rates: Arc<RateLimits>,
    /// The service's stage metrics.
    pub metrics: Arc<StageMetrics>,
    /// Ingest's own metrics.
    pub ingest: Arc<IngestMetrics>,
    /// Request limits.
    pub limits: Limits,
}

/// The API routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/articles", post(post_articles))
        .with_state(state)
}

/// One accepted story.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// The story's uri.
    pub uri: String,
    /// Its version, as sent.
    pub version: Option<String>,
}

/// A refused request: which metric reason and which problem to answer.
struct Rejected(&'static str, Box<Problem>);

fn reject(reason: &'static str, problem: Problem) -> Rejected {
    Rejected(reason, Box::new(problem))
}

async fn post_articles(State(s): State<AppState>, headers_in: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let parent = headers_in
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(TraceParent::parse);
    let trace = parent
        .as_ref()
        .map_or_else(TraceParent::new_root, TraceParent::child);
    // Every line logged about this request names its trace (and its story, once parsed).
    let span = newsfeed_runtime::telemetry::story_span("ingest", &trace);
    let mut hop = Hop::start(
        "POST /v1/articles",
        SpanKind::Server,
        parent.as_ref(),
        &trace,
        vec![
            KeyValue::new("http.request.method", "POST"),
            KeyValue::new("http.route", "/v1/articles"),
        ],
    );
    async move {
        let res = accept(&s, &headers_in, body, &trace).await;
        s.metrics.observe("request", started.elapsed());
        let response = match res {
            Ok(r) => r,
            Err(Rejected(reason, problem)) => {
                hop.fail(format!("rejected: {reason}"));
                s.metrics.rejected(reason, &problem.detail);
                (*problem).into_response()
            }
        };
        hop.set(
            "http.response.status_code",
            i64::from(response.status().as_u16()),
        );
        response
    }
    .instrument(span)
    .await
}

async fn accept(
    s: &AppState,
    headers_in: &HeaderMap,
    body: Body,
    trace: &TraceParent,
) -> Result<Response, Rejected> {
    let batch = content_kind(headers_in)?;
    let source = s.sources.authenticate(headers_in).map_err(|e| {
        s.ingest.auth_failed(e.reason());
        reject("unauthorized", e.problem("newsfeed-ingest"))
    })?;
    take_rate(s, &source, 1)?;
    let bytes = read_body(body, s.limits.max_body_bytes, s.limits.body_timeout)
        .await
        .map_err(|e| reject(e.reason(), e.problem("NEWSFEED_INGEST_MAX_BODY_BYTES")))?;
    let stories = if batch {
        parse_batch(&bytes, s.limits.max_batch)?
    } else {
        vec![parse_one(&bytes, None)?]
    };
    drop(bytes);
    check_prefixes(&source, &stories, batch)?;
    if stories.len() > 1 {
        let n = u32::try_from(stories.len()).unwrap_or(u32::MAX);
        if n > source.rate_per_minute {
            return Err(over_rate(
                s,
                &source,
                Limited::NeverFits(source.rate_per_minute),
            ));
        }
        take_rate(s, &source, n - 1)?;
    }
    let writer = s
        .writer
        .get()
        .ok_or_else(|| unavailable("ingest is not connected to Kafka yet"))?;

    let now = Utc::now();
    let mut accepted = Vec::with_capacity(stories.len());
    let mut records = Vec::with_capacity(stories.len());
    for (i, story) in stories.into_iter().enumerate() {
        accepted.push(Accepted {
            uri: story.uri.to_string(),
            version: story.article.version.clone(),
        });
        let record =
            prepare(story, &source.name, now, trace).map_err(|e| internal(&e.to_string()))?;
        if record.framed_size() > s.limits.max_message_bytes {
            return Err(too_big_for_kafka(
                s.limits.max_message_bytes,
                batch.then_some(i + 1),
            ));
        }
        records.push(record);
    }
    s.metrics.received(records.len() as u64);
    let written = if batch {
        writer.write_batch(records).await
    } else {
        writer.write_one(records.remove(0)).await
    };
    written.map_err(|e| match e {
        Unavailable::TooLarge => too_big_for_kafka(s.limits.max_message_bytes, None),
        Unavailable::Kafka(why) => unavailable(&why),
    })?;
    for _ in &accepted {
        s.metrics.emitted(Some(now));
    }
    s.ingest.accepted(&source.name, accepted.len() as u64);
    tracing::info!(source = %source.name, stories = accepted.len(), uri = %accepted[0].uri, "accepted");
    let body = if batch {
        serde_json::json!({ "accepted": accepted })
    } else {
        serde_json::json!(accepted[0])
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// True for a batch; refuses other media types and charsets.
fn content_kind(h: &HeaderMap) -> Result<bool, Rejected> {
    let value = h
        .get(header::CONTENT_TYPE)
        .map(|v| {
            v.to_str()
                .map_err(|_| unsupported(Some("a non-ASCII value")))
        })
        .transpose()?;
    let Some(value) = value else {
        return Err(unsupported(None));
    };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    for param in parts {
        let (name, v) = param.split_once('=').unwrap_or((param, ""));
        let v = v.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !v.eq_ignore_ascii_case("utf-8") {
            return Err(reject(
                "unsupported_media_type",
                Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-charset",
                    "Unsupported charset",
                    format!("send UTF-8 (charset=utf-8 or no charset), not `{v}`"),
                ),
            ));
        }
    }
    match media.as_str() {
        "application/json" | "application/ninjs+json" => Ok(false),
        "application/x-ndjson" | "application/jsonl" => Ok(true),
        other => Err(unsupported(Some(other))),
    }
}

fn take_rate(s: &AppState, source: &Source, n: u32) -> Result<(), Rejected> {
    s.rates
        .take(source, n)
        .map_err(|limited| over_rate(s, source, limited))
}

fn over_rate(s: &AppState, source: &Source, limited: Limited) -> Rejected {
    s.ingest.rate_limited(&source.name);
    {
        match limited {
            Limited::RetryAfter(wait) => reject(
                "rate_limited",
                Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many stories",
                    format!(
                        "source `{}` may write {} stories a minute; retry after the Retry-After seconds",
                        source.name, source.rate_per_minute
                    ),
                )
                .retry_after(wait.as_secs_f64().ceil() as u64),
            ),
            Limited::NeverFits(rate) => reject(
                "too_large",
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "batch-over-rate",
                    "Batch larger than the source's rate",
                    format!(
                        "source `{}` may write {rate} stories a minute, so a batch may hold at most {rate}; split it",
                        source.name
                    ),
                ),
            ),
        }
    }
}

fn check_prefixes(source: &Source, stories: &[ValidArticle], batch: bool) -> Result<(), Rejected> {
    let Some((i, story)) = stories
        .iter()
        .enumerate()
        .find(|(_, s)| !source.may_write(s.uri.as_str()))
    else {
        return Ok(());
    };
    let line = batch.then_some(i + 1);
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    let detail = format!(
        "source `{}` may only write stories whose uri starts with one of its prefixes",
        source.name
    );
    let mut p = Problem::new(
        StatusCode::FORBIDDEN,
        "uri-not-allowed",
        "Story outside the source's uri prefixes",
        format!("{at}/uri: {detail}"),
    );
    p.errors = vec![FieldProblem {
        pointer: "/uri".into(),
        detail: format!(
            "`{}` is outside the source's prefixes",
            newsfeed_model::echo::clip(story.uri.as_str())
        ),
    }];
    p.line = line.and_then(|l| u32::try_from(l).ok());
    Err(reject("forbidden", p))
}

fn parse_batch(bytes: &[u8], max: usize) -> Result<Vec<ValidArticle>, Rejected> {
    let mut out = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if out.len() == max {
            return Err(reject(
                "too_large",
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "batch-too-large",
                    "Batch too large",
                    format!("a batch holds at most {max} stories (NEWSFEED_INGEST_MAX_BATCH)"),
                ),
            ));
        }
        out.push(parse_one(line, Some(i + 1))?);
    }
    if out.is_empty() {
        return Err(reject(
            "malformed",
            Problem::new(
                StatusCode::BAD_REQUEST,
                "empty-batch",
                "Empty batch",
                "the batch has no stories",
            ),
        ));
    }
    Ok(out)
}

fn parse_one(bytes: &[u8], line: Option<usize>) -> Result<ValidArticle, Rejected> {
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    let value = newsfeed_model::json::from_slice_strict(bytes).map_err(|e| {
        let (slug, title) = match e.pointer {
            Some(_) => ("duplicate-key", "Duplicate key"),
            None => ("malformed-json", "Malformed JSON"),
        };
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            slug,
            title,
            format!("{at}{}", e.message),
        );
        if let Some(pointer) = e.pointer {
            p.errors = vec![FieldProblem {
                pointer,
                detail: e.message,
            }];
        }
        p.line = line.and_then(|l| u32::try_from(l).ok());
        reject("malformed", p)
    })?;
    if let Some(uri) = value.get("uri").and_then(serde_json::Value::as_str) {
        tracing::Span::current().record("uri", newsfeed_model::echo::clip_uri(uri).as_str());
    }
    parse_article(value).map_err(|violations| {
        let first = violations
            .first()
            .map(|v| format!("{}: {}", display_pointer(&v.pointer), v.message))
            .unwrap_or_default();
        let mut p = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-article",
            "Invalid ninjs article",
            format!("{at}{first}"),
        );
        p.errors = violations
            .into_iter()
            .map(|v| FieldProblem {
                pointer: v.pointer,
                detail: v.message,
            })
            .collect();
        p.line = line.and_then(|l| u32::try_from(l).ok());
        reject("invalid", p)
    })
}

fn display_pointer(p: &str) -> &str {
    if p.is_empty() { "document" } else { p }
}

fn unsupported(got: Option<&str>) -> Rejected {
    let detail = format!(
        "send application/json (one story) or application/x-ndjson (a batch), not {}",
        got.map(|g| format!("`{g}`"))
            .unwrap_or_else(|| "a request without Content-Type".into())
    );
    reject(
        "unsupported_media_type",
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        )
        .with_header(
            header::ACCEPT,
            HeaderValue::from_static("application/json, application/x-ndjson"),
        ),
    )
}

fn too_big_for_kafka(max: usize, line: Option<usize>) -> Rejected {
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    let mut p = Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "story-too-large",
        "Story too large for Kafka",
        format!(
            "{at}the story's event exceeds the {max}-byte Kafka message limit (NEWSFEED_KAFKA_MAX_MESSAGE_BYTES); shorten it or move media to renditions"
        ),
    );
    p.line = line.and_then(|l| u32::try_from(l).ok());
    reject("too_large", p)
}

fn unavailable(why: &str) -> Rejected {
    reject(
        "kafka_unavailable",
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "kafka-unavailable",
            "Kafka unavailable",
            format!("{why}; nothing was written, retry later"),
        )
        .retry_after(2),
    )
}

fn internal(why: &str) -> Rejected {
    reject(
        "internal",
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            why.to_owned(),
        ),
    )
}

//! `POST /v1/articles`: one ninjs document (`application/json`) or a batch
//! (`application/x-ndjson`, one document per line). A batch is all or
//! nothing: one bad line rejects the whole batch, naming the line.
//!
//! Answers: 202 `{uri, version}` (a batch: `{accepted: [...]}`) once Kafka
//! acknowledged; 400 malformed JSON; 413 too large; 415 wrong media type;
//! 422 invalid ninjs, each field named by JSON pointer; 503 Kafka not
//! acknowledging in time. Errors are RFC 9457 `application/problem+json`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use newsfeed_model::validate::ValidArticle;
use newsfeed_model::{ArticleEvent, EventType, parse_article};
use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::cloudevents::{TraceParent, headers};
use newsfeed_runtime::http::{FieldProblem, Problem};
use serde::Serialize;

use crate::config::Limits;
use crate::writer::{Prepared, Writer};

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Set once Kafka is reachable.
    pub writer: Arc<tokio::sync::OnceCell<Writer>>,
    /// The service's metrics.
    pub metrics: Arc<StageMetrics>,
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

/// A rejected request: which metric reason and which problem to answer.
struct Rejected(&'static str, Box<Problem>);

fn reject(reason: &'static str, problem: Problem) -> Rejected {
    Rejected(reason, Box::new(problem))
}

async fn post_articles(State(s): State<AppState>, headers_in: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let res = accept(&s, &headers_in, body).await;
    s.metrics.observe("request", started.elapsed());
    match res {
        Ok(r) => r,
        Err(Rejected(reason, problem)) => {
            s.metrics.rejected(reason, &problem.detail);
            (*problem).into_response()
        }
    }
}

async fn accept(s: &AppState, headers_in: &HeaderMap, body: Body) -> Result<Response, Rejected> {
    let batch = match media_type(headers_in).as_deref() {
        Some("application/json") | Some("application/ninjs+json") => false,
        Some("application/x-ndjson") | Some("application/jsonl") => true,
        other => return Err(unsupported(other)),
    };
    let bytes = to_bytes(body, s.limits.max_body_bytes)
        .await
        .map_err(|_| too_large(s.limits.max_body_bytes))?;
    let stories = if batch {
        parse_batch(&bytes, s.limits.max_batch)?
    } else {
        vec![parse_one(&bytes, None)?]
    };
    let writer = s
        .writer
        .get()
        .ok_or_else(|| unavailable("ingest is not connected to Kafka yet"))?;

    let trace =
        TraceParent::continue_from(headers_in.get("traceparent").and_then(|v| v.to_str().ok()));
    let now = Utc::now();
    let mut accepted = Vec::with_capacity(stories.len());
    let mut records = Vec::with_capacity(stories.len());
    for ValidArticle { uri, article } in stories {
        accepted.push(Accepted {
            uri: uri.to_string(),
            version: article.version.clone(),
        });
        let event = ArticleEvent {
            article,
            ingested_at: Some(now),
            ..ArticleEvent::default()
        };
        let payload = serde_json::to_vec(&event).map_err(|e| internal(&e.to_string()))?;
        let headers = headers(&event, EventType::Ingested, "ingest", now, &trace);
        records.push(Prepared {
            key: uri.to_string(),
            payload,
            headers,
        });
    }
    s.metrics.received(records.len() as u64);
    let written = if batch {
        writer.write_batch(records).await
    } else {
        writer.write_one(records.remove(0)).await
    };
    written.map_err(|e| unavailable(&e.to_string()))?;
    for _ in &accepted {
        s.metrics.emitted(Some(now));
    }
    tracing::debug!(stories = accepted.len(), trace_id = %trace.trace_id(), "accepted");
    let body = if batch {
        serde_json::json!({ "accepted": accepted })
    } else {
        serde_json::json!(accepted[0])
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

fn media_type(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
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
                    format!("a batch holds at most {max} stories"),
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
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let mut p = Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON",
            format!("{at}{e}"),
        );
        p.line = line;
        reject("malformed", p)
    })?;
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
        p.line = line;
        reject("invalid", p)
    })
}

fn display_pointer(p: &str) -> &str {
    if p.is_empty() { "document" } else { p }
}

fn unsupported(got: Option<&str>) -> Rejected {
    let detail = format!(
        "send application/json (one story) or application/x-ndjson (a batch), not {}",
        got.unwrap_or("a request without Content-Type")
    );
    reject(
        "unsupported_media_type",
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        ),
    )
}

fn too_large(max: usize) -> Rejected {
    reject(
        "too_large",
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request too large",
            format!("the body exceeds {max} bytes (NEWSFEED_INGEST_MAX_BODY_BYTES)"),
        ),
    )
}

fn unavailable(why: &str) -> Rejected {
    reject(
        "kafka_unavailable",
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "kafka-unavailable",
            "Kafka unavailable",
            format!("{why}; nothing was written, retry later"),
        ),
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

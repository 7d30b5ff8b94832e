//! Feeds for readers' feed readers, and the topic index, served from the
//! store:
//! - `GET /v1/topics/{slug}/feed.json` — JSON Feed 1.1 ([`json_feed`]).
//! - `GET /v1/topics/{slug}/feed.rss` — RSS 2.0 ([`rss`]).
//! - `GET /v1/topics/{slug}/feed.atom` — Atom 1.0 ([`atom`]).
//! - `GET /v1/topics` — every topic with stories, and its links.
//!
//! Each feed holds the topic's newest stories (`?limit=` 1–100, default 50)
//! and answers conditional requests with 304 ([`caching`]). What a feed says
//! is built once per request ([`model`], with each story's picture chosen by
//! [`picture`]) and rendered per format; the XML formats share their
//! escaping ([`xml`]). This file owns the routes, what the
//! `newsfeed_feed_requests_total{format,outcome}` metric counts, and the
//! error answers.

mod atom;
mod caching;
mod json_feed;
mod model;
mod picture;
mod rss;
mod xml;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, HOST, LAST_MODIFIED};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use newsfeed_runtime::http::Problem;
use serde_json::json;

use self::caching::Validators;
use self::model::{Feed, Format, topic_path};
use crate::api::{limit, unavailable};
use crate::metrics::FeedMetrics;
use crate::store::{Entry, Store};

/// Stories per feed when the reader does not say.
const DEFAULT_LIMIT: usize = 50;

/// `GET /v1/topics` and `GET /v1/topics/{slug}/feed.{json,rss,atom}`.
pub fn router(store: Arc<Store>, requests: FeedMetrics) -> Router {
    let state = FeedState { store, requests };
    Router::new()
        .route("/v1/topics", get(topic_index))
        .route("/v1/topics/{slug}/feed.json", get(json_feed))
        .route("/v1/topics/{slug}/feed.rss", get(rss_feed))
        .route("/v1/topics/{slug}/feed.atom", get(atom_feed))
        .with_state(state)
}

#[derive(Clone)]
struct FeedState {
    store: Arc<Store>,
    requests: FeedMetrics,
}

/// How a feed request ended: the `outcome` label.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Ok,
    NotModified,
    NotFound,
    BadRequest,
    Unavailable,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotModified => "not_modified",
            Self::NotFound => "not_found",
            Self::BadRequest => "bad_request",
            Self::Unavailable => "unavailable",
        }
    }
}

/// The query string, of which only `limit` is read.
type Params = Query<HashMap<String, String>>;

async fn json_feed(
    State(state): State<FeedState>,
    Path(slug): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    state.serve(Format::Json, slug, params, headers).await
}

async fn rss_feed(
    State(state): State<FeedState>,
    Path(slug): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    state.serve(Format::Rss, slug, params, headers).await
}

async fn atom_feed(
    State(state): State<FeedState>,
    Path(slug): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    state.serve(Format::Atom, slug, params, headers).await
}

impl FeedState {
    /// One feed request, counted by how it ended. Reading the store and
    /// rendering run on the blocking pool.
    async fn serve(
        &self,
        format: Format,
        slug: String,
        params: HashMap<String, String>,
        headers: HeaderMap,
    ) -> Response {
        let state = self.clone();
        let answered = tokio::task::spawn_blocking(move || {
            let (outcome, response) = state.answer(format, &slug, &params, &headers);
            state
                .requests
                .request(format.label(), outcome.as_str(), &slug);
            response
        })
        .await;
        answered.unwrap_or_else(|e| {
            unavailable(&anyhow::anyhow!("a feed read stopped: {e}")).into_response()
        })
    }

    /// Finds the topic's stories, answers 304 when the reader has them
    /// already, else renders them.
    fn answer(
        &self,
        format: Format,
        slug: &str,
        params: &HashMap<String, String>,
        headers: &HeaderMap,
    ) -> (Outcome, Response) {
        let limit = match limit(params, DEFAULT_LIMIT) {
            Ok(limit) => limit,
            Err(problem) => return (Outcome::BadRequest, problem.into_response()),
        };
        let base = origin(headers);
        let read = self
            .store
            .topic(slug, limit)
            .and_then(|entries| Ok((self.store.topic_name(slug)?, entries)));
        let (name, entries) = match read {
            Ok(read) => read,
            Err(e) => return (Outcome::Unavailable, unavailable(&e).into_response()),
        };
        let entries: Vec<&Entry> = entries.iter().collect();
        // A topic whose stories were all retracted keeps its (empty) feed
        // while the store remembers its name; one never seen is unknown.
        let name = match name.as_deref() {
            Some(name) => name,
            None if entries.is_empty() => {
                let problem = Problem::not_found(format!("no topic has slug {slug}"));
                return (Outcome::NotFound, problem.into_response());
            }
            None => slug,
        };
        let feed = Feed::new(&base, slug, name, &entries);
        let validators = Validators {
            etag: caching::etag(format, &base, slug, name, &entries),
            last_modified: feed.updated(),
        };
        if caching::not_modified(headers, &validators) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            set_validators(&mut response, &validators);
            return (Outcome::NotModified, response);
        }
        let body = match format {
            Format::Json => json_feed::render(&feed),
            Format::Rss => rss::render(&feed).into_bytes(),
            Format::Atom => atom::render(&feed).into_bytes(),
        };
        let mut response = ([(CONTENT_TYPE, format.content_type())], body).into_response();
        set_validators(&mut response, &validators);
        (Outcome::Ok, response)
    }
}

fn set_validators(response: &mut Response, v: &Validators) {
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&v.etag) {
        headers.insert(ETAG, etag);
    }
    if let Some(date) = v.last_modified.map(model::http_date)
        && let Ok(date) = HeaderValue::from_str(&date)
    {
        headers.insert(LAST_MODIFIED, date);
    }
    // Without it a cache may guess a freshness lifetime from Last-Modified
    // (RFC 9111 §4.2.2) and serve an old feed; revalidating is one cheap 304.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// `scheme://host[:port]` as the reader addressed us, so feed links work
/// wherever the service is reached; empty (links relative to the server)
/// when the `Host` header is missing or not a plain host name.
fn origin(headers: &HeaderMap) -> String {
    let Some(host) = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_authority(h))
    else {
        return String::new();
    };
    // A TLS-terminating proxy says which scheme the reader used.
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .map(|p| p.split(',').next().unwrap_or_default().trim())
    {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// A host name, IPv4 or bracketed IPv6 address, with an optional port.
fn is_authority(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

/// `GET /v1/topics`: every topic with visible stories, by slug.
async fn topic_index(State(state): State<FeedState>) -> Response {
    let topics = match state
        .store
        .off_runtime(|s| s.topics())
        .await
        .and_then(|r| r)
    {
        Ok(topics) => topics,
        Err(e) => return unavailable(&e).into_response(),
    };
    let topics: Vec<_> = topics
        .into_iter()
        .map(|t| {
            let path = topic_path(&t.slug);
            json!({
                "slug": t.slug,
                "name": t.name,
                "count": t.count,
                "links": {
                    "articles": format!("{path}/articles"),
                    "json": format!("{path}/{}", Format::Json.file()),
                    "rss": format!("{path}/{}", Format::Rss.file()),
                    "atom": format!("{path}/{}", Format::Atom.file()),
                },
            })
        })
        .collect();
    Json(json!({ "topics": topics })).into_response()
}

#[cfg(test)]
mod tests;

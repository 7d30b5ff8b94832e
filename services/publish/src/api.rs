//! Downstream reads:
//! - `GET /v1/articles/{uri}` (uri percent-encoded): the current ninjs
//!   document; 410 once retracted, 404 when unknown or withheld.
//! - `GET /v1/topics/{slug}/articles?limit=N`: visible stories tagged with
//!   the topic, newest first (N from 1 to 100, default 20).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use newsfeed_runtime::http::Problem;

use crate::lifecycle::Action;
use crate::store::Store;

/// The read API over `store`.
pub fn router(store: Arc<Store>) -> Router {
    Router::new()
        .route("/v1/articles/{uri}", get(get_article))
        .route("/v1/topics/{slug}/articles", get(topic_articles))
        .with_state(store)
}

async fn get_article(State(store): State<Arc<Store>>, Path(uri): Path<String>) -> Response {
    let key = uri.clone();
    let entry = match store
        .off_runtime(move |s| s.get(&key))
        .await
        .and_then(|r| r)
    {
        Ok(entry) => entry,
        Err(e) => return unavailable(&e).into_response(),
    };
    match entry {
        Some(e) if e.action.is_visible() => Json(&e.event.article).into_response(),
        Some(e) if e.action == Action::Retracted => Problem::new(
            StatusCode::GONE,
            "retracted",
            "Story retracted",
            format!("{uri} was retracted by the newsroom"),
        )
        .into_response(),
        _ => Problem::not_found(format!("no published story has uri {uri}")).into_response(),
    }
}

async fn topic_articles(
    State(store): State<Arc<Store>>,
    Path(slug): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = match limit(&query, 20) {
        Ok(n) => n,
        Err(problem) => return problem.into_response(),
    };
    let key = slug.clone();
    let read = store.off_runtime(move |s| s.topic(&key, limit)).await;
    let entries = match read.and_then(|r| r) {
        Ok(entries) => entries,
        Err(e) => return unavailable(&e).into_response(),
    };
    let articles: Vec<_> = entries.iter().map(|e| &e.event.article).collect();
    Json(serde_json::json!({ "topic": slug, "articles": articles })).into_response()
}

/// Most stories one list or feed answer holds.
pub(crate) const MAX_LIMIT: usize = 100;

/// `?limit=N`: `default` when absent, else a whole number from 1 to [`MAX_LIMIT`].
pub(crate) fn limit(query: &HashMap<String, String>, default: usize) -> Result<usize, Problem> {
    match query.get("limit").map(|l| l.parse::<usize>()) {
        None => Ok(default),
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-parameter",
            "Invalid query parameter",
            format!("limit: must be a whole number from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// The store could not be read (`error` is logged, not shown).
pub(crate) fn unavailable(error: &anyhow::Error) -> Problem {
    tracing::error!(error = format!("{error:#}"), "reading the story store");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Unavailable",
        "store unavailable; retry",
    )
}

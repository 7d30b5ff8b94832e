//! Feeds for readers' feed readers (JSON Feed 1.1, RSS 2.0, Atom 1.0) and
//! the topic index, served from the store.

use std::sync::{Arc, RwLock};

use axum::Router;
use newsfeed_runtime::StageMetrics;

use crate::store::Store;

/// `GET /v1/topics` and `GET /v1/topics/{slug}/feed.{json,rss,atom}`.
pub fn router(_store: Arc<RwLock<Store>>, _metrics: Arc<StageMetrics>) -> Router {
    Router::new()
}

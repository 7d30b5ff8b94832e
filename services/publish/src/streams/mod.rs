//! Live subscriptions: Server-Sent Events (`GET /v1/stream`) and WebSocket
//! (`GET /v1/ws`), both resumable from any event's `id`.
//! - [`position`] — resumable positions in the published topic.
//! - [`hub`] — the instance-wide tail of the published topic and catch-up.
//! - [`sse`] — the Server-Sent Events endpoint.
//! - [`ws`] — the WebSocket endpoint.

pub mod hub;
pub mod position;
pub mod sse;
pub mod ws;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use newsfeed_runtime::http::Problem;

use crate::metrics::StreamMetrics;
pub use hub::Hub;
use position::Position;

/// How long a client arriving while the stream tail starts (publish just
/// restarted) waits for it before a 503.
const STARTING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What the stream endpoints share.
#[derive(Debug, Clone)]
pub struct Streams {
    hub: Hub,
    /// How often an idle SSE stream gets a heartbeat comment.
    heartbeat: std::time::Duration,
    metrics: StreamMetrics,
}

impl Streams {
    /// Stream endpoints over `hub`, counting clients and events in `metrics`.
    pub fn new(hub: Hub, heartbeat: std::time::Duration, metrics: StreamMetrics) -> Self {
        Self {
            hub,
            heartbeat,
            metrics,
        }
    }

    /// `GET /v1/stream` and `GET /v1/ws`.
    pub fn router(self) -> Router {
        Router::new()
            .route("/v1/stream", get(sse::stream))
            .route("/v1/ws", get(ws::upgrade))
            .with_state(Arc::new(self))
    }

    /// Whether the tail runs, waiting up to [`STARTING_WAIT`] for it.
    async fn started(&self) -> bool {
        self.hub.started(STARTING_WAIT).await
    }

    /// Where to start: a position (an event id) or an RFC 3339 time; `None`
    /// is "from now". `param` names where `since` came from (`since` or
    /// `Last-Event-ID`) in a 400.
    async fn start_at(
        &self,
        since: Option<&str>,
        param: &str,
    ) -> Result<Option<Position>, Problem> {
        let Some(since) = since.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let invalid = |detail: String| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-parameter",
                "Invalid parameter",
                format!("{param}: {detail}"),
            )
        };
        if let Some(p) = Position::parse(since) {
            // The handlers ask only once the tail runs (`started`), so the
            // partitions are known; were they not, the tail would decide.
            let known = self.hub.partitions().unwrap_or_default();
            return match p.unknown_partition(&known) {
                Some(missing) if !known.is_empty() => Err(invalid(format!(
                    "partition {missing} does not exist; the published topic has partitions {}",
                    partition_list(&known)
                ))),
                _ => Ok(Some(p)),
            };
        }
        let shown: String = since.chars().take(64).collect();
        let time = chrono::DateTime::parse_from_rfc3339(since).map_err(|_| {
            invalid(format!(
                "`{shown}` is neither an event id (such as 0:15,1:7) nor an RFC 3339 time"
            ))
        })?;
        let hub = self.hub.clone();
        let at = tokio::task::spawn_blocking(move || hub.position_at(time.to_utc())).await;
        match at {
            Ok(Ok(p)) => Ok(Some(p)),
            Ok(Err(e)) => Err(unavailable(&format!("{e:#}"))),
            Err(e) => Err(unavailable(&e.to_string())),
        }
    }
}

/// `0, 1, 2`.
fn partition_list(partitions: &[i32]) -> String {
    let mut sorted = partitions.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unavailable(why: &str) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "stream-unavailable",
        "Stream unavailable",
        format!("{why}; retry"),
    )
}

/// Counts a connected client for as long as it lives.
struct Connected {
    gauge: prometheus::IntGauge,
}

impl Connected {
    fn new(streams: &Streams, transport: &str) -> Self {
        let gauge = streams.metrics.clients(transport);
        gauge.inc();
        Self { gauge }
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

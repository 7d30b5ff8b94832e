//! `GET /v1/stream?topics=a,b`: Server-Sent Events. Each event is
//! `article.published`, `article.updated` or `article.retracted` with the
//! ninjs document as data and a resumable `id:`. Reconnecting with
//! `Last-Event-ID` (or `?since=<id>` / `?since=<RFC 3339 time>`) replays what
//! was missed. Heartbeat comments keep proxies from closing idle streams.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, Stream, StreamExt};

use super::hub::{Delivery, Filter};
use super::{Connected, Streams, unavailable};

/// How soon browsers should reconnect after a drop.
const RETRY: Duration = Duration::from_millis(1000);

/// The SSE handler.
pub(super) async fn stream(
    State(s): State<Arc<Streams>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !s.started().await {
        return unavailable("the stream is not running (starting or stopping)").into_response();
    }
    let resume = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let (since, param) = match resume {
        Some(id) => (Some(id), "Last-Event-ID"),
        None => (query.get("since").map(String::as_str), "since"),
    };
    let from = match s.start_at(since, param).await {
        Ok(from) => from,
        Err(problem) => return problem.into_response(),
    };
    let filter = Filter::parse(query.get("topics").map(String::as_str));
    let Some(rx) = s.hub.subscribe(from, filter) else {
        return unavailable("the stream is starting").into_response();
    };
    let mut res = Sse::new(events(s.clone(), rx))
        .keep_alive(KeepAlive::new().interval(s.heartbeat).text("heartbeat"))
        .into_response();
    // Public read-only data: let pages on any origin subscribe.
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

fn events(
    s: Arc<Streams>,
    rx: tokio::sync::mpsc::Receiver<Delivery>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let connected = Connected::new(&s, "sse");
    let hello = Event::default().retry(RETRY).comment("connected");
    let sent = s.metrics.sent("sse");
    let body = stream::unfold((rx, connected), move |(mut rx, connected)| {
        let sent = sent.clone();
        async move {
            match rx.recv().await? {
                Delivery::Event { event, id } => {
                    sent.inc();
                    let e = Event::default()
                        .event(event.kind)
                        .id(id)
                        .data(event.data.as_str());
                    Some((Ok(e), (rx, connected)))
                }
                // Ending the response makes the browser reconnect with its last id.
                Delivery::Lagged => None,
            }
        }
    });
    stream::once(async move { Ok(hello) }).chain(body)
}

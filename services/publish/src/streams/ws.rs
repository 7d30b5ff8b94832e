//! `GET /v1/ws`: the same events over WebSocket. The client's first message
//! subscribes: `{"type": "subscribe", "topics": ["russia"], "since": "<id or
//! RFC 3339 time>"}` (both optional). The server sends
//! `{"type": "article.published", "id": "<position>", "data": {ninjs}}`,
//! pings every 15 s, and on falling behind sends `{"type": "lagged"}` and
//! closes so the client resumes from its last id. `since` may also be given
//! in the URL (`/v1/ws?since=<id>`), so that a bad one is a 400 before the
//! upgrade; the subscribe message's own `since` takes precedence.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::hub::{Delivery, Filter};
use super::position::Position;
use super::{Connected, Streams, unavailable};

const PING: Duration = Duration::from_secs(15);
const SUBSCRIBE_WITHIN: Duration = Duration::from_secs(30);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Subscribe {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default)]
    since: Option<String>,
}

/// The WebSocket handler.
pub(super) async fn upgrade(
    State(s): State<Arc<Streams>>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    if !s.started().await {
        return unavailable("the stream is not running (starting or stopping)").into_response();
    }
    let from_url = match s
        .start_at(query.get("since").map(String::as_str), "since")
        .await
    {
        Ok(from) => from,
        Err(problem) => return problem.into_response(),
    };
    ws.on_upgrade(move |socket| serve(s, socket, from_url))
}

async fn serve(s: Arc<Streams>, mut socket: WebSocket, from_url: Option<Position>) {
    let _connected = Connected::new(&s, "ws");
    let Some((from, filter)) = subscription(&s, &mut socket).await else {
        return;
    };
    let from = from.or(from_url);
    let Some(mut rx) = s.hub.subscribe(from, filter) else {
        let _ = socket.send(error("the stream is starting; retry")).await;
        return;
    };
    let sent = s.metrics.sent("ws");
    let mut ping = tokio::time::interval(PING);
    loop {
        tokio::select! {
            delivery = rx.recv() => match delivery {
                Some(Delivery::Event { event, id }) => {
                    let text = format!(r#"{{"type":"{}","id":"{}","data":{}}}"#, event.kind, id, event.data);
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                    sent.inc();
                }
                Some(Delivery::Lagged) => {
                    let _ = socket.send(Message::Text(r#"{"type":"lagged"}"#.into())).await;
                    // Close it ourselves: a dropped socket need not reach the client as a close.
                    let close = CloseFrame { code: close_code::NORMAL, reason: "lagged".into() };
                    let _ = socket.send(Message::Close(Some(close))).await;
                    return;
                }
                None => return,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// Reads the subscribe message; answers an error and gives up on a bad one.
async fn subscription(s: &Streams, socket: &mut WebSocket) -> Option<(Option<Position>, Filter)> {
    let first = tokio::time::timeout(SUBSCRIBE_WITHIN, socket.recv())
        .await
        .ok()??
        .ok()?;
    let Message::Text(text) = first else {
        let _ = socket
            .send(error("the first message must be a JSON subscribe message"))
            .await;
        return None;
    };
    let sub = match serde_json::from_str::<Subscribe>(&text) {
        Ok(sub) if sub.kind == "subscribe" => sub,
        Ok(_) => {
            let _ = socket.send(error("type: must be \"subscribe\"")).await;
            return None;
        }
        Err(e) => {
            let _ = socket
                .send(error(&format!("not a subscribe message: {e}")))
                .await;
            return None;
        }
    };
    match s.start_at(sub.since.as_deref(), "since").await {
        Ok(from) => Some((from, Filter::parse(Some(&sub.topics.join(","))))),
        Err(problem) => {
            let _ = socket.send(error(&problem.detail)).await;
            None
        }
    }
}

fn error(detail: &str) -> Message {
    Message::Text(
        serde_json::json!({ "type": "error", "detail": detail })
            .to_string()
            .into(),
    )
}

//! A webhook subscriber for benchmarks: answers the registration challenge
//! and records, per subscription (`/hook/{n}`), the (story uri, version) of
//! every delivery in arrival order.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

/// Per subscription: (story uri, version) in arrival order.
pub type Arrivals = Arc<Mutex<HashMap<usize, Vec<(String, u32)>>>>;

/// Serves `/hook/{n}` on a free loopback port until the process ends.
pub async fn start() -> (SocketAddr, Arrivals) {
    let seen = Arrivals::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let addr = listener.local_addr().expect("receiver address");
    let app = Router::new()
        .route("/hook/{n}", post(hook))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, seen)
}

/// Deliveries recorded so far, over every subscription.
pub fn count(seen: &Arrivals) -> usize {
    seen.lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .map(Vec::len)
        .sum()
}

async fn hook(State(seen): State<Arrivals>, Path(n): Path<usize>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
    if v["type"] == "webhook.challenge" {
        return (StatusCode::OK, body).into_response();
    }
    let article = &v["data"]["article"];
    let uri = article["uri"].as_str().unwrap_or_default().to_owned();
    let version = article["version"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    seen.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(n)
        .or_default()
        .push((uri, version));
    StatusCode::NO_CONTENT.into_response()
}

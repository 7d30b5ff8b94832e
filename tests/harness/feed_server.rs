//! A feed publisher for the tests: an HTTP server on 127.0.0.1 (axum) that
//! serves feed files at paths the test sets, answers conditional GETs with
//! 304 as a well-behaved server does (ETag / Last-Modified), can be told to
//! fail, and records every request it saw.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The path asked for.
    pub path: String,
    /// Its `If-None-Match`.
    pub if_none_match: Option<String>,
    /// Its `If-Modified-Since`.
    pub if_modified_since: Option<String>,
    /// The status answered.
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Route {
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
    etag: String,
    last_modified: String,
    /// Sent in chunks without `Content-Length`, as a streaming server does.
    chunked: bool,
}

#[derive(Debug, Default)]
struct Served {
    routes: HashMap<String, Route>,
    seen: Vec<Seen>,
    versions: u64,
}

/// The server; it stops when dropped.
#[derive(Debug)]
pub struct FeedServer {
    addr: SocketAddr,
    served: Arc<Mutex<Served>>,
    task: tokio::task::JoinHandle<()>,
}

impl FeedServer {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> Self {
        let served: Arc<Mutex<Served>> = Arc::default();
        let app = Router::new().fallback(answer).with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the feed server");
        let addr = listener.local_addr().expect("feed server address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, served, task }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Served> {
        self.served.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Serves `body` as `content_type` at `path`, with a new ETag and Last-Modified.
    pub fn serve(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.serve_as(path, content_type, body.into(), false);
    }

    /// As [`FeedServer::serve`], in 4 KiB chunks without `Content-Length`.
    pub fn serve_chunked(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.serve_as(path, content_type, body.into(), true);
    }

    fn serve_as(&self, path: &str, content_type: &str, body: Vec<u8>, chunked: bool) {
        let mut s = self.lock();
        s.versions += 1;
        let route = Route {
            status: StatusCode::OK,
            content_type: content_type.to_owned(),
            body,
            chunked,
            etag: format!("\"v{}\"", s.versions),
            last_modified: chrono::Utc::now()
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        };
        s.routes.insert(path.to_owned(), route);
    }

    /// Answers `status` at `path` until it is served again.
    pub fn fail(&self, path: &str, status: u16) {
        let mut s = self.lock();
        if let Some(r) = s.routes.get_mut(path) {
            r.status = StatusCode::from_u16(status).expect("a status code");
        }
    }

    /// The ETag `path` is served with now.
    pub fn etag(&self, path: &str) -> Option<String> {
        self.lock().routes.get(path).map(|r| r.etag.clone())
    }

    /// The requests for `path` so far.
    pub fn requests(&self, path: &str) -> Vec<Seen> {
        self.lock()
            .seen
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    State(served): State<Arc<Mutex<Served>>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let (if_none_match, if_modified_since) =
        (text(header::IF_NONE_MATCH), text(header::IF_MODIFIED_SINCE));
    let mut s = served.lock().unwrap_or_else(PoisonError::into_inner);
    let route = s.routes.get(uri.path()).cloned();
    let response = match &route {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(r) if r.status != StatusCode::OK => {
            (r.status, "the feed is unavailable").into_response()
        }
        Some(r)
            if if_none_match.as_deref() == Some(&r.etag)
                || (if_none_match.is_none()
                    && if_modified_since.as_deref() == Some(&r.last_modified)) =>
        {
            StatusCode::NOT_MODIFIED.into_response()
        }
        Some(r) => {
            let headers = [
                (header::CONTENT_TYPE, r.content_type.clone()),
                (header::ETAG, r.etag.clone()),
                (header::LAST_MODIFIED, r.last_modified.clone()),
            ];
            if r.chunked {
                let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                    r.body.chunks(4096).map(|c| Ok(c.to_vec())).collect();
                let body = axum::body::Body::from_stream(futures::stream::iter(chunks));
                (headers, body).into_response()
            } else {
                (headers, r.body.clone()).into_response()
            }
        }
    };
    s.seen.push(Seen {
        path: uri.path().to_owned(),
        if_none_match,
        if_modified_since,
        status: response.status().as_u16(),
    });
    response
}

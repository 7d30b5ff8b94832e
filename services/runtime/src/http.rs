//! HTTP shared by the services: the admin endpoints, the one mapping from
//! errors to RFC 9457 problem documents, reading request bodies within
//! bounds, and serving until shutdown with the limits a hostile network
//! needs (header and body read timeouts, a cap on open connections).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::metrics::StageMetrics;

/// Answers "can this service do its work right now?" (it may block briefly).
pub type ReadinessCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

#[derive(Clone)]
struct AdminState {
    metrics: Arc<StageMetrics>,
    ready: ReadinessCheck,
}

/// `/metrics`, `/healthz` and `/readyz`; services merge their own routes in.
pub fn admin_router(metrics: Arc<StageMetrics>, ready: ReadinessCheck) -> Router {
    Router::new()
        .route("/metrics", get(render_metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .with_state(AdminState { metrics, ready })
}

/// `GET /openapi.json`: the service's OpenAPI document, `document` (JSON).
pub fn openapi_router(document: &'static str) -> Router {
    Router::new().route(
        "/openapi.json",
        get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }),
    )
}

async fn render_metrics(State(s): State<AdminState>) -> Response {
    // Readiness as a series too, asked at each scrape, for alerts and dashboards.
    let check = s.ready.clone();
    let ready = matches!(
        tokio::task::spawn_blocking(move || check()).await,
        Ok(Ok(()))
    );
    s.metrics.readiness(ready);
    let body = s.metrics.render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn readyz(State(s): State<AdminState>) -> Response {
    let check = s.ready.clone();
    match tokio::task::spawn_blocking(move || check()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready\n").into_response(),
        Ok(Err(why)) => Problem::unavailable(format!("not ready: {why}"), 1).into_response(),
        Err(e) => Problem::unavailable(format!("not ready: {e}"), 1).into_response(),
    }
}

/// Limits every service's HTTP server holds to.
#[derive(Debug, Clone, clap::Args)]
pub struct HttpLimits {
    /// Longest a client may take to send a request's headers (also how long
    /// an idle keep-alive connection stays open: clients should let pooled
    /// connections idle out sooner), in milliseconds.
    #[arg(
        long,
        env = "NEWSFEED_HTTP_HEADER_TIMEOUT_MS",
        default_value_t = 30_000
    )]
    pub http_header_timeout_ms: u64,

    /// Longest a client may take to send a request body, in milliseconds.
    #[arg(long, env = "NEWSFEED_HTTP_BODY_TIMEOUT_MS", default_value_t = 30_000)]
    pub http_body_timeout_ms: u64,

    /// Most connections open at once; more are closed on arrival.
    #[arg(long, env = "NEWSFEED_HTTP_MAX_CONNECTIONS", default_value_t = 16_384)]
    pub http_max_connections: usize,
}

impl HttpLimits {
    /// Checks the settings and says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.http_header_timeout_ms >= 100,
            "NEWSFEED_HTTP_HEADER_TIMEOUT_MS: must be at least 100, got {}",
            self.http_header_timeout_ms
        );
        anyhow::ensure!(
            self.http_body_timeout_ms >= 100,
            "NEWSFEED_HTTP_BODY_TIMEOUT_MS: must be at least 100, got {}",
            self.http_body_timeout_ms
        );
        anyhow::ensure!(
            self.http_max_connections >= 1,
            "NEWSFEED_HTTP_MAX_CONNECTIONS: must be at least 1"
        );
        Ok(())
    }

    /// The body read timeout.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.http_body_timeout_ms)
    }
}

/// Serves `router` on `listener` until `shutdown` fires, then lets
/// in-flight requests finish. A connection that does not finish sending
/// its headers within the header timeout (or sits idle that long between
/// requests) is closed; past the connection cap, new connections are
/// closed on arrival rather than queued.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &HttpLimits,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "http listening");
    let router = with_conventions(router);
    // HTTP/1.1 only (WebSocket upgrades included): hyper's protocol
    // auto-detection waits for a first byte without any timeout.
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(limits.http_header_timeout_ms));
    let max = u32::try_from(limits.http_max_connections).unwrap_or(u32::MAX);
    let slots = Arc::new(Semaphore::new(max as usize));
    loop {
        let (stream, _peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: pause, don't spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!("connection cap reached; closing a new connection");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = hyper::service::service_fn({
            let router = router.clone();
            move |req: hyper::Request<hyper::body::Incoming>| {
                router.clone().oneshot(req.map(Body::new))
            }
        });
        let conn = http1
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    // Let in-flight requests finish (streams end on the same signal).
    if tokio::time::timeout(DRAIN, slots.acquire_many(max))
        .await
        .is_err()
    {
        tracing::warn!("some HTTP connections were still open after {DRAIN:?}");
    }
    Ok(())
}

/// How long shutdown waits for open connections to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// Every path no route knows: a 404 problem, not an empty body.
async fn unknown_route(uri: axum::http::Uri) -> Problem {
    Problem::not_found(format!(
        "no such resource: `{}`",
        newsfeed_model::echo::clip(uri.path())
    ))
}

/// `router` answering by the HTTP conventions: unknown routes are 404
/// problems, every error is problem+json, 503 and 429 carry `Retry-After`.
pub fn with_conventions(router: Router) -> Router {
    router
        .fallback(unknown_route)
        .layer(axum::middleware::map_response(errors_as_problems))
}

/// How long a client is asked to wait after a 503 or 429 that did not say.
const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// The one place that holds every error answer to the conventions: an
/// error from a handler is already a problem, but the framework's own
/// answers (405 with `Allow`, extractor rejections, upgrade failures) are
/// turned into one here, keeping their headers and their text as the
/// detail; and a 503 or 429 always says `Retry-After`.
async fn errors_as_problems(res: Response) -> Response {
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error() {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct.as_bytes().starts_with(b"application/problem+json"));
    let mut res = if is_problem {
        res
    } else {
        let (parts, body) = res.into_parts();
        let text = match read_body(body, 4096, Duration::from_secs(1)).await {
            Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
            Err(_) => String::new(),
        };
        let (slug, title) = problem_kind(status);
        let detail = if text.is_empty() {
            title.to_ascii_lowercase()
        } else {
            text
        };
        let mut problem = Problem::new(status, slug, title, detail);
        for (name, value) in &parts.headers {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                problem = problem.with_header(name.clone(), value.clone());
            }
        }
        problem.into_response()
    };
    if matches!(
        status,
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
    ) && !res.headers().contains_key(header::RETRY_AFTER)
    {
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(DEFAULT_RETRY_AFTER_SECS),
        );
    }
    res
}

/// The problem slug and title of a framework answer with `status`.
fn problem_kind(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("bad-request", "Bad request"),
        StatusCode::NOT_FOUND => ("not-found", "Not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "Method not allowed"),
        StatusCode::NOT_ACCEPTABLE => ("not-acceptable", "Not acceptable"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "Request too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "Unsupported media type"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "Invalid request"),
        StatusCode::UPGRADE_REQUIRED => ("upgrade-required", "Upgrade required"),
        StatusCode::TOO_MANY_REQUESTS => ("too-many-requests", "Too many requests"),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "Service unavailable"),
        s if s.is_server_error() => ("internal", "Internal error"),
        _ => ("client-error", "Request not accepted"),
    }
}

/// Why a request body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than the limit (bytes).
    TooLarge(usize),
    /// Not sent within the body timeout.
    TimedOut(Duration),
    /// The connection failed while sending it.
    Broken,
}

impl BodyError {
    /// The metric label of this outcome.
    pub fn reason(self) -> &'static str {
        match self {
            Self::TooLarge(_) => "too_large",
            Self::TimedOut(_) => "timeout",
            Self::Broken => "malformed",
        }
    }

    /// The answer: 413 naming `setting`, 408, or 400.
    pub fn problem(self, setting: &str) -> Problem {
        match self {
            Self::TooLarge(max) => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Request too large",
                format!("the body exceeds {max} bytes ({setting})"),
            ),
            Self::TimedOut(d) => Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "Request body too slow",
                format!(
                    "the body was not received within {} ms (NEWSFEED_HTTP_BODY_TIMEOUT_MS)",
                    d.as_millis()
                ),
            ),
            Self::Broken => Problem::new(
                StatusCode::BAD_REQUEST,
                "broken-body",
                "Broken request body",
                "the connection failed while the body was being sent",
            ),
        }
    }
}

/// Reads `body` whole: at most `max` bytes, within `timeout`.
pub async fn read_body(body: Body, max: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    let limited = http_body_util::Limited::new(body, max);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Err(_) => Err(BodyError::TimedOut(timeout)),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge(max)),
        Ok(Err(e)) => {
            // A body error from axum may wrap the length limit too.
            if std::error::Error::source(&*e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            {
                Err(BodyError::TooLarge(max))
            } else {
                Err(BodyError::Broken)
            }
        }
    }
}

/// Binds the service's address, saying which variable to change on failure.
pub async fn bind(var: &str, addr: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("{var}: cannot listen on {addr}: {e} (choose another address)")
    })
}

/// One field-level problem inside a [`Problem`].
#[derive(Debug, Clone, Serialize)]
pub struct FieldProblem {
    /// JSON pointer to the field.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
}

/// An RFC 9457 problem document, the body of every error answer.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The kind of problem: its slug, sent as the URI
    /// `https://newsfeed.dev/problems/<slug>`.
    #[serde(rename = "type", serialize_with = "problem_type")]
    pub kind: &'static str,
    /// Short summary of the kind.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// Headers the answer carries besides the content type
    /// (`WWW-Authenticate`, `Retry-After`, `Allow`).
    #[serde(skip)]
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Field-level problems, each named by JSON pointer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For batches: the 1-based line of the batch at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

fn problem_type<S: serde::Serializer>(slug: &&'static str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("https://newsfeed.dev/problems/{slug}"))
}

impl Problem {
    /// A problem of kind `slug` (documented under `https://newsfeed.dev/problems/<slug>`).
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            kind: slug,
            title,
            status: status.as_u16(),
            detail: newsfeed_model::echo::clip_quoted(&detail.into()),
            headers: Vec::new(),
            errors: Vec::new(),
            line: None,
        }
    }

    /// The same problem, answered with header `name: value` too.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// 503: try again in `retry_after_secs` seconds (sent as `Retry-After`).
    pub fn unavailable(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            detail,
        )
        .retry_after(retry_after_secs)
    }

    /// The same problem with `Retry-After: secs`.
    pub fn retry_after(self, secs: u64) -> Self {
        self.with_header(header::RETRY_AFTER, HeaderValue::from(secs.max(1)))
    }

    /// Resource not found.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, axum::Json(&self)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Method, Request};

    async fn call(router: &Router, method: Method, path: &str) -> (StatusCode, Response) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let res = router.clone().oneshot(req).await.unwrap();
        (res.status(), res)
    }

    async fn problem(res: Response) -> serde_json::Value {
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = res.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&body).unwrap()
    }

    #[tokio::test]
    async fn framework_errors_become_problems_and_busy_answers_say_when_to_retry() {
        let router = with_conventions(
            Router::new()
                .route("/only-get", get(|| async { "hi" }))
                .route(
                    "/busy",
                    get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "try later") }),
                )
                .route(
                    "/slow-down",
                    get(|| async {
                        Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate", "Rate", "x")
                    }),
                ),
        );
        let (status, res) = call(&router, Method::GET, "/only-get").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );

        let (status, res) = call(&router, Method::DELETE, "/only-get").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            res.headers()[header::ALLOW]
                .to_str()
                .unwrap()
                .contains("GET")
        );
        let p = problem(res).await;
        assert_eq!(p["status"], 405);
        assert_eq!(
            p["type"],
            "https://newsfeed.dev/problems/method-not-allowed"
        );

        let (status, res) = call(&router, Method::GET, "/nowhere").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(problem(res).await["status"], 404);

        let (status, res) = call(&router, Method::GET, "/busy").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        assert_eq!(problem(res).await["detail"], "try later");

        let (_, res) = call(&router, Method::GET, "/slow-down").await;
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        assert_eq!(problem(res).await["status"], 429);
    }
}

//! Who may use publish's HTTP API. Reading stories, feeds and streams is
//! public unless `NEWSFEED_PUBLISH_READ_REQUIRES_TOKEN` is set, in which
//! case a client token with the `read` scope is needed; managing webhook
//! subscriptions always needs the `subscriptions` scope, and a client sees
//! only its own. Clients are registered with `newsfeedctl clients add`.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use newsfeed_runtime::auth::{Authenticator, Client, Scope};

/// Realm named in `WWW-Authenticate` challenges.
pub const REALM: &str = "newsfeed-publish";

/// Middleware: lets a request through only with a `read`-scoped client token.
pub async fn require_read(
    State(auth): State<Authenticator<Client>>,
    request: Request,
    next: Next,
) -> Response {
    match auth.authorize(request.headers(), Scope::Read) {
        Ok(_) => next.run(request).await,
        Err(e) => e.problem(REALM).into_response(),
    }
}

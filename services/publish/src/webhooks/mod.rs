//! Webhook subscriptions and deliveries (Standard Webhooks).

use std::sync::Arc;

use axum::Router;
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::{StageMetrics, Topics};
use tokio_util::sync::CancellationToken;

/// The running webhook machinery: its API and its delivery tasks.
#[derive(Debug)]
pub struct Webhooks {
    router: Router,
}

/// Starts webhook subscriptions and deliveries.
pub async fn start(
    _clients: KafkaClients,
    _topics: Topics,
    _metrics: Arc<StageMetrics>,
    _shutdown: CancellationToken,
) -> anyhow::Result<Webhooks> {
    Ok(Webhooks {
        router: Router::new(),
    })
}

impl Webhooks {
    /// `POST /v1/subscriptions`, `GET`/`DELETE /v1/subscriptions/{id}`.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Waits for the delivery tasks to finish after shutdown.
    pub async fn join(self) {}
}

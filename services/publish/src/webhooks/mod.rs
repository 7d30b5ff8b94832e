//! Webhook subscriptions and signed deliveries (Standard Webhooks).
//! - [`api`] — `POST /v1/subscriptions` (with a signed URL challenge),
//!   `GET`/`DELETE /v1/subscriptions/{id}`.
//! - [`subscriptions`] — the subscription records and the registry built from them.
//! - [`journal`] — the compacted `<prefix>publish.subscriptions` topic,
//!   written through and tailed by every instance.
//! - [`worker`] — one worker per subscription: consume published stories,
//!   filter, deliver with retries, dead-letter, commit, disable.
//! - [`delivery`] — the signed request, its body, the dead-letter record.
//! - [`signing`] — secrets and `webhook-signature`.
//! - [`settings`] — `NEWSFEED_WEBHOOK_*` knobs and the retry policy.
//! - [`metrics`] — `newsfeed_publish_webhook_*`.
//!
//! This module supervises: it loads the subscriptions, then keeps exactly
//! one worker per active subscription running on this instance.

mod api;
mod delivery;
mod journal;
mod metrics;
mod settings;
mod signing;
mod subscriptions;
mod worker;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use newsfeed_runtime::http::ReadinessCheck;
use newsfeed_runtime::kafka::{KafkaClients, until_connected};
use newsfeed_runtime::{StageMetrics, Topics};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use delivery::Deliveries;
use journal::Journal;
use worker::Worker;

/// The running webhook machinery: its API and its delivery tasks.
#[derive(Debug)]
pub struct Webhooks {
    router: Router,
    journal: Arc<Journal>,
    task: JoinHandle<()>,
}

/// Starts webhook subscriptions and deliveries. Returns at once: Kafka is
/// reached in the background, and the API answers 503 until the
/// subscriptions are loaded. Fails only on invalid `NEWSFEED_WEBHOOK_*` settings.
pub async fn start(
    clients: KafkaClients,
    topics: Topics,
    metrics: Arc<StageMetrics>,
    shutdown: CancellationToken,
) -> anyhow::Result<Webhooks> {
    let settings = settings::Settings::from_env()?;
    let http = reqwest::Client::builder()
        .timeout(settings.timeout)
        // A subscriber proved one URL; it does not get to send us elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("newsfeed-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let ctx = Arc::new(Deliveries {
        journal: Journal::new(&clients, topics.subscriptions.clone())?,
        metrics: metrics::WebhookMetrics::new(&metrics)?,
        producer: clients.producer()?,
        runtime: tokio::runtime::Handle::current(),
        clients,
        topics,
        settings,
        http,
    });
    let router = api::router(ctx.clone());
    let journal = ctx.journal.clone();
    let task = tokio::spawn(run(ctx, shutdown));
    Ok(Webhooks {
        router,
        journal,
        task,
    })
}

impl Webhooks {
    /// `POST /v1/subscriptions`, `GET`/`DELETE /v1/subscriptions/{id}`.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Ready once the subscriptions are loaded (until then the API answers 503).
    pub fn readiness(&self) -> ReadinessCheck {
        let journal = self.journal.clone();
        Arc::new(move || {
            if journal.is_caught_up() {
                Ok(())
            } else {
                Err("loading webhook subscriptions".to_owned())
            }
        })
    }

    /// Waits for the delivery tasks to finish after shutdown.
    pub async fn join(self) {
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "webhook supervisor failed");
        }
    }
}

/// Creates the topics, tails the subscriptions and supervises the workers
/// until `shutdown`.
async fn run(ctx: Arc<Deliveries>, shutdown: CancellationToken) {
    let t = &ctx.topics;
    let names = [
        t.subscriptions.as_str(),
        t.webhooks_dlq.as_str(),
        t.published.as_str(),
    ];
    let opened = until_connected("loading webhook subscriptions", &shutdown, || {
        let ctx = ctx.clone();
        async move {
            ctx.clients
                .ensure_topics(&names, &[ctx.topics.subscriptions.as_str()])
                .await?;
            tokio::task::spawn_blocking(move || {
                let reader = ctx.clients.reader()?;
                let ends = ctx.journal.open_tail(&reader)?;
                Ok((reader, ends))
            })
            .await?
        }
    })
    .await;
    let Some((reader, ends)) = opened else {
        return;
    };
    let tail = {
        let (journal, shutdown) = (ctx.journal.clone(), shutdown.clone());
        std::thread::Builder::new()
            .name("webhook-subscriptions".into())
            .spawn(move || journal.tail(&reader, ends, &shutdown))
    };
    supervise(&ctx, &shutdown).await;
    if let Ok(tail) = tail {
        let _ = tokio::task::spawn_blocking(move || tail.join()).await;
    }
}

/// Keeps one worker per active subscription, reacting to every change of
/// the subscriptions topic; stops and joins them all on shutdown.
async fn supervise(ctx: &Arc<Deliveries>, shutdown: &CancellationToken) {
    let mut running: HashMap<String, Worker> = HashMap::new();
    let mut stopping: Vec<Worker> = Vec::new();
    let mut changes = ctx.journal.changes();
    loop {
        if ctx.journal.is_caught_up() {
            reconcile(ctx, &mut running, &mut stopping, shutdown);
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = changes.changed() => {}
            // Also notices workers that ended by themselves.
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    stopping.extend(running.into_values());
    for w in &stopping {
        w.stop();
    }
    let _ = tokio::task::spawn_blocking(move || stopping.into_iter().for_each(Worker::join)).await;
    tracing::info!("webhook deliveries stopped");
}

fn reconcile(
    ctx: &Arc<Deliveries>,
    running: &mut HashMap<String, Worker>,
    stopping: &mut Vec<Worker>,
    shutdown: &CancellationToken,
) {
    let registry = ctx.journal.read();
    let (active, disabled) = registry.counts();
    ctx.metrics.subscriptions(active, disabled);
    let ids: Vec<String> = running.keys().cloned().collect();
    for id in ids {
        let gone = !registry.is_active(&id);
        if (gone || running.get(&id).is_some_and(Worker::is_finished))
            && let Some(w) = running.remove(&id)
        {
            w.stop();
            stopping.push(w);
        }
    }
    stopping.retain(|w| !w.is_finished());
    for s in registry.active() {
        if running.contains_key(&s.id) {
            continue;
        }
        match Worker::spawn(ctx.clone(), s.clone(), shutdown.child_token()) {
            Ok(w) => {
                running.insert(s.id.clone(), w);
            }
            Err(e) => {
                tracing::error!(subscription = %s.id, error = %e, "starting webhook worker failed")
            }
        }
    }
}

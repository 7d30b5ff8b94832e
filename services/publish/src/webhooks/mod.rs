//! Webhook subscriptions and signed deliveries (Standard Webhooks).
//! - [`api`] — `POST /v1/subscriptions` (with a signed URL challenge),
//!   `GET`/`DELETE /v1/subscriptions/{id}`.
//! - [`subscriptions`] — the subscription records and the registry built from them.
//! - [`journal`] — the compacted `<prefix>publish.subscriptions` topic,
//!   written through and tailed by every instance.
//! - [`worker`] — one worker per subscription: consume published stories,
//!   filter, deliver with retries, dead-letter, commit, disable.
//! - [`delivery`] — the signed request, its body, the dead-letter record.
//! - [`signing`] — secrets, sealed for Kafka, and `webhook-signature`.
//! - [`settings`] — `NEWSFEED_WEBHOOK_*` knobs and the retry policy.
//!
//! This module supervises: it loads the subscriptions, then keeps exactly
//! one worker per active subscription running on this instance.
//!
//! Every request to a subscriber, the registration challenge included, goes
//! through the shared outbound policy (`newsfeed_runtime::outbound`), so a
//! URL on loopback, a private network or the cloud metadata service is never
//! contacted; secrets are stored sealed (`newsfeed_runtime::secrets`).

mod api;
mod delivery;
mod journal;
mod settings;
mod signing;
mod subscriptions;
mod worker;

pub use settings::WebhookArgs;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use newsfeed_runtime::Topics;
use newsfeed_runtime::auth::{Authenticator, Client};
use newsfeed_runtime::http::ReadinessCheck;
use newsfeed_runtime::kafka::{KafkaClients, until_connected};
use newsfeed_runtime::outbound::OutboundPolicy;
use newsfeed_runtime::secrets::Keyring;
use newsfeed_runtime::table::TableTail;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use delivery::Deliveries;
use journal::Journal;
use signing::{Secret, StoredSecret};
use subscriptions::Subscription;
use worker::Worker;

use crate::metrics::WebhookMetrics;

/// What keeps webhooks safe: where requests may go, and the key sealing secrets.
#[derive(Debug, Clone)]
pub struct Trust {
    /// Which addresses subscribers may be at.
    pub outbound: OutboundPolicy,
    /// Seals and opens signing secrets; `None` when no key is configured
    /// (then subscriptions cannot be created, and stored ones not delivered).
    pub keyring: Option<Keyring>,
    /// Client tokens: only clients with the `subscriptions` scope manage
    /// subscriptions, each only its own.
    pub access: Authenticator<Client>,
}

/// The running webhook machinery: its API and its delivery tasks.
#[derive(Debug)]
pub struct Webhooks {
    router: Router,
    journal: Arc<Journal>,
    task: JoinHandle<()>,
}

/// Starts webhook subscriptions and deliveries. Returns at once: Kafka is
/// reached in the background, and the API answers 503 until the
/// subscriptions are loaded. Fails only on invalid webhook settings.
pub async fn start(
    clients: KafkaClients,
    topics: Topics,
    metrics: WebhookMetrics,
    trust: Trust,
    args: &WebhookArgs,
    shutdown: CancellationToken,
) -> anyhow::Result<Webhooks> {
    let settings = args.settings()?;
    // No redirects: a subscriber proved one URL; it does not get to send us elsewhere.
    let http = trust.outbound.client(
        concat!("newsfeed-webhooks/", env!("CARGO_PKG_VERSION")),
        settings.timeout,
    )?;
    let (journal, journal_tail) =
        Journal::start(&clients, topics.subscriptions.clone(), shutdown.clone())?;
    let ctx = Arc::new(Deliveries {
        journal,
        metrics,
        producer: clients.producer()?,
        runtime: tokio::runtime::Handle::current(),
        clients,
        topics,
        settings,
        http,
        keyring: trust.keyring,
    });
    let router = api::router(ctx.clone(), trust.access);
    let journal = ctx.journal.clone();
    let task = tokio::spawn(run(ctx, journal_tail, shutdown));
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
async fn run(ctx: Arc<Deliveries>, journal_tail: TableTail, shutdown: CancellationToken) {
    let t = &ctx.topics;
    let names = [
        t.subscriptions.as_str(),
        t.webhooks_dlq.as_str(),
        t.published.as_str(),
    ];
    let created = until_connected("creating the webhook topics", &shutdown, || {
        let ctx = ctx.clone();
        async move {
            ctx.clients
                .ensure_topics(&names, &[ctx.topics.subscriptions.as_str()])
                .await
        }
    })
    .await;
    if created.is_some() {
        supervise(&ctx, &shutdown).await;
    }
    journal_tail.join().await;
}

/// Keeps one worker per active subscription, reacting to every change of
/// the subscriptions topic; stops and joins them all on shutdown.
async fn supervise(ctx: &Arc<Deliveries>, shutdown: &CancellationToken) {
    let mut running: HashMap<String, Worker> = HashMap::new();
    let mut stopping: Vec<Worker> = Vec::new();
    let mut sealed_shut: HashSet<String> = HashSet::new();
    let mut resealed: HashSet<String> = HashSet::new();
    let mut changes = ctx.journal.changes();
    loop {
        if ctx.journal.is_caught_up() {
            reconcile(ctx, &mut running, &mut stopping, &mut sealed_shut, shutdown);
            reseal_legacy_secrets(ctx, &mut resealed);
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

/// Seals the plain-text secrets of subscriptions written before secrets
/// were sealed, once a key is configured (each once per run: a failed
/// write is retried at the next start). Compaction then drops the plain
/// records.
fn reseal_legacy_secrets(ctx: &Arc<Deliveries>, resealed: &mut HashSet<String>) {
    let Some(keyring) = ctx.keyring.as_ref() else {
        return;
    };
    let legacy: Vec<Subscription> = ctx
        .journal
        .read()
        .all()
        .filter(|s| matches!(s.secret, StoredSecret::Legacy(_)) && !resealed.contains(&s.id))
        .cloned()
        .collect();
    for s in legacy {
        resealed.insert(s.id.clone());
        let sealed = Secret::open(None, &s.secret, &s.id)
            .ok()
            .and_then(|secret| secret.seal(keyring, &s.id).ok());
        let Some(sealed) = sealed else {
            tracing::warn!(subscription = %s.id, "a plain-text webhook secret is unreadable; not re-sealed");
            continue;
        };
        let journal = ctx.journal.clone();
        tokio::spawn(async move {
            // The record as it is now (it may have been disabled meanwhile);
            // never resurrect a deleted one.
            let current = journal.read().get(&s.id).cloned();
            let Some(mut current) = current.filter(|c| matches!(c.secret, StoredSecret::Legacy(_)))
            else {
                return;
            };
            current.secret = StoredSecret::Sealed(sealed);
            match journal.put(&current).await {
                Ok(()) => tracing::info!(subscription = %s.id, "plain-text webhook secret sealed"),
                Err(e) => {
                    tracing::warn!(subscription = %s.id, error = format!("{e:#}"), "sealing a plain-text webhook secret failed")
                }
            }
        });
    }
}

/// Starts and stops workers to match the registry. A subscription whose
/// secret does not open here (no key, or a key this instance lacks) gets no
/// worker; that is logged once and shown by `GET /v1/subscriptions/{id}`.
fn reconcile(
    ctx: &Arc<Deliveries>,
    running: &mut HashMap<String, Worker>,
    stopping: &mut Vec<Worker>,
    sealed_shut: &mut HashSet<String>,
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
    sealed_shut.retain(|id| registry.is_active(id));
    for s in registry.active() {
        if running.contains_key(&s.id) {
            continue;
        }
        let secret = match Secret::open(ctx.keyring.as_ref(), &s.secret, &s.id) {
            Ok(secret) => secret,
            Err(why) => {
                if sealed_shut.insert(s.id.clone()) {
                    tracing::error!(subscription = %s.id, error = %why, "cannot deliver webhooks: the subscription's secret does not open");
                }
                continue;
            }
        };
        sealed_shut.remove(&s.id);
        match Worker::spawn(ctx.clone(), s.clone(), secret, shutdown.child_token()) {
            Ok(w) => {
                running.insert(s.id.clone(), w);
            }
            Err(e) => {
                tracing::error!(subscription = %s.id, error = %e, "starting webhook worker failed")
            }
        }
    }
}

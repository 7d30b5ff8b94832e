//! Webhook subscriptions and signed deliveries (Standard Webhooks).
//! - [`api`] — `POST /v1/subscriptions` (with a signed URL challenge),
//!   `GET`/`DELETE /v1/subscriptions/{id}`.
//! - [`subscriptions`] — the subscription records and the registry built from them.
//! - [`journal`] — the compacted `<prefix>publish.subscriptions` topic,
//!   written through and tailed by every instance.
//! - [`ownership`] — which subscriptions this instance delivers (a consumer
//!   group over the compacted `<prefix>publish.webhook-offsets` topic) and
//!   where each one's deliveries got to.
//! - [`events`] — the published topic read for every subscription by two
//!   Kafka clients: a live tail with a bounded buffer, and a catch-up reader.
//! - [`worker`] — one async task per owned subscription: read events,
//!   filter, deliver with retries, dead-letter, record progress, disable.
//! - [`delivery`] — the signed request, its body, the dead-letter record.
//! - [`signing`] — secrets, sealed for Kafka, and `webhook-signature`.
//! - [`settings`] — `NEWSFEED_WEBHOOK_*` knobs and the retry policy.
//!
//! This module supervises: it loads the subscriptions, then keeps exactly
//! one delivery task per active subscription this instance owns. However
//! many subscriptions there are, webhooks cost a fixed handful of threads
//! and Kafka clients (the journal's tail, the live tail, the catch-up
//! reader, the group member and one producer).
//!
//! The per-subscription consumer groups (`<prefix>publish.webhook.<id>`)
//! of earlier versions are not migrated: a subscription without progress
//! starts from where it was registered (or, if it predates that record,
//! from the live end).
//!
//! Every request to a subscriber, the registration challenge included, goes
//! through the shared outbound policy (`newsfeed_runtime::outbound`), so a
//! URL on loopback, a private network or the cloud metadata service is never
//! contacted; secrets are stored sealed (`newsfeed_runtime::secrets`).

mod api;
mod delivery;
mod events;
mod journal;
mod ownership;
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
use rdkafka::producer::FutureRecord;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use delivery::Deliveries;
use events::EventLog;
use journal::Journal;
use ownership::{Ownership, Revoked};
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
    let events = EventLog::start(&clients, topics.published.clone(), &shutdown)?;
    let (ownership, revocations) =
        Ownership::start(&clients, topics.webhook_offsets.clone(), &shutdown)?;
    let ctx = Arc::new(Deliveries {
        journal,
        events,
        ownership,
        metrics,
        producer: clients.producer()?,
        clients,
        topics,
        settings,
        http,
        keyring: trust.keyring,
    });
    let router = api::router(ctx.clone(), trust.access);
    let journal = ctx.journal.clone();
    let task = tokio::spawn(run(ctx, revocations, journal_tail, shutdown));
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

/// Creates the topics, tails the subscriptions and supervises the delivery
/// tasks until `shutdown`; then joins every thread it started.
async fn run(
    ctx: Arc<Deliveries>,
    revocations: mpsc::UnboundedReceiver<Revoked>,
    journal_tail: TableTail,
    shutdown: CancellationToken,
) {
    let t = &ctx.topics;
    let names = [
        t.subscriptions.as_str(),
        t.webhooks_dlq.as_str(),
        t.published.as_str(),
        t.webhook_offsets.as_str(),
    ];
    let compacted = [t.subscriptions.as_str(), t.webhook_offsets.as_str()];
    let created = until_connected("creating the webhook topics", &shutdown, || {
        let ctx = ctx.clone();
        async move { ctx.clients.ensure_topics(&names, &compacted).await }
    })
    .await;
    if created.is_some() {
        Supervisor::new(ctx.clone())
            .run(revocations, &shutdown)
            .await;
    }
    let (events, ownership) = (ctx.events.clone(), ctx.ownership.clone());
    let _ = tokio::task::spawn_blocking(move || {
        events.join();
        ownership.join();
    })
    .await;
    journal_tail.join().await;
}

/// A delivery task being stopped; `forget` tombstones the subscription's
/// progress once it ended (the subscription was deleted).
struct Stopping {
    id: String,
    worker: Worker,
    forget: bool,
}

/// Keeps one delivery task per active subscription this instance owns.
struct Supervisor {
    ctx: Arc<Deliveries>,
    running: HashMap<String, Worker>,
    stopping: Vec<Stopping>,
    sealed_shut: HashSet<String>,
    resealed: HashSet<String>,
}

impl Supervisor {
    fn new(ctx: Arc<Deliveries>) -> Self {
        Self {
            ctx,
            running: HashMap::new(),
            stopping: Vec::new(),
            sealed_shut: HashSet::new(),
            resealed: HashSet::new(),
        }
    }

    /// Reacts to every change of the subscriptions and of this instance's
    /// share of them until `shutdown`; then stops every task, waits for
    /// them and writes their last progress.
    async fn run(
        mut self,
        mut revocations: mpsc::UnboundedReceiver<Revoked>,
        shutdown: &CancellationToken,
    ) {
        let mut changes = self.ctx.journal.changes();
        let mut owned = self.ctx.ownership.changes();
        loop {
            if self.ctx.journal.is_caught_up() {
                self.reconcile(shutdown);
                reseal_legacy_secrets(&self.ctx, &mut self.resealed);
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = changes.changed() => {}
                _ = owned.changed() => {}
                Some(revoked) = revocations.recv() => self.give_up(revoked).await,
                // Also notices tasks that ended by themselves.
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        let ids: Vec<String> = self.running.keys().cloned().collect();
        self.stop(&ids, false);
        self.drain().await;
        tracing::info!("webhook deliveries stopped");
    }

    /// Stops the deliveries of partitions taken from this instance and
    /// writes their progress before the rebalance hands them on.
    async fn give_up(&mut self, revoked: Revoked) {
        let ownership = &self.ctx.ownership;
        let ids: Vec<String> = self
            .running
            .keys()
            .filter(|id| {
                ownership
                    .partition_of(id)
                    .is_some_and(|p| revoked.partitions.contains(&p))
            })
            .cloned()
            .collect();
        self.stop(&ids, false);
        self.drain().await;
        let _ = revoked.done.send(());
    }

    fn stop(&mut self, ids: &[String], forget: bool) {
        for id in ids {
            if let Some(worker) = self.running.remove(id) {
                worker.stop();
                self.stopping.push(Stopping {
                    id: id.clone(),
                    worker,
                    forget,
                });
            }
        }
    }

    /// Waits for every stopping task, then flushes their progress.
    async fn drain(&mut self) {
        for s in std::mem::take(&mut self.stopping) {
            s.worker.join().await;
            if s.forget {
                self.forget(&s.id);
            }
        }
        let (producer, timeout) = (self.ctx.producer.clone(), self.ctx.clients.args().timeout());
        let _ = tokio::task::spawn_blocking(move || {
            use rdkafka::producer::Producer;
            producer.flush(timeout)
        })
        .await;
    }

    /// Tombstones the progress of a deleted subscription.
    fn forget(&self, id: &str) {
        let Some(partition) = self.ctx.ownership.partition_of(id) else {
            return;
        };
        let record = FutureRecord::<str, [u8]>::to(self.ctx.ownership.topic())
            .key(id)
            .partition(partition);
        if let Err((e, _)) = self.ctx.producer.send_result(record) {
            tracing::warn!(subscription = %id, error = %e, "forgetting webhook progress failed");
        }
    }

    /// Starts and stops tasks to match the registry and this instance's
    /// share. A subscription whose secret does not open here (no key, or a
    /// key this instance lacks) gets no task; that is logged once and shown
    /// by `GET /v1/subscriptions/{id}`.
    fn reconcile(&mut self, shutdown: &CancellationToken) {
        let ctx = self.ctx.clone();
        let registry = ctx.journal.read();
        let (active, disabled) = registry.counts();
        ctx.metrics.subscriptions(active, disabled);
        let mut deleted = Vec::new();
        let mut ended = Vec::new();
        for (id, worker) in &self.running {
            if registry.get(id).is_none() {
                deleted.push(id.clone());
            } else if !registry.is_active(id) || !ctx.ownership.owns(id) || worker.is_finished() {
                ended.push(id.clone());
            }
        }
        self.stop(&deleted, true);
        self.stop(&ended, false);
        let mut finished = Vec::new();
        self.stopping.retain(|s| {
            let done = s.worker.is_finished();
            if done && s.forget {
                finished.push(s.id.clone());
            }
            !done
        });
        for id in finished {
            self.forget(&id);
        }
        self.sealed_shut.retain(|id| registry.is_active(id));
        for s in registry.active() {
            if self.running.contains_key(&s.id)
                || !ctx.ownership.owns(&s.id)
                || self.stopping.iter().any(|x| x.id == s.id)
            {
                continue;
            }
            let secret = match Secret::open(ctx.keyring.as_ref(), &s.secret, &s.id) {
                Ok(secret) => secret,
                Err(why) => {
                    if self.sealed_shut.insert(s.id.clone()) {
                        tracing::error!(subscription = %s.id, error = %why, "cannot deliver webhooks: the subscription's secret does not open");
                    }
                    continue;
                }
            };
            self.sealed_shut.remove(&s.id);
            // Where it got to, else where it started; a subscription made
            // before either was kept starts at the live end.
            let progress = ctx
                .ownership
                .progress(&s.id)
                .unwrap_or_else(|| s.start_at.clone());
            let worker = Worker::spawn(
                ctx.clone(),
                s.clone(),
                secret,
                progress,
                shutdown.child_token(),
            );
            self.running.insert(s.id.clone(), worker);
        }
    }
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

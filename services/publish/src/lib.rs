//! The publish service: consumes `<prefix>articles.enriched`, releases each
//! story version that is newer than what readers have, and serves reads.
//! - [`config`] — settings.
//! - [`access`] — client tokens: who may read, who may manage subscriptions.
//! - [`lifecycle`] — what a story version does: replace, retract, hold,
//!   embargo (pure rules at the bottom; everything else builds on them).
//! - [`store`] — every story on disk (redb): current versions, per-topic
//!   lists, embargoes, and the offsets they reflect; retention.
//! - [`metrics`] — what publish exports beyond the stage metrics, one place.
//! - [`stage`] — the per-record decision inside the exactly-once loop.
//! - [`view`] — keeps the store up with the compacted state topics, resuming
//!   from its checkpoint.
//! - [`api`] — `GET /v1/articles/{uri}` and `GET /v1/topics/{slug}/articles`.
//! - [`feeds`] — JSON Feed, RSS and Atom per topic, and the topic index.
//! - [`streams`] — live, resumable subscriptions over SSE and WebSocket.
//! - [`webhooks`] — subscriptions and signed deliveries (Standard Webhooks).
//! - [`OPENAPI`] — the API's OpenAPI 3.1 document (`api/openapi.json`),
//!   served at `GET /openapi.json`.

pub mod access;
pub mod api;
pub mod config;
pub mod feeds;
pub mod lifecycle;
pub mod metrics;
pub mod stage;
pub mod store;
pub mod streams;
pub mod view;
pub mod webhooks;

use std::sync::Arc;

use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::auth::{Authenticator, Client, Credentials};
use newsfeed_runtime::exactly_once::{self, LoopSettings};
use newsfeed_runtime::http::{ReadinessCheck, admin_router, bind, openapi_router, serve};
use newsfeed_runtime::kafka::KafkaClients;
use newsfeed_runtime::table::Table;
use tokio_util::sync::CancellationToken;

/// The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`.
pub const OPENAPI: &str = include_str!("../api/openapi.json");

pub use config::Config;

/// Runs publish until `shutdown` fires.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    config.validate()?;
    let config_retention = config.retention;
    let (outbound, keyring) = (config.outbound.policy()?, config.secrets.keyring()?);
    if keyring.is_none() {
        tracing::warn!(
            "NEWSFEED_SECRETS_KEY_FILE is not set: webhook subscriptions cannot be created or delivered"
        );
    }
    let metrics = StageMetrics::new("publish", &metrics::KNOWN)?;
    let publish_metrics = metrics::PublishMetrics::new(&metrics)?;
    let listener = bind("NEWSFEED_HTTP_ADDR", config.http_addr).await?;
    let topics = config.kafka.topics();
    let routes = config.parsed_routes()?;
    let settings = LoopSettings {
        input: topics.enriched.clone(),
        dead_letter: topics.publish_dlq.clone(),
        stage: "publish",
        max_batch: config.batch_size,
        linger: config.linger(),
        timeout: config.kafka.timeout(),
        create: vec![
            topics.enriched.clone(),
            topics.published.clone(),
            topics.publish_dlq.clone(),
            topics.publish_state.clone(),
            topics.publish_embargoes.clone(),
            topics.clients.clone(),
        ]
        .into_iter()
        .chain(routes.iter().map(|r| r.topic.clone()))
        .collect(),
        compacted: vec![
            topics.publish_state.clone(),
            topics.publish_embargoes.clone(),
            topics.clients.clone(),
        ],
    };
    let clients = KafkaClients::new(&config.kafka, "publish");
    let (client_table, client_tail) =
        Table::<Credentials<Client>>::start(&clients, &topics.clients, shutdown.clone())?;
    let access = Authenticator::new(client_table);
    let trust = webhooks::Trust {
        outbound,
        keyring,
        access: access.clone(),
    };
    let store_path = config.store_path();
    let on_disk = publish_metrics.view.on_disk.clone();
    let store = tokio::task::spawn_blocking(move || {
        store::Store::open(&store_path, config_retention).map(|s| s.with_on_disk_gauge(on_disk))
    })
    .await??;
    let store = Arc::new(store);
    let view = view::StateView::start(
        &clients,
        topics.clone(),
        store.clone(),
        publish_metrics.view,
        shutdown.clone(),
    )?;
    let processor = stage::Publish::new(
        store.clone(),
        topics.clone(),
        routes,
        clients.clone(),
        publish_metrics.stage,
    );
    let stage = exactly_once::spawn(
        clients.clone(),
        settings,
        processor,
        metrics.clone(),
        shutdown.clone(),
    );

    let hub = streams::Hub::start(
        clients.clone(),
        topics.published.clone(),
        config.catch_up_limit(),
        config.retention,
        shutdown.clone(),
    );
    let (tail, stream_tail) = (hub.clone(), hub.clone());
    let streams = streams::Streams::new(hub, config.heartbeat(), publish_metrics.streams);
    let hooks = webhooks::start(
        clients.clone(),
        topics,
        publish_metrics.webhooks,
        trust,
        &config.webhooks,
        shutdown.clone(),
    )
    .await?;

    let (stage_ready, view_ready, hooks_ready) =
        (stage.readiness(), view.readiness(), hooks.readiness());
    let access_ready = access.clone();
    let ready: ReadinessCheck = Arc::new(move || {
        stage_ready()?;
        if !access_ready.is_loaded() {
            return Err("loading clients".to_owned());
        }
        view_ready()?;
        if !tail.is_running() {
            return Err("starting the live stream tail".to_owned());
        }
        hooks_ready()
    });
    let mut reads = api::router(store.clone())
        .merge(feeds::router(store, publish_metrics.feeds))
        .merge(streams.router());
    if config.read_requires_token {
        reads = reads.layer(axum::middleware::from_fn_with_state(
            access.clone(),
            access::require_read,
        ));
    }
    let app = reads
        .merge(hooks.router())
        .merge(openapi_router(OPENAPI))
        .merge(admin_router(metrics, ready));
    serve(listener, app, &config.http, shutdown.clone()).await?;
    stage.join().await?;
    hooks.join().await;
    stream_tail.join().await;
    client_tail.join().await;
    view.join().await;
    tracing::info!("publish stopped");
    Ok(())
}

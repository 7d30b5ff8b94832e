//! The ingest service: newsroom systems `POST` ninjs stories; each is
//! validated, written to `<prefix>articles.ingested`, and acknowledged only
//! once Kafka has it durably.
//! - [`config`] — the service's settings.
//! - [`api`] — `POST /v1/articles` (one document or an NDJSON batch) and its
//!   error answers.
//! - [`sources`] — per-source rate limits (who may write is
//!   `newsfeed_runtime::auth`, over the `<prefix>auth.sources` table).
//! - [`metrics`] — ingest's own metrics (auth failures, rate limits, per source).
//! - [`OPENAPI`] — the API's OpenAPI 3.1 document (`api/openapi.json`),
//!   served at `GET /openapi.json`.
//! - [`feeds`] — polling the registered feeds (RSS, Atom, JSON Feed, ninjs
//!   over HTTP) and writing their entries as the feed's source.
//! - [`writer`] — writing events to Kafka — single stories through the
//!   idempotent producer, batches in one transaction (all or nothing).

pub mod api;
pub mod config;
pub mod feeds;
pub mod metrics;
pub mod sources;
pub mod writer;

use std::sync::Arc;

use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::auth::{Authenticator, Credentials, Source};
use newsfeed_runtime::http::{admin_router, bind, openapi_router, serve};
use newsfeed_runtime::kafka::{KafkaClients, probe, until_connected};
use newsfeed_runtime::table::Table;
use tokio_util::sync::CancellationToken;

/// The OpenAPI 3.1 description of the HTTP API, served at `GET /openapi.json`.
pub const OPENAPI: &str = include_str!("../api/openapi.json");

pub use config::Config;
use writer::Writer;

/// Runs ingest until `shutdown` fires: connects to Kafka in the background
/// (answering 503 until it can write), serves HTTP, then drains.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    config.validate()?;
    let metrics = StageMetrics::new("ingest", &metrics::KNOWN)?;
    let ingest_metrics = metrics::IngestMetrics::new(&metrics)?;
    let clients = KafkaClients::new(&config.kafka, "ingest");
    let topics = config.kafka.topics();
    let writer: Arc<tokio::sync::OnceCell<Writer>> = Arc::default();
    let (sources, sources_tail) =
        Table::<Credentials<Source>>::start(&clients, &topics.sources, shutdown.clone())?;
    let per_source = tokio::spawn(metrics::follow_sources(
        sources.clone(),
        ingest_metrics.clone(),
        shutdown.clone(),
    ));
    let rates: Arc<sources::RateLimits> = Arc::default();
    let feeds = start_feeds(
        &config,
        &clients,
        FeedParts {
            writer: writer.clone(),
            sources: sources.clone(),
            rates: rates.clone(),
            stage: metrics.clone(),
            ingest: ingest_metrics.clone(),
        },
        shutdown.clone(),
    )?;
    let sources = Authenticator::new(sources);

    let connect = {
        let (writer, clients, shutdown) = (writer.clone(), clients.clone(), shutdown.clone());
        let (topic, sources_topic) = (topics.ingested.clone(), topics.sources.clone());
        let (feeds_topic, status_topic) = (topics.feeds.clone(), topics.feed_status.clone());
        tokio::spawn(async move {
            let ready = until_connected("connecting to Kafka", &shutdown, || async {
                let compacted = [&*sources_topic, &feeds_topic, &status_topic];
                let mut all = vec![&*topic];
                all.extend(compacted);
                clients.ensure_topics(&all, &compacted).await?;
                Writer::connect(&clients, &topic).await
            })
            .await;
            if let Some(w) = ready {
                tracing::info!(%topic, "kafka connected; accepting stories");
                let _ = writer.set(w);
            }
        })
    };

    let (ready_writer, ready_sources) = (writer.clone(), sources.clone());
    let readiness = Arc::new(move || match ready_writer.get() {
        None => Err("not connected to Kafka yet".to_owned()),
        Some(_) if !ready_sources.is_loaded() => Err("loading sources".to_owned()),
        Some(w) if probe(w.client(), w.topic(), std::time::Duration::from_secs(2)) => Ok(()),
        Some(_) => Err("Kafka does not answer".to_owned()),
    });
    let app = api::router(api::AppState {
        writer: writer.clone(),
        sources,
        rates,
        metrics: metrics.clone(),
        ingest: ingest_metrics,
        limits: config.limits(),
    })
    .merge(openapi_router(OPENAPI))
    .merge(admin_router(metrics, readiness));
    let listener = bind("NEWSFEED_HTTP_ADDR", config.http_addr).await?;
    serve(listener, app, &config.http, shutdown.clone()).await?;
    if let Some((supervisor, assignment)) = feeds {
        let _ = supervisor.await;
        let _ = tokio::task::spawn_blocking(move || assignment.join()).await;
    }
    sources_tail.join().await;
    // Ends with `shutdown`, like the server.
    if let Err(e) = per_source.await {
        tracing::warn!(error = %e, "per-source metrics task failed");
    }

    connect.abort();
    if let Some(w) = writer.get() {
        w.flush(config.kafka.timeout()).await;
    }
    tracing::info!("ingest stopped");
    Ok(())
}

/// What the feed pollers share with the API.
struct FeedParts {
    writer: Arc<tokio::sync::OnceCell<Writer>>,
    sources: Arc<Table<Credentials<Source>>>,
    rates: Arc<sources::RateLimits>,
    stage: Arc<StageMetrics>,
    ingest: Arc<metrics::IngestMetrics>,
}

/// The handles of feed polling, joined at shutdown.
type FeedTasks = (tokio::task::JoinHandle<()>, std::thread::JoinHandle<()>);

/// Joins the feed group and polls the feeds assigned here (unless
/// `NEWSFEED_FEEDS_POLL=false`).
fn start_feeds(
    config: &Config,
    clients: &KafkaClients,
    parts: FeedParts,
    shutdown: CancellationToken,
) -> anyhow::Result<Option<FeedTasks>> {
    let feed_metrics = metrics::FeedMetrics::new(&parts.stage)?;
    if !config.feeds.poll {
        return Ok(None);
    }
    let topics = config.kafka.topics();
    let user_agent = format!("Newsfeed/{} (feed poller)", env!("CARGO_PKG_VERSION"));
    let shared = Arc::new(feeds::poller::Shared {
        client: config
            .outbound
            .policy()?
            .client(&user_agent, config.feeds.timeout())?,
        writer: parts.writer,
        sources: parts.sources,
        rates: parts.rates,
        stage: parts.stage,
        ingest: parts.ingest,
        metrics: feed_metrics,
        status: clients.producer()?,
        status_topic: topics.feed_status.clone(),
        settings: feeds::poller::Settings {
            max_bytes: config.feeds.max_bytes,
            max_backoff: std::time::Duration::from_secs(config.feeds.max_backoff_secs),
            max_batch: config.max_batch,
            max_message_bytes: config.max_message_bytes,
            instance: config.kafka.instance_id.clone(),
        },
    });
    let (assigned, assignment) =
        feeds::assignment::start(clients, &topics.feeds, shutdown.clone())?;
    let supervisor = tokio::spawn(feeds::supervise(shared, assigned, shutdown));
    Ok(Some((supervisor, assignment)))
}

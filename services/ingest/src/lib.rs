//! The ingest service: newsroom systems `POST` ninjs stories; each is
//! validated, written to `<prefix>articles.ingested`, and acknowledged only
//! once Kafka has it durably.
//! - [`config`] — the service's settings.
//! - [`api`] — `POST /v1/articles` (one document or an NDJSON batch) and its
//!   error answers.
//! - [`writer`] — writing events to Kafka — single stories through the
//!   idempotent producer, batches in one transaction (all or nothing).

pub mod api;
pub mod config;
pub mod writer;

use std::sync::Arc;

use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::http::{admin_router, bind, serve};
use newsfeed_runtime::kafka::{KafkaClients, probe, until_connected};
use tokio_util::sync::CancellationToken;

pub use config::Config;
use writer::Writer;

/// Runs ingest until `shutdown` fires: connects to Kafka in the background
/// (answering 503 until it can write), serves HTTP, then drains.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    config.validate()?;
    let metrics = StageMetrics::new("ingest")?;
    let clients = KafkaClients::new(&config.kafka, "ingest");
    let topics = config.kafka.topics();
    let writer: Arc<tokio::sync::OnceCell<Writer>> = Arc::default();

    let connect = {
        let (writer, clients, shutdown) = (writer.clone(), clients.clone(), shutdown.clone());
        let topic = topics.ingested.clone();
        tokio::spawn(async move {
            let ready = until_connected("connecting to Kafka", &shutdown, || async {
                clients.ensure_topics(&[&topic], &[]).await?;
                Writer::connect(&clients, &topic).await
            })
            .await;
            if let Some(w) = ready {
                tracing::info!(%topic, "kafka connected; accepting stories");
                let _ = writer.set(w);
            }
        })
    };

    let ready_writer = writer.clone();
    let readiness = Arc::new(move || match ready_writer.get() {
        None => Err("not connected to Kafka yet".to_owned()),
        Some(w) if probe(w.client(), w.topic(), std::time::Duration::from_secs(2)) => Ok(()),
        Some(_) => Err("Kafka does not answer".to_owned()),
    });
    let app = api::router(api::AppState {
        writer: writer.clone(),
        metrics: metrics.clone(),
        limits: config.limits(),
    })
    .merge(admin_router(metrics, readiness));
    let listener = bind("NEWSFEED_HTTP_ADDR", config.http_addr).await?;
    serve(listener, app, shutdown.clone()).await?;

    connect.abort();
    if let Some(w) = writer.get() {
        w.flush(config.kafka.timeout()).await;
    }
    tracing::info!("ingest stopped");
    Ok(())
}

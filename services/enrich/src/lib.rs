//! The enrich service: consumes `<prefix>articles.ingested`, tags each story
//! with the taxonomy engine (`newsfeed-tagging`), and writes it to
//! `<prefix>articles.enriched` — exactly once, in Kafka transactions.
//! - [`config`] — settings and the `tag` subcommand's flags.
//! - [`stage`] — the per-record work inside the exactly-once loop.
//! - [`taxonomy`] — loading the taxonomy and hot-reloading it when its file changes.
//! - [`metrics`] — what enrich exports beyond the stage metrics (taxonomy reloads).
//! - [`cli`] — `newsfeed-enrich tag`, the same tagging over JSON lines.

pub mod cli;
pub mod config;
pub mod metrics;
pub mod stage;
pub mod taxonomy;

use newsfeed_runtime::StageMetrics;
use newsfeed_runtime::exactly_once::{self, LoopSettings};
use newsfeed_runtime::http::{admin_router, bind, serve};
use newsfeed_runtime::kafka::KafkaClients;
use tokio_util::sync::CancellationToken;

pub use config::{Command, Config};

/// Runs enrich until `shutdown` fires: the exactly-once loop on its own
/// thread, the taxonomy watcher, and the admin HTTP endpoints.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    config.validate()?;
    let metrics = StageMetrics::new("enrich", &metrics::KNOWN)?;
    let tagger = taxonomy::SharedTagger::load(
        config.taxonomy.as_deref(),
        metrics::EnrichMetrics::new(&metrics)?,
    )?;
    let watcher = config.taxonomy.clone().map(|path| {
        tokio::spawn(taxonomy::watch(
            path,
            tagger.clone(),
            config.taxonomy_poll(),
            shutdown.clone(),
        ))
    });
    let listener = bind("NEWSFEED_HTTP_ADDR", config.http_addr).await?;

    let topics = config.kafka.topics();
    let settings = LoopSettings {
        input: topics.ingested.clone(),
        dead_letter: topics.enrich_dlq.clone(),
        stage: "enrich",
        max_batch: config.batch_size,
        linger: config.linger(),
        timeout: config.kafka.timeout(),
        create: vec![
            topics.ingested.clone(),
            topics.enriched.clone(),
            topics.enrich_dlq.clone(),
        ],
        compacted: vec![],
    };
    let processor = stage::Enrich::new(tagger, topics.enriched.clone(), metrics.clone());
    let clients = KafkaClients::new(&config.kafka, "enrich");
    let stage = exactly_once::spawn(
        clients,
        settings,
        processor,
        metrics.clone(),
        shutdown.clone(),
    );

    serve(
        listener,
        admin_router(metrics, stage.readiness()),
        &config.http,
        shutdown.clone(),
    )
    .await?;
    stage.join().await?;
    if let Some(w) = watcher {
        w.abort();
    }
    tracing::info!("enrich stopped");
    Ok(())
}

//! `newsfeedctl`: the one admin tool for Newsfeed operators. It talks to
//! Kafka with the same settings as the services (`NEWSFEED_KAFKA_BROKERS`,
//! `NEWSFEED_TOPIC_PREFIX`, the Kafka security settings).
//! - [`cli`] — the command line.
//! - [`credentials`] — `sources` and `clients`: register, list, revoke.
//! - [`feeds`] — `feeds add|list|remove`: the feeds ingest polls as sources.
//! - [`dlq`] — `dlq list|show|replay`: the dead-letter topics.
//! - [`top`] — `top`: a live view of the pipeline from `/metrics`.
//! - [`exposition`] — the Prometheus text format, read.
//! - [`admin`] — reading and writing the compacted topics it manages.

mod admin;
mod cli;
mod credentials;
mod dlq;
mod exposition;
mod feeds;
mod top;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    // A CLI speaks on stdout and stderr itself; logs only when asked (RUST_LOG).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("newsfeedctl: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! The end-to-end test harness: one real Kafka broker per test run, and per
//! test a [`Pipeline`] of the three real service binaries under a topic
//! prefix of its own, with one method per endpoint.
//! - [`browser`] — a headless Chromium page driven by JavaScript lines.
//! - [`ctl`] — `newsfeedctl`, the operators' CLI, as a process.
//! - [`broker`] — finds or starts the broker (`deploy/local/kafka up`, or
//!   `up --secure` with `NEWSFEED_TEST_KAFKA_SECURE=1`: ACLs per test prefix,
//!   a principal per service, [`principal_env`] for any other process).
//! - [`feed_server`] — a feed publisher over HTTP, for feeds polled as sources.
//! - [`services`] — spawning, killing and restarting service processes.
//! - [`otlp`] — a real OTLP trace receiver, for span export.
//! - [`python`] — virtualenvs with the Python clients and deploy checkers tests use.
//! - [`prometheus`] — a real Prometheus server with the shipped rules, and its API.
//! - [`secrets`] — a secrets key file per pipeline.
//! - [`topics`] — reading topics back as records, as a downstream consumer would.
//! - [`sse`] — reading publish's event streams until what a test waits for arrives.

pub mod broker;
pub mod browser;
pub mod contract;
pub mod ctl;
pub mod feed_server;
pub mod otlp;
pub mod prometheus;
pub mod python;
pub mod random;
pub mod secrets;
pub mod services;
pub mod sse;
pub mod stories;
pub mod topics;
pub mod webhook_receiver;

pub use broker::{brokers, principal_env};
pub use services::{Pipeline, Service, Svc, Usage, process_usage};
pub use topics::{Record, read_topic};

/// The repository root (the workspace directory).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default()
}

/// A fresh topic prefix, so tests never see each other's records.
pub fn unique_prefix(test: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("t-{test}-{}.", &id[..8])
}

//! What every Newsfeed service runs on, written once:
//! - [`config`] — the settings all services share (brokers, topic prefix, TLS
//!   and SASL to the broker, ...) and the topic names derived from them.
//! - [`kafka`] — client setup (producers, consumers, admin, all from one base
//!   with the connection's security), topic creation and the readiness probe.
//! - [`tail`] — the one way to follow topics: every partition, from a
//!   checkpoint or the beginning, caught-up tracking, batched apply, a
//!   joinable thread.
//! - [`table`] — a compacted topic tailed into an in-memory table that every
//!   instance keeps (credentials, and other keyed state).
//! - [`feeds`] — feeds polled as sources: their definitions, status and ids.
//! - [`auth`] — sources and clients, their tokens, and bearer authentication.
//! - [`cloudevents`] — CloudEvents Kafka-binding headers and W3C trace context.
//! - [`exactly_once`] — the transactional consume → process → produce loop
//!   (enrich and publish), with dead-lettering of poison records.
//! - [`metrics`] — the service's Prometheus registry (every series labelled
//!   with the service), the standard stage metrics, build info, readiness and
//!   process metrics, each event logging and counting in one call.
//! - [`telemetry`] — tracing set-up (`RUST_LOG`, `NEWSFEED_LOG_FORMAT=json`)
//!   and the span of each story's work, whose fields every log line carries.
//! - [`spans`] — OpenTelemetry span export (OTLP), one span per hop of a
//!   story's trace.
//! - [`http`] — the admin endpoints (`/metrics`, `/healthz`, `/readyz`), the
//!   one mapping of errors to RFC 9457 problems, and serving with graceful
//!   shutdown.
//! - [`outbound`] — the one way a service requests an outside URL: the
//!   policy that keeps requests off loopback, private and other non-public
//!   addresses (`NEWSFEED_OUTBOUND_ALLOW_NETS`), and the client enforcing it.
//! - [`secrets`] — secrets kept in Kafka, encrypted with a rotatable key
//!   (`NEWSFEED_SECRETS_KEY_FILE`).
//! - [`service`] — the frame of every binary: telemetry, signals, exit code.
//! - [`shutdown`] — SIGINT/SIGTERM as a cancellation token.

pub mod auth;
pub mod cloudevents;
pub mod config;
pub mod exactly_once;
pub mod feeds;
pub mod http;
pub mod kafka;
pub mod metrics;
pub mod outbound;
pub mod secrets;
pub mod service;
pub mod shutdown;
pub mod spans;
pub mod table;
pub mod tail;
pub mod telemetry;

pub use config::{KafkaArgs, Topics};
pub use metrics::StageMetrics;

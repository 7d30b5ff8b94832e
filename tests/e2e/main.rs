//! End-to-end tests: the three real binaries against a real Apache Kafka
//! broker (started once per run by the harness), each test under its own
//! topic prefix. One test binary, so the broker is looked up once.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod contract;
mod errors;
mod exactly_once;
mod feeds;
mod feeds_sources;
mod flow;
mod kafka_acls;
mod lifecycle;
mod monitoring;
mod ninjs;
mod observability;
mod openapi;
mod operators_cli;
mod ops_conventions;
mod scale_out;
mod store;
mod streams;
mod taxonomy_reload;
mod traces;
mod trust_ingest;
mod trust_publish;
mod webhook_targets;
mod webhooks;

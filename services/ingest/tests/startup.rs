//! Misconfiguration stops `newsfeed-ingest` at start, saying what to fix.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::Command;

#[test]
fn a_bad_broker_list_is_named_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_newsfeed-ingest"))
        .env("NEWSFEED_KAFKA_BROKERS", "kafka-without-port")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NEWSFEED_KAFKA_BROKERS: `kafka-without-port` is not host:port"),
        "{err}"
    );
}

#[test]
fn a_bad_address_is_refused_by_the_flag_parser() {
    let out = Command::new(env!("CARGO_BIN_EXE_newsfeed-ingest"))
        .env("NEWSFEED_HTTP_ADDR", "localhost")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NEWSFEED_HTTP_ADDR: `localhost` is not an IP:port address"),
        "{err}"
    );
}

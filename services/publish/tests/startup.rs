//! Misconfiguration stops `newsfeed-publish` at start, saying what to fix.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::Command;

#[test]
fn an_invalid_topic_prefix_is_named_at_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_newsfeed-publish"))
        .env("NEWSFEED_TOPIC_PREFIX", "news feed/")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NEWSFEED_TOPIC_PREFIX: `news feed/` may only use"),
        "{err}"
    );
}

//! The shipped deploy files, checked by the tools that consume them, with no
//! broker: the Prometheus rules (`promtool check rules`, and `promtool test
//! rules` unit tests firing and not firing for every alert), each alert's
//! severity, summary and runbook section, the Grafana dashboard's shape, the
//! compose file (Docker Compose's own loader and the compose specification's
//! schema) and the Dockerfile (hadolint). The dashboard's queries and the
//! rules against a real pipeline: `tests/e2e/monitoring.rs`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod containers;
mod monitoring;

use std::path::PathBuf;
use std::process::Command;

/// A path under the repository root.
fn repo(path: &str) -> PathBuf {
    newsfeed_tests::repo_root().join(path)
}

/// Runs `cmd`; its success and everything it printed.
fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (deploy/local/prerequisites --test installs it)"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// `promtool`, or `NEWSFEED_TEST_PROMTOOL`.
fn promtool() -> Command {
    Command::new(std::env::var("NEWSFEED_TEST_PROMTOOL").unwrap_or_else(|_| "promtool".into()))
}

/// A YAML file of the repository.
fn yaml(path: &str) -> serde_norway::Value {
    let text = std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

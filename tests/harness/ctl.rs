//! `newsfeedctl`, the operators' CLI, run as a process the way an operator
//! runs it, against the test broker under a pipeline's topic prefix (as the
//! `newsfeedctl` principal on the secure broker).

use std::process::{Command, Output};

use crate::services::binary_named;

/// `newsfeedctl` under one topic prefix.
#[derive(Debug, Clone)]
pub struct Ctl {
    prefix: String,
}

impl Ctl {
    /// For the pipeline under `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// Runs `newsfeedctl args…` and returns its output, whatever the exit status.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(binary_named("newsfeedctl"))
            .args(args)
            .env("NEWSFEED_KAFKA_BROKERS", crate::brokers())
            .envs(crate::broker::principal_env("newsfeedctl"))
            .env("NEWSFEED_TOPIC_PREFIX", &self.prefix)
            // As the services in tests: feeds and subscribers listen on loopback.
            .env("NEWSFEED_OUTBOUND_ALLOW_NETS", "127.0.0.0/8")
            .output()
            .expect("running newsfeedctl")
    }

    /// Runs `newsfeedctl args…`, which must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "newsfeedctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("newsfeedctl stdout is UTF-8")
    }

    /// Runs an `add` command and returns the token it printed, checking
    /// that stdout is that token alone on its line.
    pub fn token(&self, args: &[&str]) -> String {
        let stdout = self.ok(args);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "newsfeedctl {args:?} printed {stdout:?}");
        lines[0].to_owned()
    }
}

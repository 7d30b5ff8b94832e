//! The broker the tests run against: `NEWSFEED_KAFKA_BROKERS` when set,
//! otherwise the local broker from `deploy/local/kafka up` (started once per
//! test run; it is left running for the next run — `deploy/local/kafka down`
//! stops it).

use std::process::Command;
use std::sync::OnceLock;

/// Bootstrap servers of the test broker.
pub fn brokers() -> &'static str {
    static BROKERS: OnceLock<String> = OnceLock::new();
    BROKERS.get_or_init(|| {
        if let Ok(b) = std::env::var("NEWSFEED_KAFKA_BROKERS") {
            return b;
        }
        let script = crate::repo_root().join("deploy/local/kafka");
        let out = Command::new(&script)
            .arg("up")
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "deploy/local/kafka up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
            .lines()
            .find_map(|l| l.strip_prefix("NEWSFEED_KAFKA_BROKERS="))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("deploy/local/kafka up printed no brokers line: {stdout}"))
    })
}

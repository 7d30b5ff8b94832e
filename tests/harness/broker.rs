//! The broker the tests run against: `NEWSFEED_KAFKA_BROKERS` when set,
//! otherwise the local broker from `deploy/local/kafka up` (started once per
//! test run; it is left running for the next run — `deploy/local/kafka down`
//! stops it).
//!
//! With `NEWSFEED_TEST_KAFKA_SECURE=1` the tests use the secure broker
//! instead (`deploy/local/kafka up --secure`: SASL_SSL, SCRAM, ACLs): each
//! test's topic prefix is granted its ACLs ([`grant`]), each service runs as
//! its own principal ([`service_env`]) and the harness's own clients as the
//! operators' `newsfeedctl` ([`client_config`]).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use clap::Parser;
use newsfeed_runtime::KafkaArgs;
use newsfeed_runtime::kafka::KafkaClients;
use rdkafka::config::ClientConfig;

use crate::Svc;

/// The principal the harness's own clients (readers, poison producers) use.
pub const HARNESS_PRINCIPAL: &str = "newsfeedctl";

/// True when the tests run against the secure broker.
pub fn secure() -> bool {
    std::env::var("NEWSFEED_TEST_KAFKA_SECURE").is_ok_and(|v| v == "1")
}

struct Broker {
    brokers: String,
    /// The secure broker's per-principal env files.
    env_dir: Option<PathBuf>,
}

fn broker() -> &'static Broker {
    static BROKER: OnceLock<Broker> = OnceLock::new();
    BROKER.get_or_init(|| {
        if secure() {
            let (brokers, stderr) = kafka_up(&["up", "--secure"]);
            let env_dir = stderr
                .lines()
                .find_map(|l| l.strip_prefix("env files: "))
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    panic!("deploy/local/kafka up --secure named no env files: {stderr}")
                });
            return Broker {
                brokers,
                env_dir: Some(env_dir),
            };
        }
        let brokers = match std::env::var("NEWSFEED_KAFKA_BROKERS") {
            Ok(b) => b,
            Err(_) => kafka_up(&["up"]).0,
        };
        Broker {
            brokers,
            env_dir: None,
        }
    })
}

/// Runs `deploy/local/kafka ARGS`; returns its stdout and stderr.
fn kafka_script(args: &[&str]) -> (String, String) {
    let script = crate::repo_root().join("deploy/local/kafka");
    let out = Command::new(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "deploy/local/kafka {} failed:\n{stderr}",
        args.join(" ")
    );
    (stdout, stderr)
}

/// Starts (or finds) a broker with `deploy/local/kafka ARGS`; returns the
/// address of its brokers line and the script's stderr.
fn kafka_up(args: &[&str]) -> (String, String) {
    let (stdout, stderr) = kafka_script(args);
    let brokers = stdout
        .lines()
        .find_map(|l| l.strip_prefix("NEWSFEED_KAFKA_BROKERS="))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            panic!(
                "deploy/local/kafka {} printed no brokers line: {stdout}",
                args.join(" ")
            )
        });
    (brokers, stderr)
}

/// Bootstrap servers of the test broker.
pub fn brokers() -> &'static str {
    &broker().brokers
}

/// The `NEWSFEED_KAFKA_*` settings of `principal` (`ingest`, `enrich`,
/// `publish`, `newsfeedctl`) on the secure broker, from its env file; empty
/// against the plaintext broker. For any process a test starts.
pub fn principal_env(principal: &str) -> Vec<(String, String)> {
    let Some(dir) = &broker().env_dir else {
        return Vec::new();
    };
    let path = dir.join(format!("{principal}.env"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: not KEY=VALUE: {l}", path.display()));
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(v);
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The settings `svc` runs with: its own principal's.
pub fn service_env(svc: Svc) -> Vec<(String, String)> {
    principal_env(match svc {
        Svc::Ingest => "ingest",
        Svc::Enrich => "enrich",
        Svc::Publish => "publish",
    })
}

/// Gives topic prefix `prefix` its ACLs on the secure broker; nothing otherwise.
pub fn grant(prefix: &str) {
    if secure() {
        broker();
        kafka_script(&["grant", "--secure", prefix]);
    }
}

/// A client configuration for `principal`, made by the services' own client
/// setup (`KafkaClients`) from that principal's settings; plaintext when
/// the broker is.
pub fn client_config(principal: &str) -> ClientConfig {
    #[derive(Parser)]
    struct Settings {
        #[command(flatten)]
        kafka: KafkaArgs,
    }
    let mut settings = std::collections::BTreeMap::new();
    settings.insert("NEWSFEED_KAFKA_BROKERS".to_owned(), brokers().to_owned());
    settings.extend(principal_env(principal));
    let mut args = vec!["test".to_owned()];
    for (key, value) in settings {
        // NEWSFEED_KAFKA_SASL_USERNAME -> --kafka-sasl-username
        let flag = key
            .strip_prefix("NEWSFEED_")
            .unwrap_or(&key)
            .to_ascii_lowercase()
            .replace('_', "-");
        args.extend([format!("--{flag}"), value]);
    }
    let settings = Settings::try_parse_from(&args).expect("principal settings");
    settings.kafka.validate().expect("principal settings");
    KafkaClients::new(&settings.kafka, "test")
        .base()
        .expect("Kafka client settings")
}

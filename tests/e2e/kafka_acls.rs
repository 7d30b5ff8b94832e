//! On the secure broker (`NEWSFEED_TEST_KAFKA_SECURE=1`), each principal
//! can read and write only what its ACLs allow: ingest cannot read the
//! published topic nor write the enriched one, and so on for every service;
//! nothing outside the prefix is open even to the operators' `newsfeedctl`;
//! a wrong password gets nowhere. Against the plaintext broker these tests
//! are ignored (they would prove nothing); CI runs them in secure mode.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsfeed_tests::broker::{client_config, secure};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

const SECURE_ONLY: &str =
    "proves nothing on the plaintext broker: run with NEWSFEED_TEST_KAFKA_SECURE=1";

/// What a principal may do with a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    None,
    Read,
    Write,
    ReadWrite,
}

impl Access {
    fn read(self) -> bool {
        matches!(self, Self::Read | Self::ReadWrite)
    }
    fn write(self) -> bool {
        matches!(self, Self::Write | Self::ReadWrite)
    }
}

/// Topics (under the test's prefix) and each principal's access:
/// ingest, enrich, publish, newsfeedctl.
const MATRIX: &[(&str, [Access; 4])] = {
    use Access::{None as N, Read as R, ReadWrite as RW, Write as W};
    &[
        ("articles.ingested", [W, R, N, RW]),
        ("articles.enriched", [N, W, R, RW]),
        ("articles.published", [N, N, RW, RW]),
        ("articles.enrich.dlq", [N, W, N, RW]),
        ("articles.publish.dlq", [N, N, W, RW]),
        ("publish.state", [N, N, RW, RW]),
        ("publish.embargoes", [N, N, RW, RW]),
        ("publish.subscriptions", [N, N, RW, RW]),
        ("publish.webhook-offsets", [N, N, RW, RW]),
        ("feed.russia", [N, N, W, RW]),
        ("webhooks.dlq", [N, N, W, RW]),
        ("dlq.replays", [N, N, N, RW]),
        ("auth.sources", [R, N, N, RW]),
        ("auth.clients", [N, N, R, RW]),
        ("ingest.feeds", [R, N, N, RW]),
        ("ingest.feeds.status", [RW, N, N, RW]),
    ]
};

const PRINCIPALS: [&str; 4] = ["ingest", "enrich", "publish", "newsfeedctl"];

/// Runs on every broker: a topic added to the product without a row in the
/// matrix above would go unchecked.
#[test]
fn the_matrix_names_every_topic() {
    let topics = newsfeed_runtime::config::Topics::new("");
    let missing: Vec<&str> = topics
        .all()
        .into_iter()
        .filter(|t| !MATRIX.iter().any(|(name, _)| name == t))
        .collect();
    assert!(missing.is_empty(), "not in the ACL matrix: {missing:?}");
    assert!(MATRIX.iter().any(|(name, _)| name.starts_with("feed.")));
}

#[tokio::test]
#[ignore = "needs the secure broker: NEWSFEED_TEST_KAFKA_SECURE=1"]
async fn ingest_cannot_read_published_nor_write_enriched_but_writes_ingested() {
    assert!(secure(), "{SECURE_ONLY}");
    let prefix = granted_prefix("acl-ingest");
    create_topics(&prefix).await;
    let topic = |name: &str| format!("{prefix}{name}");

    assert_eq!(
        read(&prefix, "ingest", &topic("articles.published")),
        Err(RDKafkaErrorCode::TopicAuthorizationFailed),
        "ingest read the published topic"
    );
    assert_eq!(
        write("ingest", &topic("articles.enriched")).await,
        Err(RDKafkaErrorCode::TopicAuthorizationFailed),
        "ingest wrote the enriched topic"
    );
    assert_eq!(write("ingest", &topic("articles.ingested")).await, Ok(()));
    // The operators' principal reads what ingest may not.
    assert_eq!(
        read(&prefix, "newsfeedctl", &topic("articles.published")),
        Ok(())
    );
}

#[tokio::test]
#[ignore = "needs the secure broker: NEWSFEED_TEST_KAFKA_SECURE=1"]
async fn every_principal_reads_and_writes_only_what_it_needs() {
    assert!(secure(), "{SECURE_ONLY}");
    let prefix = granted_prefix("acl-matrix");
    create_topics(&prefix).await;
    let mut wrong = Vec::new();
    for (name, access) in MATRIX {
        let topic = format!("{prefix}{name}");
        for (principal, want) in PRINCIPALS.iter().zip(access) {
            let can_read = read(&prefix, principal, &topic);
            let can_write = write(principal, &topic).await;
            for (op, allowed, got) in [
                ("read", want.read(), can_read),
                ("write", want.write(), can_write),
            ] {
                let expected = if allowed {
                    Ok(())
                } else {
                    Err(RDKafkaErrorCode::TopicAuthorizationFailed)
                };
                if got != expected {
                    wrong.push(format!(
                        "{principal} {op} {name}: {got:?}, expected {expected:?}"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "ACLs do not hold:\n{}", wrong.join("\n"));
}

#[tokio::test]
#[ignore = "needs the secure broker: NEWSFEED_TEST_KAFKA_SECURE=1"]
async fn nothing_outside_the_prefix_and_no_wrong_password() {
    assert!(secure(), "{SECURE_ONLY}");
    let prefix = granted_prefix("acl-outside");
    // Another prefix, never granted: even newsfeedctl may not touch it.
    let outside = format!(
        "{}articles.ingested",
        newsfeed_tests::unique_prefix("ungranted")
    );
    for principal in PRINCIPALS {
        assert_eq!(
            write(principal, &outside).await,
            Err(RDKafkaErrorCode::TopicAuthorizationFailed),
            "{principal} wrote outside its prefix"
        );
    }

    // ingest's name with a wrong password: refused at authentication, and
    // nothing is written.
    let errors = ErrorLog::default();
    let producer: FutureProducer<ErrorLog> = client_config("ingest")
        .set("sasl.password", "not-the-password")
        .set("message.timeout.ms", "5000")
        .create_with_context(errors.clone())
        .unwrap();
    let sent = producer
        .send(
            FutureRecord::<str, str>::to(&format!("{prefix}articles.ingested")).payload("x"),
            Duration::from_secs(10),
        )
        .await;
    assert!(sent.is_err(), "written with a wrong password");
    let seen = errors.0.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|(code, reason)| *code == RDKafkaErrorCode::Authentication
                && reason.contains("invalid credentials")),
        "no authentication failure reported: {seen:?}"
    );
}

/// Records the client errors librdkafka reports (e.g. failed authentication).
#[derive(Clone, Default)]
struct ErrorLog(Arc<Mutex<Vec<(RDKafkaErrorCode, String)>>>);

impl ClientContext for ErrorLog {
    fn error(&self, error: KafkaError, reason: &str) {
        self.0
            .lock()
            .unwrap()
            .push((code(&error), reason.to_owned()));
    }
}

impl ProducerContext for ErrorLog {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &rdkafka::message::DeliveryResult<'_>, _: ()) {}
}

/// A fresh topic prefix with its ACLs in place.
fn granted_prefix(test: &str) -> String {
    let prefix = newsfeed_tests::unique_prefix(test);
    newsfeed_tests::broker::grant(&prefix);
    prefix
}

/// Creates every topic of [`MATRIX`] as the operators' principal, so a
/// refusal below is about authorization, never a missing topic.
async fn create_topics(prefix: &str) {
    let admin: AdminClient<DefaultClientContext> = client_config("newsfeedctl").create().unwrap();
    let names: Vec<String> = MATRIX.iter().map(|(n, _)| format!("{prefix}{n}")).collect();
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| NewTopic::new(n, 1, TopicReplication::Fixed(1)))
        .collect();
    for r in admin
        .create_topics(&topics, &AdminOptions::new())
        .await
        .unwrap()
    {
        r.unwrap();
    }
}

/// Writes one record to `topic` as `principal`.
async fn write(principal: &str, topic: &str) -> Result<(), RDKafkaErrorCode> {
    let producer: FutureProducer = client_config(principal)
        .set("message.timeout.ms", "10000")
        .create()
        .unwrap();
    producer
        .send(
            FutureRecord::to(topic).key("acl-probe").payload("{}"),
            Duration::from_secs(15),
        )
        .await
        .map(|_| ())
        .map_err(|(e, _)| code(&e))
}

/// Reads `topic` from its start as `principal`, in a group the principal
/// may use; Ok once a record or the end of the partition comes back.
fn read(prefix: &str, principal: &str, topic: &str) -> Result<(), RDKafkaErrorCode> {
    let consumer: BaseConsumer = client_config(principal)
        .set("group.id", format!("{prefix}{principal}.acl-probe"))
        .set("enable.partition.eof", "true")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    // Without even DESCRIBE the broker hides the topic's metadata, and an
    // assigned partition then just stays silent: ask first.
    let meta = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .unwrap();
    if let Some(e) = meta.topics().first().and_then(|t| t.error()) {
        return Err(RDKafkaErrorCode::from(e));
    }
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = None;
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(_)) | Some(Err(KafkaError::PartitionEOF(_))) => return Ok(()),
            Some(Err(e)) => match code(&e) {
                c @ (RDKafkaErrorCode::TopicAuthorizationFailed
                | RDKafkaErrorCode::GroupAuthorizationFailed) => return Err(c),
                c => last = Some(c), // transient (e.g. leader not yet known)
            },
            None => {}
        }
    }
    panic!("{principal} reading {topic}: no answer within 20 s (last error {last:?})");
}

fn code(e: &KafkaError) -> RDKafkaErrorCode {
    e.rdkafka_error_code().unwrap_or(RDKafkaErrorCode::Unknown)
}

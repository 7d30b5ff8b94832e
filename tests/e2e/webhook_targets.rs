//! Webhook hardening, end to end: a URL on loopback, a private network, the
//! cloud metadata service or with a password in it is refused at
//! registration and never contacted, however it is spelled; a failed
//! challenge does not reveal what the target answered; signing secrets are
//! sealed in the subscriptions topic and never logged, still open after a
//! restart with a rotated key, and without a key publish says which setting
//! is missing instead of creating subscriptions.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use newsfeed_tests::secrets::{key_file, new_key_file};
use newsfeed_tests::services::answer;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::webhooks::{Receiver, create, get, post};

const WITHIN: Duration = Duration::from_secs(60);
const PASSWORD: &str = "hunter2-userinfo";

#[tokio::test]
async fn non_public_webhook_targets_are_refused_and_never_contacted() {
    // No allowed nets: only public addresses may be contacted.
    let env = [("NEWSFEED_OUTBOUND_ALLOW_NETS", "")];
    let mut p = Pipeline::start_some("webhook-targets", &[Svc::Publish], &env).await;
    let target = LocalTarget::start(http("200 OK", "{}")).await;
    let port = target.port;
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://127.1:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://0x7f.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        format!("http://user:{PASSWORD}@127.0.0.1:{port}/hook"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/hook".to_owned(),
    ] {
        let (status, ct, body) = create(&p, &json!({ "url": url })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(ct, "application/problem+json", "{url}");
        assert_eq!(body["errors"][0]["pointer"], "/url", "{url}: {body}");
        assert!(!body.to_string().contains(PASSWORD), "{url}: {body}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(target.hits(), 0, "a refused target was contacted");
    let log = std::fs::read_to_string(&p.svc(Svc::Publish).log).unwrap();
    assert!(!log.contains(PASSWORD), "publish logged a URL password");
}

#[tokio::test]
async fn challenges_and_secrets_reveal_nothing_and_survive_key_rotation() {
    let all = [Svc::Ingest, Svc::Enrich, Svc::Publish];
    let mut p = Pipeline::start_some("webhook-secrets", &all, &[]).await;

    // Loopback is allowed here, so these targets are contacted, but what
    // they answer stays with publish.
    for (status_line, banner) in [
        ("200 OK", "INTERNAL-BANNER redis_version:7.2.4"),
        (
            "500 Internal Server Error",
            "INTERNAL-TRACEBACK at db.internal:5432",
        ),
    ] {
        let target = LocalTarget::start(http(status_line, banner)).await;
        let url = format!("http://127.0.0.1:{}/hook", target.port);
        let (status, _, body) = create(&p, &json!({ "url": url })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/url", "{body}");
        let text = body.to_string();
        assert!(!text.contains("INTERNAL"), "the answer leaked: {text}");
        assert!(text.contains("did not answer the challenge"), "{text}");
        assert!(target.hits() >= 1, "the challenge never reached the target");
    }
    // A password in the URL is refused even where the address is allowed.
    let target = LocalTarget::start(http("200 OK", "{}")).await;
    let url = format!("http://user:{PASSWORD}@127.0.0.1:{}/hook", target.port);
    let (status, _, body) = create(&p, &json!({ "url": url })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["pointer"], "/url", "{body}");
    assert!(!body.to_string().contains(PASSWORD), "{body}");
    assert_eq!(target.hits(), 0, "a URL with userinfo was contacted");

    let rx = Receiver::start();
    let (first, secret) = register(&p, &rx, "sealed").await;
    let secrets_topic = p.topic("publish.subscriptions");
    let key_ids = secret_stays_sealed(&p, &secrets_topic, &secret);
    assert_eq!(key_ids.len(), 1, "{key_ids:?}");

    // Rotate: a new key, the old one kept for the records it sealed.
    let old_key = key_file(&p.prefix, "secrets");
    let new_key = new_key_file(&p.prefix, "rotated");
    restart_publish(
        &mut p,
        &[
            ("NEWSFEED_SECRETS_KEY_FILE", &new_key.display().to_string()),
            (
                "NEWSFEED_SECRETS_PREVIOUS_KEY_FILES",
                &old_key.display().to_string(),
            ),
        ],
    )
    .await;
    let story = uri("webhook-secrets");
    post(&p, &kazakhstan_unrest(&story, 1)).await;
    rx.wait_delivered("sealed", std::slice::from_ref(&story))
        .await;
    let (_, second_secret) = register(&p, &rx, "rotated").await;
    let key_ids = secret_stays_sealed(&p, &secrets_topic, &second_secret);
    assert_eq!(key_ids.len(), 2, "new secrets use the new key: {key_ids:?}");
    secret_stays_sealed(&p, &secrets_topic, &secret);

    // Every delivery is checked again: once loopback is no longer allowed,
    // the subscriber registered on it gets nothing more.
    restart_publish(&mut p, &[("NEWSFEED_OUTBOUND_ALLOW_NETS", "")]).await;
    let refused = uri("webhook-secrets-refused");
    post(&p, &kazakhstan_unrest(&refused, 1)).await;
    let deadline = std::time::Instant::now() + WITHIN;
    loop {
        let (_, _, view) = get(&p, &first).await;
        let error = view["lastError"].as_str().unwrap_or_default();
        if error.contains("not contacted") {
            assert!(error.contains("127.0.0.1"), "{view}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never refused: {view}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let delivered = rx
        .entries()
        .into_iter()
        .any(|e| e["uri"] == refused.as_str());
    assert!(!delivered, "delivered to a target no longer allowed");

    // No key: publish serves, refuses to create, and says why it cannot deliver.
    restart_publish(
        &mut p,
        &[
            ("NEWSFEED_SECRETS_KEY_FILE", ""),
            ("NEWSFEED_SECRETS_PREVIOUS_KEY_FILES", ""),
        ],
    )
    .await;
    let target = LocalTarget::start(http("200 OK", "{}")).await;
    let url = format!("http://127.0.0.1:{}/hook", target.port);
    let r = p
        .http
        .post(p.publish_url("/v1/subscriptions"))
        .bearer_auth(&p.client_token)
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap();
    let (status, ct, body) = answer(r).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(ct, "application/problem+json");
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("NEWSFEED_SECRETS_KEY_FILE"), "{body}");
    assert_eq!(
        target.hits(),
        0,
        "contacted without a key to seal the secret"
    );
    let (status, _, view) = get(&p, &first).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let blocked = view["deliveriesBlocked"].as_str().unwrap_or_default();
    assert!(blocked.contains("NEWSFEED_SECRETS_KEY_FILE"), "{view}");

    let log = std::fs::read_to_string(&p.svc(Svc::Publish).log).unwrap();
    for s in [&secret, &second_secret] {
        assert!(!log.contains(s.as_str()), "publish logged a secret");
        assert!(
            !log.contains(&s["whsec_".len()..]),
            "publish logged a secret"
        );
    }
    assert!(!log.contains("whsec_"), "publish logged a secret");
}

#[tokio::test]
async fn plain_text_secrets_of_earlier_versions_are_sealed_on_start() {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let p = Pipeline::start_some("webhook-legacy", &[Svc::Publish], &[]).await;
    let topic = p.topic("publish.subscriptions");
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let id = "sub_0123456789abcdef0123456789abcdef";
    // As publish wrote it before secrets were sealed (an unreachable URL:
    // nothing is delivered, only the record matters).
    let legacy = json!({
        "id": id,
        "url": "http://127.0.0.1:1/hook",
        "topics": ["no-such-topic"],
        "secret": secret,
        "status": "active",
        "createdAt": "2026-11-01T00:00:00Z",
    });
    // As the operators' principal on the secure broker, plaintext otherwise.
    let producer: FutureProducer = newsfeed_tests::broker::client_config("newsfeedctl")
        .create()
        .unwrap();
    producer
        .send(
            FutureRecord::to(&topic)
                .key(id)
                .payload(&legacy.to_string()),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + WITHIN;
    loop {
        let records = read_topic(&topic, WITHIN);
        let latest = records.iter().rev().find(|r| r.key == id);
        if let Some(r) = latest.filter(|r| r.value["secret"]["keyId"].is_string()) {
            assert_eq!(r.value["status"], "active", "{:?}", r.value);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never re-sealed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Made before subscriptions had owners: no client sees it (operators
    // manage such records), though it keeps delivering.
    let (status, _, view) = get(&p, id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{view}");
}

/// Registers endpoint `name` of the receiver; returns the id and secret.
async fn register(p: &Pipeline, rx: &Receiver, name: &str) -> (String, String) {
    let (status, _, body) = create(p, &json!({ "url": rx.url(name) })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    rx.control(name, json!({ "secret": secret })).await;
    (body["id"].as_str().unwrap().to_owned(), secret)
}

/// No record of the subscriptions topic holds `secret`, in text or as
/// bytes; returns the key ids the sealed secrets name.
fn secret_stays_sealed(p: &Pipeline, topic: &str, secret: &str) -> Vec<String> {
    use rdkafka::Message;
    let encoded = &secret["whsec_".len()..];
    let raw_key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let mut key_ids: Vec<String> = Vec::new();
    for r in read_topic(topic, WITHIN) {
        let payload = r.message.payload().unwrap_or_default();
        let text = String::from_utf8_lossy(payload);
        assert!(!text.contains("whsec_"), "{}: {text}", p.prefix);
        assert!(!text.contains(encoded), "{text}");
        assert!(
            !payload.windows(raw_key.len()).any(|w| w == raw_key),
            "the secret's bytes are in the topic"
        );
        if let Some(id) = r.value["secret"]["keyId"].as_str()
            && !key_ids.iter().any(|k| k == id)
        {
            key_ids.push(id.to_owned());
        }
    }
    key_ids
}

async fn restart_publish(p: &mut Pipeline, env: &[(&str, &str)]) {
    let publish = p.svc(Svc::Publish);
    assert!(publish.terminate().success());
    for (k, v) in env {
        publish.set_env(k, v);
    }
    publish.start();
    publish.wait_ready(WITHIN).await;
}

/// An HTTP/1.1 answer with `body`.
fn http(status_line: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status_line}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A local HTTP server, on IPv4 and (where there is one) IPv6 loopback,
/// that gives every request the same answer and counts connections.
struct LocalTarget {
    port: u16,
    hits: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl LocalTarget {
    async fn start(answer: String) -> Self {
        let v4 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = v4.local_addr().unwrap().port();
        let v6 = TcpListener::bind(("::1", port)).await.ok();
        let hits = Arc::new(AtomicUsize::new(0));
        let answer: Arc<str> = answer.into();
        let tasks = std::iter::once(v4)
            .chain(v6)
            .map(|listener| {
                let (hits, answer) = (hits.clone(), answer.clone());
                tokio::spawn(async move {
                    while let Ok((mut s, _)) = listener.accept().await {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let answer = answer.clone();
                        tokio::spawn(async move {
                            read_request(&mut s).await;
                            let _ = s.write_all(answer.as_bytes()).await;
                            let _ = s.shutdown().await;
                        });
                    }
                })
            })
            .collect();
        Self { port, hits, tasks }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for LocalTarget {
    fn drop(&mut self) {
        self.tasks.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// Reads one request's head and body (by content-length), for at most 2 s.
async fn read_request(s: &mut tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    return;
                }
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), read).await;
}

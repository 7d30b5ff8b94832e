//! Signed webhooks, judged by the reference Standard Webhooks library in a
//! Python subscriber (`tests/python/webhook_receiver.py`): every delivery
//! verifies; a failing subscriber gets retries with the same `webhook-id`
//! until it answers; a dead one is dead-lettered and disabled; topic filters
//! hold; publish killed with SIGKILL mid-delivery loses nothing; DELETE
//! stops deliveries.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use newsfeed_tests::services::answer;
use newsfeed_tests::stories::{kazakhstan_unrest, russia_grain, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::{Value, json};

const WITHIN: Duration = Duration::from_secs(60);

#[tokio::test]
async fn webhooks_are_signed_retried_filtered_and_survive_a_crash() {
    let started = Instant::now();
    let env = [
        ("NEWSFEED_WEBHOOK_RETRY_BASE_MS", "100"),
        ("NEWSFEED_WEBHOOK_RETRY_MAX_MS", "1000"),
        ("NEWSFEED_WEBHOOK_MAX_ATTEMPTS", "5"),
        ("NEWSFEED_WEBHOOK_DISABLE_AFTER", "2"),
    ];
    let all = [Svc::Ingest, Svc::Enrich, Svc::Publish];
    let mut p = Pipeline::start_some("webhooks", &all, &env).await;
    let rx = Receiver::start();

    refuses_urls_it_cannot_verify(&p, &rx).await;
    let everything = subscribe(&p, &rx, "all", &[]).await;
    let russia = subscribe(&p, &rx, "russia", &["russia"]).await;
    let dead = subscribe(&p, &rx, "dead", &[]).await;
    rx.control("all", json!({"fail_first": 3})).await;
    rx.control("dead", json!({"fail_seconds": 3600})).await;

    // Four stories: the first three attempts at `all` fail, then it recovers.
    let kz: Vec<String> = (0..3).map(|_| uri("webhooks")).collect();
    for id in &kz {
        post(&p, &kazakhstan_unrest(id, 1)).await;
    }
    let ru = uri("webhooks-ru");
    post(&p, &russia_grain(&ru)).await;
    let mut first: Vec<String> = kz.clone();
    first.push(ru.clone());
    rx.wait_delivered("all", &first).await;
    let retried = retries_reused_the_webhook_id(&rx, "all");
    assert!(
        retried >= 3,
        "expected 3 failed attempts retried, saw {retried}"
    );

    rx.wait_delivered("russia", std::slice::from_ref(&ru)).await;
    assert_eq!(rx.delivered_uris("russia"), BTreeSet::from([ru.clone()]));
    let (_, _, view) = get(&p, &russia).await;
    assert_eq!(view["topics"], json!(["russia"]), "{view}");

    dead_subscriber_is_dead_lettered_and_disabled(&p, &dead).await;
    let m = |s: &str| format!("newsfeed_webhook_{s}");
    let retries = p
        .metric(Svc::Publish, &m("deliveries_total{outcome=\"retried\"}"))
        .await;
    assert!(retries >= 3.0 + 2.0 * 4.0, "retried: {retries}");
    let deadline = Instant::now() + WITHIN;
    while p
        .metric(Svc::Publish, &m("subscriptions{status=\"disabled\"}"))
        .await
        != 1.0
    {
        assert!(
            Instant::now() < deadline,
            "subscriptions gauge never showed the disabled one"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, _, view) = get(&p, &everything).await;
    assert!(view["counts"]["delivered"].as_u64() >= Some(4), "{view}");

    let (crashed, duplicates) = survives_a_crash(&mut p, &rx).await;

    // DELETE stops deliveries: a later story reaches `russia`, not `all`.
    let (status, _, _) = delete(&p, &everything).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(get(&p, &everything).await.0, StatusCode::NOT_FOUND);
    let (status, ct, problem) = delete(&p, &everything).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json"),
        "{problem}"
    );
    let late = uri("webhooks-late");
    post(&p, &russia_grain(&late)).await;
    rx.wait_delivered("russia", std::slice::from_ref(&late))
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !rx.delivered_uris("all").contains(&late),
        "deleted subscriber got {late}"
    );

    // With deliveries running, publish still stops cleanly on SIGTERM.
    assert!(p.svc(Svc::Publish).terminate().success());

    let unverified: Vec<Value> = rx
        .entries()
        .into_iter()
        .filter(|e| e["kind"] == "delivery" && e["verified"] != true)
        .collect();
    assert!(
        unverified.is_empty(),
        "deliveries failing verification: {unverified:?}"
    );
    let deliveries = rx
        .entries()
        .iter()
        .filter(|e| e["kind"] == "delivery")
        .count();
    eprintln!(
        "webhooks: {deliveries} verified requests, {retried} retried with the same webhook-id, \
         {} stories over a SIGKILL with {crashed} delivered before it and {duplicates} re-sent, {:.1} s",
        CRASH_STORIES,
        started.elapsed().as_secs_f64()
    );
}

async fn refuses_urls_it_cannot_verify(p: &Pipeline, rx: &Receiver) {
    for (url, why) in [
        ("ftp://hooks.example/in".to_owned(), "http or https"),
        ("/relative".to_owned(), "not an absolute URL"),
        (
            "http://127.0.0.1:1/hook".to_owned(),
            "did not answer the challenge",
        ),
        (format!("http://127.0.0.1:{}/nowhere", rx.port), "HTTP 404"),
    ] {
        let (status, ct, body) = create(p, &json!({"url": url})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(ct, "application/problem+json");
        assert_eq!(body["errors"][0]["pointer"], "/url", "{body}");
        let detail = body["errors"][0]["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(why), "{url}: {detail}");
    }
}

/// Registers endpoint `name` of the receiver and tells it the secret.
pub(crate) async fn subscribe(p: &Pipeline, rx: &Receiver, name: &str, topics: &[&str]) -> String {
    let (status, _, body) = create(p, &json!({"url": rx.url(name), "topics": topics})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret = body["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() >= 6 + 32,
        "{body}"
    );
    assert_eq!(body["status"], "active");
    assert_eq!(body["topics"], json!(topics));
    rx.control(name, json!({"secret": secret})).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, _, view) = get(p, &id).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert!(view.get("secret").is_none(), "GET shows the secret: {view}");
    id
}

/// Each failed attempt's webhook-id was delivered later; returns how many failed.
fn retries_reused_the_webhook_id(rx: &Receiver, name: &str) -> usize {
    let entries = rx.entries_of(name);
    let failed: Vec<&Value> = entries.iter().filter(|e| e["status"] == 500).collect();
    for f in &failed {
        assert!(
            entries
                .iter()
                .any(|e| e["status"] == 200 && e["webhook_id"] == f["webhook_id"]),
            "attempt {f} never succeeded under the same webhook-id"
        );
    }
    failed.len()
}

async fn dead_subscriber_is_dead_lettered_and_disabled(p: &Pipeline, id: &str) {
    let deadline = Instant::now() + WITHIN;
    let view = loop {
        let (_, _, view) = get(p, id).await;
        if view["status"] == "disabled" && view["counts"]["deadLettered"] == 2 {
            break view;
        }
        assert!(Instant::now() < deadline, "never disabled: {view}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let reason = view["disabledReason"].as_str().unwrap_or_default();
    assert!(reason.contains("HTTP 500"), "{view}");
    assert!(view["lastError"].as_str().is_some(), "{view}");
    let dead = read_topic(&p.topic("webhooks.dlq"), WITHIN);
    let mine: Vec<_> = dead
        .iter()
        .filter(|r| r.header("newsfeed-webhook-subscription") == Some(id))
        .collect();
    assert_eq!(mine.len(), 2, "dead letters: {dead:?}");
    for r in mine {
        assert_eq!(r.header("newsfeed-dlq-reason"), Some("delivery_failed"));
        assert_eq!(r.header("newsfeed-webhook-attempts"), Some("5"));
        assert!(r.value["article"]["uri"].is_string());
    }
}

const CRASH_STORIES: usize = 8;

/// Publish is killed while delivering to a slow subscriber and restarted:
/// every story still arrives, re-sends only under the same webhook-id.
/// Returns how many had arrived at the kill and how many were re-sent.
async fn survives_a_crash(p: &mut Pipeline, rx: &Receiver) -> (usize, usize) {
    rx.control("all", json!({"delay_ms": 300})).await;
    let ids: Vec<String> = (0..CRASH_STORIES).map(|_| uri("webhooks-crash")).collect();
    for id in &ids {
        post(p, &kazakhstan_unrest(id, 1)).await;
    }
    let deadline = Instant::now() + WITHIN;
    let arrived = |rx: &Receiver| {
        ids.iter()
            .filter(|id| rx.delivered_uris("all").contains(*id))
            .count()
    };
    while arrived(rx) < 2 {
        assert!(Instant::now() < deadline, "no crash-phase story arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.svc(Svc::Publish).kill9();
    let at_kill = arrived(rx);
    assert!(
        at_kill < CRASH_STORIES,
        "all delivered before the kill; the test proves nothing"
    );
    rx.control("all", json!({"delay_ms": 0})).await;
    p.svc(Svc::Publish).start();
    p.svc(Svc::Publish).wait_ready(WITHIN).await;
    rx.wait_delivered("all", &ids).await;

    let mut ids_by_uri: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut sends = 0;
    for e in rx
        .entries_of("all")
        .into_iter()
        .filter(|e| e["status"] == 200)
    {
        let uri = e["uri"].as_str().unwrap_or_default().to_owned();
        if ids.contains(&uri) {
            sends += 1;
            let msg = e["webhook_id"].as_str().unwrap_or_default().to_owned();
            ids_by_uri.entry(uri).or_default().insert(msg);
        }
    }
    for (uri, msg_ids) in &ids_by_uri {
        assert_eq!(
            msg_ids.len(),
            1,
            "{uri} delivered under several webhook-ids: {msg_ids:?}"
        );
    }
    (at_kill, sends - ids.len())
}

pub(crate) async fn post(p: &Pipeline, doc: &Value) {
    let (status, _, body) = p.post_article(doc).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

/// `POST /v1/subscriptions` as the test client, waiting out the 503 of a
/// publish still loading.
pub(crate) async fn create(p: &Pipeline, body: &Value) -> (StatusCode, String, Value) {
    create_as(p, &p.client_token, body).await
}

/// `POST /v1/subscriptions` with `token`.
pub(crate) async fn create_as(
    p: &Pipeline,
    token: &str,
    body: &Value,
) -> (StatusCode, String, Value) {
    let deadline = Instant::now() + WITHIN;
    loop {
        let r = p
            .http
            .post(p.publish_url("/v1/subscriptions"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await;
        let answer = answer(r.expect("POST /v1/subscriptions")).await;
        if answer.0 != StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn get(p: &Pipeline, id: &str) -> (StatusCode, String, Value) {
    get_as(p, &p.client_token, id).await
}

/// `GET /v1/subscriptions/{id}` with `token`.
pub(crate) async fn get_as(p: &Pipeline, token: &str, id: &str) -> (StatusCode, String, Value) {
    let r = p
        .http
        .get(p.publish_url(&format!("/v1/subscriptions/{id}")))
        .bearer_auth(token)
        .send()
        .await;
    answer(r.expect("GET subscription")).await
}

pub(crate) async fn delete(p: &Pipeline, id: &str) -> (StatusCode, String, Value) {
    delete_as(p, &p.client_token, id).await
}

/// `DELETE /v1/subscriptions/{id}` with `token`.
pub(crate) async fn delete_as(p: &Pipeline, token: &str, id: &str) -> (StatusCode, String, Value) {
    let r = p
        .http
        .delete(p.publish_url(&format!("/v1/subscriptions/{id}")))
        .bearer_auth(token)
        .send()
        .await;
    answer(r.expect("DELETE subscription")).await
}

/// The Python subscriber process; killed when dropped.
pub(crate) struct Receiver {
    child: Child,
    port: u16,
    log: PathBuf,
    http: reqwest::Client,
}

impl Receiver {
    pub(crate) fn start() -> Self {
        let logs = newsfeed_tests::repo_root().join("target/e2e-logs");
        std::fs::create_dir_all(&logs).unwrap();
        let log = logs.join(format!("webhooks-{}.jsonl", uuid::Uuid::new_v4().simple()));
        let mut child = Command::new(newsfeed_tests::python::interpreter())
            .arg(newsfeed_tests::python::script("webhook_receiver.py"))
            .arg(&log)
            // Its stdin closing (this process ending) stops it too.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting webhook_receiver.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok());
        let port = port.unwrap_or_else(|| panic!("receiver said {line:?}"));
        Self {
            child,
            port,
            log,
            http: newsfeed_tests::services::http_client(),
        }
    }

    pub(crate) fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/hooks/{name}", self.port)
    }

    pub(crate) async fn control(&self, name: &str, settings: Value) {
        let url = format!("http://127.0.0.1:{}/control/{name}", self.port);
        let r = self.http.post(url).json(&settings).send().await.unwrap();
        assert!(r.status().is_success());
    }

    pub(crate) fn entries(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    pub(crate) fn entries_of(&self, name: &str) -> Vec<Value> {
        let mut e = self.entries();
        e.retain(|e| e["endpoint"] == name && e["kind"] == "delivery");
        e
    }

    /// Story uris endpoint `name` acknowledged (answered 200).
    fn delivered_uris(&self, name: &str) -> BTreeSet<String> {
        let e = self.entries_of(name);
        let ok = e
            .iter()
            .filter(|e| e["status"] == 200 && e["verified"] == true);
        ok.filter_map(|e| e["uri"].as_str().map(str::to_owned))
            .collect()
    }

    pub(crate) async fn wait_delivered(&self, name: &str, uris: &[String]) {
        let deadline = Instant::now() + WITHIN;
        loop {
            let got = self.delivered_uris(name);
            let missing: Vec<&String> = uris.iter().filter(|u| !got.contains(*u)).collect();
            if missing.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "{name} never got {missing:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

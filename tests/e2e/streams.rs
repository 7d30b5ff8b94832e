//! Live subscriptions judged by real clients: a headless Chromium page's
//! `EventSource` gets every story of its topics exactly once across a
//! publish crash (automatic reconnect with `Last-Event-ID`) and across a
//! disconnect it chose (`?since=<last id>`); a browser `WebSocket` resumes
//! the same way. Resuming from a partition that does not exist is a 400. A
//! resume whose catch-up from Kafka cannot finish ends the stream (SSE
//! closes, WebSocket says `lagged`) instead of skipping to live events. A
//! client arriving while publish starts waits for the stream (a 503 would
//! end an `EventSource` for good).

use std::time::Duration;

use newsfeed_tests::browser::Browser;
use newsfeed_tests::sse::{Sse, Stopped};
use newsfeed_tests::stories::{kazakhstan_unrest, russia_grain, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::Value;

const WITHIN: Duration = Duration::from_secs(60);

const LISTEN: &str = "window.got = []; window.opens = 0; window.listen = (url) => { const es = new EventSource(url); es.onopen = () => window.opens++; for (const t of ['article.published', 'article.updated', 'article.retracted']) es.addEventListener(t, e => window.got.push({type: t, id: e.lastEventId, uri: JSON.parse(e.data).uri})); window.es = es; return true; }; true";

fn uris(got: &Value) -> Vec<String> {
    got.as_array()
        .unwrap()
        .iter()
        .map(|e| e["uri"].as_str().unwrap().to_owned())
        .collect()
}

async fn post(p: &Pipeline, doc: &Value) {
    let (status, _, body) = p.post_article(doc).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_event_source_gets_every_story_once_across_disconnects() {
    let mut p = Pipeline::start("sse").await;
    let mut browser = tokio::task::block_in_place(|| Browser::open(&p.publish_url("/healthz")));
    let ids: Vec<String> = (0..5).map(|_| uri("sse")).collect();
    let other = uri("sse-other");

    block(|| {
        browser.eval(LISTEN);
        browser.eval("window.listen('/v1/stream?topics=kazakhstan')");
        browser.wait_for("window.opens", WITHIN, |v| v.as_i64() >= Some(1));
    });
    post(&p, &kazakhstan_unrest(&ids[0], 1)).await;
    post(&p, &russia_grain(&other)).await;
    block(|| browser.wait_for("window.got.length", WITHIN, |v| v.as_i64() >= Some(1)));

    // Publish crashes; a story comes in meanwhile; the browser reconnects by itself.
    p.svc(Svc::Publish).kill9();
    post(&p, &kazakhstan_unrest(&ids[1], 1)).await;
    p.svc(Svc::Publish).start();
    p.svc(Svc::Publish).wait_ready(WITHIN).await;
    block(|| browser.wait_for("window.got.length", WITHIN, |v| v.as_i64() >= Some(2)));
    assert!(
        block(|| browser.eval("window.opens")).as_i64() >= Some(2),
        "EventSource reconnected"
    );

    // The client leaves; two stories are published; it comes back from its last id.
    let last_id =
        block(|| browser.eval("window.es.close() || window.got[window.got.length - 1].id"));
    post(&p, &kazakhstan_unrest(&ids[2], 1)).await;
    post(&p, &kazakhstan_unrest(&ids[3], 1)).await;
    p.wait_for_article(&ids[3], WITHIN, |_| true).await;
    let since = format!(
        "window.listen('/v1/stream?topics=kazakhstan&since=' + encodeURIComponent({last_id}))"
    );
    block(|| browser.eval(&since));
    post(&p, &kazakhstan_unrest(&ids[4], 1)).await;
    let got = block(|| {
        browser.wait_for("window.got", WITHIN, |v| {
            v.as_array().map(Vec::len) >= Some(5)
        })
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let got_final = block(|| browser.eval("window.got"));
    assert_eq!(got, got_final, "late repeats arrived");

    let mut seen = uris(&got);
    assert!(
        !seen.contains(&other),
        "a story outside the subscribed topics was sent"
    );
    seen.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(seen, want, "every story exactly once: {got}");
    assert!(
        got.as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "article.published")
    );
    let metric = p
        .metric(Svc::Publish, "newsfeed_stream_clients{transport=\"sse\"}")
        .await;
    assert_eq!(metric, 1.0, "one EventSource is connected now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_websocket_resumes_from_its_last_id() {
    let p = Pipeline::start("ws").await;
    let mut browser = tokio::task::block_in_place(|| Browser::open(&p.publish_url("/healthz")));
    let ws_setup = "window.msgs = []; window.connect = (since) => new Promise(ok => { const ws = new WebSocket(location.origin.replace('http', 'ws') + '/v1/ws'); ws.onmessage = e => window.msgs.push(JSON.parse(e.data)); ws.onopen = () => { ws.send(JSON.stringify({type: 'subscribe', topics: ['protests-in-kazakhstan'], since: since})); window.ws = ws; setTimeout(() => ok(true), 300); }; }); true";
    // From the start of the (new, empty) topic rather than from now, so
    // that the first story is the client's however late the server reads
    // the subscription.
    block(|| {
        browser.eval(ws_setup);
        browser.eval("window.connect('0:0,1:0,2:0')")
    });
    let ids: Vec<String> = (0..3).map(|_| uri("ws")).collect();
    post(&p, &kazakhstan_unrest(&ids[0], 1)).await;
    let first = block(|| {
        browser.wait_for("window.msgs", WITHIN, |v| {
            v.as_array().map(Vec::len) >= Some(1)
        })
    });
    assert_eq!(first[0]["type"], "article.published");
    assert_eq!(first[0]["data"]["uri"], ids[0].as_str());
    let last_id = first[0]["id"].as_str().unwrap().to_owned();

    block(|| browser.eval("window.ws.close() || true"));
    post(&p, &kazakhstan_unrest(&ids[1], 1)).await;
    let mut v2 = kazakhstan_unrest(&ids[0], 2);
    v2["headlines"][0]["value"] =
        "Correction: protest numbers revised in Almaty, Kazakhstan".into();
    post(&p, &v2).await;
    p.wait_for_article(&ids[1], WITHIN, |_| true).await;
    block(|| browser.eval(&format!("window.connect('{last_id}')")));
    post(&p, &kazakhstan_unrest(&ids[2], 1)).await;
    let msgs = block(|| {
        browser.wait_for("window.msgs", WITHIN, |v| {
            v.as_array().map(Vec::len) >= Some(4)
        })
    });
    let kinds: Vec<(String, String)> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap().to_owned(),
                m["data"]["uri"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("article.published".to_owned(), ids[0].clone()),
        ("article.published".to_owned(), ids[1].clone()),
        ("article.updated".to_owned(), ids[0].clone()),
        ("article.published".to_owned(), ids[2].clone()),
    ];
    let mut sorted_kinds = kinds.clone();
    sorted_kinds.sort();
    let mut sorted_want = want.to_vec();
    sorted_want.sort();
    assert_eq!(sorted_kinds, sorted_want, "{msgs}");
    // Per story, order holds: the update of the first story after its publication.
    let pos = |k: &str, u: &str| kinds.iter().position(|(a, b)| a == k && b == u).unwrap();
    assert!(pos("article.published", &ids[0]) < pos("article.updated", &ids[0]));
}

/// Publish's catch-up limit is set to nothing, so every resume's catch-up
/// fails: a real timeout on the real topic. The stories the client missed
/// must then not be skipped by handing it the live events: its stream ends,
/// and once catch-up works again (publish restarted with the default
/// limit) resuming from its last id gets them all, the missed ones before
/// the live one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_whose_catch_up_fails_ends_the_stream_instead_of_skipping() {
    let mut p = Pipeline::start_some(
        "catchup-fail",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[("NEWSFEED_STREAM_CATCHUP_TIMEOUT_MS", "0")],
    )
    .await;
    let ids: Vec<String> = (0..3).map(|_| uri("catchup")).collect();
    // A live stream open meanwhile shows when publish's shared tail has
    // passed ids[0]: only then is ids[0] behind the live position, i.e.
    // something a resume must catch up on.
    let watch = p
        .http
        .get(p.publish_url("/v1/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), StatusCode::OK);
    let mut watch = Sse::new(watch);
    post(&p, &kazakhstan_unrest(&ids[0], 1)).await;
    watch.expect(&ids[0], WITHIN).await;
    drop(watch);
    // The client's last id is the start of the topic: ids[0] is what it missed.
    let last_id = "0:0,1:0,2:0";

    let res = p
        .http
        .get(p.publish_url("/v1/stream"))
        .header("last-event-id", last_id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A live story arrives while the client is connected.
    post(&p, &kazakhstan_unrest(&ids[1], 1)).await;
    p.wait_for_article(&ids[1], WITHIN, |_| true).await;
    let mut sse = Sse::new(res);
    let stopped = sse.read_until(Duration::from_secs(5), |_| false).await;
    let text = sse.text;
    assert!(
        matches!(stopped, Err(Stopped::Ended | Stopped::Failed(_))),
        "the stream stayed open after a failed catch-up: {text:?}"
    );
    assert!(
        !text.contains("\nid:"),
        "events were sent past the missed ones: {text:?}"
    );

    let mut browser = tokio::task::block_in_place(|| Browser::open(&p.publish_url("/healthz")));
    let ws = format!(
        "window.msgs = []; window.wsClosed = false; const ws = new WebSocket(location.origin.replace('http', 'ws') + '/v1/ws'); ws.onmessage = e => window.msgs.push(JSON.parse(e.data)); ws.onclose = () => window.wsClosed = true; ws.onopen = () => ws.send(JSON.stringify({{type: 'subscribe', since: '{last_id}'}})); true"
    );
    block(|| browser.eval(&ws));
    let closed =
        block(|| browser.wait_for("[window.wsClosed, window.msgs]", WITHIN, |v| v[0] == true));
    let msgs = &closed[1];
    assert_eq!(msgs, &serde_json::json!([{"type": "lagged"}]));

    // Catch-up works again: the resume gets what was missed, then live.
    let publish = p.svc(Svc::Publish);
    publish.set_env("NEWSFEED_STREAM_CATCHUP_TIMEOUT_MS", "120000");
    assert!(publish.terminate().success());
    publish.start();
    publish.wait_ready(WITHIN).await;
    let res = p
        .http
        .get(p.publish_url("/v1/stream"))
        .header("last-event-id", last_id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    post(&p, &kazakhstan_unrest(&ids[2], 1)).await;
    let mut sse = Sse::new(res);
    sse.expect(&ids[2], WITHIN).await;
    let text = sse.text;
    let field = |id: &str| format!("\"uri\":\"{id}\"");
    let at = |id: &str| {
        text.find(&field(id))
            .unwrap_or_else(|| panic!("{id} missing: {text:?}"))
    };
    // Kafka orders within a partition only (the three stories may sit in
    // different ones): both missed stories come in the catch-up, before
    // the live one.
    assert!(
        at(&ids[0]) < at(&ids[2]) && at(&ids[1]) < at(&ids[2]),
        "{text:?}"
    );
    for id in &ids {
        assert_eq!(text.matches(&field(id)).count(), 1, "{id} once: {text:?}");
    }
}

/// Runs blocking browser calls without stalling the runtime.
fn block<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test]
async fn idle_streams_get_heartbeats_and_a_reconnect_hint() {
    let p = Pipeline::start_some(
        "heartbeat",
        &[Svc::Publish],
        &[("NEWSFEED_STREAM_HEARTBEAT_MS", "200")],
    )
    .await;
    let res = p
        .http
        .get(p.publish_url("/v1/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut sse = Sse::new(res);
    // Four heartbeats at 200 ms take 0.8 s; 10 s allows for a loaded
    // machine, and is still far less than four of the default 15 s.
    let four = |t: &str| t.matches(": heartbeat\n").count() >= 4;
    if let Err(why) = sse.read_until(Duration::from_secs(10), four).await {
        panic!("fewer than four heartbeats ({why:?}): {:?}", sse.text);
    }
    assert!(sse.text.contains("retry:"), "{:?}", sse.text);
}

/// A client arriving while publish starts (a browser reconnecting at once
/// after a crash) waits for the stream instead of getting a 503, which ends
/// an `EventSource` for good.
#[tokio::test]
async fn a_client_arriving_while_publish_starts_is_served() {
    let mut p = Pipeline::start_some("stream-start", &[Svc::Publish], &[]).await;
    p.svc(Svc::Publish).kill9();
    p.svc(Svc::Publish).start();
    let until = tokio::time::Instant::now() + WITHIN;
    let res = loop {
        match p.http.get(p.publish_url("/v1/stream")).send().await {
            Ok(res) => break res,
            // Not listening yet.
            Err(e) => assert!(tokio::time::Instant::now() < until, "{e}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn resuming_from_a_partition_that_does_not_exist_is_a_bad_request() {
    let p = Pipeline::start_some("stream-since", &[Svc::Publish], &[]).await;
    let stream = p.publish_url("/v1/stream");
    let cases = [
        (p.http.get(&stream).query(&[("since", "0:0,99:5")]), "since"),
        (
            p.http.get(&stream).header("last-event-id", "7:1"),
            "Last-Event-ID",
        ),
    ];
    let upgrade = p
        .http
        .get(p.publish_url("/v1/ws"))
        .query(&[("since", "5:0")])
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    let cases = cases.into_iter().chain([(upgrade, "since")]);
    for (request, param) in cases {
        let r = request.send().await.unwrap();
        let (status, ct, body) = newsfeed_tests::services::answer(r).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{param}: {body}");
        assert_eq!(ct, "application/problem+json");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.starts_with(&format!("{param}: partition")), "{body}");
        assert!(detail.contains("does not exist"), "{body}");
    }
    // Every existing partition is fine (a stream starts: 200).
    let r = p
        .http
        .get(&stream)
        .query(&[("since", "0:0,1:0,2:0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

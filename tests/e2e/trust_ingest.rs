//! Only registered sources write, only inside their uri prefixes and within
//! their rate; what a stranger sends is refused precisely, bounded, and
//! never echoed whole. Sources are registered with the real `newsfeedctl`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use newsfeed_tests::ctl::Ctl;
use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::json;

const PROBLEM: &str = "application/problem+json";
const JSON: &str = "application/json";

#[tokio::test]
async fn only_a_known_source_writes_and_only_under_its_prefixes() {
    let p = Pipeline::start_some("trust-src", &[Svc::Ingest], &[]).await;
    let ctl = Ctl::new(&p.prefix);
    let doc = kazakhstan_unrest(&uri("trust"), 1).to_string();

    // No token, a made-up token: 401 with a Bearer challenge.
    for token in [None, Some("nfs_made-up-token")] {
        let r = p
            .http
            .post(p.svc_url(Svc::Ingest, "/v1/articles"))
            .header("content-type", JSON)
            .header(
                "authorization",
                token.map(|t| format!("Bearer {t}")).unwrap_or_default(),
            )
            .body(doc.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        assert_eq!(r.headers()["content-type"], PROBLEM);
    }

    // A source limited to one newsroom's uris: others' stories are 403 at /uri,
    // and a batch with one such line is refused whole, naming the line.
    let wire = ctl.token(&[
        "sources",
        "add",
        "wire",
        "--uri-prefix",
        "https://wire.example/",
    ]);
    let own = kazakhstan_unrest("https://wire.example/2026/story-1", 1);
    let (status, _, body) = p.post_as_new(&wire, JSON, own.to_string()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let (status, ct, body) = p.post_as(Some(&wire), JSON, doc.clone()).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::FORBIDDEN, PROBLEM),
        "{body}"
    );
    assert_eq!(body["errors"][0]["pointer"], "/uri", "{body}");
    let lookalike = kazakhstan_unrest("https://wire.example.evil/2026/story", 1);
    let batch = format!(
        "{}\n{}\n",
        kazakhstan_unrest("https://wire.example/2026/story-2", 1),
        lookalike
    );
    let (status, _, body) = p.post_as(Some(&wire), "application/x-ndjson", batch).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        (body["line"].clone(), body["errors"][0]["pointer"].clone()),
        (json!(2), json!("/uri"))
    );

    // Only the one allowed story reached Kafka, and it names its source.
    let records = read_topic(&p.topic("articles.ingested"), Duration::from_secs(30));
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].key, "https://wire.example/2026/story-1");
    assert_eq!(records[0].header("newsfeed-source"), Some("wire"));

    // Tokens are stored only as hashes; `list` never shows them.
    let stored = read_topic(&p.topic("auth.sources"), Duration::from_secs(30));
    assert_eq!(stored.len(), 2, "test + wire");
    for r in &stored {
        let text = serde_json::to_string(&r.value).unwrap();
        assert!(
            !text.contains(&wire[4..]) && !text.contains(&p.source_token[4..]),
            "{text}"
        );
    }
    let list = ctl.ok(&["sources", "list"]);
    assert!(
        list.contains("wire") && list.contains("https://wire.example/"),
        "{list}"
    );
    assert!(
        !list.contains(&wire) && !list.contains(&p.source_token),
        "{list}"
    );

    // A revoked source is refused within moments.
    ctl.ok(&["sources", "revoke", "wire"]);
    let revoked_at = Instant::now();
    loop {
        let (status, _, _) = p.post_as(Some(&wire), JSON, own.to_string()).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(15),
            "still {status} 15 s after revoke"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        p.metric(
            Svc::Ingest,
            "newsfeed_auth_failures_total{reason=\"unknown_token\"}"
        )
        .await
            >= 2.0
    );
}

#[tokio::test]
async fn a_source_over_its_rate_gets_429_with_retry_after() {
    let p = Pipeline::start_some("trust-rate", &[Svc::Ingest], &[]).await;
    let token = Ctl::new(&p.prefix).token(&[
        "sources",
        "add",
        "slow",
        "--uri-prefix",
        "https://slow.example/",
        "--rate",
        "3",
    ]);
    let story = |i: usize| kazakhstan_unrest(&format!("https://slow.example/s/{i}"), 1).to_string();
    for i in 0..3 {
        let (status, _, body) = p.post_as_new(&token, JSON, story(i)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "story {i}: {body}");
    }
    let r = p
        .http
        .post(p.svc_url(Svc::Ingest, "/v1/articles"))
        .bearer_auth(&token)
        .header("content-type", JSON)
        .body(story(3))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        p.metric(Svc::Ingest, "newsfeed_rate_limited_total{source=\"slow\"}")
            .await,
        1.0
    );
    // A batch larger than a minute's allowance can never pass: 413, not 429.
    let bulk = Ctl::new(&p.prefix).token(&[
        "sources",
        "add",
        "bulk",
        "--uri-prefix",
        "https://slow.example/",
        "--rate",
        "3",
    ]);
    let batch: String = (10..14).map(|i| story(i) + "\n").collect();
    let (status, _, body) = p.post_as_new(&bulk, "application/x-ndjson", batch).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // The other source is not slowed by this one.
    let (status, _, _) = p.post_article(&kazakhstan_unrest(&uri("trust"), 1)).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        read_topic(&p.topic("articles.ingested"), Duration::from_secs(30)).len(),
        4
    );
}

#[tokio::test]
async fn hostile_bodies_are_refused_bounded_and_not_echoed() {
    let p = Pipeline::start_some("trust-body", &[Svc::Ingest], &[]).await;
    let base = kazakhstan_unrest(&uri("trust"), 1);

    // Versions are canonical and bounded, so nobody can pin a story.
    for bad in [
        "18446744073709551615",
        "9007199254740992",
        "007",
        "0",
        "-1",
        "1.0",
    ] {
        let mut doc = base.clone();
        doc["version"] = json!(bad);
        let (status, _, body) = p.post_article(&doc).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["errors"][0]["pointer"], "/version", "{body}");
    }

    // Duplicate keys: 400 naming the key.
    let dup = r#"{"uri":"urn:dup:1","headlines":[{"value":"a"}],"pubStatus":"usable","pubStatus":"canceled"}"#;
    let (status, ct, body) = p.post_raw(JSON, dup).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::BAD_REQUEST, PROBLEM),
        "{body}"
    );
    assert_eq!(body["errors"][0]["pointer"], "/pubStatus", "{body}");

    // Another charset: 415.
    let (status, _, body) = p
        .post_raw("application/json; charset=iso-8859-1", base.to_string())
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (status, _, body) = p
        .post_raw("application/json; charset=UTF-8", base.to_string())
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    // A 3 MB bad value comes back as a short prefix, in the answer and the log.
    let marker = "Q".repeat(3_000_000);
    let mut doc = base.clone();
    doc["pubStatus"] = json!(marker);
    let (status, _, body) = p.post_article(&doc).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = body.to_string();
    assert!(text.len() < 2000, "answer of {} bytes", text.len());
    assert!(text.contains("QQQQ"), "{text}");
    let mut p = p;
    let log = std::fs::read_to_string(&p.svc(Svc::Ingest).log).unwrap();
    assert!(!log.contains(&"Q".repeat(200)), "the log repeats the value");

    // A story under the body limit but over Kafka's message limit: 413 naming it.
    let mut doc = base.clone();
    doc["bodies"][0]["value"] = json!("<p>long</p>".repeat(150_000));
    let (status, ct, body) = p.post_article(&doc).await;
    assert_eq!(
        (status, ct.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, PROBLEM),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("1000000"),
        "{body}"
    );
    assert_eq!(
        read_topic(&p.topic("articles.ingested"), Duration::from_secs(30)).len(),
        1
    );
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let p = Pipeline::start_some(
        "trust-slow",
        &[Svc::Ingest],
        &[
            ("NEWSFEED_HTTP_HEADER_TIMEOUT_MS", "500"),
            ("NEWSFEED_HTTP_BODY_TIMEOUT_MS", "500"),
        ],
    )
    .await;
    let addr = p.svc_addr(Svc::Ingest);

    // Headers one byte at a time, slower than the header timeout allows.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let mut closed = false;
    for b in b"POST /v1/articles HTTP/1.1\r\nHost: x\r\n".iter() {
        if s.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    let mut buf = [0u8; 512];
    let n = read_or_closed(&mut s, &mut buf);
    assert!(
        closed || n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"),
        "a slow header writer was still served after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(4));

    // An idle connection that never sends a byte is closed too.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let n = read_or_closed(&mut idle, &mut buf);
    assert_eq!(
        n,
        0,
        "idle connection got {:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "idle connection held {:?}",
        started.elapsed()
    );

    // A body that stops arriving: 408 problem.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let head = format!(
        "POST /v1/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"uri\":",
        p.source_token
    );
    s.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(PROBLEM), "{answer}");
}

/// Bytes read, 0 when the server closed or reset the connection; a read
/// timeout means the server still holds it open, which fails the test.
fn read_or_closed(s: &mut TcpStream, buf: &mut [u8]) -> usize {
    match s.read(buf) {
        Ok(n) => n,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            panic!("the server still holds the connection open: {e}")
        }
        Err(_) => 0,
    }
}

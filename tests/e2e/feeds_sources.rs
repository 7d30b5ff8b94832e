//! Feeds as sources: ingest polls feeds served by a local HTTP server (RSS,
//! Atom, JSON Feed and ninjs NDJSON files under `tests/fixtures/feeds`)
//! and their entries reach publish like posted stories; a changed entry is
//! a new version; a 304 writes nothing; a 500 is retried until the feed
//! recovers; a malformed or oversized feed
//! (whether it says its length or streams it) is reported and writes
//! nothing; a feed posts as its source (its rate, prefixes and header);
//! operators manage feeds with the real `newsfeedctl`; and a feed whose
//! ingest instance stops or crashes is taken over by another.

use std::time::{Duration, Instant};

use newsfeed_tests::ctl::Ctl;
use newsfeed_tests::feed_server::FeedServer;
use newsfeed_tests::{Pipeline, Svc, read_topic};
use serde_json::Value;

const WITHIN: Duration = Duration::from_secs(60);

fn fixture(name: &str) -> String {
    let path = newsfeed_tests::repo_root()
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `feeds add URL --source test --interval 1s`; returns the feed id.
fn add_feed(ctl: &Ctl, url: &str) -> String {
    let out = ctl.ok(&["feeds", "add", url, "--source", "test", "--interval", "1s"]);
    out.trim().to_owned()
}

fn feed_rows(ctl: &Ctl) -> Vec<Value> {
    ctl.ok(&["feeds", "list", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Waits until `feeds list` shows feed `id` as `accept` likes it.
async fn wait_row(ctl: &Ctl, id: &str, accept: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WITHIN;
    loop {
        let rows = feed_rows(ctl);
        if let Some(row) = rows.iter().find(|r| r["id"] == id && accept(r)) {
            return row.clone();
        }
        assert!(
            Instant::now() < deadline,
            "feed {id} never listed as expected: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn written(p: &Pipeline, uris: &[&str]) -> usize {
    read_topic(&p.topic("articles.ingested"), WITHIN)
        .iter()
        .filter(|r| uris.contains(&r.key.as_str()))
        .count()
}

#[tokio::test]
async fn feeds_are_polled_into_the_pipeline() {
    let env = [("NEWSFEED_FEEDS_MAX_BYTES", "65536")];
    let p = Pipeline::start_some(
        "feeds-sources",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &env,
    )
    .await;
    let ctl = Ctl::new(&p.prefix);
    let server = FeedServer::start().await;
    server.serve(
        "/harbour.rss",
        "application/rss+xml",
        fixture("harbour.rss.xml"),
    );
    server.serve(
        "/wire.atom",
        "application/atom+xml",
        fixture("wire.atom.xml"),
    );
    server.serve(
        "/desk.json",
        "application/feed+json",
        fixture("desk.feed.json"),
    );
    server.serve(
        "/agency.ndjson",
        "application/x-ndjson",
        fixture("agency.ninjs.ndjson"),
    );
    server.serve(
        "/broken.rss",
        "application/rss+xml",
        "<rss version=\"2.0\"><channel><item><title>cut off",
    );
    let huge = fixture("harbour.rss.xml").replace(
        "<description>Boats sail again from the north quay.</description>",
        &format!("<description>{}</description>", "padding ".repeat(20_000)),
    );
    server.serve("/huge.rss", "application/rss+xml", huge.clone());
    server.serve_chunked("/streamed.rss", "application/rss+xml", huge);

    refuses_what_it_cannot_poll(&ctl);
    let rss = add_feed(&ctl, &server.url("/harbour.rss"));
    let atom = add_feed(&ctl, &server.url("/wire.atom"));
    let json = add_feed(&ctl, &server.url("/desk.json"));
    let ninjs = add_feed(&ctl, &server.url("/agency.ndjson"));
    let broken = add_feed(&ctl, &server.url("/broken.rss"));
    let huge = add_feed(&ctl, &server.url("/huge.rss"));
    let streamed = add_feed(&ctl, &server.url("/streamed.rss"));

    // Every entry of every format reaches publish as a story.
    let ferry = "https://news.example.com/harbour/ferry-resumes";
    let story = p.wait_for_article(ferry, WITHIN, |_| true).await;
    assert_eq!(
        story["headlines"][0]["value"],
        "Ferry service resumes after two days of storms"
    );
    assert_eq!(story["bodies"][0]["contentType"], "text/html");
    assert!(
        story["bodies"][0]["value"]
            .as_str()
            .unwrap()
            .contains("<b>two days</b>"),
        "{story}"
    );
    assert_eq!(story["by"], "Ada Lind");
    assert_eq!(story["version"], "1796030100"); // 2026-11-30T09:15:00Z
    assert_eq!(story["versionCreated"], "2026-11-30T09:15:00Z");
    let subjects: Vec<&str> = story["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        subjects.contains(&"Transport") && subjects.contains(&"Weather"),
        "{subjects:?}"
    );
    let picture = &story["associations"][0];
    assert_eq!(picture["type"], "picture");
    assert_eq!(
        picture["renditions"][0]["href"],
        "https://img.example.com/harbour/ferry-wide.jpg"
    );
    let market = p
        .wait_for_article(
            "https://news.example.com/harbour/fish-market-hours",
            WITHIN,
            |_| true,
        )
        .await;
    assert_eq!(
        market["associations"][0]["renditions"][0]["href"],
        "https://img.example.com/harbour/market.jpg"
    );
    let bridge = p
        .wait_for_article("urn:newsfeed:test:valley:bridge", WITHIN, |_| true)
        .await;
    assert_eq!(
        bridge["descriptions"][0]["value"],
        "Drivers face a detour of twelve kilometres."
    );
    p.wait_for_article("urn:newsfeed:test:valley:orchard", WITHIN, |_| true)
        .await;
    let library = p
        .wait_for_article(
            "https://news.example.com/city/library-hours",
            WITHIN,
            |_| true,
        )
        .await;
    assert_eq!(
        library["associations"][0]["uri"],
        "https://img.example.com/city/library.jpg"
    );
    let rail = p
        .wait_for_article("urn:newsfeed:test:agency:rail-1", WITHIN, |_| true)
        .await;
    assert_eq!(rail["version"], "4");
    p.wait_for_article("urn:newsfeed:test:agency:port-2", WITHIN, |_| true)
        .await;
    // An item that is no valid story is refused by name, the others written.
    let invalid =
        format!("newsfeed_feed_errors_total{{feed=\"{ninjs}\",reason=\"invalid_entry\"}}");
    p.wait_for_metric(Svc::Ingest, &invalid, 1.0, WITHIN).await;
    let row = wait_row(&ctl, &ninjs, |r| r["error"].is_string()).await;
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains("agency:bad-3: /version"),
        "{row}"
    );
    assert_eq!(written(&p, &["urn:newsfeed:test:agency:bad-3"]), 0);

    // A feed's series are exported at 0 from its first poll on.
    let text = p.metrics_text(Svc::Ingest).await;
    let zero = text.lines().any(|l| {
        l.starts_with("newsfeed_feed_errors_total{")
            && l.contains(&format!("feed=\"{rss}\""))
            && l.contains("reason=\"kafka\"")
            && l.ends_with(" 0")
    });
    assert!(zero, "no zero kafka-error series for feed {rss}:\n{text}");

    // 304: the poller sends the validators, and nothing new is written.
    let etag = server.etag("/harbour.rss");
    wait_for(|| {
        server
            .requests("/harbour.rss")
            .iter()
            .any(|r| r.status == 304 && r.if_none_match == etag && r.if_modified_since.is_some())
    })
    .await;
    let harbour = [ferry, "https://news.example.com/harbour/fish-market-hours"];
    let before = written(&p, &harbour);
    assert_eq!(before, 2, "each harbour entry written once");
    let not_modified = format!("newsfeed_feed_not_modified_total{{feed=\"{rss}\"}}");
    let seen = p.metric(Svc::Ingest, &not_modified).await;
    p.wait_for_metric(Svc::Ingest, &not_modified, seen + 2.0, WITHIN)
        .await;
    assert_eq!(written(&p, &harbour), before, "a 304 wrote something");
    let entries = format!("newsfeed_feed_entries_total{{feed=\"{rss}\"}}");
    assert_eq!(p.metric(Svc::Ingest, &entries).await, 2.0);

    // A changed entry becomes a new version; the unchanged one is not re-sent.
    let changed = fixture("harbour.rss.xml")
        .replace(
            "Ferry service resumes after two days of storms",
            "Ferry timetable back to normal after storms",
        )
        .replace(
            "Mon, 30 Nov 2026 09:15:00 GMT",
            "Mon, 30 Nov 2026 10:00:00 GMT",
        );
    server.serve("/harbour.rss", "application/rss+xml", changed);
    let v2 = p
        .wait_for_article(ferry, WITHIN, |s| {
            s["headlines"][0]["value"] == "Ferry timetable back to normal after storms"
        })
        .await;
    assert_eq!(v2["version"], "1796032800"); // 2026-11-30T10:00:00Z
    let updated = format!("newsfeed_feed_entries_total{{feed=\"{rss}\",change=\"updated\"}}");
    p.wait_for_metric(Svc::Ingest, &updated, 1.0, WITHIN).await;
    assert_eq!(
        written(&p, &harbour),
        3,
        "only the changed entry was written again"
    );

    // A 500 is reported and retried; the feed recovers.
    server.fail("/wire.atom", 500);
    let status_errors = format!("newsfeed_feed_errors_total{{feed=\"{atom}\",reason=\"status\"}}");
    p.wait_for_metric(Svc::Ingest, &status_errors, 1.0, WITHIN)
        .await;
    let row = wait_row(&ctl, &atom, |r| r["status"] == "error").await;
    assert!(row["error"].as_str().unwrap().contains("HTTP 500"), "{row}");
    let recovered = fixture("wire.atom.xml").replace(
        "<entry>\n    <id>urn:newsfeed:test:valley:orchard</id>",
        "<entry><id>urn:newsfeed:test:valley:ferry-fares</id><title>Ferry fares frozen for winter</title><updated>2026-11-30T14:00:00Z</updated><content type=\"text\">Fares stay as they are until March.</content></entry>\n  <entry>\n    <id>urn:newsfeed:test:valley:orchard</id>",
    );
    server.serve("/wire.atom", "application/atom+xml", recovered);
    p.wait_for_article("urn:newsfeed:test:valley:ferry-fares", WITHIN, |_| true)
        .await;
    wait_row(&ctl, &atom, |r| {
        r["status"] == "ok" && r["entriesSeen"] == 3
    })
    .await;

    // Malformed and oversized feeds: reported, nothing written.
    let malformed = format!("newsfeed_feed_errors_total{{feed=\"{broken}\",reason=\"malformed\"}}");
    p.wait_for_metric(Svc::Ingest, &malformed, 1.0, WITHIN)
        .await;
    // One says its length up front, the other streams it: both are cut off.
    for id in [&huge, &streamed] {
        let too_large = format!("newsfeed_feed_errors_total{{feed=\"{id}\",reason=\"too_large\"}}");
        p.wait_for_metric(Svc::Ingest, &too_large, 1.0, WITHIN)
            .await;
        let row = wait_row(&ctl, id, |r| r["status"] == "error").await;
        assert!(
            row["error"]
                .as_str()
                .unwrap()
                .contains("NEWSFEED_FEEDS_MAX_BYTES"),
            "{row}"
        );
    }
    for id in [&broken, &huge, &streamed] {
        let entries = format!("newsfeed_feed_entries_total{{feed=\"{id}\"}}");
        assert_eq!(
            p.metric(Svc::Ingest, &entries).await,
            0.0,
            "feed {id} wrote entries"
        );
    }
    wait_row(&ctl, &broken, |r| r["status"] == "error").await;
    assert_eq!(
        written(&p, &harbour),
        3,
        "the oversized copy of the harbour feed wrote nothing"
    );

    // A feed posts as its source: that source's rate holds, the rest waits.
    ctl.token(&[
        "sources",
        "add",
        "slow",
        "--uri-prefix",
        "https://news.example.com/slow/",
        "--rate",
        "1",
    ]);
    server.serve(
        "/slow.rss",
        "application/rss+xml",
        fixture("harbour.rss.xml").replace("news.example.com/harbour/", "news.example.com/slow/"),
    );
    let out = ctl.ok(&[
        "feeds",
        "add",
        &server.url("/slow.rss"),
        "--source",
        "slow",
        "--interval",
        "1s",
    ]);
    let slow = out.trim().to_owned();
    let limited = format!("newsfeed_feed_errors_total{{feed=\"{slow}\",reason=\"rate_limited\"}}");
    p.wait_for_metric(Svc::Ingest, &limited, 1.0, WITHIN).await;
    let slow_uris = [
        "https://news.example.com/slow/ferry-resumes",
        "https://news.example.com/slow/fish-market-hours",
    ];
    let written_by_slow: Vec<Option<String>> = read_topic(&p.topic("articles.ingested"), WITHIN)
        .into_iter()
        .filter(|r| slow_uris.contains(&r.key.as_str()))
        .map(|r| r.header("newsfeed-source").map(str::to_owned))
        .collect();
    assert_eq!(
        written_by_slow,
        [Some("slow".to_owned())],
        "one story a minute for source `slow`"
    );
    let row = wait_row(&ctl, &slow, |r| r["error"].is_string()).await;
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains("wait for the next poll"),
        "{row}"
    );

    // The list shows every feed; a removed feed is no longer polled.
    let table = ctl.ok(&["feeds", "list"]);
    assert!(
        table.contains(&server.url("/harbour.rss")) && table.contains("test"),
        "{table}"
    );
    for id in [&rss, &atom, &json, &ninjs, &broken, &huge] {
        assert!(table.contains(id.as_str()), "{id} missing from {table}");
    }
    ctl.ok(&["feeds", "remove", &server.url("/desk.json")]);
    assert!(!feed_rows(&ctl).iter().any(|r| r["id"] == json));
    // Once ingest has dropped it, its series are gone from ingest's
    // metrics (another feed's stay) and it is polled no more.
    let series = format!("feed=\"{json}\"");
    let deadline = Instant::now() + WITHIN;
    while p.metrics_text(Svc::Ingest).await.contains(&series) {
        assert!(Instant::now() < deadline, "series of a removed feed remain");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // (A poll under way when it was dropped may still finish.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    let polls = server.requests("/desk.json").len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        server.requests("/desk.json").len(),
        polls,
        "a removed feed was polled"
    );
    let text = p.metrics_text(Svc::Ingest).await;
    assert!(
        !text.contains(&series),
        "series of a removed feed came back"
    );
    assert!(text.contains(&format!("newsfeed_feed_polls_total{{feed=\"{rss}\"")));
    let gone = ctl.run(&["feeds", "remove", &json]);
    assert!(!gone.status.success());
}

fn refuses_what_it_cannot_poll(ctl: &Ctl) {
    let out = ctl.run(&[
        "feeds",
        "add",
        "http://169.254.169.254/latest/meta-data",
        "--source",
        "test",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("link-local"), "{err}");
    let out = ctl.run(&[
        "feeds",
        "add",
        "http://127.0.0.1:9/feed",
        "--source",
        "nobody",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no source named `nobody`"),
        "{err}"
    );
    let out = ctl.run(&[
        "feeds",
        "add",
        "http://127.0.0.1:9/feed",
        "--source",
        "test",
        "--interval",
        "0s",
    ]);
    assert!(!out.status.success());
}

async fn wait_for(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + WITHIN;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "condition not met within {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Of the ingest instances `a` and `b`, the one polling the feed whose
/// poll counter is `polls`: the only one whose count grows, in two windows
/// running (while the group rebalances, the feed may be polled by both or
/// by neither for a while).
async fn poller(p: &Pipeline, (a, b): (usize, usize), polls: &str) -> usize {
    let deadline = Instant::now() + WITHIN;
    let mut last = None;
    loop {
        let (a0, b0) = (
            p.instance_metric(a, polls).await,
            p.instance_metric(b, polls).await,
        );
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let (a1, b1) = (
            p.instance_metric(a, polls).await,
            p.instance_metric(b, polls).await,
        );
        let now = ((a1 > a0) != (b1 > b0)).then_some(if a1 > a0 { a } else { b });
        if let Some(one) = now
            && last == now
        {
            return one;
        }
        last = now;
        assert!(
            Instant::now() < deadline,
            "not exactly one instance polls: {a0}->{a1}, {b0}->{b1}"
        );
    }
}

#[tokio::test]
async fn a_feed_is_polled_by_one_instance_and_taken_over_when_it_stops_or_crashes() {
    let mut p = Pipeline::start_some("feeds-takeover", &[Svc::Ingest], &[]).await;
    let second = p.add(Svc::Ingest, "second").await;
    let ctl = Ctl::new(&p.prefix);
    let server = FeedServer::start().await;
    server.serve(
        "/agency.ndjson",
        "application/x-ndjson",
        fixture("agency.ninjs.ndjson"),
    );
    let id = add_feed(&ctl, &server.url("/agency.ndjson"));
    let polls = format!("newsfeed_feed_polls_total{{feed=\"{id}\"}}");

    // The owner is the instance whose polls go on: a feed added while the
    // second instance joins may be polled once by the first before it moves.
    let owner_at = poller(&p, (0, second), &polls).await;
    let other_at = if owner_at == 0 { second } else { 0 };
    let owner = if owner_at == second { "second" } else { "test" };
    wait_row(&ctl, &id, |r| {
        r["polledBy"] == owner && (r["status"] == "ok" || r["status"] == "not_modified")
    })
    .await;
    // The other instance keeps no series of a feed it does not poll.
    assert_eq!(
        p.instance_metric(other_at, &polls).await,
        0.0,
        "only one instance polls a feed"
    );
    let owner = owner.to_owned();

    // A graceful stop leaves the group: the other instance takes over.
    assert!(
        p.services[owner_at].terminate().success(),
        "ingest stopped uncleanly"
    );
    let deadline = Instant::now() + WITHIN;
    while p.instance_metric(other_at, &polls).await < 1.0 {
        assert!(
            Instant::now() < deadline,
            "{polls} never polled by the other instance"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // (Not modified when this instance polled the feed before it moved.)
    let row = wait_row(&ctl, &id, |r| r["polledBy"] != owner.as_str()).await;
    assert!(
        row["status"] == "ok" || row["status"] == "not_modified",
        "{row}"
    );

    // A crash: a third instance joins; whoever polls is killed; the
    // survivor takes over once the dead one's session times out.
    let third = p.add(Svc::Ingest, "third").await;
    let (a, b) = (other_at, third);
    let (crashed, survivor, owner) = if poller(&p, (a, b), &polls).await == a {
        let name = if other_at == 0 { "test" } else { "second" };
        (other_at, b, name.to_owned())
    } else {
        (third, a, "third".to_owned())
    };
    p.services[crashed].kill9();
    let before = p.instance_metric(survivor, &polls).await;
    let deadline = Instant::now() + WITHIN;
    while p.instance_metric(survivor, &polls).await < before + 1.0 {
        assert!(
            Instant::now() < deadline,
            "no instance took the feed over after a crash"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    wait_row(&ctl, &id, |r| r["polledBy"] != owner.as_str()).await;
}

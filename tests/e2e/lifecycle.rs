//! A story's life after publication: corrections replace it, `canceled`
//! retracts it, `withheld` holds it back, an embargo holds it until its time
//! — also across a publish restart — and routes copy tagged stories to
//! topics of their own.

use std::time::{Duration, Instant};

use chrono::Utc;
use newsfeed_tests::stories::{kazakhstan_unrest, russia_grain, uri};
use newsfeed_tests::{Pipeline, Svc, read_topic};
use reqwest::StatusCode;
use serde_json::json;

const WITHIN: Duration = Duration::from_secs(60);

async fn wait_status(p: &Pipeline, id: &str, want: StatusCode) {
    let deadline = Instant::now() + WITHIN;
    loop {
        let (status, _, body) = p.get_article(id).await;
        if status == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{id}: wanted {want}, still {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn actions(p: &Pipeline, id: &str) -> Vec<String> {
    read_topic(&p.topic("articles.published"), WITHIN)
        .iter()
        .filter(|r| r.key == id)
        .map(|r| {
            r.value["publication"]["action"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn cancel_retracts_and_withheld_holds_back() {
    let p = Pipeline::start("retract").await;
    let id = uri("retract");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&id, WITHIN, |_| true).await;
    let mut canceled = kazakhstan_unrest(&id, 2);
    canceled["pubStatus"] = json!("canceled");
    assert_eq!(p.post_article(&canceled).await.0, StatusCode::ACCEPTED);
    wait_status(&p, &id, StatusCode::GONE).await;
    let (_, _, list) = p.topic_articles("kazakhstan", 10).await;
    assert!(
        list["articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["uri"] != id.as_str()),
        "{list}"
    );
    // The older usable version arriving late cannot bring it back.
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );

    let held = uri("withheld");
    let mut doc = russia_grain(&held);
    doc["pubStatus"] = json!("withheld");
    assert_eq!(p.post_article(&doc).await.0, StatusCode::ACCEPTED);
    p.wait_for_metric(Svc::Publish, "newsfeed_stories", 2.0, WITHIN)
        .await;
    assert_eq!(p.get_article(&held).await.0, StatusCode::NOT_FOUND);
    wait_status(&p, &id, StatusCode::GONE).await;
    assert_eq!(actions(&p, &id), ["published", "retracted"]);
    assert!(
        actions(&p, &held).is_empty(),
        "a withheld story is not announced"
    );
}

#[tokio::test]
async fn an_embargo_holds_the_story_until_its_time_even_across_a_restart() {
    let mut p = Pipeline::start("embargo").await;
    let id = uri("embargo");
    // Long enough for the story to reach publish and publish to restart
    // before it, on a loaded machine too.
    let until = Utc::now() + chrono::Duration::seconds(40);
    let mut doc = kazakhstan_unrest(&id, 1);
    doc["embargoedUntil"] = json!(until.to_rfc3339());
    assert_eq!(p.post_article(&doc).await.0, StatusCode::ACCEPTED);
    p.wait_for_metric(Svc::Publish, "newsfeed_embargoed_stories", 1.0, WITHIN)
        .await;
    assert_eq!(p.get_article(&id).await.0, StatusCode::NOT_FOUND);

    // Restart while the story waits: the embargo lives in Kafka, not in memory.
    assert!(p.svc(Svc::Publish).terminate().success());
    p.svc(Svc::Publish).start();
    p.svc(Svc::Publish).wait_ready(WITHIN).await;
    assert!(
        Utc::now() < until,
        "the restart outlasted the embargo: nothing left to check"
    );
    assert_eq!(
        p.metric(Svc::Publish, "newsfeed_embargoed_stories").await,
        1.0
    );
    assert_eq!(
        p.get_article(&id).await.0,
        StatusCode::NOT_FOUND,
        "released before its time"
    );

    let doc = p.wait_for_article(&id, WITHIN, |_| true).await;
    let released = Utc::now();
    assert!(
        released >= until,
        "released at {released}, embargo until {until}"
    );
    assert!(
        released - until < chrono::Duration::seconds(5),
        "released {} late",
        released - until
    );
    assert_eq!(doc["uri"], id.as_str());
    assert_eq!(actions(&p, &id), ["published"]);
    // (The store commits the release before the gauge drops.)
    let deadline = Instant::now() + WITHIN;
    while p.metric(Svc::Publish, "newsfeed_embargoed_stories").await != 0.0 {
        assert!(
            Instant::now() < deadline,
            "a released story is still counted as embargoed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Counted out, but late on purpose: not in the end-to-end latency (the SLO's).
    p.wait_for_metric(Svc::Publish, "newsfeed_articles_out_total", 1.0, WITHIN)
        .await;
    assert_eq!(
        p.metric(Svc::Publish, "newsfeed_end_to_end_seconds_count")
            .await,
        0.0
    );
}

#[tokio::test]
async fn routes_copy_tagged_stories_to_their_own_topic() {
    let p = Pipeline::start_some(
        "routes",
        &[Svc::Ingest, Svc::Enrich, Svc::Publish],
        &[("NEWSFEED_PUBLISH_ROUTES", "russia=feed.russia")],
    )
    .await;
    let (ru, kz) = (uri("routes"), uri("routes"));
    assert_eq!(
        p.post_article(&russia_grain(&ru)).await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&kz, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&ru, WITHIN, |_| true).await;
    p.wait_for_article(&kz, WITHIN, |_| true).await;
    let routed: Vec<String> = read_topic(&p.topic("feed.russia"), WITHIN)
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(routed, [ru]);
}

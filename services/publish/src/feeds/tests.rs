//! The feed routes as a reader meets them: status codes, headers, the 304
//! dance, problems, the topic index and the request metric.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use axum::body::{Body, to_bytes};
use axum::http::header::{IF_MODIFIED_SINCE, IF_NONE_MATCH};
use axum::http::{Request, header};
use newsfeed_model::{Article, ArticleEvent, Publication};
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::feeds::model::tests::store;
use crate::lifecycle::Action;

struct App {
    router: Router,
    store: Arc<Store>,
    metrics: Arc<newsfeed_runtime::StageMetrics>,
}

fn app() -> App {
    let store = Arc::new(store());
    let metrics = newsfeed_runtime::StageMetrics::new("publish", &crate::metrics::KNOWN).unwrap();
    App {
        router: router(store.clone(), FeedMetrics::new(&metrics).unwrap()),
        store,
        metrics,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

impl App {
    async fn get(&self, path: &str, headers: &[(header::HeaderName, &str)]) -> Answer {
        let mut req = Request::get(path).header(header::HOST, "feeds.test:8083");
        for (k, v) in headers {
            req = req.header(k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        Answer {
            status: res.status(),
            headers: res.headers().clone(),
            body: to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap()
                .to_vec(),
        }
    }

    fn requests(&self, format: &str, outcome: &str) -> bool {
        self.metrics.render().contains(&format!(
            "newsfeed_feed_requests_total{{format=\"{format}\",outcome=\"{outcome}\",service=\"publish\"}} 1\n"
        ))
    }

    /// Applies a new version of `uri` with `action`.
    fn apply(&self, uri: &str, version: &str, action: Action) {
        let store = &self.store;
        let mut event = store.get(uri).unwrap().unwrap().event;
        event.article = Article {
            version: Some(version.into()),
            ..event.article
        };
        store
            .apply(ArticleEvent {
                publication: Some(Publication {
                    action: Some(action.as_str().into()),
                    ..event.publication.clone().unwrap_or_default()
                }),
                ..event
            })
            .unwrap();
    }
}

const FISH: &str = "https://news.example.com/fish";
const OLDER: &str = "urn:newsfeed:test:2";

#[tokio::test]
async fn each_format_has_its_media_type_and_validators() {
    let app = app();
    for (path, media_type) in [
        ("feed.json", "application/feed+json; charset=utf-8"),
        ("feed.rss", "application/rss+xml; charset=utf-8"),
        ("feed.atom", "application/atom+xml; charset=utf-8"),
    ] {
        let a = app.get(&format!("/v1/topics/kazakhstan/{path}"), &[]).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.header(header::CONTENT_TYPE), media_type);
        assert!(a.header(header::ETAG).starts_with('"'), "{path}");
        assert_eq!(
            a.header(header::LAST_MODIFIED),
            "Sat, 28 Nov 2026 08:05:00 GMT"
        );
        assert_eq!(a.header(header::CACHE_CONTROL), "no-cache");
    }
    assert!(app.requests("json", "ok") && app.requests("rss", "ok") && app.requests("atom", "ok"));
}

#[tokio::test]
async fn links_are_absolute_for_the_host_the_reader_used() {
    let app = app();
    let a = app
        .get(
            "/v1/topics/kazakhstan/feed.json",
            &[(
                header::HeaderName::from_static("x-forwarded-proto"),
                "https",
            )],
        )
        .await;
    assert_eq!(
        a.json()["feed_url"],
        "https://feeds.test:8083/v1/topics/kazakhstan/feed.json"
    );
}

#[tokio::test]
async fn a_reader_with_the_current_feed_gets_304_without_a_body() {
    let app = app();
    let first = app.get("/v1/topics/kazakhstan/feed.rss", &[]).await;
    let etag = first.header(header::ETAG).to_owned();
    let again = app
        .get("/v1/topics/kazakhstan/feed.rss", &[(IF_NONE_MATCH, &etag)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header(header::ETAG), etag);
    assert!(app.requests("rss", "not_modified"));

    let since = first.header(header::LAST_MODIFIED).to_owned();
    let by_date = app
        .get(
            "/v1/topics/kazakhstan/feed.atom",
            &[(IF_MODIFIED_SINCE, &since)],
        )
        .await;
    assert_eq!(by_date.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn the_etag_follows_versions_retractions_and_format() {
    let app = app();
    let etag = |a: Answer| a.header(header::ETAG).to_owned();
    let json = etag(app.get("/v1/topics/kazakhstan/feed.json", &[]).await);
    assert_eq!(
        json,
        etag(app.get("/v1/topics/kazakhstan/feed.json", &[]).await)
    );
    assert_ne!(
        json,
        etag(app.get("/v1/topics/kazakhstan/feed.atom", &[]).await)
    );

    app.apply(FISH, "3", Action::Updated);
    let updated = app
        .get("/v1/topics/kazakhstan/feed.json", &[(IF_NONE_MATCH, &json)])
        .await;
    assert_eq!(updated.status, StatusCode::OK, "a new version is news");
    let updated = etag(updated);
    assert_ne!(updated, json);

    app.apply(OLDER, "2", Action::Retracted);
    let retracted = app.get("/v1/topics/kazakhstan/feed.json", &[]).await;
    assert_eq!(retracted.json()["items"].as_array().map(Vec::len), Some(1));
    assert_ne!(etag(retracted), updated);
}

#[tokio::test]
async fn an_unknown_topic_is_a_404_problem() {
    let app = app();
    let a = app.get("/v1/topics/atlantis/feed.atom", &[]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.header(header::CONTENT_TYPE), "application/problem+json");
    assert_eq!(a.json()["status"], 404);
    assert!(app.requests("atom", "not_found"));
}

#[tokio::test]
async fn a_topic_with_every_story_retracted_has_an_empty_feed() {
    let app = app();
    app.apply(FISH, "3", Action::Retracted);
    app.apply(OLDER, "2", Action::Retracted);
    let a = app.get("/v1/topics/kazakhstan/feed.json", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = a.json();
    assert_eq!(doc["title"], "Kazakhstan");
    assert_eq!(doc["items"], serde_json::json!([]));
    assert_eq!(a.header(header::LAST_MODIFIED), "");
}

#[tokio::test]
async fn limit_must_be_1_to_100() {
    let app = app();
    let one = app
        .get("/v1/topics/kazakhstan/feed.json?limit=1", &[])
        .await;
    let items = one.json()["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1));
    assert_eq!(items[0]["id"], FISH, "newest first");
    for bad in ["0", "101", "many"] {
        let a = app
            .get(&format!("/v1/topics/kazakhstan/feed.rss?limit={bad}"), &[])
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(a.header(header::CONTENT_TYPE), "application/problem+json");
    }
}

#[tokio::test]
async fn the_topic_index_lists_topics_with_counts_and_links() {
    let app = app();
    let a = app.get("/v1/topics", &[]).await;
    assert_eq!(a.status, StatusCode::OK);
    let topics = a.json()["topics"].clone();
    let kz = topics
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "kazakhstan")
        .cloned()
        .unwrap();
    assert_eq!(
        kz,
        serde_json::json!({
            "slug": "kazakhstan",
            "name": "Kazakhstan",
            "count": 2,
            "links": {
                "articles": "/v1/topics/kazakhstan/articles",
                "json": "/v1/topics/kazakhstan/feed.json",
                "rss": "/v1/topics/kazakhstan/feed.rss",
                "atom": "/v1/topics/kazakhstan/feed.atom",
            }
        })
    );
    assert_eq!(topics[0]["slug"], "almaty", "by slug");
}

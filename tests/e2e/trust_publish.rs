//! Publish's API is public for reading unless the operator closes it, and
//! then only clients with the `read` scope get in; unknown routes answer
//! with a problem, not an empty body.

use newsfeed_tests::ctl::Ctl;
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;

#[tokio::test]
async fn reading_can_require_a_read_scoped_client_token() {
    let p = Pipeline::start_some(
        "trust-read",
        &[Svc::Publish],
        &[("NEWSFEED_PUBLISH_READ_REQUIRES_TOKEN", "true")],
    )
    .await;
    let hooks_only =
        Ctl::new(&p.prefix).token(&["clients", "add", "hooks-only", "--scope", "subscriptions"]);
    let paths = [
        "/v1/articles/urn%3Ax%3A1",
        "/v1/topics",
        "/v1/topics/russia/feed.rss",
        "/v1/stream",
    ];
    for path in paths {
        let url = p.publish_url(path);
        let anonymous = p.http.get(&url).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            anonymous.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        let wrong_scope = p
            .http
            .get(&url)
            .bearer_auth(&hooks_only)
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_scope.status(), StatusCode::FORBIDDEN, "{path}");
        let reader = p
            .http
            .get(&url)
            .bearer_auth(&p.client_token)
            .send()
            .await
            .unwrap();
        assert!(
            !matches!(
                reader.status(),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{path}: {}",
            reader.status()
        );
    }
    // Admin endpoints stay open to the scraper and the orchestrator.
    let metrics = p.http.get(p.publish_url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);

    let unknown = p
        .http
        .get(p.publish_url("/v2/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn reading_is_public_by_default() {
    let p = Pipeline::start_some("trust-public", &[Svc::Publish], &[]).await;
    let r = p
        .http
        .get(p.publish_url("/v1/topics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

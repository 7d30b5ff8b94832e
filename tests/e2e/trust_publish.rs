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
    p.wait_client_known(&hooks_only).await;
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

#[tokio::test]
async fn clients_manage_only_their_own_subscriptions() {
    use crate::webhooks::{Receiver, create, create_as, delete_as, get, get_as};

    let p = Pipeline::start_some("trust-subs", &[Svc::Publish], &[]).await;
    let ctl = Ctl::new(&p.prefix);
    let other = ctl.token(&["clients", "add", "other", "--scope", "subscriptions"]);
    let reader = ctl.token(&["clients", "add", "reader", "--scope", "read"]);
    p.wait_client_known(&other).await;
    p.wait_client_known(&reader).await;
    let rx = Receiver::start();
    let want = serde_json::json!({ "url": rx.url("mine") });

    // Without a token, with a bad one, or without the scope: nothing is created.
    let r = p
        .http
        .post(p.publish_url("/v1/subscriptions"))
        .json(&want)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let (status, _, body) = create_as(&p, "nfc_not-a-token", &want).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = create_as(&p, &reader, &want).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, _, mine) = create(&p, &want).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let id = mine["id"].as_str().unwrap();
    let (status, _, theirs) =
        create_as(&p, &other, &serde_json::json!({ "url": rx.url("theirs") })).await;
    assert_eq!(status, StatusCode::CREATED, "{theirs}");

    // Each sees its own, and another's id is simply not there.
    let (status, _, body) = get(&p, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = get_as(&p, &other, id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = delete_as(&p, &other, id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let listed = |token: String| {
        let p = &p;
        async move {
            let r = p
                .http
                .get(p.publish_url("/v1/subscriptions"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let body: serde_json::Value = r.json().await.unwrap();
            body["subscriptions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(p.client_token.clone()).await, vec![id.to_owned()]);
    assert_eq!(
        listed(other.clone()).await,
        vec![theirs["id"].as_str().unwrap().to_owned()]
    );

    // The owner deletes it; a revoked client loses access within moments.
    let (status, _, _) = delete_as(&p, &p.client_token, id).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    ctl.ok(&["clients", "revoke", "other"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (status, _, _) = get_as(&p, &other, theirs["id"].as_str().unwrap()).await;
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "revoked client still gets {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

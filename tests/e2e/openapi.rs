//! The HTTP APIs as documented: ingest and publish serve their OpenAPI 3.1
//! documents (the ones kept in the repository), and Schemathesis, fuzzing
//! every operation from them against the running services with the test
//! tokens, finds no server error and no answer off its documented status,
//! content type, schema or headers (`Retry-After` on 429 and 503 included),
//! and a 405 problem for every undocumented method.

use std::process::Command;
use std::time::Duration;

use newsfeed_tests::stories::{kazakhstan_unrest, uri};
use newsfeed_tests::{Pipeline, Svc};
use reqwest::StatusCode;
use serde_json::Value;

const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_schema_conformance,response_headers_conformance,unsupported_method";

fn schemathesis(base: &str, token: &str, exclude: &[&str]) -> (bool, String) {
    let venv_bin = newsfeed_tests::python::interpreter().parent().unwrap();
    // Its example database and caches go under target/, not the source tree.
    let scratch = newsfeed_tests::repo_root().join("target/schemathesis");
    std::fs::create_dir_all(&scratch).unwrap();
    let mut cmd = Command::new(venv_bin.join("schemathesis"));
    cmd.current_dir(&scratch)
        .arg("run")
        .arg(format!("{base}/openapi.json"))
        .args([
            "--checks",
            CHECKS,
            "--max-examples",
            "25",
            "--request-timeout",
            "10",
        ])
        .args(["--seed", "1", "--no-color", "--warnings", "off"])
        .arg("-H")
        .arg(format!("Authorization: Bearer {token}"));
    for path in exclude {
        cmd.args(["--exclude-path", path]);
    }
    let out = cmd.output().expect("running schemathesis");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // e.g. "91 generated, 91 passed": the run was not vacuous.
    let cases = said
        .lines()
        .skip_while(|l| !l.starts_with("Test cases:"))
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_owned();
    println!("schemathesis {base}: {cases}");
    (out.status.success() && cases.contains("passed"), said)
}

#[tokio::test]
async fn documented_apis_hold_under_schemathesis() {
    let p = Pipeline::start("openapi").await;
    let id = uri("openapi");
    assert_eq!(
        p.post_article(&kazakhstan_unrest(&id, 1)).await.0,
        StatusCode::ACCEPTED
    );
    p.wait_for_article(&id, Duration::from_secs(60), |_| true)
        .await;

    let root = newsfeed_tests::repo_root();
    for (svc, file) in [
        (Svc::Ingest, "services/ingest/api/openapi.json"),
        (Svc::Publish, "services/publish/api/openapi.json"),
    ] {
        let served: Value = p
            .http
            .get(p.svc_url(svc, "/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kept: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join(file)).unwrap()).unwrap();
        assert_eq!(served, kept, "{file}");
        assert_eq!(served["openapi"], "3.1.0");
    }

    let ingest = p.svc_url(Svc::Ingest, "");
    let publish = p.svc_url(Svc::Publish, "");
    let (source, client) = (p.source_token.clone(), p.client_token.clone());
    let (ok, said) = tokio::task::spawn_blocking(move || schemathesis(&ingest, &source, &[]))
        .await
        .unwrap();
    assert!(ok, "schemathesis on ingest:\n{said}");
    // The live stream never ends: a fuzzer cannot wait for its answer.
    let (ok, said) =
        tokio::task::spawn_blocking(move || schemathesis(&publish, &client, &["/v1/stream"]))
            .await
            .unwrap();
    assert!(ok, "schemathesis on publish:\n{said}");
}

//! Stories written for the tests (none copied from real reporting).

use serde_json::{Value, json};

/// A unique story uri for `test`.
pub fn uri(test: &str) -> String {
    format!(
        "https://news.example.com/test/{test}/{}",
        uuid::Uuid::new_v4().simple()
    )
}

/// A story about unrest in Kazakhstan.
pub fn kazakhstan_unrest(uri: &str, version: u32) -> Value {
    json!({
        "uri": uri,
        "type": "text",
        "version": version.to_string(),
        "versionCreated": format!("2026-11-28T08:{:02}:00Z", version % 60),
        "firstCreated": "2026-11-28T08:00:00Z",
        "pubStatus": "usable",
        "language": "en",
        "by": "Newsfeed test desk",
        "located": "Almaty",
        "headlines": [{"role": "main", "value": format!("Protesters fill Almaty square as fuel price anger spreads across Kazakhstan (v{version})")}],
        "bodies": [{
            "role": "main",
            "contentType": "text/html",
            "value": "<p>Crowds gathered outside the regional akimat in Almaty for a third day of demonstrations over the doubled price of liquefied gas.</p><p>Police detained dozens of protesters overnight, and the government of Kazakhstan declared a two-week state of emergency in the city.</p>"
        }]
    })
}

/// A story mentioning Russia and nothing about unrest.
pub fn russia_grain(uri: &str) -> Value {
    json!({
        "uri": uri,
        "type": "text",
        "version": "1",
        "versionCreated": "2026-11-28T09:30:00Z",
        "language": "en",
        "headlines": [{"role": "main", "value": "Russian wheat exports climb as Black Sea shipping steadies"}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": "Grain traders in Novorossiysk said loadings rose for a fourth week as insurers cut premiums for vessels calling at ports in Russia."}]
    })
}

/// Names of the tags of `kind` ("subjects", "places", ...) in a ninjs document.
pub fn tag_names(doc: &Value, kind: &str) -> Vec<String> {
    doc[kind]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

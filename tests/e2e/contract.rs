//! The event contract, judged from outside: every event the services write
//! decodes against the proto descriptors with unknown fields rejected and
//! prints back identically (so the Rust types match the proto exactly),
//! every article is valid ninjs 3.1, and the headers are CloudEvents that
//! the CloudEvents SDK reads.

use std::time::Duration;

use cloudevents::binding::rdkafka::MessageExt;
use cloudevents::{AttributesReader, Data};
use newsfeed_tests::contract::{
    descriptors, message, ninjs_errors, ninjs_schema, ninjs_validator, proto_round_trip,
    same_numbers,
};
use newsfeed_tests::stories::{everything_ninjs_allows, kazakhstan_unrest, russia_grain, uri};
use newsfeed_tests::{Pipeline, read_topic};
use reqwest::StatusCode;

#[tokio::test]
async fn every_event_matches_the_proto_ninjs_and_cloudevents() {
    let p = Pipeline::start("contract").await;
    let stories = [
        kazakhstan_unrest(&uri("contract"), 1),
        russia_grain(&uri("contract")),
        everything_ninjs_allows(&uri("contract-all")),
    ];
    let iptc = newsfeed_tests::repo_root()
        .join("../shared/specs/ninjs/examples/005_complex_text_article.json");
    let iptc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(iptc).unwrap()).unwrap();
    for doc in stories.iter().chain([&iptc]) {
        assert_eq!(p.post_article(doc).await.0, StatusCode::ACCEPTED);
    }
    // One story held by an embargo, so the embargo topic has an event too.
    let mut held = kazakhstan_unrest(&uri("contract-embargo"), 1);
    held["embargoedUntil"] = serde_json::json!("2099-01-01T00:00:00Z");
    assert_eq!(p.post_article(&held).await.0, StatusCode::ACCEPTED);
    let series = "newsfeed_publish_embargoed_stories";
    p.wait_for_metric(
        newsfeed_tests::Svc::Publish,
        series,
        1.0,
        Duration::from_secs(60),
    )
    .await;
    for doc in stories.iter().chain([&iptc]) {
        p.wait_for_article(
            doc["uri"].as_str().unwrap(),
            Duration::from_secs(60),
            |_| true,
        )
        .await;
    }

    let pool = descriptors();
    let event = message(&pool, "ArticleEvent");
    let ninjs = ninjs_validator();
    let published = ("newsfeed.article.published.v1", "/newsfeed/publish");
    let expected_types = [
        (
            "articles.ingested",
            5,
            ("newsfeed.article.ingested.v1", "/newsfeed/ingest"),
        ),
        (
            "articles.enriched",
            5,
            ("newsfeed.article.enriched.v1", "/newsfeed/enrich"),
        ),
        ("articles.published", 4, published),
        ("publish.state", 4, published),
        ("publish.embargoes", 1, published),
    ];
    for (topic, count, (ce_type, source)) in expected_types {
        let records = read_topic(&p.topic(topic), Duration::from_secs(30));
        assert_eq!(records.len(), count, "{topic}");
        for r in records {
            let printed = proto_round_trip(&event, &r.value)
                .unwrap_or_else(|e| panic!("{topic}: {e}\n{}", r.value));
            assert_eq!(
                same_numbers(&printed),
                same_numbers(&r.value),
                "{topic}: the proto prints the event differently"
            );
            let errors = ninjs_errors(&ninjs, &r.value["article"]);
            assert!(
                errors.is_empty(),
                "{topic}: article is not valid ninjs 3.1: {errors:?}"
            );
            assert_eq!(
                r.key,
                r.value["article"]["uri"].as_str().unwrap(),
                "key is the story uri"
            );

            let ce = r
                .message
                .to_event()
                .unwrap_or_else(|e| panic!("{topic}: not a CloudEvent: {e}"));
            assert_eq!(ce.specversion().as_str(), "1.0");
            assert_eq!(ce.ty(), ce_type);
            assert_eq!(ce.source().as_str(), source);
            assert_eq!(ce.subject(), r.value["article"]["uri"].as_str());
            assert_eq!(ce.datacontenttype(), Some("application/json"));
            assert!(ce.time().is_some() && !ce.id().is_empty());
            let data = match ce.data() {
                Some(Data::Json(v)) => v.clone(),
                Some(Data::Binary(b)) => serde_json::from_slice(b).unwrap(),
                other => panic!("{topic}: unexpected data {other:?}"),
            };
            assert_eq!(data, r.value);
            let trace = r.header("traceparent").expect("traceparent");
            assert!(trace.len() == 55 && trace.starts_with("00-"), "{trace}");
        }
    }
    // The enriched event carries the evidence in its envelope, not in ninjs.
    let enriched = read_topic(&p.topic("articles.enriched"), Duration::from_secs(30));
    assert!(enriched.iter().any(|r| {
        !r.value["enrichment"]["evidence"]
            .as_array()
            .is_none_or(Vec::is_empty)
    }));
}

/// Both directions without a broker: a fully populated event written by the
/// Rust types is what the proto prints, and a fully populated proto message
/// reads into the Rust types and back unchanged.
#[test]
fn rust_types_and_proto_agree_field_for_field() {
    let pool = descriptors();
    let desc = message(&pool, "ArticleEvent");
    let full = full_message(&desc, 0);
    let rust: newsfeed_model::ArticleEvent = serde_json::from_value(full.clone())
        .unwrap_or_else(|e| panic!("Rust types reject a proto field: {e}\n{full}"));
    let back = serde_json::to_value(&rust).unwrap();
    assert_eq!(
        same_numbers(&back),
        full,
        "Rust types lose or rename a proto field"
    );
    assert_eq!(same_numbers(&proto_round_trip(&desc, &back).unwrap()), full);
    // Every ninjs 3.1 property has a field: the schema's property names, at
    // the top level and in each nested object, are all in the full message.
    let schema = ninjs_schema();
    let mut missing = Vec::new();
    schema_properties_missing(
        &schema,
        &schema["$defs"]["ninjsType"],
        &full["article"],
        "",
        &mut missing,
    );
    assert_eq!(
        missing,
        [
            "/eventDetails/dates/recurrence/recurrenceDates",
            "/plannedCoverage/dates/recurrence/recurrenceDates"
        ],
        "ninjs 3.1 properties without a proto field (recurrenceDates is unsatisfiable in the schema)"
    );
}

/// Schema property names (following `$ref`, `items` and `properties`) that
/// `value` does not set, as JSON pointers.
fn schema_properties_missing(
    root: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    at: &str,
    missing: &mut Vec<String>,
) {
    let schema = resolve(root, schema);
    if let Some(items) = schema.get("items") {
        if let Some(first) = value.as_array().and_then(|a| a.first()) {
            schema_properties_missing(root, items, first, at, missing);
        }
        return;
    }
    let mut props = serde_json::Map::new();
    for part in [
        schema,
        resolve(root, schema.get("$ref").unwrap_or(&serde_json::Value::Null)),
    ] {
        if let Some(p) = part.get("properties").and_then(|p| p.as_object()) {
            props.extend(p.clone());
        }
    }
    for (name, sub) in props {
        let here = format!("{at}/{name}");
        match value.get(&name) {
            None => missing.push(here),
            // GeoJSON is carried as an opaque object; associations recurse once.
            Some(_) if name == "geoJSON" || at.matches("/associations").count() > 0 => {}
            Some(v) => schema_properties_missing(root, &sub, v, &here, missing),
        }
    }
}

fn resolve<'a>(
    root: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    match schema.get("$ref").and_then(|r| r.as_str()) {
        Some(r) if r.starts_with("#/$defs/") && schema.get("properties").is_none() => {
            &root["$defs"][&r["#/$defs/".len()..]]
        }
        _ => schema,
    }
}

/// A JSON value setting every field of `desc`, recursively.
fn full_message(desc: &prost_reflect::MessageDescriptor, depth: usize) -> serde_json::Value {
    use prost_reflect::Kind;
    let mut obj = serde_json::Map::new();
    for f in desc.fields() {
        let one = match f.kind() {
            Kind::String => serde_json::json!(format!("{}-value", f.name())),
            Kind::Int32 | Kind::Double => serde_json::json!(7),
            Kind::Message(m) if m.full_name() == "google.protobuf.Timestamp" => {
                serde_json::json!("2026-11-28T10:15:30.123Z")
            }
            Kind::Message(m) if m.full_name() == "google.protobuf.Struct" => {
                serde_json::json!({"type": "Point", "coordinates": [30.5, 50.25]})
            }
            Kind::Message(m) if depth < 7 => full_message(&m, depth + 1),
            // Articles nest (associations): stop somewhere.
            Kind::Message(_) => continue,
            other => panic!(
                "field {} has kind {other:?}, which the contract test does not cover",
                f.full_name()
            ),
        };
        let v = if f.is_list() {
            serde_json::json!([one])
        } else {
            one
        };
        obj.insert(f.json_name().to_owned(), v);
    }
    serde_json::Value::Object(obj)
}

/// A story with every ninjs 3.1 property is valid for the official schema,
/// accepted by Newsfeed, and read into the Rust types and the proto
/// unchanged; each way to break it is refused by both the schema and
/// Newsfeed, naming the same place.
#[test]
fn newsfeed_and_the_schema_agree_on_everything_ninjs_allows() {
    let ninjs = ninjs_validator();
    let doc = newsfeed_tests::stories::everything_ninjs_allows("https://news.example.com/t/all");
    assert_eq!(ninjs_errors(&ninjs, &doc), Vec::<String>::new());
    let valid = newsfeed_model::parse_article(doc.clone())
        .unwrap_or_else(|e| panic!("Newsfeed refuses valid ninjs: {e:?}"));
    let rust = serde_json::to_value(&valid.article).unwrap();
    assert_eq!(
        same_numbers(&rust),
        same_numbers(&doc),
        "Rust types change the story"
    );
    let pool = descriptors();
    let event = serde_json::json!({"article": doc});
    let printed = proto_round_trip(&message(&pool, "ArticleEvent"), &event).unwrap();
    assert_eq!(
        same_numbers(&printed),
        same_numbers(&event),
        "proto changes the story"
    );

    let broken: &[(&str, Option<serde_json::Value>)] = &[
        ("/urgency", Some(10.into())),
        ("/name", Some("main".into())),
        ("/rightsInfo/encodedRights", Some("also".into())),
        ("/trustIndicators/0/href", Some("not a uri".into())),
        (
            "/places/0/contactInfo/0/address",
            Some(serde_json::json!({"locality": "x"})),
        ),
        (
            "/places/0/symbols",
            Some(serde_json::json!([{"symbol": "X"}])),
        ),
        (
            "/objects/0/contactInfo",
            Some(serde_json::json!([{"value": "x"}])),
        ),
        (
            "/eventDetails/dates",
            Some(serde_json::json!({"expectedDuration": "PT1H"})),
        ),
        (
            "/eventDetails/dates/recurrence/recurrenceRules/0/frequency",
            Some("fortnightly".into()),
        ),
        (
            "/plannedCoverage/0/dates/expectedStartDate",
            Some("Dec 2026".into()),
        ),
        ("/plannedCoverage/0/type", Some("article".into())),
        ("/associations/0/name", None),
        ("/associations/0/uri", None),
        ("/associations/0/type", Some("photo".into())),
        ("/associations/0/pubStatus", Some("live".into())),
        ("/associations/0/renditions/0/name", None),
        ("/associations/1/renditions/0/scanType", Some("fast".into())),
        (
            "/associations/1/renditions/0/href",
            Some("video.mp4".into()),
        ),
        (
            "/associations/1/descriptions",
            Some(serde_json::json!([{"role": "caption"}])),
        ),
        ("/associations/1/renditions/0/codec", Some("x".into())),
    ];
    for (pointer, value) in broken {
        let mut bad = doc.clone();
        set(&mut bad, pointer, value.clone());
        let schema = ninjs_errors(&ninjs, &bad);
        assert!(!schema.is_empty(), "{pointer}: the schema accepts it");
        let ours = newsfeed_model::parse_article(bad)
            .err()
            .unwrap_or_else(|| panic!("{pointer}: Newsfeed accepts it; schema says {schema:?}"));
        let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
        assert!(
            ours.iter().any(|v| v.pointer == *pointer
                || v.pointer == parent
                || v.pointer.starts_with(&format!("{pointer}/"))),
            "{pointer}: Newsfeed names {ours:?}"
        );
    }
}

/// Sets (or, with `None`, removes) the value at `pointer`.
fn set(doc: &mut serde_json::Value, pointer: &str, value: Option<serde_json::Value>) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = doc.pointer_mut(parent).unwrap();
    match (parent, value) {
        (serde_json::Value::Object(o), Some(v)) => {
            o.insert(key.to_owned(), v);
        }
        (serde_json::Value::Object(o), None) => {
            o.remove(key);
        }
        (serde_json::Value::Array(a), Some(v)) => a[key.parse::<usize>().unwrap()] = v,
        (other, _) => panic!("{pointer}: cannot set in {other}"),
    }
}

/// What Newsfeed and the official schema say of each IPTC example, and why
/// Newsfeed refuses the two it refuses.
#[test]
fn iptc_examples_against_newsfeed_and_the_schema() {
    let ninjs = ninjs_validator();
    let dir = newsfeed_tests::repo_root().join("../shared/specs/ninjs/examples");
    let mut verdicts = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let schema_ok = ninjs_errors(&ninjs, &doc).is_empty();
        let ours = newsfeed_model::parse_article(doc)
            .err()
            .map(|v| v.into_iter().map(|v| v.pointer).collect::<Vec<_>>());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        verdicts.push((name, schema_ok, ours));
    }
    let refused = |p: &str| Some(vec![p.to_owned()]);
    let expected = [
        ("001_simple_example.json", true, None),
        // "renditions-example" is not a complete URI: the schema's
        // `format: uri` and Newsfeed both refuse it.
        ("002_renditions_example.json", false, refused("/uri")),
        ("003_associations_example.json", true, None),
        ("004_simple_text_article.json", true, None),
        ("005_complex_text_article.json", true, None),
        ("006_photo_only.json", true, None),
        ("007_multimedia.json", true, None),
        // Valid ninjs, but an event is planning data, not a story to
        // publish (and it has no headline, description or body).
        (
            "008_event.json",
            true,
            Some(vec!["/type".to_owned(), "/headlines".to_owned()]),
        ),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(n, s, o)| (n.to_owned(), s, o))
        .collect();
    assert_eq!(verdicts, expected);
}

/// The quick start's sample stories are valid ninjs 3.1 that Newsfeed takes.
#[test]
fn sample_stories_are_valid_ninjs_newsfeed_accepts() {
    let ninjs = ninjs_validator();
    let dir = newsfeed_tests::repo_root().join("deploy/local/stories");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            ninjs_errors(&ninjs, &doc),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        if let Err(e) = newsfeed_model::parse_article(doc) {
            panic!("{}: {e:?}", path.display());
        }
    }
}

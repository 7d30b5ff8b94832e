//! `newsfeed-enrich tag`: JSON lines in, enriched JSON lines out, in order;
//! bad lines reported on stderr by place while the rest still run.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::Write;
use std::process::{Command, Stdio};

fn tag(args: &[&str], stdin: &str) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsfeed-enrich"))
        .arg("tag")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tags_lines_in_order_and_reports_bad_ones() {
    let kz = r#"{"uri":"urn:cli:1","headlines":[{"value":"Protests spread across Kazakhstan after fuel price rise"}]}"#;
    let ru = r#"{"uri":"urn:cli:2","headlines":[{"value":"Russian central bank holds rates"}]}"#;
    let input = format!("{kz}\nnot json\n{ru}\n{{\"uri\":\"relative\"}}\n");
    let (code, out, err) = tag(&["-"], &input);
    assert_eq!(code, Some(1), "bad lines make the exit non-zero");
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["uri"], "urn:cli:1");
    assert_eq!(out[1]["uri"], "urn:cli:2");
    let names = |doc: &serde_json::Value, kind: &str| -> Vec<String> {
        doc[kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(
        names(&out[0], "subjects").contains(&"Protests in Kazakhstan".to_owned()),
        "{}",
        out[0]
    );
    assert!(
        names(&out[1], "places").contains(&"Russia".to_owned()),
        "{}",
        out[1]
    );
    assert!(err.contains("stdin:2: malformed JSON"), "{err}");
    assert!(err.contains("stdin:4: /uri"), "{err}");
}

#[test]
fn explain_prints_the_evidence() {
    let kz = r#"{"uri":"urn:cli:3","headlines":[{"value":"Russia weighs new grain quota"}]}"#;
    let (code, out, _) = tag(&["--explain", "-"], kz);
    assert_eq!(code, Some(0));
    let evidence = out[0]["enrichment"]["evidence"].as_array().unwrap();
    let russia = evidence
        .iter()
        .find(|e| e["text"] == "Russia")
        .expect("evidence for Russia");
    assert_eq!(
        (
            russia["field"].as_str(),
            russia["offset"].as_i64(),
            russia["length"].as_i64()
        ),
        (Some("/headlines/0/value"), Some(0), Some(6))
    );
}

#[test]
fn a_missing_taxonomy_file_is_named() {
    let (code, _, err) = tag(&["--taxonomy", "/nonexistent/taxonomy.yaml", "-"], "");
    assert_eq!(code, Some(2));
    assert!(err.contains("/nonexistent/taxonomy.yaml"), "{err}");
}

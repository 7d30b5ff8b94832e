//! `newsfeed-enrich tag`: the service's tagging over JSON lines, for editors
//! trying taxonomy rules and for tests. Each input document gives one output
//! line, in order; a bad line is reported on stderr with its place and the
//! rest still run (exit 1 at the end).

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use newsfeed_model::parse_article;
use newsfeed_tagging::Tagger;

use crate::config::TagArgs;
use crate::taxonomy::load_taxonomy;

/// Runs the `tag` subcommand.
pub fn tag(args: &TagArgs) -> ExitCode {
    let tagger = match load_taxonomy(args.taxonomy.as_deref()) {
        Ok(t) => Tagger::new(t),
        Err(e) => {
            eprintln!("newsfeed-enrich tag: {e:#}");
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failures = 0usize;
    for input in &args.inputs {
        let lines: Box<dyn Iterator<Item = (String, std::io::Result<String>)>> = if input == "-" {
            Box::new(
                std::io::stdin()
                    .lock()
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (format!("stdin:{}", i + 1), l))
                    .collect::<Vec<_>>()
                    .into_iter(),
            )
        } else {
            match read_documents(input) {
                Ok(docs) => Box::new(docs.into_iter()),
                Err(e) => {
                    eprintln!("{input}: {e}");
                    failures += 1;
                    continue;
                }
            }
        };
        for (place, line) in lines {
            match line
                .map_err(|e| e.to_string())
                .and_then(|l| tag_line(&tagger, &l, args.explain))
            {
                Ok(None) => {}
                Ok(Some(json)) => {
                    if writeln!(out, "{json}").is_err() {
                        return ExitCode::from(2);
                    }
                }
                Err(e) => {
                    eprintln!("{place}: {e}");
                    failures += 1;
                }
            }
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if failures > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A file holds one JSON document, or JSON lines.
fn read_documents(path: &str) -> std::io::Result<Vec<(String, std::io::Result<String>)>> {
    let text = std::fs::read_to_string(path)?;
    if serde_json::from_str::<serde_json::Value>(&text).is_ok() {
        return Ok(vec![(path.to_owned(), Ok(text))]);
    }
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, l)| (format!("{path}:{}", i + 1), Ok(l.to_owned())))
        .collect())
}

/// Tags one document; `None` for a blank line.
fn tag_line(tagger: &Tagger, line: &str, explain: bool) -> Result<Option<String>, String> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("malformed JSON: {e}"))?;
    let mut article = parse_article(value)
        .map_err(|v| {
            v.iter()
                .map(|v| format!("{}: {}", v.pointer, v.message))
                .collect::<Vec<_>>()
                .join("; ")
        })?
        .article;
    let enrichment = tagger.enrich(&mut article);
    let json = if explain {
        serde_json::to_string(&serde_json::json!({ "article": article, "enrichment": enrichment }))
    } else {
        serde_json::to_string(&article)
    };
    json.map(Some).map_err(|e| e.to_string())
}

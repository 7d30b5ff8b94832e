//! Writes what the subject model is trained on: one JSON line per labelled
//! tuning story (the held-out stories are never read), with the editor's
//! top-level subject, the story's words as the tagger cuts them and the cue
//! rank of each top-level topic the cues found. `taxonomy/train_subjects.py`
//! reads it and writes `taxonomy/subject-model.tsv`.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example subject_corpus > /tmp/subject-corpus.jsonl
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{Tagger, Taxonomy};

fn main() -> ExitCode {
    let (taxonomy, set) = match (Taxonomy::default_taxonomy(), EvalSet::default_set()) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) => return fail(&e.to_string()),
        (_, Err(e)) => return fail(&e.to_string()),
    };
    let tagger = Tagger::new(taxonomy);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for story in &set.stories {
        let Some(subject) = story.subject_uri() else {
            continue;
        };
        let (words, ranks) = tagger.subject_inputs(&story.article);
        let line = serde_json::json!({
            "id": story.id,
            "subject": subject,
            "words": words,
            "ranks": ranks
                .into_iter()
                .map(|(uri, rank)| (uri, serde_json::Value::from(rank)))
                .collect::<serde_json::Map<_, _>>(),
        });
        if writeln!(out, "{line}").is_err() {
            return fail("cannot write to stdout");
        }
    }
    if out.flush().is_err() {
        return fail("cannot write to stdout");
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("subject_corpus: {message}");
    ExitCode::FAILURE
}

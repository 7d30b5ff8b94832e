//! Writes what the subject model is trained on: one JSON line per labelled
//! tuning story (the held-out stories are never read), with the editor's
//! top-level subject, the story's words as the tagger cuts them and the cue
//! rank of each top-level topic the cues found. `taxonomy/train_subjects.py`
//! reads it and writes `taxonomy/subject-model.tsv`.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example subject_corpus > /tmp/subject-corpus.jsonl
//! ```
//!
//! Each story is also written cut short, as a brief (id `ID~short`): its
//! headline and the first 50 words of its body, without the description.
//! The trainer scores the model on these too (news has briefs as well as
//! articles) and does not train on them. `--short N` cuts at N words,
//! `--short 0` writes no briefs.

use std::io::Write as _;
use std::process::ExitCode;

use newsfeed_model::Article;
use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{Tagger, Taxonomy};

/// The words of a brief's body: about the median of short news items (the
/// held-out stories' bodies have 52).
const BRIEF_WORDS: usize = 50;

fn main() -> ExitCode {
    let (taxonomy, set) = match (Taxonomy::default_taxonomy(), EvalSet::default_set()) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) => return fail(&e.to_string()),
        (_, Err(e)) => return fail(&e.to_string()),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let short = match args.as_slice() {
        [] => Some(BRIEF_WORDS),
        [flag, n] if flag == "--short" => match n.parse::<usize>() {
            Ok(0) => None,
            Ok(n) => Some(n),
            Err(_) => return fail("--short takes a number of words"),
        },
        _ => return fail("usage: subject_corpus [--short WORDS]"),
    };
    let tagger = Tagger::new(taxonomy);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for story in &set.stories {
        let Some(subject) = story.subject_uri() else {
            continue;
        };
        let brief = short.map(|n| (format!("{}~short", story.id), cut_short(&story.article, n)));
        let versions = std::iter::once((story.id.clone(), story.article.clone())).chain(brief);
        for (id, article) in versions {
            let (words, ranks) = tagger.subject_inputs(&article);
            let line = serde_json::json!({
                "id": id,
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
    }
    if out.flush().is_err() {
        return fail("cannot write to stdout");
    }
    ExitCode::SUCCESS
}

/// The article as a brief: its headline and the first `words` words of
/// each body, no description.
fn cut_short(article: &Article, words: usize) -> Article {
    let mut brief = article.clone();
    brief.descriptions.clear();
    for body in &mut brief.bodies {
        if let Some(text) = &body.value {
            body.value = Some(
                text.split_whitespace()
                    .take(words)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    brief
}

fn fail(message: &str) -> ExitCode {
    eprintln!("subject_corpus: {message}");
    ExitCode::FAILURE
}

//! Prints precision and recall of the default taxonomy over the labelled
//! stories (`eval/stories.yaml`) and every miss; exits non-zero below the
//! bar. `--tags` also prints what each story got; `--set FILE` evaluates
//! another story file.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example evaluate [-- --tags] [--set FILE]
//! ```

use std::process::ExitCode;

use newsfeed_tagging::evaluation::{EvalSet, evaluate};
use newsfeed_tagging::{Tagger, Taxonomy};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let show_tags = args.iter().any(|a| a == "--tags");
    let other_set = args
        .iter()
        .position(|a| a == "--set")
        .and_then(|i| args.get(i + 1));
    let set = match other_set {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|text| EvalSet::parse(&text, path).map_err(|e| e.to_string())),
        None => EvalSet::default_set().map_err(|e| e.to_string()),
    };
    let (taxonomy, set) = match (Taxonomy::default_taxonomy(), set) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) => return fail(&e.to_string()),
        (_, Err(e)) => return fail(&e.to_string()),
    };
    let tagger = Tagger::new(taxonomy);
    if show_tags {
        for story in &set.stories {
            println!("{}:", story.id);
            for t in tagger.tag(&story.article).tags {
                println!(
                    "    {:<45} {:>3} {:>3} {}",
                    t.uri
                        .rsplit_once("taxonomy/")
                        .map_or(t.uri.as_str(), |x| x.1),
                    t.relevance,
                    t.confidence,
                    t.name
                );
            }
        }
    }
    match evaluate(&tagger, &set) {
        Ok(report) => {
            print!("{report}");
            if report.passes() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("evaluate: {message}");
    ExitCode::FAILURE
}

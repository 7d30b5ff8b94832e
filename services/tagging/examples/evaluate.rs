//! Prints how the default taxonomy does on the labelled stories: the
//! tuning part (`eval/stories.yaml`, `eval/tuning/`) with every miss, and
//! the held-out part (`eval/unseen/`) as aggregate figures only: per
//! language precision and recall, leading-subject accuracy per top-level
//! topic, namesake cases, and labels the taxonomy lacks. Exits non-zero
//! below the bar. `--tags` also prints what each tuning story got; `--set
//! FILE` evaluates another story file instead of the tuning part;
//! `--taxonomy FILE` uses another taxonomy file (an edited copy) instead of
//! the default one.
//! `--show-unseen` lists the held-out part's misses too: not for anyone
//! tuning the taxonomy.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example evaluate [-- --tags] [--set FILE] [--taxonomy FILE]
//! ```

use std::path::Path;
use std::process::ExitCode;

use newsfeed_tagging::evaluation::{EvalSet, UNSEEN_DIR, UnknownLabels, evaluate, evaluate_with};
use newsfeed_tagging::{Tagger, Taxonomy};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let show_tags = args.iter().any(|a| a == "--tags");
    let show_unseen = args.iter().any(|a| a == "--show-unseen");
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
    let unseen = EvalSet::load_dir(Path::new(UNSEEN_DIR)).map_err(|e| e.to_string());
    let taxonomy = match args
        .iter()
        .position(|a| a == "--taxonomy")
        .and_then(|i| args.get(i + 1))
    {
        Some(path) => Taxonomy::load(Path::new(path)),
        None => Taxonomy::default_taxonomy(),
    };
    let (taxonomy, set, unseen) = match (taxonomy, set, unseen) {
        (Ok(t), Ok(s), Ok(u)) => (t, s, u),
        (Err(e), _, _) => return fail(&e.to_string()),
        (_, Err(e), _) | (_, _, Err(e)) => return fail(&e),
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
    let tuning = match evaluate(&tagger, &set) {
        Ok(report) => report,
        Err(e) => return fail(&e.to_string()),
    };
    println!("== tuning part");
    print!("{tuning}");
    let mut passes = tuning.passes();
    if other_set.is_none() {
        let report = match evaluate_with(&tagger, &unseen, UnknownLabels::Collect) {
            Ok(report) => report,
            Err(e) => return fail(&e.to_string()),
        };
        println!();
        println!("== unseen part ({UNSEEN_DIR})");
        if show_unseen {
            print!("{report}");
        } else {
            print!("{}", report.summary());
        }
        passes &= report.stories == 0 || report.passes();
    }
    if passes {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("evaluate: {message}");
    ExitCode::FAILURE
}

//! Fits the top-level topics' `subject_weight`s to the tuning set: how much
//! each topic's cues count in choosing a story's leading subject. Topics
//! with cues in most stories (economy, crime) otherwise lead stories that
//! merely mention money or a court. Prints the leading-subject accuracy as
//! the taxonomy stands and without weights, a five-fold cross-validated
//! estimate of what fitting (from no weights) gains on stories it was not
//! fitted to, and the weights fitted to the whole tuning set, to copy into
//! `taxonomy/curated/topics.yaml`.
//! `--set FILE` also scores those stories with the fitted weights;
//! `--taxonomy FILE` reads another taxonomy file.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example fit_subject_weights [-- --set FILE] [--taxonomy FILE]
//! ```

use std::path::Path;
use std::process::ExitCode;

use newsfeed_tagging::evaluation::{EvalSet, EvalStory};
use newsfeed_tagging::{ConceptKind, Tagger, Taxonomy};

/// The weights tried for each topic, in percent.
const GRID: [i32; 7] = [70, 80, 90, 100, 110, 120, 135];
/// Rounds of trying each topic's weights in turn.
const PASSES: usize = 2;
/// Parts of the cross-validation.
const FOLDS: usize = 5;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let taxonomy = match arg("--taxonomy") {
        Some(path) => Taxonomy::load(Path::new(path)),
        None => Taxonomy::default_taxonomy(),
    };
    let other = arg("--set").map(|path| {
        std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: {e}"))
            .and_then(|text| EvalSet::parse(&text, path).map_err(|e| e.to_string()))
    });
    let (taxonomy, set) = match (taxonomy, EvalSet::default_set()) {
        (Ok(t), Ok(s)) => (t, s),
        (Err(e), _) => return fail(&e.to_string()),
        (_, Err(e)) => return fail(&e.to_string()),
    };
    let other = match other.transpose() {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let top_level: Vec<_> = taxonomy
        .concepts()
        .filter(|c| c.kind() == ConceptKind::Topic && taxonomy.broader_of(c).next().is_none())
        .collect();
    let tops: Vec<String> = top_level.iter().map(|c| c.id().to_owned()).collect();
    let shipped: Vec<i32> = top_level.iter().map(|c| c.subject_weight()).collect();
    // Fitting starts from no weights, so that no fold starts from weights
    // fitted to its own stories.
    let start = vec![100; tops.len()];
    // As `curated/topics.yaml` keys them: the Media Topic code.
    let codes: Vec<String> = top_level
        .iter()
        .map(|c| c.uri().rsplit('/').next().unwrap_or_default().to_owned())
        .collect();
    // The weights order the cue ranks, which the subject model then weighs
    // against the words: they are fitted to the cues alone.
    let mut tagger = Tagger::new(taxonomy).without_subject_model();
    let all: Vec<&EvalStory> = set.stories.iter().collect();
    println!("as the taxonomy stands: {}", score(&tagger, &all));
    apply(&mut tagger, &tops, &start);
    println!("without weights: {}", score(&tagger, &all));

    let mut right = 0;
    for f in 0..FOLDS {
        let (train, test): (Vec<_>, Vec<_>) = set
            .stories
            .iter()
            .enumerate()
            .partition(|(i, _)| i % FOLDS != f);
        let train: Vec<&EvalStory> = train.into_iter().map(|(_, s)| s).collect();
        let test: Vec<&EvalStory> = test.into_iter().map(|(_, s)| s).collect();
        let weights = fit(&mut tagger, &tops, &start, &train);
        apply(&mut tagger, &tops, &weights);
        right += correct(&tagger, &test);
    }
    let labelled = all.iter().filter(|s| s.subject_uri().is_some()).count();
    println!(
        "fitted, cross-validated ({FOLDS} folds): {}",
        fraction(right, labelled)
    );

    let weights = fit(&mut tagger, &tops, &start, &all);
    apply(&mut tagger, &tops, &weights);
    println!("fitted to the whole tuning set: {}", score(&tagger, &all));
    if let Some(other) = &other {
        let stories: Vec<&EvalStory> = other.stories.iter().collect();
        apply(&mut tagger, &tops, &shipped);
        let before = score(&tagger, &stories);
        apply(&mut tagger, &tops, &weights);
        println!(
            "--set: {before} as the taxonomy stands, {} fitted",
            score(&tagger, &stories)
        );
    }
    println!("subject_weights:");
    for ((id, code), w) in tops.iter().zip(&codes).zip(&weights) {
        if *w != 100 {
            println!("  \"{code}\": {:.2}  # {id}", f64::from(*w) / 100.0);
        }
    }
    ExitCode::SUCCESS
}

/// Coordinate descent from `start`: each topic's weight in turn set to the
/// value of [`GRID`] that gets most stories right, kept only when it gains.
fn fit(tagger: &mut Tagger, tops: &[String], start: &[i32], stories: &[&EvalStory]) -> Vec<i32> {
    let mut weights = start.to_vec();
    apply(tagger, tops, &weights);
    let mut best = correct(tagger, stories);
    for _ in 0..PASSES {
        for (t, id) in tops.iter().enumerate() {
            for w in GRID {
                tagger.set_subject_weight(id, w);
                let right = correct(tagger, stories);
                if right > best {
                    best = right;
                    weights[t] = w;
                }
            }
            tagger.set_subject_weight(id, weights[t]);
        }
    }
    weights
}

fn apply(tagger: &mut Tagger, tops: &[String], weights: &[i32]) {
    for (id, &w) in tops.iter().zip(weights) {
        tagger.set_subject_weight(id, w);
    }
}

/// Stories whose leading subject is the editor's.
fn correct(tagger: &Tagger, stories: &[&EvalStory]) -> usize {
    stories
        .iter()
        .filter(|s| {
            s.subject_uri().is_some_and(|subject| {
                tagger
                    .leading_subject(&s.article)
                    .is_some_and(|c| c.uri() == subject)
            })
        })
        .count()
}

fn score(tagger: &Tagger, stories: &[&EvalStory]) -> String {
    let labelled = stories.iter().filter(|s| s.subject_uri().is_some()).count();
    fraction(correct(tagger, stories), labelled)
}

fn fraction(right: usize, total: usize) -> String {
    format!(
        "{:.3} ({right}/{total})",
        right as f64 / total.max(1) as f64
    )
}

fn fail(message: &str) -> ExitCode {
    eprintln!("fit_subject_weights: {message}");
    ExitCode::FAILURE
}

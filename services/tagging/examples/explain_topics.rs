//! Prints, for tuning stories whose id contains one of the arguments, the
//! topic tags with the words behind them, then the leading subject and how
//! it was chosen: each top-level topic the cues found, with its cue rank,
//! the subject model's log-probability and the story's words that count
//! most for or against it. A tool for tuning the cues.
//!
//! ```text
//! cargo run -p newsfeed-tagging --release --example explain_topics -- t-lif-001 t-hum-008
//! ```

use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{ConceptKind, Tagger, Taxonomy};

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let (Ok(taxonomy), Ok(set)) = (Taxonomy::default_taxonomy(), EvalSet::default_set()) else {
        eprintln!("explain_topics: cannot load the taxonomy or the tuning set");
        return;
    };
    let tagger = Tagger::new(taxonomy);
    for story in set
        .stories
        .iter()
        .filter(|s| wanted.iter().any(|w| s.id.contains(w.as_str())))
    {
        println!("{}:", story.id);
        let tagging = tagger.tag(&story.article);
        for t in tagging.tags.iter().filter(|t| t.kind == ConceptKind::Topic) {
            let words: Vec<&str> = tagging
                .evidence
                .iter()
                .filter(|e| e.concept_uri.as_deref() == Some(t.uri.as_str()))
                .filter_map(|e| e.text.as_deref())
                .collect();
            println!("  {:>3} {:<40} {}", t.relevance, t.name, words.join(", "));
        }
        let lead = tagger
            .leading_subject(&story.article)
            .map(|c| c.name().to_owned());
        println!("  leading subject: {}", lead.as_deref().unwrap_or("none"));
        for e in tagger.subject_explanation(&story.article) {
            let words: Vec<String> = e
                .words
                .iter()
                .map(|(w, v)| format!("{w} {v:+.2}"))
                .collect();
            println!(
                "    rank {:>5}  ln p {:>6.2}  {:<28} {}",
                e.rank,
                e.log_prob,
                e.name,
                words.join(", ")
            );
        }
    }
}

//! Precision and recall over a labelled story set. The same code backs the
//! `evaluate` example (a report for people) and the CI test (a gate).
//!
//! A story lists the concepts it must get (`expect`; their broader concepts
//! are expected too), those that are acceptable either way (`allow`) and
//! the traps it must not fall into (`forbid`). Any other tag is a false
//! positive.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use newsfeed_model::{Article, Block, Body};
use serde::Deserialize;

use crate::{Tagger, Taxonomy};

/// The labelled stories shipped with the crate.
const DEFAULT_SET: &str = include_str!("../eval/stories.yaml");

/// Precision below which the evaluation fails.
pub const MIN_PRECISION: f64 = 0.95;
/// Recall below which the evaluation fails.
pub const MIN_RECALL: f64 = 0.90;

/// A story set that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Not YAML of the documented shape.
    #[error("{origin}: {message}")]
    Syntax {
        /// File name.
        origin: String,
        /// What the YAML reader said.
        message: String,
    },
    /// A label names a concept the taxonomy does not have.
    #[error("story `{story}`: concept `{concept}` is not in the taxonomy")]
    UnknownConcept {
        /// The story id.
        story: String,
        /// The label.
        concept: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStory {
    id: String,
    headline: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    html: bool,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
}

/// One labelled story.
#[derive(Debug, Clone)]
pub struct EvalStory {
    /// Its id in the set.
    pub id: String,
    /// The story as a ninjs article.
    pub article: Article,
    expect: Vec<String>,
    allow: Vec<String>,
    forbid: Vec<String>,
}

/// A labelled story set.
#[derive(Debug, Clone)]
pub struct EvalSet {
    /// The stories, in file order.
    pub stories: Vec<EvalStory>,
}

impl EvalSet {
    /// The set shipped with the crate (`eval/stories.yaml`).
    pub fn default_set() -> Result<EvalSet, EvalError> {
        Self::parse(DEFAULT_SET, "stories.yaml")
    }

    /// Parses a story set.
    pub fn parse(source: &str, origin: &str) -> Result<EvalSet, EvalError> {
        let raw: Vec<RawStory> = serde_norway::from_str(source).map_err(|e| EvalError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        let stories = raw.into_iter().map(EvalStory::from_raw).collect();
        Ok(EvalSet { stories })
    }
}

impl EvalStory {
    fn from_raw(r: RawStory) -> Self {
        let block = |v: String| Block {
            role: Some("main".into()),
            content_type: None,
            value: Some(v),
        };
        let content_type = if r.html { "text/html" } else { "text/plain" };
        let article = Article {
            uri: Some(format!("urn:newsfeed:eval:{}", r.id)),
            kind: Some("text".into()),
            headlines: vec![block(r.headline)],
            descriptions: r.description.map(block).into_iter().collect(),
            bodies: vec![Body {
                role: Some("main".into()),
                content_type: Some(content_type.into()),
                value: Some(r.body),
                ..Body::default()
            }],
            ..Article::default()
        };
        Self {
            id: r.id,
            article,
            expect: r.expect,
            allow: r.allow,
            forbid: r.forbid,
        }
    }
}

/// How a tag went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissKind {
    /// Expected but not tagged.
    Missing,
    /// Tagged but not expected.
    Unexpected,
    /// Tagged although the story forbids it (a trap that fired).
    Forbidden,
}

/// One wrong decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// The story id.
    pub story: String,
    /// The concept id.
    pub concept: String,
    /// What went wrong.
    pub kind: MissKind,
}

/// The outcome over a whole set.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Stories evaluated.
    pub stories: usize,
    /// Expected tags that were made.
    pub true_positives: usize,
    /// Tags made that were neither expected nor allowed.
    pub false_positives: usize,
    /// Expected tags that were not made.
    pub false_negatives: usize,
    /// Every wrong decision.
    pub misses: Vec<Miss>,
}

impl Report {
    /// Share of tags made that were right.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }
    /// Share of expected tags that were made.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
    /// True when both figures reach [`MIN_PRECISION`] and [`MIN_RECALL`].
    pub fn passes(&self) -> bool {
        self.precision() >= MIN_PRECISION && self.recall() >= MIN_RECALL
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "stories: {}  tags right: {}  wrong: {}  missed: {}",
            self.stories, self.true_positives, self.false_positives, self.false_negatives
        )?;
        writeln!(
            f,
            "precision: {:.3} (at least {MIN_PRECISION})  recall: {:.3} (at least {MIN_RECALL})",
            self.precision(),
            self.recall()
        )?;
        for m in &self.misses {
            let what = match m.kind {
                MissKind::Missing => "missing  ",
                MissKind::Unexpected => "unexpected",
                MissKind::Forbidden => "FORBIDDEN",
            };
            writeln!(f, "  {what} {:<28} in {}", m.concept, m.story)?;
        }
        Ok(())
    }
}

/// Tags every story of `set` and compares with the labels.
pub fn evaluate(tagger: &Tagger, set: &EvalSet) -> Result<Report, EvalError> {
    let taxonomy = tagger.taxonomy();
    let by_uri: HashMap<&str, &str> = taxonomy.concepts().map(|c| (c.uri(), c.id())).collect();
    let mut report = Report {
        stories: set.stories.len(),
        ..Report::default()
    };
    for story in &set.stories {
        let check = |ids: &[String]| -> Result<(), EvalError> {
            match ids.iter().find(|id| taxonomy.concept(id).is_none()) {
                Some(id) => Err(EvalError::UnknownConcept {
                    story: story.id.clone(),
                    concept: id.clone(),
                }),
                None => Ok(()),
            }
        };
        check(&story.expect)?;
        check(&story.allow)?;
        check(&story.forbid)?;
        let expected = with_broader(taxonomy, &story.expect);
        let allowed = with_broader(taxonomy, &story.allow);
        let tagged: BTreeSet<&str> = tagger
            .tag(&story.article)
            .tags
            .iter()
            .filter_map(|t| by_uri.get(t.uri.as_str()).copied())
            .collect();
        for id in &tagged {
            if expected.contains(*id) {
                report.true_positives += 1;
            } else if story.forbid.iter().any(|f| f == id) {
                report.false_positives += 1;
                report.misses.push(Miss {
                    story: story.id.clone(),
                    concept: (*id).to_owned(),
                    kind: MissKind::Forbidden,
                });
            } else if !allowed.contains(*id) {
                report.false_positives += 1;
                report.misses.push(Miss {
                    story: story.id.clone(),
                    concept: (*id).to_owned(),
                    kind: MissKind::Unexpected,
                });
            }
        }
        for id in expected.iter().filter(|id| !tagged.contains(id.as_str())) {
            report.false_negatives += 1;
            report.misses.push(Miss {
                story: story.id.clone(),
                concept: id.clone(),
                kind: MissKind::Missing,
            });
        }
    }
    Ok(report)
}

/// The ids and all their broader concepts.
fn with_broader(taxonomy: &Taxonomy, ids: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&str> = ids.iter().map(String::as_str).collect();
    while let Some(id) = stack.pop() {
        if !out.insert(id.to_owned()) {
            continue;
        }
        if let Some(c) = taxonomy.concept(id) {
            stack.extend(
                c.broader
                    .iter()
                    .filter_map(|&b| taxonomy.concepts.get(b as usize))
                    .map(|b| b.id.as_str()),
            );
        }
    }
    out
}

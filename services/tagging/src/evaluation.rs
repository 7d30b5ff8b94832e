//! Precision and recall over a labelled story set, and the accuracy of the
//! leading subject. The same code backs the `evaluate` example (a report
//! for people) and the CI test (a gate).
//!
//! A story lists the concepts it must get (`expect`; their broader concepts
//! are expected too), those that are acceptable either way (`allow`) and
//! the traps it must not fall into (`forbid`). Any other tag is a false
//! positive. A story may name its `language` (BCP 47; `en` when absent) and
//! its `subject`, the editor's top-level IPTC Media Topic
//! (`medtop:15000000`): then its topic tags are judged only by whether the
//! most relevant top-level topic is that one, not by precision and recall.
//! A story with a `forbid` list is a namesake case: it passes when no trap
//! fires and nothing expected is missing.
//!
//! Two parts: the tuning set compiled in (`eval/stories.yaml` and
//! `eval/tuning/*.yaml`), and the held-out set in `eval/unseen/`, read from
//! disk, written by someone else and never looked at while tuning; its
//! report gives aggregate figures only.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use newsfeed_model::{Article, Block, Body};
use serde::Deserialize;

use crate::{ConceptKind, Tagger, Taxonomy};

/// The labelled stories shipped with the crate: the tuning part.
const TUNING_SET: [(&str, &str); 149] = [
    ("stories.yaml", include_str!("../eval/stories.yaml")),
    (
        "tuning/topics.yaml",
        include_str!("../eval/tuning/topics.yaml"),
    ),
    (
        "tuning/topics-news.yaml",
        include_str!("../eval/tuning/topics-news.yaml"),
    ),
    (
        "tuning/languages.yaml",
        include_str!("../eval/tuning/languages.yaml"),
    ),
    (
        "tuning/namesakes.yaml",
        include_str!("../eval/tuning/namesakes.yaml"),
    ),
    (
        "tuning/topics-soft.yaml",
        include_str!("../eval/tuning/topics-soft.yaml"),
    ),
    ("tuning/long.yaml", include_str!("../eval/tuning/long.yaml")),
    (
        "tuning/bbc-business-politics-sport.yaml",
        include_str!("../eval/tuning/bbc-business-politics-sport.yaml"),
    ),
    (
        "tuning/bbc-technology-entertainment.yaml",
        include_str!("../eval/tuning/bbc-technology-entertainment.yaml"),
    ),
    (
        "tuning/blind2-wires.yaml",
        include_str!("../eval/tuning/blind2-wires.yaml"),
    ),
    (
        "tuning/blind2-local.yaml",
        include_str!("../eval/tuning/blind2-local.yaml"),
    ),
    (
        "tuning/blind2-specialist.yaml",
        include_str!("../eval/tuning/blind2-specialist.yaml"),
    ),
    (
        "tuning/blind2-tabloid.yaml",
        include_str!("../eval/tuning/blind2-tabloid.yaml"),
    ),
    (
        "tuning/blind3-bbc.yaml",
        include_str!("../eval/tuning/blind3-bbc.yaml"),
    ),
    (
        "tuning/blind3-uk-papers.yaml",
        include_str!("../eval/tuning/blind3-uk-papers.yaml"),
    ),
    (
        "tuning/blind3-us-intl.yaml",
        include_str!("../eval/tuning/blind3-us-intl.yaml"),
    ),
    (
        "tuning/blind4-world.yaml",
        include_str!("../eval/tuning/blind4-world.yaml"),
    ),
    (
        "tuning/blind4-desks.yaml",
        include_str!("../eval/tuning/blind4-desks.yaml"),
    ),
    (
        "tuning/blind4-era.yaml",
        include_str!("../eval/tuning/blind4-era.yaml"),
    ),
    (
        "tuning/blind4-languages.yaml",
        include_str!("../eval/tuning/blind4-languages.yaml"),
    ),
    (
        "tuning/blind4-namesakes.yaml",
        include_str!("../eval/tuning/blind4-namesakes.yaml"),
    ),
    (
        "tuning/blind5-wire.yaml",
        include_str!("../eval/tuning/blind5-wire.yaml"),
    ),
    (
        "tuning/blind5-bbc.yaml",
        include_str!("../eval/tuning/blind5-bbc.yaml"),
    ),
    (
        "tuning/blind5-soft.yaml",
        include_str!("../eval/tuning/blind5-soft.yaml"),
    ),
    (
        "tuning/blind5-tech.yaml",
        include_str!("../eval/tuning/blind5-tech.yaml"),
    ),
    (
        "tuning/blind5-us.yaml",
        include_str!("../eval/tuning/blind5-us.yaml"),
    ),
    (
        "tuning/blind6-econ.yaml",
        include_str!("../eval/tuning/blind6-econ.yaml"),
    ),
    (
        "tuning/blind6-world.yaml",
        include_str!("../eval/tuning/blind6-world.yaml"),
    ),
    (
        "tuning/blind6-health.yaml",
        include_str!("../eval/tuning/blind6-health.yaml"),
    ),
    (
        "tuning/blind6-hisoc.yaml",
        include_str!("../eval/tuning/blind6-hisoc.yaml"),
    ),
    (
        "tuning/blind7-a.yaml",
        include_str!("../eval/tuning/blind7-a.yaml"),
    ),
    (
        "tuning/blind7-b.yaml",
        include_str!("../eval/tuning/blind7-b.yaml"),
    ),
    (
        "tuning/blind7-c.yaml",
        include_str!("../eval/tuning/blind7-c.yaml"),
    ),
    (
        "tuning/blind7-d.yaml",
        include_str!("../eval/tuning/blind7-d.yaml"),
    ),
    (
        "tuning/blind7-g.yaml",
        include_str!("../eval/tuning/blind7-g.yaml"),
    ),
    (
        "tuning/blind8-bbc.yaml",
        include_str!("../eval/tuning/blind8-bbc.yaml"),
    ),
    (
        "tuning/blind8-x.yaml",
        include_str!("../eval/tuning/blind8-x.yaml"),
    ),
    (
        "tuning/blind8-y.yaml",
        include_str!("../eval/tuning/blind8-y.yaml"),
    ),
    (
        "tuning/blind8-z.yaml",
        include_str!("../eval/tuning/blind8-z.yaml"),
    ),
    (
        "tuning/blind8-w.yaml",
        include_str!("../eval/tuning/blind8-w.yaml"),
    ),
    (
        "tuning/blind9-bbc.yaml",
        include_str!("../eval/tuning/blind9-bbc.yaml"),
    ),
    (
        "tuning/blind9-x.yaml",
        include_str!("../eval/tuning/blind9-x.yaml"),
    ),
    (
        "tuning/blind9-y.yaml",
        include_str!("../eval/tuning/blind9-y.yaml"),
    ),
    (
        "tuning/blind9-l1.yaml",
        include_str!("../eval/tuning/blind9-l1.yaml"),
    ),
    (
        "tuning/blind9-l2.yaml",
        include_str!("../eval/tuning/blind9-l2.yaml"),
    ),
    (
        "tuning/blind10-x.yaml",
        include_str!("../eval/tuning/blind10-x.yaml"),
    ),
    (
        "tuning/blind10-y.yaml",
        include_str!("../eval/tuning/blind10-y.yaml"),
    ),
    (
        "tuning/blind10-bbc.yaml",
        include_str!("../eval/tuning/blind10-bbc.yaml"),
    ),
    (
        "tuning/blind10-econ.yaml",
        include_str!("../eval/tuning/blind10-econ.yaml"),
    ),
    (
        "tuning/blind10-w.yaml",
        include_str!("../eval/tuning/blind10-w.yaml"),
    ),
    (
        "tuning/blind10-l.yaml",
        include_str!("../eval/tuning/blind10-l.yaml"),
    ),
    (
        "tuning/blind11-x.yaml",
        include_str!("../eval/tuning/blind11-x.yaml"),
    ),
    (
        "tuning/blind11-y.yaml",
        include_str!("../eval/tuning/blind11-y.yaml"),
    ),
    (
        "tuning/blind11-bbc.yaml",
        include_str!("../eval/tuning/blind11-bbc.yaml"),
    ),
    (
        "tuning/blind11-econ.yaml",
        include_str!("../eval/tuning/blind11-econ.yaml"),
    ),
    (
        "tuning/blind11-w.yaml",
        include_str!("../eval/tuning/blind11-w.yaml"),
    ),
    (
        "tuning/blind11-l.yaml",
        include_str!("../eval/tuning/blind11-l.yaml"),
    ),
    (
        "tuning/blind12-x.yaml",
        include_str!("../eval/tuning/blind12-x.yaml"),
    ),
    (
        "tuning/blind12-y.yaml",
        include_str!("../eval/tuning/blind12-y.yaml"),
    ),
    (
        "tuning/blind12-bbc.yaml",
        include_str!("../eval/tuning/blind12-bbc.yaml"),
    ),
    (
        "tuning/blind12-econ.yaml",
        include_str!("../eval/tuning/blind12-econ.yaml"),
    ),
    (
        "tuning/blind12-w.yaml",
        include_str!("../eval/tuning/blind12-w.yaml"),
    ),
    (
        "tuning/blind12-l.yaml",
        include_str!("../eval/tuning/blind12-l.yaml"),
    ),
    (
        "tuning/blind13-x.yaml",
        include_str!("../eval/tuning/blind13-x.yaml"),
    ),
    (
        "tuning/blind13-y.yaml",
        include_str!("../eval/tuning/blind13-y.yaml"),
    ),
    (
        "tuning/blind13-bbc.yaml",
        include_str!("../eval/tuning/blind13-bbc.yaml"),
    ),
    (
        "tuning/blind13-w.yaml",
        include_str!("../eval/tuning/blind13-w.yaml"),
    ),
    (
        "tuning/blind13-l1.yaml",
        include_str!("../eval/tuning/blind13-l1.yaml"),
    ),
    (
        "tuning/blind13-l2.yaml",
        include_str!("../eval/tuning/blind13-l2.yaml"),
    ),
    (
        "tuning/blind14-x.yaml",
        include_str!("../eval/tuning/blind14-x.yaml"),
    ),
    (
        "tuning/blind14-y.yaml",
        include_str!("../eval/tuning/blind14-y.yaml"),
    ),
    (
        "tuning/blind14-bbc.yaml",
        include_str!("../eval/tuning/blind14-bbc.yaml"),
    ),
    (
        "tuning/blind14-l1.yaml",
        include_str!("../eval/tuning/blind14-l1.yaml"),
    ),
    (
        "tuning/blind14-l2.yaml",
        include_str!("../eval/tuning/blind14-l2.yaml"),
    ),
    (
        "tuning/blind14-l3.yaml",
        include_str!("../eval/tuning/blind14-l3.yaml"),
    ),
    (
        "tuning/blind15-x.yaml",
        include_str!("../eval/tuning/blind15-x.yaml"),
    ),
    (
        "tuning/blind15-y.yaml",
        include_str!("../eval/tuning/blind15-y.yaml"),
    ),
    (
        "tuning/blind15-bbc.yaml",
        include_str!("../eval/tuning/blind15-bbc.yaml"),
    ),
    (
        "tuning/blind15-l1.yaml",
        include_str!("../eval/tuning/blind15-l1.yaml"),
    ),
    (
        "tuning/blind15-l2.yaml",
        include_str!("../eval/tuning/blind15-l2.yaml"),
    ),
    (
        "tuning/blind15-l3.yaml",
        include_str!("../eval/tuning/blind15-l3.yaml"),
    ),
    (
        "tuning/other-topics.yaml",
        include_str!("../eval/tuning/other-topics.yaml"),
    ),
    (
        "tuning/blind16-bbc.yaml",
        include_str!("../eval/tuning/blind16-bbc.yaml"),
    ),
    (
        "tuning/blind16-x.yaml",
        include_str!("../eval/tuning/blind16-x.yaml"),
    ),
    (
        "tuning/blind16-y.yaml",
        include_str!("../eval/tuning/blind16-y.yaml"),
    ),
    (
        "tuning/blind16-l1.yaml",
        include_str!("../eval/tuning/blind16-l1.yaml"),
    ),
    (
        "tuning/blind16-l2.yaml",
        include_str!("../eval/tuning/blind16-l2.yaml"),
    ),
    (
        "tuning/blind16-l3.yaml",
        include_str!("../eval/tuning/blind16-l3.yaml"),
    ),
    (
        "tuning/blind17-bbc.yaml",
        include_str!("../eval/tuning/blind17-bbc.yaml"),
    ),
    (
        "tuning/blind18-bbc.yaml",
        include_str!("../eval/tuning/blind18-bbc.yaml"),
    ),
    (
        "tuning/blind18-tech.yaml",
        include_str!("../eval/tuning/blind18-tech.yaml"),
    ),
    (
        "tuning/blind18-x.yaml",
        include_str!("../eval/tuning/blind18-x.yaml"),
    ),
    (
        "tuning/blind18-y.yaml",
        include_str!("../eval/tuning/blind18-y.yaml"),
    ),
    (
        "tuning/blind18-l1.yaml",
        include_str!("../eval/tuning/blind18-l1.yaml"),
    ),
    (
        "tuning/blind18-l2.yaml",
        include_str!("../eval/tuning/blind18-l2.yaml"),
    ),
    (
        "tuning/blind19-bbc.yaml",
        include_str!("../eval/tuning/blind19-bbc.yaml"),
    ),
    (
        "tuning/blind19-tech.yaml",
        include_str!("../eval/tuning/blind19-tech.yaml"),
    ),
    (
        "tuning/blind19-x.yaml",
        include_str!("../eval/tuning/blind19-x.yaml"),
    ),
    (
        "tuning/blind19-y.yaml",
        include_str!("../eval/tuning/blind19-y.yaml"),
    ),
    (
        "tuning/blind19-l1.yaml",
        include_str!("../eval/tuning/blind19-l1.yaml"),
    ),
    (
        "tuning/blind19-l2.yaml",
        include_str!("../eval/tuning/blind19-l2.yaml"),
    ),
    (
        "tuning/blind20-bbc.yaml",
        include_str!("../eval/tuning/blind20-bbc.yaml"),
    ),
    (
        "tuning/blind20-desk.yaml",
        include_str!("../eval/tuning/blind20-desk.yaml"),
    ),
    (
        "tuning/blind20-econ.yaml",
        include_str!("../eval/tuning/blind20-econ.yaml"),
    ),
    (
        "tuning/blind20-soc.yaml",
        include_str!("../eval/tuning/blind20-soc.yaml"),
    ),
    (
        "tuning/blind20-l1.yaml",
        include_str!("../eval/tuning/blind20-l1.yaml"),
    ),
    (
        "tuning/blind20-l2.yaml",
        include_str!("../eval/tuning/blind20-l2.yaml"),
    ),
    (
        "tuning/blind21-bbc1.yaml",
        include_str!("../eval/tuning/blind21-bbc1.yaml"),
    ),
    (
        "tuning/blind21-bbc2.yaml",
        include_str!("../eval/tuning/blind21-bbc2.yaml"),
    ),
    (
        "tuning/blind21-bbc3.yaml",
        include_str!("../eval/tuning/blind21-bbc3.yaml"),
    ),
    (
        "tuning/blind21-bbc4.yaml",
        include_str!("../eval/tuning/blind21-bbc4.yaml"),
    ),
    (
        "tuning/blind22-bbc1.yaml",
        include_str!("../eval/tuning/blind22-bbc1.yaml"),
    ),
    (
        "tuning/blind22-bbc2.yaml",
        include_str!("../eval/tuning/blind22-bbc2.yaml"),
    ),
    (
        "tuning/blind22-x.yaml",
        include_str!("../eval/tuning/blind22-x.yaml"),
    ),
    (
        "tuning/blind22-l.yaml",
        include_str!("../eval/tuning/blind22-l.yaml"),
    ),
    (
        "tuning/blind23-bbc1.yaml",
        include_str!("../eval/tuning/blind23-bbc1.yaml"),
    ),
    (
        "tuning/blind23-bbc2.yaml",
        include_str!("../eval/tuning/blind23-bbc2.yaml"),
    ),
    (
        "tuning/blind23-tech.yaml",
        include_str!("../eval/tuning/blind23-tech.yaml"),
    ),
    (
        "tuning/blind23-biz.yaml",
        include_str!("../eval/tuning/blind23-biz.yaml"),
    ),
    (
        "tuning/blind24-econ.yaml",
        include_str!("../eval/tuning/blind24-econ.yaml"),
    ),
    (
        "tuning/blind24-x.yaml",
        include_str!("../eval/tuning/blind24-x.yaml"),
    ),
    (
        "tuning/blind24-soc.yaml",
        include_str!("../eval/tuning/blind24-soc.yaml"),
    ),
    (
        "tuning/blind24-l.yaml",
        include_str!("../eval/tuning/blind24-l.yaml"),
    ),
    (
        "tuning/blind25-bbc.yaml",
        include_str!("../eval/tuning/blind25-bbc.yaml"),
    ),
    (
        "tuning/blind25-desk.yaml",
        include_str!("../eval/tuning/blind25-desk.yaml"),
    ),
    (
        "tuning/blind25-x.yaml",
        include_str!("../eval/tuning/blind25-x.yaml"),
    ),
    (
        "tuning/blind25-l.yaml",
        include_str!("../eval/tuning/blind25-l.yaml"),
    ),
    (
        "tuning/blind26-bbc.yaml",
        include_str!("../eval/tuning/blind26-bbc.yaml"),
    ),
    (
        "tuning/blind26-desk.yaml",
        include_str!("../eval/tuning/blind26-desk.yaml"),
    ),
    (
        "tuning/blind26-x.yaml",
        include_str!("../eval/tuning/blind26-x.yaml"),
    ),
    (
        "tuning/blind26-l.yaml",
        include_str!("../eval/tuning/blind26-l.yaml"),
    ),
    (
        "tuning/blind27-bbc.yaml",
        include_str!("../eval/tuning/blind27-bbc.yaml"),
    ),
    (
        "tuning/blind27-desk.yaml",
        include_str!("../eval/tuning/blind27-desk.yaml"),
    ),
    (
        "tuning/blind27-x.yaml",
        include_str!("../eval/tuning/blind27-x.yaml"),
    ),
    (
        "tuning/blind27-l.yaml",
        include_str!("../eval/tuning/blind27-l.yaml"),
    ),
    (
        "tuning/blind28-bbc.yaml",
        include_str!("../eval/tuning/blind28-bbc.yaml"),
    ),
    (
        "tuning/blind28-wire.yaml",
        include_str!("../eval/tuning/blind28-wire.yaml"),
    ),
    (
        "tuning/blind28-ns.yaml",
        include_str!("../eval/tuning/blind28-ns.yaml"),
    ),
    (
        "tuning/blind28-l.yaml",
        include_str!("../eval/tuning/blind28-l.yaml"),
    ),
    (
        "tuning/blind29-bbc.yaml",
        include_str!("../eval/tuning/blind29-bbc.yaml"),
    ),
    (
        "tuning/blind29-x.yaml",
        include_str!("../eval/tuning/blind29-x.yaml"),
    ),
    (
        "tuning/blind29-y.yaml",
        include_str!("../eval/tuning/blind29-y.yaml"),
    ),
    (
        "tuning/blind29-l.yaml",
        include_str!("../eval/tuning/blind29-l.yaml"),
    ),
    (
        "tuning/blind30-wire.yaml",
        include_str!("../eval/tuning/blind30-wire.yaml"),
    ),
    (
        "tuning/blind30-brief.yaml",
        include_str!("../eval/tuning/blind30-brief.yaml"),
    ),
    (
        "tuning/blind31-bbc.yaml",
        include_str!("../eval/tuning/blind31-bbc.yaml"),
    ),
    (
        "tuning/blind31-mixed.yaml",
        include_str!("../eval/tuning/blind31-mixed.yaml"),
    ),
    (
        "tuning/blind32-europe.yaml",
        include_str!("../eval/tuning/blind32-europe.yaml"),
    ),
    (
        "tuning/blind32-world.yaml",
        include_str!("../eval/tuning/blind32-world.yaml"),
    ),
];

/// Where the held-out part lives.
pub const UNSEEN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/eval/unseen");

/// Precision below which the evaluation fails, in every language.
pub const MIN_PRECISION: f64 = 0.95;
/// Recall below which the evaluation fails, in every language.
pub const MIN_RECALL: f64 = 0.90;
/// Leading-subject accuracy below which the evaluation fails.
pub const MIN_SUBJECT_ACCURACY: f64 = 0.92;

/// The URI prefix of IPTC Media Topics; `medtop:` abbreviates it.
const MEDTOP: &str = "http://cv.iptc.org/newscodes/mediatopic/";

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
    #[serde(default)]
    language: Option<String>,
    headline: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    html: bool,
    #[serde(default)]
    subject: Option<String>,
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
    language: String,
    /// The URI of the editor's top-level subject.
    subject: Option<String>,
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
    /// The tuning set shipped with the crate.
    pub fn default_set() -> Result<EvalSet, EvalError> {
        let mut stories = Vec::new();
        for (origin, source) in TUNING_SET {
            stories.extend(Self::parse(source, origin)?.stories);
        }
        Ok(EvalSet { stories })
    }

    /// Every `*.yaml` file of a folder, in name order; an empty set when
    /// the folder does not exist.
    pub fn load_dir(dir: &Path) -> Result<EvalSet, EvalError> {
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        let mut stories = Vec::new();
        for path in files {
            let origin = path.display().to_string();
            let source = std::fs::read_to_string(&path).map_err(|e| EvalError::Syntax {
                origin: origin.clone(),
                message: e.to_string(),
            })?;
            stories.extend(Self::parse(&source, &origin)?.stories);
        }
        Ok(EvalSet { stories })
    }

    /// Parses a story set.
    pub fn parse(source: &str, origin: &str) -> Result<EvalSet, EvalError> {
        let raw: Option<Vec<RawStory>> =
            serde_norway::from_str(source).map_err(|e| EvalError::Syntax {
                origin: origin.to_owned(),
                message: e.to_string(),
            })?;
        let stories = raw
            .unwrap_or_default()
            .into_iter()
            .map(EvalStory::from_raw)
            .collect();
        Ok(EvalSet { stories })
    }
}

impl EvalStory {
    /// The URI of the editor's top-level subject, if the story names one.
    pub fn subject_uri(&self) -> Option<&str> {
        self.subject.as_deref()
    }

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
            language: r.language.clone(),
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
        let subject = r.subject.map(|s| match s.strip_prefix("medtop:") {
            Some(code) => format!("{MEDTOP}{code}"),
            None => s,
        });
        Self {
            id: r.id,
            article,
            language: r.language.unwrap_or_else(|| "en".into()),
            subject,
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
    /// The concept id (for a wrong subject: what it got instead).
    pub concept: String,
    /// What went wrong.
    pub kind: MissKind,
}

/// Right, wrong and missed tags.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Expected tags that were made.
    pub true_positives: usize,
    /// Tags made that were neither expected nor allowed.
    pub false_positives: usize,
    /// Expected tags that were not made.
    pub false_negatives: usize,
}

impl Counts {
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

/// Stories and how many of them came out right.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// Stories counted.
    pub total: usize,
    /// Those that came out right.
    pub right: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.total += 1;
        self.right += usize::from(right);
    }
    /// Share right.
    pub fn accuracy(&self) -> f64 {
        ratio(self.right, self.total)
    }
}

/// The outcome over a whole set.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Stories evaluated.
    pub stories: usize,
    /// Over every language.
    pub counts: Counts,
    /// By story language.
    pub by_language: BTreeMap<String, Counts>,
    /// The leading subject, by the editor's top-level topic (its name).
    pub subjects: BTreeMap<String, Tally>,
    /// Namesake cases by family (the first trap's id).
    pub namesakes: BTreeMap<String, Tally>,
    /// Labels naming concepts the taxonomy lacks (held-out part only;
    /// expected ones count as missed).
    pub unknown: BTreeSet<String>,
    /// Every wrong decision, with its story.
    pub misses: Vec<Miss>,
}

impl Report {
    /// Share of tags made that were right, over every language.
    pub fn precision(&self) -> f64 {
        self.counts.precision()
    }
    /// Share of expected tags that were made, over every language.
    pub fn recall(&self) -> f64 {
        self.counts.recall()
    }
    /// The leading subject over every story that names one.
    pub fn subject_tally(&self) -> Tally {
        self.subjects.values().fold(Tally::default(), |a, t| Tally {
            total: a.total + t.total,
            right: a.right + t.right,
        })
    }
    /// True when every language reaches [`MIN_PRECISION`] and
    /// [`MIN_RECALL`] and the leading subject [`MIN_SUBJECT_ACCURACY`].
    pub fn passes(&self) -> bool {
        let subjects = self.subject_tally();
        self.by_language.values().all(Counts::passes)
            && (subjects.total == 0 || subjects.accuracy() >= MIN_SUBJECT_ACCURACY)
    }

    /// The aggregate figures, without any story's detail.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_summary(&mut out);
        out
    }

    fn write_summary(&self, f: &mut impl fmt::Write) -> fmt::Result {
        let c = &self.counts;
        writeln!(
            f,
            "stories: {}  tags right: {}  wrong: {}  missed: {}",
            self.stories, c.true_positives, c.false_positives, c.false_negatives
        )?;
        writeln!(
            f,
            "precision: {:.3} (at least {MIN_PRECISION})  recall: {:.3} (at least {MIN_RECALL})",
            c.precision(),
            c.recall()
        )?;
        for (lang, c) in &self.by_language {
            writeln!(
                f,
                "  {lang:<4} precision {:.3}  recall {:.3}  ({} right, {} wrong, {} missed){}",
                c.precision(),
                c.recall(),
                c.true_positives,
                c.false_positives,
                c.false_negatives,
                if c.passes() { "" } else { "  BELOW THE BAR" }
            )?;
        }
        let all = self.subject_tally();
        if all.total > 0 {
            writeln!(
                f,
                "leading subject: {:.3} ({}/{}, at least {MIN_SUBJECT_ACCURACY})",
                all.accuracy(),
                all.right,
                all.total
            )?;
            for (topic, t) in &self.subjects {
                writeln!(
                    f,
                    "  {topic:<44} {:.3} ({}/{})",
                    t.accuracy(),
                    t.right,
                    t.total
                )?;
            }
        }
        if !self.namesakes.is_empty() {
            let passed: usize = self.namesakes.values().map(|t| t.right).sum();
            let total: usize = self.namesakes.values().map(|t| t.total).sum();
            writeln!(f, "namesake cases: {passed}/{total} pass")?;
            for (family, t) in &self.namesakes {
                writeln!(f, "  {family:<30} {}/{}", t.right, t.total)?;
            }
        }
        if !self.unknown.is_empty() {
            writeln!(f, "labels the taxonomy lacks:")?;
            for id in &self.unknown {
                writeln!(f, "  {id}")?;
            }
        }
        Ok(())
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

impl fmt::Display for Report {
    /// The summary, then every miss with its story.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_summary(f)?;
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

/// What to do with labels that name no concept of the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownLabels {
    /// Refuse the set (the tuning part: a typo to fix).
    Fail,
    /// List them in the report (the held-out part).
    Collect,
}

/// Tags every story of `set` and compares with the labels.
pub fn evaluate(tagger: &Tagger, set: &EvalSet) -> Result<Report, EvalError> {
    evaluate_with(tagger, set, UnknownLabels::Fail)
}

/// Tags every story of `set` and compares with the labels, treating
/// unknown labels as `unknown` says.
pub fn evaluate_with(
    tagger: &Tagger,
    set: &EvalSet,
    unknown: UnknownLabels,
) -> Result<Report, EvalError> {
    let taxonomy = tagger.taxonomy();
    let by_uri: HashMap<&str, usize> = taxonomy
        .concepts()
        .enumerate()
        .map(|(i, c)| (c.uri(), i))
        .collect();
    let mut report = Report {
        stories: set.stories.len(),
        ..Report::default()
    };
    for story in &set.stories {
        for id in story.expect.iter().chain(&story.allow).chain(&story.forbid) {
            if taxonomy.concept(id).is_none() {
                match unknown {
                    UnknownLabels::Fail => {
                        return Err(EvalError::UnknownConcept {
                            story: story.id.clone(),
                            concept: id.clone(),
                        });
                    }
                    UnknownLabels::Collect => {
                        report.unknown.insert(id.clone());
                    }
                }
            }
        }
        judge(tagger, story, &by_uri, &mut report);
    }
    Ok(report)
}

/// Adds one story's outcome to the report.
fn judge(tagger: &Tagger, story: &EvalStory, by_uri: &HashMap<&str, usize>, report: &mut Report) {
    let taxonomy = tagger.taxonomy();
    let kind_of = |id: &str| taxonomy.concept(id).map(|c| c.kind());
    // With a subject, topics are judged by the leading one alone.
    let counted = |id: &str| story.subject.is_none() || kind_of(id) != Some(ConceptKind::Topic);
    let expected = with_broader(taxonomy, &story.expect);
    let allowed = with_broader(taxonomy, &story.allow);
    let tags = tagger.tag(&story.article).tags;
    let tagged_concepts: Vec<&crate::Concept> = tags
        .iter()
        .filter_map(|t| by_uri.get(t.uri.as_str()))
        .filter_map(|&i| taxonomy.concepts.get(i))
        .collect();
    let tagged: BTreeSet<&str> = tagged_concepts.iter().map(|c| c.id()).collect();
    let counts = report
        .by_language
        .entry(story.language.clone())
        .or_default();
    let misses_before = report.misses.len();
    let mut miss = |concept: &str, kind| {
        report.misses.push(Miss {
            story: story.id.clone(),
            concept: concept.to_owned(),
            kind,
        });
    };
    let mut story_counts = Counts::default();
    for id in tagged.iter().copied().filter(|id| counted(id)) {
        if expected.contains(id) {
            story_counts.true_positives += 1;
        } else if story.forbid.iter().any(|f| f == id) {
            story_counts.false_positives += 1;
            miss(id, MissKind::Forbidden);
        } else if !allowed.contains(id) {
            story_counts.false_positives += 1;
            miss(id, MissKind::Unexpected);
        }
    }
    for id in expected.iter().filter(|id| counted(id)) {
        if !tagged.contains(id.as_str()) {
            story_counts.false_negatives += 1;
            miss(id, MissKind::Missing);
        }
    }
    let story_clean = report.misses.len() == misses_before;
    for c in [&mut report.counts, counts] {
        c.true_positives += story_counts.true_positives;
        c.false_positives += story_counts.false_positives;
        c.false_negatives += story_counts.false_negatives;
    }
    if let Some(subject) = &story.subject {
        let leading = tagged_concepts.iter().find(|c| c.is_top_level_topic());
        let right = leading.is_some_and(|c| c.uri() == subject);
        if !right {
            report.misses.push(Miss {
                story: story.id.clone(),
                concept: format!(
                    "subject {} (not {})",
                    leading.map_or("none", |c| c.id()),
                    taxonomy
                        .concept_by_uri(subject)
                        .map_or(subject.as_str(), |c| c.id())
                ),
                kind: MissKind::Unexpected,
            });
        }
        let name = taxonomy
            .concept_by_uri(subject)
            .map_or_else(|| subject.clone(), |c| c.name().to_owned());
        report.subjects.entry(name).or_default().add(right);
    }
    if let Some(trap) = story.forbid.first() {
        report
            .namesakes
            .entry(trap.clone())
            .or_default()
            .add(story_clean);
    }
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

//! Every labelled story, and longer HTML articles made of them, tagged with
//! the default taxonomy and compared with `snapshots/eval-tags.txt`: tags
//! in order with relevance and confidence, and the evidence spans listed. A
//! change that should not change what the engine says (a speed-up, a
//! refactoring) must leave it as it is. When a change means to (the
//! taxonomy, scoring), regenerate the file and review its diff:
//!
//! ```text
//! UPDATE_SNAPSHOTS=1 cargo test -p newsfeed-tagging --test snapshot
//! ```

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::fmt::Write as _;

use newsfeed_model::{Article, Body};
use newsfeed_tagging::evaluation::EvalSet;
use newsfeed_tagging::{Tagger, Taxonomy};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/eval-tags.txt");

#[test]
fn tagging_the_labelled_stories_gives_the_snapshot() {
    let tagger = Tagger::new(Taxonomy::default_taxonomy().unwrap());
    let set = EvalSet::default_set().unwrap();
    let mut stories: Vec<(String, Article)> = set
        .stories
        .iter()
        .map(|s| (s.id.clone(), s.article.clone()))
        .collect();
    for per in [5, 12] {
        for (i, chunk) in set.stories.chunks(per).enumerate() {
            let articles: Vec<&Article> = chunk.iter().map(|s| &s.article).collect();
            stories.push((format!("joined-{per}-{i}"), joined(&articles)));
        }
    }
    let mut out = String::new();
    for (id, article) in &stories {
        let tagging = tagger.tag(article);
        writeln!(out, "== {id}").unwrap();
        for t in &tagging.tags {
            writeln!(
                out,
                "tag {:?} {} {} {} {} {}",
                t.kind, t.uri, t.rel, t.relevance, t.confidence, t.name
            )
            .unwrap();
        }
        for e in &tagging.evidence {
            writeln!(
                out,
                "evidence {} {} {} {} {:?}{}",
                e.concept_uri.as_deref().unwrap_or("-"),
                e.field.as_deref().unwrap_or("-"),
                e.offset.unwrap_or(-1),
                e.length.unwrap_or(-1),
                e.text.as_deref().unwrap_or("-"),
                e.more.map_or(String::new(), |n| format!(" +{n} more"))
            )
            .unwrap();
        }
    }
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &out).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(SNAPSHOT).unwrap();
    if let Some((n, (want, got))) = expected
        .lines()
        .zip(out.lines())
        .enumerate()
        .find(|(_, (a, b))| a != b)
    {
        panic!("line {}: expected\n  {want}\ngot\n  {got}", n + 1);
    }
    assert_eq!(expected.lines().count(), out.lines().count(), "line count");
}

/// One HTML article: the stories' headlines and bodies as headings and paragraphs.
fn joined(stories: &[&Article]) -> Article {
    let mut html = String::new();
    for s in stories {
        for v in s.headlines.iter().filter_map(|h| h.value.as_deref()) {
            html.push_str(&format!("<h2>{v}</h2>\n"));
        }
        for v in s.bodies.iter().filter_map(|b| b.value.as_deref()) {
            html.push_str(&format!("<p>{v}</p>\n"));
        }
    }
    Article {
        headlines: stories[0].headlines.clone(),
        descriptions: stories.get(1).map_or(vec![], |s| s.headlines.clone()),
        bodies: vec![Body {
            content_type: Some("text/html".into()),
            value: Some(html),
            ..Body::default()
        }],
        ..Article::default()
    }
}

/// Each thread reuses its working memory from story to story, whatever
/// tagger it serves: taggers taking turns on one thread, or one tagger on
/// several threads, say what each says alone.
#[test]
fn taggers_taking_turns_or_spread_over_threads_agree() {
    let tagger = Tagger::new(Taxonomy::default_taxonomy().unwrap());
    let small = Tagger::new(
        Taxonomy::parse(
            r#"
version: "small-1"
base_uri: "https://newsfeed.example/taxonomy/"
concepts:
  - {id: place/almaty, kind: place, name: Almaty}
  - {id: org/un, kind: organisation, name: United Nations, acronyms: [UN]}
"#,
            "small.yaml",
        )
        .unwrap(),
    );
    let set = EvalSet::default_set().unwrap();
    let alone: Vec<_> = set.stories.iter().map(|s| tagger.tag(&s.article)).collect();
    let small_alone: Vec<_> = set.stories.iter().map(|s| small.tag(&s.article)).collect();
    for (i, s) in set.stories.iter().enumerate() {
        assert_eq!(small.tag(&s.article), small_alone[i], "{}", s.id);
        assert_eq!(tagger.tag(&s.article), alone[i], "{}", s.id);
    }
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (tagger, set, alone) = (&tagger, &set, &alone);
            scope.spawn(move || {
                for (i, s) in set.stories.iter().enumerate().skip(t) {
                    assert_eq!(tagger.tag(&s.article), alone[i], "{}", s.id);
                }
            });
        }
    });
}

//! `Tagger::enrich`: what it writes into the article, that the newsroom's
//! own entries survive, that tagging twice changes nothing, and that the
//! result is still valid ninjs 3.1.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use newsfeed_model::{Article, Block, Body, Entity, Subject};
use newsfeed_tagging::{ENGINE, Tagger, Taxonomy};
use newsfeed_tests::contract::{ninjs_errors, ninjs_validator};

fn tagger() -> Tagger {
    Tagger::new(Taxonomy::default_taxonomy().unwrap())
}

fn story() -> Article {
    Article {
        uri: Some("urn:newsfeed:test:kz-1".into()),
        kind: Some("text".into()),
        headlines: vec![Block { role: Some("main".into()), value: Some("Protesters rally in Almaty as Lavrov visits".into()), ..Block::default() }],
        bodies: vec![Body {
            content_type: Some("text/html".into()),
            value: Some("<p>Crowds gathered in <b>Kazakhstan</b>’s largest city. Sergei Lavrov met NATO critics; the UN urged calm.</p>".into()),
            ..Body::default()
        }],
        places: vec![Entity { name: Some("kazakhstan".into()), ..Entity::default() }],
        subjects: vec![Subject { name: Some("Editor's pick".into()), uri: Some("https://newsroom.example/picks".into()), ..Subject::default() }],
        ..Article::default()
    }
}

#[test]
fn enrich_files_tags_by_kind_and_keeps_the_newsrooms_entries() {
    let tagger = tagger();
    let mut a = story();
    let e = tagger.enrich(&mut a);
    assert_eq!(e.engine.as_deref(), Some(ENGINE));
    assert_eq!(e.taxonomy_version.as_deref(), Some("2026-12-04.51"));
    assert!(e.enriched_at.is_none());
    assert_eq!(a.subjects[0].name.as_deref(), Some("Editor's pick"));
    let subject_uris: Vec<_> = a.subjects.iter().filter_map(|s| s.uri.as_deref()).collect();
    assert!(subject_uris.contains(&"https://newsfeed.example/taxonomy/story/kazakhstan-protests"));
    assert!(subject_uris.contains(&"http://cv.iptc.org/newscodes/mediatopic/20000065"));
    let ours = a.subjects.iter().find(|s| s.creator.is_some()).unwrap();
    assert_eq!(ours.creator.as_deref(), Some(tagger.creator().as_str()));
    assert!(
        tagger
            .creator()
            .starts_with("newsfeed-tagging/0.1.0 taxonomy/2026-12-04.51")
    );
    // The newsroom's place, without a uri, already names Kazakhstan: not added twice.
    assert_eq!(
        a.places
            .iter()
            .filter(|p| p
                .name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case("kazakhstan")))
            .count(),
        1
    );
    assert!(
        a.places
            .iter()
            .any(|p| p.uri.as_deref() == Some("https://newsfeed.example/taxonomy/place/almaty"))
    );
    assert!(
        a.people
            .iter()
            .any(|p| p.name.as_deref() == Some("Sergey Lavrov"))
    );
    assert!(
        a.organisations
            .iter()
            .any(|o| o.name.as_deref() == Some("NATO"))
    );
    assert!(
        a.organisations
            .iter()
            .any(|o| o.name.as_deref() == Some("United Nations"))
    );
    for ev in &e.evidence {
        let field = ev.field.as_deref().unwrap();
        let value = if field == "/headlines/0/value" {
            a.headlines[0].value.as_deref()
        } else {
            a.bodies[0].value.as_deref()
        }
        .unwrap();
        let span: String = value
            .chars()
            .skip(ev.offset.unwrap() as usize)
            .take(ev.length.unwrap() as usize)
            .collect();
        assert_eq!(Some(span.as_str()), ev.text.as_deref(), "{ev:?}");
    }
}

#[test]
fn tagging_twice_gives_the_same_document() {
    let tagger = tagger();
    let mut once = story();
    let first = tagger.enrich(&mut once);
    let mut twice = once.clone();
    let second = tagger.enrich(&mut twice);
    assert_eq!(once, twice);
    assert_eq!(first, second);
}

#[test]
fn a_tagger_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Tagger>();
    shared::<Taxonomy>();
}

#[test]
fn tag_is_pure() {
    let a = story();
    let before = a.clone();
    let t = tagger().tag(&a);
    assert!(!t.tags.is_empty());
    assert_eq!(a, before);
}

#[test]
fn the_enriched_article_is_valid_ninjs_3_1() {
    let mut a = story();
    tagger().enrich(&mut a);
    let doc = serde_json::to_value(&a).unwrap();
    // The official schema, the same judge the end-to-end tests use.
    let errors = ninjs_errors(&ninjs_validator(), &doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Captions of pictures are evidence, weighing less than the story's own
/// text; credits, rights and technical fields of a picture never are.
#[test]
fn captions_are_evidence_but_rights_and_technical_fields_are_not() {
    let doc =
        newsfeed_tests::stories::everything_ninjs_allows("https://news.example.com/t/caption");
    let mut a: Article = serde_json::from_value(doc).unwrap();
    let tagging = tagger().tag(&a);
    let mongolia = tagging
        .tags
        .iter()
        .find(|t| t.name == "Mongolia")
        .expect("caption names Mongolia");
    assert!(
        tagging.evidence.iter().any(|e| e.field.as_deref()
            == Some("/associations/0/descriptions/0/value")
            && e.text.as_deref() == Some("Mongolia")),
        "{:?}",
        tagging.evidence
    );
    for never in ["Chile", "Peru"] {
        assert!(
            !tagging.tags.iter().any(|t| t.name == never),
            "{never} tagged from a credit or rendition title"
        );
    }
    // The same words in the story's own headline weigh more.
    a.headlines[0].value = Some("Herders in Mongolia move flocks early".into());
    let headline = tagger().tag(&a);
    let stronger = headline.tags.iter().find(|t| t.name == "Mongolia").unwrap();
    assert!(
        stronger.relevance > mongolia.relevance,
        "{} vs {}",
        stronger.relevance,
        mongolia.relevance
    );
}

#[test]
fn without_a_cue_the_words_alone_lead_when_the_model_is_sure_enough() {
    let tagger = tagger();
    let story = |headline: &str, body: &str| Article {
        headlines: vec![Block {
            value: Some(headline.into()),
            ..Block::default()
        }],
        bodies: vec![Body {
            value: Some(body.into()),
            ..Body::default()
        }],
        ..Article::default()
    };
    let lifestyle = "http://cv.iptc.org/newscodes/mediatopic/10000000";
    // No cue of any topic in it, but words the model knows well.
    let roast = story(
        "How long to rest the bird before carving",
        "Leave it under foil for half an hour so the juices settle, then slice thinly.",
    );
    let t = tagger.tag(&roast);
    let Some(lead) = t.tags.first() else {
        panic!("no leading subject: {t:?}")
    };
    assert_eq!(lead.uri, lifestyle, "{t:?}");
    // Its relevance is the model's confidence; its evidence, the story's words.
    assert!(
        lead.confidence >= 30 && lead.relevance == lead.confidence,
        "{lead:?}"
    );
    let evidence: Vec<&str> = t
        .evidence
        .iter()
        .filter(|e| e.concept_uri.as_deref() == Some(lifestyle))
        .filter_map(|e| e.text.as_deref())
        .collect();
    assert!(
        !evidence.is_empty()
            && evidence
                .iter()
                .all(|w| roast.headlines[0].value.as_deref().unwrap().contains(w)
                    || roast.bodies[0].value.as_deref().unwrap().contains(w)),
        "{evidence:?}"
    );
    // Too few words the model knows: no subject at all.
    let t = tagger.tag(&story("Zqxv", "Plugh xyzzy."));
    assert!(t.tags.is_empty(), "{t:?}");
}

//! Text from anywhere: stories built at random from every script the
//! tagger folds (and characters folding changes, widens or drops) are
//! tagged without a panic, and every piece of evidence is where it says it
//! is: `text` is the characters `offset..offset + length` of the value its
//! `field` points at.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use newsfeed_model::{Article, Block, Body};
use newsfeed_tagging::{Tagger, Taxonomy};
use newsfeed_tests::random::Rng;

/// Pieces stories are made of: names the default taxonomy knows, in the
/// scripts and forms it reads, and characters that test the folding and
/// the word boundaries around them.
const PIECES: &[&str] = &[
    "Kazakhstan",
    "Almaty",
    "Putin",
    "Vladimir Putin",
    "O'Sullivan",
    "Jordan",
    "turkey",
    "Москве",
    "Москва",
    "Токаев",
    "Қазақстан",
    "Астанада",
    "موسكو",
    "بالرياض",
    "عُمان",
    "日本",
    "東京",
    "北京",
    "中国人民",
    "ロシア",
    "서울에서",
    "Ελλάδα",
    "ΆΓΙΟΣ ΝΙΚΌΛΑΟΣ",
    "กรุงเทพ",
    "İstanbul",
    "Straße",
    "ﬁnance",
    "Ｔｏｋｙｏ",
    "ﷺ",
    "e\u{301}",
    "A\u{308}\u{301}",
    "\u{200d}",
    "\u{200c}",
    "\u{200f}",
    "\u{feff}",
    "\u{a0}",
    "\u{ad}",
    "\u{2019}",
    "\u{201c}",
    "—",
    "…",
    "👩🏽‍🚀",
    "🇰🇿",
    "&amp;",
    "&#1052;",
    "&nbsp;",
    "<b>",
    "</b>",
    "<p>",
    "<br/>",
    "<!-- x -->",
    "<!--",
    "<script>Москва</script>",
    "<STYLE>p{}</style",
    "<",
    ">",
    "&",
    "&#;",
    "&#x41;",
    "&#xD800;",
    "&#1114112;",
    "&#0;",
    "&#99999999999;",
    "&eacute;",
    "&unknown;",
    "&ampМосква",
    " ",
    " ",
    ". ",
    ", ",
    "\n",
    "-",
    "'",
    "\"",
    "(",
    "Mr.",
    "Yesterday",
    "Supercalifragilisticexpialidocious",
    // Lists of regions, which the tagger reads as a whole.
    " Donetsk",
    " Luhansk",
    " and",
    ", ",
    " regions",
    " les régions de Kharkiv et de Soumy",
    " Челябинскую",
    " и",
    " Тюменскую",
    " области",
    " Жамбыл және Қызылорда облыстарынан",
];

const LANGUAGES: &[Option<&str>] = &[
    None,
    Some("en"),
    Some("ru"),
    Some("kk"),
    Some("ar"),
    Some("zh"),
    Some("ja"),
    Some("fr"),
    Some("el"),
];

/// `pieces` of [`PIECES`] at random, run together.
fn text(rng: &mut Rng, pieces: usize) -> String {
    (0..pieces).map(|_| *rng.pick(PIECES)).collect()
}

fn chars(value: &str, offset: usize, length: usize) -> String {
    value.chars().skip(offset).take(length).collect()
}

#[test]
fn random_text_in_every_script_is_tagged_and_its_evidence_points_right() {
    let tagger = Tagger::new(Taxonomy::default_taxonomy().unwrap());
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut evidence_checked = 0;
    for n in 0..6000 {
        let pieces = 1 + rng.below(8);
        let headline = text(&mut rng, pieces);
        let pieces = rng.below(80);
        let body = text(&mut rng, pieces);
        let pieces = rng.below(6);
        let description = text(&mut rng, pieces);
        let html = rng.below(2) == 0;
        let article = Article {
            uri: Some(format!("urn:test:{n}")),
            language: rng.pick(LANGUAGES).map(str::to_owned),
            headlines: vec![Block {
                value: Some(headline),
                ..Block::default()
            }],
            descriptions: vec![Block {
                value: Some(description),
                ..Block::default()
            }],
            bodies: vec![Body {
                value: Some(body),
                content_type: Some(if html { "text/html" } else { "text/plain" }.into()),
                ..Body::default()
            }],
            ..Article::default()
        };
        let tagging = tagger.tag(&article);
        let doc = serde_json::to_value(&article).unwrap();
        for e in &tagging.evidence {
            let pointer = e.field.as_deref().unwrap();
            let value = doc
                .pointer(pointer)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("story {n}: {pointer} is no text field"));
            let (offset, length) = (e.offset.unwrap() as usize, e.length.unwrap() as usize);
            assert!(
                offset + length <= value.chars().count(),
                "story {n}: {offset}+{length} past the end of {pointer}: {value:?}"
            );
            assert_eq!(
                chars(value, offset, length),
                e.text.as_deref().unwrap(),
                "story {n}: evidence at {pointer} {offset}+{length} of {value:?}"
            );
            evidence_checked += 1;
        }
    }
    // The stories are full of names: most must have been found.
    assert!(
        evidence_checked > 6000,
        "{evidence_checked} pieces of evidence"
    );
}

//! Each match rule of the taxonomy format, on a small taxonomy written here.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use newsfeed_model::{Article, Block, Body};
use newsfeed_tagging::{ConceptKind, Tagger, Tagging, Taxonomy};

const TAXONOMY: &str = r#"
version: "test-1"
base_uri: "https://newsfeed.example/taxonomy/"
given_names: [Whitney, Brett, Brigitte]
concepts:
  - {id: place/houston, kind: place, name: Houston, inflections: [Houstonian]}
  - {id: region/central-asia, kind: place, name: Central Asia}
  - id: place/kazakhstan
    kind: place
    name: Kazakhstan
    inflections: [Kazakh, Kazakhs]
    broader: [region/central-asia]
  - {id: place/almaty, kind: place, name: Almaty, broader: [place/kazakhstan]}
  - {id: place/russia, kind: place, name: Russia, inflections: [Russian]}
  - {id: place/india, kind: place, name: India, inflections: [Indian], exclude: [Indian Ocean]}
  - {id: place/scotland, kind: place, name: Scotland, inflections: [Scottish], exclude: [Scotland Yard]}
  - id: topic/regional-government
    kind: topic
    name: regional government
    uri: http://cv.iptc.org/newscodes/mediatopic/20000618
    when:
      any_of: [Scottish Parliament, Scotland Yard detectives, devolution]
  - {id: place/guinea, kind: place, name: Guinea, case: capitalised, exclude: [guinea pig]}
  - {id: place/papua-new-guinea, kind: place, name: Papua New Guinea}
  - {id: place/chad, kind: place, name: Chad, case: capitalised, namesake: given}
  - {id: place/jordan, kind: place, name: Jordan, namesake: surname, exclude: [Jordan Spieth]}
  - {id: place/united-states, kind: place, name: United States}
  - {id: place/canada, kind: place, name: Canada}
  - {id: place/australia, kind: place, name: Australia}
  - {id: place/jamaica, kind: place, name: Jamaica}
  - {id: place/london, kind: place, name: London}
  - {id: place/sydney, kind: place, name: Sydney, broader: [place/australia]}
  - {id: place/perth, kind: place, name: Perth, broader: [place/australia]}
  - {id: place/kingston, kind: place, name: Kingston, namesake: surname, broader: [place/jamaica]}
  - {id: place/victoria, kind: place, name: Victoria, namesake: given}
  - {id: place/tbilisi, kind: place, name: Tbilisi, broader: [place/georgia]}
  - {id: place/cuba, kind: place, name: Cuba, exclude: [Cuba Gooding Jr.]}
  - id: place/georgia
    kind: place
    name: Georgia
    when:
      none_of: [Atlanta]
  - {id: place/donetsk, kind: place, name: Donetsk}
  - {id: place/donetsk-region, kind: place, name: Donetsk Region, names_in: {fr: [région de Donetsk]}}
  - {id: place/luhansk, kind: place, name: Luhansk, names_in: {fr: [Louhansk]}}
  - {id: place/luhansk-region, kind: place, name: Luhansk Region}
  - {id: place/jambyl-region, kind: place, name: Jambyl Region}
  - id: place/leeds
    kind: place
    name: Leeds
    when:
      none_of: [striker]
      unless_any_of: [Crown Court]
  - {id: org/un, kind: organisation, name: United Nations, acronyms: [UN]}
  - id: place/france
    kind: place
    name: France
    case: capitalised
    inflections: [French]
    names_in: {fr: [France]}
    inflections_in: {fr: [français, française], ru: [французский, французского]}
  - {id: person/sergey-lavrov, kind: person, name: Sergey Lavrov, aliases: [Sergei Lavrov], surnames: [Lavrov]}
  - id: person/emmanuel-macron
    kind: person
    name: Emmanuel Macron
    surnames: [Macron]
    surnames_in: {ru: [Макрон, Макрона]}
    known_by_surname: true
  - id: topic/unrest
    kind: topic
    name: civil unrest
    uri: http://cv.iptc.org/newscodes/mediatopic/20000065
    when:
      any_of: [protest*, rally, unrest]
      min_distinct: 2
  - id: story/kz-protests
    kind: story
    name: Protests in Kazakhstan
    broader: [place/kazakhstan]
    when:
      all_of:
        - [place/kazakhstan]
        - [protest*, rally, unrest]
      none_of: [drill]
"#;

fn tagger() -> Tagger {
    Tagger::new(Taxonomy::parse(TAXONOMY, "test.yaml").unwrap())
}

fn article(headline: &str, body: &str) -> Article {
    Article {
        headlines: vec![Block {
            value: Some(headline.into()),
            ..Block::default()
        }],
        bodies: vec![Body {
            content_type: Some("text/plain".into()),
            value: Some(body.into()),
            ..Body::default()
        }],
        ..Article::default()
    }
}

fn article_in(language: &str, headline: &str, body: &str) -> Article {
    Article {
        language: Some(language.into()),
        ..article(headline, body)
    }
}

fn ids(t: &Tagging) -> Vec<&str> {
    let mut v: Vec<&str> = t
        .tags
        .iter()
        .map(|t| t.uri.rsplit('/').next().unwrap_or(""))
        .collect();
    v.sort_unstable();
    v
}

fn has(t: &Tagging, slug: &str) -> bool {
    t.tags.iter().any(|t| t.uri.ends_with(&format!("/{slug}")))
}

#[test]
fn aliases_and_inflections_name_the_concept() {
    let t = tagger().tag(&article(
        "Kazakh officials meet",
        "A Russian delegation arrived.",
    ));
    assert!(has(&t, "kazakhstan") && has(&t, "russia"), "{:?}", ids(&t));
    let ev = t
        .evidence
        .iter()
        .find(|e| e.text.as_deref() == Some("Kazakh"))
        .unwrap();
    assert_eq!(ev.field.as_deref(), Some("/headlines/0/value"));
    assert_eq!((ev.offset, ev.length), (Some(0), Some(6)));
}

#[test]
fn acronyms_match_only_as_written() {
    let t = tagger().tag(&article(
        "UN envoy visits",
        "Let us talk, un-named sources said.",
    ));
    let un: Vec<_> = t
        .evidence
        .iter()
        .filter(|e| {
            e.concept_uri
                .as_deref()
                .is_some_and(|u| u.ends_with("org/un"))
        })
        .collect();
    assert_eq!(un.len(), 1);
    assert!(!has(&tagger().tag(&article("Tell us more", "un")), "un"));
}

#[test]
fn capitalised_names_skip_common_words() {
    let t = tagger().tag(&article(
        "Pets",
        "The guinea fowl and the guinea hen escaped.",
    ));
    assert!(!has(&t, "guinea"));
    assert!(has(&tagger().tag(&article("Vote in Guinea", "")), "guinea"));
}

#[test]
fn exclusions_swallow_longer_phrases() {
    let t = tagger().tag(&article(
        "Cuba Gooding Jr. stars in a film",
        "A Guinea pig named Cuba? No: a guinea pig.",
    ));
    assert!(!has(&t, "guinea"), "{:?}", ids(&t));
    // "Cuba" alone, later in the story, is read in the sense the story
    // already used the name in...
    assert!(!has(&t, "cuba"), "{:?}", ids(&t));
    assert!(!has(
        &tagger().tag(&article("Cuba Gooding Jr. stars", "")),
        "cuba"
    ));
    // ...unless a preposition of place comes right before it.
    let t = tagger().tag(&article(
        "Cuba Gooding Jr. stars in a film",
        "It was shot in Cuba last year.",
    ));
    assert!(has(&t, "cuba"), "{:?}", ids(&t));
}

#[test]
fn a_person_named_like_a_place_is_the_person_for_the_whole_story() {
    let t = tagger().tag(&article(
        "Spieth two shots off the lead",
        "Jordan Spieth carded a 67. Jordan said his putting had clicked.",
    ));
    assert!(!has(&t, "jordan"), "{:?}", ids(&t));
    // By the namesake rule (a capitalised word before a surname), too.
    let t = tagger().tag(&article(
        "Actress joins stage revival",
        "Alex Kingston will play the lead. Kingston said she was thrilled.",
    ));
    assert!(!has(&t, "kingston"), "{:?}", ids(&t));
    // A title-case headline capitalises every word: no person there.
    let t = tagger().tag(&article(
        "Victoria Braces For Cyclone Season",
        "Victoria is the capital of the Seychelles.",
    ));
    assert!(has(&t, "victoria"), "{:?}", ids(&t));
    // A phrase that only contains another form of the name says nothing
    // about the bare name.
    let t = tagger().tag(&article(
        "Tsunami toll passes 150,000",
        "The Indian Ocean tsunami killed thousands. India has confirmed 10,000 deaths.",
    ));
    assert!(has(&t, "india"), "{:?}", ids(&t));
}

#[test]
fn a_cue_phrase_does_not_hide_the_name_it_starts_with() {
    let t = tagger().tag(&article(
        "Holyrood building costs",
        "The Scottish Parliament building cost ten times the estimate.",
    ));
    assert!(has(&t, "scotland"), "{:?}", ids(&t));
    assert!(has(&t, "20000618"), "{:?}", ids(&t));
    // An exclusion inside the cue still swallows the name.
    let t = tagger().tag(&article(
        "Arrests in London",
        "Scotland Yard detectives arrested two men.",
    ));
    assert!(!has(&t, "scotland"), "{:?}", ids(&t));
}

#[test]
fn a_place_right_after_a_given_name_is_a_surname() {
    let t = tagger().tag(&article(
        "Tribute concert for singer",
        "Fans of Whitney Houston gathered. Houston sold millions of records.",
    ));
    assert!(!has(&t, "houston"), "{:?}", ids(&t));
    // Not so after other capitalised words, nor for a demonym.
    for body in [
        "Floods hit Houston overnight.",
        "Downtown Houston flooded.",
        "A Houstonian said so.",
    ] {
        let t = tagger().tag(&article("Storm", body));
        assert!(has(&t, "houston"), "{body}: {:?}", ids(&t));
    }
}

#[test]
fn a_title_before_a_place_name_makes_it_a_persons() {
    // Places with no namesake rule of their own: only the title tells.
    for (body, id) in [
        ("Dr Houston of the university led the study.", "houston"),
        ("Mrs. Sydney Hale, 84, won the prize.", "sydney"),
        ("Rev Perth Adeyemi led the service.", "perth"),
    ] {
        let t = tagger().tag(&article("Research", body));
        assert!(!has(&t, id), "{body}: {:?}", ids(&t));
    }
    // Not so after another capitalised word.
    let t = tagger().tag(&article("Research", "Flooded Houston roads reopened."));
    assert!(has(&t, "houston"), "{:?}", ids(&t));
}

#[test]
fn a_word_ending_in_a_character_of_several_bytes_before_a_place_is_read_whole() {
    // The words before a place are read for given names and surnames: a
    // currency sign, a dash or a quote there takes more than one byte.
    for body in [
        "A £20m Houston stadium opened.",
        "Flights to Jordan —Kingston next.",
        "The €5bn Kazakhstan deal and the ¥3tn Jordan loan.",
        "«Houston» was the word.",
    ] {
        let t = tagger().tag(&article("Money", body));
        assert!(!t.tags.is_empty(), "{body}: {:?}", ids(&t));
    }
}

#[test]
fn a_place_placed_in_another_country_after_a_comma_is_not_tagged() {
    for (headline, id) in [
        ("Snow closes roads around Cuba, New Mexico", "cuba"),
        ("Plant in Sydney, Nova Scotia, to reopen", "sydney"),
        ("Flood warning for London, Ontario", "london"),
    ] {
        let t = tagger().tag(&article(headline, ""));
        assert!(!has(&t, id), "{headline}: {:?}", ids(&t));
    }
    for (headline, id) in [
        ("Heatwave in Perth, Western Australia", "perth"),
        ("Gang violence rises in Kingston, Jamaica", "kingston"),
        ("Storm hits Cuba, officials say", "cuba"),
        // The qualifier is the place's own country by another name.
        ("Protest in Tbilisi, Georgia", "tbilisi"),
        // The last items of a list of places.
        ("London, New York and Paris lost the vote", "london"),
        ("Bids from Sydney, Cuba, Georgia or Almaty", "cuba"),
    ] {
        let t = tagger().tag(&article(headline, ""));
        assert!(has(&t, id), "{headline}: {:?}", ids(&t));
    }
}

#[test]
fn the_longest_name_wins() {
    let t = tagger().tag(&article(
        "Floods in Papua New Guinea",
        "Papua New Guinea asked for help.",
    ));
    assert!(has(&t, "papua-new-guinea"));
    assert!(!has(&t, "guinea"), "{:?}", ids(&t));
}

#[test]
fn matches_respect_word_boundaries() {
    let t = tagger().tag(&article(
        "Russians and Kazakhstanis",
        "Almatyans? Unrussian.",
    ));
    assert!(
        !has(&t, "russia") && !has(&t, "kazakhstan") && !has(&t, "almaty"),
        "{:?}",
        ids(&t)
    );
}

#[test]
fn namesakes_are_not_places() {
    let t = tagger().tag(&article(
        "Chad Smith joins the band",
        "Basketball legend Michael Jordan was there.",
    ));
    assert!(!has(&t, "chad") && !has(&t, "jordan"), "{:?}", ids(&t));
    let t = tagger().tag(&article(
        "Floods in Chad",
        "In Jordan, officials said Chad needs help.",
    ));
    assert!(has(&t, "chad") && has(&t, "jordan"), "{:?}", ids(&t));
}

#[test]
fn none_of_vetoes_a_namesake() {
    assert!(has(
        &tagger().tag(&article("Election in Georgia", "Tbilisi votes.")),
        "georgia"
    ));
    assert!(!has(
        &tagger().tag(&article("Election in Georgia", "Atlanta votes.")),
        "georgia"
    ));
}

#[test]
fn a_given_name_before_a_place_is_a_list_of_places() {
    let t = tagger().tag(&article("Flights resume", "Victoria-Perth flights resume."));
    assert!(has(&t, "victoria") && has(&t, "perth"), "{:?}", ids(&t));
    let t = tagger().tag(&article("Singer on tour", "Victoria Smith sang in Perth."));
    assert!(!has(&t, "victoria") && has(&t, "perth"), "{:?}", ids(&t));
}

#[test]
fn places_in_a_list_of_regions_are_the_regions() {
    let t = tagger().tag(&article(
        "Shelling goes on",
        "Towns in the Donetsk, Luhansk and Jambyl regions were shelled.",
    ));
    let places = ids(&t);
    for region in ["donetsk-region", "luhansk-region", "jambyl-region"] {
        assert!(has(&t, region), "{places:?}");
    }
    assert!(!has(&t, "donetsk") && !has(&t, "luhansk"), "{places:?}");
    // Not a list of regions: the cities.
    let t = tagger().tag(&article("Talks", "Donetsk and Luhansk said no."));
    assert!(
        has(&t, "donetsk") && !has(&t, "donetsk-region"),
        "{:?}",
        ids(&t)
    );
}

#[test]
fn places_in_a_list_after_a_plural_word_for_regions_are_the_regions() {
    let in_lang =
        |lang: &str, body: &str| tagger().tag(&article_in(lang, "Shelling goes on", body));
    for (lang, body) in [
        (
            "en",
            "Drones hit the regions of Donetsk and Luhansk overnight.",
        ),
        (
            "fr",
            "Des drones ont frappé les régions de Donetsk et de Louhansk.",
        ),
        ("es", "Drones atacaron las regiones de Donetsk y Luhansk."),
        ("de", "Drohnen trafen die Gebiete Donetsk und Luhansk."),
        (
            "en",
            "Drones hit the regions of Donetsk, Jambyl, and Luhansk.",
        ),
        ("en", "Drones hit the Donetsk, Jambyl, and Luhansk regions."),
    ] {
        let t = in_lang(lang, body);
        assert!(
            has(&t, "donetsk-region") && has(&t, "luhansk-region"),
            "{lang}: {:?}",
            ids(&t)
        );
        assert!(
            !has(&t, "donetsk") && !has(&t, "luhansk"),
            "{lang}: {:?}",
            ids(&t)
        );
    }
    // One name after the plural word is no list; nor, in English, names
    // right after it.
    for body in [
        "The regions of Donetsk were shelled.",
        "Both regions Donetsk and Luhansk claim were shelled.",
    ] {
        let t = in_lang("en", body);
        assert!(
            has(&t, "donetsk") && !has(&t, "donetsk-region"),
            "{:?}",
            ids(&t)
        );
    }
}

#[test]
fn a_name_in_another_language_keeps_its_small_words_lowercase() {
    let t = tagger().tag(&article_in(
        "fr",
        "Incendie",
        "Un incendie dans la région de Donetsk.",
    ));
    assert!(
        has(&t, "donetsk-region") && !has(&t, "donetsk"),
        "{:?}",
        ids(&t)
    );
    // Its capitalised words stay capitalised: "donetsk" is no name, even
    // after a capital first letter.
    let t = tagger().tag(&article_in(
        "fr",
        "Incendie",
        "Un incendie. Région de donetsk.",
    ));
    assert!(!has(&t, "donetsk-region"), "{:?}", ids(&t));
}

#[test]
fn unless_any_of_lifts_none_of() {
    let tag = |body| tagger().tag(&article("Court report", body));
    assert!(has(&tag("Leeds council met."), "leeds"));
    assert!(!has(&tag("The Leeds striker scored."), "leeds"));
    assert!(has(
        &tag("The Leeds striker was cleared at Leeds Crown Court."),
        "leeds"
    ));
}

#[test]
fn surnames_count_only_after_the_full_name() {
    let t = tagger().tag(&article("Lavrov warns the West", "No one else was named."));
    assert!(!has(&t, "sergey-lavrov"));
    let t = tagger().tag(&article(
        "Lavrov warns the West",
        "Sergei Lavrov spoke in Moscow. Lavrov left.",
    ));
    assert!(has(&t, "sergey-lavrov"));
    let texts: Vec<_> = t
        .evidence
        .iter()
        .filter_map(|e| e.text.as_deref())
        .collect();
    assert_eq!(texts, ["Lavrov", "Sergei Lavrov", "Lavrov"]);
}

#[test]
fn a_surname_the_news_uses_alone_names_the_person_unless_it_is_anothers() {
    let tagger = tagger();
    let macron = |t: &Tagging| {
        t.tags
            .iter()
            .find(|t| t.uri.ends_with("/emmanuel-macron"))
            .map(|t| t.confidence)
    };
    // Alone, after a title, a possessive or a small word: the person, with
    // a surname's confidence (a full name gives more).
    for headline in [
        "Macron hosts summit",
        "France's Macron hosts summit",
        "President Macron hosts summit",
        "Talks with Macron end",
        "Yesterday Macron hosted a summit",
        "On Monday Macron hosts summit",
        "In March Macron hosts summit",
    ] {
        let t = tagger.tag(&article(headline, "Leaders met."));
        assert_eq!(macron(&t), Some(80), "{headline}: {:?}", ids(&t));
    }
    let t = tagger.tag(&article("Emmanuel Macron hosts summit", "Leaders met."));
    assert_eq!(macron(&t), Some(95));
    // Lowercase is not the name; after another name (a given name, or a
    // capitalised word within a sentence) it is that person's, and the whole
    // story then leaves the surname to the full name.
    for (headline, body) in [
        ("macron recipes", "Almond macron biscuits, a misspelling."),
        ("Brigitte Macron opens school", "The school opened."),
        (
            "Brigitte Macron opens school",
            "Macron thanked the teachers.",
        ),
        (
            "School fete cancelled",
            "A talk by Jean-Michel Macron was called off. Macron sent flowers.",
        ),
        ("Jean-Michel Macron opens school", "The school opened."),
    ] {
        let t = tagger.tag(&article(headline, body));
        assert_eq!(macron(&t), None, "{headline}: {:?}", ids(&t));
    }
    let t = tagger.tag(&article(
        "Brigitte Macron opens school",
        "Emmanuel Macron sent a message. Macron praised the teachers.",
    ));
    assert!(macron(&t).is_some());
    // In other languages, its forms there, capitalised.
    let t = tagger.tag(&article_in("ru", "Визит Макрона", "Макрон прибыл."));
    assert_eq!(macron(&t), Some(80), "{:?}", ids(&t));
    // A surname without `known_by_surname` still needs the full name.
    let t = tagger.tag(&article("Lavrov and Macron meet", "Talks began."));
    assert!(!has(&t, "sergey-lavrov") && macron(&t).is_some());
}

#[test]
fn any_of_needs_min_distinct_terms() {
    assert!(!has(
        &tagger().tag(&article("Protest", "protests")),
        "20000065"
    ));
    let t = tagger().tag(&article("Protesters rally", ""));
    let unrest = t.tags.iter().find(|t| t.uri.ends_with("20000065")).unwrap();
    assert_eq!(unrest.kind, ConceptKind::Topic);
}

#[test]
fn all_of_and_none_of_make_stories() {
    let t = tagger().tag(&article("Protests in Almaty", "Crowds gathered."));
    assert!(
        has(&t, "kz-protests"),
        "a narrower place counts for its country: {:?}",
        ids(&t)
    );
    assert!(!has(
        &tagger().tag(&article("Almaty", "A quiet day.")),
        "kz-protests"
    ));
    assert!(!has(
        &tagger().tag(&article("Protests in Russia", "")),
        "kz-protests"
    ));
    assert!(!has(
        &tagger().tag(&article("Protest drill in Almaty", "")),
        "kz-protests"
    ));
}

#[test]
fn broader_concepts_follow_with_lower_relevance_and_the_same_evidence() {
    let t = tagger().tag(&article("Almaty mayor resigns", ""));
    let rel = |slug: &str| {
        t.tags
            .iter()
            .find(|t| t.uri.ends_with(slug))
            .map(|t| t.relevance)
            .unwrap()
    };
    assert!(rel("almaty") > rel("kazakhstan") && rel("kazakhstan") > rel("central-asia"));
    let central: Vec<_> = t
        .evidence
        .iter()
        .filter(|e| {
            e.concept_uri
                .as_deref()
                .is_some_and(|u| u.ends_with("central-asia"))
        })
        .collect();
    assert_eq!(central.len(), 1);
    assert_eq!(central[0].text.as_deref(), Some("Almaty"));
}

#[test]
fn headline_mentions_raise_relevance() {
    let a = tagger().tag(&article("Russia", "Nothing else."));
    let b = tagger().tag(&article("Nothing", "x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x Russia."));
    let rel = |t: &Tagging| {
        t.tags
            .iter()
            .find(|t| t.uri.ends_with("russia"))
            .map(|t| t.relevance)
            .unwrap()
    };
    assert!(rel(&a) > rel(&b));
}

#[test]
fn html_bodies_are_stripped_and_evidence_points_into_the_markup() {
    let mut a = article("", "");
    let html = "<p>Talks in <b>Alma</b>ty&nbsp;and <a href=\"/ru\">Russia</a>&#8217;s capital.</p>";
    a.bodies[0] = Body {
        content_type: Some("text/html".into()),
        value: Some(html.into()),
        ..Body::default()
    };
    let t = tagger().tag(&a);
    assert!(has(&t, "almaty") && has(&t, "russia"), "{:?}", ids(&t));
    for e in &t.evidence {
        let (offset, length) = (e.offset.unwrap() as usize, e.length.unwrap() as usize);
        let span: String = html.chars().skip(offset).take(length).collect();
        assert_eq!(Some(span.as_str()), e.text.as_deref());
    }
    assert!(
        t.evidence
            .iter()
            .any(|e| e.text.as_deref() == Some("Alma</b>ty"))
    );
    assert!(
        !t.evidence
            .iter()
            .any(|e| e.text.as_deref().is_some_and(|s| s.contains("href")))
    );
}

#[test]
fn subject_weight_scales_a_topics_claim_to_lead() {
    let taxonomy = |weight: &str| {
        format!(
            r#"
version: "test-1"
base_uri: "https://newsfeed.example/taxonomy/"
concepts:
  - {{id: topic/economy, kind: topic, name: economy, when: {{any_of: [prices, shares, profits]}}{weight}}}
  - {{id: topic/environment, kind: topic, name: environment, when: {{any_of: [emissions, wildlife]}}}}
"#
        )
    };
    let story = article(
        "Steelworks cuts emissions",
        "Shares rose as the plant cut emissions; profits held and prices were unchanged.",
    );
    let lead = |yaml: String| {
        let tagger = Tagger::new(Taxonomy::parse(&yaml, "test.yaml").unwrap());
        let lead = tagger.leading_subject(&story).map(|c| c.uri().to_owned());
        // The same topic `tag` lists first.
        let listed = tagger.tag(&story).tags.into_iter().next().map(|t| t.uri);
        assert_eq!(lead, listed);
        lead.and_then(|uri| uri.rsplit_once("taxonomy/").map(|(_, id)| id.to_owned()))
            .unwrap_or_default()
    };
    // Three economy cues in the body's first lines outweigh one environment
    // cue in the headline, repeated in the body (3 x 1.5 against 3 + 0.2)...
    assert_eq!(lead(taxonomy("")), "topic/economy");
    // ...until economy's cues count for less.
    assert_eq!(lead(taxonomy(", subject_weight: 0.5")), "topic/environment");
    assert_eq!(lead(taxonomy(", subject_weight: 1.5")), "topic/economy");
}

#[test]
fn an_adjective_in_another_language_names_its_place_in_stories_of_that_language_only() {
    let tagger = tagger();
    let in_language = |lang: &str, headline: &str| {
        let mut a = article(headline, "");
        a.language = Some(lang.into());
        tagger.tag(&a)
    };
    // Lowercase, as French and Russian write them, in any of the listed forms.
    for (lang, headline) in [
        ("fr", "Le gouvernement français annonce un plan"),
        ("fr", "La diplomatie française en Afrique"),
        ("ru", "Визит французского министра"),
    ] {
        let t = in_language(lang, headline);
        assert!(has(&t, "france"), "{headline}: {:?}", ids(&t));
        let tag = t.tags.iter().find(|t| t.uri.ends_with("/france")).unwrap();
        // Counted as an inflection: less relevant than the name in the headline.
        let named = in_language("fr", "La France annonce un plan");
        let by_name = named
            .tags
            .iter()
            .find(|t| t.uri.ends_with("/france"))
            .unwrap();
        assert!(
            tag.relevance < by_name.relevance,
            "{} vs {}",
            tag.relevance,
            by_name.relevance
        );
    }
    // The same word in a story of another language is not the place.
    for (lang, headline) in [
        ("en", "Café française opens in Leeds"),
        ("de", "Ein français Menü"),
    ] {
        let t = in_language(lang, headline);
        assert!(!has(&t, "france"), "{headline}: {:?}", ids(&t));
    }
}

/// Names in scripts the default taxonomy has none in, as an editor would add them.
const SCRIPTS: &str = r#"
version: "test-scripts"
base_uri: "https://newsfeed.example/taxonomy/"
concepts:
  - {id: place/greece, kind: place, name: Greece, names_in: {el: [Ελλάδα]}}
  - {id: place/crete, kind: place, name: Crete, broader: [place/greece], names_in: {el: [Κρήτη]}}
  - {id: place/agios-nikolaos, kind: place, name: Agios Nikolaos, broader: [place/crete], names_in: {el: [Άγιος Νικόλαος]}}
  - {id: place/argos, kind: place, name: Argos, broader: [place/greece], names_in: {el: [Άργος]}}
  - {id: place/thailand, kind: place, name: Thailand, names_in: {th: [ประเทศไทย]}}
  - {id: place/bangkok, kind: place, name: Bangkok, broader: [place/thailand], names_in: {th: [กรุงเทพ]}}
  - {id: place/japan, kind: place, name: Japan, names_in: {ja: [日本]}}
  - {id: place/russia, kind: place, name: Russia, names_in: {ja: [ロシア], hi: [रूस], he: [רוסיה]}}
  - {id: place/india, kind: place, name: India, names_in: {hi: [भारत]}}
  - {id: place/israel, kind: place, name: Israel, names_in: {he: [ישראל]}}
  - {id: place/seoul, kind: place, name: Seoul, names_in: {ko: [서울]}}
"#;

#[test]
fn names_match_in_scripts_with_and_without_spaces() {
    let tagger = Tagger::new(Taxonomy::parse(SCRIPTS, "scripts.yaml").unwrap());
    let texts = |t: &Tagging, slug: &str| -> Vec<String> {
        let uri = format!("https://newsfeed.example/taxonomy/{slug}");
        t.evidence
            .iter()
            .filter(|e| e.concept_uri.as_deref() == Some(uri.as_str()))
            .filter_map(|e| e.text.clone())
            .collect()
    };
    // Greek: case and accents folded (capitals drop the tonos, a final
    // sigma is a sigma), the story's own spelling as evidence; a name is a
    // whole word, not the start of a longer one (Argostoli is not Argos).
    let t = tagger.tag(&article_in(
        "el",
        "ΣΕΙΣΜΟΣ ΣΤΟΝ ΑΓΙΟ ΝΙΚΟΛΑΟ",
        "Σεισμός στην Κρήτη. Στον ΆΓΙΟΣ ΝΙΚΌΛΑΟΣ έκλεισαν τα σχολεία. \
         Στο Αργοστόλι δεν υπήρξαν ζημιές.",
    ));
    assert!(has(&t, "crete") && has(&t, "greece"), "{:?}", ids(&t));
    assert_eq!(texts(&t, "place/agios-nikolaos"), ["ΆΓΙΟΣ ΝΙΚΌΛΑΟΣ"]);
    assert!(!has(&t, "argos"), "{:?}", ids(&t));
    // Thai and Japanese are written without spaces: a name starts anywhere.
    let t = tagger.tag(&article_in("th", "น้ำท่วมกรุงเทพ", "ฝนตกหนักในกรุงเทพเมื่อวานนี้"));
    assert!(has(&t, "bangkok") && has(&t, "thailand"), "{:?}", ids(&t));
    assert_eq!(texts(&t, "place/bangkok"), ["กรุงเทพ", "กรุงเทพ"]);
    // Japanese likewise; vowel signs are part of the Devanagari word;
    // Hebrew between spaces.
    for (lang, headline, body, slugs) in [
        (
            "ja",
            "地震",
            "日本政府はロシアに支援を求めた。",
            ["japan", "russia"],
        ),
        (
            "hi",
            "भारत और रूस",
            "भारत ने रूस के साथ समझौता किया।",
            ["india", "russia"],
        ),
        (
            "he",
            "ישראל ורוסיה",
            "ראש ממשלת ישראל נפגש עם נשיא רוסיה.",
            ["israel", "russia"],
        ),
    ] {
        let t = tagger.tag(&article_in(lang, headline, body));
        assert_eq!(ids(&t), slugs, "{headline}");
        // Without a `language`, the script tells it (Japanese by its kana,
        // though its first letters are Han).
        let t = tagger.tag(&article(headline, body));
        assert_eq!(ids(&t), slugs, "{headline} without a language");
    }
    // Hangul after a Han character (a Korean headline's 美) is still Korean.
    for (headline, slug) in [
        ("Σεισμός στην Κρήτη", "crete"),
        ("น้ำท่วมกรุงเทพ", "bangkok"),
        ("美 대표단 서울 도착", "seoul"),
    ] {
        assert!(has(&tagger.tag(&article(headline, "")), slug), "{headline}");
    }
    let t = tagger.tag(&article_in("hi", "रूस", ""));
    assert_eq!(texts(&t, "place/russia"), ["रूस"]);
    // Names of a language only in stories of that language.
    let t = tagger.tag(&article_in("en", "Κρήτη", "กรุงเทพ 日本"));
    assert!(t.tags.is_empty(), "{:?}", ids(&t));
}

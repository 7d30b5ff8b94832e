//! Writing tags into the ninjs article: topics and stories into `subjects`
//! (with creator, relevance and confidence), places, people and
//! organisations into their lists. What the newsroom supplied stays; what
//! this engine wrote before is replaced, so tagging twice gives the same
//! document.

use newsfeed_model::{Article, Enrichment, Entity, Subject};

use crate::tagger::{ENGINE, Tag, Tagger};
use crate::taxonomy::ConceptKind;

/// Subjects whose creator starts with this were written by this engine.
const CREATOR_PREFIX: &str = "newsfeed-tagging";

impl Tagger {
    /// Applies [`Tagger::tag`] to the article in place and returns the account of it
    /// (engine, taxonomy version, evidence; `enriched_at` is left `None`: the caller stamps time).
    pub fn enrich(&self, article: &mut Article) -> Enrichment {
        let tagging = self.tag(article);
        let creator = self.creator();
        article.subjects.retain(|s| {
            !s.creator
                .as_deref()
                .is_some_and(|c| c.starts_with(CREATOR_PREFIX))
        });
        for tag in &tagging.tags {
            match tag.kind {
                ConceptKind::Topic | ConceptKind::Story => {
                    add_subject(&mut article.subjects, tag, &creator)
                }
                ConceptKind::Place => add_entity(&mut article.places, tag),
                ConceptKind::Person => add_entity(&mut article.people, tag),
                ConceptKind::Organisation => add_entity(&mut article.organisations, tag),
            }
        }
        Enrichment {
            engine: Some(ENGINE.to_owned()),
            taxonomy_version: Some(self.taxonomy_version().to_owned()),
            enriched_at: None,
            evidence: tagging.evidence,
        }
    }
}

/// True when an entry with this uri, or without a uri but with this name, is already there.
fn already_there<'a>(
    mut existing: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
    tag: &Tag,
) -> bool {
    existing.any(|(uri, name)| match uri {
        Some(u) => u == tag.uri,
        None => name.is_some_and(|n| {
            n.trim().eq_ignore_ascii_case(&tag.name)
                || n.trim().to_lowercase() == tag.name.to_lowercase()
        }),
    })
}

fn add_subject(subjects: &mut Vec<Subject>, tag: &Tag, creator: &str) {
    if already_there(
        subjects
            .iter()
            .map(|s| (s.uri.as_deref(), s.name.as_deref())),
        tag,
    ) {
        return;
    }
    subjects.push(Subject {
        name: Some(tag.name.clone()),
        rel: Some(tag.rel.clone()),
        uri: Some(tag.uri.clone()),
        literal: None,
        creator: Some(creator.to_owned()),
        relevance: Some(tag.relevance),
        confidence: Some(tag.confidence),
    });
}

fn add_entity(list: &mut Vec<Entity>, tag: &Tag) {
    if already_there(
        list.iter().map(|e| (e.uri.as_deref(), e.name.as_deref())),
        tag,
    ) {
        return;
    }
    list.push(Entity {
        name: Some(tag.name.clone()),
        rel: Some(tag.rel.clone()),
        uri: Some(tag.uri.clone()),
        ..Entity::default()
    });
}

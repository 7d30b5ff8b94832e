//! Which sense of a name a story uses, read across the whole story, after
//! matching and before any concept is decided:
//!
//! - **One sense per story.** When a story uses a place's name in another
//!   sense somewhere (an exclusion phrase: "Jordan Spieth", "Kingston upon
//!   Thames", "Cuba libre"; or a person's name by the namesake rule: "Jim
//!   Jordan"), its other bare mentions are read the same way ("Jordan said
//!   afterwards...") unless a preposition of place comes right before them
//!   ("in Jordan", "из Иордании"). Demonyms ("Jordanian") still count. A
//!   person's name found in a title-case headline says nothing: there every
//!   word is capitalised.
//! - **A place placed elsewhere.** A place name followed by a comma and a
//!   US state, a Canadian province, an Australian state or a nation of the
//!   United Kingdom is that other place ("Cuba, New Mexico", "Sydney, Nova
//!   Scotia", "London, Ontario") unless the place lies in that country
//!   ("Perth, Western Australia") or the two end a list of places ("Moscow,
//!   New York and Madrid").
//! - **Regions named together.** Names in a list ending in a plural word
//!   for regions are the regions named after those places ("the Donetsk
//!   and Luhansk regions", "Ақмола, Қарағанды және Павлодар облыстарында",
//!   "в Харьковской и Сумской областях"), when the taxonomy has a region
//!   named after the place ("Donetsk Region", "Jilin (province)"), or the
//!   name with a singular word for a region is one of the taxonomy's
//!   ("Челябинскую и Тюменскую области": "Тюменскую область"); so are
//!   the names in a list after such a word, as French, Spanish and German
//!   write it ("les régions de Kharkiv et de Soumy", "las provincias de
//!   Járkov y Sumy", "die Gebiete Charkiw und Sumy", "the regions of
//!   Kharkiv and Sumy").

use crate::matcher::{Hit, What};
use crate::taxonomy::{Concept, ConceptKind, Form, Taxonomy};
use crate::text::{FieldText, Zone};

/// The words of place that keep a bare mention in a story that uses the
/// name in another sense, in the languages of the default taxonomy.
const PLACE_PREPOSITIONS: &[&str] = &[
    // English
    "in",
    "at",
    "from",
    "to",
    "into",
    "near",
    "across",
    "outside",
    "inside",
    "around",
    "throughout",
    "off",
    "along",
    "within",
    "via",
    "towards",
    "toward",
    "visit",
    "visits",
    "visited",
    "visiting", // French, German, Spanish
    "en",
    "à",
    "au",
    "aux",
    "nach",
    "aus",
    "im",
    "desde",
    "hacia", // Russian, Kazakh
    "в",
    "во",
    "из",
    "на",
    "под",
    "до",
];

/// The longest of [`PLACE_PREPOSITIONS`], in bytes.
const LONGEST_PREPOSITION: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < PLACE_PREPOSITIONS.len() {
        if PLACE_PREPOSITIONS[i].len() > longest {
            longest = PLACE_PREPOSITIONS[i].len();
        }
        i += 1;
    }
    longest
};

/// Subdivisions that, after a comma, place a name in their country.
const QUALIFIERS: &[(&str, &[&str])] = &[
    (
        "place/united-states",
        &[
            "Alabama",
            "Alaska",
            "Arizona",
            "Arkansas",
            "California",
            "Colorado",
            "Connecticut",
            "Delaware",
            "Florida",
            "Georgia",
            "Hawaii",
            "Idaho",
            "Illinois",
            "Indiana",
            "Iowa",
            "Kansas",
            "Kentucky",
            "Louisiana",
            "Maine",
            "Maryland",
            "Massachusetts",
            "Michigan",
            "Minnesota",
            "Mississippi",
            "Missouri",
            "Montana",
            "Nebraska",
            "Nevada",
            "New Hampshire",
            "New Jersey",
            "New Mexico",
            "New York",
            "North Carolina",
            "North Dakota",
            "Ohio",
            "Oklahoma",
            "Oregon",
            "Pennsylvania",
            "Rhode Island",
            "South Carolina",
            "South Dakota",
            "Tennessee",
            "Texas",
            "Utah",
            "Vermont",
            "Virginia",
            "Washington",
            "West Virginia",
            "Wisconsin",
            "Wyoming",
            "Ala.",
            "Ariz.",
            "Ark.",
            "Calif.",
            "Colo.",
            "Conn.",
            "Fla.",
            "Ga.",
            "Ill.",
            "Ind.",
            "Kan.",
            "Ky.",
            "La.",
            "Md.",
            "Mass.",
            "Mich.",
            "Minn.",
            "Miss.",
            "Mo.",
            "Mont.",
            "Neb.",
            "Nev.",
            "N.H.",
            "N.J.",
            "N.M.",
            "N.Y.",
            "N.C.",
            "N.D.",
            "Okla.",
            "Ore.",
            "Pa.",
            "R.I.",
            "S.C.",
            "S.D.",
            "Tenn.",
            "Tex.",
            "Va.",
            "Vt.",
            "Wash.",
            "W.Va.",
            "Wis.",
            "Wyo.",
            "USA",
            "U.S.",
        ],
    ),
    (
        "place/canada",
        &[
            "Ontario",
            "Quebec",
            "Québec",
            "Nova Scotia",
            "New Brunswick",
            "Manitoba",
            "British Columbia",
            "Prince Edward Island",
            "Saskatchewan",
            "Alberta",
            "Newfoundland",
            "B.C.",
            "BC",
            "Ont.",
            "N.S.",
            "Canada",
        ],
    ),
    (
        "place/australia",
        &[
            "New South Wales",
            "Victoria",
            "Queensland",
            "South Australia",
            "Western Australia",
            "Tasmania",
            "Northern Territory",
            "NSW",
            "Australia",
        ],
    ),
    (
        "place/united-kingdom",
        &["England", "Scotland", "Wales", "Northern Ireland", "UK"],
    ),
];

/// Plural words for regions that end a list of regions named after places
/// (lowercase; Russian and Kazakh in their case forms).
const PLURAL_REGIONS: &[&str] = &[
    "regions",
    "oblasts",
    "provinces",
    "области",
    "областях",
    "областей",
    "областям",
    "областями",
    "облыстары",
    "облыстарында",
    "облыстарының",
    "облыстарына",
    "облыстарын",
    "облыстарынан",
    "облыстарымен",
    "облыстарындағы",
];

/// What joins the names of such a list.
const LIST_JOINTS: &[&str] = &[
    ", and ",
    ", ",
    " and ",
    " & ",
    " и ",
    " және ",
    " мен ",
    " бен ",
    " пен ",
];

/// Plural words for regions that open a list of regions named after
/// places, as written ("les régions de Kharkiv et de Soumy", "die Gebiete
/// Charkiw und Sumy"), besides the English ones of [`PLURAL_REGIONS`]
/// ("the regions of Kharkiv and Sumy": [`opens_a_list`]).
const PLURAL_REGIONS_FIRST: &[&str] = &[
    "régions",
    "regiones",
    "provincias",
    "óblasts",
    "Regionen",
    "Gebiete",
    "Gebieten",
    "Oblaste",
    "Oblasten",
    "Provinzen",
];

/// True when the plural word for regions `word` may open a list.
fn opens_a_list(word: &str) -> bool {
    PLURAL_REGIONS_FIRST.contains(&word) || matches!(word, "regions" | "oblasts" | "provinces")
}

/// What comes between such a word and the first name of its list; a
/// German noun (capitalised) takes the names right after it ("die Gebiete
/// Charkiw und Sumy").
const LIST_OPENINGS: &[&str] = &[" of ", " de ", " d'", " du "];

/// What joins the names of a list after such a word, the longest first
/// (", and " before ", ": "Kharkiv, Sumy, and Chernihiv").
const LIST_JOINTS_AFTER: &[&str] = &[
    ", and ", ", et de ", ", et ", ", y ", ", und ", ", ", " and ", " et de ", " et d'", " et du ",
    " et ", " y de ", " y ", " und ", " sowie ",
];

/// The English endings of a region's name that follow the name of the place it is named after.
const REGION_SUFFIXES: &[&str] = &[
    " Region",
    " region",
    " Oblast",
    " oblast",
    " Province",
    " (province)",
];

/// Singular words for a region, after an item of such a list that is no
/// place of its own: "Тюменскую" + " область" names the Tyumen region,
/// "Жамбыл" + " облысы" the Jambyl region.
const SINGULAR_REGIONS: &[&str] = &[
    "region",
    "oblast",
    "province",
    "область",
    "области",
    "областью",
    "облысы",
];

/// The compiled rules: each qualifier with its country's concept, and the
/// regions named after places.
#[derive(Debug)]
pub(crate) struct Sense {
    qualifiers: Vec<(&'static str, u32)>,
    /// (place, the region named after it), sorted.
    regions_of: Vec<(u32, u32)>,
    /// Places' names that end in a singular word for a region, lowercased.
    region_names: std::collections::HashMap<String, u32>,
    /// Finds the plural words for regions.
    plurals: Option<aho_corasick::AhoCorasick>,
}

impl Sense {
    pub(crate) fn new(taxonomy: &Taxonomy) -> Self {
        let mut qualifiers = Vec::new();
        for (country, names) in QUALIFIERS {
            let Some(index) = taxonomy.concepts.iter().position(|c| c.id == *country) else {
                continue;
            };
            let index = index as u32;
            qualifiers.extend(names.iter().map(|n| (*n, index)));
        }
        // The longest first: "West Virginia" before "Virginia".
        qualifiers.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        let places: std::collections::HashMap<&str, u32> = taxonomy
            .concepts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == ConceptKind::Place)
            .map(|(i, c)| (c.name.as_str(), i as u32))
            .collect();
        let mut regions_of: Vec<(u32, u32)> = taxonomy
            .concepts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == ConceptKind::Place)
            .flat_map(|(i, c)| {
                // "Dnipropetrovsk Region", also called "Dnipro region".
                std::iter::once(c.name.as_str())
                    .chain(
                        c.names
                            .iter()
                            .filter(|n| n.lang == 0 && n.form == Form::Name)
                            .map(|n| n.text.as_str()),
                    )
                    .filter_map(|n| REGION_SUFFIXES.iter().find_map(|s| n.strip_suffix(s)))
                    .filter_map(|base| places.get(base))
                    .map(move |&place| (place, i as u32))
                    .collect::<Vec<_>>()
            })
            .collect();
        regions_of.sort_unstable();
        regions_of.dedup_by_key(|(place, _)| *place);
        let mut region_names = std::collections::HashMap::new();
        for (i, c) in taxonomy.concepts.iter().enumerate() {
            if c.kind != ConceptKind::Place {
                continue;
            }
            for n in std::iter::once(c.name.as_str()).chain(c.names.iter().map(|n| n.text.as_str()))
            {
                let lower = n.to_lowercase();
                if SINGULAR_REGIONS
                    .iter()
                    .any(|w| lower.strip_suffix(w).is_some_and(|b| b.ends_with(' ')))
                {
                    region_names.entry(lower).or_insert(i as u32);
                }
            }
        }
        // As written (lowercase, the German nouns capitalised): a
        // case-insensitive search took five times as long (370 against
        // 1,900 MB/s on the bench's articles).
        let plurals = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(PLURAL_REGIONS.iter().chain(PLURAL_REGIONS_FIRST))
            .ok();
        Sense {
            qualifiers,
            regions_of,
            region_names,
            plurals,
        }
    }

    /// For each list of names ending in a plural word for regions, or
    /// following one ("les régions de Kharkiv et de Soumy"), reads each
    /// name as its region: a place's hit becomes the region named
    /// after the place ("the Donetsk and Luhansk regions"); a name that is
    /// no place of its own becomes the region whose name it makes with a
    /// singular word for a region ("Челябинскую и Тюменскую области",
    /// "Жамбыл және Қызылорда облыстарынан"), and the place hits inside it
    /// go ("Қазақстан" in "Солтүстік Қазақстан").
    fn regions_named_together(&self, fields: &[FieldText<'_>], hits: &mut Vec<Hit>) {
        let Some(plurals) = &self.plurals else {
            return;
        };
        // Made at the first list: most stories have none.
        let mut listed: Option<ListedHits> = None;
        for (fi, field) in fields.iter().enumerate() {
            let text = field.clean.as_str();
            let field_no = u16::try_from(fi).unwrap_or(u16::MAX);
            for m in plurals.find_iter(text) {
                if !text[..m.start()].ends_with(' ')
                    || text[m.end()..].starts_with(char::is_alphanumeric)
                {
                    continue;
                }
                let word = &text[m.start()..m.end()];
                let mut items = Vec::new();
                if PLURAL_REGIONS.contains(&word) {
                    items = list_items_before(text, m.start() - 1);
                }
                if items.len() < 2 && opens_a_list(word) {
                    items = list_items_after(text, m.end());
                }
                if items.len() < 2 {
                    continue;
                }
                let listed = listed.get_or_insert_with(|| ListedHits::new(std::mem::take(hits)));
                for (start, end) in items {
                    self.read_as_region(text, field_no, (start, end), listed);
                }
            }
        }
        if let Some(listed) = listed {
            *hits = listed.finish();
        }
    }

    /// Reads the name at `start..end` of field `field`, an item of a list
    /// of regions, as its region (see [`Self::regions_named_together`]).
    fn read_as_region(
        &self,
        text: &str,
        field: u16,
        (start, end): (usize, usize),
        hits: &mut ListedHits,
    ) {
        let item = text[start..end].to_lowercase();
        let named = SINGULAR_REGIONS
            .iter()
            .find_map(|w| self.region_names.get(&format!("{item} {w}")).copied());
        // The region named already ("Ақмола облыстарында").
        if named.is_some_and(|r| {
            hits.names_in(field, start, end)
                .any(|h| matches!(h.what, What::Name { concept, .. } if concept == r))
        }) {
            return;
        }
        // A place with a region named after it (each of its hits: a name
        // may match as several of its forms).
        let mut converted = false;
        hits.for_names_in(field, start, end, |h| {
            if let Some(region) = self.region_of_name(h) {
                h.what = What::Name {
                    concept: region,
                    form: Form::Name,
                };
                converted = true;
            }
        });
        if converted {
            return;
        }
        if let Some(region) = named {
            hits.replace_names_in(
                field,
                start,
                end,
                Hit {
                    what: What::Name {
                        concept: region,
                        form: Form::Name,
                    },
                    field,
                    start: start as u32,
                    end: end as u32,
                },
            );
        }
    }

    /// The region named after a name hit's place.
    fn region_of_name(&self, h: &Hit) -> Option<u32> {
        match h.what {
            What::Name { concept, .. } => self.region_of(concept),
            _ => None,
        }
    }

    /// The region named after `place`, if the taxonomy has one.
    fn region_of(&self, place: u32) -> Option<u32> {
        self.regions_of
            .binary_search_by_key(&place, |&(p, _)| p)
            .ok()
            .map(|i| self.regions_of[i].1)
    }

    /// Drops the name hits the story's other uses of the name or a
    /// qualifier after it say are not the concept; the exclusion hits go too.
    pub(crate) fn apply(&self, taxonomy: &Taxonomy, fields: &[FieldText<'_>], hits: &mut Vec<Hit>) {
        self.regions_named_together(fields, hits);
        // The concept, the text of each use in another sense and whether
        // that sense is a person's name.
        let mut other_sense: Vec<(u32, &str, bool)> = Vec::new();
        for h in hits.iter() {
            if let What::Exclusion { concept, person } = h.what
                && !(person && title_case_headline(fields, h.field))
                && let Some(text) = span(fields, h)
            {
                other_sense.push((concept, text, person));
            }
        }
        other_sense.sort_unstable();
        other_sense.dedup();
        // The places named in the story: one of them above a name used as a
        // person's says its other uses are the place ("Florence Baptiste" in
        // a story of Florence, Italy). Not so a club or another place of the
        // name ("AC Milan" in a story that names Italy).
        let mut named: Vec<u32> = hits
            .iter()
            .filter_map(|h| match h.what {
                What::Name { concept, .. } => Some(concept),
                _ => None,
            })
            .collect();
        named.sort_unstable();
        named.dedup();
        hits.retain(|h| {
            let What::Name { concept, form } = h.what else {
                return matches!(h.what, What::Term(_));
            };
            let Some(field) = fields.get(h.field as usize) else {
                return true;
            };
            let text = field.clean.as_str();
            // The concept's other senses first: most names have none, and
            // reading the word before the name costs more.
            if form != Form::Inflection
                && other_sense.iter().any(|&(c, _, _)| c == concept)
                && let Some(mention) = span(fields, h)
                && !after_preposition(text, h.start as usize)
            {
                let mut senses = other_sense
                    .iter()
                    .filter(|&&(c, other, _)| c == concept && contains_word(other, mention));
                if let Some(&(_, _, person)) = senses.next() {
                    let only_people = person && senses.all(|&(_, _, p)| p);
                    if !(only_people && place_above_named(taxonomy, concept, &named)) {
                        return false;
                    }
                }
            }
            !self.placed_elsewhere(taxonomy, concept, text, h.end as usize)
        });
    }

    /// True when `text` goes on at `end` with a comma and a qualifier of a
    /// country the place is not in.
    fn placed_elsewhere(&self, taxonomy: &Taxonomy, concept: u32, text: &str, end: usize) -> bool {
        let Some(rest) = text.get(end..).and_then(|r| r.strip_prefix(", ")) else {
            return false;
        };
        let Some(&(qualifier, country)) = self
            .qualifiers
            .iter()
            .find(|(q, _)| starts_with_word(rest, q))
        else {
            return false;
        };
        // "Moscow, New York and Madrid": the last two items of a list of
        // places, not a town in New York state.
        if ends_a_list(&rest[qualifier.len()..]) {
            return false;
        }
        let is_place = taxonomy
            .concepts
            .get(concept as usize)
            .is_some_and(|c| c.kind == ConceptKind::Place);
        // "the United States, Australia and most of Europe": a country
        // before the name of another is a list, not a place within it.
        if qualifier_is_the_country(taxonomy, country, qualifier) && is_country(taxonomy, concept) {
            return false;
        }
        // "Tbilisi, Georgia": the qualifier names the country the place is in.
        is_place
            && !in_broader(taxonomy, concept, |c, k| {
                c == country || k.names.iter().any(|n| starts_with_word(rest, &n.text))
            })
    }
}

/// The story's hits while lists of regions are read: name hits found by
/// position with a binary search, not a pass over every hit per list item,
/// so that a story of a hundred thousand lists is read in linear time (a
/// pass per item took four minutes on a 4 MB body of "Donetsk and Luhansk
/// regions"). Hits the lists replace are marked and dropped at the end;
/// the regions they add are kept in order beside them.
struct ListedHits {
    hits: Vec<Hit>,
    removed: Vec<bool>,
    added: Vec<Hit>,
}

impl ListedHits {
    fn new(mut hits: Vec<Hit>) -> Self {
        // The scan finds them in reading order; should that ever change,
        // sorting here changes nothing the tagger does not sort again.
        if !hits.is_sorted_by_key(|h| (h.field, h.start)) {
            hits.sort_by_key(|h| (h.field, h.start));
        }
        let removed = vec![false; hits.len()];
        ListedHits {
            hits,
            removed,
            added: Vec::new(),
        }
    }

    /// Indices into `list` (sorted by field and start) of the hits of
    /// `field` starting in `start..end`.
    fn range(list: &[Hit], field: u16, start: usize, end: usize) -> std::ops::Range<usize> {
        let key = |h: &Hit| (h.field, h.start as usize);
        list.partition_point(|h| key(h) < (field, start))
            ..list.partition_point(|h| key(h) < (field, end))
    }

    /// The name hits of `field` starting in `start..end`.
    fn names_in(&self, field: u16, start: usize, end: usize) -> impl Iterator<Item = &Hit> {
        let found = Self::range(&self.hits, field, start, end);
        let added = Self::range(&self.added, field, start, end);
        self.hits[found.clone()]
            .iter()
            .zip(&self.removed[found])
            .filter(|(_, removed)| !**removed)
            .map(|(h, _)| h)
            .chain(&self.added[added])
            .filter(|h| matches!(h.what, What::Name { .. }))
    }

    /// Calls `f` with each name hit of `field` starting in `start..end`.
    fn for_names_in(&mut self, field: u16, start: usize, end: usize, mut f: impl FnMut(&mut Hit)) {
        let found = Self::range(&self.hits, field, start, end);
        for i in found {
            if !self.removed[i] && matches!(self.hits[i].what, What::Name { .. }) {
                f(&mut self.hits[i]);
            }
        }
        let added = Self::range(&self.added, field, start, end);
        for h in &mut self.added[added] {
            if matches!(h.what, What::Name { .. }) {
                f(h);
            }
        }
    }

    /// Drops the name hits of `field` starting in `start..end` and adds `hit`.
    fn replace_names_in(&mut self, field: u16, start: usize, end: usize, hit: Hit) {
        for i in Self::range(&self.hits, field, start, end) {
            if matches!(self.hits[i].what, What::Name { .. }) {
                self.removed[i] = true;
            }
        }
        // (Every hit added is a region's name.)
        self.added
            .drain(Self::range(&self.added, field, start, end));
        let key = (hit.field, hit.start);
        let at = self.added.partition_point(|h| (h.field, h.start) <= key);
        self.added.insert(at, hit);
    }

    /// The hits as the lists left them: those not replaced, then those added.
    fn finish(self) -> Vec<Hit> {
        let ListedHits {
            mut hits,
            removed,
            added,
        } = self;
        let mut i = 0;
        hits.retain(|_| {
            i += 1;
            !removed[i - 1]
        });
        hits.extend(added);
        hits
    }
}

/// The items of a list of names that ends at `end` (the space before a
/// plural word for regions), first to last: one to three capitalised words
/// each, joined by a comma, "and", "и", "және"...; empty when the words
/// before are not capitalised.
fn list_items_before(text: &str, end: usize) -> Vec<(usize, usize)> {
    let word_before = |at: usize| -> Option<usize> {
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '-' || c == '\''))
            .map_or(0, |(i, c)| i + c.len_utf8());
        (start < at && text[start..].starts_with(char::is_uppercase)).then_some(start)
    };
    let mut items = Vec::new();
    let mut end = end;
    // A list is short; this also bounds the walk.
    while items.len() < 16 {
        let Some(mut start) = word_before(end) else {
            break;
        };
        // Up to two more capitalised words before it, not across a joint.
        for _ in 0..2 {
            let joint = LIST_JOINTS.iter().any(|j| text[..start].ends_with(j));
            match text[..start].strip_suffix(' ') {
                Some(before) if !joint => match word_before(before.len()) {
                    Some(s) => start = s,
                    None => break,
                },
                _ => break,
            }
        }
        items.push((start, end));
        match LIST_JOINTS.iter().find(|j| text[..start].ends_with(**j)) {
            Some(j) => end = start - j.len(),
            None => break,
        }
    }
    items.reverse();
    items
}

/// The names of a list of regions that starts at `start`, right after a
/// plural word for regions (see [`opens_a_list`]): each one to three
/// capitalised words, joined by [`LIST_JOINTS_AFTER`].
fn list_items_after(text: &str, start: usize) -> Vec<(usize, usize)> {
    let word_after = |at: usize| -> Option<usize> {
        let rest = text.get(at..)?;
        if !rest.starts_with(char::is_uppercase) {
            return None;
        }
        let len = rest
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '-' || c == '\''))
            .map_or(rest.len(), |(i, _)| i);
        Some(at + len)
    };
    let german = text[..start]
        .rsplit(' ')
        .next()
        .is_some_and(|word| word.starts_with(char::is_uppercase));
    let openings: &[&str] = if german { &[" "] } else { LIST_OPENINGS };
    let Some(opening) = openings.iter().find(|o| text[start..].starts_with(**o)) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut at = start + opening.len();
    // A list is short; this also bounds the walk.
    while items.len() < 16 {
        let Some(mut end) = word_after(at) else {
            break;
        };
        // Up to two more capitalised words after it, not across a joint.
        for _ in 0..2 {
            let rest = &text[end..];
            if LIST_JOINTS_AFTER.iter().any(|j| rest.starts_with(j)) {
                break;
            }
            match rest.strip_prefix(' ').and_then(|_| word_after(end + 1)) {
                Some(e) => end = e,
                None => break,
            }
        }
        items.push((at, end));
        match LIST_JOINTS_AFTER
            .iter()
            .find(|j| text[end..].starts_with(**j))
        {
            Some(j) => at = end + j.len(),
            None => break,
        }
    }
    items
}

/// The clean text a hit covers.
fn span<'a>(fields: &'a [FieldText<'_>], hit: &Hit) -> Option<&'a str> {
    fields
        .get(hit.field as usize)?
        .clean
        .get(hit.start as usize..hit.end as usize)
}

/// True when `phrase` has `word` among its words, in any case: "Jordan" in
/// "Jordan Spieth", not "India" in "Indian Ocean" (a bare mention of the
/// country is not another sense of that phrase).
fn contains_word(phrase: &str, word: &str) -> bool {
    let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
    let (phrase, word) = (lower(phrase), lower(word));
    phrase.match_indices(&word).any(|(at, _)| {
        let before = phrase[..at].chars().next_back();
        let after = phrase[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// True when `after`, the text right after a qualifier, goes on as the end
/// of a list: "and" or "or", then a capitalised word.
fn ends_a_list(after: &str) -> bool {
    [" and ", " or "].iter().any(|joint| {
        after
            .strip_prefix(joint)
            .and_then(|next| next.chars().next())
            .is_some_and(char::is_uppercase)
    })
}

/// True when `qualifier` is a name of `country` itself ("Australia"), not
/// of one of its states.
fn qualifier_is_the_country(taxonomy: &Taxonomy, country: u32, qualifier: &str) -> bool {
    taxonomy
        .concepts
        .get(country as usize)
        .is_some_and(|c| c.names.iter().any(|n| n.text == qualifier))
}

/// True when `concept` is a country: a place filed directly under a region.
fn is_country(taxonomy: &Taxonomy, concept: u32) -> bool {
    taxonomy.concepts.get(concept as usize).is_some_and(|c| {
        c.kind == ConceptKind::Place
            && c.broader.iter().any(|&b| {
                taxonomy
                    .concepts
                    .get(b as usize)
                    .is_some_and(|k| k.id.starts_with("region/"))
            })
    })
}

/// True when `text` starts with `word` as a whole word.
fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
}

/// True when `concept` or one of its broader concepts (at any level) passes `test`.
fn in_broader(taxonomy: &Taxonomy, concept: u32, test: impl Fn(u32, &Concept) -> bool) -> bool {
    let mut stack = vec![concept];
    let mut steps = 0;
    while let Some(c) = stack.pop() {
        let Some(k) = taxonomy.concepts.get(c as usize) else {
            continue;
        };
        if test(c, k) {
            return true;
        }
        steps += 1;
        if steps > 64 {
            break;
        }
        stack.extend(k.broader.iter().copied());
    }
    false
}

/// True when a place above `concept` (a country, a state; not a region of
/// the world) is among `named`, sorted.
fn place_above_named(taxonomy: &Taxonomy, concept: u32, named: &[u32]) -> bool {
    in_broader(taxonomy, concept, |c, k| {
        c != concept
            && k.kind == ConceptKind::Place
            && !k.id.starts_with("region/")
            && named.binary_search(&c).is_ok()
    })
}

/// True when the word before `start` is a preposition of place.
fn after_preposition(text: &str, start: usize) -> bool {
    let before = text.get(..start).unwrap_or_default().trim_end();
    let word = before
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    // Lower-casing shrinks a character by two bytes at most (the Kelvin sign).
    if word.is_empty() || word.len() > 3 * LONGEST_PREPOSITION {
        return false;
    }
    if word.is_ascii() {
        return PLACE_PREPOSITIONS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(word));
    }
    let lower: String = word.chars().flat_map(char::to_lowercase).collect();
    PLACE_PREPOSITIONS.contains(&lower.as_str())
}

/// True when the field is a headline written in title case ("Jordan Struggles
/// To House Refugees"): most of its longer words capitalised.
fn title_case_headline(fields: &[FieldText<'_>], field: u16) -> bool {
    let Some(f) = fields.get(field as usize) else {
        return false;
    };
    if f.zone != Zone::Headline {
        return false;
    }
    let words = f
        .clean
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 4);
    let (mut capitalised, mut total) = (0, 0);
    for w in words {
        total += 1;
        if w.starts_with(char::is_uppercase) {
            capitalised += 1;
        }
    }
    total >= 3 && capitalised * 4 >= total * 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepositions_of_place_are_read_before_the_name() {
        assert!(after_preposition("refugees in Jordan", 12));
        assert!(after_preposition("He flew to  Jordan", 12));
        assert!(after_preposition("из Иордании", "из ".len()));
        assert!(!after_preposition("Jordan said", 0));
        assert!(!after_preposition("afterwards, Jordan", 12));
    }

    #[test]
    fn the_items_of_a_list_are_read_back_from_its_end() {
        let items = |t: &str, before: &str| -> Vec<String> {
            list_items_before(t, t.find(before).unwrap() - 1)
                .into_iter()
                .map(|(s, e)| t[s..e].to_owned())
                .collect()
        };
        assert_eq!(
            items("курс на Челябинскую и Тюменскую области.", "области"),
            ["Челябинскую", "Тюменскую"]
        );
        assert_eq!(
            items(
                "Ақмола, Солтүстік Қазақстан және Павлодар облыстарында",
                "облыстарында"
            ),
            ["Ақмола", "Солтүстік Қазақстан", "Павлодар"]
        );
        assert_eq!(
            items("shelling in the Donetsk and Luhansk regions", "regions"),
            ["Donetsk", "Luhansk"]
        );
        assert!(items("in other regions", "regions").is_empty());
        // A list of cities before other words is not one of regions.
        assert_eq!(
            items("Kharkiv and the Sumy and Chernihiv regions", "regions"),
            ["Sumy", "Chernihiv"]
        );
        assert!(items("Kharkiv, Dnipro and Odesa, the regions", "regions").is_empty());
    }

    #[test]
    fn another_sense_covers_the_mentions_it_contains() {
        assert!(contains_word("Jordan Spieth", "Jordan"));
        assert!(contains_word("Gulf of Guinea", "guinea"));
        assert!(!contains_word("Indian Ocean", "India"));
        assert!(!contains_word("Guineas", "Guinea"));
    }
}

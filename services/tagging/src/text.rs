//! The article's text as the matcher sees it: each headline, description and
//! body value with markup stripped, entities decoded, and whitespace and
//! word-separating punctuation (hyphens, quotes, brackets, slashes) turned
//! into single spaces, plus the map back to the original value so evidence
//! can point into the value as written. The clean text starts with a space,
//! so every word starts right after one: the matcher's patterns start with a
//! space too and can only match at word starts.

use std::fmt::Write as _;

use newsfeed_model::{Article, ItemType};
use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::canonical_combining_class;

/// Where in the story a field sits; headline mentions weigh most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Zone {
    Headline,
    Description,
    Body,
    /// The headline or description (caption) of an association, such as a
    /// picture: evidence, but with no placement bonus, so it weighs less
    /// than the story's own headline, description and lead.
    Caption,
}

/// One article field, cleaned for matching.
#[derive(Debug)]
pub(crate) struct FieldText<'a> {
    /// JSON pointer of the field, e.g. `/bodies/0/value`.
    pub(crate) pointer: String,
    pub(crate) zone: Zone,
    /// The value as written.
    pub(crate) original: &'a str,
    /// What the matcher searches.
    pub(crate) clean: String,
    runs: Vec<Run>,
    /// The original is ASCII: character offsets are byte offsets.
    ascii: bool,
    /// For other originals, characters before each 64-byte block, built on first use.
    char_index: std::cell::OnceCell<Vec<u32>>,
}

/// A stretch of `clean` and where it came from. Verbatim runs are byte for
/// byte copies; the others (a collapsed space, a decoded entity) stand for
/// the whole original stretch.
#[derive(Debug, Clone, Copy)]
struct Run {
    clean_start: usize,
    orig_start: usize,
    orig_end: usize,
    verbatim: bool,
}

/// The buffers of one field, kept from story to story.
#[derive(Debug, Default)]
struct Buffers {
    pointer: String,
    clean: String,
    runs: Vec<Run>,
}

/// Buffers of earlier stories' fields, for the next story's: a thread tags
/// story after story, and so cleans without allocating.
#[derive(Debug, Default)]
pub(crate) struct TextPool {
    spare: Vec<Buffers>,
}

impl TextPool {
    /// Values longer than this do not keep their buffers, so one huge
    /// article does not hold its memory for the life of the thread.
    const KEEP_UP_TO: usize = 1 << 20;

    fn take(&mut self) -> Buffers {
        self.spare.pop().unwrap_or_default()
    }

    /// Takes back the buffers of `fields`, so that the next story's fields
    /// get them in the same order (its body the body's).
    pub(crate) fn recycle(&mut self, fields: Vec<FieldText<'_>>) {
        for f in fields.into_iter().rev() {
            if f.clean.capacity() <= Self::KEEP_UP_TO {
                self.spare.push(Buffers {
                    pointer: f.pointer,
                    clean: f.clean,
                    runs: f.runs,
                });
            }
        }
    }
}

/// The text fields of an article in reading order (headlines, descriptions,
/// bodies, then the headlines and captions of its media associations:
/// pictures, graphics, video, audio), cleaned in buffers from `pool`.
/// Nothing else of an association is read: never its rights, credits or
/// technical fields, nor the headlines of related stories.
pub(crate) fn fields<'a>(article: &'a Article, pool: &mut TextPool) -> Vec<FieldText<'a>> {
    let mut out = Vec::with_capacity(
        article.headlines.len() + article.descriptions.len() + article.bodies.len(),
    );
    let blocks = [
        (Zone::Headline, "headlines", &article.headlines),
        (Zone::Description, "descriptions", &article.descriptions),
    ];
    for (zone, name, list) in blocks {
        for (i, b) in list.iter().enumerate() {
            if let Some(v) = b.value.as_deref() {
                let markup = is_markup(b.content_type.as_deref());
                out.push(FieldText::in_buffers(
                    pool.take(),
                    (name, i),
                    zone,
                    v,
                    markup,
                ));
            }
        }
    }
    for (i, b) in article.bodies.iter().enumerate() {
        if let Some(v) = b.value.as_deref() {
            let markup = is_markup(b.content_type.as_deref());
            out.push(FieldText::in_buffers(
                pool.take(),
                ("bodies", i),
                Zone::Body,
                v,
                markup,
            ));
        }
    }
    let media = article
        .associations
        .iter()
        .enumerate()
        .filter(|(_, a)| a.item_type().is_some_and(ItemType::is_media));
    for (j, assoc) in media {
        for (name, list) in [
            ("headlines", &assoc.headlines),
            ("descriptions", &assoc.descriptions),
        ] {
            let list_name = format!("associations/{j}/{name}");
            for (i, b) in list.iter().enumerate() {
                if let Some(v) = b.value.as_deref() {
                    let markup = is_markup(b.content_type.as_deref());
                    out.push(FieldText::in_buffers(
                        pool.take(),
                        (&list_name, i),
                        Zone::Caption,
                        v,
                        markup,
                    ));
                }
            }
        }
    }
    out
}

fn is_markup(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| t.contains("html") || t.contains("xml"))
}

impl<'a> FieldText<'a> {
    /// Cleans `original`, field `index` of the list `list`; `markup` when it is HTML or XML.
    #[cfg(test)]
    pub(crate) fn new(
        list: &str,
        index: usize,
        zone: Zone,
        original: &'a str,
        markup: bool,
    ) -> Self {
        Self::in_buffers(Buffers::default(), (list, index), zone, original, markup)
    }

    fn in_buffers(
        buffers: Buffers,
        (list, index): (&str, usize),
        zone: Zone,
        original: &'a str,
        markup: bool,
    ) -> Self {
        let Buffers {
            mut pointer,
            mut clean,
            mut runs,
        } = buffers;
        pointer.clear();
        // Writing to a String cannot fail.
        let _ = write!(pointer, "/{list}/{index}/value");
        clean.clear();
        clean.reserve(original.len() + 1);
        clean.push(' ');
        runs.clear();
        runs.push(Run {
            clean_start: 0,
            orig_start: 0,
            orig_end: 0,
            verbatim: false,
        });
        let mut b = Builder {
            src: original,
            markup,
            clean,
            runs,
            no_gt_from: usize::MAX,
        };
        b.run();
        FieldText {
            pointer,
            zone,
            original,
            clean: b.clean,
            runs: b.runs,
            ascii: original.is_ascii(),
            char_index: std::cell::OnceCell::new(),
        }
    }

    /// The original byte range behind the clean byte range `start..end`.
    pub(crate) fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let run_at = |pos: usize| {
            self.runs.get(
                self.runs
                    .partition_point(|r| r.clean_start <= pos)
                    .saturating_sub(1),
            )
        };
        let s = match run_at(start) {
            Some(r) if r.verbatim => r.orig_start + (start - r.clean_start),
            Some(r) => r.orig_start,
            None => start,
        };
        if end <= start {
            return (s, s);
        }
        // The run holding the last byte of the range decides where it ends.
        let e = match run_at(end - 1) {
            Some(r) if r.verbatim => r.orig_start + (end - r.clean_start),
            Some(r) => r.orig_end,
            None => end,
        };
        (s, e)
    }

    /// Evidence coordinates of the clean range: (offset, length) in chars
    /// into the original value, and the original text.
    #[cfg(test)]
    pub(crate) fn evidence_span(&self, start: usize, end: usize) -> (usize, usize, &'a str) {
        let span = self.span(start, end);
        (span.offset, span.length, self.text(&span))
    }

    /// Where the clean range `start..end` lies in the original value.
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let (s, e) = self.original_range(start, end);
        let (offset, length) = if self.ascii {
            (s, e - s)
        } else {
            (self.char_offset(s), self.original[s..e].chars().count())
        };
        Span {
            offset,
            length,
            bytes: (s, e),
        }
    }

    /// The original text of a span of this field.
    pub(crate) fn text(&self, span: &Span) -> &'a str {
        &self.original[span.bytes.0..span.bytes.1]
    }
}

/// A stretch of an original value, as evidence gives it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    /// Characters before it.
    pub(crate) offset: usize,
    /// Its length in characters.
    pub(crate) length: usize,
    /// Its byte range.
    bytes: (usize, usize),
}

/// Where `</name` starts in `hay`, the name in any ASCII case: read in
/// place, so a body of many short scripts is read once, not copied once
/// per script.
fn closing_tag(hay: &str, name: &str) -> Option<usize> {
    let bytes = hay.as_bytes();
    let mut from = 0;
    while let Some(p) = hay[from..].find("</") {
        let at = from + p;
        let word = bytes.get(at + 2..at + 2 + name.len());
        if word.is_some_and(|w| w.eq_ignore_ascii_case(name.as_bytes())) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

struct Builder<'a> {
    src: &'a str,
    markup: bool,
    clean: String,
    runs: Vec<Run>,
    /// From this byte on, the source has no `>`: once a `<` found none,
    /// no later one looks again (a body of a million `<` stays linear).
    no_gt_from: usize,
}

impl Builder<'_> {
    fn run(&mut self) {
        let bytes = self.src.as_bytes();
        let mut i = 0;
        let mut copied_to = 0;
        while i < bytes.len() {
            // Right after a special stretch (and at the start), a space
            // would double the one just written.
            let doubled = i == copied_to && bytes[i] == b' ' && self.clean.ends_with(' ');
            if !doubled {
                i = next_special(bytes, i);
                if i == bytes.len() {
                    break;
                }
            }
            self.copy(copied_to, i);
            i = self.special(i);
            copied_to = i;
        }
        self.copy(copied_to, bytes.len());
    }

    /// Copies `src[from..to]` verbatim.
    fn copy(&mut self, from: usize, to: usize) {
        if from >= to {
            return;
        }
        self.runs.push(Run {
            clean_start: self.clean.len(),
            orig_start: from,
            orig_end: to,
            verbatim: true,
        });
        self.clean.push_str(&self.src[from..to]);
    }

    /// Emits `text` standing for `src[from..to]`.
    fn replace(&mut self, from: usize, to: usize, text: &str) {
        if text.is_empty() {
            return;
        }
        if text == " " && (self.clean.is_empty() || self.clean.ends_with(' ')) {
            // Collapse into the space already written: widen it.
            if let Some(r) = self
                .runs
                .last_mut()
                .filter(|r| !r.verbatim && r.clean_start + 1 == self.clean.len())
            {
                r.orig_end = to;
            }
            return;
        }
        self.runs.push(Run {
            clean_start: self.clean.len(),
            orig_start: from,
            orig_end: to,
            verbatim: false,
        });
        self.clean.push_str(text);
    }

    /// Handles the special byte at `i`; returns where to continue.
    fn special(&mut self, i: usize) -> usize {
        let rest = &self.src[i..];
        let c = rest.chars().next().unwrap_or(' ');
        match c {
            '<' if self.markup => self.tag(i),
            '&' if self.markup => self.entity(i),
            c if is_separator(c) => {
                let len: usize = rest
                    .chars()
                    .take_while(|&c| is_separator(c))
                    .map(char::len_utf8)
                    .sum();
                self.replace(i, i + len, " ");
                i + len
            }
            _ => {
                // A lead byte we watch for (é, —, ...) that needs nothing.
                self.copy(i, i + c.len_utf8());
                i + c.len_utf8()
            }
        }
    }

    /// Skips a tag (and the content of script and style); block-level tags
    /// separate words, inline ones do not.
    fn tag(&mut self, i: usize) -> usize {
        let rest = &self.src[i..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(self.src.len(), |e| i + e + 3);
            return end;
        }
        let close = if i >= self.no_gt_from {
            None
        } else {
            rest.find('>')
        };
        let Some(close) = close else {
            self.no_gt_from = self.no_gt_from.min(i);
            self.copy(i, i + 1);
            return i + 1;
        };
        let inner = &rest[1..close];
        let after_slash = inner.trim_start_matches('/');
        let name = &after_slash[..after_slash
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(after_slash.len())];
        let mut end = i + close + 1;
        let is = |tag: &str| name.eq_ignore_ascii_case(tag);
        if (is("script") || is("style")) && !inner.starts_with('/') {
            end = closing_tag(&self.src[end..], name).map_or(self.src.len(), |p| {
                let after = end + p;
                self.src[after..]
                    .find('>')
                    .map_or(self.src.len(), |g| after + g + 1)
            });
        }
        if !INLINE_TAGS.iter().any(|t| is(t)) {
            self.replace(i, end, " ");
        }
        end
    }

    fn entity(&mut self, i: usize) -> usize {
        let rest = &self.src[i..];
        // Bytes, not a string slice: the twelfth byte may fall inside a
        // character ("&amp;Москва").
        let Some(semi) = rest.as_bytes()[..rest.len().min(12)]
            .iter()
            .position(|&b| b == b';')
        else {
            self.copy(i, i + 1);
            return i + 1;
        };
        let body = &rest[1..semi];
        let decoded = match body {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "rsquo" | "lsquo" | "#39" => Some('\''),
            "nbsp" | "ensp" | "emsp" | "thinsp" => Some(' '),
            "ndash" => Some('–'),
            "mdash" => Some('—'),
            "ldquo" | "rdquo" => Some('"'),
            "aacute" => Some('á'),
            "eacute" => Some('é'),
            "iacute" => Some('í'),
            "oacute" => Some('ó'),
            "uacute" => Some('ú'),
            "egrave" => Some('è'),
            "atilde" => Some('ã'),
            "otilde" => Some('õ'),
            "ntilde" => Some('ñ'),
            "ccedil" => Some('ç'),
            "auml" => Some('ä'),
            "ouml" => Some('ö'),
            "uuml" => Some('ü'),
            _ => numeric_entity(body),
        };
        let Some(ch) = decoded else {
            self.copy(i, i + 1);
            return i + 1;
        };
        let ch = if is_separator(ch) { ' ' } else { ch };
        let mut buf = [0u8; 4];
        self.replace(i, i + semi + 1, ch.encode_utf8(&mut buf));
        i + semi + 1
    }
}

impl FieldText<'_> {
    /// Characters in `original[..byte]`, via a block index so that many
    /// evidence spans in a long non-ASCII body do not recount it each time.
    fn char_offset(&self, byte: usize) -> usize {
        const BLOCK: usize = 64;
        let index = self.char_index.get_or_init(|| {
            let bytes = self.original.as_bytes();
            let mut seen = 0u32;
            let mut index = Vec::with_capacity(bytes.len() / BLOCK + 1);
            for block in bytes.chunks(BLOCK) {
                index.push(seen);
                seen += block.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32;
            }
            index
        });
        let block = byte / BLOCK;
        let before = index.get(block).copied().unwrap_or(0) as usize;
        let from = (block * BLOCK).min(byte);
        before
            + self.original.as_bytes()[from..byte]
                .iter()
                .filter(|&&b| (b as i8) >= -0x40)
                .count()
    }
}

/// The first position from `i` on that the cleaning loop must handle: a
/// separator other than a single space between words, markup, or the lead
/// byte of a non-ASCII separator (or `bytes.len()`). Most bytes need
/// nothing, so this looks at eight at a time without branching on each.
fn next_special(bytes: &[u8], mut i: usize) -> usize {
    // 1 when byte `k` needs handling: special, or a space before more whitespace.
    let needs = |k: usize, next: u8| {
        let class = BYTE_CLASS[bytes[k] as usize];
        (class >> 1 | class & BYTE_CLASS[next as usize] >> 2) & 1
    };
    while i + 8 < bytes.len() && (i..i + 8).fold(0, |any, k| any | needs(k, bytes[k + 1])) == 0 {
        i += 8;
    }
    (i..bytes.len())
        .find(|&k| needs(k, bytes.get(k + 1).copied().unwrap_or(0)) != 0)
        .unwrap_or(bytes.len())
}

/// Per byte, what the cleaning loop needs to know: [`SPACE`], [`SPECIAL`]
/// (separators, markup, and the lead bytes of the non-ASCII separators and
/// of `&nbsp;`), [`WHITESPACE`] (ASCII whitespace, which a space before it
/// collapses with).
const BYTE_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 128 {
        if is_separator(b as u8 as char) {
            table[b] |= SPECIAL;
        }
        if (b as u8).is_ascii_whitespace() {
            table[b] |= WHITESPACE;
        }
        b += 1;
    }
    table[b' ' as usize] = SPACE | WHITESPACE;
    table[b'<' as usize] |= SPECIAL;
    table[b'&' as usize] |= SPECIAL;
    table[0xc2] |= SPECIAL;
    table[0xe2] |= SPECIAL;
    table
};
const SPACE: u8 = 1;
const SPECIAL: u8 = 2;
const WHITESPACE: u8 = 4;

/// Characters that separate words: whitespace and the punctuation around
/// words (hyphens, quotes, brackets, slashes, ...). Full stops, commas and
/// `&` stay, so "U.S." and "Lebanon, Pennsylvania" can be matched.
pub(crate) const fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '\''
                | '"'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | ':'
                | ';'
                | '!'
                | '?'
                | '/'
                | '\\'
                | '*'
                | '_'
                | '|'
                | '<'
                | '>'
                | '='
                | '~'
                | '^'
                | '`'
                | '\u{2018}'
                | '\u{2019}'
                | '\u{201c}'
                | '\u{201d}'
                | '\u{201e}'
                | '\u{2010}'
                | '\u{2011}'
                | '\u{2013}'
                | '\u{2014}'
                | '\u{2026}'
                | '\u{00ab}'
                | '\u{00bb}'
        )
}

/// A name or term the way the clean text writes it: separators as single
/// spaces, trimmed.
pub(crate) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_separator(c) {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// The text the matcher searches when a field's clean text is not ASCII:
/// NFKC-normalised and case folded (`Ё` as `е`, Arabic alef forms as one,
/// Arabic vowel marks dropped), with a space between characters of scripts
/// written without spaces (Han, kana, Thai, ...) so that every such
/// character starts a word, and the map from each of its bytes back to the
/// clean text. Names and terms are folded the same way ([`fold`]), so a
/// Chinese name becomes a phrase of one-character words and matches inside
/// a sentence. ASCII clean text needs none of this: the matcher searches
/// its lowercased copy.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    pub(crate) text: String,
    /// Per byte of `text` (and one past its end), the clean byte it came from.
    map: Vec<u32>,
    /// The last character pushed was of a script written without spaces.
    after_spaceless: bool,
}

impl Folded {
    /// Folds `clean` into this buffer (its previous content is dropped).
    pub(crate) fn fold_from(&mut self, clean: &str) {
        self.text.clear();
        self.map.clear();
        self.after_spaceless = false;
        let mut chars = clean.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            // Most of even a non-English text is ASCII letters and digits
            // (names, figures, the words of English stories with one curly
            // quote): what `push` does with them, without its tests.
            if c.is_ascii_alphanumeric() && !self.after_spaceless {
                self.text.push(c.to_ascii_lowercase());
                self.map.push(at as u32);
                continue;
            }
            if c.is_ascii() {
                self.push(c, at);
                continue;
            }
            if let Some((marked, folded)) = marked_homograph(&clean[at..]) {
                for f in folded.chars() {
                    self.push(f, at);
                }
                while chars
                    .peek()
                    .is_some_and(|&(next, _)| next < at + marked.len())
                {
                    chars.next();
                }
                continue;
            }
            // A character with the combining marks after it is normalised as one.
            let mut end = at + c.len_utf8();
            while let Some(&(next, mark)) = chars.peek() {
                if canonical_combining_class(mark) == 0 {
                    break;
                }
                end = next + mark.len_utf8();
                chars.next();
            }
            // Alone, most letters (Cyrillic, Arabic, Han) are their own NFKC.
            if end == at + c.len_utf8() && nfkc_of_itself(c) {
                self.push(c, at);
                continue;
            }
            for n in clean[at..end].nfkc() {
                self.push(n, at);
            }
        }
        self.map.push(clean.len() as u32);
    }

    /// The clean byte offset of folded byte offset `pos`.
    pub(crate) fn to_clean(&self, pos: usize) -> usize {
        self.map.get(pos).map_or(0, |&p| p as usize)
    }

    fn push_mapped(&mut self, s: &str, from: usize) {
        self.text.push_str(s);
        self.map.extend(std::iter::repeat_n(from as u32, s.len()));
    }

    fn push(&mut self, c: char, from: usize) {
        if is_fold_separator(c) {
            if !self.text.ends_with(' ') {
                self.push_mapped(" ", from);
            }
            self.after_spaceless = false;
            return;
        }
        let spaceless = is_spaceless(c);
        if (spaceless || self.after_spaceless) && !self.text.is_empty() && !self.text.ends_with(' ')
        {
            self.push_mapped(" ", from);
        }
        self.after_spaceless = spaceless;
        let mut buf = [0u8; 4];
        match c {
            c if c.is_ascii() => {
                self.push_mapped(c.to_ascii_lowercase().encode_utf8(&mut buf), from)
            }
            'ß' | 'ẞ' => self.push_mapped("ss", from),
            'ς' => self.push_mapped("σ", from),
            'ё' | 'Ё' => self.push_mapped("е", from),
            'İ' => self.push_mapped("i", from),
            'أ' | 'إ' | 'آ' | 'ٱ' => self.push_mapped("ا", from),
            'ى' => self.push_mapped("ي", from),
            // Arabic vowel marks and the stretching tatweel: written or not.
            '\u{064b}'..='\u{065f}' | '\u{0670}' | '\u{0640}' => {}
            c if let Some(lower) = plain_letter_lowercase(c) => {
                self.push_mapped(lower.encode_utf8(&mut buf), from);
            }
            c => {
                for l in c.to_lowercase() {
                    self.push_mapped(l.encode_utf8(&mut buf), from);
                }
            }
        }
    }
}

/// The lowercase of `c` when it is a letter of the Russian alphabet (but ё),
/// of the Arabic one or a common Han character: what `to_lowercase` gives
/// them, without its case tables (most letters of Russian, Arabic and
/// Chinese stories).
pub(crate) fn plain_letter_lowercase(c: char) -> Option<char> {
    match c {
        'А'..='Я' => char::from_u32(u32::from(c) + 0x20),
        'а'..='я' | '\u{0621}'..='\u{063a}' | '\u{0641}'..='\u{064a}' | '\u{4e00}'..='\u{9fff}' => {
            Some(c)
        }
        _ => None,
    }
}

/// True when `c`, a character of the Basic Multilingual Plane with no
/// combining mark after it, is its own NFKC normal form: then folding can
/// skip normalising it. A table of the whole plane (8 KiB), built once.
fn nfkc_of_itself(c: char) -> bool {
    static TABLE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        for code in 0..0x10000u32 {
            if let Some(c) = char::from_u32(code) {
                let mut nfkc = std::iter::once(c).nfkc();
                if nfkc.next() == Some(c) && nfkc.next().is_none() {
                    bits[code as usize / 64] |= 1 << (code % 64);
                }
            }
        }
        bits
    });
    let code = u32::from(c) as usize;
    table
        .get(code / 64)
        .is_some_and(|word| word & (1 << (code % 64)) != 0)
}

/// A name or term folded as [`Folded`] folds the text: what the trie holds.
pub(crate) fn fold(s: &str) -> String {
    let mut f = Folded::default();
    f.fold_from(&normalize(s));
    f.text.trim().to_owned()
}

/// Spellings whose vowel marks are all that tells two names apart, folded
/// to a form of their own where the marks would otherwise be dropped: Arabic
/// عُمان (Oman, with its damma) against عمّان or bare عمان (Amman, the far
/// commoner reading of the unmarked word). Only the whole word: the
/// adjective عُمانية keeps the usual folding.
const MARKED_HOMOGRAPHS: &[(&str, &str)] = &[("\u{0639}\u{064f}\u{0645}\u{0627}\u{0646}", "عومان")];

/// The marked spelling `text` starts with as a whole word (to its end),
/// and its folded form.
fn marked_homograph(text: &str) -> Option<(&'static str, &'static str)> {
    MARKED_HOMOGRAPHS.iter().copied().find(|(marked, _)| {
        text.strip_prefix(marked)
            .is_some_and(|rest| !rest.starts_with(char::is_alphanumeric))
    })
}

/// Separators after normalisation: those of the clean text, CJK and
/// Arabic punctuation.
fn is_fold_separator(c: char) -> bool {
    is_separator(c)
        || ('\u{3000}'..='\u{303f}').contains(&c)
        || matches!(c, '\u{060c}' | '\u{061b}' | '\u{061f}' | '\u{06d4}')
}

/// Scripts written without spaces between words: each character may start one.
fn is_spaceless(c: char) -> bool {
    matches!(c,
        '\u{0e00}'..='\u{0eff}'       // Thai, Lao
        | '\u{1000}'..='\u{109f}'     // Myanmar
        | '\u{1780}'..='\u{17ff}'     // Khmer
        | '\u{3040}'..='\u{30ff}'     // Hiragana, Katakana
        | '\u{3400}'..='\u{4dbf}'     // Han, extension A
        | '\u{4e00}'..='\u{9fff}'     // Han
        | '\u{f900}'..='\u{faff}'     // Han compatibility
        | '\u{20000}'..='\u{3134f}') // Han, extensions B-G
}

fn numeric_entity(body: &str) -> Option<char> {
    let digits = body.strip_prefix('#')?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(code)
}

/// Tags that sit inside a word or sentence and so do not separate words.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q",
    "s", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str, markup: bool) -> FieldText<'_> {
        FieldText::new("bodies", 0, Zone::Body, s, markup)
    }

    /// The evidence for the first occurrence of `needle` in the clean text.
    fn span_of<'a>(f: &FieldText<'a>, needle: &str) -> (usize, usize, &'a str) {
        let at = f.clean.find(needle).unwrap();
        f.evidence_span(at, at + needle.len())
    }

    #[test]
    fn plain_text_whitespace_collapses_but_offsets_hold() {
        let f = clean("Rally in\n\n  Almaty,  Kazakhstan’s city", false);
        assert_eq!(f.clean, " Rally in Almaty, Kazakhstan s city");
        let (off, len, text) = span_of(&f, "Kazakhstan s");
        assert_eq!(text, "Kazakhstan’s");
        let chars: String = f.original.chars().skip(off).take(len).collect();
        assert_eq!(chars, text);
    }

    #[test]
    fn html_is_stripped_and_evidence_points_into_markup() {
        let src = "<p>Protests in <b>Kazakh</b>stan&#39;s south.</p><p>Caf&eacute; &amp; Almaty</p><script>var Russia=1</script>";
        let f = clean(src, true);
        assert_eq!(f.clean, " Protests in Kazakhstan s south. Café & Almaty ");
        let (off, len, text) = span_of(&f, "Kazakhstan");
        assert_eq!(text, "Kazakh</b>stan");
        assert_eq!(
            f.original.chars().skip(off).take(len).collect::<String>(),
            text
        );
        let (_, _, text) = span_of(&f, "& Almaty");
        assert_eq!(text, "&amp; Almaty");
        assert!(!f.clean.contains("Russia"));
        // An entity or an ampersand before letters of more than one byte.
        let f = clean("<p>&amp;Москва &Москва &#1052;Қазақстан</p>", true);
        assert_eq!(f.clean, " &Москва &Москва МҚазақстан ");
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let f = clean("Ёлка — Türkiye and Kazakhstan", false);
        let (off, len, text) = span_of(&f, "Kazakhstan");
        assert_eq!((off, len, text), (19, 10, "Kazakhstan"));
        let (off, _, text) = span_of(&f, "Türkiye");
        assert_eq!((off, text), (7, "Türkiye"));
        assert_eq!(normalize("Côte d’Ivoire"), "Côte d Ivoire");
        assert_eq!(normalize("G-7"), "G 7");
    }

    #[test]
    fn folding_normalises_cases_and_scripts_and_maps_back() {
        assert_eq!(fold("МОСКВЁ"), "москве");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("ＵＳＡ"), "usa");
        assert_eq!(fold("中华人民共和国"), "中 华 人 民 共 和 国");
        assert_eq!(fold("أستانا"), "استانا");
        let mut f = Folded::default();
        let clean = " 习近平在北京会见. Лавров";
        f.fold_from(clean);
        assert_eq!(f.text, " 习 近 平 在 北 京 会 见 . лавров");
        let at = f.text.find("北").unwrap();
        assert_eq!(
            &clean[f.to_clean(at)..f.to_clean(at + "北 京".len())],
            "北京"
        );
        let at = f.text.find("лавров").unwrap();
        assert_eq!(&clean[f.to_clean(at)..f.to_clean(f.text.len())], "Лавров");
    }

    #[test]
    fn plain_letters_lowercase_as_the_case_tables_do() {
        for c in ('\u{0400}'..='\u{06ff}')
            .chain('\u{4e00}'..='\u{9fff}')
            .chain('A'..='z')
        {
            if let Some(lower) = plain_letter_lowercase(c) {
                assert!(c.is_alphanumeric(), "{c}");
                assert_eq!(c.to_lowercase().collect::<Vec<_>>(), [lower], "{c}");
            }
        }
        assert_eq!(plain_letter_lowercase('Ж'), Some('ж'));
        assert_eq!(plain_letter_lowercase('ب'), Some('ب'));
        assert_eq!(plain_letter_lowercase('Ё'), None);
    }

    #[test]
    fn oman_marked_with_its_damma_folds_apart_from_amman() {
        assert_eq!(fold("سلطنة عُمان"), "سلطنة عومان");
        assert_eq!(fold("بعُمان،"), "بعومان");
        assert_eq!(fold("عمّان"), "عمان");
        assert_eq!(fold("عمان"), "عمان");
        // Not inside a longer word: the adjective folds as usual.
        assert_eq!(fold("العُمانية"), "العمانية");
        let mut f = Folded::default();
        let clean = "شمال عُمان اليوم";
        f.fold_from(clean);
        let at = f.text.find("عومان").unwrap();
        assert_eq!(
            &clean[f.to_clean(at)..f.to_clean(at + "عومان".len())],
            "عُمان"
        );
    }
}

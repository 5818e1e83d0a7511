"""The copy as the public page shows it: the stored copy minus whatever names a hidden item.

Derived on every write that changes the copy, the layout or the data (writes.update), and
stored on the profile as `pageCopy`, so the public page stays one GetItem and does no work:

    {"bio": str | None, "albumLines": {albumId: line}, "bioHeld": bool,
     "named": [hidden ids the copy names], "hiddenNames": {hidden id: [names]}}

A sentence of a written bio that names a hidden artist or album is left out; an album line that
names one is left out whole. A bio the owner wrote is not cut up: it is held back (no bio on the
page) until the owner edits it. Names of hidden items are remembered in `hiddenNames`, so a
sentence stays out even after the item has dropped out of the listening data.
"""
import re
import unicodedata

from anchor.sources.base import RANGES

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)]*\s+")


def fold(text):
    """Case- and accent-insensitive form ("Björk" == "bjork")."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def _pattern(name):
    """Where `name` stands as a name of its own in text (not inside a longer word)."""
    name = " ".join(name.split())
    if len(name) < 3:      # "X", "U2" folded would match inside ordinary words: match as written
        return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return re.compile(rf"(?<!\w){re.escape(fold(name))}(?!\w)")


def mentions(text, names):
    """True when any of `names` appears in `text` as a name of its own."""
    if not text:
        return False
    folded = fold(text)
    for name in names:
        short = len(" ".join(name.split())) < 3
        if _pattern(name).search(text if short else folded):
            return True
    return False


def _sentences(text):
    """The sentences of `text`, stripped."""
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        parts.append(text[start:match.start()].strip())
        start = match.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def without(text, names):
    """`text` minus every sentence in which one of `names` appears (None when nothing is left).

    A name with a full stop in it ("St. Vincent") may straddle two sentences: both go."""
    if not mentions(text, names):
        return text
    sentences = _sentences(text)
    drop = {i for i, sentence in enumerate(sentences) if mentions(sentence, names)}
    for i in range(len(sentences) - 1):
        if not {i, i + 1} & drop and mentions(f"{sentences[i]} {sentences[i + 1]}", names):
            drop |= {i, i + 1}
    return " ".join(s for i, s in enumerate(sentences) if i not in drop) or None


def hidden_names(listening, layout, previous=None):
    """{hidden id: [names]} from every range of the data, plus names remembered before."""
    hidden = list((layout or {}).get("hidden") or [])
    remembered = dict((previous or {}).get("hiddenNames") or {})
    found = {item_id: list(remembered.get(item_id, [])) for item_id in hidden}
    ranges = (listening or {}).get("ranges") or {}
    for name in RANGES:
        part = ranges.get(name) or {}
        for item in (part.get("artists") or []) + (part.get("albums") or []):
            names = found.get(item.get("id"))
            if names is not None and item.get("name") and item["name"] not in names:
                names.append(item["name"])
    return {k: v for k, v in found.items() if v}


def page_copy(*, bio, album_lines, locked, listening, layout, previous=None):
    """What the public page shows of the copy (see the module docstring)."""
    names_by_id = hidden_names(listening, layout, previous)
    all_names = [n for names in names_by_id.values() for n in names]
    named = sorted(i for i, names in names_by_id.items()
                   if mentions(bio or "", names)
                   or any(mentions(line or "", names) for line in (album_lines or {}).values()))
    owner_bio = bool((locked or {}).get("bio"))
    held = bool(bio) and owner_bio and bool(mentions(bio, all_names))
    shown_bio = None if held else (bio if owner_bio else without(bio, all_names)) if bio else None
    lines = {k: v for k, v in (album_lines or {}).items() if v and not mentions(v, all_names)}
    return {"bio": shown_bio, "albumLines": lines, "bioHeld": held, "named": named,
            "hiddenNames": names_by_id}

"""The one cleaning path for every name that reaches a page, a card or a log.

Names come from Spotify, ListenBrainz, Last.fm, uploaded files and the owner. Each is normalised
(NFC), stripped of control, format (bidi overrides, zero-width) and unassigned characters,
whitespace-collapsed and capped, so a newline or a right-to-left override in a source's answer can
never break a share card, flip a page title or forge a log line.
"""
import unicodedata

NAME_LIMIT = 200
_DROP = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def clean_name(value, limit=NAME_LIMIT):
    """A name as the product shows it ("" for anything that is not text)."""
    if not isinstance(value, str):
        return ""
    text = unicodedata.normalize("NFC", value[: limit * 4])
    text = "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in _DROP)
    return " ".join(text.split())[:limit].rstrip()


def clean_listening(data):
    """Normalised listening data with every artist and album name cleaned, in the ranges and the years
    (nameless items dropped); the other keys (`timezone`, ...) pass through."""
    if not isinstance(data, dict):
        return data
    ranges = {}
    for name, part in (data.get("ranges") or {}).items():
        part = part if isinstance(part, dict) else {}
        ranges[name] = {kind: _clean_items(part.get(kind)) for kind in ("artists", "albums")}
    cleaned = {**data, "ranges": ranges}
    if "years" in data:
        cleaned["years"] = clean_years(data["years"])
    return cleaned


def clean_years(years):
    """The calendar years' entries with their top lists cleaned like the ranges' (other numbers kept)."""
    if not isinstance(years, dict):
        return {}
    return {year: {**entry, **{kind: _clean_items(entry.get(kind)) for kind in ("artists", "albums")}}
            for year, entry in years.items() if isinstance(entry, dict)}


def _clean_items(items):
    cleaned = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name = clean_name(item.get("name"))
        if not name:
            continue
        entry = dict(item, name=name)
        if "artists" in item:
            entry["artists"] = [a for a in (clean_name(x) for x in item.get("artists") or []) if a]
        cleaned.append(entry)
    return cleaned

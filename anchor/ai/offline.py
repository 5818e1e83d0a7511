"""Deterministic copy written from the data alone (provider "offline", the local default).

The bio is at most two sentences, each a fact a visitor cannot read off the lists at a glance:
the top artist's share of the plays (or minutes) among the listed artists, what is new or
climbed since the last refresh, the span of the albums' release years, the year the top artist
was first played, and (for an artist who picked their MusicBrainz entry) their own release
beside the artist they play most. When the data holds none of these the bio is empty and the
page shows none.
An album gets a line only for a fact its row does not show (new or climbed since the last
refresh, the top album's share of the album plays), else none; nothing is said about what a
page does not show. Spotify gives no counts, so its pages get no share sentence.

Besides the page's data (handle, displayName, artists, albums) the writer reads two optional
keys the caller adds: `range` (the range's name) and `changes` ({"new": [...], "up": [...]},
changelog entries still true of the data). Wording is picked by a hash of the data, so one
listener always gets the same text for the same data. A name is quoted only if it passes the
same checks as the copy (no markup, URLs, control characters, emoji runs) and is short.
"""
import hashlib

from anchor.rules import BIO_MAX, LINE_MAX, LINE_MIN

from .copy import Copy, CopyFailed
from .prompt import compact_json, data_for_prompt
from .validate import data_names, safety_problems, sentence_words, style_problems, text_problems, validate_copy

TENTHS = {1: "one", 2: "two", 3: "three", 4: "four", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
           10: "ten", 11: "eleven", 12: "twelve"}
PERIODS = {"month": "over about a month", "half_year": "over about six months", "year": "over about a year"}
SINCE = "since the last refresh"


def year_of(value) -> int | None:
    """The year a date-like value starts with ("1999-05" → 1999), or None if it has no plausible one."""
    try:
        year = int(str(value)[:4])
    except (TypeError, ValueError):
        return None
    return year if 1000 <= year <= 2999 else None


def ordinal(n: int) -> str:
    """1 → "1st", 2 → "2nd", 11 → "11th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def share_words(part: int, total: int) -> str:
    """How much of `total` `part` is, in tenths: "three of every ten", "half", "nearly all"."""
    tenths = int(part * 10 / total + 0.5)
    if tenths >= 10:
        return "nearly all"
    if tenths == 5:
        return "half"
    return f"{TENTHS[max(tenths, 1)]} of every ten"


def measure(items: list[dict]) -> str | None:
    """The count every item carries ("minutes" for an upload, else "plays"), or None."""
    for key in ("minutes", "plays"):
        if items and all(isinstance(i.get(key), int) and i[key] > 0 for i in items):
            return key
    return None


class _Facts:
    """The data the sentences draw on, with names already judged quotable or not."""

    def __init__(self, profile_data: dict):
        self.data = profile_data
        self.names = data_names(profile_data)
        self.seed = int(hashlib.sha256(compact_json(data_for_prompt(profile_data)).encode()).hexdigest(), 16)
        self.artists = [a for a in profile_data.get("artists") or [] if isinstance(a, dict)]
        self.albums = [a for a in profile_data.get("albums") or [] if isinstance(a, dict)]
        self.period = PERIODS.get(profile_data.get("range"), "")
        changes = profile_data.get("changes") or {}
        self.new = [c for c in changes.get("new") or [] if isinstance(c, dict)]
        self.up = [c for c in changes.get("up") or [] if isinstance(c, dict)]
        own = [r for r in profile_data.get("ownReleases") or [] if isinstance(r, dict)]
        self.own_release = self.quote(own[0].get("title"), 50) if own else None

    def quote(self, name, limit: int = 40) -> str | None:
        """The name itself if it is safe and short enough to repeat, else None."""
        if not isinstance(name, str) or not name.strip() or len(name) > limit:
            return None
        if safety_problems(name, "name") or style_problems(name, "name", self.names):
            return None
        return " ".join(name.split())

    def title(self, change: dict) -> str | None:
        """A changed item's name as the bio writes it (album titles in quotation marks)."""
        name = self.quote(change.get("name"))
        return None if name is None else f"“{name}”" if change.get("kind") == "album" else name

    def pick(self, key: int, options: list):
        return options[(self.seed >> (key * 5)) % len(options)]


def _share(f: _Facts) -> str | None:
    """The top artist's share of the plays (or minutes) of the artists on the page."""
    unit = measure(f.artists)
    if unit is None or len(f.artists) < 2:
        return None
    top = max(f.artists, key=lambda a: a[unit])
    name = f.quote(top.get("name"))
    if name is None:
        return None
    share = share_words(top[unit], sum(a[unit] for a in f.artists))
    among = f"among these {NUMBERS.get(len(f.artists), len(f.artists))} artists"
    what = f"{share} {unit}" if share.endswith("ten") else f"{share} the {unit}"
    sentence = f.pick(0, [f"{what.capitalize()} {among} {f.period} went to {name}.",
                          f"{name} took {what} {among} {f.period}."])
    return " ".join(sentence.split())


def _change(f: _Facts) -> str | None:
    """What is new in the top, or climbed furthest, since the last refresh."""
    new = [n for n in (f.title(c) for c in f.new) if n]
    if new:
        more = len(new) - 2
        if more > 0:
            listed = f"{new[0]}, {new[1]} and {more} more"
        else:
            listed = " and ".join(new)
        verb = "is" if len(new) == 1 else "are"
        return f.pick(1, [f"{listed} {verb} new in the top {SINCE}.", f"New in the top {SINCE}: {listed}."])
    climbs = sorted(((c["was"] - c["to"], i, c) for i, c in enumerate(f.up)
                     if isinstance(c.get("was"), int) and isinstance(c.get("to"), int)), key=lambda t: (-t[0], t[1]))
    for _, _, change in climbs:
        name = f.title(change)
        if name:
            return f"{name} climbed from {ordinal(change['was'])} to {ordinal(change['to'])} place {SINCE}."
    return None


def _span(f: _Facts) -> str | None:
    """The span of the albums' release years."""
    years = sorted(y for y in (year_of(a.get("year")) for a in f.albums) if y is not None)
    if len(years) < 2 or years[0] == years[-1]:
        return None
    first, last = years[0], years[-1]
    return f.pick(2, [f"The albums on the list were released from {first} to {last}.",
                      f"Release years on the album list run from {first} to {last}, {last - first} years apart.",
                      f"The oldest album on the list came out in {first} and the newest in {last}."])


def _first_played(f: _Facts) -> str | None:
    """The year the top artist was first played (an uploaded history knows it)."""
    unit = measure(f.artists)
    if unit is None:
        return None
    top = max(f.artists, key=lambda a: a[unit])
    name, year = f.quote(top.get("name")), year_of(top.get("firstPlayed"))
    return f"The first play of {name} in this history goes back to {year}." if name and year else None


def _own(f: _Facts) -> str | None:
    """The pairing no peer can write: the owner's own release beside the artist they play most."""
    top = f.quote(f.artists[0].get("name")) if f.artists else None
    if not (f.own_release and top):
        return None
    return f"The artist who made “{f.own_release}” listens to {top} most of all."


def _bio(f: _Facts) -> str:
    """At most two fact sentences, each passing the checks on its own; empty when none applies."""
    bio, count = "", 0
    for build in (_own, _share, _change, _span, _first_played):
        sentence = build(f)
        if count == 2 or not sentence:
            continue
        candidate = f"{bio} {sentence}".strip()
        if len(candidate) <= BIO_MAX and not text_problems(candidate, "bio", f.names, max_len=BIO_MAX):
            bio, count = candidate, count + 1
    return bio


def _album_lines(f: _Facts) -> dict[str, str]:
    """{albumId: line} for the albums with a fact their row does not show."""
    lines = {}
    for change in f.new:
        if change.get("kind") == "album" and isinstance(change.get("to"), int):
            lines.setdefault(change["id"], f"New in the top {SINCE}, straight in at {ordinal(change['to'])} place.")
    for change in f.up:
        if change.get("kind") == "album" and isinstance(change.get("was"), int) and isinstance(change.get("to"), int):
            lines.setdefault(change["id"], f"Up from {ordinal(change['was'])} to {ordinal(change['to'])} place {SINCE}.")
    unit = measure(f.albums)
    if unit and len(f.albums) >= 2:
        top = max(f.albums, key=lambda a: a[unit])
        share = share_words(top[unit], sum(a[unit] for a in f.albums))
        if share != "one of every ten":     # an even spread is no fact worth a line
            what = f"{share} {unit}" if share.endswith("ten") else f"{share} the {unit}"
            lines.setdefault(top.get("id"), f"{what.capitalize()} of the albums on this list {f.period} went to this one.")
    shown = {a.get("id") for a in f.albums}
    out, used = {}, set()
    for album_id, line in lines.items():
        line = " ".join(line.split())
        if album_id not in shown or sentence_words(line) in used:
            continue
        if not text_problems(line, "line", f.names, min_len=LINE_MIN, max_len=LINE_MAX):
            out[album_id] = line
            used.add(sentence_words(line))
    return out


def write_offline(profile_data: dict) -> tuple[str, dict[str, str]]:
    """Return (bio, {albumId: line}) built deterministically from the data; either may be empty."""
    facts = _Facts(profile_data)
    return _bio(facts), _album_lines(facts)


def offline_copy(profile_data: dict) -> Copy:
    """Offline Copy that passed validation (deterministic, so there is nothing to retry)."""
    bio, lines = write_offline(profile_data)
    reasons = validate_copy(profile_data, bio, lines, sparse=True)
    if reasons:
        raise CopyFailed(reasons, attempts=1)
    return Copy(bio=bio, album_lines=lines, provider="offline", model_id=None)

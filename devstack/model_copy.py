"""What the Bedrock stand-in answers as "good" copy: a full bio (200–600 characters) and one line
for every album, as a model writes them, built deterministically from the data it was sent.

This was the product's offline writer before that writer learned to say only facts a visitor
cannot see (anchor/ai/offline.py, issue 29). The stand-in keeps it, so the copy a model sends
(long bio, a line for each album) still reaches the real Bedrock adapter and its checks.
"""
import hashlib
from collections import Counter

from anchor.ai.offline import year_of
from anchor.ai.prompt import compact_json, data_for_prompt
from anchor.ai.validate import data_names, safety_problems, sentence_words, style_problems, text_problems
from anchor.rules import BIO_MAX, BIO_MIN, LINE_MAX, LINE_MIN


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Facts:
    """The facts the sentences draw on, with names already judged quotable or not."""

    def __init__(self, profile_data: dict):
        data = data_for_prompt(profile_data)
        self.names = data_names(profile_data)
        self.seed = int(hashlib.sha256(compact_json(data).encode()).hexdigest(), 16)
        self.artists = [a for a in data["artists"] if isinstance(a, dict)]
        self.albums = [a for a in data["albums"] if isinstance(a, dict)]
        self.person = (self.quote(data.get("displayName"), 40)
                       or self.quote(data.get("handle"), 40))
        self.top_artists = [n for n in (self.quote(a.get("name"), 40) for a in self.artists) if n]
        self.dated = sorted((y, i) for i, a in enumerate(self.albums)
                            if (y := year_of(a.get("year"))) is not None)
        counts = Counter(name for a in self.albums for name in set(self._album_artists(a)))
        self.repeats = [(n, k) for n, k in counts.most_common() if k >= 2 and self.quote(n, 40)]

    def quote(self, name, limit: int) -> str | None:
        """The name itself if it is safe and short enough to repeat, else None."""
        if not isinstance(name, str) or not name.strip() or len(name) > limit:
            return None
        if safety_problems(name, "name") or style_problems(name, "name", self.names):
            return None
        return " ".join(name.split())

    def pick(self, key: int, options: list):
        return options[(self.seed >> (key * 5)) % len(options)]

    @staticmethod
    def _album_artists(album: dict) -> list[str]:
        return [n for n in album.get("artists") or [] if isinstance(n, str) and n.strip()]

    def album_name(self, album: dict, limit: int = 60) -> str | None:
        name = self.quote(album.get("name"), limit)
        return f"“{name}”" if name else None

    def by_line(self, album: dict) -> str | None:
        names = [self.quote(n, 40) for n in self._album_artists(album)]
        if not names or not all(names[:2]):
            return None
        return names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" + (
            " and others" if len(names) > 2 else "")


def _bio_sentences(f: _Facts) -> list[str]:
    n_art, n_alb = len(f.artists), len(f.albums)
    person = f.person or "this listener"
    out = []
    if n_art or n_alb:
        counts = f"{_plural(n_art, 'artist')} and {_plural(n_alb, 'album')}"
        out.append(f.pick(0, [
            f"{f.person or 'This listener'} has {counts} on this page.",
            f"This page holds {counts} from the listening of {person}.",
            f"The listening of {person} comes down to {counts} here.",
            f"Here are {counts} that {person} keeps coming back to.",
            f"Right now the listening of {person} adds up to {counts}.",
            f"On this page, {counts} sum up what {person} plays most.",
        ]))
    else:
        out.append(f"This is the music page of {person}.")
    if f.top_artists:
        top = f.top_artists[0]
        follow = f.top_artists[1:3]
        tail = f", followed by {' and '.join(follow)}" if follow else ""
        out.append(f.pick(1, [
            f"{top} leads the artist list{tail}.",
            f"At the top of the artist list sits {top}{tail}.",
            f"The artist list opens with {top}{tail}.",
            f"First among the artists is {top}{tail}.",
            f"Most played of all the artists is {top}{tail}.",
            f"The artist heard most is {top}{tail}.",
        ]))
    if f.repeats:
        name, k = f.repeats[0]
        out.append(f.pick(2, [
            f"{name} appears on {k} of the albums, more than any other artist.",
            f"Of all the artists, {name} returns most often, on {k} albums.",
            f"No artist has more albums here than {name}, with {k}.",
            f"The albums come back to {name} {k} times, more than to anyone else.",
        ]))
        if len(f.repeats) > 1:
            other, k2 = f.repeats[1]
            out.append(f.pick(3, [f"{other} also shows up more than once, on {k2} albums.",
                                  f"{other} is on {k2} albums as well.",
                                  f"There are {k2} albums by {other} too."]))
    elif n_alb >= 3:
        out.append(f.pick(3, ["No artist has more than one album here, so the albums spread widely.",
                              "Every album here is by a different artist.",
                              "Each album comes from a different artist, none of them twice."]))
    if f.dated:
        first, last = f.dated[0][0], f.dated[-1][0]
        decades = sorted({y // 10 * 10 for y, _ in f.dated})
        if first == last:
            out.append(f"Every dated album here comes from {first}." if len(f.dated) > 1
                       else f"The one dated album here comes from {first}.")
        else:
            span = (f", from the {decades[0]}s to the {decades[-1]}s" if len(decades) > 1
                    else f", all within the {decades[0]}s")
            out.append(f.pick(4, [f"The albums run from {first} to {last}{span}.",
                                  f"Release years stretch from {first} to {last}{span}.",
                                  f"The records span {first} to {last}{span}.",
                                  f"Between the oldest and newest record lie the years {first} to {last}{span}."]))
            old, new = f.albums[f.dated[0][1]], f.albums[f.dated[-1][1]]
            old_name, new_name = f.album_name(old, 50), f.album_name(new, 50)
            if old_name and new_name:
                out.append(f.pick(5, [f"The oldest record is {old_name} and the newest is {new_name}.",
                                      f"{old_name} is the oldest record here; {new_name} is the newest.",
                                      f"Oldest of all is {old_name}, newest is {new_name}."]))
    tracks = [(a.get("trackCount"), i) for i, a in enumerate(f.albums)
              if isinstance(a.get("trackCount"), int) and a.get("trackCount") > 1]
    if tracks:
        count, index = max(tracks, key=lambda t: (t[0], -t[1]))
        name = f.album_name(f.albums[index], 50)
        out.append(f.pick(6, [f"The album with the most top tracks is {name}, with {count} of them.",
                              f"{name} holds the most top tracks, {count} in all.",
                              f"No album has more top tracks than {name}, which has {count}."]) if name
                   else f"One album holds {count} of the top tracks, more than any other.")
    # The middle facts come in an order of their own for each listener.
    head, rest = out[:2], out[2:]
    if len(rest) > 1 and f.pick(7, [True, False]):
        rest = rest[1:] + rest[:1]
    return [s[:-1] if s.endswith("..") else s for s in head + rest]


def _padding(f: _Facts) -> list[str]:
    out = []
    if f.artists:
        out.append(f.pick(8, [f"Artists are listed in rank order, from 1 to {len(f.artists)}.",
                              f"The {_plural(len(f.artists), 'artist')} appear in rank order.",
                              f"Rank order decides the artist list, 1 to {len(f.artists)}."]))
    if f.albums:
        out.append(f.pick(9, ["Each album comes with its release year and how many of its tracks "
                              "are among the top tracks.",
                              "Every album shows its year and how many of its tracks made the top list.",
                              "Next to each album are its year and its count of top tracks."]))
    if not f.artists and not f.albums:
        out.append("No artists or albums are showing on this page yet.")
    general = ["The lists follow the listening and change as it changes.",
               "This text is written from the data alone, so it only states what the lists show.",
               "Until there is more to go on, it stays short and factual.",
               "When the listening moves, the lists move with it.",
               "Nothing here is guessed; every line comes from the lists below.",
               "The words stay plain and stick to what the lists say."]
    turn = f.pick(10, list(range(len(general))))
    return out + general[turn:] + general[:turn]


def _bio(f: _Facts) -> str:
    bio = ""
    for sentence in _bio_sentences(f):
        if len(bio) + len(sentence) + 1 <= BIO_MAX:
            bio = f"{bio} {sentence}".strip()
    for sentence in _padding(f):
        if len(bio) >= BIO_MIN:
            break
        if len(bio) + len(sentence) + 1 <= BIO_MAX:
            bio = f"{bio} {sentence}".strip()
    return bio


def _album_line(f: _Facts, album: dict, key: int) -> str:
    name, by, year = f.album_name(album), f.by_line(album), year_of(album.get("year"))
    count, rank = album.get("trackCount"), album.get("bestRank")
    tracks = (f"{_plural(count, 'track')} on the list" if isinstance(count, int) and count > 0
              else None)
    ranked = f"its best track ranks number {rank}" if isinstance(rank, int) and rank > 0 else None
    named, generic = [], []
    if name and by and year:
        named.append(f"{name} by {by}, from {year}" + (f", with {tracks}." if tracks else "."))
    if name and year:
        named.append(f"{name}, released in {year}" + (f"; {ranked}." if ranked else "."))
    if name and by:
        named.append(f"{name} by {by}" + (f", with {tracks}." if tracks else "."))
    if name:
        named.append(f"{name}" + (f", with {tracks}." if tracks else " is on the list."))
    if by and year:
        generic.append(f"A {year} album by {by}" + (f"; {ranked}." if ranked else "."))
    if by:
        generic.append(f"This record by {by}" + (f" has {tracks}." if tracks else " is on the list."))
    if year:
        generic.append(f"This record dates from {year}" + (f" and has {tracks}." if tracks else "."))
    generic.append("One of the albums on the list.")
    for options in (named, generic):
        fitting = [line for line in options if len(line) <= LINE_MAX
                   and not text_problems(line, "line", f.names, min_len=LINE_MIN,
                                         max_len=LINE_MAX)]
        if fitting:
            return fitting[(f.seed >> (key % 200)) % len(fitting)]
    return "One of the albums on the list."


def write_full(profile_data: dict) -> tuple[str, dict[str, str]]:
    """Return (bio, {albumId: line}): a full bio and a line for every album, from the data."""
    facts = _Facts(profile_data)
    lines, used = {}, set()
    for i, album in enumerate(facts.albums):
        if "id" not in album:
            continue
        line = _album_line(facts, album, i)
        if sentence_words(line) in used:  # same facts for two albums: say where each sits
            line = f"Album {i + 1} of {len(facts.albums)} on the list."
        used.add(sentence_words(line))
        lines[album["id"]] = line
    return _bio(facts), lines

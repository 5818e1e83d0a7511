"""Items of the normalised data (artists, albums) made from packed tallies: plays << PLAY_SHIFT | ms."""
from __future__ import annotations

import hashlib
import heapq
from datetime import date

from .upload_years import TOP_YEAR

PLAY_SHIFT = 40                       # a tally is plays << 40 | ms
MS_MASK = (1 << PLAY_SHIFT) - 1


def stable_id(*parts: str) -> str:
    """The id of an artist or album of an upload: the same name gives the same id in every import."""
    return "upload:" + hashlib.sha1("\x00".join(parts).encode()).hexdigest()[:16]


def item(kind: str, name: str, value: int, day: int, artist: str | None = None) -> dict:
    """One unranked item (with its exact "_ms" for ranking) from a tally and its first play's day."""
    plays, ms = value >> PLAY_SHIFT, value & MS_MASK
    entry = {"id": stable_id(kind, artist, name) if artist is not None else stable_id(kind, name),
             "name": name, "url": None, "image": None, "rank": 0, "plays": plays, "minutes": ms // 60_000,
             "firstPlayed": date.fromordinal(day).isoformat(), "_ms": ms}
    if artist is not None:
        entry["artists"] = [artist]
        entry["year"] = None
    return entry


def ranked(items: list[dict], limit: int) -> list[dict]:
    """Most listened first (exact milliseconds, then plays, then name, then id): deterministic."""
    items.sort(key=lambda it: (-it["_ms"], -it["plays"], it["name"], it.get("artists", [""])[0]))
    top = items[:limit]
    for rank, entry in enumerate(top, 1):
        entry["rank"] = rank
        del entry["_ms"]
    return top


def year_entry(entry: dict, artist_names: list, album_keys: list, artist_first: dict, album_first: dict,
               albums_available: bool) -> dict:
    """One calendar year of the result: its TOP_YEAR artists and albums as items like the ranges' ones."""
    artists = [item("artist", artist_names[i], value, artist_first[i])
               for i, value in _top(entry.pop("artists"), lambda i: (artist_names[i], ""))]
    albums = [item("album", album_keys[i][1], value, album_first[i], artist_names[album_keys[i][0]])
              for i, value in _top(entry.pop("albums"), lambda i: (album_keys[i][1], artist_names[album_keys[i][0]]))]
    return {"plays": entry["plays"], "minutes": entry["minutes"], "days": entry["days"], "first": entry["first"],
            "last": entry["last"], "artists": ranked(artists, TOP_YEAR),
            "albums": ranked(albums, TOP_YEAR) if albums_available else [], "months": entry["months"],
            "clock": entry["clock"]}


def _top(tallies: dict[int, int], names) -> list[tuple[int, int]]:
    """The TOP_YEAR (index, tally) pairs in `ranked`'s order, without making an item of every name."""
    return heapq.nsmallest(TOP_YEAR, tallies.items(),
                           key=lambda kv: (-(kv[1] & MS_MASK), -(kv[1] >> PLAY_SHIFT), *names(kv[0])))

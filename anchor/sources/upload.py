"""Import a Spotify data download ("Download your data") into normalised listening data.

    from anchor.sources.upload import import_export, UploadRefused
    try:
        data = import_export("/tmp/upload-1234", progress=report)   # report(rows, bytes_read, bytes_total)
    except UploadRefused as refused:
        show(refused.message)           # user-facing; refused.code names the reason for logs/metrics

The upload may be the ZIP Spotify sends (my_spotify_data.zip) or one bare JSON file of either
history format, told apart by the first bytes, never by the file name:

- extended streaming history (`Streaming_History_Audio_*.json`, older `endsong_*.json`): top
  artists and top albums;
- account data (`StreamingHistory_music_*.json`, older `StreamingHistory*.json`): top artists
  only, no albums (`summary.albums_available` is False and every `albums` list is empty).

The answer is base.py's normalised data with two additions: each item carries `minutes` (whole
minutes played) and `firstPlayed` (ISO date of its first counted play in the whole history), and
`ranges` holds a fourth range, `"year"` (the last 365 days), besides base.RANGES, and `lastPlayed` is the ISO
date of the newest counted play. Ranges are
relative to the day of the last counted play, not to today (see upload_aggregate). `summary`
says what was counted:

    {"plays", "skipped_short", "podcasts", "unattributed", "rows", "from", "to", "top_artist",
     "format": "extended" | "account", "albums_available", "files"}

Two more keys hold the whole history per calendar year, in the listener's zone (upload_years says
how the zone is chosen, and which plays are left out):

    "years": {"2019": {"plays", "minutes", "days", "first", "last",   # minutes = sum(months)
                       "artists": [item...], "albums": [item...],   # top 50 of that year, ranges' ids
                       "months": [12 minutes, Jan..Dec], "clock": [[24 plays] x 7, Monday first]}}
    "timezone": {"zone": "Europe/Berlin" | "UTC", "from": "country" | "none"}

A year's items are shaped like the ranges' ones: plays and minutes of that year, firstPlayed of the
whole history (UTC day, as in the ranges). A year with no counted play has no entry.

Nothing of the upload reaches the result but artist and album names (cleaned) and counts.
Limits (each refusal is an UploadRefused, and nothing is returned): see upload_archive.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from .upload_aggregate import MAX_DISTINCT_NAMES, RANGE_DAYS, SHORT_PLAY_MS, TOP_ALBUMS, TOP_ARTISTS, Tally
from .upload_archive import (BACKEND_NAME, MAX_MEMBERS, MAX_RATIO, MAX_TOTAL_BYTES, RATIO_FLOOR, Budget,
                             UploadRefused, iter_items, open_export, short)
from .upload_records import MAX_NAME, kind_of, shape_error

__all__ = ["import_export", "UploadRefused", "BACKEND_NAME", "MAX_TOTAL_BYTES", "MAX_RATIO", "RATIO_FLOOR",
           "MAX_MEMBERS", "MAX_DISTINCT_NAMES", "MAX_NAME", "SHORT_PLAY_MS", "RANGE_DAYS", "TOP_ARTISTS",
           "TOP_ALBUMS", "PROGRESS_EVERY"]

PROGRESS_EVERY = 0.5   # seconds between progress calls (at most)


def import_export(path: str | Path, *, progress=None, clock=time.monotonic, now: datetime | None = None) -> dict:
    """Read the upload at `path` and return its normalised data; raise UploadRefused when it cannot be.

    `progress(rows_read, bytes_read, bytes_total)` is called once at the start, then at most every
    PROGRESS_EVERY seconds (the clock is looked at every 1024 rows), and once at the end with
    bytes_read == bytes_total. Bytes are uncompressed history bytes. An exception it raises
    (e.g. to cancel) propagates unchanged. `now` (UTC; default: the clock's) dates the import:
    plays after the day of now + 1 day are left out of the years.
    """
    with open_export(path) as export:
        budget = Budget(total=export.declared_bytes)
        last_call = clock()

        def tick(rows: int) -> None:
            nonlocal last_call
            now = clock()
            if now - last_call >= PROGRESS_EVERY:
                last_call = now
                progress(rows, min(budget.read, budget.total), budget.total)

        tally = Tally(tick if progress is not None else None, now=now)
        if progress is not None:
            progress(0, 0, budget.total)
        for hf in export.files:
            name = short(hf.name)
            items = iter_items(hf, budget)
            first = next(items, None)
            if first is None:  # "[]": a file with no plays
                tally.files += 1
                continue
            kind = kind_of(first)
            if kind is None or (hf.kind is not None and kind != hf.kind):
                raise shape_error(name, hf.kind or "extended")
            add = tally.add_extended if kind == "extended" else tally.add_account
            add(_chain(first, items), name)
        result = tally.result()
        if progress is not None:
            progress(tally.rows, budget.total, budget.total)
        return result


def _chain(first, rest):
    yield first
    yield from rest

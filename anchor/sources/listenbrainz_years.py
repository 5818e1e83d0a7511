"""ListenBrainz's calendar-year statistics as the normalised data's `years` (issue 31).

For the ranges `year` (last calendar year) and `this_year` it reads the top artists and release
groups, the daily activity (listens per weekday and hour) and, once, the listening activity of
`this_year`, whose monthly buckets cover last year *and* this year (ListenBrainz counts a range and
the one before it: `get_time_range_bounds` in listenbrainz_spark/stats/common/listening_activity.py).
ListenBrainz keeps no durations and computes every statistic in UTC, so a year counts listens
("unit": "listens") and the clock is in UTC. These statistics are extras: a range that is not
computed, malformed or refused leaves its year out, and never fails the fetch.
"""
from __future__ import annotations

import calendar
import logging
from datetime import datetime, timezone
from typing import Any

from anchor.logs import log_event

from .base import BudgetExhausted, RateLimited, SourceError, item_list

log = logging.getLogger(__name__)

YEAR_RANGES = ("year", "this_year")
TOP_COUNT = 50
FIRST_YEAR = 2002   # ListenBrainz's statistics begin in 2002 (LAST_FM_FOUNDING_YEAR)
# Two top lists and the daily activity a range, plus one listening activity for both years.
CALLS = 3 * len(YEAR_RANGES) + 1
TIMEZONE = {"zone": "UTC", "from": "source"}
_DAYS = [calendar.day_name[day] for day in range(7)]   # Monday first, as the clock's rows


def _count(value: Any) -> int | None:
    """A listen count, or None for anything that is not a non-negative integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _year_of(payload: dict | None, now: float) -> int | None:
    """The calendar year a range's payload covers (its `from_ts`, UTC), if plausible."""
    start = _count((payload or {}).get("from_ts"))
    if start is None or start > now:
        return None
    year = datetime.fromtimestamp(start, timezone.utc).year
    return year if FIRST_YEAR <= year <= datetime.fromtimestamp(now, timezone.utc).year else None


def months_of(payload: dict | None, year: int, now: float) -> list[int] | None:
    """Listens per month of `year` from listening-activity buckets; None when the statistic is missing.

    A bucket dated in the future or with a count that is not a non-negative integer is left out."""
    buckets = (payload or {}).get("listening_activity")
    if not isinstance(buckets, list):
        return None
    months = [0] * 12
    for bucket in buckets:
        start = _count(bucket.get("from_ts")) if isinstance(bucket, dict) else None
        count = _count(bucket.get("listen_count")) if start is not None else None
        if count is None or start > now:
            continue
        moment = datetime.fromtimestamp(start, timezone.utc)
        if moment.year == year:
            months[moment.month - 1] += count
    return months


def clock_of(payload: dict | None) -> list[list[int]] | None:
    """Listens per weekday (Monday first) and UTC hour from daily-activity; None when missing."""
    days = (payload or {}).get("daily_activity")
    if not isinstance(days, dict):
        return None
    clock = [[0] * 24 for _ in range(7)]
    for row, name in enumerate(_DAYS):
        for entry in days.get(name) if isinstance(days.get(name), list) else []:
            hour = _count(entry.get("hour")) if isinstance(entry, dict) else None
            count = _count(entry.get("listen_count")) if hour is not None and hour < 24 else None
            if count is not None:
                clock[row][hour] = count
    return clock


def _items(payload: dict | None, key: str) -> list[dict]:
    """A year's top list (none when the statistic is not computed)."""
    return [] if payload is None else item_list(payload.get(key), "ListenBrainz", "the year's top lists", key)


def year_entry(client: Any, top: tuple[dict | None, dict | None], daily: dict | None, activity: dict | None,
               year: int, now: float) -> dict | None:
    """One year of `data["years"]`, or None when that year has no listens."""
    artists = client._artists(_items(top[0], "artists"), TOP_COUNT)
    albums = client._albums(_items(top[1], "release_groups"), TOP_COUNT)
    months, clock = months_of(activity, year, now), clock_of(daily)
    plays = sum(months) if months else 0
    plays = plays or (sum(map(sum, clock)) if clock else 0)
    if not plays and not artists and not albums:
        return None
    return {"plays": plays, "minutes": None, "days": None, "first": None, "last": None, "unit": "listens",
            "artists": artists, "albums": albums, "months": months, "clock": clock}


def read_years(client: Any, user: str, now: float) -> dict:
    """{"years": {...}, "timezone": ...} for the normalised data; a failing range just leaves its year out."""
    years: dict[str, dict] = {}
    activity = None
    try:
        activity = client.payload(user, "listening-activity", "this_year", "your listening activity")
    except (RateLimited, BudgetExhausted) as exc:   # the source wants a pause: ask nothing more
        _skipped(user, "listening-activity", exc)
        return {"years": years, "timezone": dict(TIMEZONE)}
    except SourceError as exc:
        _skipped(user, "listening-activity", exc)
    for stats_range in YEAR_RANGES:
        try:
            top = (client.payload(user, "artists", stats_range, "your top artists of the year",
                                  count=TOP_COUNT, offset=0),
                   client.payload(user, "release-groups", stats_range, "your top albums of the year",
                                  count=TOP_COUNT, offset=0))
            daily = client.payload(user, "daily-activity", stats_range, "your daily activity")
            year = next((y for p in (*top, daily) if (y := _year_of(p, now)) is not None), None)
            entry = year_entry(client, top, daily, activity, year, now) if year else None
        except (RateLimited, BudgetExhausted) as exc:
            _skipped(user, stats_range, exc)
            break
        except SourceError as exc:
            _skipped(user, stats_range, exc)
            continue
        if entry is not None:
            years.setdefault(str(year), entry)
    return {"years": years, "timezone": dict(TIMEZONE)}


def _skipped(user: str, part: str, exc: SourceError) -> None:
    log_event(log, "listenbrainz year statistics skipped", level=logging.WARNING, user=user, part=part,
              error=exc.message)

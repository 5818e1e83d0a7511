"""ListenBrainz activity statistics (listening-activity, daily-activity) built from a deterministic listen history.

Shapes and bucket bounds follow listenbrainz-server: `listenbrainz/webserver/views/stats_api.py`
(payloads), `listenbrainz_spark/stats/common/listening_activity.py` (`get_time_range_bounds`: the
listening activity of a range counts the range *and the one before it*, months for year ranges) and
`listenbrainz_spark/stats/__init__.py` (`get_dates_for_stats_range`: the listens a range covers).
All times are UTC, as ListenBrainz assumes ("We assume that all listens are in UTC", stats_api.py).
"""
from __future__ import annotations

import calendar
import random
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from .demo_music import Listener

DAY = 86400
FUTURE_SECONDS = 40 * DAY   # how far ahead the future_bucket fault dates its extra bucket
HOSTILE_NAMES = ("\u202eevil\u202c name", "two\nlines", "zero\u200bwidth\u0007bell", "x" * 5000,
                 "<img src=x onerror=alert(1)>")


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _month_start(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=timezone.utc)


def entity_bounds(stats_range: str, now: float) -> tuple[int, int] | None:
    """(from_ts, to_ts) of the calendar ranges `year` and `this_year` (get_dates_for_stats_range); else None."""
    today = _utc(now)
    first_of_year = today.month == 1 and today.day == 1   # on 1 January this_year still means last year
    if stats_range == "year" or (stats_range == "this_year" and first_of_year):
        year = today.year - 1
    elif stats_range == "this_year":
        year = today.year
    else:
        return None
    return _ts(_month_start(year, 1)), _ts(_month_start(year + 1, 1))


@lru_cache(maxsize=256)
def _history(name: str, day: int) -> tuple[int, ...]:
    rng = random.Random(f"{name}|listens")
    end = (day + 1) * DAY
    start = _ts(_month_start(_utc(end).year - 2, 1))
    peak = rng.randrange(24)
    hours = [1 + 8 * max(0, 4 - min(abs(h - peak), 24 - abs(h - peak))) for h in range(24)]
    days = (end - start) // DAY
    stamps = []
    for _ in range(800 + rng.randrange(800)):
        moment = start + rng.randrange(days) * DAY + rng.choices(range(24), hours)[0] * 3600 + rng.randrange(3600)
        if moment < end:
            stamps.append(moment)
    return tuple(sorted(stamps))


def listens(listener: Listener, now: float) -> list[int]:
    """Every listen (UTC timestamp) of a listener up to `now`: a deterministic history from 1 January two
    years back; nobody without albums has any."""
    if not listener.albums:
        return []
    return [t for t in _history(listener.name, int(now) // DAY) if t <= now]


def _activity_buckets(stats_range: str, now: float) -> list[tuple[str, int, int]]:
    """(time_range, from_ts, to_ts) months of listening-activity for `year`/`this_year` (two years each)."""
    today = _utc(now)
    if stats_range == "year":
        first = (today.year - 2, 1)
        stop = _month_start(today.year, 1)
    else:   # this_year: since 1 January last year, up to today (on 1 January: the two years before)
        back = 2 if (today.month, today.day) == (1, 1) else 1
        first = (today.year - back, 1)
        stop = today.replace(hour=0, minute=0, second=0, microsecond=0)
    buckets, month = [], 0
    while (start := _month_start(first[0], first[1] + month)) < stop:
        end = _month_start(first[0], first[1] + month + 1) - timedelta(seconds=1)
        buckets.append((start.strftime("%B %Y"), _ts(start), _ts(end)))
        month += 1
    return buckets


def listening_activity(listener: Listener, typed_name: str, stats_range: str, now: float) -> dict:
    """The 200 answer of /listening-activity for `year` or `this_year` (monthly buckets)."""
    stamps = listens(listener, now)
    rows = [{"from_ts": start, "listen_count": sum(start <= t <= end for t in stamps), "time_range": label,
             "to_ts": end} for label, start, end in _activity_buckets(stats_range, now)]
    updated = int(now) // DAY * DAY
    return {"payload": {"user_id": typed_name, "listening_activity": rows,
                        "from_ts": rows[0]["from_ts"] if rows else updated, "to_ts": updated,
                        "range": stats_range, "last_updated": updated}}


def daily_activity(listener: Listener, typed_name: str, stats_range: str, now: float) -> dict:
    """The 200 answer of /daily-activity: every weekday name, each with 24 {"hour", "listen_count"}."""
    start, end = entity_bounds(stats_range, now) or (0, 0)
    counts = [[0] * 24 for _ in range(7)]
    for stamp in listens(listener, now):
        if start <= stamp < end:
            moment = _utc(stamp)
            counts[moment.weekday()][moment.hour] += 1
    updated = int(now) // DAY * DAY
    return {"payload": {"user_id": typed_name, "from_ts": start, "to_ts": end, "range": stats_range,
                        "last_updated": updated,
                        "daily_activity": {calendar.day_name[day]: [{"hour": hour, "listen_count": counts[day][hour]}
                                                                    for hour in range(24)] for day in range(7)}}}


ACTIVITY = {"listening-activity": listening_activity, "daily-activity": daily_activity}
ACTIVITY_RANGES = ("year", "this_year")   # what the stand-in computes; other ranges answer 204


def spoil(payload: dict, kind: str | None, now: float) -> dict:
    """Apply a data fault (None: none) to a 200 payload: negative or absent counts, a bucket dated in the
    future, hostile names in a top list."""
    body = payload["payload"]
    rows = body.get("listening_activity")
    if rows is None and "daily_activity" in body:
        rows = [entry for day in body["daily_activity"].values() for entry in day]
    for key in ("artists", "release_groups", "releases"):
        if kind == "hostile_names" and key in body:
            for item, name in zip(body[key], HOSTILE_NAMES):
                item["artist_name" if key == "artists" else f"{key[:-1]}_name"] = name
    if kind == "negative_counts" and rows:
        rows[0]["listen_count"] = -rows[0]["listen_count"] - 5
    if kind == "absent_counts" and rows:
        del rows[-1]["listen_count"]
    if kind == "future_bucket" and "listening_activity" in body:
        start = int(now) + FUTURE_SECONDS
        body["listening_activity"].append({"from_ts": start, "listen_count": 999, "to_ts": start + 30 * DAY,
                                           "time_range": _utc(start).strftime("%B %Y")})
    return payload

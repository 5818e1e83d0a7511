"""An upload's years: their aggregates stored beside the profile, and the owner's year choices.

Each year's aggregates go to an item of their own (`YEAR#<handle>#<yyyy>`, models/years.py),
never to the profile item that every write reads; the profile keeps a short summary per year
(`years`: totals and the top three artists, what the timeline and the feed need). A newer
upload replaces them: its years are put, and a year the new file no longer holds is emptied
(a put, so the web role needs no DeleteItem); `flask purge` deletes them with the profile.
A source's refresh only adds: the years it sends replace those years, and the others stay (a
finished year does not change, and a statistic that failed this time must not take a page down).
"""
import re

from anchor.models.years import YearModel, unit_of, year_key
from anchor.profiles import writes

YEAR_RE = re.compile(r"[0-9]{4}")
TOP_KEPT = 3          # the timeline shows the first of these the owner has not hidden


class YearsRefused(Exception):
    """The owner's year choice names no year of the page (message shown as is)."""


def _summary(data, zone):
    listens = unit_of(data) == "listens"
    found = {"plays": int(data.get("plays") or 0), "minutes": None if listens else int(data.get("minutes") or 0),
             "days": None if listens else int(data.get("days") or 0), "first": data.get("first"),
             "last": data.get("last"),
             "top": [{"id": a.get("id"), "name": a.get("name")} for a in (data.get("artists") or [])[:TOP_KEPT]],
             # each year keeps the clock it was counted on: a refresh's years can sit beside an upload's
             "zone": zone}
    if listens:
        found["unit"] = "listens"
    return found


def _kept(years):
    """The import's years that can have a page: four-digit years with data."""
    return {str(y): data for y, data in (years or {}).items() if YEAR_RE.fullmatch(str(y)) and data}


def summary(years, timezone, before=None, adding=False):
    """The profile's `years` attribute (pages/year_view.py) for an import's `years` and
    `timezone`: the owner's choices and the stored pages carry over from `before`. `adding` (a
    source's refresh) keeps `before`'s other years instead of emptying them."""
    kept = _kept(years)
    before = before or {}
    zone = {"zone": (timezone or {}).get("zone") or "UTC", "from": (timezone or {}).get("from") or "none"}
    listed = {year: _summary(data, zone) for year, data in kept.items()}
    earlier = before.get("list") or {}
    if adding:
        # an earlier summary without its own zone was counted on the profile's zone of then
        said = {"zone": before.get("zone") or "UTC", "from": before.get("from") or "none"}
        listed = {**{year: dict(entry, zone=entry.get("zone") or said) for year, entry in earlier.items()},
                  **listed}
    gone = (set(earlier) | set(before.get("gone") or [])) - set(listed)
    found = {**zone, "list": dict(sorted(listed.items())), "gone": sorted(gone)}
    found.update({name: before[name] for name in ("prefs", "pages", "cards", "copy") if before.get(name)})
    return found if listed or gone or found.get("pages") or found.get("cards") else None


def store(profile, years, timezone, adding=False):
    """Put an import's years beside `profile` and empty those the new file lacks (with `adding`, a
    source's refresh, the others stay); the profile changes to write with the import (its `years`)."""
    found = summary(years, timezone, profile.years, adding=adding)
    for year, data in sorted(_kept(years).items()):
        YearModel(year_key(profile.handle, year), handle=profile.handle, year=year, data=data).save()
    for year in (found or {}).get("gone") or []:
        YearModel(year_key(profile.handle, year), handle=profile.handle, year=year, data=None).save()
    return {"years": found}


def take(data):
    """Pop `years` and `timezone` from fetched data (they never go to `listening`): (years,
    timezone), or None when the source sent no years, so the stored ones stay as they are."""
    found, zone = data.pop("years", None), data.pop("timezone", None)
    return (found, zone) if _kept(found) else None


def set_prefs(profile, shown, clock, expect_version=None):
    """Hide every year not in `shown` and turn the listening clock on or off; re-renders the pages."""
    def decide(current):
        known = set(((current.years or {}).get("list") or {}))
        if not {str(y) for y in shown} <= known:
            raise YearsRefused("That year is not on your page.")
        chosen = {"hidden": sorted(known - {str(y) for y in shown}), "clock": bool(clock)}
        return {"years": dict(current.years or {}, prefs=chosen)}
    return writes.update(profile, decide, bump=True, expect_version=expect_version)


def purge_keys(profile):
    """Every year `profile` left items for: its aggregates and its visitor's pages."""
    stored = profile.years or {}
    return sorted(set(stored.get("list") or {}) | set(stored.get("gone") or [])
                  | set(((stored.get("pages") or {}).get("etags") or {})))

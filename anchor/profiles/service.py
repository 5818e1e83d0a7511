"""Profile reads and the product rules over profile data that sit between views and the models.

Every change to a profile item goes through the one write path in `profiles/writes.py`, which
raises the two outcomes defined here (`StaleEdit`, `ProfileGone`). This module only reads: the
stored page is rendered from these helpers (anchor/pages/), below every module that writes a
profile. Pure functions over data (`arrange`, `data_hash`) stay free of models.
"""
import hashlib
import json
from datetime import timedelta

from flask import current_app

from anchor.models import ProfileModel, profile_key
from anchor.rules import MAX_ALBUMS, MAX_ARTISTS, MAX_FEATURED
from anchor.sources.base import DEFAULT_RANGE, RANGES
from anchor.text import clean_name


class StaleEdit(Exception):
    """The profile changed since the form was loaded."""

    message = "This profile changed elsewhere since you loaded the page. Reload and try again."


class ProfileGone(Exception):
    """The profile was deleted (or purged) while we were about to change it."""

    message = "This profile is deleted; restore it first."


def refresh_interval():
    """How long a profile waits between scheduled refreshes (a week; shorter for local demos)."""
    return timedelta(seconds=current_app.config["REFRESH_INTERVAL_SECONDS"])


def get(handle, consistent=True):
    """The profile item for a handle, or None."""
    try:
        return ProfileModel.get(profile_key(handle), consistent_read=consistent)
    except ProfileModel.DoesNotExist:
        return None


def get_public(handle):
    """The profile if it is published and not deleted, else None (one GetItem)."""
    # Strongly consistent: an owner's edit through any process is on the next visitor's view.
    profile = get(handle, consistent=True)
    if profile is None or not profile.isPublic or profile.deletedAt is not None:
        return None
    return profile


# -- pure functions over data -------------------------------------------------------------------
def normal_layout(raw):
    """{"hidden": [ids], "featured": [{"id", "note"}], "pinned": [ids]} with defaults, from a
    stored layout (or None). A layout from before the Featured block features its first three
    pinned items; `pinned` mirrors the featured ids for a release that still reads only it."""
    raw = raw or {}
    hidden = list(raw.get("hidden", []))
    if "featured" in raw:
        featured = [{"id": f["id"], "note": f.get("note") or ""} for f in raw["featured"]
                    if isinstance(f, dict) and f.get("id")]
    else:
        featured = [{"id": i, "note": ""} for i in raw.get("pinned", []) if i not in hidden]
    featured = featured[:MAX_FEATURED]
    return {"hidden": hidden, "featured": featured, "pinned": [f["id"] for f in featured]}


def _measure(items):
    """The count a ranked list is ordered by: minutes when every item has them, else plays when
    every item has them, else None (the source's order is its only ranking, as on Spotify)."""
    for field in ("minutes", "plays"):
        if items and all(isinstance(i.get(field), int) and i.get(field) for i in items):
            return field
    return None


def ranked(items):
    """Items in the source's order by plays or minutes: a page never shows #1 with fewer than #3."""
    field = _measure(items)
    return sorted(items, key=lambda i: -i[field]) if field else list(items)


def order(data):
    """Every item of `data` ranked by count, hidden ones kept in their place (the owner's layout
    never reorders a ranked list; it only hides)."""
    data = data or {}
    return {kind: ranked(data.get(kind, [])) for kind in ("artists", "albums")}


def arrange(data, layout):
    """What a page shows of `data` under `layout`: ranked by count, hidden items out, capped.
    Ranks are places in what is shown, so a hidden item gives its place to the next one."""
    hidden = set(normal_layout(layout)["hidden"])
    listed = order(data)
    return {kind: [i for i in listed[kind] if i["id"] not in hidden][:limit]
            for kind, limit in (("artists", MAX_ARTISTS), ("albums", MAX_ALBUMS))}


def every_item(listening, first=None):
    """{id: (kind, item)} over every range of normalised listening data (`first` range wins)."""
    found = {}
    for name in (first, *RANGES) if first else RANGES:
        for kind, part in range_data(listening, name).items():
            for item in part:
                found.setdefault(item["id"], (kind, item))
    return found


def featured(listening, layout, name=None):
    """The owner's picks as the page shows them, in their order: each item with its kind and the
    owner's note, found in any range (the shown range first); one no range holds any more, or
    one hidden, is left out."""
    arrangement = normal_layout(layout)
    found, hidden = every_item(listening, name or page_range(listening)), set(arrangement["hidden"])
    return [dict(found[f["id"]][1], kind=found[f["id"]][0], note=f["note"])
            for f in arrangement["featured"] if f["id"] in found and f["id"] not in hidden]


def data_hash(data, layout):
    """Stable hash of what the page shows (what the copy is written from)."""
    shown = arrange(data, layout)
    essence = {
        "artists": [[a["id"], a["name"]] for a in shown["artists"]],
        "albums": [[a["id"], a["name"], a.get("artists"), a.get("year")] for a in shown["albums"]],
    }
    canonical = json.dumps(essence, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


FALLBACK_RANGES = ("all_time", "month", "year")


def page_range(listening):
    """The range a page shows by default: six months, or the first range that has data (a new
    ListenBrainz user may have only all-time statistics computed yet)."""
    ranges = (listening or {}).get("ranges") or {}
    for name in (DEFAULT_RANGE, *FALLBACK_RANGES):
        found = ranges.get(name) or {}
        if found.get("artists") or found.get("albums"):
            return name
    return DEFAULT_RANGE


def range_data(listening, name=None):
    """One range ({"artists", "albums"}) of normalised listening data (None: the page's range)."""
    name = name or page_range(listening)
    found = ((listening or {}).get("ranges") or {}).get(name) or {}
    return {"artists": list(found.get("artists") or []), "albums": list(found.get("albums") or [])}


def legacy_listening(spotify):
    """Data stored before sources (one Spotify range) in the normalised shape, or None."""
    if not spotify:
        return None
    return {"source": "spotify", "fetchedAt": spotify.get("fetchedAt"),
            "ranges": {DEFAULT_RANGE: {"artists": spotify.get("artists") or [],
                                       "albums": spotify.get("albums") or []}}}


def hash_of(listening, layout):
    """data_hash of the page's range: what the copy is written from."""
    return data_hash(range_data(listening), layout)


# -- views of a profile -------------------------------------------------------------------------
def layout(profile):
    """The profile's layout with defaults."""
    return normal_layout(profile.layout)


def locks(profile):
    """Which owner-edited fields regeneration must keep."""
    raw = profile.locked or {}
    return {"bio": bool(raw.get("bio")), "lines": list(raw.get("lines", []))}


def listening(profile):
    """The profile's normalised listening data (older items read through), or None."""
    return profile.listening or legacy_listening(profile.spotify)


def source_of(profile):
    """The source the page shows."""
    return profile.source or "spotify"


def items(profile, name=None):
    """Every artist and album of one range, hidden ones included, in the source's order."""
    return range_data(listening(profile), name)


def has_data(profile):
    """True when the default range holds at least one artist or album."""
    shown = items(profile)
    return bool(shown["artists"] or shown["albums"])


def available_ranges_of(data):
    """The ranges of normalised listening data that hold items, in the order the page offers them."""
    return [name for name in RANGES if any(range_data(data, name).values())]


def available_ranges(profile):
    """The ranges that hold data, in the order the page offers them."""
    return available_ranges_of(listening(profile))


def featured_of(profile, name=None):
    """The owner's picks the page shows above its ranked lists (never sent to the AI writer)."""
    return featured(listening(profile), profile.layout, name)


def visible(profile, name=None):
    """What the public page shows and the AI writes about, with the names to head it."""
    return {"handle": profile.handle, "displayName": clean_name(profile.displayName) or profile.handle,
            **arrange(range_data(listening(profile), name), profile.layout)}


def current_hash(profile):
    """data_hash of the profile's stored default range and layout."""
    return hash_of(listening(profile), profile.layout)

"""The profile's `years` attribute read for pages: which years a visitor sees, and the timeline.

`years` holds, for an upload with a history of several years (profiles/years.py writes it):
  zone, from   the clock the times are on, and whether the file said so ("country") or not ("none")
  list         {yyyy: {plays, minutes, days, first, last, top: [{id, name}] × 3, unit?}} (the year's own
               50 artists and albums live in `YEAR#<handle>#<yyyy>`, models/years.py); a year
               from ListenBrainz has "unit": "listens" and minutes, days (maybe first, last) None
  gone         years an older upload held, emptied, kept so `flask purge` finds their items
  prefs        the owner's choices: {"hidden": [yyyy], "clock": bool} (the clock is off by default)
  pages        the year pages stored: {"render": version, "etags": {yyyy: etag}}
  copy         each year's words: {yyyy: {"text", "hash", "provider"}} (profiles/year_copy.py)
  cards        each year's share images: {yyyy: {"hash", "card": key, "story": key}} (profiles/year_cards.py)
"""
import hashlib
import json

from flask import url_for

from anchor.models.years import unit_of
from anchor.profiles import service


def prefs(profile):
    """The owner's year choices with defaults: nothing hidden, the listening clock off."""
    stored = (profile.years or {}).get("prefs") or {}
    return {"hidden": [str(y) for y in stored.get("hidden") or []], "clock": stored.get("clock") is True}


def stored_pages(profile):
    """The year pages stored for the profile: {"render": version, "etags": {yyyy: etag}}."""
    return (profile.years or {}).get("pages") or {}


def all_years(profile):
    """Every year the profile's upload holds, newest first, with its summary."""
    listed = (profile.years or {}).get("list") or {}
    return [dict(listed[year], year=year) for year in sorted(listed, reverse=True)]


def visible_years(profile):
    """The years a visitor may see: the page is public and the owner did not hide them."""
    if not profile.isPublic or profile.deletedAt is not None:
        return []
    hidden = set(prefs(profile)["hidden"])
    return [entry for entry in all_years(profile) if entry["year"] not in hidden]


def timeline(profile):
    """The main page's timeline: one line per visible year, newest first, with its top artist."""
    hidden = set(service.layout(profile)["hidden"])
    lines = []
    for entry in visible_years(profile):
        top = next((a["name"] for a in entry.get("top") or [] if a.get("id") not in hidden), None)
        unit = unit_of(entry)
        amount = (entry.get("plays") if unit == "listens" else entry.get("minutes")) or 0
        lines.append({"year": entry["year"], "top": top, "minutes": entry.get("minutes") or 0,
                      "amount": amount, "unit": unit,
                      "href": url_for("public.year", handle=profile.handle, year=entry["year"])})
    return lines


def zone_text(profile, year=None):
    """How the page says which clock a year's times are on (the year's own, else the profile's)."""
    stored = profile.years or {}
    said = ((stored.get("list") or {}).get(str(year)) or {}).get("zone") or stored
    zone = said.get("zone") or "UTC"
    if said.get("from") == "country":
        return f"Times in {zone} (from the country in the file)."
    if said.get("from") == "source":
        return f"Times in {zone}, as your music service counts them."
    return f"Times in {zone}: the file does not say where you listened."


def shown_artists(profile, data):
    """A year's artists the owner has not hidden, in the year's order."""
    hidden = set(service.layout(profile)["hidden"])
    return [a for a in data.get("artists") or [] if a.get("id") not in hidden]


def copy_digest(profile, year, data):
    """A hash of what a year's copy is written from: a stored copy with another hash is not shown."""
    shown = {"name": service.visible(profile)["displayName"], "year": year,
             "artists": [(a.get("name"), a.get("minutes"), a.get("firstPlayed")) for a in shown_artists(profile, data)],
             "numbers": [data.get(key) for key in ("minutes", "unit", "months")]}
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()[:16]


def year_copy(profile, year, data):
    """The stored copy of `year`: the owner's locked words, or words written from what the page
    shows now (else None)."""
    stored = ((profile.years or {}).get("copy") or {}).get(year) or {}
    if stored.get("locked") or stored.get("hash") == copy_digest(profile, year, data):
        return stored.get("text") or None
    return None

"""The year pages' words, written by the copy job after an import or a refresh, off the request.

For each year whose copy is out of date (a hash of what it is written from,
pages/year_view.copy_digest), the offline writer (anchor/ai/year_copy.py) writes at most two
fact sentences from the year's numbers; they are stored in the profile's `years.copy`
({yyyy: {"text", "hash", "provider"}}: two sentences a year, small beside the summary), and
writing `years` renders the year pages again with the words under the totals.
"""
import logging

from anchor.ai.validate import safety_problems
from anchor.ai.year_copy import YEAR_COPY_MAX, offline_year_copy, year_names
from anchor.logs import log_event
from anchor.models.years import read_year
from anchor.pages.year_view import all_years, copy_digest, shown_artists
from anchor.profiles import service, writes
from anchor.profiles.editing import EditRefused
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.text import clean_name

log = logging.getLogger("anchor.copy")


def stored(profile):
    """{yyyy: {"text", "hash", "provider"}}: the years' copy the profile holds."""
    return dict((profile.years or {}).get("copy") or {})


def write_year(profile, year, data):
    """One year's copy entry, from the year's numbers and what its page shows."""
    artists = shown_artists(profile, data)
    hidden = set(service.layout(profile)["hidden"])
    albums = [a for a in data.get("albums") or [] if a.get("id") not in hidden]
    names = year_names(service.visible(profile)["displayName"], profile.handle, artists, albums)
    return {"text": offline_year_copy(year, data, artists, names), "hash": copy_digest(profile, year, data),
            "provider": "offline"}


def update(profile):
    """Write the copy of every year whose copy is out of date; the years written."""
    if profile.deletedAt is not None:
        return []
    before, after, data_of = stored(profile), {}, {}
    for entry in all_years(profile):
        year = entry["year"]
        data_of[year] = read_year(profile.handle, year)
        if data_of[year] is None:
            continue
        kept = before.get(year) or {}
        fresh = kept.get("locked") or kept.get("hash") == copy_digest(profile, year, data_of[year])
        after[year] = kept if fresh else write_year(profile, year, data_of[year])
    if after == before:
        return []
    listed = (profile.years or {}).get("list")

    def decide(fresh):
        # Written from what the page showed when read: if that moved meanwhile, the next job writes.
        if (fresh.years or {}).get("list") != listed or stored(fresh) != before or any(
                copy_digest(fresh, year, data_of[year]) != entry["hash"]
                for year, entry in after.items() if not entry.get("locked")):
            return None
        return {"years": dict(fresh.years, copy=after)}
    try:
        written = writes.update(profile, decide)
    except (ProfileGone, StaleEdit):
        return []
    changed = sorted(year for year in after if after[year] != before.get(year))
    if written is not None:
        log_event(log, "year copy written", handle=profile.handle, years=",".join(changed))
    return changed if written is not None else []


def edit(profile, year, raw, version):
    """Save the owner's words for `year` and lock them against the copy job (empty: unlock, and
    the next copy job writes the year's words again)."""
    text = clean_name(raw, YEAR_COPY_MAX * 4)
    if len(text) > YEAR_COPY_MAX:
        raise EditRefused(f"The words for {year} are {len(text)} characters; the limit is {YEAR_COPY_MAX}.")
    problems = safety_problems(text, f"The words for {year}") if text else []
    if problems:
        raise EditRefused(problems[0] + ".")
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise EditRefused("The form is missing its version. Reload the page and try again.") from None

    def decide(fresh):
        if str(year) not in ((fresh.years or {}).get("list") or {}):
            raise EditRefused("That year is not on your page.")
        words = {name: entry for name, entry in stored(fresh).items() if name != str(year)}
        if text:
            words[str(year)] = {"text": text, "hash": None, "provider": "owner", "locked": True}
        return {"years": dict(fresh.years, copy=words)}
    return writes.update(profile, decide, bump=True, expect_version=expected)


def update_quietly(profile):
    """`update`, with any failure logged: the page is written whatever happens to its words."""
    try:
        return update(profile)
    except Exception:  # a bug here must never fail the refresh or the copy job that called it
        log_event(log, "year copy failed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        return []

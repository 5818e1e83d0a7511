"""The year pages' share images, composed after a page-changing write, never on a view.

Called where the main page's images are (profiles/share_cards.py: after an import's copy, the
copy job, a worker's refresh): for each visible year whose images are out of date (a keyed hash
of what they show, pages/year_images.digest), that year's covers are fetched (profiles/covers.py:
image hosts only, size limits), its card and story put under `photos/cards/` (the prefix the
worker role may put and delete), and the profile's `years.cards` names them:
{yyyy: {"hash", "card": key, "story": key}}. Writing `years` renders the year pages again, so
their og:image points at the new card. Files of years no longer shown are deleted.
"""
import logging

from flask import current_app

from anchor import photos_store
from anchor.logs import log_event
from anchor.models.years import read_year
from anchor.pages import year_images
from anchor.pages.year_view import visible_years
from anchor.profiles import covers, share_cards, writes
from anchor.profiles.service import ProfileGone, StaleEdit

log = logging.getLogger("anchor.share")
KINDS = {"card": year_images.card, "story": year_images.story}


def stored(profile):
    """{yyyy: {"hash", "card", "story"}}: the year images the profile names."""
    return year_images.stored(profile)


def keys(cards):
    """The bucket keys a `years.cards` value names."""
    return [entry[kind] for entry in (cards or {}).values() for kind in KINDS if (entry or {}).get(kind)]


def _wanted(profile, year, data):
    return year_images.digest(profile, year, data, current_app.config["SECRET_KEY"])


def _draw(profile, year, data, wanted):
    """Put one year's card and story; their `cards` entry, or None when the bucket refused."""
    fetched = covers.fetch(year_images.cover_urls(profile, year, data), current_app.config)
    entry = {"hash": wanted}
    try:
        for kind, draw in KINDS.items():
            entry[kind] = f"{share_cards.PREFIX}{profile.handle}-{year}-{wanted}-{kind}.png"
            photos_store.put(entry[kind], draw(profile, year, data, fetched), "image/png",
                             download_as=f"anchor-{profile.handle}-{year}-story.png" if kind == "story" else None)
    except photos_store.StoreDown:
        share_cards.delete_keys(keys({year: entry}), profile.handle)
        return None
    return entry


def update(profile):
    """Compose and store the images of every visible year that is out of date; the years drawn."""
    if not photos_store.enabled() or profile.deletedAt is not None:
        return []
    before, wanted, drawn, data_of = stored(profile), {}, {}, {}
    for entry in visible_years(profile):
        year = entry["year"]
        data_of[year] = read_year(profile.handle, year)
        if data_of[year] is None:
            continue
        wanted[year] = _wanted(profile, year, data_of[year])
        if (before.get(year) or {}).get("hash") != wanted[year]:
            drawn[year] = _draw(profile, year, data_of[year], wanted[year])
    drawn = {year: entry for year, entry in drawn.items() if entry}
    after = {**{year: entry for year, entry in before.items() if year in wanted}, **drawn}
    if after == before:
        return []
    listed = (profile.years or {}).get("list")

    def decide(fresh):
        # What the images show must not have moved meanwhile, nor another writer's images.
        if (fresh.years or {}).get("list") != listed or stored(fresh) != before or any(
                _wanted(fresh, year, data_of[year]) != entry["hash"] for year, entry in drawn.items()):
            return None
        return {"years": dict(fresh.years, cards=after)}
    try:
        written = writes.update(profile, decide)
    except (ProfileGone, StaleEdit):
        written = None
    if written is None or stored(profile) != after:
        share_cards.delete_keys(keys(drawn), profile.handle)     # the next write draws again
        return []
    share_cards.delete_keys([key for key in keys(before) if key not in keys(after)], profile.handle)
    log_event(log, "year images stored", handle=profile.handle, years=",".join(sorted(drawn)))
    return sorted(drawn)


def update_quietly(profile):
    """`update`, with any failure logged: the page is written whatever happens to its images."""
    try:
        return update(profile)
    except Exception:  # a bug here must never fail the refresh or the copy job that called it
        log_event(log, "year images failed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        return []


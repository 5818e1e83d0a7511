"""Year pages (`/<handle>/<yyyy>`): what they show, their render on write and the main page's timeline.

A year page is rendered from the profile item and that year's `YEAR#` item whenever one of its
inputs changes (YEAR_PAGE_INPUTS, or a new render version), and stored in a visitor's item of
its own (`PAGE#<handle>/<yyyy>`) in the same transaction as the profile change; the profile
keeps each stored year page's ETag (`years.pages`) so a write whose year pages come out the same
bytes puts nothing.
"""
import gzip
import hashlib

from flask import current_app, has_app_context, render_template

from anchor.models.years import read_year, unit_of, year_page_item
from anchor.pages import charts, public_view, render, share_images, year_images
from anchor.pages.context import absolute_url
from anchor.pages.year_view import prefs, stored_pages, visible_years, year_copy, zone_text
from anchor.profiles import service

# What a year page shows besides its year's item: a change to any of these renders the years again.
YEAR_PAGE_INPUTS = frozenset({"displayName", "isPublic", "deletedAt", "years", "layout", "shareImages"})
SHOWN_ARTISTS, SHOWN_ALBUMS = 10, 9      # a phone's page stays under 2,600 px


def year_context(profile, year, data):
    """What templates/public/year.html needs for one year."""
    name = service.visible(profile)["displayName"]
    hidden = set(service.layout(profile)["hidden"])
    unit = unit_of(data)
    counted = "listens" if unit == "listens" else "plays"        # one word for the year's counts
    artists = [a for a in data.get("artists") or [] if a.get("id") not in hidden]
    albums = public_view.rows([a for a in data.get("albums") or [] if a.get("id") not in hidden], counted)
    shown = public_view.with_album_art(public_view.rows(artists, counted), albums)[:SHOWN_ARTISTS]
    discovered = [a["name"] for a in artists if str(a.get("firstPlayed") or "")[:4] == year]
    amount = (data.get("plays") if unit == "listens" else data.get("minutes")) or 0
    top = f", top artist {artists[0]['name']}" if artists else ""
    canonical = absolute_url("public.year", handle=profile.handle, year=year)
    return {"profile": profile, "name": name, "year": year, "data": data, "amount": amount, "unit": unit,
            "artists": shown, "albums": albums[:SHOWN_ALBUMS], "discovered": discovered,
            "marks": {}, "lines": {}, "range_label": year, "totals": None, "listening_up_to": None,
            "months": charts.months_chart(data.get("months"), unit),
            "clock": (charts.clock_chart(data.get("clock"), "listens" if unit == "listens" else "plays")
                      if prefs(profile)["clock"] else None),
            "zone": zone_text(profile, year), "canonical": canonical, "copy": year_copy(profile, year, data),
            "description": f"{name}'s {year} in music: {amount:,} {unit}{top}.",
            "home": absolute_url("public.profile", handle=profile.handle),
            "og_image": year_images.stored_urls(profile, year).get("card")
            or share_images.stored_urls(profile).get("card")
            # Unversioned (it redirects to the current card): a year page need not change with the bio.
            or absolute_url("public.share_image", handle=profile.handle)}


def render_year_page(profile, year, data):
    """(gzip bytes, ETag value) of a year's visitor page, rendered outside any request."""
    config = current_app.config
    with current_app.test_request_context("/", base_url=config["BASE_URL"]):
        body = render_template("public/year.html", **year_context(profile, year, data)).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    return gzip.compress(body, compresslevel=render.GZIP_LEVEL, mtime=0), etag


def year_page_writes(before, changes):
    """(visitor's items to put, the profile's new `years`) for a write of `changes`, or
    ([], None) when every stored year page stays as it is."""
    if not has_app_context() or not YEAR_PAGE_INPUTS & changes.keys():
        return [], None
    after = render.state_after(before, changes)
    stored = stored_pages(after)
    version = render.render_version()
    same_version = stored.get("render") == version
    items, etags = [], {}
    for entry in visible_years(after):
        year = entry["year"]
        data = read_year(after.handle, year)
        if data is None:
            continue
        body, etag = render_year_page(after, year, data)
        etags[year] = etag
        if not same_version or (stored.get("etags") or {}).get(year) != etag:
            items.append(year_page_item(after, year, body, etag, version))
    for year in sorted(stored.get("etags") or {}):
        if year not in etags:                # hidden, unpublished or gone: visitors get a 404
            items.append(year_page_item(after, year, None, None, None))
    if not items:
        return [], None
    rest = {name: value for name, value in (after.years or {}).items() if name != "pages"}
    if etags:
        rest["pages"] = {"render": version, "etags": etags}
    return items, rest or None


def year_paths(profile):
    """The year pages' URLs a CDN may hold."""
    return [f"/{profile.handle}/{year}" for year in sorted(stored_pages(profile).get("etags") or {})]

"""A year page's share images, drawn from the profile and that year's aggregates with covers
already fetched: a 1200×630 card and a 1080×1920 story, laid out like the main page's
(pages/share_images.py) with the year and its total.

Pure over its inputs: no read, no outside call (profiles/year_cards.py fetches the covers and
stores the files when the page is written).
"""
import hashlib
import json

from PIL import Image, ImageDraw

from anchor import photos_store
from anchor.models.years import unit_of
from anchor.pages import drawing, share_images
from anchor.pages.share_images import CARD, GRID, MUTED, NAMES, SLOTS, STORY, TEXT
from anchor.profiles import service

LAYOUT_VERSION = "1"          # bump when the drawing changes, so stored images are drawn again


def _shown(items, hidden):
    return [item for item in items or [] if item.get("id") not in hidden]


def inputs(profile, year, data):
    """Everything a year's images show, as one canonical dict (its hash names the stored files)."""
    hidden = set(service.layout(profile)["hidden"])
    artists, albums = _shown(data.get("artists"), hidden), _shown(data.get("albums"), hidden)
    unit = unit_of(data)
    amount = (data.get("plays") if unit == "listens" else data.get("minutes")) or 0
    return {"v": LAYOUT_VERSION, "handle": profile.handle, "year": year,
            "name": service.visible(profile)["displayName"], "total": f"{amount:,} {unit}",
            "artists": [a.get("name") or "" for a in artists[:NAMES]],
            "slots": [{"name": item.get("name") or "", "image": item.get("image")}
                      for item in [*albums, *artists][:SLOTS]]}


def digest(profile, year, data, secret=""):
    """A keyed hash of what a year's images show (a file name cannot be guessed without `secret`)."""
    text = json.dumps(inputs(profile, year, data), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{secret}\n{text}".encode()).hexdigest()[:20]


def cover_urls(profile, year, data):
    """The image URLs a year's cover wall would draw, in slot order, without repeats."""
    return list(dict.fromkeys(slot["image"] for slot in inputs(profile, year, data)["slots"] if slot["image"]))


def _heading(draw, found, at, sizes, width, accent):
    """The year, the listener's name and the page's address with the year's total."""
    (x, top), (small, large, line) = at, sizes
    gaps = (large + 28, large + 28 + line + 20)
    drawing.draw_text(draw, (x, top), drawing.fit(draw, f"Anchor.band · {found['year']} in music", small, width),
                      small, accent)
    drawing.draw_text(draw, (x, top + gaps[0]), drawing.fit(draw, found["name"], large, width), large, TEXT)
    where = f"anchor.band/{found['handle']}/{found['year']} · {found['total']}"
    drawing.draw_text(draw, (x, top + gaps[1]), drawing.fit(draw, where, line, width), line, MUTED, bold=False)


def card(profile, year, data, covers):
    """PNG bytes of a year's 1200×630 card: words on the left, the year's cover wall on the right."""
    found = inputs(profile, year, data)
    bg, accent = drawing.palette(profile.handle)
    image = Image.new("RGB", CARD, bg)
    tile = CARD[1] // GRID
    wall_left = CARD[0] - GRID * tile
    share_images.wall(image, found["slots"], covers, wall_left, 0, tile)
    draw = ImageDraw.Draw(image)
    margin, width = 56, wall_left - 2 * 56
    _heading(draw, found, (margin, 84), (30, 58, 26), width, accent)
    share_images.names(draw, found, margin, 296, width, 32, 56, accent)
    return share_images.png(image)


def story(profile, year, data, covers):
    """PNG bytes of a year's 1080×1920 story: the year and name on top, the covers, the top artists."""
    found = inputs(profile, year, data)
    bg, accent = drawing.palette(profile.handle)
    image = Image.new("RGB", STORY, bg)
    tile = STORY[0] // GRID
    wall_top = 360
    share_images.wall(image, found["slots"], covers, 0, wall_top, tile)
    draw = ImageDraw.Draw(image)
    margin, width = 72, STORY[0] - 2 * 72
    _heading(draw, found, (margin, 120), (44, 84, 38), width, accent)
    share_images.names(draw, found, margin, wall_top + GRID * tile + 90, width, 44, 64, accent)
    return share_images.png(image)


def stored(profile):
    """{yyyy: {"hash", "card", "story"}}: the year images the profile names (`years.cards`)."""
    return dict((profile.years or {}).get("cards") or {})


def stored_urls(profile, year):
    """{"card", "story"}: where a browser loads a year's stored images ({} while there are none)."""
    entry = stored(profile).get(str(year)) or {}
    if not photos_store.enabled() or not entry.get("card"):
        return {}
    return {kind: photos_store.url(entry[kind]) for kind in ("card", "story") if entry.get(kind)}

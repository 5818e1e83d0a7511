"""The share images of a page, drawn from its item and covers already fetched: a 1200×630 card
and a 1080×1920 story, each with a 3×3 wall of album covers and the top names.

Pure over its inputs: no read, no outside call. The covers arrive as decoded images keyed by
URL (profiles/share_cards.py fetches them when the page is written); a slot whose cover is
missing or failed is a placeholder tile, so an image is always drawn.
"""
import hashlib
import io
import json

from PIL import Image, ImageDraw, ImageOps

from anchor import photos_store
from anchor.pages import drawing
from anchor.profiles import service

LAYOUT_VERSION = "2"          # bump when the drawing changes, so stored images are drawn again
CARD = (1200, 630)
STORY = (1080, 1920)
GRID = 3                      # covers per row and per column
SLOTS = GRID * GRID
NAMES = 5                     # top artists named on each image
TEXT = (250, 250, 245)
MUTED = (210, 210, 200)


def slots(profile):
    """What fills the cover wall: [{"name", "image"}] of the top albums, then top artists."""
    shown = service.visible(profile)
    items = [*shown["albums"], *shown["artists"]][:SLOTS]
    return [{"name": item.get("name") or "", "image": item.get("image")} for item in items]


def inputs(profile):
    """Everything the images show, as one canonical dict (its hash names the stored files)."""
    shown = service.visible(profile)
    return {"v": LAYOUT_VERSION, "handle": profile.handle, "name": shown["displayName"],
            "artists": [a.get("name") or "" for a in shown["artists"][:NAMES]], "slots": slots(profile)}


def digest(profile, secret=""):
    """A hash of what the images show (keyed with `secret`, so a file name cannot be guessed)."""
    text = json.dumps(inputs(profile), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{secret}\n{text}".encode()).hexdigest()[:20]


def cover_urls(profile):
    """The image URLs the cover wall would draw, in slot order, without repeats."""
    return list(dict.fromkeys(slot["image"] for slot in slots(profile) if slot["image"]))


def _tile(slot, covers, size):
    image = covers.get(slot["image"]) if slot["image"] else None
    if image is None:
        return drawing.placeholder(slot["name"], size)
    return ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS)


def wall(canvas, items, covers, left, top, size):
    """Paste the 3×3 cover wall with its top-left corner at (left, top)."""
    for index in range(SLOTS):
        x, y = left + index % GRID * size, top + index // GRID * size
        if index < len(items):
            canvas.paste(_tile(items[index], covers, size), (x, y))


def names(draw, shown, left, top, width, size, gap, accent):
    drawing.draw_text(draw, (left, top), "Top artists", round(size * 0.8), accent)
    for place, name in enumerate(shown["artists"][:NAMES], start=1):
        drawing.draw_text(draw, (left, top + place * gap), drawing.fit(draw, f"{place}. {name}", size, width),
                          size, TEXT)


def png(image):
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def card(profile, covers):
    """PNG bytes of the 1200×630 card: names on the left, the cover wall fills the right."""
    data = inputs(profile)
    bg, accent = drawing.palette(profile.handle)
    image = Image.new("RGB", CARD, bg)
    tile = CARD[1] // GRID
    wall_left = CARD[0] - GRID * tile
    wall(image, data["slots"], covers, wall_left, 0, tile)
    draw = ImageDraw.Draw(image)
    margin, width = 56, wall_left - 2 * 56
    drawing.draw_text(draw, (margin, 84), "Anchor.band", 30, accent)
    drawing.draw_text(draw, (margin, 170), drawing.fit(draw, data["name"], 58, width), 58, TEXT)
    drawing.draw_text(draw, (margin, 214), drawing.fit(draw, f"anchor.band/{profile.handle}", 26, width),
                      26, MUTED, bold=False)
    names(draw, data, margin, 296, width, 32, 56, accent)
    return png(image)


def story(profile, covers):
    """PNG bytes of the 1080×1920 story: name on top, the cover wall, then the top artists."""
    data = inputs(profile)
    bg, accent = drawing.palette(profile.handle)
    image = Image.new("RGB", STORY, bg)
    tile = STORY[0] // GRID
    wall_top = 360
    wall(image, data["slots"], covers, 0, wall_top, tile)
    draw = ImageDraw.Draw(image)
    margin, width = 72, STORY[0] - 2 * 72
    drawing.draw_text(draw, (margin, 150), "Anchor.band", 44, accent)
    drawing.draw_text(draw, (margin, 262), drawing.fit(draw, data["name"], 84, width), 84, TEXT)
    drawing.draw_text(draw, (margin, 330), drawing.fit(draw, f"anchor.band/{profile.handle}", 38, width),
                      38, MUTED, bold=False)
    names(draw, data, margin, wall_top + GRID * tile + 90, width, 44, 64, accent)
    return png(image)


def stored_urls(profile):
    """{"card", "story"}: where a browser loads the page's stored images ({} while there are none)."""
    stored = profile.shareImages or {}
    if not photos_store.enabled() or not stored.get("card"):
        return {}
    return {kind: photos_store.url(stored[kind]) for kind in ("card", "story") if stored.get(kind)}

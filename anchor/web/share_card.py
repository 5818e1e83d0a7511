"""The 1200×630 share card, drawn with Pillow from cached data (no Spotify artwork altered)."""
import colorsys
import hashlib
import io
import threading
from functools import lru_cache

from cachetools import LRUCache

from anchor.profiles import service
from anchor.text import clean_name

WIDTH, HEIGHT = 1200, 630
CACHE_ENTRIES = 64
_cache = LRUCache(maxsize=CACHE_ENTRIES)      # (handle, version) → PNG bytes
_lock = threading.Lock()

FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@lru_cache(maxsize=8)
def _font(size, bold=True):
    from PIL import ImageFont  # Pillow loads on the first card, not in every worker at start
    for path in FONT_PATHS if bold else FONT_PATHS[::-1]:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _fit(draw, text, font, width):
    """Cut text with an ellipsis so it fits in `width` pixels (any string: cleaned and capped first)."""
    text = clean_name(text, 300)
    if draw.textlength(text, font=font) <= width:
        return text
    low, high = 0, len(text)          # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(text[:middle] + "…", font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def _palette(handle):
    digest = hashlib.sha256(handle.encode()).digest()
    hue = digest[0] / 255
    bg = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.16, 0.45))
    accent = tuple(int(c * 255) for c in colorsys.hls_to_rgb((hue + 0.45) % 1, 0.65, 0.6))
    return bg, accent


def _draw(profile):
    from PIL import Image, ImageDraw
    shown = service.visible(profile)
    bg, accent = _palette(profile.handle)
    image = Image.new("RGB", (WIDTH, HEIGHT), bg)
    draw = ImageDraw.Draw(image)
    margin = 72
    draw.rectangle([0, 0, 16, HEIGHT], fill=accent)
    draw.text((margin, 60), "Anchor.band", font=_font(34), fill=accent)
    draw.text((margin, 120), _fit(draw, shown["displayName"], _font(76), WIDTH - 2 * margin),
              font=_font(76), fill=(250, 250, 245))
    draw.text((margin, 215), f"anchor.band/{profile.handle}", font=_font(30, bold=False),
              fill=(210, 210, 200))
    y = 300
    draw.text((margin, y), "Top artists", font=_font(28), fill=accent)
    for position, artist in enumerate(shown["artists"][:4], start=1):
        y += 50
        draw.text((margin, y), _fit(draw, f"{position}. {artist['name']}", _font(36),
                                    WIDTH - 2 * margin), font=_font(36), fill=(245, 245, 240))
    bio = (_page_bio(profile) or "").split(". ")[0]
    if bio:
        draw.text((margin, HEIGHT - 70), _fit(draw, bio.rstrip(".") + ".", _font(26, bold=False),
                                              WIDTH - 2 * margin), font=_font(26, bold=False),
                  fill=(200, 200, 190))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _page_bio(profile):
    """The bio as the page shows it (nothing that names a hidden item)."""
    return profile.pageCopy.get("bio") if profile.pageCopy is not None else profile.bio


def version(profile):
    """Changes whenever anything drawn on the card changes (the `v` in the card's URL)."""
    drawn = f"{profile.dataHash}|{profile.displayName}|{_page_bio(profile)}"
    return hashlib.sha256(drawn.encode()).hexdigest()[:16]


def render(profile):
    """PNG bytes for the profile's current card, cached by handle and version."""
    key = (profile.handle, version(profile))
    with _lock:
        png = _cache.get(key)
    if png is None:
        png = _draw(profile)
        with _lock:
            _cache[key] = png
    return png

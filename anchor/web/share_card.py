"""The 1200×630 share card, drawn with Pillow from cached data (no Spotify artwork altered)."""
import colorsys
import hashlib
import io
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from cachetools import LRUCache

from anchor.pages.public_view import card_version, page_bio
from anchor.profiles import service
from anchor.text import clean_name

WIDTH, HEIGHT = 1200, 630
CACHE_ENTRIES = 64
_cache = LRUCache(maxsize=CACHE_ENTRIES)      # (handle, version) → PNG bytes
_lock = threading.Lock()

FONTS = Path(__file__).resolve().parent.parent / "fonts"
# Bundled subsets first (Latin, Arabic, then CJK and Hangul), then the machine's own fonts for
# anything the subsets lack; a character no font has is drawn as the first font's box.
SYSTEM_FALLBACK = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
                   "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
CHAINS = {
    True: (FONTS / "NotoSans-Bold.subset.ttf", FONTS / "NotoSansArabic-Bold.subset.ttf",
           FONTS / "NotoSansCJKsc-Bold.subset.otf"),
    False: (FONTS / "NotoSans-Regular.subset.ttf", FONTS / "NotoSansArabic-Bold.subset.ttf",
            FONTS / "NotoSansCJKsc-Bold.subset.otf"),
}


@lru_cache(maxsize=16)
def _coverage(path):
    """The code points a font file draws (read once per process)."""
    from fontTools.ttLib import TTFont
    with TTFont(str(path), lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=4)
def _chain(bold):
    return tuple(str(p) for p in (*CHAINS[bold], *SYSTEM_FALLBACK) if Path(p).exists())


@lru_cache(maxsize=32)
def _font(path, size):
    from PIL import ImageFont, features  # Pillow loads on the first card, not in every worker at start
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=engine)


def runs(text, bold=True):
    """Split text into (font path, piece) runs, each piece drawn by the first font that has it.

    Spaces and punctuation stay with the run they are in, so a name in one script is one run
    (and Arabic is shaped and laid right to left as a whole).
    """
    chain = _chain(bold)
    found, current, piece = [], None, []
    for char in text:
        shared = (unicodedata.category(char)[0] in "ZP" and current is not None
                  and ord(char) in _coverage(current))
        path = current if shared else next((p for p in chain if ord(char) in _coverage(p)), chain[0])
        if path != current and piece:
            found.append((current, "".join(piece)))
            piece = []
        current = path
        piece.append(char)
    if piece:
        found.append((current, "".join(piece)))
    split = []          # spaces at a run's ends stand alone, so right-to-left runs keep them outside
    for path, piece in found:
        core = piece.strip(" ")
        start = piece.index(core) if core else len(piece)
        split += [(path, part) for part in (piece[:start], core, piece[start + len(core):]) if part]
    return split


def text_width(draw, text, size, bold=True):
    return sum(draw.textlength(piece, font=_font(path, size)) for path, piece in runs(text, bold))


def draw_text(draw, xy, text, size, fill, bold=True):
    """Draw text on a common baseline at xy = (left, baseline), switching fonts by script."""
    x, y = xy
    for path, piece in runs(text, bold):
        font = _font(path, size)
        draw.text((x, y), piece, font=font, fill=fill, anchor="ls")
        x += draw.textlength(piece, font=font)


def _clean(text):
    text = clean_name(text, 300) or ""
    return text.encode("utf-8", "ignore").decode("utf-8")     # no lone surrogates reach Pillow


def fit(draw, text, size, width, bold=True):
    """Cut text with an ellipsis so it fits in `width` pixels (any string: cleaned and capped first)."""
    text = _clean(text)
    if text_width(draw, text, size, bold) <= width:
        return text
    low, high = 0, len(text)          # the longest prefix that fits with the ellipsis
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(draw, text[:middle] + "…", size, bold) <= width:
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
    inner = WIDTH - 2 * margin
    draw.rectangle([0, 0, 16, HEIGHT], fill=accent)
    draw_text(draw, (margin, 94), "Anchor.band", 34, accent)
    draw_text(draw, (margin, 196), fit(draw, shown["displayName"], 76, inner), 76, (250, 250, 245))
    draw_text(draw, (margin, 245), f"anchor.band/{profile.handle}", 30, (210, 210, 200), bold=False)
    y = 328
    draw_text(draw, (margin, y), "Top artists", 28, accent)
    for position, artist in enumerate(shown["artists"][:4], start=1):
        y += 50
        draw_text(draw, (margin, y), fit(draw, f"{position}. {artist['name']}", 36, inner), 36,
                  (245, 245, 240))
    bio = (page_bio(profile) or "").split(". ")[0]
    if bio:
        draw_text(draw, (margin, HEIGHT - 44), fit(draw, bio.rstrip(".") + ".", 26, inner, bold=False),
                  26, (200, 200, 190), bold=False)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def render(profile):
    """PNG bytes for the profile's current card, cached by handle and version."""
    key = (profile.handle, card_version(profile))
    with _lock:
        png = _cache.get(key)
    if png is None:
        png = _draw(profile)
        with _lock:
            _cache[key] = png
    return png

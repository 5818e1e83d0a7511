"""Text and tiles for the images drawn with Pillow: fonts chosen per script, fitted names,
colours per handle and the placeholder tile (a monogram on a colour) for a missing cover."""
import colorsys
import hashlib
import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from anchor.text import clean_name

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
def coverage(path):
    """The code points a font file draws (read once per process)."""
    with TTFont(str(path), lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=4)
def _chain(bold):
    return tuple(str(p) for p in (*CHAINS[bold], *SYSTEM_FALLBACK) if Path(p).exists())


@lru_cache(maxsize=64)
def _font(path, size):
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
                  and ord(char) in coverage(current))
        path = current if shared else next((p for p in chain if ord(char) in coverage(p)), chain[0])
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
    """How wide `text` is drawn at `size`, in pixels."""
    return sum(draw.textlength(piece, font=_font(path, size)) for path, piece in runs(text, bold))


def draw_text(draw, xy, text, size, fill, bold=True):
    """Draw text on a common baseline at xy = (left, baseline), switching fonts by script."""
    x, y = xy
    for path, piece in runs(text, bold):
        font = _font(path, size)
        draw.text((x, y), piece, font=font, fill=fill, anchor="ls")
        x += draw.textlength(piece, font=font)


def clean(text):
    """A name made safe to draw: cleaned, capped, no lone surrogates."""
    text = clean_name(text, 300) or ""
    return text.encode("utf-8", "ignore").decode("utf-8")


def fit(draw, text, size, width, bold=True):
    """Cut text with an ellipsis so it fits in `width` pixels (any string: cleaned and capped first)."""
    text = clean(text)
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


def palette(handle):
    """(background, accent) colours of a handle's images."""
    digest = hashlib.sha256(handle.encode()).digest()
    hue = digest[0] / 255
    bg = tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.16, 0.45))
    accent = tuple(int(c * 255) for c in colorsys.hls_to_rgb((hue + 0.45) % 1, 0.65, 0.6))
    return bg, accent


def monogram(name):
    """Up to two initials of a name ("?" when it has no letter or digit)."""
    words = [w for w in clean(name).split() if w]
    letters = [next((c for c in w if unicodedata.category(c)[0] in "LN"), "") for w in words]
    return "".join(letters[:2]).upper() or "?"


def tile_colour(name):
    """The placeholder colour of a name: mid-dark, so white initials read on it."""
    hue = hashlib.sha256(clean(name).encode()).digest()[0] / 255
    return tuple(int(c * 255) for c in colorsys.hls_to_rgb(hue, 0.35, 0.5))


def placeholder(name, size):
    """A square tile for a missing cover: the name's initials on its colour."""
    image = Image.new("RGB", (size, size), tile_colour(name))
    draw = ImageDraw.Draw(image)
    letters = monogram(name)
    text_size = size * 2 // 5
    width = text_width(draw, letters, text_size)
    draw_text(draw, ((size - width) / 2, size / 2 + text_size * 0.36), letters, text_size, (250, 250, 245))
    return image

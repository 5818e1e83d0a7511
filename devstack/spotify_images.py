"""Deterministic cover art for the Spotify sandbox, drawn with Pillow and cached in memory."""

from __future__ import annotations

import hashlib
import io
import threading
import unicodedata

from PIL import Image, ImageDraw, ImageFont, ImageOps

from .spotify_data import IMAGE_LABELS

SIZES = (300, 64)
_MAX_CACHED = 5000
_cache: dict[tuple[str, int], bytes] = {}
_lock = threading.Lock()
_fonts: dict[int, ImageFont.ImageFont | ImageFont.FreeTypeFont] = {}


def _font(size: int):
    if size not in _fonts:
        try:
            _fonts[size] = ImageFont.load_default(size=size)
        except (OSError, ImportError):  # Pillow built without FreeType
            _fonts[size] = ImageFont.load_default()
    return _fonts[size]


def initials(label: str) -> str:
    """Up to two initials from letters/digits of the label ('?' when there are none)."""
    words = ["".join(ch for ch in word if unicodedata.category(ch)[0] in "LN") for word in label.split()]
    letters = [w[0] for w in words if w and w[0].isascii()]
    return ("".join(letters[:2]) or "?").upper()


def _draw(name: str, size: int) -> bytes:
    digest = hashlib.sha256(name.encode()).digest()
    dark = (digest[0] // 3, digest[1] // 3, digest[2] // 3)
    light = (128 + digest[3] // 2, 128 + digest[4] // 2, 128 + digest[5] // 2)
    gradient = Image.linear_gradient("L").rotate(digest[6] % 4 * 90).resize((size, size))
    image = ImageOps.colorize(gradient, dark, light).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(3):
        x, y = digest[7 + i] * size // 256, digest[10 + i] * size // 256
        r = size // 8 + digest[13 + i] * size // 1024
        colour = (digest[16 + i], digest[19 + i], digest[22 + i])
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=max(1, size // 60))
    text = initials(IMAGE_LABELS.get(name, name.split("-", 1)[-1]))
    draw.text((size / 2, size / 2), text, fill=(255, 255, 255), font=_font(size * 2 // 5), anchor="mm",
              stroke_width=max(1, size // 100), stroke_fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=1)
    return out.getvalue()


def cover_png(name: str, size: int = 300) -> bytes:
    """PNG bytes for an image name at one of the served sizes; generated once, then cached."""
    key = (name, size)
    with _lock:
        cached = _cache.get(key)
    if cached is None:
        cached = _draw(name, size)
        with _lock:
            if len(_cache) >= _MAX_CACHED:
                _cache.clear()
            _cache[key] = cached
    return cached

"""The `/<handle>/og.png` card for a page without stored share images: the same 1200×630 card
(pages/share_images.py) with placeholder tiles, drawn on view and cached (no cover fetched)."""
import threading

from cachetools import LRUCache

from anchor.pages import share_images
from anchor.pages.public_view import card_version

WIDTH, HEIGHT = share_images.CARD
CACHE_ENTRIES = 64
_cache = LRUCache(maxsize=CACHE_ENTRIES)      # (handle, version) → PNG bytes
_lock = threading.Lock()


def _draw(profile):
    return share_images.card(profile, {})


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

"""Cover images fetched for the share images, only from the hosts the sources load art from.

Each URL is host-checked (https on a source's image host; loopback only while a source's local
stand-in is on) before any request, and again at each redirect. A request has short timeouts,
a byte cap read as it streams and a pixel cap checked before decoding (Pillow's own
decompression-bomb guard refuses as an error). Whatever fails is None: the drawing puts a
placeholder tile there, never a failed image.
"""
import io
import logging
import warnings
from urllib.parse import urljoin

import requests
from PIL import Image, UnidentifiedImageError

from anchor.logs import log_event
from anchor.sources import registry
from anchor.sources.base import safe_url

log = logging.getLogger("anchor.covers")
TIMEOUT = (3.05, 5)
MAX_BYTES = 4 * 1024 * 1024
MAX_PIXELS = 16_000_000
MAX_REDIRECTS = 3
TILE = 360                    # the largest tile drawn: covers are kept no bigger
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
HEADERS = {"User-Agent": "Anchor.band share images", "Accept": "image/*"}


class Refused(Exception):
    """A cover that is not fetched or not used (the reason is logged, never shown)."""


def allowed_hosts():
    """Every host a listening source loads images from (registry.Source.image_hosts)."""
    return tuple(dict.fromkeys(host for source in registry.records() for host in source.image_hosts))


def loopback_allowed(config):
    """True while some source's local stand-in answers (its sandbox flag is on)."""
    return any(source.sandbox_flag and config.get(source.sandbox_flag) for source in registry.records())


def _checked(url, hosts, loopback):
    if not safe_url(url, hosts, allow_loopback=loopback):
        raise Refused("host not allowed")
    return url


def _body(session, url, hosts, loopback):
    """The bytes at `url` (redirects followed only to allowed hosts), at most MAX_BYTES."""
    for _hop in range(MAX_REDIRECTS + 1):
        with session.get(_checked(url, hosts, loopback), timeout=TIMEOUT, stream=True,
                         allow_redirects=False, headers=HEADERS) as answer:
            if answer.is_redirect:
                url = urljoin(url, answer.headers.get("Location", ""))
                continue
            if answer.status_code != 200:
                raise Refused(f"status {answer.status_code}")
            if int(answer.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise Refused("too large")
            data = bytearray()
            for chunk in answer.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise Refused("too large")
            return bytes(data)
    raise Refused("too many redirects")


def decode(data):
    """The image in `data` as RGB no bigger than a tile, or Refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Refused("too many pixels")
            image.draft("RGB", (TILE, TILE))          # JPEG: decode at a smaller scale
            image = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError) as exc:
        raise Refused(type(exc).__name__) from None
    image.thumbnail((TILE, TILE))
    return image


def fetch(urls, config, *, session=None):
    """{url: image or None} for each URL; never raises for a bad or missing cover."""
    hosts, loopback = allowed_hosts(), loopback_allowed(config)
    found = {}
    with (session or requests.Session()) as client:
        for url in urls:
            try:
                found[url] = decode(_body(client, url, hosts, loopback))
            except (Refused, requests.RequestException) as exc:
                log_event(log, "cover not used", level=logging.INFO, reason=str(exc)[:80] or type(exc).__name__)
                found[url] = None
    return found

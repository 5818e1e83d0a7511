"""Last.fm answer shapes (JSON with numbers as strings, and the default XML) from the demo listeners."""
from __future__ import annotations

import hashlib
import io
import math
import threading
from urllib.parse import quote_plus
from xml.etree.ElementTree import Element, SubElement, tostring

from PIL import Image, ImageDraw

from devstack import spotify_data as sandbox_data

from .demo_music import EMPTY, Album, Artist, Listener, ranked

PLACEHOLDER_HASH = "2a96cbd8b46e442fc41c2b86b821562f"  # Last.fm's grey star, sent for every artist image
PERIODS = {"overall": "all_time", "7day": "week", "1month": "month", "3month": "quarter", "6month": "half_yearly",
           "12month": "year"}
# Image sizes as Last.fm names them, with the CDN path segment and the pixel size we draw.
IMAGE_SIZES = (("small", "34s", 34), ("medium", "64s", 64), ("large", "174s", 174), ("extralarge", "300x300", 300))
PIXELS = {segment: px for _, segment, px in IMAGE_SIZES}
ERRORS = {  # code: (message, HTTP status) — statuses as observed by clients of the real service
    3: ("Invalid Method - No method with that name in this package", 400),
    4: ("Invalid authentication token supplied", 403),
    6: ("User not found", 404),
    8: ("Operation failed - Most likely the backend service failed. Please try again.", 500),
    9: ("Invalid session key - Please re-authenticate", 403),
    10: ("Invalid API key - You must be granted a valid key by last.fm", 403),
    11: ("Service Offline - This service is temporarily offline. Try again later.", 503),
    13: ("Invalid method signature supplied", 403),
    14: ("Unauthorized Token - This token has not been authorized", 403),
    15: ("Unauthorized Token - This token has expired", 403),
    16: ("The service is temporarily unavailable, please try again.", 503),
    17: ("Login: User required to be logged in", 403),
    26: ("Suspended API key - Access for your account has been suspended, please contact Last.fm", 403),
    29: ("Rate Limit Exceeded - Your IP has made too many requests in a short period", 429),
}
_star_lock = threading.Lock()
_star_cache: dict[int, bytes] = {}


def music_url(*names: str) -> str:
    """The www.last.fm page of an artist or album (names encoded as Last.fm does, '/' as %2F)."""
    return "https://www.last.fm/music/" + "/".join(quote_plus(n) for n in names)


def album_hash(album: Album) -> str | None:
    """The image file hash of an album, None when nobody uploaded art (unmatched albums)."""
    if album.group_mbid is None:
        return None
    digest = hashlib.md5(f"{album.credit}|{album.name}".encode()).hexdigest()
    sandbox_data.IMAGE_LABELS[f"lfm-{digest}"] = album.name
    return digest


def images(base: str, file_hash: str | None, with_mega: bool = False) -> list[dict]:
    """The image[] list; empty URLs when there is no art, as Last.fm sends them."""
    sizes = IMAGE_SIZES + ((("mega", "300x300", 300),) if with_mega else ())
    return [{"size": size, "#text": f"{base}/i/u/{segment}/{file_hash}.png" if file_hash else ""}
            for size, segment, _ in sizes]


def artist_item(base: str, artist: Artist, plays: int, rank: int) -> dict:
    """One user.getTopArtists item in JSON: every number a string, the placeholder star as image."""
    return {"streamable": "0", "image": images(base, PLACEHOLDER_HASH, with_mega=True), "mbid": artist.mbid or "",
            "url": music_url(artist.name), "playcount": str(plays), "@attr": {"rank": str(rank)},
            "name": artist.name}


def album_item(base: str, album: Album, plays: int, rank: int) -> dict:
    """One user.getTopAlbums item in JSON."""
    first = album.artists[0]
    return {"artist": {"url": music_url(album.credit), "name": album.credit, "mbid": first.mbid or ""},
            "image": images(base, album_hash(album)), "mbid": album.release_mbid or "",
            "url": music_url(album.credit, album.name), "playcount": str(plays), "@attr": {"rank": str(rank)},
            "name": album.name}


STAR_PICTURE = "grimnir"   # an old account whose picture is Last.fm's grey star (the same as none)


def picture_hash(listener: Listener) -> str | None:
    """The user's own image file: none for the empty account and every third generated listener,
    Last.fm's placeholder star for STAR_PICTURE, else a hash of the name."""
    number = listener.name.rsplit("-", 1)[-1]
    if listener.name == EMPTY or (number.isdigit() and int(number) % 3 == 0):
        return None
    if listener.name == STAR_PICTURE:
        return PLACEHOLDER_HASH
    digest = hashlib.md5(f"user|{listener.name}".encode()).hexdigest()
    sandbox_data.IMAGE_LABELS[f"lfm-{digest}"] = listener.display_name
    return digest


def user_info(base: str, listener: Listener) -> dict:
    """The JSON answer of user.getInfo (numbers as strings, image[] without "mega", as Last.fm sends)."""
    return {"user": {"name": listener.name, "age": "0", "subscriber": "0", "realname": listener.display_name,
                     "bootstrap": "0", "playcount": str(900 * len(listener.albums)),
                     "artist_count": str(len(listener.artists)), "playlists": "0", "track_count": "0",
                     "album_count": str(len(listener.albums)), "image": images(base, picture_hash(listener)),
                     "registered": {"unixtime": "1262304000", "#text": 1262304000}, "country": "None",
                     "gender": "n", "url": f"https://www.last.fm/user/{quote_plus(listener.name)}", "type": "user"}}


def top_list(base: str, listener: Listener, kind: str, period: str, limit: int, page: int, epoch: int = 0) -> dict:
    """The JSON answer of user.getTopArtists (kind "artists") or user.getTopAlbums ("albums")."""
    items = listener.artists if kind == "artists" else listener.albums
    rows = ranked(items, f"{listener.name}|{kind}", PERIODS[period], epoch)
    start = (page - 1) * limit
    render = artist_item if kind == "artists" else album_item
    chosen = [render(base, item, plays, start + i + 1) for i, (item, plays) in enumerate(rows[start:start + limit])]
    attr = {"user": listener.name, "totalPages": str(math.ceil(len(rows) / limit)), "page": str(page),
            "perPage": str(limit), "total": str(len(rows))}
    key, item_key = ("topartists", "artist") if kind == "artists" else ("topalbums", "album")
    return {key: {item_key: chosen, "@attr": attr}}


def to_xml(data: dict) -> bytes:
    """The default XML rendering of a JSON answer: <lfm status="ok"> with attributes from @attr."""
    root = Element("lfm", status="ok")

    def add(parent: Element, name: str, value) -> None:
        if isinstance(value, list):
            for entry in value:
                add(parent, name, entry)
            return
        if name == "image":
            SubElement(parent, "image", size=value["size"]).text = value["#text"]
            return
        node = SubElement(parent, name)
        if isinstance(value, dict):
            for attr, text in value.get("@attr", {}).items():
                node.set(attr, text)
            for child, child_value in value.items():
                if child != "@attr":
                    add(node, child, child_value)
        else:
            node.text = str(value)

    for name, value in data.items():
        add(root, name, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode() + b"\n"


def error_xml(code: int, message: str) -> bytes:
    """<lfm status="failed"><error code="N">message</error></lfm>."""
    root = Element("lfm", status="failed")
    SubElement(root, "error", code=str(code)).text = message
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode() + b"\n"


def star_png(size: int) -> bytes:
    """A grey star on grey: the stand-in's copy of Last.fm's placeholder image."""
    with _star_lock:
        if size in _star_cache:
            return _star_cache[size]
    image = Image.new("RGB", (size, size), (229, 229, 229))
    points = []
    for i in range(10):
        radius = size * (0.38 if i % 2 == 0 else 0.16)
        angle = math.pi / 2 + i * math.pi / 5
        points.append((size / 2 + radius * math.cos(angle), size / 2 - radius * math.sin(angle)))
    ImageDraw.Draw(image).polygon(points, fill=(188, 188, 188))
    out = io.BytesIO()
    image.save(out, "PNG")
    with _star_lock:
        _star_cache[size] = out.getvalue()
    return _star_cache[size]

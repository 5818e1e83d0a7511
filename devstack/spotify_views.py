"""JSON shapes and HTML pages of the Spotify sandbox (pure functions of the demo data)."""

from __future__ import annotations

import random
from html import escape
from urllib.parse import urlencode

from .spotify_data import Album, Artist, Listener, Track

TIME_RANGES = ("short_term", "medium_term", "long_term")
_SPREAD = {"short_term": 12.0, "medium_term": 4.0, "long_term": 9.0}


def images(base: str, name: str) -> list[dict]:
    """Spotify-style image list, widest first."""
    return [{"url": f"{base}/images/{name}.png", "height": 300, "width": 300},
            {"url": f"{base}/images/{name}-64.png", "height": 64, "width": 64}]


def artist_json(base: str, artist: Artist, full: bool = True) -> dict:
    """A (full or simplified) artist object without genres, popularity or followers."""
    data = {"id": artist.id, "name": artist.name, "type": "artist", "uri": f"spotify:artist:{artist.id}",
            "href": f"{base}/v1/artists/{artist.id}",
            "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist.id}"}}
    if full:
        data["images"] = images(base, "ar-" + artist.id)
    return data


def album_json(base: str, album: Album) -> dict:
    """A simplified album object as found inside track objects."""
    precision = {4: "year", 7: "month"}.get(len(album.release_date), "day")
    return {"id": album.id, "name": album.name, "type": "album", "album_type": "album",
            "release_date": album.release_date, "release_date_precision": precision,
            "total_tracks": album.total_tracks, "uri": f"spotify:album:{album.id}",
            "href": f"{base}/v1/albums/{album.id}",
            "images": images(base, "al-" + album.id) if album.has_images else [],
            "external_urls": {"spotify": f"https://open.spotify.com/album/{album.id}"},
            "artists": [artist_json(base, a, full=False) for a in album.artists]}


def track_json(base: str, track: Track) -> dict:
    """A full track object."""
    return {"id": track.id, "name": track.name, "type": "track", "uri": f"spotify:track:{track.id}",
            "href": f"{base}/v1/tracks/{track.id}", "duration_ms": track.duration_ms,
            "track_number": track.track_number, "disc_number": 1, "explicit": False, "is_local": False,
            "external_urls": {"spotify": f"https://open.spotify.com/track/{track.id}"},
            "artists": [artist_json(base, a, full=False) for a in track.album.artists],
            "album": album_json(base, track.album)}


NO_PICTURE = "ifeoma"      # a hand-made listener who never set a picture (as every third generated one)


def has_picture(listener_id: str) -> bool:
    """Whether the listener has a profile picture: most do, some (as on Spotify) have none."""
    number = listener_id.rsplit("-", 1)[-1]
    return listener_id != NO_PICTURE and not (number.isdigit() and int(number) % 3 == 0)


def user_json(base: str, listener: Listener) -> dict:
    """The /v1/me answer: no email, no followers (Spotify dev mode); `images` is [] without a picture."""
    return {"id": listener.id, "display_name": listener.display_name, "type": "user",
            "uri": f"spotify:user:{listener.id}", "href": f"{base}/v1/users/{listener.id}",
            "external_urls": {"spotify": f"https://open.spotify.com/user/{listener.id}"},
            "images": images(base, "u-" + listener.id) if has_picture(listener.id) else [], "country": listener.country}


def ranked(items: tuple, seed: str, time_range: str, epoch: int) -> list:
    """Items in the order for one time range; each epoch (mutate) gives a new deterministic order."""
    rng = random.Random(f"{seed}|{time_range}|{epoch}")
    keys = {i: i + rng.uniform(0, _SPREAD[time_range]) for i in range(len(items))}
    return [items[i] for i in sorted(keys, key=keys.__getitem__)]


def paging(base: str, kind: str, items: list, limit: int, offset: int, time_range: str) -> dict:
    """Spotify's paging object over already serialised items."""
    def page_url(at: int) -> str:
        return f"{base}/v1/me/top/{kind}?" + urlencode({"limit": limit, "offset": at, "time_range": time_range})
    total = len(items)
    return {"href": page_url(offset), "items": items[offset:offset + limit], "limit": limit,
            "offset": offset, "total": total,
            "next": page_url(offset + limit) if offset + limit < total else None,
            "previous": page_url(max(0, offset - limit)) if offset > 0 else None}


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#111}}
button{{font:inherit;padding:.6rem 1rem;margin:.25rem 0;border-radius:2rem;border:2px solid #1db954;
background:#fff;cursor:pointer;text-align:left;width:100%}}button:focus{{outline:3px solid #000}}
.cancel{{border-color:#777}}small{{color:#444}}</style></head>
<body><main>{body}</main></body></html>"""


def error_page(message: str) -> bytes:
    """A small HTML error page; the message is escaped."""
    body = f"<h1>Demo Spotify — cannot continue</h1><p role=\"alert\">{escape(message)}</p>"
    return _PAGE.format(title="Demo Spotify — error", body=body).encode()


def _hidden(params: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())


def consent_page(params: dict[str, str], listeners: list[Listener], typed_field: bool) -> bytes:
    """The consent page: one button per listener (or a text field), and Cancel."""
    hidden = _hidden(params)
    buttons = "".join(
        f'<button type="submit" name="listener" value="{escape(item.id)}">'
        f"<strong>{escape(item.display_name)}</strong><br><small>@{escape(item.id)} · likes "
        f"{escape(', '.join(a.name for a in item.artists[:3]))}</small></button>"
        for item in listeners)
    typed = ""
    if typed_field:
        typed = (f'<form method="post" action="/authorize">{hidden}<label for="listener">Or type a listener id '
                 f'(e.g. listener-00042)</label><br><input id="listener" name="listener" required '
                 f'pattern="[a-z0-9_-]{{3,30}}"> <button type="submit">Sign in</button></form>')
    body = (f"<h1>Demo Spotify — choose a listener</h1>"
            f"<p>This is a local stand-in for Spotify. <strong>{escape(params.get('client_id', ''))}</strong> "
            f"asks to see your top artists and tracks (<code>{escape(params.get('scope', ''))}</code>).</p>"
            f'<form method="post" action="/authorize">{hidden}<fieldset><legend>Sign in as</legend>{buttons}'
            f"</fieldset></form>{typed}"
            f'<form method="post" action="/authorize">{hidden}'
            f'<button class="cancel" type="submit" name="cancel" value="1">Cancel</button></form>')
    return _PAGE.format(title="Demo Spotify — choose a listener", body=body).encode()

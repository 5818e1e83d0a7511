"""The page header's picture: the owner's photo from the bucket, else the source's own picture of
the user (Spotify, Last.fm), else a monogram of the name."""
from flask import current_app

from anchor.pages.public_view import initials

DISPLAY = 96           # CSS pixels the header shows; the 160 and 480 files cover 1x to 3x+ screens


def photo(profile, name):
    """{"src", "srcset", "size", "alt"} for a stored photo or the source's picture, else {"initials", "alt"}."""
    stored = profile.photo
    base = current_app.config.get("PHOTO_BASE_URL")
    if stored and stored.get("stem") and base:
        stem = f"{base.rstrip('/')}/{stored['stem']}"
        sizes = stored.get("sizes") or [160, 480]
        return {"src": f"{stem}-{min(sizes)}.webp", "size": DISPLAY, "alt": name,
                "srcset": ", ".join(f"{stem}-{size}.webp {size}w" for size in sizes)}
    picture = source_picture(profile)
    if picture:
        return {"src": picture, "size": DISPLAY, "alt": name, "srcset": None}
    return {"initials": initials(name), "alt": name}


def source_picture(profile):
    """The user's picture the page's source gave at its last fetch (the adapter checked its host), or None."""
    picture = (profile.listening or {}).get("picture")
    return picture if isinstance(picture, str) and picture else None

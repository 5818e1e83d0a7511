"""What every listening source shares: the error family, ranges, safe URLs.

Each adapter (spotify, listenbrainz, lastfm, upload) turns its service's answers into the same
normalised data, so the refresh engine, the pages and the AI writer never see a vendor's JSON:

    {"source": "listenbrainz", "fetchedAt": "2026-11-25T12:00:00Z",
     "ranges": {"month": {"artists": [...], "albums": [...]}, "half_year": {...}, "all_time": {...}}}

    artist: {"id", "name", "url", "image", "rank", "plays"}            (plays: int or None)
    album:  {"id", "name", "artists": [names], "year", "url", "image", "rank", "plays"}

Every message of an error here is safe to show the owner (never a token or a secret).
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from anchor.errors import (AccessTokenRejected, BadResponse, BudgetExhausted, ClientRejected,  # noqa: F401
                           CredentialsRevoked, NotReady, QuotaExceeded, RateLimited, SourceError,
                           SourceUnavailable, UnknownUser)

RANGES = ("month", "half_year", "all_time")
DEFAULT_RANGE = "half_year"
RANGE_LABELS = {"month": "about a month", "half_year": "about six months", "all_time": "all time"}

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def safe_url(value, hosts=(), *, allow_loopback=False) -> str | None:
    """The URL if a page may link to it or load it: https on an allowed host, else None.

    `hosts` holds exact host names or suffixes written as ".example.org" (any subdomain).
    `allow_loopback` admits http(s) on 127.0.0.1/::1/localhost, for local stand-ins only.
    The host is taken from the parsed URL (never from the netloc text, which may hold a
    user name such as `localhost:80@evil.example`).
    """
    if not isinstance(value, str) or not value or len(value) > 2048:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return None
    if not host or parts.username is not None or parts.password is not None:
        return None
    if allow_loopback and host in LOOPBACK_HOSTS and parts.scheme in ("http", "https"):
        return value
    if parts.scheme != "https":
        return None
    for allowed in hosts:
        if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
            return value
    return None


def now_iso() -> str:
    """The current UTC time as the `fetchedAt` stamp of normalised data."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def item_list(items: object, source: str, what: str, key: str = "items") -> list[dict]:
    """`items` when it is a list of objects; BadResponse naming the source's answer otherwise."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadResponse(f"{source}'s answer for {what} has no list of {key}")
    return items

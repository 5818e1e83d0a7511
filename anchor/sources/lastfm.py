"""The Last.fm adapter: web-auth sessions and top lists in, normalised listening data out."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any, Callable
from urllib.parse import urlencode

import requests

from anchor.limits import CallBudget

from .base import (BadResponse, CredentialsRevoked, SourceError, SourceUnavailable, UnknownUser, item_list,
                   now_iso, safe_url)
from .http import Retry, Transport, TransportClient, name_id, seconds

__all__ = ["LastfmClient", "auth_url", "client_from", "PERIODS", "PLACEHOLDER_HASH", "CALLS_PER_FETCH"]

SOURCE = "Last.fm"
PERIODS = {"month": "1month", "half_year": "6month", "all_time": "overall"}
PLACEHOLDER_HASH = "2a96cbd8b46e442fc41c2b86b821562f"  # Last.fm's grey star: sent when there is no image
IMAGE_HOSTS = ("lastfm.freetls.fastly.net", "lastfm-img2.akamaized.net", "userserve-ak.last.fm")
LINK_HOSTS = ("www.last.fm", "last.fm")
IMAGE_PREFERENCE = ("extralarge", "large", "mega", "medium", "small")
CALLS_PER_FETCH = 2 * len(PERIODS) + 1 + 1   # two lists a range, the user's picture, one retry
DEFAULT_RATE_WAIT = 60.0  # error 29 usually comes without Retry-After


def auth_url(auth_url_base: str, api_key: str, callback: str, token: str | None = None) -> str:
    """Where to send the browser to connect Last.fm (e.g. base https://www.last.fm/api/auth/);
    with `token` (from auth.getToken) Last.fm approves that token and sends it back."""
    base = auth_url_base if auth_url_base.endswith("/") else auth_url_base + "/"
    params = {"api_key": api_key, "cb": callback} | ({"token": token} if token else {})
    return f"{base}?{urlencode(params)}"


def _int(value: Any) -> int | None:
    """Last.fm's numbers arrive as strings in JSON."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _items(container: Any, key: str, what: str) -> list[dict]:
    items = container.get(key, []) if isinstance(container, dict) else None
    if isinstance(items, dict):  # Last.fm's XML-to-JSON turns a list of one into an object
        items = [items]
    return item_list(items, SOURCE, what)


class LastfmClient(TransportClient):
    """Talks to ws.audioscrobbler.com/2.0 (or the stand-in) with JSON answers and signed calls."""

    def __init__(self, api_url: str, api_key: str, shared_secret: str, *, timeout=(3.05, 10),
                 max_retries: int = 2, max_retry_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                 budget: CallBudget | None = None, allow_loopback: bool = False, artist_count: int = 20,
                 album_count: int = 12):
        root = api_url.rstrip("/")
        self.api_url = (root if root.endswith("/2.0") else root + "/2.0") + "/"
        self.api_key, self._secret = api_key, shared_secret
        self.allow_loopback, self.artist_count, self.album_count = allow_loopback, artist_count, album_count
        self.transport = Transport(SOURCE, timeout=timeout, max_retries=max_retries, max_retry_wait=max_retry_wait,
                                   sleep=sleep, budget=budget)

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"LastfmClient({self.api_url!r})"

    def sign(self, params: dict[str, Any]) -> str:
        """api_sig: md5 of name+value sorted by name (no format/callback/api_sig), then the shared secret."""
        text = "".join(f"{k}{params[k]}" for k in sorted(params) if k not in ("format", "callback", "api_sig"))
        return hashlib.md5((text + self._secret).encode("utf-8")).hexdigest()

    # -- HTTP ----------------------------------------------------------------------------------
    def _error(self, code: int, user: str | None) -> SourceError | Retry:
        if code == 6:
            return UnknownUser(f"{SOURCE} does not know the user {user}")
        if code == 17:   # signing in again cannot help: the sign-in keeps no session key to read it with
            return UnknownUser(f"{user}'s {SOURCE} listening data is private: make it public in your "
                               f"{SOURCE} privacy settings, then refresh")
        if code in (10, 26):
            return SourceError(f"{SOURCE} refused this site's API key; the site's operators have been told")
        if code == 9:
            return CredentialsRevoked(f"{SOURCE} no longer accepts this connection; please connect Last.fm again")
        if code in (4, 14, 15):
            return CredentialsRevoked(f"{SOURCE} did not accept the sign-in (it may have expired); please try again")
        if code in (8, 11, 16):
            return Retry(SourceUnavailable(f"{SOURCE} is having trouble (error {code}); try again later"))
        if code == 13:
            return SourceError(f"{SOURCE} rejected this site's request signature")
        return SourceError(f"{SOURCE} refused the request (error {code})")

    def _call(self, params: dict[str, Any], what: str, user: str | None = None, signed: bool = False) -> dict:
        params = {**params, "api_key": self.api_key}
        if signed:
            params["api_sig"] = self.sign(params)
        params["format"] = "json"

        def parse(response: requests.Response) -> dict:
            try:
                data = response.json()
            except ValueError:
                data = None
            if isinstance(data, dict) and "error" in data:  # errors come in the body, even with HTTP 200
                code = _int(data.get("error"))
                if code == 29:
                    wait = seconds(response.headers.get("Retry-After"), DEFAULT_RATE_WAIT)
                    raise self.transport.rate_limited(wait)
                error = self._error(code if code is not None else -1, user)
                raise error
            if response.status_code == 429:
                raise self.transport.rate_limited(seconds(response.headers.get("Retry-After"), DEFAULT_RATE_WAIT))
            if response.status_code >= 500:
                raise self.transport.server_error(response, what)
            if response.status_code != 200:
                raise self.transport.refused(response, what)
            if not isinstance(data, dict):
                raise BadResponse(f"{SOURCE} sent something that is not JSON for {what}")
            return data

        # Signed calls go as POST so tokens and session keys stay out of URLs (and access logs).
        if signed:
            return self.transport.call("POST", self.api_url, what, parse, data=params)
        return self.transport.call("GET", self.api_url, what, parse, params=params)

    # -- auth ----------------------------------------------------------------------------------
    def get_token(self) -> str:
        """auth.getToken: a fresh token (an hour, unauthorized) for the browser to approve."""
        data = self._call({"method": "auth.getToken"}, "a sign-in token", signed=True)
        token = data.get("token")
        if not isinstance(token, str) or not (len(token) == 32 and token.isalnum()):
            raise BadResponse(f"{SOURCE}'s auth.getToken answer has no token")
        return token

    def get_session(self, token: str) -> tuple[str, str]:
        """Trade a web-auth token for (user name, session key); sessions last until the user revokes them."""
        data = self._call({"method": "auth.getSession", "token": token}, "the sign-in", signed=True)
        session = data.get("session")
        name = session.get("name") if isinstance(session, dict) else None
        key = session.get("key") if isinstance(session, dict) else None
        if not isinstance(name, str) or not name or not isinstance(key, str) or not key:
            raise BadResponse(f"{SOURCE}'s sign-in answer has no session")
        return name, key

    # -- top lists -----------------------------------------------------------------------------
    def _image(self, item: dict) -> str | None:
        by_size = {i.get("size"): i.get("#text") for i in item.get("image") or [] if isinstance(i, dict)}
        for size in IMAGE_PREFERENCE:
            url = by_size.get(size)
            if isinstance(url, str) and url and PLACEHOLDER_HASH not in url:
                return safe_url(url, IMAGE_HOSTS, allow_loopback=self.allow_loopback)
        return None

    def picture(self, user: str) -> str | None:
        """user.getInfo: the user's own image (https on Last.fm's image hosts), or None.

        Last.fm sends empty URLs or its grey star when the user has none; a malformed answer is
        no picture rather than a failed refresh (the lists are what the page needs)."""
        data = self._call({"method": "user.getInfo", "user": user}, "your profile picture", user)
        info = data.get("user")
        return self._image(info) if isinstance(info, dict) and isinstance(info.get("image"), list) else None

    def top(self, user: str, kind: str, period: str, limit: int, session_key: str | None = None) -> list[dict]:
        """Raw items of user.getTopArtists (kind "artists") or user.getTopAlbums ("albums")."""
        method, key, item_key = (("user.getTopArtists", "topartists", "artist") if kind == "artists"
                                 else ("user.getTopAlbums", "topalbums", "album"))
        params = {"method": method, "user": user, "period": period, "limit": limit, "page": 1}
        if session_key:  # signed in as the owner: Last.fm shows them their own private data
            params["sk"] = session_key
        data = self._call(params, f"top {kind}", user, signed=bool(session_key))
        return _items(data.get(key), item_key, f"top {kind}")

    def _artists(self, items: list[dict]) -> list[dict]:
        artists = []
        for rank, item in enumerate(items[:self.artist_count], start=1):
            name, mbid = item.get("name"), item.get("mbid")
            if not isinstance(name, str) or not name.strip():
                raise BadResponse(f"{SOURCE}'s top artists item #{rank} has no name")
            artists.append({"id": mbid if isinstance(mbid, str) and mbid else name_id(name), "name": name,
                            "url": safe_url(item.get("url"), LINK_HOSTS), "image": self._image(item),
                            "rank": rank, "plays": _int(item.get("playcount"))})
        return artists

    def _albums(self, items: list[dict]) -> list[dict]:
        albums = []
        for rank, item in enumerate(items[:self.album_count], start=1):
            name, mbid, artist = item.get("name"), item.get("mbid"), item.get("artist")
            artist_name = artist.get("name") if isinstance(artist, dict) else artist
            if not isinstance(name, str) or not name.strip():
                raise BadResponse(f"{SOURCE}'s top albums item #{rank} has no name")
            artist_name = artist_name if isinstance(artist_name, str) and artist_name else ""
            albums.append({"id": mbid if isinstance(mbid, str) and mbid else name_id(artist_name, name),
                           "name": name, "artists": [artist_name] if artist_name else [], "year": None,
                           "url": safe_url(item.get("url"), LINK_HOSTS), "image": self._image(item),
                           "rank": rank, "plays": _int(item.get("playcount"))})
        return albums

    def fetch(self, user: str, session_key: str | None = None) -> dict:
        """Normalised top artists and albums for the three ranges (1month, 6month, overall), and the
        user's picture (one call after the lists)."""
        ranges = {}
        for ours, period in PERIODS.items():
            artists = self.top(user, "artists", period, self.artist_count, session_key)
            albums = self.top(user, "albums", period, self.album_count, session_key)
            ranges[ours] = {"artists": self._artists(artists), "albums": self._albums(albums)}
        return {"source": "lastfm", "fetchedAt": now_iso(), "picture": self.picture(user), "ranges": ranges}


def client_from(config: Mapping, budget: CallBudget | None = None, **kwargs: Any) -> LastfmClient:
    """A client configured from the app's settings (the stand-in's demo key when none is set)."""
    return LastfmClient(config["LASTFM_API_URL"], config["LASTFM_API_KEY"] or "anchor-demo-key",
                        config["LASTFM_SHARED_SECRET"] or "anchor-demo-secret", budget=budget,
                        allow_loopback=config["LASTFM_SANDBOX"], **kwargs)

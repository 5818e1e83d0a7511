"""The Spotify adapter: OAuth token grants, the Web API subset we use, normalised listening data."""
from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

import requests

from anchor.limits import CallBudget
from anchor.logs import log_event

from .base import (LOOPBACK_HOSTS, AccessTokenRejected, BadResponse, ClientRejected,
                   CredentialsRevoked, QuotaExceeded, SourceError, SourceUnavailable, now_iso)
from .http import Retry, Transport, TransportClient
from .spotify_albums import derive_top_albums, largest_image, normalize_artists, spotify_url

__all__ = ["SpotifyClient", "TokenSet", "client_from", "fetch", "TIME_RANGES", "RANGE_PARAMS", "CALLS_PER_FETCH"]

log = logging.getLogger(__name__)
SOURCE = "Spotify"
TIME_RANGES = ("short_term", "medium_term", "long_term")
RANGE_PARAMS = {"month": "short_term", "half_year": "medium_term", "all_time": "long_term"}
# Token refresh, two calls a range, the user's picture (/v1/me), one retry.
CALLS_PER_FETCH = 1 + 2 * len(RANGE_PARAMS) + 1 + 1
MAX_TOP_TRACKS = 200
QUOTA_MIN_PAUSE = 3600.0   # a quota answer without Retry-After holds Spotify for an hour


@dataclass
class TokenSet:
    """Tokens from one grant; refresh_token is None when Spotify did not send a new one."""

    access_token: str
    refresh_token: str | None
    expires_at: int
    scope: str

    def __repr__(self) -> str:  # keep tokens out of logs and tracebacks
        return f"TokenSet(expires_at={self.expires_at}, scope={self.scope!r})"


def _quota_exceeded(response: requests.Response) -> bool:
    """True for Spotify's quota answer: 429 with `{"error": {"reason": "QUOTA_EXCEEDED"}}`."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("reason") == "QUOTA_EXCEEDED"


def _root(url: str, suffix: str) -> str:
    url = url.rstrip("/")
    return url[: -len(suffix)] if url.endswith(suffix) else url


def _retry_after(value: str | None) -> float:
    """Retry-After in seconds; a missing or garbled header means one second."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        return 1.0
    return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else 1.0


class SpotifyClient(TransportClient):
    """Spotify accounts + Web API client on the sources' Transport (timeouts, retries, budget)."""

    def __init__(self, accounts_url: str, api_url: str, client_id: str, client_secret: str,
                 timeout: tuple[float, float] = (3.05, 10), max_retries: int = 3, max_retry_after: float = 30.0,
                 backoff_base: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 budget: CallBudget | None = None):
        self.accounts_url = _root(accounts_url, "/api/token")
        self.api_url = _root(api_url, "/v1")
        self.client_id, self._client_secret = client_id, client_secret
        # Loopback links and images are kept only when the client talks to a local sandbox.
        self.allow_loopback = urlsplit(self.api_url).hostname in LOOPBACK_HOSTS
        self.transport = Transport(SOURCE, timeout=timeout, max_retries=max_retries, max_retry_wait=max_retry_after,
                                   backoff_base=backoff_base, sleep=sleep, budget=budget)

    @property
    def max_retries(self) -> int:
        """Attempts after the first that one logical call may make."""
        return self.transport.max_retries

    @property
    def authorize_endpoint(self) -> str:
        """Where the browser is sent to sign in."""
        return f"{self.accounts_url}/authorize"

    @property
    def token_endpoint(self) -> str:
        """Where codes and refresh tokens are exchanged."""
        return f"{self.accounts_url}/api/token"

    # -- answers every call may get ----------------------------------------------------------
    def _throttled(self, response: requests.Response) -> None:
        """Raise for a 429 or 5xx: Retry (Transport asks again or gives up), QuotaExceeded at once."""
        status = response.status_code
        if status == 429:
            wait = _retry_after(response.headers.get("Retry-After"))
            if _quota_exceeded(response):
                # The app's quota, not a burst: nothing succeeds until the window ends.
                wait = max(wait, QUOTA_MIN_PAUSE)
                log_event(log, "source quota exceeded", level=logging.WARNING, source=SOURCE, retry_after=wait)
                pause = getattr(self.transport.budget, "pause", None)
                if pause is not None:
                    pause(wait)
                raise QuotaExceeded(wait, SOURCE)
            raise self.transport.rate_limited(wait)
        if status >= 500:
            raise Retry(SourceUnavailable(f"Spotify is having trouble (HTTP {status}); try again later"))

    def _object(self, response: requests.Response, what: str, errors: dict | None = None) -> dict:
        """The JSON object of a 200 answer (the Transport's status and JSON rules), else BadResponse."""
        data = self.transport.json_answer(response, what, errors)
        if not isinstance(data, dict):
            raise BadResponse(f"Spotify's answer for {what} is not a JSON object")
        return data

    # -- OAuth -------------------------------------------------------------------------------
    def _token_request(self, form: dict[str, str], what: str) -> TokenSet:
        def parse(response: requests.Response) -> TokenSet:
            self._throttled(response)
            if response.status_code != 200:
                try:
                    error = response.json().get("error")
                except (ValueError, AttributeError):
                    error = None
                if error == "invalid_grant":
                    if form["grant_type"] == "refresh_token":
                        raise CredentialsRevoked("Spotify no longer accepts this connection; please reconnect Spotify")
                    raise CredentialsRevoked("Spotify did not accept the sign-in code; please sign in again")
                if error == "invalid_client":
                    raise ClientRejected("Spotify rejected this app's client credentials")
                raise SourceError(f"Spotify refused the {what} (HTTP {response.status_code})")
            data = self._object(response, what)
            access, refresh, expires_in = data.get("access_token"), data.get("refresh_token"), data.get("expires_in")
            if not isinstance(access, str) or not access:
                raise BadResponse(f"Spotify's {what} answer has no access_token")
            if refresh is not None and (not isinstance(refresh, str) or not refresh):
                raise BadResponse(f"Spotify's {what} answer has an unusable refresh_token")
            if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
                raise BadResponse(f"Spotify's {what} answer has no valid expires_in")
            scope = data.get("scope") if isinstance(data.get("scope"), str) else ""
            return TokenSet(access, refresh, int(time.time()) + expires_in, scope)

        return self.transport.call("POST", self.token_endpoint, what, parse, data=form,
                                   auth=(self.client_id, self._client_secret))

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade an authorization code (PKCE) for tokens."""
        return self._token_request({"grant_type": "authorization_code", "code": code,
                                    "redirect_uri": redirect_uri, "code_verifier": code_verifier}, "token exchange")

    def refresh(self, refresh_token: str) -> TokenSet:
        """Get a new access token; raises CredentialsRevoked when the refresh token is revoked."""
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token},
                                   "token refresh")

    # -- Web API -----------------------------------------------------------------------------
    def _get(self, access_token: str, url: str, what: str, params: dict | None = None) -> dict:
        def parse(response: requests.Response) -> dict:
            self._throttled(response)
            return self._object(response, what, {401: AccessTokenRejected("Spotify rejected the access token")})

        return self.transport.call("GET", url, what, parse, params=params,
                                   headers={"Authorization": f"Bearer {access_token}"})

    def me(self, access_token: str) -> dict:
        """The signed-in user as {id, display_name, url, image}."""
        data = self._get(access_token, f"{self.api_url}/v1/me", "your profile")
        if not isinstance(data.get("id"), str) or not data["id"]:
            raise BadResponse("Spotify's profile answer has no user id")
        name = data.get("display_name")
        return {"id": data["id"], "display_name": name if isinstance(name, str) and name else data["id"],
                "url": spotify_url(data, self.allow_loopback),
                "image": largest_image(data.get("images"), self.allow_loopback)}

    @staticmethod
    def _items(page: dict, what: str) -> list[dict]:
        items = page.get("items")
        if not isinstance(items, list):
            raise BadResponse(f"Spotify's {what} answer has no list of items")
        for position, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise BadResponse(f"Spotify's {what} item #{position} is not an object")
            if not isinstance(item.get("id"), str) or not item["id"]:
                raise BadResponse(f"Spotify's {what} item #{position} has no id")
            if not isinstance(item.get("name"), str):
                raise BadResponse(f"Spotify's {what} item #{position} has no name")
            if "album" in item and item["album"] is not None and not isinstance(item["album"], dict):
                raise BadResponse(f"Spotify's {what} item #{position} has a malformed album")
        return items

    @staticmethod
    def _check_range(time_range: str) -> None:
        if time_range not in TIME_RANGES:
            raise ValueError(f"time_range must be one of {', '.join(TIME_RANGES)}")

    def top_artists(self, access_token: str, limit: int = 20, time_range: str = "medium_term") -> list[dict]:
        """Top artists, normalised to {id, name, url, image, rank}."""
        self._check_range(time_range)
        limit = max(1, min(50, int(limit)))
        page = self._get(access_token, f"{self.api_url}/v1/me/top/artists", "top artists",
                         {"limit": limit, "offset": 0, "time_range": time_range})
        return normalize_artists(self._items(page, "top artists"), limit, self.allow_loopback)

    def top_tracks(self, access_token: str, limit: int = 50, time_range: str = "medium_term") -> list[dict]:
        """Raw top track objects in rank order, following `next` pages when limit > 50."""
        self._check_range(time_range)
        limit = max(1, min(MAX_TOP_TRACKS, int(limit)))
        url: str | None = f"{self.api_url}/v1/me/top/tracks"
        params: dict | None = {"limit": min(50, limit), "offset": 0, "time_range": time_range}
        tracks: list[dict] = []
        while url and len(tracks) < limit:
            page = self._get(access_token, url, "top tracks", params)
            tracks.extend(self._items(page, "top tracks"))
            url, params = page.get("next"), None
            if url is not None and (not isinstance(url, str) or not url.startswith(self.api_url + "/")):
                raise BadResponse("Spotify's top tracks answer points to an unexpected next page")
        return tracks[:limit]

    def fetch_profile_data(self, access_token: str, time_range: str = "medium_term") -> dict:
        """Everything a profile page shows from Spotify: top artists and derived top albums."""
        artists = self.top_artists(access_token, limit=20, time_range=time_range)
        tracks = self.top_tracks(access_token, limit=50, time_range=time_range)
        return {"fetchedAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "timeRange": time_range,
                "artists": artists, "albums": derive_top_albums(tracks, 12, self.allow_loopback)}


def client_from(config: Mapping, budget: CallBudget | None = None, **kwargs: Any) -> SpotifyClient:
    """A client configured from the app's settings (real Spotify or the sandbox)."""
    return SpotifyClient(config["SPOTIFY_ACCOUNTS_URL"], config["SPOTIFY_API_URL"],
                         config["SPOTIFY_CLIENT_ID"] or "anchor-demo",
                         config["SPOTIFY_CLIENT_SECRET"] or "anchor-demo-secret",
                         max_retry_after=config["SPOTIFY_MAX_RETRY_AFTER"], budget=budget, **kwargs)


def fetch(client: SpotifyClient, access_token: str) -> dict:
    """Normalised listening data and the user's picture; Spotify gives no play counts (`plays` stays None)."""
    ranges = {}
    for ours, theirs in RANGE_PARAMS.items():
        data = client.fetch_profile_data(access_token, time_range=theirs)
        ranges[ours] = {
            "artists": [dict(artist, plays=None) for artist in data["artists"]],
            "albums": [dict(album, rank=rank, plays=None)
                       for rank, album in enumerate(data["albums"], start=1)],
        }
    # The user's own picture follows the lists at each refresh, so a removed one leaves the page.
    picture = client.me(access_token)["image"]
    return {"source": "spotify", "fetchedAt": now_iso(), "picture": picture, "ranges": ranges}

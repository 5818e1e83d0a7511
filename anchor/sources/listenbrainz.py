"""The ListenBrainz adapter: public statistics in, normalised listening data out (plus MusicBrainz userinfo).

Albums come from the *release-groups* statistics, not releases: a release group is "the album" whatever
edition was played (deluxe, remaster, regional pressing), so listens are not split across editions;
its items still carry `caa_id`/`caa_release_mbid` for the cover, and unmatched listens are kept by name.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Callable
from urllib.parse import quote

import requests

from anchor.limits import CallBudget

from . import listenbrainz_years
from .base import (BadResponse, CredentialsRevoked, NotReady, SourceError, UnknownUser, item_list,
                   now_iso, safe_url)
from .http import Transport, TransportClient, name_id, seconds

__all__ = ["ListenBrainzClient", "client_from", "userinfo", "RANGE_PARAMS", "CALLS_PER_FETCH"]

SOURCE = "ListenBrainz"
RANGE_PARAMS = {"month": "month", "half_year": "half_yearly", "all_time": "all_time"}
# Two top lists a range, the calendar years' statistics, one retry: inside ListenBrainz's window of 25 per 10 s.
CALLS_PER_FETCH = 2 * len(RANGE_PARAMS) + listenbrainz_years.CALLS + 1
MUSICBRAINZ_HOSTS = ("musicbrainz.org",)
COVERART_HOSTS = ("coverartarchive.org",)
# The Cover Art Archive answers an image request with a redirect to the Internet Archive's servers.
COVERART_REDIRECT_HOSTS = ("archive.org", ".archive.org")
DEFAULT_WINDOW = 10.0  # ListenBrainz's rate-limit window, when a 429 comes without its headers
_MBID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _mbid(value: Any) -> str | None:
    return value if isinstance(value, str) and _MBID_RE.match(value) else None


def _plays(item: dict, what: str, position: int) -> int:
    count = item.get("listen_count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise BadResponse(f"{SOURCE}'s {what} item #{position} has no valid listen_count")
    return count


def _name(item: dict, key: str, what: str, position: int) -> str:
    name = item.get(key)
    if not isinstance(name, str) or not name.strip():
        raise BadResponse(f"{SOURCE}'s {what} item #{position} has no {key}")
    return name


class ListenBrainzClient(TransportClient):
    """Reads a user's top artists and albums from the ListenBrainz statistics API (no token needed)."""

    def __init__(self, api_url: str, coverart_url: str, *, timeout=(3.05, 10), max_retries: int = 2,
                 max_retry_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                 budget: CallBudget | None = None, rate_state: Any = None, allow_loopback: bool = False,
                 artist_count: int = 20, album_count: int = 12, clock: Callable[[], float] = time.time):
        self.api_url, self.coverart_url = api_url.rstrip("/"), coverart_url.rstrip("/")
        self.rate_state, self.allow_loopback = rate_state, allow_loopback
        self.artist_count, self.album_count, self.clock = artist_count, album_count, clock
        self.transport = Transport(SOURCE, timeout=timeout, max_retries=max_retries, max_retry_wait=max_retry_wait,
                                   sleep=sleep, budget=budget)

    # -- HTTP ----------------------------------------------------------------------------------
    def _observe(self, response: requests.Response) -> float | None:
        """Hand the rate-limit headers to rate_state; the seconds until the window resets (None if absent)."""
        remaining = seconds(response.headers.get("X-RateLimit-Remaining"), -1)
        reset_in = seconds(response.headers.get("X-RateLimit-Reset-In"), -1)
        if self.rate_state is not None and remaining >= 0 and reset_in >= 0:
            self.rate_state.observe(int(remaining), reset_in)
        return reset_in if reset_in >= 0 else None

    def payload(self, user: str, endpoint: str, stats_range: str, what: str, **params: Any) -> dict | None:
        """The payload of /1/stats/user/{user}/{endpoint} ({} if none); None when not computed yet (204)."""

        def parse(response: requests.Response) -> dict | None:
            reset_in = self._observe(response)
            status = response.status_code
            if status == 429:  # ListenBrainz sends no Retry-After: the window's reset is the wait
                raise self.transport.rate_limited(DEFAULT_WINDOW if reset_in is None else reset_in)
            if status == 204:
                return None
            unknown = UnknownUser(f"{SOURCE} does not know the user {user}")
            data = self.transport.json_answer(response, what, {404: unknown})
            payload = data.get("payload") if isinstance(data, dict) else None
            return payload if isinstance(payload, dict) else {}   # callers name what is missing

        url = f"{self.api_url}/1/stats/user/{quote(user, safe='')}/{endpoint}"
        return self.transport.call("GET", url, what, parse, params={"range": stats_range, **params})

    def top(self, user: str, entity: str, stats_range: str, count: int) -> list[dict] | None:
        """Raw items of /1/stats/user/{user}/{entity}; None when the statistics are not computed yet (204)."""
        key = entity.replace("-", "_")
        what = f"top {entity.replace('-', ' ')}"
        payload = self.payload(user, entity, stats_range, what, count=count, offset=0)
        if payload is None:
            return None
        return item_list(payload.get(key), SOURCE, what, key)

    # -- normalisation -------------------------------------------------------------------------
    def _artists(self, items: list[dict], count: int | None = None) -> list[dict]:
        artists = []
        for rank, item in enumerate(items[:count or self.artist_count], start=1):
            name, mbid = _name(item, "artist_name", "top artists", rank), _mbid(item.get("artist_mbid"))
            artists.append({"id": mbid or name_id(name), "name": name,
                            "url": safe_url(f"https://musicbrainz.org/artist/{mbid}", MUSICBRAINZ_HOSTS)
                            if mbid else None,
                            "image": None, "rank": rank, "plays": _plays(item, "top artists", rank)})
        return artists

    def _cover(self, item: dict) -> str | None:
        release = _mbid(item.get("caa_release_mbid"))
        if release is None:
            return None
        caa_id = item.get("caa_id")
        # caa_id pins the exact image (what ListenBrainz's own pages use); "front" makes the archive look it up.
        name = f"{caa_id}-250" if isinstance(caa_id, int) and not isinstance(caa_id, bool) and caa_id > 0 \
            else "front-250"
        return safe_url(f"{self.coverart_url}/release/{release}/{name}", COVERART_HOSTS,
                        allow_loopback=self.allow_loopback)

    def _albums(self, items: list[dict], count: int | None = None) -> list[dict]:
        albums = []
        for rank, item in enumerate(items[:count or self.album_count], start=1):
            name = _name(item, "release_group_name", "top albums", rank)
            credit = item.get("artist_name") if isinstance(item.get("artist_name"), str) else ""
            parts = item.get("artists")
            names = [a["artist_credit_name"] for a in parts if isinstance(a, dict)
                     and isinstance(a.get("artist_credit_name"), str)] if isinstance(parts, list) else []
            mbid = _mbid(item.get("release_group_mbid"))
            albums.append({"id": mbid or name_id(credit, name), "name": name,
                           "artists": names or ([credit] if credit else []), "year": None,
                           "url": safe_url(f"https://musicbrainz.org/release-group/{mbid}", MUSICBRAINZ_HOSTS)
                           if mbid else None,
                           "image": self._cover(item), "rank": rank, "plays": _plays(item, "top albums", rank)})
        return albums

    def fetch(self, user: str) -> dict:
        """Normalised top artists and albums for the three ranges, then the calendar years (`years`,
        `timezone`); NotReady when no range is computed yet."""
        ranges, computed = {}, False
        for ours, theirs in RANGE_PARAMS.items():
            artists = self.top(user, "artists", theirs, self.artist_count)
            albums = self.top(user, "release-groups", theirs, self.album_count)
            computed = computed or artists is not None or albums is not None
            ranges[ours] = {"artists": self._artists(artists or []), "albums": self._albums(albums or [])}
        if not computed:
            raise NotReady(f"{SOURCE} has not computed statistics for {user} yet; they appear within a day "
                           "of the first listens")
        return {"source": "listenbrainz", "fetchedAt": now_iso(), "ranges": ranges,
                **listenbrainz_years.read_years(self, user, self.clock())}


def client_from(config: Mapping, budget: CallBudget | None = None, **kwargs: Any) -> ListenBrainzClient:
    """A statistics client configured from the app's settings; the budget also reads the rate headers."""
    return ListenBrainzClient(config["LISTENBRAINZ_API_URL"], config["COVERART_URL"], budget=budget,
                              rate_state=budget, allow_loopback=config["BRAINZ_SANDBOX"], **kwargs)


def userinfo(musicbrainz_url: str, access_token: str, *, timeout=(3.05, 10), max_retries: int = 1,
             sleep: Callable[[float], None] = time.sleep, budget: CallBudget | None = None) -> str:
    """The MusicBrainz (= ListenBrainz) user name behind an OAuth access token, from /oauth2/userinfo."""

    def parse(response: requests.Response) -> str:
        if response.status_code >= 500:
            raise transport.server_error(response, "your MusicBrainz profile")
        if response.status_code in (400, 401):  # 400 invalid_token: the grant lacks the profile scope
            raise CredentialsRevoked("MusicBrainz no longer accepts this sign-in; please sign in again")
        if response.status_code != 200:
            raise SourceError(f"MusicBrainz refused the profile request (HTTP {response.status_code})")
        try:
            data = response.json()
        except ValueError:
            raise BadResponse("MusicBrainz sent something that is not JSON for your profile") from None
        name = data.get("sub") if isinstance(data, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise BadResponse("MusicBrainz's profile answer has no user name")
        return name

    transport = Transport("MusicBrainz", timeout=timeout, max_retries=max_retries, sleep=sleep, budget=budget)
    try:
        return transport.call("GET", f"{musicbrainz_url.rstrip('/')}/oauth2/userinfo", "your profile", parse,
                              headers={"Authorization": f"Bearer {access_token}"})
    finally:
        transport.close()

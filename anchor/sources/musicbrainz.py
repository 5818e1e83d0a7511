"""The MusicBrainz web-service adapter (/ws/2, JSON): find an artist, read their albums and EPs.

Three calls: the artist search (a short list to pick from), the artist lookup with its URL
relationships, and the release-group browse (albums and EPs, paged by 100). Everything that
leaves here is normalised; the product never sees MusicBrainz's JSON:

    candidate: {"mbid", "name", "disambiguation", "country", "begin"}
    artist:    {"mbid", "name", "links": [{"service", "url"}]}
    release:   {"id", "title", "year", "type", "cover", "links": [{"service", "url"}]}

MusicBrainz allows about one request a second per address and answers 503 beyond it: the
caller's gate (limits) paces the requests; a 503 pauses it and ends as RateLimited.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Callable

import requests

from anchor.limits import CallBudget

from .base import BadResponse, UnknownUser, safe_url
from .http import Transport, TransportClient, seconds

__all__ = ["MusicBrainzClient", "client_from", "LISTEN_SERVICES", "RELEASE_CAP", "PAGE_BUDGET"]

SOURCE = "MusicBrainz"
PAGE_SIZE = 100            # the most a browse returns per request
PAGE_BUDGET = 3            # browse pages per fetch: 300 albums and EPs, newest kept
RELEASE_CAP = 24           # releases kept on the page, newest first
SEARCH_LIMIT = 8           # candidates shown to the owner
RATE_LIMIT_WAIT = 2.0      # MusicBrainz's 503 carries no Retry-After: wait this long, then once more
COVERART_HOSTS = ("coverartarchive.org",)
MBID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_YEAR_RE = re.compile(r"^(\d{4})")
# Where a release can be heard or bought, by host (the domain or any subdomain), https only.
LISTEN_SERVICES = (
    ("Bandcamp", ("bandcamp.com", ".bandcamp.com")),
    ("Spotify", ("open.spotify.com",)),
    ("Apple Music", ("music.apple.com", "itunes.apple.com")),
    ("YouTube", ("youtube.com", "www.youtube.com", "music.youtube.com", "youtu.be")),
    ("SoundCloud", ("soundcloud.com",)),
    ("Tidal", ("tidal.com", "listen.tidal.com")),
    ("Deezer", ("deezer.com", "www.deezer.com")),
)
KEPT_TYPES = ("Album", "EP")
SKIPPED_SECONDARY = ("Compilation", "DJ-mix", "Mixtape/Street")   # not the artist's own record


def is_mbid(value: Any) -> bool:
    """True for a lower-case MusicBrainz id."""
    return isinstance(value, str) and bool(MBID_RE.match(value))


def _text(value: Any, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _year(date: Any) -> int | None:
    match = _YEAR_RE.match(date) if isinstance(date, str) else None
    return int(match.group(1)) if match else None


def listen_links(relations: Any) -> list[dict]:
    """[{service, url}] of the relations that point at a known listening service (one per service)."""
    found: dict[str, str] = {}
    for relation in relations if isinstance(relations, list) else []:
        target = relation.get("url") if isinstance(relation, dict) else None
        resource = target.get("resource") if isinstance(target, dict) else None
        for service, hosts in LISTEN_SERVICES:
            url = safe_url(resource, hosts)
            if url is not None and service not in found:
                found[service] = url
    return [{"service": service, "url": url} for service, url in found.items()]


class MusicBrainzClient(TransportClient):
    """Artist search, artist lookup and release-group browse against one /ws/2 base URL."""

    def __init__(self, musicbrainz_url: str, coverart_url: str, *, timeout=(3.05, 10), max_retries: int = 1,
                 max_retry_wait: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                 budget: CallBudget | None = None, allow_loopback: bool = False):
        self.api_url = musicbrainz_url.rstrip("/") + "/ws/2"
        self.coverart_url, self.allow_loopback = coverart_url.rstrip("/"), allow_loopback
        self.transport = Transport(SOURCE, timeout=timeout, max_retries=max_retries,
                                   max_retry_wait=max_retry_wait, sleep=sleep, budget=budget)

    def get(self, path: str, what: str, params: dict) -> dict:
        """The JSON object of one /ws/2 GET; 503 is MusicBrainz's rate limit (or an outage)."""
        def parse(response: requests.Response) -> dict:
            status = response.status_code
            if status == 503:
                wait = seconds(response.headers.get("Retry-After"), RATE_LIMIT_WAIT)
                raise self.transport.rate_limited(wait)
            unknown = UnknownUser(f"{SOURCE} does not know that artist")
            data = self.transport.json_answer(response, what, {400: unknown, 404: unknown})
            if not isinstance(data, dict):
                raise BadResponse(f"{SOURCE}'s answer for {what} is not an object")
            return data
        return self.transport.call("GET", f"{self.api_url}/{path}", what, parse, params={**params, "fmt": "json"})

    def search_artists(self, name: str) -> list[dict]:
        """A short list of artists whose name matches, best first."""
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        data = self.get("artist", "the artist search", {"query": f'artist:"{quoted}"', "limit": SEARCH_LIMIT})
        found = []
        for item in data.get("artists") if isinstance(data.get("artists"), list) else []:
            if not isinstance(item, dict) or not is_mbid(item.get("id")) or not _text(item.get("name")):
                continue
            span = item.get("life-span") if isinstance(item.get("life-span"), dict) else {}
            area = item.get("area") if isinstance(item.get("area"), dict) else {}
            found.append({"mbid": item["id"], "name": _text(item["name"]),
                          "disambiguation": _text(item.get("disambiguation")),
                          "country": _text(item.get("country"), 8) or _text(area.get("name"), 80),
                          "begin": _text(span.get("begin"), 10)})
        return found[:SEARCH_LIMIT]

    def artist(self, mbid: str) -> dict:
        """The artist's name and their own listening links (URL relationships)."""
        if not is_mbid(mbid):
            raise UnknownUser(f"{SOURCE} does not know that artist")
        data = self.get(f"artist/{mbid}", "the artist", {"inc": "url-rels"})
        name = _text(data.get("name"))
        if data.get("id") != mbid or not name:
            raise BadResponse(f"{SOURCE}'s answer for the artist has no id or name")
        return {"mbid": mbid, "name": name, "links": listen_links(data.get("relations"))}

    def release_groups(self, mbid: str) -> list[dict]:
        """Raw albums and EPs of the artist, up to PAGE_BUDGET pages of the browse."""
        groups: list[dict] = []
        for page in range(PAGE_BUDGET):
            data = self.get("release-group", "the artist's releases",
                            {"artist": mbid, "type": "album|ep", "inc": "url-rels", "limit": PAGE_SIZE,
                             "offset": page * PAGE_SIZE})
            items = data.get("release-groups")
            if not isinstance(items, list):
                raise BadResponse(f"{SOURCE}'s answer for the artist's releases has no release-groups")
            groups += [i for i in items if isinstance(i, dict)]
            total = data.get("release-group-count")
            if not items or not isinstance(total, int) or len(groups) >= total:
                break
        return groups

    def _cover(self, mbid: str) -> str | None:
        return safe_url(f"{self.coverart_url}/release-group/{mbid}/front-250", COVERART_HOSTS,
                        allow_loopback=self.allow_loopback)

    def releases(self, mbid: str) -> list[dict]:
        """The artist's albums and EPs, newest first, at most RELEASE_CAP."""
        kept = []
        for group in self.release_groups(mbid):
            kind, extra = group.get("primary-type"), group.get("secondary-types")
            extra = extra if isinstance(extra, list) else []
            title = _text(group.get("title"))
            if kind not in KEPT_TYPES or any(t in SKIPPED_SECONDARY for t in extra) or not title:
                continue
            if not is_mbid(group.get("id")):
                continue
            kept.append({"id": group["id"], "title": title, "year": _year(group.get("first-release-date")),
                         "type": kind, "cover": self._cover(group["id"]),
                         "links": listen_links(group.get("relations")),
                         "_date": _text(group.get("first-release-date"), 10)})
        kept.sort(key=lambda r: (r["_date"] or "0000", r["title"]), reverse=True)
        return [{k: v for k, v in r.items() if k != "_date"} for r in kept[:RELEASE_CAP]]

    def music(self, mbid: str) -> dict:
        """The artist (name, links) and their releases: what the profile stores."""
        artist = self.artist(mbid)
        return {"artist": artist, "releases": self.releases(mbid)}


def client_from(config: Mapping, budget: CallBudget | None = None, **kwargs: Any) -> MusicBrainzClient:
    """A client on the configured MusicBrainz and Cover Art Archive URLs."""
    return MusicBrainzClient(config["MUSICBRAINZ_URL"], config["COVERART_URL"], budget=budget,
                             allow_loopback=config["BRAINZ_SANDBOX"], **kwargs)

"""The listening sources, one record each: every caller reads a source's facts from here.

Adding a source is one adapter module (its client, its `fetch`) plus one `Source` record. The
configuration reads each record's settings (credential, base URLs, stand-in), the profiles
read its label, calls per fetch and client, and the outgoing limits read `limits(config)`.
This module must not import anchor.config: the configuration imports it.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable

from . import lastfm, listenbrainz, spotify, spotify_albums


@dataclass(frozen=True)
class Endpoint:
    """A base-URL setting (also its environment variable): the service's own URL, or the stand-in's."""

    setting: str
    real: str
    stand_in_path: str = ""      # appended to the stand-in's URL


@dataclass(frozen=True)
class Source:
    """What the product knows about one listening source."""

    name: str
    label: str                    # the source's name as the owner reads it
    calls_per_fetch: int          # requests one profile's refresh may make
    # client(config, budget=None, **kwargs) → a client to close; fetch(client, identity) → normalised
    # data. None: there is nothing to fetch (the page changes when the owner uploads a newer file).
    client: Callable[..., Any] | None = None
    fetch: Callable[[Any, str], dict] | None = None
    tokens: bool = False          # identity is an OAuth access token from the owner's stored tokens
    endpoints: tuple[Endpoint, ...] = ()
    stand_in_env: str | None = None       # environment variable with the local stand-in's URL
    stand_in_url: str | None = None       # the stand-in's URL when that variable is unset
    credential: str | None = None         # unset: the stand-in answers (the sandbox flag is on)
    secret: str | None = None
    sandbox_flag: str | None = None
    ai_by_default: bool = False           # its terms let its data reach the AI writer
    limits_from: Callable[[Mapping], dict] | None = None
    # Hosts its cover and artist image URLs live on (safe_url's form): what the share images fetch.
    image_hosts: tuple[str, ...] = ()

    def limits(self, config: Mapping) -> dict | None:
        """{"run_budget", "rate_per_second", "window", "max_wait", "per_address"}, or None: unlimited."""
        return self.limits_from(config) if self.limits_from else None


def _spotify_limits(config: Mapping) -> dict:
    return {"run_budget": config["REFRESH_SPOTIFY_BUDGET"], "rate_per_second": config["REFRESH_SPOTIFY_RATE"],
            "window": config["REFRESH_SPOTIFY_WINDOW"], "max_wait": config["SPOTIFY_MAX_RETRY_AFTER"],
            "per_address": False}


def _listenbrainz_limits(config: Mapping) -> dict:
    return {"run_budget": None, "rate_per_second": None, "window": config["REFRESH_LISTENBRAINZ_WINDOW"],
            "max_wait": 30, "per_address": True}


def _lastfm_limits(config: Mapping) -> dict:
    return {"run_budget": None, "rate_per_second": config["REFRESH_LASTFM_RATE"], "window": None,
            "max_wait": 30, "per_address": True}


_records: dict[str, Source] = {source.name: source for source in (
    Source("spotify", "Spotify", spotify.CALLS_PER_FETCH, client=spotify.client_from, fetch=spotify.fetch,
           tokens=True,
           endpoints=(Endpoint("SPOTIFY_ACCOUNTS_URL", "https://accounts.spotify.com"),
                      Endpoint("SPOTIFY_API_URL", "https://api.spotify.com")),
           stand_in_env="ANCHOR_SPOTIFY_SANDBOX_URL", stand_in_url="http://127.0.0.1:5055",
           credential="SPOTIFY_CLIENT_ID", secret="SPOTIFY_CLIENT_SECRET", sandbox_flag="SPOTIFY_SANDBOX",
           limits_from=_spotify_limits, image_hosts=spotify_albums.HOSTS),
    Source("listenbrainz", "ListenBrainz", listenbrainz.CALLS_PER_FETCH, client=listenbrainz.client_from,
           fetch=listenbrainz.ListenBrainzClient.fetch,
           endpoints=(Endpoint("MUSICBRAINZ_URL", "https://musicbrainz.org"),
                      Endpoint("LISTENBRAINZ_API_URL", "https://api.listenbrainz.org"),
                      Endpoint("COVERART_URL", "https://coverartarchive.org")),
           stand_in_env="ANCHOR_BRAINZ_SANDBOX_URL", stand_in_url="http://127.0.0.1:5056",
           credential="MUSICBRAINZ_CLIENT_ID", secret="MUSICBRAINZ_CLIENT_SECRET", sandbox_flag="BRAINZ_SANDBOX",
           ai_by_default=True, limits_from=_listenbrainz_limits,
           image_hosts=listenbrainz.COVERART_HOSTS + listenbrainz.COVERART_REDIRECT_HOSTS),
    Source("lastfm", "Last.fm", lastfm.CALLS_PER_FETCH, client=lastfm.client_from, fetch=lastfm.LastfmClient.fetch,
           endpoints=(Endpoint("LASTFM_API_URL", "https://ws.audioscrobbler.com"),
                      Endpoint("LASTFM_AUTH_URL", "https://www.last.fm/api/auth/", "/api/auth/")),
           stand_in_env="ANCHOR_LASTFM_SANDBOX_URL", stand_in_url="http://127.0.0.1:5057",
           credential="LASTFM_API_KEY", secret="LASTFM_SHARED_SECRET", sandbox_flag="LASTFM_SANDBOX",
           limits_from=_lastfm_limits, image_hosts=lastfm.IMAGE_HOSTS),
    Source("upload", "your Spotify data download", 0, ai_by_default=True),
)}


def get(name: str) -> Source | None:
    """The record of the source called `name`, or None."""
    return _records.get(name)


def records() -> tuple[Source, ...]:
    """Every registered source, in registration order."""
    return tuple(_records.values())


def names() -> tuple[str, ...]:
    """The names of every registered source."""
    return tuple(_records)


@contextmanager
def registered(source: Source):
    """Register `source` for the duration of the block (a new source's test, a plugin)."""
    if source.name in _records:
        raise ValueError(f"a source named {source.name!r} is already registered")
    _records[source.name] = source
    try:
        yield source
    finally:
        _records.pop(source.name, None)


class Column(Mapping):
    """One field of every record, keyed by source name; it reads the registry at each access."""

    def __init__(self, field: str):
        self.field = field

    def __getitem__(self, name: str) -> Any:
        return getattr(_records[name], self.field)

    def __iter__(self):
        return iter(tuple(_records))

    def __len__(self) -> int:
        return len(_records)

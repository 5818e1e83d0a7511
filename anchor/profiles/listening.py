"""Fetching a profile's listening data from the source its page shows, through the source layer.

The refresh engine calls `fetch`; it never talks to a source directly. Each source's client gets
its base URLs from the configuration, so the app can be pointed at any server that speaks the
service's real API (the local stand-ins included).
"""
from flask import current_app

from anchor.profiles import service, tokens
from anchor.sources import lastfm, listenbrainz
from anchor.sources import spotify as spotify_source
from anchor.sources.base import AccessTokenRejected, SourceError
from anchor.text import clean_listening

LABELS = {"spotify": "Spotify", "listenbrainz": "ListenBrainz", "lastfm": "Last.fm",
          "upload": "your Spotify data download"}
CALLS_PER_FETCH = {"spotify": spotify_source.CALLS_PER_FETCH, "listenbrainz": 7, "lastfm": 7,
                   "upload": 0}


class NothingToFetch(SourceError):
    """The source has nothing to refresh from (an uploaded file is only replaced by the owner)."""


def label(source):
    """The source's name as the owner reads it."""
    return LABELS.get(source, source)


def external_id(profile, source):
    """The profile owner's user id at `source`, or None when that source is not linked."""
    links = profile.links or {}
    if source in links:
        return links[source]
    owner = profile.ownerId or ""
    if owner.startswith(f"{source}:"):
        return owner.split(":", 1)[1]
    if source == "spotify" and ":" not in owner:
        return owner              # an account from before sources (read until migrated)
    return None


def account_id(profile, source):
    """The account id (`<source>:<id>`) whose tokens a source's refresh uses, or None."""
    user = external_id(profile, source)
    return f"{source}:{user}" if user is not None else None


def ai_allowed(source):
    """True when the source's terms allow its data to reach the AI writer (operator setting)."""
    return source in current_app.config["AI_SOURCES"]


def fetch(profile, calls):
    """Normalised data for every range from the profile's source, every name cleaned."""
    return clean_listening(_fetch(profile, calls))


def _fetch(profile, calls):
    source = service.source_of(profile)
    config = current_app.config
    if source == "spotify":
        return _spotify(profile, calls)
    user = external_id(profile, source)
    if user is None:
        raise tokens.NotConnected(f"{label(source)} is not linked to this profile")
    if source == "listenbrainz":
        with listenbrainz.ListenBrainzClient(
                config["LISTENBRAINZ_API_URL"], config["COVERART_URL"], budget=calls, rate_state=calls,
                allow_loopback=config["BRAINZ_SANDBOX"]) as client:
            return client.fetch(user)
    if source == "lastfm":
        with lastfm.LastfmClient(config["LASTFM_API_URL"], config["LASTFM_API_KEY"] or "anchor-demo-key",
                                 config["LASTFM_SHARED_SECRET"] or "anchor-demo-secret", budget=calls,
                                 allow_loopback=config["LASTFM_SANDBOX"]) as client:
            return client.fetch(user)
    raise NothingToFetch(f"Pages from {label(source)} change when you upload a newer file.")


def _spotify(profile, calls):
    account = account_id(profile, "spotify")
    if account is None:
        raise tokens.NotConnected("Spotify is not linked to this profile")
    client = tokens.spotify_client(budget=calls)
    try:
        access = tokens.access_token(account, client)
        try:
            return spotify_source.fetch(client, access)
        except AccessTokenRejected:
            access = tokens.access_token(account, client, force_refresh=True)
            return spotify_source.fetch(client, access)
    finally:
        client.close()

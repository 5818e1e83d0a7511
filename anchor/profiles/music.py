"""The owner's own music: the MusicBrainz artist they picked and that artist's albums and EPs.

Stored on the profile item: `musicArtist` {mbid, name, links} and `releases` (newest first, see
anchor/sources/musicbrainz.py), written only after MusicBrainz answered in full, so a failure
leaves the page as it was. Every request goes through one gate per address shared by every
process (about one a second, MusicBrainz's rule); none is made on a page view. The owner's
search and pick run in the dashboard request, which never sleeps out a pause; the worker's
scheduled refresh reads the releases again (refresh/steps.py).
"""
import logging

from flask import current_app

from anchor import clock, limits
from anchor.errors import RateLimited, SourceError, UnknownUser
from anchor.limits import SourceLimits
from anchor.logs import log_event
from anchor.profiles import writes
from anchor.sources import musicbrainz
from anchor.text import clean_name

log = logging.getLogger("anchor.music")

SPEC = SourceLimits("musicbrainz", "MusicBrainz", rate_per_second=1.0, max_wait=10.0, per_address=True)
QUERY_MAX = 100
BUSY = "MusicBrainz asks us to slow down just now. Your page is unchanged; try again in a minute."
DOWN = "MusicBrainz is not answering just now. Your page is unchanged; try again in a minute."


class MusicRefused(Exception):
    """A search or pick that could not be done; the message is for the owner."""


def _calls(wait):
    """A request counter on this app's MusicBrainz gate, holding for a pause any process met."""
    gate = limits.service_gate(SPEC)
    return limits.ProfileCalls(gate, in_pass=False, wait=wait, check=lambda: limits.hold_shared(gate, SPEC))


def _client(wait):
    return musicbrainz.client_from(current_app.config, _calls(wait))


def _owner_message(exc):
    if isinstance(exc, RateLimited):
        return BUSY
    if isinstance(exc, UnknownUser):
        return "MusicBrainz does not know that artist. Search again and pick from the list."
    return DOWN


def search(query):
    """Candidates for the owner's artist name: [{mbid, name, disambiguation, country, begin}]."""
    name = clean_name(query if isinstance(query, str) else "", QUERY_MAX)
    if not name:
        raise MusicRefused("Type your artist name to search MusicBrainz.")
    try:
        with _client(wait=False) as client:
            return client.search_artists(name)
    except SourceError as exc:
        log_event(log, "music search failed", level=logging.WARNING, error=type(exc).__name__)
        raise MusicRefused(_owner_message(exc)) from None


def _fetch(mbid, wait):
    with _client(wait) as client:
        return client.music(mbid)


def _stored(found, now):
    return {"musicArtist": found["artist"], "releases": found["releases"], "musicError": None,
            "musicCheckedAt": now}


def pick(profile, mbid):
    """Make `mbid` the owner's artist and store their releases; MusicRefused leaves all as it was."""
    if not musicbrainz.is_mbid(mbid):
        raise MusicRefused("Pick your artist from the search results.")
    try:
        found = _fetch(mbid, wait=False)
    except SourceError as exc:
        log_event(log, "music pick failed", level=logging.WARNING, handle=profile.handle,
                  error=type(exc).__name__)
        raise MusicRefused(_owner_message(exc)) from None
    writes.write(profile, _stored(found, clock.now()), bump=True)
    return found


def remove(profile):
    """Take the artist and their releases off the page."""
    writes.write(profile, dict.fromkeys(("musicArtist", "releases", "musicError", "musicCheckedAt")), bump=True)


def chosen(profile):
    """The owner's MusicBrainz artist {mbid, name, links}, or None."""
    artist = profile.musicArtist
    return artist if isinstance(artist, dict) and musicbrainz.is_mbid(artist.get("mbid")) else None


def refresh(profile, write):
    """Read the artist's releases again (the worker); a failure keeps the last ones and says so.

    `write(changes)` stores the outcome (the refresh's locked write). Returns "refreshed",
    "failed" or None (no artist picked).
    """
    artist = chosen(profile)
    if artist is None:
        return None
    try:
        found = _fetch(artist["mbid"], wait=True)
    except SourceError as exc:
        log_event(log, "music refresh failed", level=logging.WARNING, handle=profile.handle,
                  error=type(exc).__name__)
        write({"musicError": f"{_owner_message(exc).split('.')[0]}: your page keeps the releases "
                             f"it had, and they are read again with the next refresh."})
        return "failed"
    write(_stored(found, clock.now()))
    return "refreshed"


def copy_facts(profile):
    """What the copy writers may say about the owner's own music: {} when no artist is picked."""
    artist = chosen(profile)
    if artist is None:
        return {}
    releases = [{"title": r.get("title"), "year": r.get("year"),
                 "services": [link.get("service") for link in r.get("links") or []]}
                for r in profile.releases or [] if isinstance(r, dict) and r.get("title")]
    return {"artistName": artist.get("name"),
            "artistServices": [link.get("service") for link in artist.get("links") or []],
            "ownReleases": releases[:12]}

"""Fetching a profile's listening data from the source its page shows, through the source layer.

The refresh engine calls `fetch`; it never talks to a source directly. Each source's client gets
its base URLs from the configuration, so the app can be pointed at any server that speaks the
service's real API (the local stand-ins included).
"""
from flask import current_app

from anchor.profiles import service, tokens
from anchor.sources import registry
from anchor.sources.base import AccessTokenRejected, SourceError
from anchor.text import clean_listening

LABELS = registry.Column("label")
CALLS_PER_FETCH = registry.Column("calls_per_fetch")


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


def uses_tokens(source):
    """True when the source's refresh needs the owner's stored OAuth tokens (a sign-in to renew)."""
    record = registry.get(source)
    return record is not None and record.tokens


def nothing_to_fetch(source):
    """True for a source whose data only changes when the owner uploads a file."""
    record = registry.get(source)
    return record is not None and record.client is None


def stand_in(source):
    """True when the source's local stand-in answers (no credential of its own is configured)."""
    record = registry.get(source)
    return bool(record and record.sandbox_flag and current_app.config.get(record.sandbox_flag, False))


def ai_allowed(source):
    """True when the source's terms allow its data to reach the AI writer (operator setting)."""
    return source in current_app.config["AI_SOURCES"]


def fetch(profile, calls):
    """Normalised data for every range from the profile's source, every name cleaned."""
    return clean_listening(_fetch(profile, calls))


def _fetch(profile, calls):
    source = service.source_of(profile)
    record = registry.get(source)
    if record is not None and record.tokens:
        return _with_tokens(record, profile, calls)
    user = external_id(profile, source)
    if user is None:
        raise tokens.NotConnected(f"{label(source)} is not linked to this profile")
    if record is None or record.client is None:
        raise NothingToFetch(f"Pages from {label(source)} change when you upload a newer file.")
    with record.client(current_app.config, calls) as client:
        return record.fetch(client, user)


def _with_tokens(record, profile, calls):
    """Fetch with the owner's access token, refreshed once more if the API rejects it."""
    account = account_id(profile, record.name)
    if account is None:
        raise tokens.NotConnected(f"{record.label} is not linked to this profile")
    client = record.client(current_app.config, calls)
    try:
        access = tokens.access_token(account, client)
        try:
            return record.fetch(client, access)
        except AccessTokenRejected:
            access = tokens.access_token(account, client, force_refresh=True)
            return record.fetch(client, access)
    finally:
        client.close()

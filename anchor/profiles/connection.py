"""Signing in, first fetch, reconnecting and disconnecting Spotify."""
import logging

from anchor import clock
from anchor.profiles import copywriting, handles, service, tokens
from anchor.profiles.accounts import owned_handle
from anchor.spotify.client import SpotifyError, TokenSet

log = logging.getLogger("anchor.connection")


def complete_sign_in(token):
    """Store the new tokens and return (account_id, display_name, handle or None)."""
    client = tokens.spotify_client()
    token_set = TokenSet(token["access_token"], token.get("refresh_token"),
                         int(token.get("expires_at") or clock.now().timestamp() + 3600),
                         token.get("scope"))
    me = client.me(token_set.access_token)
    account_id = me["id"]
    tokens.save(account_id, token_set)
    handle = owned_handle(account_id)
    if handle:
        profile = service.get(handle)
        if profile and profile.deletedAt is None and not profile.spotifyConnected:
            service.write(profile, {"spotifyConnected": True, "failureCount": 0,
                                    "lastRefreshStatus": "reconnected", "lastRefreshMessage": None})
    log.info("signed in", extra={"fields": {"account": account_id, "has_handle": bool(handle)}})
    return account_id, me["display_name"], handle


def claim(account_id, raw_handle, display_name=None):
    """Claim a handle, then fetch Spotify once so the dashboard shows data at once."""
    profile = handles.claim(account_id, raw_handle, display_name=display_name)
    first_fetch(profile)
    return profile


def first_fetch(profile):
    """Fetch and cache the owner's data; a Spotify failure is recorded, never raised."""
    client = tokens.spotify_client()
    try:
        access = tokens.access_token(profile.ownerId, client)
        data = client.fetch_profile_data(access)
    except (SpotifyError, tokens.NotConnected) as exc:
        service.write(profile, {"lastRefreshStatus": "failed", "lastRefreshMessage": str(exc)})
        return profile
    finally:
        client.close()
    service.store_spotify_data(profile, data, lastRefreshAt=clock.now(),
                               lastRefreshStatus="refreshed", lastRefreshMessage=None)
    copywriting.generate(profile)
    return profile


def mark_disconnected(profile, message):
    """Spotify revoked the grant: keep the page, leave the due index, ask to reconnect."""
    tokens.delete(profile.ownerId)
    return service.write(profile, {"spotifyConnected": False, "lastRefreshStatus": "disconnected",
                                   "lastRefreshMessage": message})


def disconnect(profile):
    """The owner disconnects Spotify: tokens deleted, auto-refresh stopped, page kept."""
    tokens.delete(profile.ownerId)
    return service.write(profile, {"spotifyConnected": False, "autoRefreshEnabled": False,
                                   "lastRefreshStatus": "disconnected",
                                   "lastRefreshMessage": "You disconnected Spotify."}, bump=True)

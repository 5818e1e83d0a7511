"""Signing in, claiming (with the first fetch), reconnecting and disconnecting Spotify."""
import logging

from anchor import clock
from anchor.logs import log_event
from anchor.profiles import handles, service, tokens
from anchor.profiles.accounts import owned_handle
from anchor.refresh import engine
from anchor.spotify.client import TokenSet

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
    log_event(log, "signed in", account=account_id, has_handle=bool(handle))
    return account_id, me["display_name"], handle


def claim(account_id, raw_handle, display_name=None):
    """Claim a handle, then fetch once through the refresh path so the dashboard shows data."""
    profile = handles.claim(account_id, raw_handle, display_name=display_name)
    engine.refresh_profile(profile.handle, "first")
    return service.get(profile.handle)


def disconnect(profile):
    """The owner disconnects Spotify: tokens deleted, auto-refresh stopped, page kept."""
    tokens.delete(profile.ownerId)
    return service.write(profile, {"spotifyConnected": False, "autoRefreshEnabled": False,
                                   "lastRefreshStatus": "disconnected",
                                   "lastRefreshMessage": "You disconnected Spotify."}, bump=True)

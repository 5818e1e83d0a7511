"""Soft delete, restore within 30 days, and the export of everything stored for an account."""
from datetime import timedelta

from anchor import clock
from anchor.models import AccountModel, TokenModel, account_key
from anchor.profiles import service, tokens

RESTORE_DAYS = 30


class LifecycleRefused(Exception):
    """The owner asked for something the rules do not allow (message shown as is)."""


def soft_delete(profile, typed_handle):
    """Hide the page at once, leave the index, delete the tokens; restorable for 30 days."""
    if (typed_handle or "").strip().lower() != profile.handle:
        raise LifecycleRefused("Type your handle exactly to confirm deletion.")
    tokens.delete(profile.ownerId)
    return service.write(profile, {"isPublic": False, "deletedAt": clock.now(),
                                   "spotifyConnected": False}, bump=True)


def restore_deadline(profile):
    return profile.deletedAt + timedelta(days=RESTORE_DAYS) if profile.deletedAt else None


def restore(profile):
    """Bring a deleted profile back, unpublished; Spotify needs a new sign-in to refresh."""
    if profile.deletedAt is None:
        raise LifecycleRefused("This profile is not deleted.")
    if clock.now() > restore_deadline(profile):
        raise LifecycleRefused("The 30 days to restore this profile have passed.")
    connected = _has_tokens(profile.ownerId)
    return service.write(profile, {"deletedAt": None, "isPublic": False,
                                   "spotifyConnected": connected}, bump=True)


def _has_tokens(account_id):
    try:
        TokenModel.get(account_key(account_id), attributes_to_get=["pk"])
        return True
    except TokenModel.DoesNotExist:
        return False


EXPORT_FIELDS = (
    "handle", "displayName", "isPublic", "spotify", "layout", "dataHash", "bio", "albumLines",
    "locked", "copyHash", "copyMeta", "copyError", "aiDay", "aiCount", "autoRefreshEnabled",
    "spotifyConnected", "nextRefreshAt", "lastRefreshAt", "lastRefreshStatus",
    "lastRefreshMessage", "lastManualRefreshAt", "failureCount", "publishedAt", "deletedAt",
    "createdAt", "updatedAt", "version",
)


def export(account_id, profile):
    """Everything stored about the account, minus secrets (token blobs are never exported)."""
    account = AccountModel.get(account_key(account_id), consistent_read=True)
    token_info = None
    try:
        item = TokenModel.get(account_key(account_id))
        token_info = {"stored": True, "scopes": item.scopes, "keyId": item.keyId,
                      "note": "Spotify tokens are stored encrypted and are not exported."}
    except TokenModel.DoesNotExist:
        token_info = {"stored": False}
    return {
        "exportedAt": clock.iso(clock.now()),
        "account": {"spotifyUserId": account_id, "handle": account.handle,
                    "spotifyDisplayName": account.spotifyDisplayName,
                    "createdAt": clock.iso(account.createdAt)},
        "profile": {name: _plain(getattr(profile, name)) for name in EXPORT_FIELDS} if profile else None,
        "spotifyTokens": token_info,
    }


def _plain(value):
    return clock.iso(value) if hasattr(value, "astimezone") else value

"""Spotify tokens at rest: sealed by the vault, refreshed when expired, dropped on invalid_grant.

Several processes (web workers, the worker) each keep decrypted tokens in memory. Spotify may
rotate the refresh token on every refresh, so a process holding an older copy can meet
`invalid_grant` for tokens another process has just replaced. Tokens are therefore dropped only
on the condition that the stored blob is still the one that failed; when it changed, the
stored tokens are used instead.
"""
import logging
import threading
from typing import NamedTuple

from cachetools import TTLCache
from flask import current_app

from anchor import clock
from anchor.logs import log_event
from anchor.models import TokenModel, account_key, conditional
from anchor.sources import registry
from anchor.sources.base import CredentialsRevoked
from anchor.sources.spotify import TokenSet

log = logging.getLogger("anchor.tokens")
CACHE_SECONDS = 15 * 60
EXPIRY_MARGIN = 60


class NotConnected(CredentialsRevoked):
    """The account has no usable tokens: the owner must sign in again."""


class Stored(NamedTuple):
    """Decrypted tokens and the sealed blob (and its key) they were read from or written as."""

    tokens: TokenSet
    blob: str
    key: str


class _TokenCache:
    """Decrypted tokens kept in memory for at most 15 minutes (saves KMS calls in the worker)."""

    def __init__(self, max_entries=10_000):
        self._items = TTLCache(maxsize=max_entries, ttl=CACHE_SECONDS)
        self._lock = threading.Lock()

    def get(self, account_id):
        with self._lock:
            return self._items.get(account_id)

    def put(self, account_id, stored):
        with self._lock:
            self._items[account_id] = stored

    def drop(self, account_id):
        with self._lock:
            self._items.pop(account_id, None)


cache = _TokenCache()


def spotify_client(budget=None, **kwargs):
    """A Spotify client configured from the app (real Spotify or the sandbox)."""
    return registry.get("spotify").client(current_app.config, budget, **kwargs)


def save(account_id, token_set, previous=None):
    """Seal and store tokens; keep the previous refresh token when Spotify sent none."""
    refresh = token_set.refresh_token or (previous.refresh_token if previous else None)
    tokens = TokenSet(token_set.access_token, refresh, token_set.expires_at, token_set.scope)
    vault = current_app.extensions["anchor.vault"]
    blob = vault.seal(account_id, {"access_token": tokens.access_token, "refresh_token": refresh,
                                   "expires_at": tokens.expires_at, "scope": tokens.scope})
    key = account_key(account_id)
    TokenModel(key, blob=blob, keyId=vault.key_id, scopes=tokens.scope,
               expiresAt=tokens.expires_at, updatedAt=clock.now()).save()
    cache.put(account_id, Stored(tokens, blob, key))
    return tokens


def load(account_id):
    """The account's tokens (from the memory cache or the vault), or NotConnected."""
    return _stored(account_id).tokens


def _stored(account_id, use_cache=True):
    """The account's Stored tokens (memory cache first unless told not to), or NotConnected."""
    cached = cache.get(account_id) if use_cache else None
    if cached:
        return cached
    try:
        item = TokenModel.get(account_key(account_id), consistent_read=True)
        bound_to = account_id
    except TokenModel.DoesNotExist:
        item, bound_to = _legacy_item(account_id), legacy_id(account_id)
        if item is None:
            cache.drop(account_id)
            raise NotConnected("Spotify is not connected for this account") from None
    raw = current_app.extensions["anchor.vault"].open(bound_to, item.blob)
    tokens = TokenSet(raw["access_token"], raw.get("refresh_token"), int(raw["expires_at"]),
                      raw.get("scope"))
    stored = Stored(tokens, item.blob, item.pk)
    cache.put(account_id, stored)
    return stored


def access_token(account_id, client, force_refresh=False, _retried=False):
    """A valid access token, refreshed when expired; CredentialsRevoked drops the tokens that failed."""
    stored = _stored(account_id)
    tokens = stored.tokens
    if not force_refresh and tokens.expires_at - EXPIRY_MARGIN > clock.now().timestamp():
        return tokens.access_token
    try:
        if not tokens.refresh_token:
            raise NotConnected("Spotify gave no refresh token; sign in again")
        fresh = client.refresh(tokens.refresh_token)
    except CredentialsRevoked:
        if _drop_if_unchanged(account_id, stored):
            log_event(log, "refresh token rejected", account=account_id)
            raise
        if _retried:
            raise
        # Another process replaced the tokens since this one read them: use the stored ones.
        log_event(log, "tokens changed elsewhere; retrying with the stored ones", account=account_id)
        return access_token(account_id, client, force_refresh=force_refresh, _retried=True)
    return save(account_id, fresh, previous=tokens).access_token


def _drop_if_unchanged(account_id, stored):
    """Delete the tokens only if the stored blob is still `stored`'s; False when it changed."""
    cache.drop(account_id)
    deleted = conditional(TokenModel(stored.key).delete, condition=TokenModel.blob == stored.blob)
    if not deleted:
        try:
            TokenModel.get(stored.key, consistent_read=True)
        except TokenModel.DoesNotExist:
            return True      # already gone (disconnect, delete): nothing good was lost
    return deleted


def delete(account_id):
    """Forget the account's tokens everywhere (the key from before sources too)."""
    cache.drop(account_id)
    for key in {account_key(account_id), account_key(legacy_id(account_id))}:
        TokenModel(key).delete()


def stored_item(account_id):
    """The account's token item (metadata only is read from it by callers), or None."""
    try:
        return TokenModel.get(account_key(account_id), consistent_read=True)
    except TokenModel.DoesNotExist:
        return _legacy_item(account_id)


def has_tokens(account_id):
    """True when tokens are stored for the account."""
    return account_id is not None and stored_item(account_id) is not None


def legacy_id(account_id):
    """The id a Spotify account had before ids named their source (`spotify:abc` → `abc`)."""
    return account_id.removeprefix("spotify:")


def _legacy_item(account_id):
    """Tokens stored under the id from before sources, while the migration has not run yet."""
    if legacy_id(account_id) == account_id:
        return None
    try:
        return TokenModel.get(account_key(legacy_id(account_id)), consistent_read=True)
    except TokenModel.DoesNotExist:
        return None

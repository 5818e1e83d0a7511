"""Revocable sessions: a generation per account, stored in DynamoDB and carried in the cookie.

A session is good while the generation it was signed in with is the account's current one.
Sign-out, "sign out everywhere", disconnect and delete move the generation on, so a copy of the
cookie taken earlier opens nothing afterwards, on any instance. The check costs one GetItem per
signed-in dashboard request, cached for a few seconds in the process; public pages never make it.
"""
import threading

from cachetools import TTLCache
from flask import session

from anchor.models import SessionGenModel

CACHE_SECONDS = 5
_cache = TTLCache(maxsize=10_000, ttl=CACHE_SECONDS)
_lock = threading.Lock()


def _key(account_id):
    return f"SESSIONS#{account_id}"


def _cached(account_id):
    return SessionGenModel.Meta.table_name, account_id     # one process may serve several tables


def current_gen(account_id):
    """The account's session generation (0 before any revocation)."""
    with _lock:
        if _cached(account_id) in _cache:
            return _cache[_cached(account_id)]
    try:
        gen = int(SessionGenModel.get(_key(account_id), consistent_read=True).gen or 0)
    except SessionGenModel.DoesNotExist:
        gen = 0
    with _lock:
        _cache[_cached(account_id)] = gen
    return gen


def start(account_id):
    """Bind the browser's new session to the account's current generation."""
    session.permanent = True              # PERMANENT_SESSION_LIFETIME, renewed on each request
    session["gen"] = current_gen(account_id)


def valid(account_id):
    """True when the browser's session was signed in with the account's current generation.

    A cookie from before generations existed counts as generation 0: it stays good until the
    account's first sign-out or revocation, so a deploy does not sign everyone out.
    """
    return session.get("gen", 0) == current_gen(account_id)


def revoke(*account_ids, keep=None):
    """End every session of these accounts; `keep` (the current account) stays signed in here."""
    for account_id in dict.fromkeys(a for a in account_ids if a):
        SessionGenModel(_key(account_id)).update(actions=[SessionGenModel.gen.add(1)])
        with _lock:
            _cache.pop(_cached(account_id), None)      # the next check reads the new generation
    if keep is not None:
        session["gen"] = current_gen(keep)

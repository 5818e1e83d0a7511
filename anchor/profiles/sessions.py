"""Revocable sessions: a generation per account, stored in DynamoDB and carried in the cookie.

A session is good while the generation it was signed in with is the account's current one.
Sign-out, "sign out everywhere", disconnect and delete move the generation on, so a copy of the
cookie taken earlier opens nothing afterwards, on any process of any instance, from the next
request on. The check is one strongly consistent GetItem per request that loads the signed-in
account (flask-login keeps the answer for the rest of that request); no process keeps the
generation between requests, because a kept one would let a revoked cookie in until it
expired there. Public pages never load the account, so they never make the read.
"""
from flask import session

from anchor.models import SessionGenModel


def _key(account_id):
    return f"SESSIONS#{account_id}"


def current_gen(account_id):
    """The account's session generation (0 before any revocation), read consistently."""
    try:
        return int(SessionGenModel.get(_key(account_id), consistent_read=True).gen or 0)
    except SessionGenModel.DoesNotExist:
        return 0


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
    if keep is not None:
        session["gen"] = current_gen(keep)

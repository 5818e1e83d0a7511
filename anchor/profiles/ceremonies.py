"""Passkey ceremonies begun here, kept in DynamoDB so any process can finish one, and only once.

A ceremony's challenge lives five minutes. Finishing reads the item, then deletes it on the
condition that it has not expired: a replayed or late answer finds nothing to use, in any
process, and the delete comes before the answer is checked, so a bad answer also uses it up.
"""
import secrets

from anchor import clock
from anchor.models import conditional
from anchor.models.passkeys import CeremonyModel

CEREMONY_SECONDS = 300


class CeremonyGone(Exception):
    """The ceremony expired, was already finished, or was never begun here."""


def _key(ceremony_id):
    return f"CEREMONY#{ceremony_id}"


def begin(kind, state, account_id=None):
    """Record a ceremony of `kind` with fido2's `state`; its id (for the browser's session)."""
    ceremony_id = secrets.token_urlsafe(24)
    expires = int(clock.now().timestamp()) + CEREMONY_SECONDS
    CeremonyModel(_key(ceremony_id), kind=kind, state=dict(state), accountId=account_id,
                  expiresAt=expires).save()
    return ceremony_id


def take(ceremony_id, kinds):
    """Use up the ceremony (one of `kinds`): (kind, state, account id); else CeremonyGone."""
    if not isinstance(ceremony_id, str) or not ceremony_id:
        raise CeremonyGone()
    try:
        item = CeremonyModel.get(_key(ceremony_id), consistent_read=True)
    except CeremonyModel.DoesNotExist:
        raise CeremonyGone() from None
    now = int(clock.now().timestamp())
    if item.kind not in kinds or item.expiresAt <= now:
        raise CeremonyGone()
    used = conditional(CeremonyModel(_key(ceremony_id)).delete,
                       condition=CeremonyModel.pk.exists() & (CeremonyModel.expiresAt > now))
    if not used:
        raise CeremonyGone()
    return item.kind, item.state, item.accountId

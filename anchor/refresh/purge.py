"""`purge`: hard-delete profiles soft-deleted more than 30 days ago and free their handles.

Ops only (`flask purge`, run daily). It finds deleted profiles with a Scan filtered on
`deletedAt`: the due index holds only profiles due for refresh, and a daily ops command over
the whole table does not justify a second index. Never call this from a request or the worker.
"""
import logging
from datetime import timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from anchor import clock
from anchor.logs import log_event
from anchor.models import AccountModel, ProfileModel, account_key, transaction_connection
from anchor.profiles import tokens
from anchor.rules import RESTORE_PERIOD

log = logging.getLogger("anchor.purge")


def purge(now=None, days=RESTORE_PERIOD.days):
    """Hard-delete profiles deleted more than `days` ago with their account and token items."""
    now = now or clock.now()
    cutoff = now - timedelta(days=days)
    expired = ProfileModel.scan(ProfileModel.deletedAt.exists() & (ProfileModel.deletedAt < cutoff))
    purged = sum(1 for profile in expired if _purge_one(profile, cutoff))
    log_event(log, "purge summary", purged=purged, days=days, cutoff=clock.iso(cutoff))
    return purged


def _purge_one(profile, cutoff):
    """Delete the profile and its account item together, then the tokens; False if restored."""
    try:
        account = AccountModel.get(account_key(profile.ownerId), consistent_read=True)
    except AccountModel.DoesNotExist:
        account = None
    connection = transaction_connection()
    try:
        with TransactWrite(connection=connection) as tx:
            # Restored meanwhile (deletedAt removed): the condition fails and nothing is deleted.
            tx.delete(profile, condition=ProfileModel.deletedAt < cutoff)
            if account is not None and account.handle == profile.handle:
                tx.delete(account, condition=AccountModel.handle == profile.handle)
    except TransactWriteError:
        log_event(log, "purge skipped", handle=profile.handle)
        return False
    tokens.delete(profile.ownerId)
    log_event(log, "purged", handle=profile.handle, account=profile.ownerId)
    return True

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
from anchor.models import AccountModel, ProfileModel, TokenModel
from anchor.models.binding import transaction_connection
from anchor.models.pages import PageModel, page_key
from anchor.models.years import YearModel, year_key, year_page_key
from anchor.profiles import lifecycle, listening, tokens, years
from anchor.profiles.accounts import account_item, owned_handle
from anchor.rules import RESTORE_PERIOD

ORPHAN_TOKENS_AFTER = timedelta(hours=24)

log = logging.getLogger("anchor.purge")


def purge(now=None, days=RESTORE_PERIOD.days):
    """Hard-delete profiles deleted more than `days` ago with their account and token items."""
    now = now or clock.now()
    cutoff = now - timedelta(days=days)
    expired = ProfileModel.scan(ProfileModel.deletedAt.exists() & (ProfileModel.deletedAt < cutoff))
    purged = sum(1 for profile in expired if _purge_one(profile, cutoff))
    orphans = purge_orphan_tokens(now)
    log_event(log, "purge summary", purged=purged, orphan_tokens=orphans, days=days, cutoff=clock.iso(cutoff))
    return purged


def purge_orphan_tokens(now=None):
    """Delete tokens of accounts that signed in but never claimed a handle, a day after their
    last sign-in (the tokens table is small: one item per connected account)."""
    cutoff = (now or clock.now()) - ORPHAN_TOKENS_AFTER
    deleted = 0
    for item in TokenModel.scan(TokenModel.updatedAt < cutoff):
        account_id = item.pk.removeprefix("ACCOUNT#")
        if owned_handle(account_id) is None:
            tokens.delete(account_id)
            deleted += 1
    return deleted


def _purge_one(profile, cutoff):
    """Delete the profile and every account item that names it together, then the tokens."""
    accounts = [listening.account_id(profile, source) for source in lifecycle.linked_sources(profile)]
    owned = []
    for account_id in accounts:
        item = account_item(account_id)
        if item is not None and item.handle == profile.handle:
            owned.append(item)
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            # Restored meanwhile (deletedAt removed): the condition fails and nothing is deleted.
            tx.delete(profile, condition=ProfileModel.deletedAt < cutoff)
            tx.delete(PageModel(page_key(profile.handle)))      # its visitor's item, already empty
            for year in years.purge_keys(profile):               # its years and their pages
                tx.delete(YearModel(year_key(profile.handle, year)))
                tx.delete(PageModel(year_page_key(profile.handle, year)))
            for item in owned:
                tx.delete(item, condition=AccountModel.handle == profile.handle)
    except TransactWriteError:
        log_event(log, "purge skipped", handle=profile.handle)
        return False
    for account_id in accounts:
        tokens.delete(account_id)
    log_event(log, "purged", handle=profile.handle, account=profile.ownerId)
    return True

"""Signed-in accounts: flask-login users keyed by `<source>:<user id>` (e.g. `listenbrainz:maya`)."""
from flask_login import UserMixin

from anchor.models import AccountModel, account_key


class Account(UserMixin):
    """The signed-in account. Loading it costs no read; `handle` reads once when asked."""

    def __init__(self, account_id):
        self.id = current_id(account_id)
        self._handle = ...

    @property
    def handle(self):
        """The handle this account owns, or None before it claims one."""
        if self._handle is ...:
            self._handle = owned_handle(self.id)
        return self._handle

    @handle.setter
    def handle(self, value):
        self._handle = value


def current_id(account_id):
    """Account ids name their source; a bare id is a Spotify account from before sources."""
    return account_id if ":" in account_id else f"spotify:{account_id}"


def split_id(account_id):
    """(source, user id at that source) of an account id."""
    source, _, user = current_id(account_id).partition(":")
    return source, user


def account_item(account_id):
    """The account item, under its `<source>:<id>` key or the key from before sources, or None."""
    account_id = current_id(account_id)
    for key in dict.fromkeys((account_key(account_id), account_key(account_id.removeprefix("spotify:")))):
        try:
            return AccountModel.get(key, consistent_read=True)
        except AccountModel.DoesNotExist:
            continue
    return None


def owned_handle(account_id):
    """The handle an account item names (through any linked source), or None.

    The item may be stale: a soft-deleted profile expires (TTL) and its handle can be claimed
    again by someone else. Whoever loads the profile checks it with `owns`.
    """
    item = account_item(account_id)
    return item.handle if item is not None else None


def owns(profile, account_id):
    """True when `account_id` owns the profile: its ownerId, or a source linked to it."""
    if profile is None or not account_id:
        return False
    account_id = current_id(account_id)
    if current_id(profile.ownerId or "") == account_id:
        return True
    source, user = split_id(account_id)
    return (profile.links or {}).get(source) == user


def owned_profile(account_id, allow_deleted=True):
    """The profile the account owns, or None: never one someone else claimed since."""
    from anchor.profiles import service
    handle = owned_handle(account_id)
    profile = service.get(handle) if handle else None
    if not owns(profile, account_id):
        return None
    return profile if allow_deleted or profile.deletedAt is None else None


def load_account(account_id):
    """flask-login user_loader: the account, if this session has not been revoked since sign-in."""
    from anchor.profiles import sessions
    if not account_id:
        return None
    account = Account(account_id)
    return account if sessions.valid(account.id) else None


def import_key(account_id):
    """`IMPORT#<account id>`: the account's one import item (profiles/imports.py)."""
    return f"IMPORT#{account_id}"

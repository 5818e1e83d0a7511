"""Signed-in accounts: flask-login users keyed by the Spotify user id."""
from flask_login import UserMixin

from anchor.models import AccountModel, account_key


class Account(UserMixin):
    """The signed-in Spotify account. Loading it costs no read; `handle` reads once when asked."""

    def __init__(self, account_id):
        self.id = account_id
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


def owned_handle(account_id):
    """The handle an account owns, or None."""
    try:
        return AccountModel.get(account_key(account_id), consistent_read=True).handle
    except AccountModel.DoesNotExist:
        return None


def load_account(account_id):
    """flask-login user_loader: the session holds only the account id."""
    return Account(account_id) if account_id else None

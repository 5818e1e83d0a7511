"""Signed-in accounts: flask-login users keyed by the Spotify user id."""
from flask_login import UserMixin

from anchor.models import AccountModel


class Account(UserMixin):
    """The signed-in Spotify account. Loading it costs no read; `handle` reads once when asked."""

    def __init__(self, account_id):
        self.id = account_id
        self._handle = ...

    @property
    def handle(self):
        """The handle this account owns, or None before it claims one."""
        if self._handle is ...:
            try:
                self._handle = AccountModel.get(f"ACCOUNT#{self.id}", consistent_read=True).handle
            except AccountModel.DoesNotExist:
                self._handle = None
        return self._handle

    @handle.setter
    def handle(self, value):
        self._handle = value


def load_account(account_id):
    """flask-login user_loader: the session holds only the account id."""
    return Account(account_id) if account_id else None

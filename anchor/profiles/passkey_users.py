"""A source account's passkeys: one user handle for all of them, and the item that maps it back.

A passkey account's id is its user handle (`passkey:<handle>`), so a sign-in finds it in the
authenticator's answer. A source account (`spotify:…`, `lastfm:…`) has an id of its own: its
passkeys carry a random user handle, kept on its `PASSKEYS#` item, and `PASSKEYUSER#<handle>`
names the account. Both are written with the account's first passkey, in one transaction.
"""
import os

from fido2.utils import websafe_encode
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from anchor.models.binding import transaction_connection
from anchor.models.passkeys import PasskeysModel, PasskeyUserModel


def key(handle):
    """`PASSKEYUSER#<user handle, base64url>`."""
    return f"PASSKEYUSER#{handle}"


def handle_for(item):
    """The user handle (base64url) a source account's next passkey carries: its own, else a new one."""
    return item.userHandle if item is not None and item.userHandle else websafe_encode(os.urandom(16))


def account_for(handle):
    """The source account a passkey's user handle names, or None."""
    try:
        return PasskeyUserModel.get(key(handle), consistent_read=True).accountId
    except PasskeyUserModel.DoesNotExist:
        return None


def create_first(passkeys_key, account_id, handle, record):
    """The account's first passkey and its user handle's mapping in one transaction; False when
    another registration wrote either first (nothing is written then)."""
    try:
        with TransactWrite(connection=transaction_connection()) as tx:
            tx.save(PasskeysModel(passkeys_key, credentials=[record], userHandle=handle),
                    condition=PasskeysModel.pk.does_not_exist())
            tx.save(PasskeyUserModel(key(handle), accountId=account_id),
                    condition=PasskeyUserModel.pk.does_not_exist())
    except TransactWriteError:
        return False
    return True

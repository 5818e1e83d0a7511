"""Passkeys (WebAuthn): create an account or sign in with one; list, name and remove them.

The relying party is this site: its id is ANCHOR_BASE_URL's host and only that URL's origin is
accepted. Credentials are discoverable (resident key required), so signing in needs no user
name: the authenticator returns the user handle, which names the account (`passkey:<handle>`),
or, for a source account's passkeys, maps to it (anchor/profiles/passkey_users.py).
An account's passkeys live in one item, written only on the revision it was read at.
"""
import logging
import os
from urllib.parse import urlsplit

from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (AttestedCredentialData, AuthenticationResponse, PublicKeyCredentialRpEntity,
                            PublicKeyCredentialUserEntity, ResidentKeyRequirement, UserVerificationRequirement)
from flask import current_app

from anchor import clock
from anchor.logs import log_event
from anchor.models import conditional
from anchor.models.passkeys import PasskeysModel, PasskeyUserModel
from anchor.profiles import ceremonies, passkey_users
from anchor.profiles.ceremonies import CeremonyGone
from anchor.rules import NAME_MAX
from anchor.text import clean_name

log = logging.getLogger("anchor.passkeys")
PREFIX = "passkey:"
MAX_PASSKEYS = 10
GONE = "This passkey request expired or was already used. Please start again."
CHANGED = "Your passkeys changed meanwhile. Please try again."
UNREADABLE = "Your browser's answer could not be checked, so nothing was saved. Please try again."


class PasskeyRefused(Exception):
    """A passkey ceremony or change was refused (the message is shown as is)."""

    def __init__(self, message, reason="refused"):
        super().__init__(message)
        self.message = message
        self.reason = reason


def is_passkey_account(account_id):
    """True for an account made with a passkey (`passkey:<user handle>`)."""
    return bool(account_id) and account_id.startswith(PREFIX)


def _server():
    base = urlsplit(current_app.config["BASE_URL"])
    origin = f"{base.scheme}://{base.netloc}"
    return Fido2Server(PublicKeyCredentialRpEntity(id=base.hostname, name="Anchor.band"),
                       verify_origin=lambda seen: seen == origin)


def _key(account_id):
    return f"PASSKEYS#{account_id}"


def _item(account_id):
    try:
        return PasskeysModel.get(_key(account_id), consistent_read=True)
    except PasskeysModel.DoesNotExist:
        return None


def _attested(record):
    return AttestedCredentialData(websafe_decode(record["data"]))


def passkeys(account_id):
    """The account's passkeys: [{id, name, createdAt, lastUsedAt}], oldest first."""
    item = _item(account_id) if account_id else None
    return [{k: record.get(k) for k in ("id", "name", "createdAt", "lastUsedAt")}
            for record in (item.credentials if item else [])]


def begin_registration(account_id=None):
    """Start registering a passkey for `account_id` (None: a new account): (ceremony id, options)."""
    extra = {}
    if account_id is None:
        user_handle, kind = os.urandom(16), "create"
        account_id = PREFIX + websafe_encode(user_handle)
    elif is_passkey_account(account_id):
        user_handle, kind = websafe_decode(account_id[len(PREFIX):]), "add"
    else:                 # a source account: its passkeys share one user handle that maps back to it
        extra["userHandle"] = passkey_users.handle_for(_item(account_id))
        user_handle, kind = websafe_decode(extra["userHandle"]), "add"
    existing = _item(account_id) if kind == "add" else None
    if existing is not None and len(existing.credentials) >= MAX_PASSKEYS:
        raise PasskeyRefused(f"An account can have at most {MAX_PASSKEYS} passkeys. Remove one first.")
    user = PublicKeyCredentialUserEntity(id=user_handle, name="Anchor.band", display_name="Anchor.band")
    options, state = _server().register_begin(
        user, credentials=[_attested(r) for r in (existing.credentials if existing else [])],
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
        user_verification=UserVerificationRequirement.PREFERRED)
    return ceremonies.begin(kind, {**dict(state), **extra}, account_id), dict(options)


def finish_registration(ceremony_id, response, signed_in=None):
    """Check the browser's answer and store the passkey; the account id it belongs to."""
    try:
        kind, state, account_id = ceremonies.take(ceremony_id, ("create", "add"))
    except CeremonyGone:
        raise PasskeyRefused(GONE, "gone") from None
    if kind == "add" and account_id != signed_in:
        raise PasskeyRefused("This passkey was begun for another account. Please start again.", "account")
    handle = state.pop("userHandle", None)          # a source account's passkey
    try:
        auth_data = _server().register_complete(state, response)
    except Exception as exc:      # any fault in the client's bytes (CBOR, JSON, keys) is a refusal
        log_event(log, "passkey registration refused", level=logging.WARNING, error=str(exc)[:80])
        raise PasskeyRefused(UNREADABLE, "invalid") from None
    credential = auth_data.credential_data
    now = clock.iso(clock.now())
    record = {"id": websafe_encode(credential.credential_id), "data": websafe_encode(bytes(credential)),
              "createdAt": now, "lastUsedAt": None, "signCount": auth_data.counter}
    if kind == "create":
        record["name"] = "Passkey 1"
        item = PasskeysModel(_key(account_id), credentials=[record])
        if not conditional(item.save, condition=PasskeysModel.pk.does_not_exist()):
            raise PasskeyRefused(GONE, "gone")
    elif handle is not None and _item(account_id) is None:
        if not passkey_users.create_first(_key(account_id), account_id, handle, {**record, "name": "Passkey 1"}):
            raise PasskeyRefused(CHANGED, "conflict")
    else:
        if handle is not None and _item(account_id).userHandle != handle:
            raise PasskeyRefused(CHANGED, "conflict")       # another first passkey won meanwhile

        def add(credentials):
            if any(r["id"] == record["id"] for r in credentials):
                raise PasskeyRefused("This passkey is already on your account.", "duplicate")
            return credentials + [{**record, "name": f"Passkey {len(credentials) + 1}"}]
        _change(account_id, add)
    log_event(log, "passkey registered", account=account_id, new_account=kind == "create")
    return account_id


def begin_sign_in():
    """Start a sign-in with any passkey of this site (no user name asked): (ceremony id, options)."""
    options, state = _server().authenticate_begin(user_verification=UserVerificationRequirement.PREFERRED)
    return ceremonies.begin("sign-in", state), dict(options)


def _account_of(response):
    """The account the authenticator's user handle names; refused when it sent none."""
    try:
        handle = websafe_decode((response.get("response") or {}).get("userHandle") or "")
    except (AttributeError, TypeError, ValueError):
        handle = b""
    if not handle:
        raise PasskeyRefused("Your passkey did not say which account it belongs to. Please use a "
                             "passkey made for Anchor.band.", "no-user-handle")
    return PREFIX + websafe_encode(handle)


def finish_sign_in(ceremony_id, response):
    """Check a passkey sign-in; the account id it signs in (its counter and last use recorded)."""
    try:
        _kind, state, _ = ceremonies.take(ceremony_id, ("sign-in",))
    except CeremonyGone:
        raise PasskeyRefused(GONE, "gone") from None
    if not isinstance(response, dict):
        raise PasskeyRefused(UNREADABLE, "invalid")
    account_id = _account_of(response)
    item = _item(account_id)
    if item is None:        # not a passkey account's: a source account's, if its user handle maps to one
        handle = account_id[len(PREFIX):]
        mapped = passkey_users.account_for(handle)
        item = _item(mapped) if mapped is not None else None
        if item is not None and item.userHandle == handle:
            account_id = mapped
        else:
            item = None
    unknown = PasskeyRefused("This passkey is not registered here (it may have been removed). "
                             "Sign in another way.", "unknown")
    if item is None or response.get("rawId") not in {r["id"] for r in item.credentials}:
        raise unknown             # removed, or another account's credential under this user handle
    try:
        credential = _server().authenticate_complete(state, [_attested(r) for r in item.credentials], response)
        counter = AuthenticationResponse.from_dict(response).response.authenticator_data.counter
    except Exception as exc:      # a bad signature, origin or RP id, or malformed bytes from the client
        log_event(log, "passkey sign-in refused", level=logging.WARNING, account=account_id,
                  error=type(exc).__name__)
        raise PasskeyRefused(UNREADABLE, "invalid") from None
    credential_id = websafe_encode(credential.credential_id)

    def used(credentials):
        record = next(r for r in credentials if r["id"] == credential_id)
        stored = int(record.get("signCount") or 0)
        if (counter or stored) and counter <= stored:
            log_event(log, "passkey counter went backwards", level=logging.WARNING, account=account_id,
                      credential=credential_id[:12], stored=stored, seen=counter)
            raise PasskeyRefused("This passkey looks copied (its use counter went backwards), so it "
                                 "was refused. Sign in another way and remove it.", "counter")
        return [{**r, "signCount": counter, "lastUsedAt": clock.iso(clock.now())} if r is record else r
                for r in credentials]
    _change(account_id, used)
    log_event(log, "passkey sign-in", account=account_id)
    return account_id


def _change(account_id, decide, attempts=4):
    """Write decide(credentials) on the revision it was computed from (re-read on a conflict)."""
    for _ in range(attempts):
        item = _item(account_id)
        if item is None:
            raise PasskeyRefused("This account has no passkeys.", "unknown")
        credentials = decide(list(item.credentials))
        rev = item.rev or 1
        if conditional(item.update, actions=[PasskeysModel.credentials.set(credentials),
                                             PasskeysModel.rev.set(rev + 1)],
                       condition=PasskeysModel.rev == rev):
            return credentials
    raise PasskeyRefused(CHANGED, "conflict")


def rename(account_id, credential_id, name):
    """Give one of the account's passkeys a name of its own."""
    name = clean_name(name, NAME_MAX)
    if not name:
        raise PasskeyRefused("Give the passkey a name.", "name")

    def renamed(credentials):
        if not any(r["id"] == credential_id for r in credentials):
            raise PasskeyRefused("That passkey is not on your account.", "unknown")
        return [{**r, "name": name} if r["id"] == credential_id else r for r in credentials]
    _change(account_id, renamed)


def remove(account_id, credential_id, other_ways_in):
    """Remove a passkey; never the last way in (`other_ways_in`: sources linked to the account)."""
    def removed(credentials):
        kept = [r for r in credentials if r["id"] != credential_id]
        if len(kept) == len(credentials):
            raise PasskeyRefused("That passkey is not on your account.", "unknown")
        if not kept and not other_ways_in:
            raise PasskeyRefused("This is your only way in: add another passkey or link a source "
                                 "before you remove it.", "last")
        return kept
    _change(account_id, removed)
    log_event(log, "passkey removed", account=account_id)


def needs_recovery_notice(account_id, other_ways_in):
    """True while a passkey account has one passkey, no linked source, and has not dismissed this."""
    item = _item(account_id) if is_passkey_account(account_id) else None
    return item is not None and len(item.credentials) == 1 and not other_ways_in and not item.noticeDismissed


def dismiss_recovery_notice(account_id):
    """The owner read the notice: it is not shown again."""
    item = _item(account_id)
    if item is not None:
        item.update(actions=[PasskeysModel.noticeDismissed.set(True)])


def expire_with_page(account_id, expires):
    """Set (epoch seconds) or clear the TTL of the account's passkeys and their user handle's
    mapping, so a deleted page's ways in go with it and a restore keeps them; absent items stay absent."""
    try:
        item = PasskeysModel.get(_key(account_id), consistent_read=True)
    except PasskeysModel.DoesNotExist:
        return
    for model, pk in ((PasskeysModel, item.pk), (PasskeyUserModel, item.userHandle and passkey_users.key(item.userHandle))):
        if pk:
            action = model.expiresAt.set(expires) if expires else model.expiresAt.remove()
            conditional(model(pk).update, actions=[action], condition=model.pk.exists())


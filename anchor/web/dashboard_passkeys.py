"""The dashboard's passkeys (any account's): list, rename, remove (never the last way in), the recovery notice.

They register on the one `dashboard` blueprint (anchor/web/dashboard.py), with its endpoint names.
Adding a passkey is a ceremony in the browser (static/passkeys.js, anchor/web/signin.py).
"""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from anchor.profiles import passkeys
from anchor.profiles.accounts import owned_profile
from anchor.profiles.passkeys import PasskeyRefused
from anchor.web.dashboard import bp

PLACE = "passkeys"


def _other_ways_in(account_id):
    """True when the account signs in without passkeys: a source account, or a passkey account
    whose page has a listening source linked."""
    if not passkeys.is_passkey_account(account_id):
        return True
    profile = owned_profile(account_id)
    return bool(profile is not None and profile.deletedAt is None and profile.links)


@bp.context_processor
def _passkeys_context():
    """The signed-in account's passkeys (a source account may add some too) and, for a passkey
    account, whether to show the recovery notice."""
    if not current_user.is_authenticated:
        return {"passkey_account": False}
    account_id = current_user.id
    if not passkeys.is_passkey_account(account_id):
        return {"passkey_account": False, "passkey_list": passkeys.passkeys(account_id)}
    return {"passkey_account": True, "passkey_list": passkeys.passkeys(account_id),
            "passkey_notice": passkeys.needs_recovery_notice(account_id, _other_ways_in(account_id))}


def _done(message=None, error=None):
    if error or message:
        flash(error or message, f"{'error' if error else 'ok'} {PLACE}")
    return redirect(url_for("dashboard.home", _anchor=PLACE), code=303)


@bp.post("/passkeys/<credential_id>/name")
def rename_passkey(credential_id):
    """Name one of the account's passkeys (which device or manager holds it)."""
    try:
        passkeys.rename(current_user.id, credential_id, request.form.get("name", ""))
    except PasskeyRefused as exc:
        return _done(error=exc.message)
    return _done("Passkey renamed.")


@bp.post("/passkeys/<credential_id>/remove")
def remove_passkey(credential_id):
    """Remove a passkey, unless it is the account's last way in."""
    try:
        passkeys.remove(current_user.id, credential_id, _other_ways_in(current_user.id))
    except PasskeyRefused as exc:
        return _done(error=exc.message)
    return _done("Passkey removed. It can no longer sign in here.")


@bp.post("/passkeys/notice")
def dismiss_passkey_notice():
    """The owner has read the recovery notice: it is not shown again."""
    passkeys.dismiss_recovery_notice(current_user.id)
    return _done()

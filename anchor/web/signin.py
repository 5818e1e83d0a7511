"""The one way-in chooser, and passkey ceremonies as JSON endpoints for static/passkeys.js.

Every POST here carries the CSRF token in the X-CSRFToken header (Flask-WTF reads it there). The
ceremony's id rides in the signed session cookie; its challenge is in DynamoDB, so any process
can finish what another began, and only once.
"""
from flask import Blueprint, jsonify, render_template, request, session, url_for
from flask_login import current_user, login_user

from anchor.profiles import passkeys, sessions
from anchor.profiles.accounts import Account
from anchor.profiles.passkeys import PasskeyRefused
from anchor.web import limits

bp = Blueprint("signin", __name__)
CEREMONY = "passkey_ceremony"


@bp.get("/signin")
def chooser():
    """Every way in on one page: a passkey, the three sources, the Spotify data download."""
    return render_template("auth/signin.html")


def _refused(exc, status=400):
    return jsonify({"error": exc.message, "reason": exc.reason}), status


def _begun(ceremony_id, options):
    session[CEREMONY] = ceremony_id
    return jsonify({"options": options})


def _signed_in_id():
    return current_user.id if current_user.is_authenticated else None


@bp.post("/auth/passkey/register/begin")
@limits.guard("sign-in")
def register_begin():
    """Options for navigator.credentials.create: a new account's passkey, or another one for this account."""
    try:
        return _begun(*passkeys.begin_registration(_signed_in_id()))
    except PasskeyRefused as exc:
        return _refused(exc)


@bp.post("/auth/passkey/register/finish")
@limits.guard("callback")
def register_finish():
    """Store the new passkey; a new account is signed in and goes on to claim a handle."""
    signed_in = _signed_in_id()
    try:
        account_id = passkeys.finish_registration(session.pop(CEREMONY, None), request.get_json(silent=True),
                                                  signed_in=signed_in)
    except PasskeyRefused as exc:
        return _refused(exc)
    if account_id != signed_in:
        _sign_in(account_id)
    return jsonify({"redirect": url_for("dashboard.home")})


@bp.post("/auth/passkey/signin/begin")
@limits.guard("sign-in")
def signin_begin():
    """Options for navigator.credentials.get: any passkey of this site, no user name asked."""
    return _begun(*passkeys.begin_sign_in())


@bp.post("/auth/passkey/signin/finish")
@limits.guard("callback")
def signin_finish():
    """Check the passkey's signature and start the same revocable session the other sign-ins start."""
    try:
        account_id = passkeys.finish_sign_in(session.pop(CEREMONY, None), request.get_json(silent=True))
    except PasskeyRefused as exc:
        return _refused(exc)
    _sign_in(account_id)
    return jsonify({"redirect": url_for("dashboard.home")})


def _sign_in(account_id):
    session.clear()
    sessions.start(account_id)
    login_user(Account(account_id))

"""Sign in with Spotify (authorization code + PKCE + state), sign out."""
import logging

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, redirect, render_template, session, url_for
from flask_login import login_required, login_user, logout_user

from anchor.logs import log_event
from anchor.profiles import connection
from anchor.profiles.accounts import Account
from anchor.spotify.client import SpotifyError

bp = Blueprint("auth", __name__)
log = logging.getLogger("anchor.auth")


def init_oauth(app):
    """Register the Spotify client with Authlib (real Spotify or the sandbox), one registry per app.

    Authlib builds a registry's client once, from the first app's URLs; a shared registry would
    send every later app (another config in the same process) to the first app's Spotify.
    """
    registry = OAuth(app)
    app.extensions["anchor.oauth"] = registry
    accounts = app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")
    registry.register(
        "spotify",
        client_id=app.config["SPOTIFY_CLIENT_ID"] or "anchor-demo",
        client_secret=app.config["SPOTIFY_CLIENT_SECRET"] or "anchor-demo-secret",
        authorize_url=f"{accounts}/authorize",
        access_token_url=f"{accounts}/api/token",
        token_endpoint_auth_method="client_secret_basic",
        client_kwargs={"scope": "user-top-read", "code_challenge_method": "S256",
                       "default_timeout": 10},
        overwrite=True,
    )


def _spotify():
    return current_app.extensions["anchor.oauth"].spotify


def _callback_url():
    return current_app.config["BASE_URL"] + url_for("auth.callback")


def _failure(title, text, status=400):
    return render_template("auth/failed.html", title=title, text=text), status


@bp.get("/login")
def login():
    """Send the browser to Spotify's consent page."""
    return _spotify().authorize_redirect(_callback_url())


@bp.get("/auth/spotify/callback")
def callback():
    """Spotify sends the browser back here with a code (or an error)."""
    try:
        token = _spotify().authorize_access_token()
    except MismatchingStateError:
        return _failure("Sign-in expired", "This sign-in link is stale or was not started here. "
                        "Please start again.")
    except OAuthError as exc:
        if exc.error == "access_denied":
            return _failure("Sign-in cancelled", "You chose not to connect Spotify, so nothing was "
                            "saved. You can try again whenever you like.", 200)
        if exc.error == "invalid_grant":
            return _failure("Sign-in link already used", "That sign-in code was already used or "
                            "has expired. Please start again.")
        log_event(log, "oauth error", level=logging.WARNING, error=exc.error)
        return _failure("Spotify refused sign-in", "Spotify did not accept the sign-in. Please try again.")
    except (requests.RequestException, ValueError):
        return _failure("Spotify is not answering", "We could not reach Spotify to finish signing "
                        "you in. Please try again in a few minutes.", 502)
    try:
        account_id, display_name, handle = connection.complete_sign_in(token)
    except SpotifyError as exc:
        log_event(log, "sign-in profile fetch failed", level=logging.WARNING, error=type(exc).__name__)
        return _failure("Spotify is not answering", "We could not read your Spotify profile. "
                        "Please try again in a few minutes.", 502)
    session.clear()
    login_user(Account(account_id))
    session["display_name"] = display_name
    return redirect(url_for("dashboard.home"))


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST with CSRF, so no link can sign anyone out)."""
    logout_user()
    session.clear()
    return redirect(url_for("site.landing"))

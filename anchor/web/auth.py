"""Sign in with Spotify, MusicBrainz (for ListenBrainz) or Last.fm; link more sources; sign out.

Spotify and MusicBrainz use the authorization code flow with state and PKCE (Authlib). Last.fm's
web authentication has no state parameter, so the callback URL carries a signed nonce that must
match one this browser's session started, and the token must be the one this site asked Last.fm
for under that nonce (auth.getToken, recorded in DynamoDB and used once by any process).
"""
import logging
import secrets
import threading

import requests
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from anchor.logs import log_event
from anchor.profiles import connection, listening, sessions, signins, tokens
from anchor.profiles.accounts import Account, owned_profile
from anchor.sources import lastfm
from anchor.sources.base import CredentialsRevoked, SourceError
from anchor.sources.listenbrainz import userinfo
from anchor.web import limits
from anchor.web.auth_failures import failure

bp = Blueprint("auth", __name__)
log = logging.getLogger("anchor.auth")
NONCE_AGE = 3600          # Last.fm's tokens live an hour; so does a sign-in started here
PENDING_NONCES = 5        # sign-ins a browser may have started at once (oldest dropped)


_registry_lock = threading.Lock()


def init_oauth(app):
    """Nothing loads at start: Authlib and its JOSE stack (about 17 MB) come with the first
    sign-in a process handles, so a web worker that only serves pages never holds them."""
    app.extensions["anchor.oauth"] = None


def _registry(app):
    """Register the OAuth clients with Authlib (real services or the local stand-ins).

    Each app gets a registry of its own: Authlib caches a client by name on first registration,
    so a shared registry would keep the first app's URLs and credentials for every later app.
    """
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    accounts = app.config["SPOTIFY_ACCOUNTS_URL"].rstrip("/")
    oauth.register(
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
    brainz = app.config["MUSICBRAINZ_URL"].rstrip("/")
    oauth.register(
        "musicbrainz",
        client_id=app.config["MUSICBRAINZ_CLIENT_ID"] or "anchor-demo",
        client_secret=app.config["MUSICBRAINZ_CLIENT_SECRET"] or "anchor-demo-secret",
        authorize_url=f"{brainz}/oauth2/authorize",
        access_token_url=f"{brainz}/oauth2/token",
        token_endpoint_auth_method="client_secret_post",
        # `profile` gives the user name (= the ListenBrainz user); `online` access asks for no
        # refresh token, since the statistics are public and nothing is stored.
        authorize_params={"access_type": "online"},
        client_kwargs={"scope": "profile", "code_challenge_method": "S256", "default_timeout": 10},
        overwrite=True,
    )
    return oauth


def _clients():
    """This app's OAuth registry (`.spotify`, `.musicbrainz`), made on first use."""
    app = current_app._get_current_object()
    with _registry_lock:
        if app.extensions.get("anchor.oauth") is None:
            app.extensions["anchor.oauth"] = _registry(app)
        return app.extensions["anchor.oauth"]


def _callback_url(endpoint, **values):
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _finish(source, account_id, display_name):
    """Sign the account in, or link it to the signed-in owner's page when they asked to link."""
    if session.pop("linking", None) == source and current_user.is_authenticated:
        profile = owned_profile(current_user.id)
        if profile is None or profile.deletedAt is not None:
            flash("Claim a handle before linking more sources.", "error")
        else:
            try:
                connection.link(profile, account_id)
                flash(f"{listening.label(source)} is linked. Choose it under “Sources” to show it.", "ok")
            except connection.LinkRefused as exc:
                flash(str(exc), "error")
        return redirect(url_for("dashboard.home"))
    session.clear()
    sessions.start(account_id)
    login_user(Account(account_id))
    session["display_name"] = display_name
    return redirect(url_for("dashboard.home"))


def _oauth_token(client, name):
    """Exchange the callback's code; a failure page (tuple) or the token dict."""
    from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError

    try:
        return client.authorize_access_token()
    except MismatchingStateError:
        return failure("Sign-in expired", "This sign-in link is stale or was not started here. "
                       "Please start again.")
    except OAuthError as exc:
        if exc.error == "access_denied":
            return failure("Sign-in cancelled", f"You chose not to connect {name}, so nothing was "
                           "saved. You can try again whenever you like.", 200)
        if exc.error == "invalid_grant":
            return failure("Sign-in link already used", "That sign-in code was already used or "
                           "has expired. Please start again.")
        log_event(log, "oauth error", level=logging.WARNING, source=name, error=str(exc.error)[:64])
        return failure(f"{name} refused sign-in", f"{name} did not accept the sign-in. Please try again.")
    except (requests.RequestException, ValueError):
        return failure(f"{name} is not answering", f"We could not reach {name} to finish signing "
                       "you in. Please try again in a few minutes.", 502)


# -- Spotify ------------------------------------------------------------------------------------
@bp.get("/login")
@limits.guard("sign-in")
def login():
    """Send the browser to Spotify's consent page."""
    keep_few_pending_states()
    return _clients().spotify.authorize_redirect(_callback_url("auth.callback"))


@bp.get("/auth/spotify/callback")
@limits.guard("callback")
def callback():
    """Spotify sends the browser back here with a code (or an error)."""
    token = _oauth_token(_clients().spotify, "Spotify")
    if isinstance(token, tuple):
        return token
    try:
        account_id, display_name, _handle = connection.complete_sign_in(token)
    except SourceError as exc:
        log_event(log, "sign-in profile fetch failed", level=logging.WARNING, source="spotify",
                  error=type(exc).__name__)
        return failure("Spotify is not answering", "We could not read your Spotify profile. "
                       "Please try again in a few minutes.", 502)
    return _finish("spotify", account_id, display_name)


# -- MusicBrainz / ListenBrainz ------------------------------------------------------------------
@bp.get("/login/listenbrainz")
@limits.guard("sign-in")
def login_listenbrainz():
    """Send the browser to MusicBrainz's consent page (the account ListenBrainz uses)."""
    keep_few_pending_states()
    return _clients().musicbrainz.authorize_redirect(_callback_url("auth.listenbrainz_callback"))


@bp.get("/auth/listenbrainz/callback")
@limits.guard("callback")
def listenbrainz_callback():
    """MusicBrainz sends the browser back with a code; its user name is the ListenBrainz user."""
    token = _oauth_token(_clients().musicbrainz, "MusicBrainz")
    if isinstance(token, tuple):
        return token
    try:
        user = userinfo(current_app.config["MUSICBRAINZ_URL"], token["access_token"], timeout=(3.05, 10))
    except CredentialsRevoked:       # a 401/400 invalid_token: MusicBrainz answered, and said no
        return failure("MusicBrainz refused sign-in", "MusicBrainz did not accept this sign-in (the access "
                       "may have been withdrawn or expired). Please start again.")
    except (SourceError, KeyError) as exc:
        log_event(log, "sign-in profile fetch failed", level=logging.WARNING, source="listenbrainz",
                  error=type(exc).__name__)
        return failure("MusicBrainz is not answering", "We could not read your MusicBrainz user "
                       "name. Please try again in a few minutes.", 502)
    account_id, display_name, _handle = connection.sign_in("listenbrainz", user)
    return _finish("listenbrainz", account_id, display_name)


# -- Last.fm -------------------------------------------------------------------------------------
def _nonces():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="anchor.lastfm-login")


def _lastfm_client():
    config = current_app.config
    return lastfm.LastfmClient(config["LASTFM_API_URL"], config["LASTFM_API_KEY"] or "anchor-demo-key",
                               config["LASTFM_SHARED_SECRET"] or "anchor-demo-secret",
                               allow_loopback=config["LASTFM_SANDBOX"])


@bp.get("/login/lastfm")
@limits.guard("sign-in")
def login_lastfm():
    """Ask Last.fm for a token, record it under a new nonce, and send the browser to approve it."""
    try:
        with _lastfm_client() as client:
            token = client.get_token()
    except SourceError as exc:
        log_event(log, "sign-in token failed", level=logging.WARNING, source="lastfm", error=type(exc).__name__)
        return failure("Last.fm is not answering", "We could not start signing you in with Last.fm. "
                       "Please try again in a few minutes.", 502)
    nonce = secrets.token_urlsafe(16)
    signins.remember("lastfm", nonce, token, NONCE_AGE)
    pending = [n for n in session.get("lastfm_nonces", []) if isinstance(n, str)]
    session["lastfm_nonces"] = (pending + [nonce])[-PENDING_NONCES:]
    config = current_app.config
    callback_url = _callback_url("auth.lastfm_callback", n=_nonces().dumps(nonce))
    return redirect(lastfm.auth_url(config["LASTFM_AUTH_URL"], config["LASTFM_API_KEY"] or "anchor-demo-key",
                                    callback_url, token=token))


def _is_token(value):
    """Last.fm's tokens are 32 letters and digits."""
    return len(value) == 32 and value.isalnum()


@bp.get("/auth/lastfm/callback")
@limits.guard("callback")
def lastfm_callback():
    """Last.fm sends the browser back with `token`: it must be the one recorded under one of this
    browser's nonces, and the record is used up whichever process finishes it.

    Last.fm documents `cb` for its web flow and the token for its desktop flow, not both at once:
    when it returns to the application's registered callback without our `n`, the token alone
    still finds its record among this browser's pending nonces. A present but invalid `n` is refused.
    """
    pending = [n for n in session.get("lastfm_nonces", []) if isinstance(n, str)]
    token = request.args.get("token", "")
    if "n" in request.args:
        try:
            nonce = _nonces().loads(request.args.get("n", ""), max_age=NONCE_AGE)
        except BadSignature:
            nonce = None
        candidates = [nonce] if nonce and nonce in pending else []
    else:
        candidates = pending if _is_token(token) else []
    if not candidates:
        return failure("Sign-in expired", "This sign-in link is stale, was already used or was "
                       "not started here. Please start again.")
    if not _is_token(token):
        nonce = candidates[0]
        session["lastfm_nonces"] = [n for n in pending if n != nonce]
        signins.drop("lastfm", nonce)
        return failure("Sign-in cancelled", "Last.fm did not send a sign-in token, so nothing was "
                       "saved. You can try again whenever you like.", 200)
    used = next((n for n in candidates if signins.use("lastfm", n, token)), None)   # in every process
    if used is None:
        return failure("Sign-in expired", "This sign-in link is stale, was already used or was "
                       "not started here. Please start again.")
    session["lastfm_nonces"] = [n for n in pending if n != used]         # single use in this cookie
    try:
        with _lastfm_client() as client:
            user, _session_key = client.get_session(token)   # the key is not kept: lists are public
            picture = connection.read_picture(client, user)
    except SourceError as exc:
        log_event(log, "sign-in session failed", level=logging.WARNING, source="lastfm",
                  error=type(exc).__name__)
        return failure("Last.fm refused sign-in", "Last.fm did not accept the sign-in (it may have "
                       "been used already). Please start again.")
    account_id, display_name, _handle = connection.sign_in("lastfm", user, picture=picture)
    return _finish("lastfm", account_id, display_name)


@bp.post("/logout")
@login_required
def logout():
    """Sign out: this session and any copy of its cookie end (POST with CSRF, so no link can)."""
    account_id = current_user.id
    sessions.revoke(account_id)
    if current_user.handle is None:
        tokens.delete(account_id)      # signed in but never claimed a handle: keep nothing
    logout_user()
    session.clear()
    return redirect(url_for("site.landing"))


def keep_few_pending_states():
    """At most a few OAuth sign-ins pending per browser: the oldest states are dropped, so
    cancelled sign-ins never grow the cookie past what a browser keeps."""
    pending = sorted((key for key in session if key.startswith("_state_")),
                     key=lambda key: (session[key] or {}).get("exp", 0) if isinstance(session[key], dict) else 0)
    for key in pending[:max(0, len(pending) - (PENDING_NONCES - 1))]:
        session.pop(key, None)

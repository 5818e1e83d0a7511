"""MusicBrainz OAuth2 endpoints of the brainz stand-in, in the order of checks of Controller/OAuth2.pm."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from .brainz_data import userinfo
from .demo_music import get_listener
from .standin import Reply, Request, hidden_inputs, html_reply, json_reply, redirect

SCOPES = ("profile", "email", "tag", "rating", "collection", "submit_isrc", "submit_barcode")
TOKEN_TTL = 3600  # access tokens and authorization codes both live one hour on MusicBrainz
AUTHORIZE_KEYS = ("client_id", "scope", "response_type", "redirect_uri", "access_type", "approval_prompt",
                  "state", "code_challenge", "code_challenge_method")
_S256_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_PLAIN_RE = re.compile(r"^[A-Za-z0-9.~_-]{43,128}$")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def oauth_error(error: str, description: str) -> Reply:
    """A token-endpoint error: invalid_client 401 (with a Basic challenge), temporarily_unavailable 503, else 400."""
    headers = dict(_NO_STORE)
    status = {"invalid_client": 401, "temporarily_unavailable": 503}.get(error, 400)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="OAuth2-Client"'
    return json_reply(status, {"error": error, "error_description": description}, headers)


def _html_error(error: str, description: str) -> Reply:
    status = 401 if error == "invalid_client" else 400
    return html_reply(status, "OAuth authorization error", f"<p>{escape(error)}: {escape(description)}</p>")


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _redirect_error(params: dict[str, str], error: str, description: str) -> Reply:
    answer = {"error": error, "error_description": description}
    if "state" in params:
        answer["state"] = params["state"]
    return redirect(_with_query(params["redirect_uri"], answer))


def s256(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class OAuthEndpoints:
    """/oauth2/authorize, /oauth2/token and /oauth2/userinfo; mixed into BrainzStandIn (uses its state)."""

    def _consent_page(self, params: dict[str, str]) -> Reply:
        names = self.listeners()[:40]
        offline = params.get("access_type") == "offline"
        buttons = "".join(f'<li><button type="submit" name="listener" value="{escape(n)}">Sign in as {escape(n)}'
                          f"</button></li>" for n in names)
        body = (f"<p>The application <strong>{escape(self.client_id)}</strong> asks to access your profile"
                f"{' while you are not using it (offline access)' if offline else ''}.</p>"
                f'<form method="post" action="/oauth2/authorize">{hidden_inputs(params)}<ul>{buttons}</ul>'
                f'<p><label>Another user <input name="other"></label> <button type="submit">Allow</button></p>'
                f'<button type="submit" name="cancel" value="1">No thanks</button></form>')
        return html_reply(200, "Authorize application — MusicBrainz stand-in", body)

    def authorize(self, request: Request) -> Reply:
        """GET shows the consent page; POST (a button) redirects with a code, or access_denied."""
        source = request.query if request.method == "GET" else request.form
        params = {k: source[k] for k in AUTHORIZE_KEYS if k in source}
        params.setdefault("access_type", "online")
        params.setdefault("approval_prompt", "auto")
        for name in ("client_id", "scope", "response_type", "redirect_uri"):
            if name not in params:
                return _html_error("invalid_request", f"Required parameter is missing: {name}")
        if params["client_id"] != self.client_id:
            return _html_error("invalid_client", "Unknown client")
        if params["redirect_uri"] not in self.redirect_uris:
            return _html_error("invalid_request", "Mismatched redirect URI")
        if params["response_type"] != "code":
            return _redirect_error(params, "unsupported_response_type", "Unsupported response type")
        for scope in params["scope"].split():
            if scope not in SCOPES:
                return _redirect_error(params, "invalid_scope", f"Unsupported scope: {scope}")
        problem = self._pkce_problem(params)
        if problem:
            return _redirect_error(params, "invalid_request", problem)
        if request.method == "GET":
            return self._consent_page(params)
        if request.form.get("cancel"):
            return _redirect_error(params, "access_denied", "User denied the authorization request")
        listener = get_listener(request.form.get("listener") or request.form.get("other", ""), self.generated,
                                self.seed)
        if listener is None:
            return html_reply(400, "Unknown user", "<p>No such demo user.</p>")
        code = self.new_code(listener.name, params)
        answer = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        return redirect(_with_query(params["redirect_uri"], answer))

    @staticmethod
    def _pkce_problem(params: dict[str, str]) -> str | None:
        method, challenge = params.get("code_challenge_method"), params.get("code_challenge")
        if method is not None and method not in ("plain", "S256"):
            return "The code_challenge_method must be 'S256' or 'plain'"
        if method is not None and challenge is None:
            return "A code_challenge_method was supplied without an accompanying code_challenge"
        pattern = _S256_RE if method == "S256" else _PLAIN_RE
        if challenge is not None and not pattern.match(challenge):
            return "Invalid code_challenge; see https://tools.ietf.org/html/rfc7636#section-4.1"
        return None

    def new_code(self, user: str, params: dict[str, str]) -> str:
        """Store an authorization code; a refresh token only for offline access not yet granted (or forced)."""
        offline = params.get("access_type") == "offline"
        with self._lock:
            if offline and params.get("approval_prompt") != "force" and user in self._offline_granted:
                offline = False  # MusicBrainz pre-authorizes and issues no second refresh token
            code = secrets.token_urlsafe(16)
            self._codes[code] = {"user": user, "offline": offline, "scope": params.get("scope", ""),
                                 "challenge": params.get("code_challenge"),
                                 "method": params.get("code_challenge_method") or (
                                     "plain" if params.get("code_challenge") else None),
                                 "expires": time.time() + TOKEN_TTL}
        return code

    def _client(self, request: Request) -> bool:
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):  # HTTP basic wins over form fields, as on MusicBrainz
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
        return client_id == self.client_id and secret is not None and secrets.compare_digest(
            secret.encode(), self.client_secret.encode())

    def token(self, request: Request) -> Reply:
        """POST /oauth2/token: authorization_code (PKCE when a challenge was given) and refresh_token grants."""
        if request.method != "POST":
            return oauth_error("invalid_request", "Only POST requests are allowed")
        form, grant = request.form, request.form.get("grant_type")
        required = {"authorization_code": ("code", "redirect_uri"), "refresh_token": ("refresh_token",)}
        for name in ("grant_type",) + required.get(grant or "", ()):
            if not form.get(name):
                return oauth_error("invalid_request", f"Required parameter is missing: {name}")
        if not self._client(request):
            return oauth_error("invalid_client", "Client not authentified")
        if grant == "authorization_code":
            if form["redirect_uri"] not in self.redirect_uris:
                return oauth_error("invalid_request", "Mismatched redirect URI")
            with self._lock:
                entry = self._codes.get(form["code"])
            if entry is None:
                return oauth_error("invalid_grant", "Invalid authorization code")
            if entry["challenge"]:
                verifier = form.get("code_verifier")
                if verifier is None:
                    return oauth_error("invalid_request", "Required parameter is missing: code_verifier")
                expected = s256(verifier) if entry["method"] == "S256" else verifier
                if not secrets.compare_digest(expected.encode(), entry["challenge"].encode()):
                    return oauth_error("invalid_grant", "Invalid PKCE verifier")
            if entry["expires"] < time.time():
                return oauth_error("invalid_grant", "Expired authorization code")
            with self._lock:
                if self._codes.pop(form["code"], None) is None:  # single use, even under a race
                    return oauth_error("invalid_grant", "Invalid authorization code")
            grant_row = {"user": entry["user"], "scope": entry["scope"],
                         "refresh": secrets.token_urlsafe(16) if entry["offline"] else None}
        elif grant == "refresh_token":
            with self._lock:
                grant_row = self._grants.get(form["refresh_token"])
            if grant_row is None:
                return oauth_error("invalid_grant", "Invalid refresh token")
        else:
            return oauth_error("unsupported_grant_type",
                               "Unsupported grant_type, only authorization_code and refresh_token are supported")
        if (form.get("token_type") or "bearer").lower() != "bearer":
            return oauth_error("invalid_request", "Invalid requested token type, only bearer is allowed")
        if self.take_oauth_fault():
            return oauth_error("temporarily_unavailable", "Server is in read-only mode")
        return json_reply(200, self.grant_access(grant_row), _NO_STORE)

    def grant_access(self, row: dict) -> dict:
        """A fresh access token for a grant; a refresh keeps its refresh token and ends the old access token."""
        access = secrets.token_urlsafe(16)
        with self._lock:
            if row.get("access"):
                self._access.pop(row["access"], None)
            row["access"] = access
            self._access[access] = {"user": row["user"], "scope": row["scope"], "expires": time.time() + TOKEN_TTL}
            if row["refresh"]:
                self._grants[row["refresh"]] = row
                self._offline_granted.add(row["user"])
        answer = {"access_token": access, "token_type": "bearer", "expires_in": TOKEN_TTL}
        if row["refresh"]:
            answer["refresh_token"] = row["refresh"]
        return answer

    def userinfo(self, request: Request) -> Reply:
        """GET|POST /oauth2/userinfo with a Bearer header or an access_token parameter.

        A queued `invalid_token` fault answers as for a token revoked since it was issued (the owner
        removed the application in their account): the same 401 as an unknown token.
        """
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else request.params.get("access_token", "")
        with self._lock:
            entry = self._access.get(token)
        if entry is None or entry["expires"] < time.time() or self.take_fault(("invalid_token",)):
            return json_reply(401, {"error": "invalid_token", "error_description": "Invalid value"},
                              {"WWW-Authenticate": 'Bearer realm="MusicBrainz"', **_NO_STORE})
        if "profile" not in entry["scope"].split():
            return oauth_error("invalid_token", "Invalid value")
        listener = get_listener(entry["user"], self.generated, self.seed)
        return json_reply(200, userinfo(listener, self.musicbrainz_url), _NO_STORE)

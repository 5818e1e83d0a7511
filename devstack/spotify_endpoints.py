"""Endpoints of the Spotify sandbox: /authorize, /api/token and the Web API subset."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode, urlsplit, urlunsplit

from . import spotify_views as views
from .spotify_data import demo_listener_ids, get_listener

CODE_TTL = 600
Reply = tuple[int, dict[str, str], bytes]


def json_reply(status: int, data: object, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer."""
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, json.dumps(data).encode()


def api_error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    """A Web API error in Spotify's shape."""
    return json_reply(status, {"error": {"status": status, "message": message}}, headers)


def _with_query(uri: str, **params: str) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode({k: v for k, v in params.items() if v})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _redirect(location: str) -> Reply:
    return 302, {"Location": location, "Content-Type": "text/plain"}, b""


class Endpoints:
    """Request handlers; mixed into SpotifySandbox, whose state (tokens, codes, faults) they use."""

    def authorize(self, params: dict[str, str], method: str) -> Reply:
        """GET shows the consent page; POST issues a code (or cancels)."""
        keys = ("client_id", "response_type", "redirect_uri", "state", "scope", "code_challenge",
                "code_challenge_method")
        problem = self._authorize_problem(params)
        if problem:
            return 400, {"Content-Type": "text/html; charset=utf-8"}, views.error_page(problem)
        state = params.get("state", "")
        if method == "GET":
            show = demo_listener_ids(self.generated, limit=20 if self.generated <= 20 else 0)
            listeners = [get_listener(i, self.generated) for i in show]
            forward = {k: params[k] for k in keys if k in params}
            return 200, {"Content-Type": "text/html; charset=utf-8"}, views.consent_page(
                forward, listeners, typed_field=self.generated > 20)
        if params.get("cancel"):
            return _redirect(_with_query(params["redirect_uri"], error="access_denied", state=state))
        listener_id = params.get("listener", "").strip().lower()
        if get_listener(listener_id, self.generated) is None:
            return 400, {"Content-Type": "text/html; charset=utf-8"}, views.error_page("Unknown listener.")
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = {"client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
                                 "challenge": params["code_challenge"], "listener": listener_id,
                                 "expires": time.time() + CODE_TTL}
        return _redirect(_with_query(params["redirect_uri"], code=code, state=state))

    def _authorize_problem(self, params: dict[str, str]) -> str | None:
        if params.get("client_id") != self.client_id:
            return "INVALID_CLIENT: Invalid client id."
        if params.get("response_type") != "code":
            return "unsupported_response_type: response_type must be 'code'."
        uri = urlsplit(params.get("redirect_uri", ""))
        if uri.scheme not in ("http", "https") or not uri.hostname or uri.fragment:
            return "INVALID_CLIENT: Invalid redirect URI."
        if uri.scheme == "http" and uri.hostname not in ("127.0.0.1", "::1"):
            return "INVALID_CLIENT: Insecure redirect URI (use https, or http://127.0.0.1 for loopback)."
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return "invalid_request: code_challenge with code_challenge_method=S256 is required."
        return None

    def _client_ok(self, form: dict[str, str], auth_header: str | None) -> bool:
        if auth_header and auth_header.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(auth_header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
            return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)
        if form.get("client_id") != self.client_id:
            return False
        if "client_secret" in form:
            return secrets.compare_digest(form["client_secret"], self.client_secret)
        return bool(form.get("code_verifier")) or form.get("grant_type") == "refresh_token"  # PKCE public client

    def token(self, form: dict[str, str], auth_header: str | None) -> Reply:
        """POST /api/token: authorization_code (with PKCE) and refresh_token grants."""
        if not self._client_ok(form, auth_header) or self.take_fault(("invalid_client",)):
            return json_reply(400, {"error": "invalid_client", "error_description": "Invalid client"})
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self._lock:
                entry = self._codes.pop(form.get("code", ""), None)
            if not entry or entry["expires"] < time.time() or entry["client_id"] != self.client_id:
                return json_reply(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"})
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return json_reply(400, {"error": "invalid_grant", "error_description": "Invalid redirect URI"})
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry["challenge"]:
                return json_reply(400, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"})
            return json_reply(200, self._grant(entry["listener"], new_refresh=True))
        if grant == "refresh_token":
            if self.take_fault(("invalid_grant",)):
                return json_reply(400, {"error": "invalid_grant", "error_description": "Refresh token revoked"})
            old = form.get("refresh_token", "")
            with self._lock:
                listener_id = self._refresh.get(old)
                if listener_id and self._rotation:
                    del self._refresh[old]
                    self.remember_refresh_tokens()
            if not listener_id:
                return json_reply(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
            return json_reply(200, self._grant(listener_id, new_refresh=self._rotation))
        return json_reply(400, {"error": "unsupported_grant_type",
                           "error_description": "grant_type must be client_credentials, authorization_code or refresh_token"})

    def _grant(self, listener_id: str, new_refresh: bool) -> dict:
        access = "BQ" + secrets.token_urlsafe(48)
        answer = {"access_token": access, "token_type": "Bearer", "scope": "user-top-read",
                  "expires_in": self.access_token_ttl}
        with self._lock:
            self._access[access] = (listener_id, time.time() + self.access_token_ttl)
            if new_refresh:
                answer["refresh_token"] = "AQ" + secrets.token_urlsafe(48)
                self._refresh[answer["refresh_token"]] = listener_id
                self.remember_refresh_tokens()
        return answer

    def api(self, path: str, query: dict[str, str], auth_header: str | None) -> Reply:
        """The Web API subset: /v1/me and /v1/me/top/{artists,tracks}."""
        token = auth_header[7:] if auth_header and auth_header.startswith("Bearer ") else ""
        with self._lock:
            owner, expires = self._access.get(token, (None, 0.0))
            epoch = self._epochs.get(owner or "", 0)
        if owner is None:
            return api_error(401, "Invalid access token")
        if expires < time.time():
            return api_error(401, "The access token expired")
        listener, base = get_listener(owner, self.generated), self.url
        if path == "/v1/me":
            return json_reply(200, views.user_json(base, listener))
        kind = path.rsplit("/", 1)[-1]
        if kind not in ("artists", "tracks") or path != f"/v1/me/top/{kind}":
            return api_error(404, "Service not found")
        try:
            limit, offset = int(query.get("limit", "20")), int(query.get("offset", "0"))
        except ValueError:
            return api_error(400, "Invalid limit")
        time_range = query.get("time_range", "medium_term")
        if not 1 <= limit <= 50:
            return api_error(400, "Invalid limit")
        if offset < 0:
            return api_error(400, "Invalid offset")
        if time_range not in views.TIME_RANGES:
            return api_error(400, "Invalid time range")
        source = listener.artists if kind == "artists" else listener.tracks
        ordered = views.ranked(source, f"{owner}|{kind}", time_range, epoch)
        render = views.artist_json if kind == "artists" else views.track_json
        items = [render(base, item) for item in ordered[offset:offset + limit]]
        page = views.paging(base, kind, [None] * len(ordered), limit, offset, time_range)
        return json_reply(200, page | {"items": items})

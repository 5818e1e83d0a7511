"""A local stand-in for Last.fm: the web auth page, auth.getSession and the top-list methods.

Run it with `python -m devstack.lastfm --port 5057 [--generated N]`. XML by default, JSON with
`format=json` (numbers as strings); errors as `{"error": N, "message"}` or `<lfm status="failed">`.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import secrets
import time
from html import escape
from urllib.parse import urlencode, urlsplit, urlunsplit

from devstack.spotify_images import cover_png

from .demo_music import PRIVATE, get_listener, listener_names
from .lastfm_data import (ERRORS, PERIODS, PIXELS, PLACEHOLDER_HASH, error_xml, star_png, to_xml, top_list,
                          user_info)
from .standin import Reply, Request, StandIn, hidden_inputs, html_reply, json_reply, redirect

__all__ = ["LastfmStandIn", "api_signature", "main"]

TOKEN_TTL = 3600
_IMAGE_RE = re.compile(r"^/i/u/(34s|64s|174s|300x300)/([0-9a-f]{32})\.png$")
_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, GET, OPTIONS"}


def api_signature(params: dict[str, str], secret: str) -> str:
    """md5 of name+value pairs sorted by name (without format, callback, api_sig), then the secret."""
    text = "".join(k + str(params[k]) for k in sorted(params) if k not in ("format", "callback", "api_sig"))
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


class LastfmStandIn(StandIn):
    """Web auth + API 2.0 subset on one port, driven by the demo listeners and injectable faults."""

    name = "lastfm-standin"
    fault_kinds = ("429", "500", "503", "slow", "garbage", "error")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_key: str = "anchor-demo-key",
                 shared_secret: str = "anchor-demo-secret", generated: int = 0, seed: int = 0):
        super().__init__(host, port)
        self.api_key, self.shared_secret = api_key, shared_secret
        self.generated, self.seed = generated, seed
        self._tokens: dict[str, dict] = {}
        self._sessions: dict[str, str] = {}
        self.reset()

    # -- control -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Drop faults, the errors-as-200 mode and mutations."""
        super().reset()
        with self._lock:
            self._errors_as_200 = False
            self._epochs: dict[str, int] = {}

    def set_errors_as_200(self, enabled: bool = True) -> None:
        """Send API errors with HTTP 200 (the body still says failed), as some clients see them."""
        self._errors_as_200 = bool(enabled)

    def mutate(self, user: str) -> None:
        """Change a user's top lists deterministically."""
        with self._lock:
            self._epochs[user.lower()] = self._epochs.get(user.lower(), 0) + 1

    def issue_token(self, user: str | None = None, expires_in: float = TOKEN_TTL) -> dict:
        """A web-auth token as the consent page would give it (authorized when `user` is given)."""
        name = None
        if user is not None:
            listener = get_listener(user, self.generated, self.seed)
            if listener is None:
                raise ValueError("unknown user")
            name = listener.name
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = {"user": name, "expires": time.time() + float(expires_in)}
        return {"token": token}

    def issue_session(self, user: str) -> dict:
        """A session (name + key) for a demo user without the browser dance (tests, seeding)."""
        listener = get_listener(user, self.generated, self.seed)
        if listener is None:
            raise ValueError("unknown user")
        key = secrets.token_hex(16)
        with self._lock:
            self._sessions[key] = listener.name
        return {"name": listener.name, "key": key, "subscriber": 0}

    def revoke(self, user: str) -> None:
        """End every session of a user (they removed the app in their Last.fm settings)."""
        with self._lock:
            for key, owner in list(self._sessions.items()):
                if owner == user.lower():
                    del self._sessions[key]

    def listeners(self) -> list[str]:
        """Demo user names (hand-made, special, then up to 1000 generated)."""
        return listener_names(self.generated, limit=1000)

    def control_actions(self) -> dict:
        """The control methods reachable over HTTP."""
        return {**super().control_actions(), "set_errors_as_200": self.set_errors_as_200, "mutate": self.mutate,
                "issue_token": self.issue_token, "issue_session": self.issue_session, "revoke": self.revoke}

    # -- answers -------------------------------------------------------------------------------
    def _error(self, code: int, as_json: bool, message: str | None = None, headers: dict | None = None) -> Reply:
        text, status = ERRORS[code]
        text = message or text
        status = 200 if self._errors_as_200 else status
        if as_json:
            return json_reply(status, {"message": text, "error": code}, {**_CORS, **(headers or {})})
        return status, {"Content-Type": "text/xml; charset=UTF-8", **_CORS, **(headers or {})}, error_xml(code, text)

    @staticmethod
    def _ok(data: dict, as_json: bool) -> Reply:
        if as_json:
            return json_reply(200, data, _CORS)
        return 200, {"Content-Type": "text/xml; charset=UTF-8", **_CORS}, to_xml(data)

    def internal_error(self) -> Reply:
        """A bug here looks like an error 8."""
        return json_reply(500, {"message": ERRORS[8][0], "error": 8})

    # -- routing -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """Route one request."""
        if request.path in ("/2.0/", "/2.0"):
            self.count("/2.0/" + request.params.get("method", "").lower())
            return self.api(request)
        if request.path in ("/api/auth/", "/api/auth"):
            self.count("/api/auth/")
            return self.web_auth(request)
        image = _IMAGE_RE.match(request.path)
        if image:
            segment, file_hash = image.groups()
            png = (star_png(PIXELS[segment]) if file_hash == PLACEHOLDER_HASH
                   else cover_png(f"lfm-{file_hash}", PIXELS[segment]))
            return 200, {"Content-Type": "image/png", "Cache-Control": "public, max-age=86400"}, png
        return 404, {"Content-Type": "text/plain"}, b"Not found\n"

    def web_auth(self, request: Request) -> Reply:
        """GET: the consent page; POST (a button): a 32-hex token, sent to `cb` (one hour, single use)."""
        params = request.query if request.method == "GET" else request.form
        if params.get("api_key") != self.api_key:
            return html_reply(403, "Invalid API key", "<p>This application is not known to Last.fm.</p>")
        forward = {k: params[k] for k in ("api_key", "cb", "token") if params.get(k)}
        if request.method == "GET":
            buttons = "".join(f'<li><button type="submit" name="listener" value="{escape(n)}">Yes, allow access as '
                              f"{escape(n)}</button></li>" for n in self.listeners()[:40])
            body = (f'<p>An application would like to connect to your Last.fm account.</p><form method="post" '
                    f'action="/api/auth/">{hidden_inputs(forward)}<ul>{buttons}</ul>'
                    f'<p><label>Another user <input name="other"></label> <button type="submit">Allow</button>'
                    f'</p><button type="submit" name="cancel" value="1">No thanks</button></form>')
            return html_reply(200, "Connect application — Last.fm stand-in", body)
        if request.form.get("cancel"):
            return html_reply(200, "Access not granted", "<p>You did not allow this application.</p>")
        listener = get_listener(request.form.get("listener") or request.form.get("other", ""), self.generated,
                                self.seed)
        if listener is None:
            return html_reply(400, "Unknown user", "<p>No such demo user.</p>")
        token = forward.get("token")
        with self._lock:
            if token in self._tokens:  # desktop flow: approve the token from auth.getToken
                self._tokens[token]["user"] = listener.name
        if token not in self._tokens:
            token = self.issue_token(listener.name)["token"]
        if "cb" not in forward:
            return html_reply(200, "Application connected", f"<p>Token: <code>{token}</code></p>")
        parts = urlsplit(forward["cb"])
        query = "&".join(q for q in (parts.query, urlencode({"token": token})) if q)
        return redirect(urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment)))

    def api(self, request: Request) -> Reply:
        """GET|POST /2.0/?method=…: faults, api key, signature, then the method."""
        params = request.params
        as_json = params.get("format") == "json"
        fault = self.take_fault(self.fault_kinds, params.get("method", "").lower())
        if fault and fault["kind"] == "slow":
            time.sleep(float(fault.get("delay", 1.0)))
        elif fault:
            return self._fault_reply(fault, as_json)
        if params.get("api_key") != self.api_key:
            return self._error(10, as_json)
        method = params.get("method", "").lower()
        signed = "api_sig" in params
        if signed and not secrets.compare_digest(params["api_sig"], api_signature(params, self.shared_secret)):
            return self._error(13, as_json)
        if method == "auth.gettoken":
            return self._ok(self.issue_token(), as_json)
        if method == "auth.getsession":
            if not signed:  # auth.getSession is always a signed call
                return self._error(13, as_json)
            try:
                return self._ok(self.get_session(params.get("token", "")), as_json)
            except _ApiError as exc:
                return self._error(exc.code, as_json)
        if method == "user.getinfo":
            listener = get_listener(params.get("user", ""), self.generated, self.seed)
            return self._ok(user_info(self.url, listener), as_json) if listener else self._error(6, as_json)
        if method in ("user.gettopartists", "user.gettopalbums"):
            return self.top(params, method, as_json, signed)
        return self._error(3, as_json)

    def _fault_reply(self, fault: dict, as_json: bool) -> Reply:
        kind = fault["kind"]
        if kind == "429":
            headers = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else {}
            return self._error(29, as_json, headers=headers)
        if kind == "error":
            return self._error(int(fault.get("code", 8)), as_json)
        if kind in ("500", "503"):  # the load balancer's own page, not an API body
            return int(kind), {"Content-Type": "text/html"}, b"<html><body>Service unavailable</body></html>"
        body = fault.get("body") or ('{"topartists": {"artist": [' if as_json else "<lfm status=\"ok\"><top")
        return 200, {"Content-Type": "application/json" if as_json else "text/xml"}, body.encode()

    def get_session(self, token: str) -> dict:
        """auth.getSession: the token's user and a new session key; the token is used up."""
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None:
            raise _ApiError(4)
        if entry["expires"] < time.time():
            raise _ApiError(15)
        if entry["user"] is None:
            raise _ApiError(14)
        with self._lock:
            if self._tokens.pop(token, None) is None:
                raise _ApiError(4)
        return {"session": self.issue_session(entry["user"])}

    def top(self, params: dict[str, str], method: str, as_json: bool, signed: bool) -> Reply:
        """user.getTopArtists / user.getTopAlbums."""
        listener = get_listener(params.get("user", ""), self.generated, self.seed)
        if listener is None:
            return self._error(6, as_json)
        viewer = None
        if "sk" in params:
            if not signed:
                return self._error(13, as_json)
            with self._lock:
                viewer = self._sessions.get(params["sk"])
            if viewer is None:
                return self._error(9, as_json)
        if listener.name == PRIVATE and viewer != listener.name:
            return self._error(17, as_json)
        period = params.get("period", "overall")
        if period not in PERIODS:
            period = "overall"  # Last.fm falls back to overall rather than refusing
        try:
            limit = min(max(int(params.get("limit", 50)), 1), 1000)
            page = max(int(params.get("page", 1)), 1)
        except ValueError:
            return self._error(6, as_json, "Invalid parameters - Your request is missing a required parameter")
        with self._lock:
            epoch = self._epochs.get(listener.name, 0)
        kind = "artists" if method == "user.gettopartists" else "albums"
        return self._ok(top_list(self.url, listener, kind, period, limit, page, epoch), as_json)


class _ApiError(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in forever (used by `make run`)."""
    parser = argparse.ArgumentParser(description="Local Last.fm stand-in for Anchor.band")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5057)
    parser.add_argument("--generated", type=int, default=0, help="number of generated listeners")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated listeners")
    parser.add_argument("--api-key", default="anchor-demo-key")
    parser.add_argument("--shared-secret", default="anchor-demo-secret")
    args = parser.parse_args(argv)
    standin = LastfmStandIn(args.host, args.port, args.api_key, args.shared_secret, args.generated, args.seed)
    standin.serve_forever(f"Last.fm stand-in on {{url}} (api_key={args.api_key}, "
                          f"{args.generated} generated listeners)")


if __name__ == "__main__":
    main()

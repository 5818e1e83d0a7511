"""One local stand-in for MusicBrainz OAuth2, the ListenBrainz statistics API and the Cover Art Archive.

Run it with `python -m devstack.brainz --port 5056 [--generated N]`. Wire formats follow the services'
own code: MusicBrainz `Controller/OAuth2.pm`, ListenBrainz `stats_api.py` (+ brainzutils' rate limiter)
and the Cover Art Archive's `artwork-redirect`.
"""
from __future__ import annotations

import argparse
import re
import secrets
import time
from urllib.parse import unquote

from devstack import spotify_data as sandbox_data
from devstack.spotify_images import cover_png

from .brainz_activity import ACTIVITY, ACTIVITY_RANGES, spoil
from .brainz_data import computed, entity_payload
from .brainz_oauth import OAuthEndpoints
from .demo_music import ARTISTS, get_listener, listener_names
from .musicbrainz_ws import WS_FAULTS, MusicBrainzWS
from .standin import Reply, Request, StandIn, json_reply, redirect

__all__ = ["BrainzStandIn", "DEFAULT_REDIRECT_URIS", "main"]

DEFAULT_REDIRECT_URIS = ("http://127.0.0.1:5000/auth/listenbrainz/callback",
                         "http://localhost:5000/auth/listenbrainz/callback")
RANGES = ("this_week", "this_month", "this_year", "week", "month", "quarter", "year", "half_yearly", "all_time")
_STATS_RE = re.compile(r"^/1/stats/user/([^/]+)/(artists|releases|release-groups|listening-activity|daily-activity)$")
_CAA_RE = re.compile(r"^/release/([^/]*)/(front|\d+)(?:-(250|500|1200))?(?:\.jpg)?$")
_MBID_RE = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
_IMAGE_RE = re.compile(r"^/images/caa/([a-f0-9-]{36})-(250|500|1200)\.png$")
_API_FAULTS = ("429", "500", "503", "slow", "garbage", "204")
_DATA_FAULTS = ("negative_counts", "absent_counts", "future_bucket", "hostile_names")  # spoil a 200 payload
_CORS = {"Access-Control-Allow-Origin": "*"}


def lb_error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    """A ListenBrainz API error body: {"code", "error"}."""
    return json_reply(status, {"code": status, "error": message}, {**_CORS, **(headers or {})})


class BrainzStandIn(MusicBrainzWS, OAuthEndpoints, StandIn):
    """MusicBrainz OAuth2 and /ws/2 + ListenBrainz stats + Cover Art Archive on one port, with injectable faults."""

    name = "brainz-standin"
    fault_kinds = _API_FAULTS + _DATA_FAULTS + ("read_only", "invalid_token") + WS_FAULTS

    def __init__(self, host: str = "127.0.0.1", port: int = 0, client_id: str = "anchor-demo",
                 client_secret: str = "anchor-demo-secret", redirect_uris=DEFAULT_REDIRECT_URIS,
                 generated: int = 0, seed: int = 0, rate_limit: int = 30, rate_window: int = 10,
                 clock=time.time):
        super().__init__(host, port)
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uris = tuple(redirect_uris)
        self.generated, self.seed, self._clock = generated, seed, clock
        self.default_rate = (rate_limit, rate_window)
        self._codes: dict[str, dict] = {}
        self._access: dict[str, dict] = {}
        self._grants: dict[str, dict] = {}
        self._offline_granted: set[str] = set()
        self._covers: dict[str, str] = {}
        # index covers so art URLs resolve after a restart too (the artists' own listening included)
        for name in [*listener_names(generated), *ARTISTS]:
            for album in get_listener(name, generated, seed).albums:
                if album.caa_release_mbid:
                    self._covers[album.caa_release_mbid] = album.name
                    sandbox_data.IMAGE_LABELS[f"caa-{album.caa_release_mbid}"] = album.name
        self.reset()

    @property
    def musicbrainz_url(self) -> str:
        """Where profile links of userinfo point (this stand-in plays musicbrainz.org)."""
        return self.url

    # -- control -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Drop faults, the rate-limit windows and mutations; restore the default rate limit."""
        super().reset()
        with self._lock:
            self._rate = self.default_rate
            self._windows: dict[str, tuple[int, int]] = {}
            self._epochs: dict[str, int] = {}
        self.reset_ws()

    def set_rate_limit(self, limit: int, window: int = 10) -> None:
        """Allow `limit` stats requests per fixed window of `window` seconds per client IP."""
        if int(limit) < 0 or int(window) < 1:
            raise ValueError("limit must be >= 0 and window >= 1")
        with self._lock:
            self._rate, self._windows = (int(limit), int(window)), {}

    def mutate(self, user: str) -> None:
        """Change a user's statistics deterministically (a new epoch reorders them)."""
        key = user.lower()
        with self._lock:
            self._epochs[key] = self._epochs.get(key, 0) + 1

    def issue_tokens(self, user: str, offline: bool = True, scope: str = "profile") -> dict:
        """MusicBrainz token JSON for a demo user without the browser dance (tests, seeding)."""
        listener = get_listener(user, self.generated, self.seed)
        if listener is None:
            raise ValueError("unknown user")
        row = {"user": listener.name, "scope": scope, "refresh": None}
        if offline:
            row["refresh"] = secrets.token_urlsafe(16)
        return self.grant_access(row)

    def revoke(self, user: str) -> None:
        """Revoke every token of a user (they removed the app in their MusicBrainz account)."""
        with self._lock:
            for token, entry in list(self._access.items()):
                if entry["user"] == user.lower():
                    del self._access[token]
            for refresh, row in list(self._grants.items()):
                if row["user"] == user.lower():
                    del self._grants[refresh]
            self._offline_granted.discard(user.lower())

    def expire_access_tokens(self, user: str | None = None) -> None:
        """Make access tokens (of one user, or all) expired."""
        with self._lock:
            for entry in self._access.values():
                if user is None or entry["user"] == user.lower():
                    entry["expires"] = 0.0

    def listeners(self) -> list[str]:
        """Demo user names (hand-made, special, then up to 1000 generated)."""
        return listener_names(self.generated, limit=1000)

    def control_actions(self) -> dict:
        """The control methods reachable over HTTP."""
        return {**super().control_actions(), "set_rate_limit": self.set_rate_limit, "mutate": self.mutate,
                "issue_tokens": self.issue_tokens, "revoke": self.revoke,
                "expire_access_tokens": self.expire_access_tokens,
                "set_ws_rate_limit": self.set_ws_rate_limit}

    def take_oauth_fault(self) -> bool:
        """True when a queued read_only fault should turn this token request into a 503."""
        return self.take_fault(("read_only",)) is not None

    # -- routing -------------------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """Route one request."""
        path = request.path
        if path in ("/oauth2/authorize", "/oauth2/token", "/oauth2/userinfo"):
            self.count(path)
            if path == "/oauth2/authorize":
                return self.authorize(request)
            fault = self.take_fault(("500", "503", "slow", "garbage"))
            if fault and fault["kind"] != "slow":
                return self._fault_reply(fault, {})
            if fault:
                time.sleep(float(fault.get("delay", 1.0)))
            return self.token(request) if path == "/oauth2/token" else self.userinfo(request)
        if path.startswith("/ws/2/"):
            return self.ws2(request)
        stats = _STATS_RE.match(path)
        if stats and request.method in ("GET", "HEAD"):
            self.count(f"/1/stats/user/*/{stats.group(2)}")
            return self.stats_api(request, unquote(stats.group(1)), stats.group(2))
        if path.startswith("/release-group/"):
            self.count("/release-group")
            return self.release_group_cover(path) or (400, {"Content-Type": "text/plain"}, b"Bad Request\n")
        if path.startswith("/release/"):
            self.count("/release")
            return self.cover_art(path)
        image = _IMAGE_RE.match(path)
        if image:
            png = cover_png(f"caa-{image.group(1)}", min(int(image.group(2)), 500))  # 1200 drawn at 500: CPU
            return 200, {"Content-Type": "image/png", "Cache-Control": "public, max-age=86400"}, png
        if path.startswith("/1/"):
            return lb_error(404, "The requested URL was not found on the server.")
        return 404, {"Content-Type": "text/plain"}, b"Not found\n"

    def internal_error(self) -> Reply:
        """A bug here looks like ListenBrainz's 500."""
        return lb_error(500, "An unknown error occured.")

    # -- ListenBrainz statistics ---------------------------------------------------------------
    def _rate_headers(self, client_ip: str) -> tuple[dict[str, str], bool]:
        """Count the request in its fixed window (as brainzutils does); headers and whether it is over."""
        limit, per = self._rate
        now = int(self._clock())
        reset = now // per * per + per
        with self._lock:
            window, current = self._windows.get(client_ip, (reset, 0))
            current = current + 1 if window == reset else 1
            self._windows[client_ip] = (reset, current)
        headers = {"X-RateLimit-Remaining": str(max(limit - current, 0)), "X-RateLimit-Limit": str(limit),
                   "X-RateLimit-Reset": str(reset), "X-RateLimit-Reset-In": str(reset - now),
                   "Access-Control-Expose-Headers":
                       "X-RateLimit-Remaining,X-RateLimit-Limit,X-RateLimit-Reset,X-RateLimit-Reset-In"}
        return headers, current > limit

    def _fault_reply(self, fault: dict, headers: dict[str, str]) -> Reply:
        kind = fault["kind"]
        if kind == "429":
            if fault.get("bare"):  # a proxy's 429 without the rate-limit headers
                headers = {}
            reset_in = fault.get("reset_in")
            if reset_in is not None:
                headers = {**headers, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-In": str(reset_in),
                           "X-RateLimit-Reset": str(int(self._clock()) + int(reset_in))}
            return lb_error(429, "You have exceeded your rate limit. See the X-RateLimit-* response headers for "
                                 "more information on your current rate limit.", headers)
        if kind in ("500", "503"):
            return lb_error(int(kind), "An unknown error occured." if kind == "500" else "Service Unavailable",
                            headers)
        if kind == "204":
            return 204, {**_CORS, **headers}, b""
        body = fault.get("body") or '{"payload": {"artists": [{"artist_name": '
        return 200, {"Content-Type": "application/json", **_CORS, **headers}, body.encode()

    def stats_api(self, request: Request, typed_name: str, entity: str) -> Reply:
        """GET /1/stats/user/{user}/{entity}: checks in the real order, then the payload (a fault queued
        with `method=<entity>`, e.g. "daily-activity", meets only that endpoint)."""
        headers, over = self._rate_headers(request.client_ip)
        if over:
            return self._fault_reply({"kind": "429"}, headers)
        fault = self.take_fault(_API_FAULTS, method=entity)
        if fault and fault["kind"] == "slow":
            time.sleep(float(fault.get("delay", 1.0)))
        elif fault:
            return self._fault_reply(fault, headers)
        listener = get_listener(typed_name, self.generated, self.seed)
        if listener is None:
            return lb_error(404, f"Cannot find user: {typed_name}", headers)
        stats_range = request.query.get("range", "all_time")
        if stats_range not in RANGES:
            return lb_error(400, f"Invalid range: {stats_range}", headers)
        if entity in ACTIVITY:  # no count/offset: the whole range's buckets
            return self._activity(listener, typed_name, entity, stats_range, headers)
        numbers = {}
        for name, default in (("offset", 0), ("count", 25)):
            try:
                numbers[name] = int(request.query.get(name, default))
            except ValueError:
                numbers[name] = -1
            if numbers[name] < 0:
                return lb_error(400, f"'{name}' should be a non-negative integer", headers)
        if not computed(listener, stats_range):
            return 204, {**_CORS, **headers}, b""
        with self._lock:
            epoch = self._epochs.get(listener.name, 0)
        payload = entity_payload(listener, typed_name, entity, stats_range, numbers["count"], numbers["offset"],
                                 epoch, self._clock())
        return self._data_reply(payload, entity, headers)

    def _activity(self, listener, typed_name: str, entity: str, stats_range: str, headers: dict) -> Reply:
        """listening-activity / daily-activity: computed for the year ranges only (others: 204)."""
        if not computed(listener, stats_range) or stats_range not in ACTIVITY_RANGES:
            return 204, {**_CORS, **headers}, b""
        return self._data_reply(ACTIVITY[entity](listener, typed_name, stats_range, self._clock()), entity, headers)

    def _data_reply(self, payload: dict, entity: str, headers: dict[str, str]) -> Reply:
        fault = self.take_fault(_DATA_FAULTS, method=entity)
        return json_reply(200, spoil(payload, fault and fault["kind"], self._clock()), {**_CORS, **headers})

    # -- Cover Art Archive ---------------------------------------------------------------------
    def cover_art(self, path: str) -> Reply:
        """/release/{mbid}/front[-250|-500|-1200] and /{caa_id}[-size] → 307 to an image served here."""
        match = _CAA_RE.match(path)
        if not match:
            return 400, {"Content-Type": "text/plain", **_CORS}, b"Bad Request\n"
        mbid, _which, size = match.groups()
        if not mbid:
            return 400, {"Content-Type": "text/plain", **_CORS}, b"no MBID specified\n"
        if not _MBID_RE.match(mbid):
            return 400, {"Content-Type": "text/plain", **_CORS}, b"invalid MBID specified\n"
        if mbid not in self._covers:
            return 404, {"Content-Type": "text/plain", **_CORS}, (
                f"No front cover image found for release with identifier {mbid}\n".encode())
        status, headers, body = redirect(f"{self.url}/images/caa/{mbid}-{size or '500'}.png", 307)
        return status, {**headers, **_CORS}, body


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in forever (used by `make run`)."""
    parser = argparse.ArgumentParser(description="Local MusicBrainz/ListenBrainz/CAA stand-in for Anchor.band")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument("--generated", type=int, default=0, help="number of generated listeners")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated listeners")
    parser.add_argument("--client-id", default="anchor-demo")
    parser.add_argument("--client-secret", default="anchor-demo-secret")
    parser.add_argument("--redirect-uri", action="append", help="registered redirect URI (repeatable)")
    parser.add_argument("--rate-limit", type=int, default=30, help="stats requests per window per IP")
    parser.add_argument("--rate-window", type=int, default=10, help="rate-limit window in seconds")
    args = parser.parse_args(argv)
    standin = BrainzStandIn(args.host, args.port, args.client_id, args.client_secret,
                            args.redirect_uri or DEFAULT_REDIRECT_URIS, args.generated, args.seed,
                            args.rate_limit, args.rate_window)
    standin.serve_forever(f"Brainz stand-in (MusicBrainz OAuth2, ListenBrainz, Cover Art Archive) on {{url}} "
                          f"(client_id={args.client_id}, {args.generated} generated listeners)")


if __name__ == "__main__":
    main()

"""A local stand-in for accounts.spotify.com and api.spotify.com, with fault injection.

Run it with `python -m devstack.spotify_sandbox --port 5055 [--generated N]`. The server, the fault
queue and the control routes are the stand-in base's (devstack/standin.py); this module adds
Spotify's answers: `Cache-Control: no-store` on every reply, its 429s, rate limit and latency,
and its own control surface (stats with 429 counts, listeners, generated data downloads).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import time
from collections import deque

from .spotify_data import demo_listener_ids, get_listener
from .spotify_endpoints import Endpoints, Reply, api_error, json_reply
from .spotify_images import cover_png
from .standin import Request, StandIn

__all__ = ["SpotifySandbox", "FAULT_KINDS", "main"]

FAULT_KINDS = ("429", "500", "503", "slow", "invalid_grant", "garbage", "quota", "invalid_client")
COUNTED_PATHS = ("/v1/me", "/v1/me/top/artists", "/v1/me/top/tracks", "/api/token", "/authorize")
_IMAGE_RE = re.compile(r"^/images/([A-Za-z0-9_-]{1,80}?)(-64)?\.png$")


def _export(query: dict) -> Reply:
    """A generated "my_spotify_data.zip", as a listener's data download would arrive (demo, tests)."""
    import tempfile
    from pathlib import Path

    from .spotify_export import write_export
    try:
        plays = max(100, min(200_000, int(query.get("plays", 3000))))
        seed = int(query.get("seed", 0))
    except ValueError:
        return json_reply(400, {"error": "plays and seed are whole numbers"})
    kind = query.get("kind", "extended")
    if kind not in ("extended", "account"):
        return json_reply(400, {"error": "kind is extended or account"})
    with tempfile.TemporaryDirectory() as folder:
        path = write_export(Path(folder) / "my_spotify_data.zip", kind=kind, plays=plays, seed=seed)
        body = path.read_bytes()
    return 200, {"Content-Type": "application/zip",
                 "Content-Disposition": 'attachment; filename="my_spotify_data.zip"'}, body


class SpotifySandbox(Endpoints, StandIn):
    """Accounts + Web API subset on one port, driven by demo listeners and injectable faults."""

    name = "SpotifySandbox"
    fault_kinds = FAULT_KINDS
    keep_blank_values = False               # Spotify's parsing: `?a=` leaves `a` out
    reply_headers = {"Cache-Control": "no-store"}

    def __init__(self, host: str = "127.0.0.1", port: int = 0, client_id: str = "anchor-demo",
                 client_secret: str = "anchor-demo-secret", generated: int = 0, access_token_ttl: int = 3600,
                 state_file: str | None = None):
        super().__init__(host, port)
        # Refresh tokens outlive a restart, as Spotify's do (make run keeps them under .data/).
        self.state_file = state_file
        self.client_id, self.client_secret = client_id, client_secret
        self.generated, self.access_token_ttl = generated, access_token_ttl
        self._codes: dict[str, dict] = {}
        self._access: dict[str, tuple[str, float]] = {}
        self._refresh: dict[str, str] = self._load_refresh_tokens()
        self.reset()

    # -- fault injection and control -----------------------------------------------------------
    def fail_next(self, kind: str, count: int = 1, retry_after: float | None = None, delay: float | None = None,
                  body: str | None = None) -> None:
        """Make the next `count` matching requests fail (or be slow, or answer garbage)."""
        super().fail_next(kind, count, retry_after=retry_after, delay=1.0 if delay is None else float(delay),
                          body=body)

    def set_rotation(self, enabled: bool = True) -> None:
        """Refresh grants return a new refresh token and revoke the old one."""
        self._rotation = bool(enabled)

    def set_rate_limit(self, requests: int | None, window_seconds: float = 30.0) -> None:
        """Allow at most `requests` Web API calls per sliding window (None switches it off)."""
        with self._lock:
            self._rate = None if requests is None else (int(requests), float(window_seconds))
            self._calls.clear()

    def set_latency(self, seconds: float = 0.0) -> None:
        """Answer every Web API call after `seconds` (a distant service's round trip)."""
        with self._lock:
            self._latency = max(0.0, float(seconds))

    def mutate(self, listener_id: str) -> None:
        """Change a listener's top items deterministically (a new epoch reorders them)."""
        with self._lock:
            self._epochs[listener_id] = self._epochs.get(listener_id, 0) + 1

    def _load_refresh_tokens(self) -> dict[str, str]:
        if not self.state_file:
            return {}
        try:
            with open(self.state_file, encoding="utf-8") as handle:
                stored = json.load(handle)
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in stored.items() if isinstance(k, str) and isinstance(v, str)}

    def remember_refresh_tokens(self) -> None:
        """Write the refresh tokens to the state file (call with the lock held)."""
        if self.state_file:
            temporary = f"{self.state_file}.tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(self._refresh, handle)
            os.replace(temporary, self.state_file)

    def reset(self) -> None:
        """Drop faults, rotation, rate limit and mutations; issued tokens stay valid."""
        super().reset()
        with self._lock:
            self._rotation = False
            self._rate: tuple[int, float] | None = None
            self._calls: deque[float] = deque()
            self._epochs: dict[str, int] = {}

    def stats(self) -> dict:
        """Request counters: total, per path, and 429s sent."""
        with self._lock:
            return {"requests": self._total, "paths": dict(self._paths), "status_429": self._sent_429,
                    "arrivals": list(self._arrivals), "last_429_at": self._last_429_at}

    def reset_stats(self) -> None:
        """Zero the request counters."""
        with self._lock:
            self._total, self._sent_429 = 0, 0
            self._arrivals: list[float] = []   # time.time() of each counted request
            self._last_429_at: float | None = None
            self._paths = {path: 0 for path in COUNTED_PATHS}

    def count(self, path: str) -> None:
        """Count one request; the paths the tests and benchmarks follow also by path and arrival."""
        with self._lock:
            self._total += 1
            if path in self._paths:
                self._paths[path] += 1
                self._arrivals.append(time.time())

    def issue_tokens(self, listener_id: str) -> dict:
        """Tokens for a listener without the browser dance (tests, seeding)."""
        if get_listener(listener_id, self.generated) is None:
            raise ValueError("unknown listener")
        return self._grant(listener_id, new_refresh=True)

    def expire_access_tokens(self, listener_id: str | None = None) -> None:
        """Make access tokens (of one listener, or all) expired."""
        with self._lock:
            for token, (owner, _) in list(self._access.items()):
                if listener_id in (None, owner):
                    self._access[token] = (owner, 0.0)

    def listeners(self) -> dict:
        """The demo listeners a seeding script may sign in (the adversarial one listed apart)."""
        ids = demo_listener_ids(self.generated)
        return {"demo": [i for i in ids if i != "xss-probe" and not i.startswith("listener-")],
                "adversarial": ["xss-probe"], "generated": self.generated}

    def control_actions(self) -> dict:
        """POST /_control/<name> → method."""
        return {"fail_next": self.fail_next, "set_rotation": self.set_rotation, "reset": self.reset,
                "set_rate_limit": self.set_rate_limit, "set_latency": self.set_latency, "mutate": self.mutate,
                "reset_stats": self.reset_stats, "issue_tokens": self.issue_tokens,
                "expire_access_tokens": self.expire_access_tokens}

    def control(self, request: Request, body: bytes) -> Reply:
        """GET /_control/stats|listeners|export; POST /_control/<action> with the method's arguments as JSON."""
        action = request.path[len("/_control/"):]
        if action == "stats":
            return json_reply(200, self.stats())
        if action == "listeners" and request.method == "GET":
            return json_reply(200, self.listeners())
        if action == "export" and request.method == "GET":
            return _export(request.query)
        try:
            args = json.loads(body or b"{}")
        except ValueError:
            return json_reply(400, {"error": "body must be JSON"})
        if request.method != "POST" or not isinstance(args, dict):
            return json_reply(405, {"error": "POST a JSON object"})
        actions = self.control_actions()
        if action not in actions:
            return json_reply(404, {"error": f"unknown action {action}"})
        try:
            result = actions[action](**args)
        except (TypeError, ValueError) as exc:
            return json_reply(400, {"error": str(exc)})
        return json_reply(200, result if isinstance(result, dict) else {"ok": True})

    def internal_error(self) -> Reply:
        """A bug here looks like a Spotify 500, not a dropped connection."""
        return api_error(500, "Sandbox error")

    # -- request handling ----------------------------------------------------------------------
    def handle(self, request: Request) -> Reply:
        """Cover images, then /authorize, /api/token and the Web API (counted, faults applied)."""
        path, method = request.path, request.method
        image = _IMAGE_RE.match(path)
        if image and method in ("GET", "HEAD"):
            png = cover_png(image.group(1), 64 if image.group(2) else 300)
            return 200, {"Content-Type": "image/png", "Cache-Control": "public, max-age=86400"}, png
        self.count(path)
        auth = request.headers.get("authorization")
        if path == "/authorize" and method in ("GET", "POST"):
            return self.authorize(request.query if method == "GET" else request.form, method)
        if path == "/api/token" and method == "POST":
            return self.guarded(path, self.token, request.form, auth)
        if path.startswith("/v1/") and method == "GET":
            return self.guarded(path, self.api, path, request.query, auth)
        return json_reply(404, {"error": {"status": 404, "message": "Service not found"}})

    def _too_many(self, retry_after: float | str) -> Reply:
        with self._lock:
            self._sent_429 += 1
            self._last_429_at = time.time()
        # A string is sent verbatim, so tests can check how clients cope with a garbled header.
        seconds = retry_after if isinstance(retry_after, str) else str(max(0, math.ceil(retry_after)))
        return api_error(429, "API rate limit exceeded", {"Retry-After": seconds})

    def _rate_limited(self) -> float | None:
        with self._lock:
            if self._rate is None:
                return None
            limit, window = self._rate
            now = time.monotonic()
            while self._calls and self._calls[0] <= now - window:
                self._calls.popleft()
            if len(self._calls) >= limit:
                return max(1.0, self._calls[0] + window - now)
            self._calls.append(now)
            return None

    def guarded(self, path: str, handler, *args) -> Reply:
        """Apply the rate limit and queued faults, then answer with `handler`."""
        if path.startswith("/v1/"):
            if getattr(self, "_latency", 0.0):
                time.sleep(self._latency)
            wait = self._rate_limited()
            if wait is not None:
                return self._too_many(wait)
        fault = self.take_fault(("429", "500", "503", "slow", "garbage", "quota"))
        if fault:
            kind = fault["kind"]
            if kind == "429":
                return self._too_many(1 if fault["retry_after"] is None else fault["retry_after"])
            if kind == "quota":
                # Spotify's quota answer (Web API changelog, July 2026): a reason in the body.
                with self._lock:
                    self._sent_429 += 1
                headers = {} if fault["retry_after"] is None else {"Retry-After": str(int(fault["retry_after"]))}
                return json_reply(429, {"error": {"status": 429, "message": "Too many requests",
                                                  "reason": "QUOTA_EXCEEDED"}}, headers)
            if kind in ("500", "503"):
                return api_error(int(kind), "Server error" if kind == "500" else "Service unavailable")
            if kind == "garbage":
                body = fault["body"] if fault["body"] is not None else "<html>not json {"
                return 200, {"Content-Type": "application/json"}, body.encode()
            time.sleep(fault["delay"])
        return handler(*args)


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox forever (used by `make run`)."""
    parser = argparse.ArgumentParser(description="Local Spotify stand-in for Anchor.band")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--generated", type=int, default=0, help="number of generated listeners")
    parser.add_argument("--client-id", default="anchor-demo")
    parser.add_argument("--client-secret", default="anchor-demo-secret")
    parser.add_argument("--state", default=None, help="file that keeps refresh tokens across restarts")
    args = parser.parse_args(argv)
    sandbox = SpotifySandbox(args.host, args.port, args.client_id, args.client_secret, args.generated,
                             state_file=args.state)
    sandbox.serve_forever(f"Spotify sandbox listening on {{url}} (client_id={args.client_id}, "
                          f"{args.generated} generated listeners)")


if __name__ == "__main__":
    main()

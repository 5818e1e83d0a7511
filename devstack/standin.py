"""What both stand-ins share: a threaded HTTP server, queued faults, request counters, control routes."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Request:
    """One parsed HTTP request, as the endpoints see it."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    client_ip: str
    params: dict[str, str] = field(default_factory=dict)  # query + form (form wins), for GET|POST APIs


def json_reply(status: int, data: object, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer (UTF-8, non-ASCII kept as is, like both services)."""
    body = json.dumps(data, ensure_ascii=False).encode()
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body


def html_reply(status: int, title: str, body_html: str) -> Reply:
    """A small HTML page; `body_html` must already be escaped."""
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"</head><body><main><h1>{escape(title)}</h1>{body_html}</main></body></html>")
    return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode()


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect with a short text body."""
    return status, {"Location": location, "Content-Type": "text/plain"}, f"See: {location}\n".encode()


def hidden_inputs(values: dict[str, str]) -> str:
    """Hidden form fields carrying `values` through a consent page."""
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in values.items())


class StandIn:
    """Base of a stand-in: lifecycle, fault queue, counters and the /_control routes."""

    name = "stand-in"
    fault_kinds: tuple[str, ...] = ()
    keep_blank_values = True                # `?a=` gives a = "" (False: the parameter is left out)
    reply_headers: dict[str, str] = {}      # sent with every reply, after its own headers

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._faults: list[dict] = []
        self.reset_stats()

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL of the running stand-in."""
        host = self.host if self.host not in ("0.0.0.0", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    def start(self):
        """Bind and serve from a background daemon thread."""
        handler = type("Handler", (_Handler,), {"standin": self, "server_version": f"{self.name}/1.0"})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name=self.name, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self, banner: str) -> None:
        """Run until Ctrl-C (used by the modules' main())."""
        self.start()
        print(banner.format(url=self.url), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()

    # -- faults and counters -------------------------------------------------------------------
    def fail_next(self, kind: str, count: int = 1, **options) -> None:
        """Make the next `count` API requests fail in the given way (options depend on the kind)."""
        if kind not in self.fault_kinds or int(count) < 1:
            raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(self.fault_kinds)}) or bad count")
        with self._lock:
            self._faults.append({"kind": kind, "count": int(count), **options})

    def take_fault(self, kinds: tuple[str, ...], method: str | None = None) -> dict | None:
        """The first queued fault of one of `kinds` (consuming one of its count), or None; a fault
        queued with a `method` option only meets requests for that API method."""
        with self._lock:
            for fault in self._faults:
                if fault["kind"] in kinds and fault.get("method") in (None, method):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self._faults.remove(fault)
                    return dict(fault)
        return None

    def reset(self) -> None:
        """Drop queued faults and per-test modes; issued codes, tokens and sessions stay valid."""
        with self._lock:
            self._faults.clear()

    def stats(self) -> dict:
        """Request counters: total and per path."""
        with self._lock:
            return {"requests": self._total, "paths": dict(self._paths)}

    def reset_stats(self) -> None:
        """Zero the request counters."""
        with self._lock:
            self._total, self._paths = 0, Counter()

    def count(self, path: str) -> None:
        """Count one request for `path`."""
        with self._lock:
            self._total += 1
            self._paths[path] += 1

    # -- control surface -----------------------------------------------------------------------
    def control_actions(self) -> dict:
        """POST /_control/<name> → method; subclasses add theirs."""
        return {"fail_next": self.fail_next, "reset": self.reset, "reset_stats": self.reset_stats}

    def listeners(self) -> list[str]:
        """Names of the demo users (subclasses say which)."""
        raise NotImplementedError

    def demo_listeners(self) -> list[str]:
        """The hand-made users a seeding script may publish (no special or generated ones)."""
        from .demo_music import SCENES
        return list(SCENES)

    def control(self, request: Request, body: bytes) -> Reply:
        """GET /_control/stats|listeners, POST /_control/<action> with the method's arguments as JSON."""
        action = request.path[len("/_control/"):]
        if request.method == "GET" and action == "stats":
            return json_reply(200, self.stats())
        if request.method == "GET" and action == "listeners":
            return json_reply(200, {"listeners": self.listeners(), "demo": self.demo_listeners()})
        actions = self.control_actions()
        if request.method != "POST" or action not in actions:
            return json_reply(404, {"error": f"unknown control action {action}"})
        try:
            args = json.loads(body or b"{}")
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
            result = actions[action](**args)
        except (TypeError, ValueError) as exc:
            return json_reply(400, {"error": str(exc)})
        return json_reply(200, result if isinstance(result, dict) else {"ok": True})

    def handle(self, request: Request) -> Reply:
        """Answer one non-control request (subclasses route)."""
        raise NotImplementedError

    def internal_error(self) -> Reply:
        """What a bug in the stand-in looks like to clients (the service's own 500 shape)."""
        return json_reply(500, {"error": "stand-in error"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        """Clients that hang up (timeouts in tests) are normal here; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    standin: StandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid 40 ms stalls

    def log_message(self, format: str, *args) -> None:
        """Silenced: request lines carry codes, tokens and keys."""

    def _send(self, reply: Reply) -> None:
        status, headers, body = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:  # a 204 carries no body and no Content-Length, as the services send it
            self.send_header("Content-Length", str(len(body)))
        for name, value in self.standin.reply_headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and status != 204:
            self.wfile.write(body)

    def _route(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, 1_000_000)) if length > 0 else b""
            parts = urlsplit(self.path)
            blank = self.standin.keep_blank_values
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=blank).items()}
            form = {}
            if self.command == "POST" and "json" not in (self.headers.get("Content-Type") or ""):
                form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=blank).items()}
            request = Request(self.command, parts.path, query, form, {k.lower(): v for k, v in self.headers.items()},
                              self.client_address[0], {**query, **form})
            if parts.path.startswith("/_control/"):
                return self._send(self.standin.control(request, body))
            self._send(self.standin.handle(request))
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:  # a bug here must look like the service's 500, not a dropped connection
            self.close_connection = True
            self._send(self.standin.internal_error())

    do_GET = do_POST = do_HEAD = _route

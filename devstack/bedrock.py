"""A local stand-in for Bedrock Runtime Converse, for tests and benchmarks.

Speaks the wire format boto3 uses (`POST /model/{modelId}/converse`, restJson errors with
`x-amzn-ErrorType`), so real boto3 can be pointed at it with
`AWS_ENDPOINT_URL_BEDROCK_RUNTIME=<standin.url>`. Answers are scripted per call:

    standin.script("invented_album", "good")   # next two calls; then "good" again

`standin.delay = 3` makes every answer wait 3 s (a slow model); `hold()` keeps answers waiting
until `release()`, so a test can look at a generation while it runs.

Behaviours: good, invented_album, cliche, too_long, markup, url, text, missing_album, throttle,
unavailable, internal_error, invalid_request. "good" copy is devstack/model_copy.py's full copy
for the data found in the user message (see prompt.extract_data). A request forcing the year tool
(anchor/ai/year_prompt.py) gets a year's two sentences instead (devstack/model_year_copy.py),
with the same behaviours: a third sentence is a year's "too_long". Run alone: `python -m devstack.bedrock --port 8123`.
"""
import argparse
import json
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from anchor.ai.prompt import TOOL_NAME, extract_data
from anchor.ai.year_prompt import YEAR_TOOL_NAME, extract_year_data

from devstack.model_copy import write_full
from devstack.model_year_copy import write_year

BEHAVIOURS = ("good", "invented_album", "cliche", "too_long", "markup", "url", "text", "missing_album",
              "throttle", "unavailable", "internal_error", "invalid_request")
_ERRORS = {
    "throttle": (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    "unavailable": (503, "ServiceUnavailableException", "Service unavailable. Try again later."),
    "internal_error": (500, "InternalServerException", "The server encountered an internal error."),
    "invalid_request": (400, "ValidationException", "The provided request is not valid."),
}


def _fit(first: str, bio: str, limit: int = 600) -> str:
    """`first` followed by as many of the bio's sentences as fit in `limit` characters."""
    text = first
    for sentence in bio.replace(". ", ".\n").split("\n"):
        if len(text) + 1 + len(sentence) <= limit:
            text = f"{text} {sentence}"
    return text


def _copy_for(behaviour: str, data: dict) -> dict:
    bio, lines = write_full(data)
    if behaviour == "invented_album":
        bio = _fit("The record that anchors it all is “Velvet Harbour Sessions” by Mara Quell.", bio)
    elif behaviour == "cliche":
        bio = _fit("This is an eclectic sonic journey curated with impeccable taste.", bio)
    elif behaviour == "url":
        bio = _fit("Listen along at anchor-mix.com.", bio)
    elif behaviour == "too_long":
        bio = (bio + " ") * (700 // max(len(bio), 1) + 1)
        lines = {k: v + " It keeps going." * 10 for k, v in lines.items()}
    elif behaviour == "markup":
        lines = {k: "<img src=x onerror=alert(1)>" + v for k, v in lines.items()} or {
            "x": "<img src=x onerror=alert(1)>"}
    elif behaviour == "missing_album":
        lines = dict(list(lines.items())[1:]) if lines else {"not-an-album": "An extra line."}
    return {"bio": bio.strip(), "albumLines": [{"albumId": k, "line": v} for k, v in lines.items()]}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 - silence per-request stderr lines
        pass

    def _send(self, status: int, payload: dict, error_type: str | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server naming
        started = time.monotonic()
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 3 or parts[0] != "model" or parts[2] != "converse":
            return self._send(404, {"message": f"Unknown path {self.path}"}, "UnknownOperationException")
        model_id = unquote(parts[1])
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._send(400, {"message": "Body is not JSON."}, "ValidationException")
        behaviour = self.server.standin._record(model_id, body)
        if self.server.standin.delay:
            time.sleep(self.server.standin.delay)
        self.server.standin._gate.wait(timeout=30)
        if behaviour in _ERRORS:
            status, code, message = _ERRORS[behaviour]
            return self._send(status, {"message": message}, code)
        choice = (body.get("toolConfig") or {}).get("toolChoice", {}).get("tool", {}).get("name")
        messages = body.get("messages") or []
        first_text = next((b.get("text", "") for b in (messages[0].get("content") or [])
                           if "text" in b), "") if messages else ""
        year = choice == YEAR_TOOL_NAME
        data = (extract_year_data if year else extract_data)(first_text)
        if choice not in (TOOL_NAME, YEAR_TOOL_NAME) or data is None:
            return self._send(400, {"message": "Expected toolChoice naming the tool and the "
                                               "profile data in the first user message."},
                              "ValidationException")
        if behaviour == "text":
            content, stop = [{"text": "Here is a lovely bio for this listener."}], "end_turn"
        else:
            answer = {"text": write_year(behaviour, data)} if year else _copy_for(behaviour, data)
            content = [{"toolUse": {"toolUseId": f"tooluse_{uuid.uuid4().hex[:22]}",
                                    "name": choice, "input": answer}}]
            stop = "tool_use"
        tokens_in, tokens_out = len(raw) // 4, len(json.dumps(content)) // 4
        self._send(200, {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {"inputTokens": tokens_in, "outputTokens": tokens_out,
                      "totalTokens": tokens_in + tokens_out},
            "metrics": {"latencyMs": int((time.monotonic() - started) * 1000) + 1},
        })


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: "BedrockStandin"


class BedrockStandin:
    """Threaded HTTP server answering Converse calls with scripted behaviours."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._server = _Server((host, port), _Handler)
        self._server.standin = self
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._script: deque[str] = deque()
        self.requests: list[tuple[str, dict]] = []
        self.delay = 0.0        # seconds each answer waits: a slow model
        self._gate = threading.Event()
        self._gate.set()

    @property
    def url(self) -> str:
        """Base URL to use as the Bedrock Runtime endpoint."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def count(self) -> int:
        """Number of Converse requests received since the last reset."""
        with self._lock:
            return len(self.requests)

    def asked(self, tool: str) -> list[dict]:
        """The recorded request bodies that forced `tool` (the bio's or a year's)."""
        with self._lock:
            return [body for _model, body in self.requests
                    if (body.get("toolConfig") or {}).get("toolChoice", {}).get("tool", {}).get("name") == tool]

    def script(self, *behaviours: str) -> None:
        """Queue behaviours for the next calls; afterwards every call is "good"."""
        unknown = [b for b in behaviours if b not in BEHAVIOURS]
        if unknown:
            raise ValueError(f"unknown stand-in behaviour(s) {unknown}; use {BEHAVIOURS}")
        with self._lock:
            self._script.extend(behaviours)

    def reset(self) -> None:
        """Forget recorded requests and any queued behaviours; answer at once again."""
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.delay = 0.0
        self._gate.set()

    def hold(self) -> None:
        """Keep every answer waiting (at most 30 s) until `release()`: a model still thinking."""
        self._gate.clear()

    def release(self) -> None:
        """Let held answers go."""
        self._gate.set()

    def _record(self, model_id: str, body: dict) -> str:
        with self._lock:
            self.requests.append((model_id, body))
            return self._script.popleft() if self._script else "good"

    def start(self) -> "BedrockStandin":
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="bedrock-standin")
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> "BedrockStandin":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    """Run the stand-in in the foreground (for benchmarks and manual tries)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each answer waits")
    args = parser.parse_args()
    standin = BedrockStandin(args.host, args.port)
    standin.delay = args.delay
    print(f"Bedrock stand-in on {standin.url}", flush=True)
    try:
        standin._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        standin._server.server_close()


if __name__ == "__main__":
    main()

"""Structured JSON logs on stdout: one line per request, ids, never tokens."""
import json
import logging
import sys
import time
import uuid

from flask import g, request

SECRET_WORDS = ("token", "secret", "authorization", "code_verifier", "password", "cookie")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields come from `extra={"fields": {...}}`."""

    def format(self, record):
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update({k: ("[redacted]" if any(w in k.lower() for w in SECRET_WORDS) else v)
                          for k, v in fields.items()})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time, not the stream it was created with.

    Test runners and CLI runners swap sys.stdout and close their stand-in afterwards; a handler
    holding the first one would log into a closed stream for the rest of the process.
    """

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(level="INFO"):
    """Send the app's loggers to stdout as JSON (idempotent)."""
    root = logging.getLogger("anchor")
    if not any(getattr(h, "_anchor", False) for h in root.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        handler._anchor = True
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = True


def log_event(logger, msg, level=logging.INFO, exc_info=False, **fields):
    """Log one structured line: a fixed message and its fields (the one logging style)."""
    logger.log(level, msg, exc_info=exc_info, extra={"fields": fields})


def init_request_logging(app):
    """Give each request an id and log one line when it ends."""
    logger = logging.getLogger("anchor.request")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        started = g.get("request_started")
        if started is not None and not app.config.get("QUIET_REQUEST_LOG"):
            log_event(logger, "request", request_id=g.request_id, method=request.method,
                      path=request.path, status=response.status_code,
                      duration_ms=round((time.perf_counter() - started) * 1000, 2))
        return response

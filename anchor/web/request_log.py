"""One structured log line per request, with its id and its metrics (logs.py, metrics.py)."""
import logging
import time
import uuid

from flask import g, request

from anchor.logs import log_event
from anchor.metrics import request_metrics


def init_app(app):
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
            duration = round((time.perf_counter() - started) * 1000, 2)
            log_event(logger, "request", request_id=g.request_id, method=request.method,
                      path=request.path, status=response.status_code, duration_ms=duration,
                      **request_metrics(request.endpoint, response.status_code, duration))
        return response

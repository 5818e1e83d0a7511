"""`POST /worker/refresh`: the worker tier's daemon hands over one queued profile.

Elastic Beanstalk's daemon (sqsd) POSTs each SQS message body (`{"handle": …}`, JSON) through
the instance's nginx, so every such request reaches gunicorn from 127.0.0.1 and headers can be
forged: the route is registered only when ANCHOR_ROLE=worker, the nginx of both environments
lets only loopback callers reach `/worker/` (.platform/nginx), and the view refuses any request
whose socket peer (never an address a header names) or forwarded addresses are not loopback.
The answer tells the daemon what to do with the message: 200 deletes it (refreshed, failed and
rescheduled, or nothing to do), 503 has it retried (the profile is being refreshed right now),
400 marks it poison (it will end in the dead-letter queue after the daemon's retries).
"""
import logging

from flask import Blueprint, current_app, jsonify, request

from anchor import clock, limits
from anchor.logs import log_event
from anchor.profiles import index, service
from anchor.profiles.handles import HANDLE_RE
from anchor.refresh import engine, source_limits
from anchor.refresh.outcomes import Outcome

log = logging.getLogger("anchor.worker")
bp = Blueprint("worker", __name__)

LOOPBACK = frozenset({"127.0.0.1", "::1"})
LOCKED_RETRY_SECONDS = 60


def init_app(app):
    """Register the route (worker role only) without CSRF: no browser ever posts here."""
    from anchor.extensions import csrf
    csrf.exempt(bp)
    app.register_blueprint(bp)


def socket_peer():
    """The address the connection came from, as the socket had it before ProxyFix rewrote
    `remote_addr` from X-Forwarded-For (which the peer itself may have written)."""
    environ = request.environ.get("werkzeug.proxy_fix.orig") or request.environ
    return environ.get("REMOTE_ADDR")


def from_this_machine():
    """True when the socket peer and every address nginx forwarded are loopback."""
    if socket_peer() not in LOOPBACK:
        return False
    for header in ("X-Real-IP", "X-Forwarded-For"):
        value = request.headers.get(header)
        if value is not None and any(part.strip() not in LOOPBACK for part in value.split(",")):
            return False
    return True


def still_due(profile):
    """The profile is in the due index and due now (SQS may deliver a message twice)."""
    keys = index.index_keys(profile.handle, index.state_of(profile))
    return keys is not None and profile.nextRefreshAt <= clock.now()


@bp.post("/worker/refresh")
def refresh():
    """Refresh the profile named in the message; the status code decides the message's fate."""
    if not from_this_machine():
        log_event(log, "worker route refused a remote caller", remote=socket_peer())
        return jsonify(error="forbidden"), 403
    message = request.get_json(silent=True)
    handle = message.get("handle") if isinstance(message, dict) else None
    attempt = request.headers.get("X-Aws-Sqsd-Receive-Count")
    if not isinstance(handle, str) or not HANDLE_RE.fullmatch(handle):
        log_event(log, "worker message refused", message_id=request.headers.get("X-Aws-Sqsd-Msgid"),
                  receive_count=attempt)
        return jsonify(error="not a refresh message"), 400
    profile = service.get(handle)
    if profile is None or not still_due(profile):
        return jsonify(handle=handle, outcome="not-due"), 200
    gates = limits.shared_gates(source_limits.specs(current_app.config))
    result = engine.refresh_profile(handle, "scheduled", budgets=gates)
    if result.outcome == Outcome.SKIPPED_LOCKED:
        answer = jsonify(handle=handle, outcome=str(result.outcome))
        answer.headers["Retry-After"] = str(LOCKED_RETRY_SECONDS)
        return answer, 503
    return jsonify(handle=handle, outcome=str(result.outcome)), 200

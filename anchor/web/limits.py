"""Rate limits that hold across processes and instances.

Every hit is one conditional UpdateItem on a counter item named by the limit, who is asking (a
client address or an account) and the time window: `ADD hits 1` only while `hits < limit`. The
window is part of the key, so an old window's item never counts again; DynamoDB's TTL only
sweeps old items away (it may leave them readable for hours, which does no harm here).

Windows are fixed, so a burst of twice a limit can straddle a boundary; the limits are set for
abuse, not for metering, and that is good enough. Addresses are keyed by a keyed hash (no raw IP
is stored), IPv6 clients by their /64 network (one subscriber's block, not one address).
"""
import functools
import hashlib
import hmac
import ipaddress
import logging
import time

from flask import current_app, make_response, request
from flask_login import current_user
from markupsafe import escape
from pynamodb.exceptions import PynamoDBException
from werkzeug.middleware.proxy_fix import ProxyFix

from anchor.logs import log_event
from anchor.models import LimitCounterModel, conditional
from anchor.rules import RATE_LIMITS
from anchor.web.errors import render_error

log = logging.getLogger("anchor.limits")
CLEANUP_AFTER = 3600          # seconds an old window's item is kept for the TTL sweep


MESSAGES = {
    "sign-in": "Too many sign-in attempts from your network.",
    "callback": "Too many sign-in attempts from your network.",
    "handle-check": "Too many handle checks.",
    "claim": "Too many attempts to claim a handle.",
    "copy": "“Write copy” was asked for too often.",
    "refresh": "Refresh was asked for too often.",
    "switch": "Your page’s source was switched too often.",
    "upload": "Too many uploads.",
    "music": "Too many MusicBrainz searches.",
    "click": "Too many clicks on this link.",
}


class RateLimited(Exception):
    """A limit was reached; `retry_after` is the number of seconds until its window ends."""

    def __init__(self, name, retry_after):
        super().__init__(name)
        self.name = name
        self.retry_after = retry_after


def limits_for(name):
    """The scopes and limits of one named limit, after the configured overrides."""
    override = current_app.config.get("RATE_LIMITS", {}).get(name)
    if override is None:
        return RATE_LIMITS[name]
    return {scope: override for scope in RATE_LIMITS[name]}


def client_address():
    """The caller's address as the app sees it (ProxyFix has already peeled the trusted hops);
    an IPv6 address counts as its /64 network."""
    raw = request.remote_addr or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _who(scope):
    if scope == "ip":
        secret = current_app.config["SECRET_KEY"].encode()
        return "ip#" + hmac.new(secret, client_address().encode(), hashlib.sha256).hexdigest()[:24]
    if current_user.is_authenticated:
        return f"account#{current_user.id}"
    return None


def hit(name, now=None, subject=None):
    """Count one request against every scope of `name` (per `subject` too, when given: one link);
    raise RateLimited when one is full."""
    now = time.time() if now is None else now
    for scope, limit in limits_for(name).items():
        who = _who(scope)
        if who is None:
            continue
        window = int(now // limit.seconds)
        counter = LimitCounterModel(f"LIMIT#{name}#{who}#{window}" + (f"#{subject}" if subject else ""))
        ends = (window + 1) * limit.seconds
        try:
            counted = conditional(counter.update, actions=[
                LimitCounterModel.hits.add(1),
                LimitCounterModel.expiresAt.set(int(ends) + CLEANUP_AFTER)],
                condition=LimitCounterModel.hits.does_not_exist() | (LimitCounterModel.hits < limit.count))
        except PynamoDBException as exc:
            # A limiter that cannot count lets the request through: it guards against abuse, and
            # the request itself will meet the same DynamoDB and answer 503 if it is really down.
            log_event(log, "rate limit not counted", level=logging.WARNING, limit=name,
                      error=type(exc).__name__)
            return
        if not counted:
            log_event(log, "rate limited", level=logging.INFO, limit=name, scope=scope)
            raise RateLimited(name, max(1, int(ends - now)))


def guard(name):
    """Decorate a view: count the request against the named limit first."""
    if name not in RATE_LIMITS:
        raise KeyError(f"unknown rate limit {name!r}")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            hit(name)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def _answer(exc):
    """429 with a clear page; an HTMX request gets the message in the page's live region."""
    minutes = -(-exc.retry_after // 60)
    text = (f"{MESSAGES.get(exc.name, 'Too many requests.')} Please wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again.")
    if request.headers.get("HX-Request") == "true":
        body = (f'<div id="flash" aria-live="polite" hx-swap-oob="true"><p class="flash error" role="alert">'
                f'{escape(text)}</p></div>')
        response = make_response(body, 429)
        response.headers["HX-Reswap"] = "none"
    else:
        body, status = render_error(429, text)
        response = make_response(body, status)
    response.headers["Retry-After"] = str(exc.retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app):
    """Trust exactly the configured proxy hops for the client address, and answer RateLimited."""
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        # The load balancer appends the client's address to X-Forwarded-For and nginx appends
        # the load balancer's: the client is the entry `hops` from the right. Anything further
        # left was written by the client and is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)
    app.register_error_handler(RateLimited, _answer)

"""The CDN in front of the public pages (CloudFront, .ebextensions/09-cdn.config): told to forget
a page taken down or changed by its owner at once (web/public_page.py: `take_down`, `changed`),
and every other page-changing write (a refresh, a copy job) in batches (`queue`).

Only used when `ANCHOR_CLOUDFRONT_DISTRIBUTION_ID` is set. Without it, the edge catches up within
the shared-cache lifetime (`s-maxage`); with it, the edge drops the page at once. A failed
invalidation is logged and never fails the owner's action.

Batches: a queued handle waits at most BATCH_SECONDS, and every handle queued meanwhile in this
process goes in the same CreateInvalidation, so a busy minute makes a few calls per process, not
one per write. A batch names each page's paths (not `/<handle>*`): CloudFront allows 3,000 plain
paths in progress but only 15 wildcard ones. The batch is memory only: a process that stops
before sending it leaves those pages to `s-maxage`, the bound that holds without a CDN.
"""
import logging
import os
import threading
import uuid

from botocore.config import Config as BotoConfig
from flask import current_app

from anchor import aws
from anchor.logs import log_event

log = logging.getLogger("anchor.cdn")
TIMEOUTS = BotoConfig(connect_timeout=2, read_timeout=4, retries={"mode": "standard", "max_attempts": 2})


BATCH_SECONDS = 10        # the longest a queued page waits for its invalidation
MAX_PATHS = 1000          # per CreateInvalidation (CloudFront allows 3,000 plain paths in progress)
_pending = {}             # distribution → {handle: [paths]}
_timer = {"armed": None}
_lock = threading.Lock()


def paths_of(handle):
    """The paths to invalidate for a handle: its page, query strings and everything under it."""
    return [f"/{handle}*"]


def _client():
    # CloudFront is global; its API lives in us-east-1. AWS_ENDPOINT_URL_CLOUDFRONT (read by
    # botocore itself) points it at a stand-in in tests. Made on the first invalidation.
    key = ("cloudfront", os.environ.get("AWS_ENDPOINT_URL_CLOUDFRONT"))
    return aws.shared(key, lambda: aws.client("cloudfront", region_name="us-east-1", config=TIMEOUTS))


def _send(distribution, paths, label, **fields):
    try:
        answer = _client().create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths},
                               "CallerReference": f"anchor-{label}-{uuid.uuid4().hex}"})
    except Exception as exc:  # any failure: the owner's action has happened; the edge expires anyway
        log_event(log, "cdn invalidation failed", level=logging.WARNING, **fields,
                  distribution=distribution, error=type(exc).__name__)
        return False
    log_event(log, "cdn invalidation sent", **fields, distribution=distribution,
              invalidation=answer["Invalidation"]["Id"], paths=paths)
    return True


def invalidate(handle):
    """Ask the CDN to drop a handle's cached pages now; True when the request was accepted."""
    distribution = current_app.config.get("CLOUDFRONT_DISTRIBUTION_ID")
    if not distribution or not handle:
        return False
    with _lock:
        _pending.get(distribution, {}).pop(handle, None)     # this call covers what was queued
    return _send(distribution, paths_of(handle), handle, handle=handle)


def queue(handle, paths):
    """Invalidate `paths` of a changed page with the next batch (within BATCH_SECONDS)."""
    distribution = current_app.config.get("CLOUDFRONT_DISTRIBUTION_ID")
    if not distribution or not handle:
        return False
    with _lock:
        _pending.setdefault(distribution, {})[handle] = list(paths)
        full = sum(len(p) for p in _pending[distribution].values()) >= MAX_PATHS
        if _timer["armed"] is None and not full:
            # A timer rather than a thread of our own: nothing runs while nothing is queued.
            _timer["armed"] = threading.Timer(BATCH_SECONDS, flush)
            _timer["armed"].daemon = True
            _timer["armed"].start()
    if full:
        flush()
    return True


def pending():
    """Handles waiting for the next batch, per distribution (tests, the bench)."""
    with _lock:
        return {distribution: sorted(handles) for distribution, handles in _pending.items() if handles}


def flush():
    """Send every queued page's paths: one CreateInvalidation per distribution (per MAX_PATHS)."""
    with _lock:
        batches = {d: handles for d, handles in _pending.items() if handles}
        _pending.clear()
        if _timer["armed"] is not None:
            _timer["armed"].cancel()
            _timer["armed"] = None
    sent = 0
    for distribution, handles in batches.items():
        paths = [path for handle in sorted(handles) for path in handles[handle]]
        for start in range(0, len(paths), MAX_PATHS):
            sent += _send(distribution, paths[start:start + MAX_PATHS], "batch",
                          handles=len(handles))
    return sent

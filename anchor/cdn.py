"""The CDN in front of the public pages (CloudFront): told to forget a page taken down or
changed by its owner (web/public_page.py: `take_down`, `changed`).

Only used when `ANCHOR_CLOUDFRONT_DISTRIBUTION_ID` is set. Without it, the edge catches up within
the shared-cache lifetime (`s-maxage`); with it, the edge drops the page at once. A failed
invalidation is logged and never fails the owner's action.
"""
import logging
import os
import uuid

from botocore.config import Config as BotoConfig
from flask import current_app

from anchor import aws
from anchor.logs import log_event

log = logging.getLogger("anchor.cdn")
TIMEOUTS = BotoConfig(connect_timeout=2, read_timeout=4, retries={"mode": "standard", "max_attempts": 2})


def paths_of(handle):
    """The paths to invalidate for a handle: its page, query strings and everything under it."""
    return [f"/{handle}*"]


def _client():
    # CloudFront is global; its API lives in us-east-1. AWS_ENDPOINT_URL_CLOUDFRONT (read by
    # botocore itself) points it at a stand-in in tests. Made on the first invalidation.
    key = ("cloudfront", os.environ.get("AWS_ENDPOINT_URL_CLOUDFRONT"))
    return aws.shared(key, lambda: aws.client("cloudfront", region_name="us-east-1", config=TIMEOUTS))


def invalidate(handle):
    """Ask the CDN to drop a handle's cached pages; True when the request was accepted."""
    distribution = current_app.config.get("CLOUDFRONT_DISTRIBUTION_ID")
    if not distribution or not handle:
        return False
    paths = paths_of(handle)
    try:
        answer = _client().create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths},
                               "CallerReference": f"anchor-{handle}-{uuid.uuid4().hex}"})
    except Exception as exc:  # any failure: the owner's action has happened; the edge expires anyway
        log_event(log, "cdn invalidation failed", level=logging.WARNING, handle=handle,
                  distribution=distribution, error=type(exc).__name__)
        return False
    log_event(log, "cdn invalidation sent", handle=handle, distribution=distribution,
              invalidation=answer["Invalidation"]["Id"], paths=paths)
    return True

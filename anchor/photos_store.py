"""The photo bucket (Amazon S3): the owner's photo files, put and deleted under one prefix.

Objects live under `photos/` with a content hash in their names, so a changed photo is a new URL
and every cache may keep a file for a year. The bucket's policy lets anyone read `photos/*`
(docs/decisions.md); the web role may only put and delete there. Locally a moto S3 server stands
in: botocore reads AWS_ENDPOINT_URL_S3 itself. Used only when ANCHOR_PHOTO_BUCKET is set.
"""
import logging
import os

from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

from anchor import aws
from anchor.logs import log_event

log = logging.getLogger("anchor.photos")
PREFIX = "photos/"
CACHE_CONTROL = "public, max-age=31536000, immutable"      # a file's name changes with its bytes


class StoreDown(Exception):
    """The bucket did not take or drop a file."""


def _client():
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3")
    region = current_app.config["AWS_REGION"]
    # A stand-in on 127.0.0.1 has no bucket host names: path-style addressing there.
    settings = BotoConfig(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 2},
                          s3={"addressing_style": "path" if endpoint else "auto"})
    return aws.shared(("s3", endpoint, region), lambda: aws.client("s3", region_name=region, config=settings))


def enabled():
    """True when this site stores photos (a bucket and the URL browsers load them from)."""
    return bool(current_app.config.get("PHOTO_BUCKET") and current_app.config.get("PHOTO_BASE_URL"))


def url(key):
    """Where a browser loads the object `key`."""
    return f"{current_app.config['PHOTO_BASE_URL'].rstrip('/')}/{key}"


def _checked(key):
    if not key.startswith(PREFIX) or ".." in key:
        raise ValueError(f"photo keys live under {PREFIX}: {key!r}")
    return key


def put(key, body, content_type, *, download_as=None):
    """Store one file (saved as `download_as` when a browser opens it); StoreDown when S3 refuses."""
    bucket = current_app.config["PHOTO_BUCKET"]
    extra = {"ContentDisposition": f'attachment; filename="{download_as}"'} if download_as else {}
    try:
        _client().put_object(Bucket=bucket, Key=_checked(key), Body=body, ContentType=content_type,
                             CacheControl=CACHE_CONTROL, **extra)
    except (BotoCoreError, ClientError) as exc:
        log_event(log, "photo put failed", level=logging.WARNING, key=key, error=type(exc).__name__)
        raise StoreDown(key) from exc


def delete(key):
    """Delete one file (deleting a missing one succeeds); StoreDown when S3 cannot be reached."""
    bucket = current_app.config["PHOTO_BUCKET"]
    try:
        _client().delete_object(Bucket=bucket, Key=_checked(key))
    except (BotoCoreError, ClientError) as exc:
        log_event(log, "photo delete failed", level=logging.WARNING, key=key, error=type(exc).__name__)
        raise StoreDown(key) from exc

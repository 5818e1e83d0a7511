"""Serving the stored visitor page: the one GetItem a visitor costs, the write-back after a deploy
and the one answer (ETag, 304, gzip) for a page, a feed or a card. The page itself is rendered on
write (anchor/pages/render.py) into the visitor's item (`PAGE#<handle>`, models/pages.py).

A visitor's uncached view reads the visitor's item eventually consistently: a few KB, so half a
read unit where the profile item with its listening data cost three, and it may lag a write by
about a second (the CDN in front keeps a page a minute anyway). A page-cache hit checks its copy
with a strongly consistent read of the same small item (one unit), so a cached copy is never
served once a newer page is stored: that is the page cache's promise (web/public_page.py).

A profile with no visitor's item yet (stored before the item existed and not migrated, or
written by the previous release during a rolling deploy) is rendered from the profile item and
its page stored, as after a deploy that changes the render version: conditioned on the item's
revision being the one it rendered from and without bumping `rev` or `version`, so owners never
see "changed elsewhere" because of a deploy, and a write-back that races an edit loses (the edit
stored its own, newer render).

ETags are weak (`W/"…"`): the gzip and the identity answers are the same page in two encodings,
and RFC 9110 reserves strong validators for byte-identical representations; `If-None-Match` uses
the weak comparison, so a 304 works for either encoding.
"""
import logging
import zlib

from flask import Response, request
from pynamodb.exceptions import PynamoDBException

from anchor.logs import log_event
from anchor.models import ProfileModel, profile_key
from anchor.models.pages import PageModel, page_key
from anchor.pages.render import PageWrite, counters, render_version
from anchor.profiles import writes

log = logging.getLogger("anchor.pages")
# What a range page, feed or card's cache hit reads to check its copy: the profile's revision.
STAMP_ATTRIBUTES = ["pk", "ownerId", "isPublic", "deletedAt", "rev"]


def _read_page(handle, consistent):
    try:
        return PageModel.get(page_key(handle), consistent_read=consistent)
    except PageModel.DoesNotExist:
        return None


def get_stored(handle):
    """The visitor's item (one eventually consistent GetItem of a few KB), or None when the
    profile has none yet. Whether it may be served: `is_public`."""
    return _read_page(handle, consistent=False)


def is_public(item):
    """True when a visitor's item holds a public page."""
    return bool(item.isPublic) and item.pageGz is not None


def get_stamp(handle):
    """What names the visitor's page now (one small, strongly consistent GetItem), or None for
    no public page (or none stored yet): owner, stored page ETag and render version."""
    item = _read_page(handle, consistent=True)
    return item if item is not None and is_public(item) else None


def get_data_stamp(handle):
    """What names the profile a range page, feed or card is rendered from (one strongly
    consistent GetItem of a few attributes), or None for no public page: owner and revision."""
    try:
        item = ProfileModel.get(profile_key(handle), attributes_to_get=STAMP_ATTRIBUTES, consistent_read=True)
    except ProfileModel.DoesNotExist:
        return None
    if not item.isPublic or item.deletedAt is not None:
        return None
    return item


def write_back(profile, body, etag):
    """Store a render made for a new deploy (or for a profile without a visitor's item); only if
    nobody wrote since it was read (rev)."""
    condition = ProfileModel.rev == profile.rev if profile.rev is not None else ProfileModel.rev.does_not_exist()
    condition = condition & (ProfileModel.isPublic == True)   # noqa: E712  (a DynamoDB condition)
    try:
        stored = writes.store_page(profile, PageWrite(body, etag, render_version()), condition)
    except PynamoDBException as exc:
        # The visitor still gets the page just rendered; the next view tries again.
        log_event(log, "page write-back failed", level=logging.WARNING, handle=profile.handle,
                  error=type(exc).__name__)
        return False
    counters["write_backs" if stored else "write_backs_lost"] += 1
    log_event(log, "page written back" if stored else "page write-back lost", level=logging.DEBUG,
              handle=profile.handle)
    return stored


HTML = "text/html; charset=utf-8"
PRIVATE = "private, no-cache"


def answer(body, etag, cache_control, *, gzipped=True, mimetype=HTML):
    """The one answer for a page, a feed or a card: 304 on a (weak) ETag match, else the bytes.

    `gzipped` bytes (a stored page) go out as they are to a client that takes gzip and
    decompressed to any other; plain bytes go out as they are (the app's compression may gzip
    them on the way). A private answer (the owner's page) varies on the cookie.
    """
    if cache_control != "no-store" and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    elif not gzipped:
        response = Response(body, mimetype=mimetype)
    elif request.accept_encodings["gzip"]:
        response = Response(body, mimetype=mimetype, headers={"Content-Encoding": "gzip"})
    else:
        response = Response(zlib.decompress(body, 16 + zlib.MAX_WBITS), mimetype=mimetype)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = cache_control
    if gzipped:
        response.vary.add("Accept-Encoding")
    if cache_control == PRIVATE:
        response.vary.add("Cookie")   # the owner's variant differs; it is private, never shared
    return response

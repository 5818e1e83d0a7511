"""Serving the stored visitor page: the one GetItem a visitor costs, the write-back after a deploy
and the one answer (ETag, 304, gzip) for a page, a feed or a card. The page itself is rendered on
write (anchor/pages/render.py).

Both reads are strongly consistent: a page-changing write made through any process is on the
next view in every process (eventually consistent reads may lag a write by about a second).

After a deploy that changes the render version, the first view of each page renders it again
and writes it back, conditioned on the item's revision being the one it rendered from and
without bumping `rev` or `version`: owners never see "changed elsewhere" because of a deploy,
and a write-back that races an edit loses (the edit stored its own, newer render).

ETags are weak (`W/"…"`): the gzip and the identity answers are the same page in two encodings,
and RFC 9110 reserves strong validators for byte-identical representations; `If-None-Match` uses
the weak comparison, so a 304 works for either encoding.
"""
import logging
import zlib

from flask import Response, request
from pynamodb.exceptions import PynamoDBException

from anchor.logs import log_event
from anchor.models import ProfileModel, conditional, profile_key
from anchor.pages.render import PAGE_ATTRIBUTES, counters, render_version

log = logging.getLogger("anchor.pages")
# What the visitor view reads: the stored page and what decides whether it may be served.
VIEW_ATTRIBUTES = ["pk", "handle", "ownerId", "isPublic", "deletedAt", "rev", *PAGE_ATTRIBUTES]
# What a page-cache hit reads to check its copy is still the page: the same, without the bytes.
STAMP_ATTRIBUTES = ["pk", "ownerId", "isPublic", "deletedAt", "rev", "pageEtag", "pageRender"]


def _read(handle, attributes):
    try:
        return ProfileModel.get(profile_key(handle), attributes_to_get=attributes, consistent_read=True)
    except ProfileModel.DoesNotExist:
        return None


def _if_public(item):
    if item is None:
        return None
    if not item.isPublic or item.deletedAt is not None:
        return None
    return item


def get_stored(handle):
    """The few attributes the visitor view needs (one GetItem), or None for no public page."""
    return _if_public(_read(handle, VIEW_ATTRIBUTES))


def get_stamp(handle):
    """What names the visitor's page now, without its bytes (one small GetItem), or None for no
    public page: owner, revision, stored page ETag and render version."""
    return _if_public(_read(handle, STAMP_ATTRIBUTES))


def write_back(profile, body, etag):
    """Store a render made for a new deploy; only if nobody wrote since it was read (rev)."""
    condition = ProfileModel.rev == profile.rev if profile.rev is not None else ProfileModel.rev.does_not_exist()
    condition = condition & (ProfileModel.isPublic == True)   # noqa: E712  (a DynamoDB condition)
    try:
        stored = conditional(profile.update, actions=[
            ProfileModel.pageGz.set(body), ProfileModel.pageEtag.set(etag),
            ProfileModel.pageRender.set(render_version())], condition=condition)
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

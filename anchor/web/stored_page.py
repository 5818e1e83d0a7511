"""Render on write: a public page is rendered when its content changes, not when it is viewed.

Every write through the one write path (`service.update`) asks `page_changes` what the visitor's
page of the resulting state is; when it differs from the stored one, the gzip-compressed bytes,
their ETag and the render version are written in the same UpdateItem. A write of private fields
only (locks, refresh status, the AI quota) renders nothing when the stored page is current. A
visitor's cold view is then one GetItem of a few attributes and the bytes sent as they are.

The render version names everything besides the item that shapes the bytes: the templates, the
static files, the release (`ANCHOR_RELEASE`, else a hash of the application's code) and the
base URL. After a deploy that
changes any of them, the first view of each page renders it again and writes it back, conditioned
on the item's revision being the one it rendered from and without bumping `rev` or `version`:
owners never see "changed elsewhere" because of a deploy, and a write-back that races an edit
loses (the edit stored its own, newer render).

ETags are weak (`W/"…"`): the gzip and the identity answers are the same page in two encodings,
and RFC 9110 reserves strong validators for byte-identical representations; `If-None-Match` uses
the weak comparison, so a 304 works for either encoding.
"""
import gzip
import hashlib
import logging
import os
import threading
import weakref
import zlib

from flask import Response, current_app, has_app_context, request
from pynamodb.exceptions import PynamoDBException

from anchor.config import ROOT
from anchor.logs import log_event
from anchor.models import ProfileModel, conditional

log = logging.getLogger("anchor.pages")
PAGE_ATTRIBUTES = ("pageGz", "pageEtag", "pageRender")
# What the visitor view reads: the stored page and what decides whether it may be served.
VIEW_ATTRIBUTES = ["pk", "handle", "ownerId", "isPublic", "deletedAt", "rev", *PAGE_ATTRIBUTES]
GZIP_LEVEL = 9                      # rendered once, sent many times: the smallest bytes win

_versions = weakref.WeakKeyDictionary()       # app → render version
_versions_lock = threading.Lock()
counters = {"renders": 0, "write_backs": 0, "write_backs_lost": 0}   # per process, for the bench


def _tree_hash(folder, pattern="*"):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_version():
    """Templates, static files, release and base URL, hashed once per process."""
    app = current_app._get_current_object()
    with _versions_lock:
        if app not in _versions:
            # The release: a label when the operator gives one, else the code itself (any
            # change to how a page is put together changes the version, none is forgotten).
            release = os.environ.get("ANCHOR_RELEASE") or _tree_hash(ROOT / "anchor", pattern="*.py")
            parts = [_tree_hash(ROOT / "templates"), _tree_hash(ROOT / "static"), release,
                     app.config["BASE_URL"]]
            _versions[app] = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
        return _versions[app]


def forget_versions():
    """Tests: templates changed on disk; hash them again."""
    with _versions_lock:
        _versions.clear()


def render_visitor_page(profile):
    """(gzip bytes, weak-ETag value) of the page a visitor sees, rendered outside any request."""
    from anchor.web.public_page import visitor_html
    config = current_app.config
    with current_app.test_request_context("/", base_url=config["BASE_URL"]):
        body = visitor_html(profile)
    counters["renders"] += 1
    etag = hashlib.sha256(body).hexdigest()[:32]
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0), etag


# What a write may change without touching the visitor's page: refresh bookkeeping, locks, the
# AI quota, the index keys. A write of these alone renders nothing (a refresh pass writes them
# several times per profile). Anything not listed here is taken to be on the page.
PRIVATE_FIELDS = frozenset({
    "updatedAt", "gsi1pk", "gsi1sk", "nextRefreshAt", "lastRefreshAt", "lastRefreshStatus",
    "lastRefreshMessage", "lastManualRefreshAt", "failureCount", "refreshLockUntil",
    "refreshLockId", "aiDay", "aiCount", "autoRefreshEnabled", "copyError", "copyHash"})


def page_changes(before, changes):
    """Page attributes to store with a write of `changes` to `before`."""
    if not has_app_context():
        return {}
    if changes.keys() <= PRIVATE_FIELDS and _stored_is_settled(before):
        return {}
    from anchor.profiles.service import state_after
    profile = state_after(before, changes)
    if not profile.isPublic or profile.deletedAt is not None:
        stored = any(getattr(profile, name, None) is not None for name in PAGE_ATTRIBUTES)
        return dict.fromkeys(PAGE_ATTRIBUTES) if stored else {}
    version = render_version()
    body, etag = render_visitor_page(profile)
    if profile.pageEtag == etag and profile.pageRender == version:
        return {}
    return {"pageGz": body, "pageEtag": etag, "pageRender": version}


def _stored_is_settled(profile):
    """True when the item's stored page (or its absence) already fits its visibility and this
    render version, so a private write may leave it as it is."""
    if not profile.isPublic or profile.deletedAt is not None:
        return profile.pageGz is None
    return is_current(profile)


def get_stored(handle):
    """The few attributes the visitor view needs (one GetItem), or None for no public page."""
    from anchor.models import profile_key
    try:
        item = ProfileModel.get(profile_key(handle), attributes_to_get=VIEW_ATTRIBUTES)
    except ProfileModel.DoesNotExist:
        return None
    if not item.isPublic or item.deletedAt is not None:
        return None
    return item


def is_current(item):
    return item.pageGz is not None and item.pageRender == render_version()


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

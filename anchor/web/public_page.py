"""Rendering the public page, with its small in-process cache of rendered pages.

The cache saves bytes and work, not reads: every hit is checked against the stored item with one
small, strongly consistent GetItem (of the visitor's item for the page, one read unit; of the
profile item's revision for range pages, feeds and cards, billed at the profile's size) and
served only while that item names the cached copy, so a write made through any process is on
every visitor's next view. What it saves: moving the page bytes out of DynamoDB, rendering range
pages, feeds and cards again, and it answers a matching `If-None-Match` with a 304.
"""
import hashlib
import logging
import threading

from cachetools import TTLCache
from flask import current_app, render_template, request, session
from pynamodb.exceptions import PynamoDBException

from anchor.logs import log_event
from anchor.profiles.accounts import current_id
from anchor.rules import PUBLIC_CACHE_SECONDS

from anchor import cdn
from anchor.pages import public_view, render
from anchor.pages.context import public_context
from anchor.profiles import service
from anchor.web import stored_page

log = logging.getLogger("anchor.pages")


class PageCache:
    """Rendered public pages: LRU bounded in bytes, short TTL, safe across request threads.

    Each entry keeps the stamp of the item it was made from (see `_page_stamp`, `_data_stamp`).
    """

    def __init__(self, max_bytes=4 * 1024 * 1024, ttl=20):
        self.max_bytes, self.ttl = max_bytes, ttl
        self._items = TTLCache(maxsize=max_bytes, ttl=max(ttl, 0.001),
                               getsizeof=lambda entry: len(entry["body"]))
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._items.get(key)

    def put(self, key, owner_id, stamp, etag, body, mimetype="text/html; charset=utf-8"):
        if self.ttl <= 0 or len(body) > self.max_bytes // 4:
            return
        with self._lock:
            self._items[key] = {"owner": owner_id, "stamp": stamp, "etag": etag, "body": body,
                                "mimetype": mimetype}

    def drop(self, key):
        with self._lock:
            self._items.pop(key, None)

    def forget(self, handle):
        """Drop every cached variant of a handle (keys are (handle, variant))."""
        with self._lock:
            for key in [k for k in self._items if k[0] == handle]:
                self._items.pop(key, None)

    def __len__(self):
        with self._lock:
            return len(self._items)


def cache():
    """This app's page cache."""
    return current_app.extensions["anchor.page_cache"]


def forget(handle):
    """Drop this process's copies of a handle's pages (memory only: every hit is checked anyway)."""
    if handle:
        cache().forget(handle)


def take_down(handle):
    """A page was unpublished or deleted: drop it from this process's cache and from the CDN."""
    forget(handle)
    cdn.invalidate(handle)


def shown(profile):
    """What a visitor's page is before an owner's action: its stored ETag, or None when no
    visitor sees it. Pass it to `changed` after the action."""
    if profile is None or not profile.isPublic or profile.deletedAt is not None:
        return None
    return profile.pageEtag


def changed(handle, before):
    """After an owner's action: drop this process's copies and, when a CDN is configured and the
    published page is now another page, invalidate it there (one small read, only with a CDN).

    Publishing needs no invalidation (nothing was cached) and a take-down invalidates itself.
    """
    forget(handle)
    if before is None or not current_app.config.get("CLOUDFRONT_DISTRIBUTION_ID"):
        return False
    after = stored_page.get_stamp(handle)
    if after is None or after.pageEtag == before:
        return False
    return cdn.invalidate(handle)


def init_app(app):
    app.extensions["anchor.page_cache"] = PageCache(ttl=app.config["PAGE_CACHE_SECONDS"])


def is_owner(owner_id):
    """True when the signed-in owner is looking; a visitor without a session costs nothing."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    # The session's account id, read without loading the user: a visitor costs no extra read.
    return current_id(session.get("_user_id") or "-") == owner_id


# Browsers and shared caches (a CDN) keep a visitor's page this long. The in-process cache adds to
# it only while DynamoDB does not answer a hit's check (`_current`): `gone_within` counts both.
# `stale-if-error`: the CDN keeps answering a page it holds for a day while the origin fails.
STALE_IF_ERROR_SECONDS = 86400
PUBLIC = VISITOR_CACHE = (f"public, max-age={PUBLIC_CACHE_SECONDS}, s-maxage={PUBLIC_CACHE_SECONDS}, "
                          f"stale-if-error={STALE_IF_ERROR_SECONDS}")
PRIVATE = stored_page.PRIVATE


def gone_within():
    """The longest a page stays visible to visitors after it is unpublished, in words (an
    invalidated CDN and a new visitor see it gone at once)."""
    seconds = PUBLIC_CACHE_SECONDS + current_app.config["PAGE_CACHE_SECONDS"]
    return f"{seconds} seconds" if seconds < 120 else f"{-(-seconds // 60)} minutes"


def _page_stamp(item):
    """What names the visitor's stored page: its ETag and render version."""
    return ("page", item.pageEtag, item.pageRender)


def _data_stamp(item):
    """What names the item a range page, feed or card was rendered from: its revision (every
    write through profiles/writes.update adds one)."""
    return ("rev", item.rev)


def _current(handle, variant, stamp_of, read_stamp):
    """A cached entry a visitor may be given now, or None (nothing cached, the owner is looking,
    or the stored item no longer names the copy). Costs one small GetItem when cached."""
    entry = cache().get((handle, variant))
    if entry is None or is_owner(entry["owner"]):
        return None
    try:
        item = read_stamp(handle)
    except PynamoDBException as exc:
        # DynamoDB is busy or down: the copy is at most the cache's TTL old, better than a 503.
        log_event(log, "page cache served unchecked", level=logging.WARNING, handle=handle,
                  error=type(exc).__name__)
        return entry
    if item is None or stamp_of(item) != entry["stamp"]:
        cache().drop((handle, variant))
        return None
    return entry


def render_public(profile, preview=False, range_name=None):
    """A fresh render: the owner's page or a preview (never stored, never shared by caches), or a
    visitor's other time range (kept in the page cache under the `?range=` value).

    The owner gets a variant with an "Edit your page" link: `private, no-cache`, `Vary: Cookie`,
    never in the page cache, so no visitor can be given it.
    """
    owner = not preview and is_owner(profile.ownerId)
    body = render_template("public/profile.html",
                           **public_context(profile, preview, range_name, owner)).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if preview or owner:
        return stored_page.answer(body, etag, "no-store" if preview else PRIVATE, gzipped=False)
    if range_name:
        cache().put((profile.handle, public_view.PARAM_OF.get(range_name)), profile.ownerId,
                    _data_stamp(profile), etag, body)
    return stored_page.answer(body, etag, PUBLIC, gzipped=False)


def cached_public(handle, param):
    """A cached range page for a visitor, still current (one small GetItem), or None (the owner
    always gets a fresh render)."""
    entry = _current(handle, param, _data_stamp, stored_page.get_data_stamp)
    if entry is None:
        return None
    return stored_page.answer(entry["body"], entry["etag"], PUBLIC, gzipped=False)


def serve_public(handle):
    """The public page for whoever asks: cached or stored bytes for visitors, a render otherwise.

    A visitor costs one GetItem of the visitor's item: eventually consistent for the page, or
    strongly consistent for its stamp when this process holds a copy (a second, of the page,
    when the copy is no longer current). The owner gets a fresh render of the full item; so does
    the first visitor after a deploy that changed the render version, or of a profile whose page
    is not in a visitor's item yet, whose render is then written back for the next ones.
    """
    entry = _current(handle, None, _page_stamp, stored_page.get_stamp)
    if entry is not None:
        return stored_page.answer(entry["body"], entry["etag"], VISITOR_CACHE)
    item = stored_page.get_stored(handle)
    if item is not None and not stored_page.is_public(item):
        return None
    if item is not None and is_owner(item.ownerId):
        profile = service.get_public(handle)
        return render_public(profile) if profile is not None else None
    if item is not None and render.is_current(item):
        body, etag, owner_id = item.pageGz, item.pageEtag, item.ownerId
    else:
        profile = service.get_public(handle)
        if profile is None:
            return None
        if is_owner(profile.ownerId):
            return render_public(profile)
        body, etag = render.render_visitor_page(profile)
        owner_id = profile.ownerId
        stored_page.write_back(profile, body, etag)
    # A write-back that lost or failed leaves another stamp: the next view reads the page again.
    cache().put((handle, None), owner_id, ("page", etag, render.render_version()), etag, body)
    return stored_page.answer(body, etag, VISITOR_CACHE)


def cache_variant(profile, variant, body, mimetype):
    """Answer a visitor's feed or card (the same for everyone) and keep it in the page cache."""
    body = body.encode() if isinstance(body, str) else body
    etag = hashlib.sha256(body).hexdigest()[:32]
    cache().put((profile.handle, variant), profile.ownerId, _data_stamp(profile), etag, body, mimetype)
    return stored_page.answer(body, etag, PUBLIC, gzipped=False, mimetype=mimetype)


def cached_variant(handle, variant):
    """A cached feed or card still current (one small GetItem), or None."""
    entry = _current(handle, variant, _data_stamp, stored_page.get_data_stamp)
    if entry is None:
        return None
    return stored_page.answer(entry["body"], entry["etag"], PUBLIC, gzipped=False,
                              mimetype=entry["mimetype"])

"""Rendering the public page, with its small in-process cache of rendered pages."""
import hashlib
import threading

from cachetools import TTLCache
from flask import current_app, make_response, render_template, request, session, url_for

from anchor.profiles.accounts import current_id

from anchor.profiles import copywriting, listening, service
from anchor.web import share_card, stored_page


class PageCache:
    """Rendered public pages: LRU bounded in bytes, short TTL, safe across request threads."""

    def __init__(self, max_bytes=4 * 1024 * 1024, ttl=20):
        self.max_bytes, self.ttl = max_bytes, ttl
        self._items = TTLCache(maxsize=max_bytes, ttl=max(ttl, 0.001),
                               getsizeof=lambda entry: len(entry["body"]))
        self._lock = threading.Lock()

    def get(self, handle):
        with self._lock:
            return self._items.get(handle)

    def put(self, handle, owner_id, etag, body):
        if self.ttl <= 0 or len(body) > self.max_bytes // 4:
            return
        with self._lock:
            self._items[handle] = {"owner": owner_id, "etag": etag, "body": body}

    def forget(self, handle):
        with self._lock:
            self._items.pop(handle, None)

    def __len__(self):
        with self._lock:
            return len(self._items)


def cache():
    """This app's page cache."""
    return current_app.extensions["anchor.page_cache"]


def forget(handle):
    """Drop a handle's cached page after its owner changed something."""
    if handle:
        cache().forget(handle)


def init_app(app):
    app.extensions["anchor.page_cache"] = PageCache(ttl=app.config["PAGE_CACHE_SECONDS"])


def absolute_url(endpoint, **values):
    """An absolute URL under the configured base URL (never the Host header a client sent)."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def copy_writer(profile):
    """Who wrote the words the page shows: owner, bedrock, offline (or None without copy)."""
    if not profile.bio or (profile.pageCopy or {}).get("bioHeld"):
        return None
    if copywriting.locks(profile)["bio"]:
        return "owner"
    return (profile.copyMeta or {}).get("provider", "offline")


def _is_owner(owner_id):
    """True when the signed-in owner is looking; a visitor without a session costs nothing."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    # The session's account id, read without loading the user: a visitor costs no extra read.
    return current_id(session.get("_user_id") or "-") == owner_id


def public_context(profile, preview=False):
    """What the public template needs, built from the one profile item."""
    shown = service.visible(profile)
    # The copy as stored for the page (what names a hidden item already left out at write time).
    page = profile.pageCopy if profile.pageCopy is not None else {
        "bio": profile.bio, "albumLines": profile.albumLines or {}}
    bio = page.get("bio") or ""
    name = shown["displayName"]
    description = bio if len(bio) <= 160 else bio[:157].rsplit(" ", 1)[0] + "…"
    if not description:
        description = f"{name}'s top artists and albums on Anchor.band."
    lines = page.get("albumLines") or {}
    return {
        "profile": profile, "name": name, "bio": bio, "shown": shown, "lines": lines,
        "description": description, "canonical": absolute_url("public.profile", handle=profile.handle),
        "og_image": absolute_url("public.share_image", handle=profile.handle, v=share_card.version(profile)),
        "og_image_alt": f"{name} on Anchor.band: " + ", ".join(a["name"] for a in shown["artists"][:3]),
        "updated": (service.listening(profile) or {}).get("fetchedAt"), "preview": preview,
        "source": service.source_of(profile), "source_label": listening.label(service.source_of(profile)),
        "writer": copy_writer(profile),
    }


def visitor_html(profile):
    """The page a visitor sees, as bytes (stored on the item by web/stored_page.py)."""
    return render_template("public/profile.html", **public_context(profile)).encode()


VISITOR_CACHE = "public, max-age=300"


def render_public(profile, preview=False):
    """A fresh render for the owner or a preview: never stored, never shared by caches."""
    body = render_template("public/profile.html", **public_context(profile, preview)).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if not preview and request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = make_response(body)
        response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-store" if preview else "private, no-cache"
    return response


def serve_public(handle):
    """The public page for whoever asks: cached or stored bytes for visitors, a render otherwise.

    A visitor costs one GetItem of the stored page (none when this process cached it). The
    owner gets a fresh render of the full item; so does the first visitor after a deploy that
    changed the render version, whose render is then written back for the next ones.
    """
    entry = cache().get(handle)
    if entry is not None and not _is_owner(entry["owner"]):
        return stored_page.answer(entry["body"], entry["etag"], VISITOR_CACHE)
    item = stored_page.get_stored(handle)
    if item is None:
        return None
    if _is_owner(item.ownerId):
        profile = service.get_public(handle)
        return render_public(profile) if profile is not None else None
    if stored_page.is_current(item):
        body, etag = item.pageGz, item.pageEtag
    else:
        profile = service.get_public(handle)
        if profile is None:
            return None
        body, etag = stored_page.render_visitor_page(profile)
        stored_page.write_back(profile, body, etag)
    cache().put(handle, item.ownerId, etag, body)
    return stored_page.answer(body, etag, VISITOR_CACHE)

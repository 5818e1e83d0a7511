"""Rendering the public page (with its in-process cache) and the dashboard's view of a profile."""
import hashlib
import threading
import time
from collections import OrderedDict

from flask import current_app, make_response, render_template, request
from flask_login import current_user

from anchor.profiles import copywriting, lifecycle, service
from anchor.refresh import engine
from anchor.web import share_card

PROVIDER_LABELS = {"offline": "offline writer", "bedrock": "Amazon Bedrock"}


class PageCache:
    """A small LRU of rendered public pages: bounded in entries and bytes, short TTL."""

    def __init__(self, max_entries=256, max_bytes=4 * 1024 * 1024, ttl=20):
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self._items = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, handle):
        with self._lock:
            entry = self._items.get(handle)
            if entry is None:
                return None
            if entry["expires"] < time.monotonic():
                self._drop(handle)
                return None
            self._items.move_to_end(handle)
            return entry

    def put(self, handle, owner_id, etag, body):
        if self.ttl <= 0 or len(body) > self.max_bytes // 4:
            return
        with self._lock:
            self._drop(handle)
            self._items[handle] = {"expires": time.monotonic() + self.ttl, "owner": owner_id,
                                   "etag": etag, "body": body}
            self._bytes += len(body)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                self._drop(next(iter(self._items)))

    def forget(self, handle):
        with self._lock:
            self._drop(handle)

    def _drop(self, handle):
        entry = self._items.pop(handle, None)
        if entry:
            self._bytes -= len(entry["body"])

    def __len__(self):
        return len(self._items)


def cache():
    """This app's page cache."""
    return current_app.extensions["anchor.page_cache"]


def forget(handle):
    """Drop a handle's cached page after its owner changed something."""
    if handle:
        cache().forget(handle)


def init_app(app):
    app.extensions["anchor.page_cache"] = PageCache(
        max_entries=app.config["PAGE_CACHE_ENTRIES"], ttl=app.config["PAGE_CACHE_SECONDS"])


def _is_owner(owner_id):
    """True when the signed-in owner is looking; a visitor without a session costs nothing."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return False
    return current_user.is_authenticated and current_user.id == owner_id


def public_context(profile, preview=False):
    """What the public template needs, built from the one profile item."""
    shown = service.visible(profile)
    base = current_app.config["BASE_URL"]
    bio = profile.bio or ""
    name = shown["displayName"]
    description = bio if len(bio) <= 160 else bio[:157].rsplit(" ", 1)[0] + "…"
    if not description:
        description = f"{name}'s top artists and albums on Anchor.band."
    lines = profile.albumLines or {}
    return {
        "profile": profile, "name": name, "bio": bio, "shown": shown, "lines": lines,
        "description": description, "canonical": f"{base}/{profile.handle}",
        "og_image": f"{base}/{profile.handle}/og.png?v={share_card.version(profile)}",
        "og_image_alt": f"{name} on Anchor.band: " + ", ".join(a["name"] for a in shown["artists"][:3]),
        "updated": (profile.spotify or {}).get("fetchedAt"), "preview": preview,
    }


def render_public(profile, preview=False):
    """The public page answer: ETag + short public cache, 304 on a matching If-None-Match."""
    body = render_template("public/profile.html", **public_context(profile, preview)).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if not preview and not _is_owner(profile.ownerId):
        cache().put(profile.handle, profile.ownerId, etag, body)
    return _answer(body, etag, preview)


def cached_public(handle):
    """A cached answer for a visitor, or None (the owner always gets a fresh render)."""
    entry = cache().get(handle)
    if entry is None or _is_owner(entry["owner"]):
        return None
    return _answer(entry["body"], entry["etag"], False)


def _answer(body, etag, preview):
    if not preview and request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        response = make_response(body)
        response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-store" if preview else "public, max-age=300"
    return response


def dashboard_view(profile):
    """Everything the dashboard template shows about the owner's profile."""
    data = profile.spotify or {}
    arrangement = service.layout(profile)
    hidden, pinned = set(arrangement["hidden"]), set(arrangement["pinned"])
    kept = copywriting.locks(profile)
    lines = profile.albumLines or {}
    meta = profile.copyMeta or {}
    artists = [dict(a, hidden=a["id"] in hidden, pinned=a["id"] in pinned) for a in data.get("artists", [])]
    albums = [dict(a, hidden=a["id"] in hidden, pinned=a["id"] in pinned, line=lines.get(a["id"], ""),
                   locked=a["id"] in kept["lines"]) for a in data.get("albums", [])]
    return {
        "artists": artists, "albums": albums, "bio_locked": kept["bio"],
        "version_ids": ["name", "bio"] + [f"line-{a['id']}" for a in albums],
        "provider_label": PROVIDER_LABELS.get(meta.get("provider"), "no copy yet"),
        "copy_model": meta.get("modelId"), "copy_written_at": meta.get("createdAt"),
        "copy_stale": bool(profile.bio) and profile.copyHash != profile.dataHash,
        "restore_until": lifecycle.restore_deadline(profile),
        "refresh_state": engine.manual_refresh_status(profile),
    }

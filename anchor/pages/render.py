"""Render on write: a public page is rendered when its content changes, not when it is viewed.

Every write through the one write path (`profiles/writes.update`) asks `page_changes` what the
visitor's page of the resulting state is; when it differs from the stored one, the
gzip-compressed bytes, their ETag and the render version go to the visitor's item (`PAGE#`,
models/pages.py) in the same transaction as the profile change, and the profile item records
the ETag and render version only. A write of private fields only (locks, refresh status, the AI
quota) renders nothing when the stored page is current. A visitor's cold view is then one
GetItem of the visitor's item and the bytes sent as they are (web/stored_page.py).

The render version names everything besides the item that shapes the bytes: the templates, the
static files, the release (`ANCHOR_RELEASE`, else a hash of the application's code) and the
base URL. After a deploy that changes any of them, the first view of each page renders it again
and writes it back (web/stored_page.write_back).
"""
import gzip
import hashlib
import os
import threading
import weakref
from dataclasses import dataclass

from flask import current_app, has_app_context

from anchor.config import ROOT
from anchor.models import ProfileModel
from anchor.pages.context import visitor_html
from anchor.pages.public_view import RANGE_PARAMS

# What the profile item keeps of its page: which page its visitor's item holds, not the bytes.
PAGE_ATTRIBUTES = ("pageEtag", "pageRender")
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


def page_paths(handle):
    """Every URL of a handle's page a CDN may hold: the page, each range, the feed and the card."""
    return [f"/{handle}", *(f"/{handle}?range={param}" for param in RANGE_PARAMS),
            f"/{handle}/feed.xml", f"/{handle}/card.svg"]


def forget_versions():
    """Tests: templates changed on disk; hash them again."""
    with _versions_lock:
        _versions.clear()


def render_visitor_page(profile):
    """(gzip bytes, weak-ETag value) of the page a visitor sees, rendered outside any request."""
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


def state_after(profile, changes):
    """A copy of `profile` with `changes` applied: the state this write leaves behind."""
    after = ProfileModel.from_raw_data(profile.serialize())
    for name, value in changes.items():
        setattr(after, name, value)
    return after


@dataclass(frozen=True)
class PageWrite:
    """What a write stores in the visitor's item: the page's bytes (None: no public page)."""

    body: bytes | None
    etag: str | None
    version: str | None

    def profile_changes(self):
        """The profile item's record of the page its visitor's item now holds."""
        return {"pageEtag": self.etag, "pageRender": self.version}


def page_changes(before, changes):
    """The visitor's item to store with a write of `changes` to `before`, or None when its bytes
    stay the same (always None outside an app)."""
    if not has_app_context():
        return None
    if changes.keys() <= PRIVATE_FIELDS and _stored_is_settled(before):
        return None
    profile = state_after(before, changes)
    if not profile.isPublic or profile.deletedAt is not None:
        stored = any(getattr(profile, name, None) is not None for name in PAGE_ATTRIBUTES)
        return PageWrite(None, None, None) if stored else None
    version = render_version()
    body, etag = render_visitor_page(profile)
    if profile.pageEtag == etag and profile.pageRender == version:
        return None
    return PageWrite(body, etag, version)


def _stored_is_settled(profile):
    """True when the item's stored page (or its absence) already fits its visibility and this
    render version, so a private write may leave it as it is."""
    if not profile.isPublic or profile.deletedAt is not None:
        return profile.pageEtag is None
    return profile.pageEtag is not None and profile.pageRender == render_version()


def is_current(item):
    """True when the visitor's item holds a stored page of this render version."""
    return item.pageGz is not None and item.pageRender == render_version()

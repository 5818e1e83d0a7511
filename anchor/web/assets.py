"""Content-hashed static URLs: `url_for('static', filename=...)` gains `?v=<hash of the file>`.

A deploy that changes style.css changes its URL, so a browser or CDN that cached the old file
for a year never serves it with the new pages. Files are hashed once per process (they only
change with a deploy, which restarts the processes). A request carrying the current hash is
answered as immutable; in production nginx serves /static itself with the same rule: gunicorn's
master writes one empty marker file per current (file, hash) pair at start
(`write_markers`, ANCHOR_STATIC_VERSIONS_DIR), and nginx sends the year-long immutable header
only when the marker for the requested path and `v` exists. So during an immutable deploy an old
instance asked for a new hash answers with a short cache, never a wrong file cached for a year.
"""
import hashlib
import os
import threading

from flask import request

IMMUTABLE_SECONDS = 365 * 24 * 3600
_digests = {}
_lock = threading.Lock()


def file_digest(folder, filename):
    """The first 12 hex digits of the file's SHA-256, or None when there is no such file."""
    path = os.path.realpath(os.path.join(folder, filename))
    if not path.startswith(os.path.realpath(folder) + os.sep):
        return None
    with _lock:
        if path in _digests:
            return _digests[path]
    try:
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:12]
    except OSError:
        digest = None
    with _lock:
        _digests[path] = digest
    return digest


def write_markers(folder, target):
    """Empty files `<target>/static/<path>.<hash>` for every static file; stale ones removed."""
    folder, target = os.path.realpath(folder), os.path.realpath(target)
    wanted = set()
    for base, _dirs, names in os.walk(folder):
        for name in names:
            relative = os.path.relpath(os.path.join(base, name), folder)
            digest = file_digest(folder, relative)
            if digest:
                wanted.add(os.path.join(target, "static", f"{relative}.{digest}"))
    for base, _dirs, names in os.walk(target):
        for name in names:
            path = os.path.join(base, name)
            if path not in wanted:
                os.remove(path)
    for path in wanted:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8"):
            pass
    return len(wanted)


def init_app(app):
    """Add the hash to static URLs and mark hashed answers immutable."""

    @app.url_defaults
    def _hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = file_digest(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and response.status_code == 200:
            wanted = request.args.get("v")
            if wanted and wanted == file_digest(app.static_folder, request.view_args.get("filename", "")):
                response.cache_control.no_cache = None    # Flask's default for static files
                response.cache_control.public = True
                response.cache_control.max_age = IMMUTABLE_SECONDS
                response.cache_control.immutable = True
        return response

"""Content-hashed static URLs: `url_for('static', filename=...)` gains `?v=<hash of the file>`.

A deploy that changes style.css changes its URL, so a browser or CDN that cached the old file
for a year never serves it with the new pages. Files are hashed once per process (they only
change with a deploy, which restarts the processes). A request carrying the current hash is
answered as immutable; in production nginx serves /static itself with the same rule
(.platform/nginx/conf.d/).
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

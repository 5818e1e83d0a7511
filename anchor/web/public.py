"""Public pages: `/<handle>` from one profile read, and its share card image."""
from flask import Blueprint, Response, abort, redirect, request, url_for

from anchor.profiles import service
from anchor.profiles.handles import HANDLE_RE
from anchor.web import public_page, share_card

bp = Blueprint("public", __name__)


@bp.get("/<handle>")
def profile(handle):
    """The public page: cached or stored bytes, one GetItem at most for a visitor. Same 404 for every miss."""
    if not HANDLE_RE.fullmatch(handle):
        if HANDLE_RE.fullmatch(handle.lower()):
            return redirect(url_for("public.profile", handle=handle.lower()), code=301)
        abort(404)
    answer = public_page.serve_public(handle)
    if answer is None:
        abort(404)
    return answer


@bp.get("/<handle>/og.png")
def share_image(handle):
    """The 1200×630 share card; the URL carries the data hash, so it can be cached for long."""
    if not HANDLE_RE.fullmatch(handle):
        abort(404)
    found = service.get_public(handle)
    if found is None:
        abort(404)
    version = share_card.version(found)
    if request.args.get("v") != version:
        return redirect(url_for("public.share_image", handle=handle, v=version), code=302)
    response = Response(share_card.render(found), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

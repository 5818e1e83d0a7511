"""Public pages: `/<handle>` from one profile read, and its share card image."""
from flask import Blueprint, Response, abort, redirect, request, url_for

from anchor.models import bulkhead
from anchor.pages import public_view
from anchor.profiles import service
from anchor.profiles.handles import HANDLE_RE
from anchor.profiles.years import YEAR_RE
from anchor.web import feeds, public_page, share_card, sharing, svg_card, year_page

bp = Blueprint("public", __name__)
bp.add_app_template_global(sharing.share_view, "share_view")


@bp.before_request
def _visitors_wait_for_a_slot():
    """A visitor's read waits a moment for a DynamoDB slot rather than meeting a 503 at once."""
    bulkhead.wait_patiently(bulkhead.PAGE_WAIT)


@bp.teardown_request
def _back_to_the_short_wait(_exc):
    bulkhead.wait_patiently(None)          # the thread serves an owner's request next, perhaps


@bp.get("/<handle>")
def profile(handle):
    """The public page: cached or stored bytes, one GetItem at most for a visitor. Same 404 for every miss.

    `?range=month|all` picks another range: plain links, each its own page-cache entry, rendered
    from one GetItem of the item; any other `range` value is a 404, so junk never fills caches.
    """
    if not HANDLE_RE.fullmatch(handle):
        if HANDLE_RE.fullmatch(handle.lower()):
            # Only the range goes along: any other name could be one of url_for's own
            # (`_external`, `_method`, `handle`), which would build a URL from the client's Host.
            return redirect(url_for("public.profile", handle=handle.lower(), range=request.args.get("range")),
                            code=301)
        abort(404)
    param = request.args.get("range")
    if param is None:
        answer = public_page.serve_public(handle)
        if answer is None:
            abort(404)
        return answer
    if param not in public_view.RANGE_PARAMS:
        abort(404)
    cached = public_page.cached_public(handle, param)
    if cached is not None:
        return cached
    found = service.get_public(handle)
    if found is None:
        abort(404)
    try:
        range_name = public_view.pick_range(found, param)
    except public_view.UnknownRange:
        abort(404)
    return public_page.render_public(found, range_name=range_name)


@bp.get("/<handle>/<year>")
def year(handle, year):
    """A year page: the stored bytes of its visitor's item (one GetItem). Same 404 for every miss."""
    if not HANDLE_RE.fullmatch(handle) or not YEAR_RE.fullmatch(year):
        abort(404)
    answer = year_page.serve_year(handle, year)
    if answer is None:
        abort(404)
    return answer


@bp.get("/<handle>/feed.xml")
def feed(handle):
    """The Atom feed of what changed, one entry per refresh that moved something (one GetItem)."""
    if not HANDLE_RE.fullmatch(handle):
        abort(404)
    if (cached := public_page.cached_variant(handle, "feed")) is not None:
        return cached
    found = service.get_public(handle)
    if found is None:
        abort(404)
    return public_page.cache_variant(found, "feed", feeds.atom(found), "application/atom+xml; charset=utf-8")


@bp.get("/<handle>/card.svg")
def card_svg(handle):
    """The embeddable card: a self-contained SVG (no script, no outside reference), one GetItem."""
    if not HANDLE_RE.fullmatch(handle):
        abort(404)
    cached = public_page.cached_variant(handle, "card.svg")
    if cached is not None:
        return _as_image(cached)
    found = service.get_public(handle)
    if found is None:
        abort(404)
    response = public_page.cache_variant(found, "card.svg", svg_card.render(found), "image/svg+xml")
    return _as_image(response)


def _as_image(response):
    """Opened on its own, the SVG may run nothing and load nothing; other sites may embed it."""
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/<handle>/og.png")
def share_image(handle):
    """The 1200×630 share card; the URL carries the data hash, so it can be cached for long."""
    if not HANDLE_RE.fullmatch(handle):
        abort(404)
    found = service.get_public(handle)
    if found is None:
        abort(404)
    version = public_view.card_version(found)
    if request.args.get("v") != version:
        return redirect(url_for("public.share_image", handle=handle, v=version), code=302)
    response = Response(share_card.render(found), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

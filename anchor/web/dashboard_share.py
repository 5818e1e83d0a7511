"""The sharing panel's downloads: the page's QR code as an SVG or PNG file.

They register on the one `dashboard` blueprint (anchor/web/dashboard.py): owner-only, like the
panel that links them. The code holds nothing but the public page's URL.
"""
from flask import Response, abort

from anchor.pages.context import absolute_url
from anchor.web import sharing
from anchor.web.dashboard import bp, owner_profile


@bp.get("/qr.<any(svg, png):kind>")
def share_qr(kind):
    """The owner's page QR code as a download (404 until the page is published)."""
    profile = owner_profile()
    if not profile.isPublic:
        abort(404)
    body = sharing.qr_file(absolute_url("public.profile", handle=profile.handle), kind)
    response = Response(body, mimetype=sharing.QR_TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="anchor-{profile.handle}-qr.{kind}"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response

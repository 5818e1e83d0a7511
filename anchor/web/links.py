"""The owner's links: add, move and remove them from the dashboard, and `/<handle>/go/<n>`.

The dashboard routes register on the dashboard blueprint and the click route on the public one,
so this module is all that links add to the web layer.
"""
import logging

from botocore.exceptions import BotoCoreError
from flask import abort, redirect, request
from pynamodb.exceptions import PynamoDBException

from anchor import clock
from anchor.logs import log_event
from anchor.profiles import clicks, links, service
from anchor.profiles.handles import HANDLE_RE
from anchor.web import dashboard, limits, public
from anchor.web.public_page import is_owner

LINK_BLOCKS = ["links", "versions", "flash"]
log = logging.getLogger("anchor.links")


@dashboard.bp.post("/links")
def add_link():
    """Add one link at the end of the owner's list."""
    return dashboard.body_action(links.add, "Link added.", request.form.get("url"), request.form.get("label"),
                                 place="links", blocks=LINK_BLOCKS)


@dashboard.bp.post("/links/<link_id>/move")
def move_link(link_id):
    """Move a link one place up or down."""
    direction = request.form.get("direction", "")
    return dashboard.body_action(links.move, f"Moved {direction}.", link_id, direction,
                                 place=f"link-{link_id}", blocks=LINK_BLOCKS)


@dashboard.bp.post("/links/<link_id>/remove")
def remove_link(link_id):
    """Take a link off the page."""
    return dashboard.body_action(links.remove, "Link removed.", link_id, place="links", blocks=LINK_BLOCKS)


@public.bp.get("/<handle>/go/<int:n>")
def go_link(handle, n):
    """Count a click on the page's link `n`, then send the visitor to its stored address (only that)."""
    if not HANDLE_RE.fullmatch(handle):
        abort(404)
    found = service.get_public(handle)
    link = links.nth(found, n) if found is not None else None
    if link is None:
        abort(404)
    if request.method == "GET" and not is_owner(found.ownerId):   # not a link checker's HEAD, not the owner
        _count(found, link)
    response = redirect(link["url"], code=302)
    response.headers["Cache-Control"] = "no-store"
    return response


def _count(found, link):
    """Count the click unless this address already clicked this link often this hour."""
    handle = found.handle
    try:
        limits.hit("click", now=clock.now().timestamp(), subject=f"{handle}/{link['id']}")
    except limits.RateLimited:
        return                           # the visitor still goes where they were going, uncounted
    try:
        clicks.record(handle, link["id"], [each["id"] for each in links.stored(found)])
    except (PynamoDBException, BotoCoreError) as exc:
        # The visitor still gets where they were going; only the count is lost.
        log_event(log, "link click not counted", level=logging.WARNING, handle=handle, error=type(exc).__name__)

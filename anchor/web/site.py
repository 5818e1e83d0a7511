"""Landing page, health check and robots.txt."""
import logging

from flask import Blueprint, Response, current_app, render_template
from pynamodb.exceptions import PynamoDBException

from anchor.logs import log_event
from anchor.models import SentinelModel
from anchor.profiles import demo_pages

bp = Blueprint("site", __name__)
log = logging.getLogger("anchor.health")
SENTINEL_KEY = "HEALTH#sentinel"


@bp.get("/")
def landing():
    """What Anchor.band is, and the way in."""
    sandbox = current_app.config["DEMO_MODE"]
    return render_template("site/landing.html", demo_spotify=sandbox,
                           demo_handles=demo_pages.handles() if sandbox else [])


@bp.get("/healthz")
def healthz():
    """One GetItem of the sentinel item: 200 when DynamoDB answers, 503 otherwise."""
    try:
        SentinelModel.get(SENTINEL_KEY)
    except SentinelModel.DoesNotExist:
        return _plain("unavailable: health sentinel missing (run `flask migrate`)", 503)
    except PynamoDBException as exc:
        log_event(log, "health check failed", level=logging.WARNING, error=type(exc).__name__)
        return _plain("unavailable: DynamoDB did not answer", 503)
    return _plain("ok", 200)


@bp.get("/robots.txt")
def robots():
    """Public pages may be indexed; the dashboard may not."""
    return _plain("User-agent: *\nDisallow: /dashboard\nDisallow: /auth/\n", 200)


def _plain(text, status):
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response

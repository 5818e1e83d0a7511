"""Serving a year page (`/<handle>/<yyyy>`): one GetItem of its visitor's item, the bytes as stored.

The page is rendered on write (anchor/pages/years.py). After a deploy that changed the render
version, the first view renders it again from the profile and the year's item and puts it back,
conditioned on the visitor's item still holding the page it read, so a write-back never
overwrites a newer write (a take-down or a newer render).
"""
import logging

from pynamodb.exceptions import PynamoDBException

from anchor.logs import log_event
from anchor.models import conditional
from anchor.models.pages import PageModel
from anchor.models.years import get_year_page, read_year, year_page_item
from anchor.pages import render, year_view, years
from anchor.profiles import service
from anchor.web import stored_page
from anchor.web.public_page import VISITOR_CACHE

log = logging.getLogger("anchor.pages")


def serve_year(handle, year):
    """The year page's answer, or None for the one 404 (no such year, hidden, or no public page)."""
    item = get_year_page(handle, year)
    if item is None or not stored_page.is_public(item):
        return None
    if render.is_current(item):
        return stored_page.answer(item.pageGz, item.pageEtag, VISITOR_CACHE)
    profile = service.get_public(handle)
    if profile is None or year not in {entry["year"] for entry in year_view.visible_years(profile)}:
        return None
    data = read_year(handle, year)
    if data is None:
        return None
    body, etag = years.render_year_page(profile, year, data)
    _write_back(profile, year, item, body, etag)
    return stored_page.answer(body, etag, VISITOR_CACHE)


def _write_back(profile, year, read, body, etag):
    """Store a render made for a new deploy, only over the page it replaces."""
    fresh = year_page_item(profile, year, body, etag, render.render_version())
    try:
        stored = conditional(fresh.save, condition=PageModel.pageEtag == read.pageEtag)
    except PynamoDBException as exc:
        log_event(log, "year page write-back failed", level=logging.WARNING, handle=profile.handle,
                  year=year, error=type(exc).__name__)
        return False
    return stored

"""The dashboard's year choices: which year pages are public, and whether they show the clock.

It registers on the one `dashboard` blueprint (anchor/web/dashboard.py), with its endpoint names.
"""
from flask import request

from anchor.pages import year_images
from anchor.profiles import year_copy, years
from anchor.profiles.editing import EditRefused
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.web import public_page
from anchor.web.dashboard import BODY, TEMPLATE, bp, owner_profile, page_context
from anchor.web.htmx import after_post

PLACE = "years-card"
bp.add_app_template_global(year_images.stored_urls, "year_image_urls")


@bp.post("/years")
def year_choices():
    """Show the ticked years (hide the others) and turn the listening clock on or off."""
    profile = owner_profile()
    before = public_page.shown(profile)
    message = error = None
    try:
        years.set_prefs(profile, request.form.getlist("shown"), request.form.get("clock") == "on")
        public_page.changed(profile.handle, before)
        message = "Saved. Your year pages show your choices now."
    except (years.YearsRefused, ProfileGone, StaleEdit) as exc:
        error = str(exc)
    profile = owner_profile()
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw), message=message,
                      error=error, place=PLACE)


@bp.post("/years/words")
def year_words():
    """Save (and lock) the owner's words for one year page; empty hands them back to the copy job."""
    profile = owner_profile()
    before = public_page.shown(profile)
    year = request.form.get("year", "")
    message = error = None
    try:
        year_copy.edit(profile, year, request.form.get("words"), request.form.get("version"))
        public_page.changed(profile.handle, before)
        message = f"Saved. Your {year} page shows your words." if request.form.get("words", "").strip() \
            else f"Cleared. Your {year} page gets its words from the next copy."
    except (EditRefused, ProfileGone, StaleEdit) as exc:
        error = str(exc)
    profile = owner_profile()
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw), message=message,
                      error=error, place=PLACE)

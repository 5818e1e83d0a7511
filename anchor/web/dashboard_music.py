"""The dashboard's "My music": search MusicBrainz for the owner's artist, pick one, remove it.

The search is a GET form (it changes nothing; the results are a page of their own); picking and
removing are posts with CSRF and redirect-after-post. They register on the one `dashboard`
blueprint (anchor/web/dashboard.py), with its endpoint names.
"""
from flask import request

from anchor.profiles import music
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.web import limits, public_page
from anchor.web.dashboard import BODY, TEMPLATE, bp, owner_profile, page_context
from anchor.web.htmx import after_post, render

PLACE = "music-card"


def _answer(profile, message=None, error=None):
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw), message=message, error=error,
                      place=PLACE)


@bp.get("/music")
@limits.guard("music")
def music_search():
    """The dashboard with MusicBrainz's artists for the name typed."""
    profile = owner_profile()
    query = request.args.get("q", "")
    try:
        found = music.search(query)
    except music.MusicRefused as exc:
        return render(TEMPLATE, BODY, **page_context(profile, error=str(exc), place=PLACE, music_query=query))
    note = None if found else ("MusicBrainz knows no artist of that name. Check the spelling, "
                               "or add yourself there first.")
    return render(TEMPLATE, BODY, **page_context(profile, message=note, place=PLACE, music_query=query,
                                                 music_results=found))


@bp.post("/music/pick")
@limits.guard("music")
def music_pick():
    """Make the chosen MusicBrainz artist the page's own music, with their releases."""
    profile = owner_profile()
    before = public_page.shown(profile)
    try:
        found = music.pick(profile, request.form.get("mbid", ""))
    except (music.MusicRefused, ProfileGone, StaleEdit) as exc:
        return _answer(profile, error=str(exc))
    public_page.changed(profile.handle, before)
    count = len(found["releases"])
    shown = (f"{count} of their albums and EPs are on your page" if count
             else "MusicBrainz lists no albums or EPs for them yet; they appear after a refresh once it does")
    return _answer(profile, message=f"Saved {found['artist']['name']}: {shown}.")


@bp.post("/music/remove")
def music_remove():
    """Take the artist and their releases off the page."""
    profile = owner_profile()
    before = public_page.shown(profile)
    try:
        music.remove(profile)
    except (ProfileGone, StaleEdit) as exc:
        return _answer(profile, error=str(exc))
    public_page.changed(profile.handle, before)
    return _answer(profile, message="Your music is off the page.")

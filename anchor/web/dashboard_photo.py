"""The dashboard's photo actions: upload (or replace) the page photo, and remove it.

They register on the one `dashboard` blueprint (anchor/web/dashboard.py), with its endpoint names.
"""
from flask import request

from anchor.extensions import csrf
from anchor.profiles import photos
from anchor.profiles.service import ProfileGone, StaleEdit
from anchor.web import limits, public_page
from anchor.web.dashboard import BODY, TEMPLATE, bp, owner_profile, page_context
from anchor.web.htmx import after_post

PLACE = "photo-card"
BODY_ALLOWANCE = 64 * 1024        # the form's other fields and the multipart framing


def _answer(profile, message=None, error=None):
    return after_post(TEMPLATE, BODY, lambda **kw: page_context(profile, **kw), message=message, error=error,
                      place=PLACE)


def _act(action, profile, done):
    """Run a photo action; the visitor's page changes only when it succeeded."""
    before = public_page.shown(profile)
    try:
        action(profile)
    except (photos.PhotoRefused, ProfileGone, StaleEdit) as exc:
        return _answer(profile, error=str(exc))
    public_page.changed(profile.handle, before)
    return _answer(profile, message=done)


@bp.post("/photo")
@limits.guard("upload")
@csrf.exempt
def upload_photo():
    """Take a new page photo (replacing the old one)."""
    # Photos are larger than any other form: the limit is raised here, then CSRF is checked.
    request.max_content_length = photos.MAX_BYTES + BODY_ALLOWANCE
    csrf.protect()
    profile = owner_profile()
    sent = request.files.get("photo")
    data = sent.read(photos.MAX_BYTES + 1) if sent is not None and sent.filename else b""
    return _act(lambda p: photos.replace(p, data), profile, "Photo saved. Your page shows it now.")


@bp.post("/photo/remove")
def remove_photo():
    """Take the photo off the page and delete its files."""
    return _act(photos.remove, owner_profile(), "Photo removed.")

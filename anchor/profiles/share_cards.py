"""The page's share images, composed after a page-changing write, never on a view.

The worker's refresh and the copy job call `update` once the data and copy are written: when
what the images show changed (a keyed hash of it, pages/share_images.digest), the covers are
fetched (profiles/covers.py), the card and the story drawn and put in the photo bucket under
`photos/cards/`, the item names the new files (`shareImages`), and the old files are deleted.
The stored page's og:image then points at the stored card; until there is one, the
`/<handle>/og.png` route draws a card with placeholder tiles.
"""
import logging

from flask import current_app

from anchor import photos_store
from anchor.logs import log_event
from anchor.pages import share_images
from anchor.profiles import covers, writes
from anchor.profiles.service import ProfileGone, StaleEdit

log = logging.getLogger("anchor.share")
PREFIX = f"{photos_store.PREFIX}cards/"
KINDS = {"card": share_images.card, "story": share_images.story}     # name → drawing


def keys(stored):
    """The bucket keys a `shareImages` value names."""
    return [stored[kind] for kind in KINDS if (stored or {}).get(kind)]


def _wanted(profile):
    return share_images.digest(profile, current_app.config["SECRET_KEY"])


def is_current(profile):
    """True when the stored images show what the page shows now (or the site stores no images)."""
    return not photos_store.enabled() or (profile.shareImages or {}).get("hash") == _wanted(profile)


def update(profile):
    """Compose and store the images when they are out of date; True when new ones were stored."""
    if is_current(profile) or profile.deletedAt is not None:
        return False
    wanted = _wanted(profile)
    fetched = covers.fetch(share_images.cover_urls(profile), current_app.config)
    stored = {"hash": wanted, "covers": sum(image is not None for image in fetched.values())}
    try:
        for kind, draw in KINDS.items():
            stored[kind] = f"{PREFIX}{profile.handle}-{wanted}-{kind}.png"
            # The story is for saving to a phone: opened from its link, it downloads.
            photos_store.put(stored[kind], draw(profile, fetched), "image/png",
                             download_as=f"anchor-{profile.handle}-story.png" if kind == "story" else None)
    except photos_store.StoreDown:
        delete_keys(keys(stored), profile.handle)
        return False
    old = profile.shareImages
    try:
        writes.update(profile, lambda fresh: None if _wanted(fresh) != wanted else {"shareImages": stored})
    except (ProfileGone, StaleEdit):
        delete_keys(keys(stored), profile.handle)
        return False
    if profile.shareImages != stored:          # the page moved on meanwhile: the next write draws again
        delete_keys(keys(stored), profile.handle)
        return False
    delete_keys([key for key in keys(old) if key not in keys(stored)], profile.handle)
    log_event(log, "share images stored", handle=profile.handle, covers=stored["covers"])
    return True


def update_quietly(profile):
    """`update`, with any failure logged: the page is written whatever happens to its images."""
    try:
        return update(profile)
    except Exception:  # a bug here must never fail the refresh or the copy job that called it
        log_event(log, "share images failed", level=logging.ERROR, exc_info=True, handle=profile.handle)
        return False


def discard(stored, handle):
    """Delete the images a deleted profile let go of; a failure is logged."""
    delete_keys(keys(stored), handle)


def delete_keys(found, handle):
    """Delete these bucket files; one the bucket refuses is logged and left."""
    for key in found:
        try:
            photos_store.delete(key)
        except photos_store.StoreDown:
            log_event(log, "share image left in the bucket", level=logging.WARNING, handle=handle, key=key)


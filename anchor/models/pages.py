"""`PAGE#<handle>`: the visitor's item, the stored public page and what serving it needs.

A visitor's uncached view reads this item alone (a few KB: one eventually consistent read unit
is 4 KB, so half a unit), never the profile item with its listening data. It is written only in
the same transaction as the profile change that alters its bytes (profiles/writes.py), and the
profile item keeps the page's ETag and render version, never its bytes. An unpublished or
deleted profile's item stays, without bytes, saying the page is not public.
"""
from pynamodb.attributes import BinaryAttribute, BooleanAttribute, UnicodeAttribute

from anchor.models import _ProfilesTable


class PageModel(_ProfilesTable):
    """`PAGE#<handle>`: the visitor's page (gzip), its ETag, render version, owner and status."""

    class Meta(_ProfilesTable.Meta):
        pass

    handle = UnicodeAttribute()
    ownerId = UnicodeAttribute()
    isPublic = BooleanAttribute(default=False)
    pageGz = BinaryAttribute(null=True, legacy_encoding=False)
    pageEtag = UnicodeAttribute(null=True)
    pageRender = UnicodeAttribute(null=True)   # render version: templates, static files, release, base URL


def page_key(handle):
    """`PAGE#<handle>`: the key of a visitor's item."""
    return f"PAGE#{handle}"


def page_item(profile, body, etag, version):
    """The visitor's item for `profile` holding `body` (None: the page is not public)."""
    public = body is not None
    return PageModel(page_key(profile.handle), handle=profile.handle, ownerId=profile.ownerId,
                     isPublic=public, pageGz=body, pageEtag=etag if public else None,
                     pageRender=version if public else None)
